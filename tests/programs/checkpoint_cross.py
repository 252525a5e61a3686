"""Checkpoints that cross libraries: `save PATH` trains a small CNN a few steps and writes its
state dict, the optimizer's state and a probe input and output with torch.save; `load PATH`
reads them with torch.load(weights_only=True), rebuilds the model and optimizer, checks the
outputs and takes one more step."""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)
        return self.fc(torch.flatten(x, 1))


def data():
    g = torch.Generator().manual_seed(0)
    return torch.randn(16, 1, 8, 8, generator=g), torch.randint(0, 3, (16,), generator=g)


mode, path = sys.argv[1], sys.argv[2]
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
X, y = data()
if mode == "save":
    torch.manual_seed(0)
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(model(X), y).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        probe = model(X)
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
                "probe_in": X, "probe_out": probe, "name": "cnn"}, path)
    print("saved")
else:
    ckpt = torch.load(path, weights_only=True)
    assert ckpt["epoch"] == 3 and ckpt["name"] == "cnn"
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    model.eval()
    with torch.no_grad():
        out = model(ckpt["probe_in"])
    assert torch.allclose(out, ckpt["probe_out"], atol=1e-5), (out - ckpt["probe_out"]).abs().max()
    assert opt.state_dict()["state"][0]["step"] == 3
    model.train()
    opt.zero_grad()
    F.cross_entropy(model(X), y).backward()
    opt.step()
    print("loaded")
