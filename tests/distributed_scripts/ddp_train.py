"""DDP training on 2 or 3 processes against one process training on the full batch; run by
tests/test_distributed.py under `python -m ember.distributed.run`. Exits non-zero on a mismatch."""
import copy

import numpy as np

import ember
import ember.distributed as dist
import ember.nn as nn
import ember.nn.functional as F
from ember.nn.parallel import DistributedDataParallel as DDP
from ember.utils.data import DataLoader, DistributedSampler, TensorDataset


def mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 8, 3, stride=2, padding=1)
        self.fc = nn.Linear(8 * 4 * 4, 5)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        return self.fc(x.flatten(1))


class WithUnused(nn.Module):
    """`skip` is used only on rank 0 (or never): find_unused_parameters must cope with both."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(6, 8)
        self.b = nn.Linear(8, 3)
        self.skip = nn.Linear(6, 3)
        self.never = nn.Linear(2, 2)

    def forward(self, x, use_skip):
        y = self.b(F.relu(self.a(x)))
        return y + self.skip(x) if use_skip else y


def same_start(build, seed):
    """Rank 0's model (seed) and every other rank's (another seed): DDP must broadcast rank 0's."""
    rank = dist.get_rank()
    ember.manual_seed(seed + rank)
    model = build()
    ember.manual_seed(seed)
    reference = build()
    return model, reference


def check_close(model, reference, what, tol=1e-5):
    for (n, p), (_, q) in zip(model.named_parameters(), reference.named_parameters()):
        err = np.abs(p.detach().numpy() - q.detach().numpy()).max()
        scale = max(np.abs(q.detach().numpy()).max(), 1.0)
        assert err <= tol * scale, f"{what}: parameter {n} differs from single-process training by {err}"


class BatchNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x):
        return self.fc(F.relu(self.bn(self.conv(x))).flatten(1))


def train_against_reference(build, make_data, optimizer, steps, what, accumulate=1, bucket_cap_mb=None,
                            sync_bn=False):
    rank, size = dist.get_rank(), dist.get_world_size()
    model, reference = same_start(build, 100)
    if sync_bn:
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    ddp = DDP(model, bucket_cap_mb=bucket_cap_mb)
    check_close(model, reference, what + " (after the initial broadcast)", 0)
    opt, ref_opt = optimizer(ddp.parameters()), optimizer(reference.parameters())
    for step in range(steps):
        x, y = make_data(step)  # the full batch, the same on every rank
        ref_opt.zero_grad()
        F.cross_entropy(reference(x), y).backward()
        ref_opt.step()
        opt.zero_grad()
        shards = list(zip(x.chunk(size * accumulate), y.chunk(size * accumulate)))[rank::size]
        for k, (xs, ys) in enumerate(shards):
            if k < accumulate - 1:
                with ddp.no_sync():
                    (F.cross_entropy(ddp(xs), ys) / accumulate).backward()
            else:
                (F.cross_entropy(ddp(xs), ys) / accumulate).backward()
        opt.step()
    check_close(model, reference, what)
    for (n, b), (_, r) in zip(model.named_buffers(), reference.named_buffers()):
        assert np.allclose(b.numpy(), r.numpy(), rtol=1e-5, atol=1e-6), f"{what}: buffer {n} differs"
    # every rank holds the same parameters
    for p in model.parameters():
        mine = p.detach().clone()
        dist.broadcast(p.detach(), src=0)
        assert ember.equal(mine, p.detach()), f"{what}: ranks diverged"
    return ddp


