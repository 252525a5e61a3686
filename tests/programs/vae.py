"""A variational autoencoder on two-dimensional mixture data, written with torch.distributions:
a reparameterised Normal posterior, a standard Normal prior and kl_divergence."""
import json

import torch
import torch.nn as nn
from torch.distributions import Normal, kl_divergence

torch.manual_seed(0)
n = 1024
centers = torch.tensor([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
data = centers[torch.randint(0, 4, (n,))] + 0.1 * torch.randn(n, 2)


class VAE(nn.Module):
    def __init__(self, zdim=2):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 2 * zdim))
        self.dec = nn.Sequential(nn.Linear(zdim, 64), nn.Tanh(), nn.Linear(64, 2))
        self.prior = Normal(torch.zeros(zdim), torch.ones(zdim))

    def forward(self, x):
        mu, log_sigma = self.enc(x).chunk(2, dim=-1)
        q = Normal(mu, log_sigma.exp())
        z = q.rsample()
        recon = Normal(self.dec(z), 0.1)
        log_lik = recon.log_prob(x).sum(-1)
        kl = kl_divergence(q, self.prior).sum(-1)
        return -(log_lik - kl).mean()


model = VAE()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
losses = []
for epoch in range(40):
    for batch in data.split(128):
        loss = model(batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
first, last = sum(losses[:8]) / 8, sum(losses[-8:]) / 8
print(f"negative ELBO {first:.2f} -> {last:.2f}")
with torch.no_grad():
    samples = model.dec(model.prior.sample((2000,)))
    nearest = torch.cdist(samples, centers).min(1).values
print(f"median distance of samples to a mode {nearest.median():.3f}")
assert last < first - 50, (first, last)
print("RESULT " + json.dumps({"first": first, "last": last, "median_distance": nearest.median().item()}))
