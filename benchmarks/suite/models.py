"""Model-level cases: one training step of small models, written once against the PyTorch API
and run with `lib` = ember or torch, so both run the same program on the same data.

Each case is `build(lib, device) -> step`, where step() runs one full training step (forward,
loss, backward, optimizer update). The data and the initial parameters come from numpy with a
fixed seed, so both libraries start from the same numbers.
"""
import numpy as np


def _param_init(model, lib, seed=0):
    """Overwrites every parameter with the same seeded numbers for both libraries."""
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for p in model.parameters():
            values = rng.standard_normal(tuple(p.shape)).astype(np.float64) * 0.05
            p.copy_(lib.from_numpy(values.astype(_np_dtype(p.dtype))))


def _np_dtype(dtype):
    return np.float64 if "64" in str(dtype) else np.float32


# ---- MLP ------------------------------------------------------------------------------------------

def mlp(lib, device="cpu"):
    """784-256-128-10 ReLU MLP, batch 64, cross-entropy, SGD with momentum."""
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10)).to(device)
    _param_init(model, lib)
    rng = np.random.default_rng(1)
    x = lib.from_numpy(rng.standard_normal((64, 784)).astype(np.float32)).to(device)
    y = lib.from_numpy(rng.integers(0, 10, 64)).to(device)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


# ---- CNN ------------------------------------------------------------------------------------------

def cnn(lib, device="cpu"):
    """A digits-style CNN: two 3x3 convs (1->16->32) with ReLU and max-pooling on 28x28 inputs,
    then a linear classifier; batch 64, SGD with momentum."""
    nn = lib.nn
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 7 * 7, 10)).to(device)
    _param_init(model, lib)
    rng = np.random.default_rng(1)
    x = lib.from_numpy(rng.standard_normal((64, 1, 28, 28)).astype(np.float32)).to(device)
    y = lib.from_numpy(rng.integers(0, 10, 64)).to(device)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def resnet_block(lib, device="cpu"):
    """Two basic ResNet blocks at 64 channels on 16x16 (3x3 convs, batch norm, ReLU, identity
    shortcut) and a downsampling block to 128 channels (stride-2 3x3 conv and a 1x1 stride-2
    shortcut), then pooling and a classifier; batch 32, SGD with momentum and weight decay."""
    nn = lib.nn
    F = nn.functional

    class Basic(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                              nn.BatchNorm2d(cout))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return F.relu(out + self.shortcut(x))

    model = nn.Sequential(Basic(64, 64, 1), Basic(64, 128, 2), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(128, 10)).to(device)
    _param_init(model, lib)
    rng = np.random.default_rng(1)
    x = lib.from_numpy(rng.standard_normal((32, 64, 16, 16)).astype(np.float32)).to(device)
    y = lib.from_numpy(rng.integers(0, 10, 32)).to(device)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


# ---- GPT ------------------------------------------------------------------------------------------

