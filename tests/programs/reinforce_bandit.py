"""REINFORCE on a contextual bandit: a policy network samples actions from a Categorical
distribution and is trained with log_prob times advantage, plus an entropy bonus."""
import json

import torch
import torch.nn as nn
from torch.distributions import Categorical

torch.manual_seed(0)
arms, ctx = 4, 8
true_w = torch.randn(ctx, arms)
policy = nn.Sequential(nn.Linear(ctx, 32), nn.ReLU(), nn.Linear(32, arms))
opt = torch.optim.Adam(policy.parameters(), lr=1e-2)
baseline = 0.0
rewards = []
for step in range(300):
    state = torch.randn(64, ctx)
    dist = Categorical(logits=policy(state))
    action = dist.sample()
    reward = (state @ true_w).gather(1, action.unsqueeze(1)).squeeze(1)
    baseline = 0.9 * baseline + 0.1 * reward.mean().item()
    loss = -(dist.log_prob(action) * (reward - baseline)).mean() - 0.01 * dist.entropy().mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    rewards.append(reward.mean().item())
with torch.no_grad():
    state = torch.randn(2000, ctx)
    greedy = policy(state).argmax(1)
    best = (state @ true_w).argmax(1)
agreement = (greedy == best).float().mean().item()
print(f"mean reward {sum(rewards[:20]) / 20:.3f} -> {sum(rewards[-20:]) / 20:.3f}, agreement {agreement:.3f}")
assert agreement > 0.8, agreement
print("RESULT " + json.dumps({"agreement": agreement}))