def main():
    dist.init_process_group("gloo")
    rank, size = dist.get_rank(), dist.get_world_size()
    gen = np.random.default_rng(0)

    def mlp_data(step):
        x = gen.standard_normal((12 * size, 6)).astype(np.float32)
        return ember.tensor(x), ember.tensor((x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0))

    def image_data(step):
        x = gen.standard_normal((4 * size, 1, 8, 8)).astype(np.float32)
        return ember.tensor(x), ember.tensor(gen.integers(0, 5, 4 * size))

    # MLP with SGD momentum; a tiny bucket cap so every parameter is its own bucket too
    ddp = train_against_reference(mlp, mlp_data, lambda p: ember.optim.SGD(p, lr=0.1, momentum=0.9), 6,
                                  "mlp sgd")
    assert list(ddp.state_dict()) == ["module." + k for k in ddp.module.state_dict()]
    train_against_reference(mlp, mlp_data, lambda p: ember.optim.SGD(p, lr=0.1), 4, "mlp small buckets",
                            bucket_cap_mb=0.0001)
    # CNN with Adam
    train_against_reference(SmallCNN, image_data, lambda p: ember.optim.Adam(p, lr=1e-2), 5, "cnn adam")
    # SyncBatchNorm: statistics over every rank's batch, as one process's BatchNorm on the whole batch
    train_against_reference(BatchNormNet, image_data, lambda p: ember.optim.SGD(p, lr=0.1, momentum=0.9), 4,
                            "cnn SyncBatchNorm", sync_bn=True)
    # gradient accumulation with no_sync
    train_against_reference(mlp, mlp_data, lambda p: ember.optim.SGD(p, lr=0.1), 4, "mlp no_sync", accumulate=2)

    # find_unused_parameters: `skip` used on rank 0 only, `never` on no rank
    ember.manual_seed(5)
    model = WithUnused()
    ddp = DDP(model, find_unused_parameters=True)
    x = ember.randn(4, 6)
    ddp(x, use_skip=rank == 0).sum().backward()
    assert model.never.weight.grad is None, "a parameter no rank used got a gradient"
    grad = model.skip.weight.grad.clone()
    dist.broadcast(grad, src=0)
    assert ember.allclose(grad, model.skip.weight.grad), "the partly used parameter's gradient differs between ranks"
    # without find_unused_parameters the next iteration says which parameters were never reduced
    ddp = DDP(WithUnused())
    ddp(x, use_skip=True).sum().backward()
    try:
        ddp(x, use_skip=True)
    except RuntimeError as e:
        assert "never.weight" in str(e) and "find_unused_parameters" in str(e), str(e)
    else:
        raise AssertionError("an unreduced parameter went unreported")

    # buffers follow rank 0's at each forward
    bn = nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4))
    ddp = DDP(bn)
    ddp(ember.randn(8, 6) + rank).sum().backward()
    ddp.eval()  # no update of the statistics: what the forward leaves is what it received
    ddp(ember.randn(8, 6))
    mean = bn[1].running_mean.clone()
    ref = mean.clone()
    dist.broadcast(ref, src=0)
    assert ember.equal(ref, mean), "buffers were not broadcast from rank 0"

    # a communication hook: gradients travel as float16
    from ember.distributed.algorithms.ddp_comm_hooks import default_hooks
    ember.manual_seed(1)
    model = mlp()
    ddp = DDP(copy.deepcopy(model))
    hooked = DDP(copy.deepcopy(model))
    hooked.register_comm_hook(None, default_hooks.fp16_compress_hook)
    x = ember.randn(6, 6) * (rank + 1)
    ddp(x).sum().backward()
    hooked(x).sum().backward()
    for p, q in zip(ddp.parameters(), hooked.parameters()):
        assert ember.allclose(p.grad, q.grad, rtol=2e-3, atol=2e-3), "fp16_compress_hook"

    # DistributedSampler shards a dataset between the ranks
    data = TensorDataset(ember.arange(10))
    sampler = DistributedSampler(data, shuffle=False)
    seen = [int(b[0]) for b in DataLoader(data, sampler=sampler, batch_size=1, num_workers=2)]  # workers fork after MPI is up
    everyone = [None] * size
    dist.all_gather_object(everyone, seen)
    flat = sorted(i for part in everyone for i in part)
    assert set(flat) == set(range(10)) and len(flat) == size * -(-10 // size)

    dist.destroy_process_group()
    print(f"rank {rank}: ddp OK", flush=True)


if __name__ == "__main__":
    main()
