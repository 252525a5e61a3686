"""Recurrent ONNX ops: RNN, GRU, LSTM (forward, reverse, bidirectional; both layouts; initial
states; per-sequence lengths; LSTM peepholes, coupled input-forget gate and clipping; GRU's
linear_before_reset; any of ONNX's activation functions).

Each direction projects the whole input sequence at once (one matmul), then steps through
time with the recurrent matmul. A batch entry past its sequence length keeps its state and
outputs zeros; a reverse direction reads each sequence backwards from its own last step.
"""
import ember

from ..registry import imports


def _activation(name, alpha, beta):
    name = name.lower()
    if name == "sigmoid":
        return ember.sigmoid
    if name == "tanh":
        return ember.tanh
    if name == "relu":
        return ember.relu
    if name == "affine":
        return lambda x: (1.0 if alpha is None else alpha) * x + (0.0 if beta is None else beta)
    if name == "leakyrelu":
        a = 0.01 if alpha is None else alpha
        return lambda x: ember.where(x >= 0, x, a * x)
    if name == "thresholdedrelu":
        a = 1.0 if alpha is None else alpha
        return lambda x: ember.where(x > a, x, ember.zeros_like(x))
    if name == "scaledtanh":
        a, b = (1.0 if alpha is None else alpha), (1.0 if beta is None else beta)
        return lambda x: a * ember.tanh(b * x)
    if name == "hardsigmoid":
        a, b = (0.2 if alpha is None else alpha), (0.5 if beta is None else beta)
        return lambda x: ember.clamp(a * x + b, 0.0, 1.0)
    if name == "elu":
        a = 1.0 if alpha is None else alpha
        return lambda x: ember.where(x >= 0, x, a * ember.expm1(x))
    if name == "softsign":
        return lambda x: x / (1 + ember.abs(x))
    if name == "softplus":
        return lambda x: ember.log1p(ember.exp(x))
    raise NotImplementedError(f"recurrent activation {name!r}")


def _activations(node, defaults, num_directions):
    """[per direction: the activation functions], from the node's activations attribute
    (alpha/beta values consumed in order by the functions that take them)."""
    names = node.attr("activations") or defaults * num_directions
    if len(names) == len(defaults) and num_directions == 2:
        names = names * 2
    alphas, betas = list(node.attr("activation_alpha") or []), list(node.attr("activation_beta") or [])
    takes_alpha = {"affine", "leakyrelu", "thresholdedrelu", "scaledtanh", "hardsigmoid", "elu"}
    takes_beta = {"affine", "scaledtanh", "hardsigmoid"}
    fns = []
    for name in names:
        key = name.lower()
        alpha = alphas.pop(0) if key in takes_alpha and alphas else None
        beta = betas.pop(0) if key in takes_beta and betas else None
        fns.append(_activation(name, alpha, beta))
    per = len(defaults)
    return [fns[i * per:(i + 1) * per] for i in range(num_directions)]


def _reverse_within(x, lengths):
    """x [T, B, ...] with each batch entry's first lengths[b] steps reversed (the rest kept)."""
    steps = ember.arange(x.shape[0]).reshape(-1, 1)
    index = ember.where(steps < lengths.reshape(1, -1), lengths.reshape(1, -1) - 1 - steps, steps)
    index = index.reshape(*index.shape, *([1] * (x.ndim - 2))).expand(*x.shape)
    return ember.gather(x, 0, index)


