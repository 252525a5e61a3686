"""The recurrent ops, with torch's functional signatures (torch.lstm, torch.gru, torch.rnn_tanh,
torch.rnn_relu), which nn.LSTM, nn.GRU and nn.RNN call.

`params` is the flat list of each layer's and direction's weights in PyTorch's order:
weight_ih, weight_hh, then bias_ih, bias_hh when `has_biases`, then weight_hr for an LSTM with
projections. Gate order as PyTorch's (LSTM: i, f, g, o; GRU: r, z, n). The input projections of
all time steps are one matrix product per layer and direction; the recurrence then runs in the
fused native kernel as one graph node per layer and direction (rnn_fused.py), or, where that
does not take the operands (CUDA, 16-bit dtypes, projections), step by step in ember ops, which
autograd differentiates like any other code. Each op is one op of the op layer, which ONNX
export writes as the native ONNX LSTM/GRU/RNN nodes.
"""
from .._op_layer import op
from . import rnn_fused

__all__ = ["lstm", "gru", "rnn_tanh", "rnn_relu", "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"]


def pointwise_cell(mode, x_gates, h_gates, h_prev, c_prev):
    """The gates and the state update of one step in ember ops, from the two projections
    x_gates = x W_ihᵀ + b_ih and h_gates = h_prev W_hhᵀ + b_hh: new (h, c) (c None but for an
    LSTM). The fused kernel computes the same (rnn_fused.cell)."""
    if mode == "LSTM":
        i, f, g, o = (x_gates + h_gates).chunk(4, -1)
        c = f.sigmoid() * c_prev + i.sigmoid() * g.tanh()
        return o.sigmoid() * c.tanh(), c
    if mode == "GRU":
        xr, xz, xn = x_gates.chunk(3, -1)
        hr, hz, hn = h_gates.chunk(3, -1)
        r = (xr + hr).sigmoid()
        z = (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        return (1 - z) * n + z * h_prev, None
    pre = x_gates + h_gates
    return (pre.tanh() if mode == "RNN_TANH" else pre.relu()), None


def cell(mode, x_proj, h, c, w_hh, b_hh, w_hr, fused=True):
    """One time step from the input projection x_proj (x W_ihᵀ + b_ih): new (h, c). The gates
    run in the fused kernel where it takes the operands (one graph node), else in ember ops."""
    import ember.nn.functional as F
    hh = F.linear(h, w_hh, b_hh)
    if fused and w_hr is None and rnn_fused.fusable(x_proj, hh, h, c):
        h, c = rnn_fused.cell(mode, x_proj, hh, h, c)
    else:
        h, c = pointwise_cell(mode, x_proj, hh, h, c)
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _step(name, mode, input, h, c, w_ih, w_hh, b_ih, b_hh):
    """One step of a cell with torch's functional signature (torch.lstm_cell and the others):
    input (batch, input_size), h and c (batch, hidden_size)."""
    import ember.nn.functional as F
    gates = _GATES[mode]
    hidden = w_hh.shape[-1] if w_hh.dim() == 2 else None
    if input.dim() != 2 or h.dim() != 2 or (c is not None and c.dim() != 2):
        shapes = [tuple(t.shape) for t in (input, h, c) if t is not None]
        raise ValueError(f"{name}: expected 2-D input and hidden states (batch, features), got shapes {shapes}")
    if w_ih.dim() != 2 or w_hh.dim() != 2 or w_ih.shape[0] != gates * hidden or w_hh.shape[0] != gates * hidden:
        raise ValueError(f"{name}: expected weight_ih ({gates} * hidden_size, input_size) and weight_hh "
                         f"({gates} * hidden_size, hidden_size), got {tuple(w_ih.shape)} and {tuple(w_hh.shape)}")
    for label, state in (("hx", h), ("cx", c)):
        if state is not None and tuple(state.shape) != (input.shape[0], hidden):
            raise ValueError(f"{name}: {label} has shape {tuple(state.shape)}, expected "
                             f"({input.shape[0]}, {hidden}) for input {tuple(input.shape)}")
    return cell(mode, F.linear(input, w_ih, b_ih), h, c, w_hh, b_hh, None)


@op
def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.lstm_cell: one LSTM step; hx is (h, c); returns (h', c')."""
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise RuntimeError("lstm_cell expects two hidden states (h, c)")
    return _step("lstm_cell", "LSTM", input, hx[0], hx[1], w_ih, w_hh, b_ih, b_hh)


@op
def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.gru_cell: one GRU step; returns h'."""
    return _step("gru_cell", "GRU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


@op
def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.rnn_tanh_cell: one Elman step with tanh; returns h'."""
    return _step("rnn_tanh_cell", "RNN_TANH", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


@op
def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.rnn_relu_cell: one Elman step with ReLU; returns h'."""
    return _step("rnn_relu_cell", "RNN_RELU", input, hx, None, w_ih, w_hh, b_ih, b_hh)[0]


def layer_weights(params, has_biases, num_layers, directions):
    """[(w_ih, w_hh, b_ih, b_hh, w_hr)] per layer and direction from the flat list."""
    params = list(params)
    groups = num_layers * directions
    if groups == 0 or len(params) % groups:
        raise ValueError(f"rnn: {len(params)} weights do not split into {num_layers} layers x {directions} directions")
    per = len(params) // groups
    expected = 4 if has_biases else 2
    if per not in (expected, expected + 1):
        raise ValueError(f"rnn: expected {expected} (or {expected + 1} with projections) weights per layer and "
                         f"direction, got {per}")
    out = []
    for k in range(groups):
        w = params[k * per:(k + 1) * per]
        b_ih, b_hh = (w[2], w[3]) if has_biases else (None, None)
        w_hr = w[-1] if per == expected + 1 else None
        out.append((w[0], w[1], b_ih, b_hh, w_hr))
    return out


def run_direction_composite(mode, x_gates, h, c, w_hh, b_hh, reverse, w_hr=None):
    """(output, h_n, c_n) of one layer and direction from its input projections, step by step
    in ember ops (what the fused layer computes in one node)."""
    import ember
    # Split by one op (whose backward stacks the steps' gradients once, where indexing each
    # step would add a full-size gradient per step).
    projections = x_gates.unbind(0)
    steps = range(x_gates.shape[0] - 1, -1, -1) if reverse else range(x_gates.shape[0])
    outputs = [None] * x_gates.shape[0]
    for t in steps:
        h, c = cell(mode, projections[t], h, c, w_hh, b_hh, w_hr, fused=False)
        outputs[t] = h
    return ember.stack(outputs), h, c


def _run_direction(mode, x, h, c, weights, reverse):
    import ember.nn.functional as F
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    # The input projections of all steps in one product.
    x_gates = F.linear(x, w_ih, b_ih)
    if w_hr is None and x.shape[0] > 0 and rnn_fused.fusable(x_gates, h, c, w_hh, b_hh):
        return rnn_fused.layer(mode, x_gates, h, c, w_hh, b_hh, reverse)
    return run_direction_composite(mode, x_gates, h, c, w_hh, b_hh, reverse, w_hr)


def _run(mode, input, h0, c0, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    import ember
    import ember.nn.functional as F
    directions = 2 if bidirectional else 1
    weights = layer_weights(params, has_biases, num_layers, directions)
    x = input.transpose(0, 1) if batch_first else input
    h_n, c_n = [], []
    for layer in range(num_layers):
        outs = []
        for direction in range(directions):
            k = layer * directions + direction
            out, h, c = _run_direction(mode, x, h0[k], c0[k] if c0 is not None else None, weights[k], direction == 1)
            outs.append(out)
            h_n.append(h)
            c_n.append(c)
        x = outs[0] if directions == 1 else ember.cat(outs, -1)
        if dropout > 0 and train and layer < num_layers - 1:
            x = F.dropout(x, dropout, True)
    output = x.transpose(0, 1) if batch_first else x
    return output, ember.stack(h_n), (ember.stack(c_n) if c0 is not None else None)


@op
def lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """(output, h_n, c_n) of a multi-layer LSTM over a (seq, batch, features) input (batch first
    with batch_first); hx is (h_0, c_0), each (layers * directions, batch, hidden)."""
    h0, c0 = hx
    return _run("LSTM", input, h0, c0, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)


def _single_state(mode):
    def fn(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
        output, h_n, _ = _run(mode, input, hx, None, params, has_biases, num_layers, dropout, train, bidirectional,
                              batch_first)
        return output, h_n
    return fn


gru = op("gru", _single_state("GRU"))
rnn_tanh = op("rnn_tanh", _single_state("RNN_TANH"))
rnn_relu = op("rnn_relu", _single_state("RNN_RELU"))
gru.__doc__ = "(output, h_n) of a multi-layer GRU (torch.gru's arguments; hx is h_0)."
rnn_tanh.__doc__ = "(output, h_n) of a multi-layer Elman RNN with tanh (torch.rnn_tanh's arguments)."
rnn_relu.__doc__ = "(output, h_n) of a multi-layer Elman RNN with relu (torch.rnn_relu's arguments)."
