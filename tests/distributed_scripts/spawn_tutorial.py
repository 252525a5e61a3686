"""PyTorch's DDP tutorial (multiprocessing.spawn, init_process_group with rank and world_size,
MASTER_ADDR/MASTER_PORT set by the script), torch renamed to ember. argv[1] is the port."""
import os
import sys

import ember
import ember.distributed as dist
import ember.multiprocessing as mp
import ember.nn as nn
import ember.optim as optim
from ember.nn.parallel import DistributedDataParallel as DDP


def setup(rank, world_size, port):
    os.environ["MASTER_ADDR"] = "localhost"
    os.environ["MASTER_PORT"] = port
    dist.init_process_group("gloo", rank=rank, world_size=world_size)


class ToyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.net1 = nn.Linear(10, 10)
        self.relu = nn.ReLU()
        self.net2 = nn.Linear(10, 5)

    def forward(self, x):
        return self.net2(self.relu(self.net1(x)))


def demo_basic(rank, world_size, port):
    setup(rank, world_size, port)
    ember.manual_seed(rank)  # different on each rank: DDP starts them all from rank 0's
    model = ToyModel()
    ddp_model = DDP(model)
    loss_fn = nn.MSELoss()
    optimizer = optim.SGD(ddp_model.parameters(), lr=0.001)
    optimizer.zero_grad()
    outputs = ddp_model(ember.randn(20, 10))
    labels = ember.randn(20, 5)
    loss_fn(outputs, labels).backward()
    optimizer.step()
    weights = [None] * world_size
    dist.all_gather_object(weights, model.net1.weight.detach().numpy().tolist())
    assert all(w == weights[0] for w in weights), "replicas differ after a step"
    dist.destroy_process_group()
    print(f"rank {rank}: spawn OK", flush=True)


if __name__ == "__main__":
    world_size = 2
    mp.spawn(demo_basic, args=(world_size, sys.argv[1]), nprocs=world_size, join=True)
