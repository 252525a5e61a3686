"""Exporters of the recurrent ops (ember.lstm, gru, rnn_tanh, rnn_relu) as ONNX's own LSTM, GRU
and RNN nodes, one per layer (both directions in one node).

PyTorch orders an LSTM's gates i, f, g, o and ONNX i, o, f, c; a GRU's r, z, n against ONNX's
z, r, h (with linear_before_reset=1, PyTorch's formula). The weights are regrouped in the graph
(Split and Concat on the parameters), so the initializers keep their state_dict names; onnx
runtimes fold that at load time. ONNX's outputs are (seq, directions, batch, hidden); they are
laid out as ember's (seq, batch, directions * hidden) before the next layer.
"""
from ..._ops.rnn import layer_weights
from ..registry import exports

_ORDER = {"LSTM": (0, 3, 1, 2), "GRU": (1, 0, 2), "RNN": (0,)}  # ONNX's gate k is PyTorch's _ORDER[k]


def _regrouped(g, w, gates, order, dtype):
    """w (gates * hidden, ...) with its gate blocks in ONNX's order, with a leading dim of 1."""
    x = g.value(w, dtype)
    if gates > 1:
        blocks = g.op("Split", x, axis=0, outputs=gates, num_outputs=gates) if g.opset >= 18 else \
            g.op("Split", x, g.ints([w._impl.shape[0] // gates] * gates), axis=0, outputs=gates)
        x = g.op("Concat", *[blocks[k] for k in order], axis=0)
    return g.unsqueeze(x, [0])


def _export(mode, onnx_op, g, result, input, h0, c0, params, has_biases, num_layers, dropout, train,
            bidirectional, batch_first, activation=None):
    if train and dropout > 0 and num_layers > 1:
        raise g.unsupported(f"{onnx_op} with dropout in training mode (export in eval mode)")
    directions = 2 if bidirectional else 1
    weights = layer_weights(params, has_biases, num_layers, directions)
    if any(w[4] is not None for w in weights):
        raise g.unsupported("LSTM with proj_size (ONNX's LSTM has no projection)")
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[mode]
    order = _ORDER[mode]
    dtype = input.dtype
    hidden = weights[0][1]._impl.shape[1]
    x = g.value(input)
    if batch_first:
        x = g.op("Transpose", x, perm=[1, 0, 2])
    h_all = g.value(h0, dtype)
    c_all = None if c0 is None else g.value(c0, dtype)
    h_n, c_n = [], []
    attrs = dict(hidden_size=int(hidden), direction="bidirectional" if bidirectional else "forward")
    if mode == "GRU":
        attrs["linear_before_reset"] = 1
    if mode == "RNN":
        attrs["activations"] = [activation] * directions
    for layer in range(num_layers):
        ks = range(layer * directions, (layer + 1) * directions)
        W = g.op("Concat", *[_regrouped(g, weights[k][0], gates, order, dtype) for k in ks], axis=0) \
            if directions > 1 else _regrouped(g, weights[ks[0]][0], gates, order, dtype)
        R = g.op("Concat", *[_regrouped(g, weights[k][1], gates, order, dtype) for k in ks], axis=0) \
            if directions > 1 else _regrouped(g, weights[ks[0]][1], gates, order, dtype)
        B = None
        if has_biases:
            biases = [g.op("Concat", _regrouped(g, weights[k][2], gates, order, dtype),
                           _regrouped(g, weights[k][3], gates, order, dtype), axis=1) for k in ks]
            B = biases[0] if directions == 1 else g.op("Concat", *biases, axis=0)
        start, end = layer * directions, (layer + 1) * directions
        h_init = g.op("Slice", h_all, g.ints([start]), g.ints([end]), g.ints([0]))
        inputs = [x, W, R, B, None, h_init]
        if mode == "LSTM":
            inputs.append(g.op("Slice", c_all, g.ints([start]), g.ints([end]), g.ints([0])))
        outs = g.op(onnx_op, *inputs, outputs=3 if mode == "LSTM" else 2, **attrs)
        y = outs[0]
        # (seq, directions, batch, hidden) -> (seq, batch, directions * hidden)
        x = g.op("Reshape", g.op("Transpose", y, perm=[0, 2, 1, 3]), g.ints([0, 0, -1]))
        h_n.append(outs[1])
        if mode == "LSTM":
            c_n.append(outs[2])
    output = g.op("Transpose", x, perm=[1, 0, 2]) if batch_first else x
    h = h_n[0] if len(h_n) == 1 else g.op("Concat", *h_n, axis=0)
    if mode != "LSTM":
        return output, h
    return output, h, (c_n[0] if len(c_n) == 1 else g.op("Concat", *c_n, axis=0))


@exports("lstm")
def _lstm(g, result, input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    h0, c0 = hx
    return _export("LSTM", "LSTM", g, result, input, h0, c0, params, has_biases, num_layers, dropout, train,
                   bidirectional, batch_first)


@exports("gru")
def _gru(g, result, input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    return _export("GRU", "GRU", g, result, input, hx, None, params, has_biases, num_layers, dropout, train,
                   bidirectional, batch_first)


def _rnn(activation):
    def export(g, result, input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
        return _export("RNN", "RNN", g, result, input, hx, None, params, has_biases, num_layers, dropout, train,
                       bidirectional, batch_first, activation)
    return export


exports("rnn_tanh")(_rnn("Tanh"))
exports("rnn_relu")(_rnn("Relu"))