def _run(node, x, w, r, b, lengths, states, gates, step, defaults):
    """The shared driver: returns (Y [T, D, B, H], final states, each [D, B, H])."""
    hidden = node.attr("hidden_size") or r.shape[-1]
    layout = node.attr("layout", 0)
    if layout:  # [B, T, I] -> [T, B, I]
        x = x.transpose(0, 1)
        states = [None if s is None else s.transpose(0, 1) for s in states]
    seq_len, batch = x.shape[0], x.shape[1]
    direction = node.attr("direction", "forward")
    num_directions = 2 if direction == "bidirectional" else 1
    activations = _activations(node, defaults, num_directions)
    clip = node.attr("clip")
    if lengths is not None:
        lengths = lengths.to(ember.int64)
    full = lengths is None or bool((lengths == seq_len).all())
    outputs, finals = [], [[] for _ in states]
    for d in range(num_directions):
        reverse = direction == "reverse" or d == 1
        xs = x
        if reverse:
            xs = ember.flip(x, (0,)) if full else _reverse_within(x, lengths)
        bias_w = bias_r = None
        if b is not None:
            bias_w, bias_r = b[d, :gates * hidden], b[d, gates * hidden:]
        projected = ember.matmul(xs, w[d].t())  # [T, B, G*H], all steps at once
        if bias_w is not None:
            projected = projected + bias_w
        state = [ember.zeros(batch, hidden, dtype=x.dtype) if s is None else s[d] for s in states]
        ys = []
        for t in range(seq_len):
            new = step(projected[t], state, r[d], bias_r, activations[d], clip, d)
            if not full:  # entries past their length keep their state and output zeros
                alive = (t < lengths).reshape(-1, 1)
                new = [ember.where(alive, n, s) for n, s in zip(new, state)]
                ys.append(ember.where(alive, new[0], ember.zeros_like(new[0])))
            else:
                ys.append(new[0])
            state = new
        y = ember.stack(ys, 0)  # [T, B, H]
        if reverse:
            y = ember.flip(y, (0,)) if full else _reverse_within(y, lengths)
        outputs.append(y)
        for i, s in enumerate(state):
            finals[i].append(s)
    y = ember.stack(outputs, 1)  # [T, D, B, H]
    finals = [ember.stack(f, 0) for f in finals]  # [D, B, H]
    if layout:
        y = y.permute(2, 0, 1, 3)  # [B, T, D, H]
        finals = [f.transpose(0, 1) for f in finals]
    return (y, *finals)


def _clipped(v, clip):
    return v if clip is None else ember.clamp(v, -clip, clip)


@imports("RNN")
def rnn(node, x, w, r, b=None, lengths=None, initial_h=None):
    def step(projected, state, r_d, bias_r, fns, clip, d):
        pre = projected + ember.matmul(state[0], r_d.t())
        if bias_r is not None:
            pre = pre + bias_r
        return [fns[0](_clipped(pre, clip))]
    return _run(node, x, w, r, b, lengths, [initial_h], 1, step, ["Tanh"])


@imports("GRU")
def gru(node, x, w, r, b=None, lengths=None, initial_h=None):
    linear_before_reset = node.attr("linear_before_reset", 0)

    def step(projected, state, r_d, bias_r, fns, clip, d):
        f, g = fns
        h = state[0]
        hidden = h.shape[1]
        xz, xr, xh = projected[:, :hidden], projected[:, hidden:2 * hidden], projected[:, 2 * hidden:]
        rz, rr, rh = r_d[:hidden], r_d[hidden:2 * hidden], r_d[2 * hidden:]
        bz = br = bh = 0.0
        if bias_r is not None:
            bz, br, bh = bias_r[:hidden], bias_r[hidden:2 * hidden], bias_r[2 * hidden:]
        z = f(_clipped(xz + ember.matmul(h, rz.t()) + bz, clip))
        reset = f(_clipped(xr + ember.matmul(h, rr.t()) + br, clip))
        if linear_before_reset:
            candidate = g(_clipped(xh + reset * (ember.matmul(h, rh.t()) + bh), clip))
        else:
            candidate = g(_clipped(xh + ember.matmul(reset * h, rh.t()) + bh, clip))
        return [(1 - z) * candidate + z * h]
    return _run(node, x, w, r, b, lengths, [initial_h], 3, step, ["Sigmoid", "Tanh"])


@imports("LSTM")
def lstm(node, x, w, r, b=None, lengths=None, initial_h=None, initial_c=None, p=None):
    input_forget = node.attr("input_forget", 0)

    def step(projected, state, r_d, bias_r, fns, clip, d):
        f, g, h_act = fns
        h, c = state
        pre = projected + ember.matmul(h, r_d.t())
        if bias_r is not None:
            pre = pre + bias_r
        hidden = h.shape[1]
        pi, po, pf = (None, None, None) if p is None else \
            (p[d, :hidden], p[d, hidden:2 * hidden], p[d, 2 * hidden:])
        gi, go, gf, gc = (pre[:, k * hidden:(k + 1) * hidden] for k in range(4))  # ONNX order: i, o, f, c
        i = f(_clipped(gi if pi is None else gi + pi * c, clip))
        forget = 1 - i if input_forget else f(_clipped(gf if pf is None else gf + pf * c, clip))
        c_new = forget * c + i * g(_clipped(gc, clip))
        o = f(_clipped(go if po is None else go + po * c_new, clip))
        return [o * h_act(c_new), c_new]
    return _run(node, x, w, r, b, lengths, [initial_h, initial_c], 4, step, ["Sigmoid", "Tanh", "Tanh"])
