"""A character-level language model in the style of the public char-RNN examples: a GRU
trained on a small text, then sampled from with torch.multinomial."""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.backends.cudnn.benchmark = True
torch.set_float32_matmul_precision("high")
device = "cuda" if torch.cuda.is_available() else "cpu"

text = ("the quick brown fox jumps over the lazy dog. " * 12
        + "a stitch in time saves nine. " * 12)
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
itos = {i: c for c, i in stoi.items()}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)


class CharRNN(nn.Module):
    def __init__(self, vocab, hidden=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, 32)
        self.rnn = nn.GRU(32, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, idx, h=None):
        out, h = self.rnn(self.embed(idx), h)
        return self.head(out), h


def get_batch(block=24, batch=16):
    ix = torch.randint(len(data) - block - 1, (batch,))
    x = torch.stack([data[i:i + block] for i in ix])
    y = torch.stack([data[i + 1:i + block + 1] for i in ix])
    return x.to(device), y.to(device)


model = CharRNN(len(chars)).to(device)
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
losses = []
for step in range(150):
    x, y = get_batch()
    logits, _ = model(x)
    loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    losses.append(loss.item())
    if step % 50 == 0:
        print(f"step {step:4d} loss {loss:.4f}")


@torch.no_grad()
def sample(n=80, temperature=0.8):
    model.eval()
    idx = torch.tensor([[stoi["t"]]], device=device)
    out, h = [], None
    for _ in range(n):
        logits, h = model(idx, h)
        probs = F.softmax(logits[:, -1, :] / temperature, dim=-1)
        idx = torch.multinomial(probs, num_samples=1)
        out.append(itos[idx.item()])
    return "".join(out)


text_out = sample()
print(f"sample: {text_out!r}")
final = sum(losses[-10:]) / 10
assert final < 0.5 * math.log(len(chars)), final
# The sample reads like the corpus: most of its words are words of the text.
words = [w for w in text_out.replace(".", " ").split() if w]
known = set(text.replace(".", " ").split())
print("RESULT " + json.dumps({"final_loss": final,
                              "known_words": sum(w in known for w in words) / max(len(words), 1)}))
