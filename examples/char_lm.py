"""A character-level language model: an LSTM trained on the small text that ships with ember
(ember.datasets.load_tiny_verses), then sampling new lines from it.

    python examples/char_lm.py [--steps 400] [--seed 0]
"""
import argparse
import time

import ember
from ember import nn


class CharLM(nn.Module):
    def __init__(self, vocab, embed=32, hidden=128, layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


def batches(data, seq_len, batch_size):
    """Random windows of the text: inputs and the same windows shifted by one character."""
    while True:
        starts = ember.randint(0, len(data) - seq_len - 1, (batch_size,))
        x = ember.stack([data[s:s + seq_len] for s in starts.tolist()])
        y = ember.stack([data[s + 1:s + seq_len + 1] for s in starts.tolist()])
        yield x, y


def sample(model, stoi, itos, prompt="the ", length=200, temperature=0.8):
    model.eval()
    chars = list(prompt)
    with ember.no_grad():
        x = ember.tensor([[stoi[c] for c in prompt]])
        logits, state = model(x)
        for _ in range(length):
            probs = (logits[0, -1] / temperature).softmax(dim=0)
            # draw from the distribution: the first index whose cumulative probability passes u
            u = ember.rand(1).item()
            index = int((probs.cumsum(0) < u).sum().item())
            index = min(index, len(itos) - 1)
            chars.append(itos[index])
            logits, state = model(ember.tensor([[index]]), state)
    model.train()
    return "".join(chars)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    ember.manual_seed(args.seed)
    text = ember.datasets.load_tiny_verses()
    itos = sorted(set(text))
    stoi = {c: i for i, c in enumerate(itos)}
    data = ember.tensor([stoi[c] for c in text])
    model = CharLM(len(itos))
    optimizer = ember.optim.Adam(model.parameters(), lr=5e-3)
    start = time.perf_counter()
    for step, (x, y) in enumerate(batches(data, seq_len=48, batch_size=32), 1):
        logits, _ = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(itos)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 100 == 0:
            print(f"step {step}: loss {loss.item():.3f} ({time.perf_counter() - start:.1f} s)")
        if step == args.steps:
            break
    print("\nsampled text:\n" + sample(model, stoi, itos))


if __name__ == "__main__":
    main()
