"""Fitting sine waves with LBFGS and a strong-Wolfe line search, in the manner of PyTorch's
time-sequence-prediction example (an LSTMCell unrolled over the sequence, float64)."""
import json

import numpy as np
import torch
import torch.nn as nn

np.random.seed(2)
torch.manual_seed(0)
T, L, N = 20, 40, 12
x = np.empty((N, L), "int64")
x[:] = np.arange(L) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)
data = np.sin(x / 1.0 / T).astype("float64")
inp = torch.from_numpy(data[:, :-1])
target = torch.from_numpy(data[:, 1:])


class Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTMCell(1, 16)
        self.linear = nn.Linear(16, 1)

    def forward(self, input):
        outputs = []
        h_t = torch.zeros(input.size(0), 16, dtype=torch.double)
        c_t = torch.zeros(input.size(0), 16, dtype=torch.double)
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            outputs += [self.linear(h_t)]
        return torch.cat(outputs, dim=1)


seq = Sequence().double()
criterion = nn.MSELoss()
optimizer = torch.optim.LBFGS(seq.parameters(), lr=0.8, max_iter=10, line_search_fn="strong_wolfe")
losses = []
for i in range(4):
    def closure():
        optimizer.zero_grad()
        loss = criterion(seq(inp), target)
        loss.backward()
        return loss
    loss = optimizer.step(closure)
    losses.append(float(loss))
    print(f"step {i} loss {loss.item():.6f}")

with torch.no_grad():
    final = criterion(seq(inp), target).item()
print(f"final {final:.6f}")
assert final < 0.1 * losses[0], (losses, final)
print("RESULT " + json.dumps({"first_loss": losses[0], "final_loss": final}))
