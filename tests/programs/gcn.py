"""A two-layer graph convolutional network (Kipf & Welling) on a two-community graph, with the
normalised adjacency as a sparse COO tensor and learnable edge weights (sigmoid-gated) in the second layer."""
import json

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(0)
torch.manual_seed(0)
n, feats = 120, 16
labels = np.repeat([0, 1], n // 2)
same = labels[:, None] == labels[None, :]
adj = rng.random((n, n)) < np.where(same, 0.12, 0.01)
adj = np.triu(adj, 1)
adj = adj | adj.T | np.eye(n, dtype=bool)
rows, cols = np.nonzero(adj)
deg = adj.sum(1)
norm = 1.0 / np.sqrt(deg[rows] * deg[cols])
A = torch.sparse_coo_tensor(torch.tensor(np.stack([rows, cols])), torch.tensor(norm, dtype=torch.float32), (n, n))
assert A.is_sparse and A.layout == torch.sparse_coo
A = A.coalesce()
X = torch.tensor(rng.normal(size=(n, feats)) + labels[:, None] * 0.5, dtype=torch.float32)
y = torch.tensor(labels)
train_mask = torch.zeros(n, dtype=torch.bool)
train_mask[torch.randperm(n)[:30]] = True


class GCN(nn.Module):
    def __init__(self, nin, nhid, nout, nnz):
        super().__init__()
        self.l1 = nn.Linear(nin, nhid)
        self.l2 = nn.Linear(nhid, nout)
        self.edge_logit = nn.Parameter(torch.full((nnz,), 2.0))

    def forward(self, x, adj):
        h = F.relu(torch.sparse.mm(adj, self.l1(x)))
        h = F.dropout(h, 0.5, self.training)
        weighted = torch.sparse_coo_tensor(adj.indices(), adj.values() * torch.sigmoid(self.edge_logit), adj.shape)
        return weighted @ self.l2(h)


model = GCN(feats, 16, 2, A._nnz())
opt = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=5e-4)
for epoch in range(100):
    model.train()
    opt.zero_grad()
    out = model(X, A)
    loss = F.cross_entropy(out[train_mask], y[train_mask])
    loss.backward()
    opt.step()
assert model.edge_logit.grad is not None and model.edge_logit.grad.abs().sum() > 0
model.eval()
with torch.no_grad():
    pred = model(X, A).argmax(1)
acc = (pred[~train_mask] == y[~train_mask]).float().mean().item()
print(f"loss {loss:.4f} test accuracy {acc:.3f}")
assert acc > 0.8, acc
print("RESULT " + json.dumps({"accuracy": acc}))