def _gpt_model(lib, vocab, n_layer, n_embd, n_head, block):
    """nanoGPT's model: token and position embeddings, pre-norm blocks of causal self-attention
    (scaled_dot_product_attention) and a GELU MLP, a final layer norm and a tied head."""
    nn = lib.nn
    F = nn.functional

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(n_embd, dim=2)
            q = q.view(B, T, n_head, C // n_head).transpose(1, 2)
            k = k.view(B, T, n_head, C // n_head).transpose(1, 2)
            v = v.view(B, T, n_head, C // n_head).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_fc = nn.Linear(n_embd, 4 * n_embd)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * n_embd, n_embd)

        def forward(self, x):
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd)
            self.attn = Attention()
            self.ln_2 = nn.LayerNorm(n_embd)
            self.mlp = MLP()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(vocab, n_embd)
            self.wpe = nn.Embedding(block, n_embd)
            self.h = nn.ModuleList([Block() for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, vocab, bias=False)
            self.wte.weight = self.lm_head.weight

        def forward(self, idx, targets):
            b, t = idx.size()
            pos = lib.arange(0, t, dtype=lib.long, device=idx.device)
            x = self.wte(idx) + self.wpe(pos)
            for blk in self.h:
                x = blk(x)
            logits = self.lm_head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)

    return GPT()


def gpt(lib, device="cpu"):
    """A nanoGPT-size GPT training step: 2 layers, 64 wide, 4 heads, block 64, batch 12, vocab 65
    (Shakespeare characters), AdamW with weight decay on matrices only, gradient clipping at 1."""
    model = _gpt_model(lib, vocab=65, n_layer=2, n_embd=64, n_head=4, block=64).to(device)
    _param_init(model, lib)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = lib.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                           {"params": no_decay, "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.95))
    rng = np.random.default_rng(1)
    x = lib.from_numpy(rng.integers(0, 65, (12, 64))).to(device)
    y = lib.from_numpy(rng.integers(0, 65, (12, 64))).to(device)

    def step():
        loss = model(x, y)
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss
    return step


def char_transformer(lib, device="cpu"):
    """A makemore-style character transformer step: 4 layers, 64 wide, 4 heads, block 16,
    batch 32, vocab 27, AdamW."""
    model = _gpt_model(lib, vocab=27, n_layer=4, n_embd=64, n_head=4, block=16).to(device)
    _param_init(model, lib)
    opt = lib.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8)
    rng = np.random.default_rng(1)
    x = lib.from_numpy(rng.integers(0, 27, (32, 16))).to(device)
    y = lib.from_numpy(rng.integers(0, 27, (32, 16))).to(device)

    def step():
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss
    return step


# ---- recurrent ------------------------------------------------------------------------------------

def _rnn_lm(lib, device, cell):
    """The word-level language model of PyTorch's examples: embedding, a 2-layer LSTM or GRU
    (64 wide, dropout 0.2), a linear decoder; 20 sequences of 20 tokens from a 1,000-word
    vocabulary; gradient clipping at 0.25 and a plain SGD update written by hand, as the
    example does."""
    nn = lib.nn

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(0.2)
            self.encoder = nn.Embedding(1000, 64)
            self.rnn = getattr(nn, cell)(64, 64, 2, dropout=0.2)
            self.decoder = nn.Linear(64, 1000)

        def forward(self, x, hidden):
            emb = self.drop(self.encoder(x))
            output, hidden = self.rnn(emb, hidden)
            return self.decoder(self.drop(output)).view(-1, 1000), hidden

    model = RNNModel().to(device)
    _param_init(model, lib)
    rng = np.random.default_rng(1)
    x = lib.from_numpy(rng.integers(0, 1000, (20, 20))).to(device)
    y = lib.from_numpy(rng.integers(0, 1000, 400)).to(device)
    h0 = lib.zeros(2, 20, 64, device=device)
    hidden = (h0, h0.clone()) if cell == "LSTM" else h0
    criterion = nn.NLLLoss()
    lsm = nn.LogSoftmax(dim=1)

    def step():
        model.zero_grad()
        out, _ = model(x, hidden)
        loss = criterion(lsm(out), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        with lib.no_grad():
            for p in model.parameters():
                p.add_(p.grad, alpha=-20.0)
        return loss
    return step


def lstm_lm(lib, device="cpu"):
    return _rnn_lm(lib, device, "LSTM")


def gru_lm(lib, device="cpu"):
    return _rnn_lm(lib, device, "GRU")


def lstm_cell_lbfgs(lib, device="cpu"):
    """PyTorch's time-sequence-prediction example, shortened: two LSTMCells (1->51->51) and a
    linear layer unrolled over 100 steps of sine waves in float64, 3 sequences, one LBFGS step
    (up to 4 function evaluations)."""
    nn = lib.nn
    dt = lib.float64

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm1 = nn.LSTMCell(1, 51)
            self.lstm2 = nn.LSTMCell(51, 51)
            self.linear = nn.Linear(51, 1)

        def forward(self, input):
            outputs = []
            h_t = lib.zeros(input.size(0), 51, dtype=dt, device=device)
            c_t = lib.zeros(input.size(0), 51, dtype=dt, device=device)
            h_t2 = lib.zeros(input.size(0), 51, dtype=dt, device=device)
            c_t2 = lib.zeros(input.size(0), 51, dtype=dt, device=device)
            for input_t in input.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                outputs.append(self.linear(h_t2))
            return lib.cat(outputs, dim=1)

    model = Sequence().to(device).double()
    _param_init(model, lib)
    t = np.arange(101)[None, :] + np.array([[0.0], [4.0], [8.0]])
    data = np.sin(t / 20.0)
    x = lib.from_numpy(data[:, :-1].copy()).to(device)
    y = lib.from_numpy(data[:, 1:].copy()).to(device)
    criterion = nn.MSELoss()
    opt = lib.optim.LBFGS(model.parameters(), lr=0.8, max_iter=4)

    def closure():
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        return loss

    def step():
        return opt.step(closure)
    return step


# name -> build (its docstring says what it is); the suite's models cases, in the order it runs them
CASES = {
    "mlp": mlp,
    "cnn": cnn,
    "resnet_block": resnet_block,
    "gpt": gpt,
    "char_transformer": char_transformer,
    "lstm_lm": lstm_lm,
    "gru_lm": gru_lm,
    "lstm_cell_lbfgs": lstm_cell_lbfgs,
}
