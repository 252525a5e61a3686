"""Mixed-precision training on the CPU: autocast to bfloat16 with a gradient scaler, in the
manner of PyTorch's AMP recipe."""
import json

import torch
import torch.nn as nn

torch.manual_seed(0)
n, d, classes = 512, 32, 4
centers = torch.randn(classes, d) * 2
y = torch.randint(0, classes, (n,))
X = centers[y] + torch.randn(n, d)

model = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, classes))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 10)
loss_fn = nn.CrossEntropyLoss()
losses = []
for epoch in range(8):
    for i in range(0, n, 64):
        xb, yb = X[i:i + 64], y[i:i + 64]
        opt.zero_grad()
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            out = model(xb)
            assert out.dtype == torch.bfloat16, out.dtype
            loss = loss_fn(out, yb)
            assert loss.dtype == torch.float32, loss.dtype
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        scaler.step(opt)
        scaler.update()
        losses.append(loss.item())
assert all(p.dtype == torch.float32 and p.grad.dtype == torch.float32 for p in model.parameters())
with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
    acc = (model(X).argmax(1) == y).float().mean().item()
print(f"first loss {losses[0]:.4f} last loss {losses[-1]:.4f} accuracy {acc:.3f} scale {scaler.get_scale()}")
assert losses[-1] < 0.3 * losses[0] and acc > 0.9
print("RESULT " + json.dumps({"accuracy": acc, "scale": scaler.get_scale()}))
