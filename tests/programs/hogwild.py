"""Hogwild training in the manner of PyTorch's mnist_hogwild example: a model's parameters in
shared memory, updated by several processes at once with torch.multiprocessing."""
import json

import torch
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F


def make_data(seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(256, 10, generator=g)
    y = (X[:, :3].sum(1) > 0).long()
    return X, y


def train(rank, model):
    torch.manual_seed(rank)
    X, y = make_data(rank)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(20):
        for xb, yb in zip(X.split(32), y.split(32)):
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()


def evaluate(model):
    X, y = make_data(99)
    with torch.no_grad():
        return F.cross_entropy(model(X), y).item()


if __name__ == "__main__":
    mp.set_start_method("spawn", force=True)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 2))
    model.share_memory()
    assert all(p.is_shared() for p in model.parameters())
    before = evaluate(model)
    processes = []
    for rank in range(2):
        p = mp.Process(target=train, args=(rank, model))
        p.start()
        processes.append(p)
    for p in processes:
        p.join()
        assert p.exitcode == 0
    after = evaluate(model)
    print(f"loss before {before:.4f} after {after:.4f}")
    assert after < 0.5 * before, (before, after)
    print("RESULT " + json.dumps({"before": before, "after": after}))
