"""Logging a training run to TensorBoard with torch.utils.tensorboard.SummaryWriter."""
import sys

import torch
import torch.nn as nn
from torch.utils.tensorboard import SummaryWriter

log_dir = sys.argv[1]
torch.manual_seed(0)
model = nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
X = torch.randn(64, 4)
y = X @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
with SummaryWriter(log_dir=log_dir) as writer:
    for step in range(30):
        loss = nn.functional.mse_loss(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        writer.add_scalar("train/loss", loss.item(), step)
    writer.add_histogram("weights", model.weight, 30)
    writer.add_scalars("compare", {"a": 1.0, "b": 2.0}, 0)
    writer.add_text("note", "done", 0)
print("logged")
