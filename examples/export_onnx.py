"""Export a trained LSTM language model to ONNX, the way PyTorch's word_language_model example
does (`torch.onnx.export(model, (input, hidden), path)`), with `import ember as torch`; then
run the file with onnxruntime at other batch sizes and compare with ember's answers.

    python examples/export_onnx.py [--steps 100] [--out char_lm.onnx]

Needs the onnx extra: pip install ".[onnx]".
"""
import argparse

import numpy as np

import ember as torch
import ember.nn as nn


class RNNModel(nn.Module):
    """Encoder, recurrent module, decoder: word_language_model's RNNModel for characters."""

    def __init__(self, ntoken, ninp=32, nhid=64, nlayers=2):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nhid, self.nlayers = nhid, nlayers

    def forward(self, input, hidden):
        output, hidden = self.rnn(self.encoder(input), hidden)
        return nn.functional.log_softmax(self.decoder(output), dim=-1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))


def train(model, data, steps, seq_len=32, batch_size=16):
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for step in range(steps):
        starts = torch.randint(0, len(data) - seq_len - 1, (batch_size,)).tolist()
        x = torch.stack([data[s:s + seq_len] for s in starts], dim=1)  # (seq, batch)
        y = torch.stack([data[s + 1:s + seq_len + 1] for s in starts], dim=1)
        output, _ = model(x, model.init_hidden(batch_size))
        loss = nn.functional.nll_loss(output.reshape(-1, output.size(-1)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 25 == 0 or step == steps - 1:
            print(f"step {step:4d}  loss {loss.item():.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--out", default="char_lm.onnx")
    args = parser.parse_args()
    torch.manual_seed(0)
    text = torch.datasets.load_tiny_verses()
    vocab = sorted(set(text))
    data = torch.tensor([vocab.index(c) for c in text])
    model = RNNModel(len(vocab))
    train(model, data, args.steps)
    model.eval()

    # As in PyTorch's example: a dummy input and hidden state; dynamic axes let the file run at
    # any sequence length and batch size.
    dummy_input = torch.randint(0, len(vocab), (35, 4))
    hidden = model.init_hidden(4)
    torch.onnx.export(model, (dummy_input, hidden), args.out,
                      input_names=["input", "h0", "c0"], output_names=["output", "hn", "cn"],
                      dynamic_axes={"input": {0: "seq", 1: "batch"}, "h0": {1: "batch"}, "c0": {1: "batch"},
                                    "output": {0: "seq", 1: "batch"}})
    print(f"wrote {args.out}")

    import onnxruntime
    session = onnxruntime.InferenceSession(args.out, providers=["CPUExecutionProvider"])
    worst = 0.0
    for seq, batch in [(35, 4), (10, 1), (50, 16)]:
        x = torch.randint(0, len(vocab), (seq, batch))
        h0, c0 = model.init_hidden(batch)
        with torch.no_grad():
            want = model(x, (h0, c0))
        got = session.run(None, {"input": x.numpy(), "h0": h0.numpy(), "c0": c0.numpy()})
        diffs = [float(np.abs(g - w.numpy()).max()) for g, w in zip(got, [want[0], *want[1]])]
        worst = max(worst, *diffs)
        print(f"seq {seq:3d}, batch {batch:3d}: largest difference from ember {max(diffs):.2e}")
    if worst > 1e-4:
        raise SystemExit(f"onnxruntime differs from ember by {worst:.2e}")
    print("onnxruntime reproduces ember at every size")


if __name__ == "__main__":
    main()
