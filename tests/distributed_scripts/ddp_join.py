"""DDP's join(): rank r has 3 + r batches. Every rank must end with the parameters of one
process training on the batches as they were spread (each step the sum over the ranks that
still had a batch, divided by the world size or by their number), and with
throw_on_early_termination every rank raises. Run by tests/test_distributed.py."""
import ember
import ember.distributed as dist
import ember.nn as nn
import ember.nn.functional as F
from ember.nn.parallel import DistributedDataParallel as DDP


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2))
        self.register_buffer("scale", ember.tensor(2.0))

    def forward(self, x):
        return self.net(x) * self.scale


def batch(rank, step):
    g = ember.Generator().manual_seed(100 * rank + step)
    return ember.randn(4, 5, generator=g), ember.randn(4, 2, generator=g)


def run(divide_by_initial_world_size):
    rank, size = dist.get_rank(), dist.get_world_size()
    ember.manual_seed(3)
    model, reference = Scaled(), Scaled()
    reference.load_state_dict(model.state_dict())
    ddp = DDP(model)
    opt = ember.optim.SGD(ddp.parameters(), lr=0.05)
    with ddp.join(divide_by_initial_world_size=divide_by_initial_world_size):
        for step in range(3 + rank):
            x, y = batch(rank, step)
            F.mse_loss(ddp(x), y).backward()
            opt.step()
            opt.zero_grad()
    ref_opt = ember.optim.SGD(reference.parameters(), lr=0.05)
    for step in range(3 + size - 1):
        active = [r for r in range(size) if step < 3 + r]
        divisor = size if divide_by_initial_world_size else len(active)
        sum(F.mse_loss(reference(batch(r, step)[0]), batch(r, step)[1]) for r in active).div(divisor).backward()
        ref_opt.step()
        ref_opt.zero_grad()
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        err = (p - q).abs().max().item()
        assert err < 1e-5, f"join (divide_by_initial_world_size={divide_by_initial_world_size}): {name} off by {err}"
    # a normal step afterwards still works
    x, y = batch(rank, 99)
    F.mse_loss(ddp(x), y).backward()


def main():
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    run(True)
    run(False)
    ddp = DDP(Scaled())
    try:
        with ddp.join(throw_on_early_termination=True):
            for step in range(2 + rank):
                ddp(batch(rank, step)[0]).sum().backward()
    except RuntimeError as e:
        assert "exhausted inputs" in str(e), str(e)
    else:
        raise AssertionError("throw_on_early_termination did not throw")
    dist.destroy_process_group()
    print(f"rank {rank}: join OK", flush=True)


if __name__ == "__main__":
    main()
