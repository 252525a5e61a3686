"""Recurrent layers: RNN, LSTM, GRU and their cells, with PyTorch's parameter names
(weight_ih_l0, weight_hh_l0_reverse, ...), gate order (LSTM: i, f, g, o; GRU: r, z, n),
initialisation (uniform in +-1/sqrt(hidden_size)) and input/output layouts.

The layers call the functional ops ember.lstm / gru / rnn_tanh / rnn_relu (ember/_ops/rnn.py),
which run each layer and direction in the fused native kernel where it applies (one op each for
the op layer: ONNX export writes the native ONNX nodes). Packed sequences (nn.utils.rnn) run each
step on the sequences still going; they and the cells run the gates of a step fused (_ops/rnn.py
cell()).
"""
import math

from ... import cat, empty, stack, zeros
from ..._ops import rnn as _ops_rnn
from ..._ops.rnn import cell
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_RUN = {"GRU": _ops_rnn.gru, "RNN_TANH": _ops_rnn.rnn_tanh, "RNN_RELU": _ops_rnn.rnn_relu}


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be a positive integer")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError("num_layers must be a positive integer")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if dropout > 0 and num_layers == 1:
            import warnings
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = "_reverse" if direction == 1 else ""
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                shapes = [(gate_size, layer_input), (gate_size, real_hidden)]
                if bias:
                    names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
                    shapes += [(gate_size,), (gate_size,)]
                if proj_size > 0:
                    names.append(f"weight_hr_l{layer}{suffix}")
                    shapes.append((proj_size, hidden_size))
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(empty(shape, device=device, dtype=dtype)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in self._layer_names(layer, d)]
                for layer in range(self.num_layers) for d in range(2 if self.bidirectional else 1)]

    def flatten_parameters(self):
        pass

    def _layer_names(self, layer, direction):
        suffix = "_reverse" if direction == 1 else ""
        names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
        if self.bias:
            names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
        if self.proj_size > 0:
            names.append(f"weight_hr_l{layer}{suffix}")
        return names

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---- the recurrence (ember.lstm / gru / rnn_tanh / rnn_relu; packed input here) -----------
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    def _run_packed_direction(self, x, batch_sizes, h0, c0, layer, direction):
        """One layer and direction over packed steps: x is (sum of lengths, features), step t
        holds the first batch_sizes[t] sequences. Returns the packed outputs and each
        sequence's final state."""
        names = self._layer_names(layer, direction)
        w_ih, w_hh = getattr(self, names[0]), getattr(self, names[1])
        b_ih = getattr(self, names[2]) if self.bias else None
        b_hh = getattr(self, names[3]) if self.bias else None
        w_hr = getattr(self, names[-1]) if self.proj_size > 0 else None
        mode = self.mode
        steps_in = F.linear(x, w_ih, b_ih).split(batch_sizes)
        outputs = [None] * len(batch_sizes)
        lstm = self.mode == "LSTM"
        if direction == 0:  # longest first: sequences leave from the end of the batch
            h, c = h0[:batch_sizes[0]], c0[:batch_sizes[0]] if lstm else None
            done_h, done_c = [], []
            for t, b in enumerate(batch_sizes):
                if b < h.shape[0]:
                    done_h.append(h[b:])
                    h = h[:b]
                    if lstm:
                        done_c.append(c[b:])
                        c = c[:b]
                h, c = cell(mode, steps_in[t], h, c, w_hh, b_hh, w_hr)
                outputs[t] = h
            h_n = cat([h] + done_h[::-1]) if done_h else h
            c_n = (cat([c] + done_c[::-1]) if done_c else c) if lstm else None
        else:  # from the last step back: sequences join as the steps reach their ends
            h = c = None
            for t in range(len(batch_sizes) - 1, -1, -1):
                b = batch_sizes[t]
                start = 0 if h is None else h.shape[0]
                if b > start:
                    h = h0[start:b] if h is None else cat([h, h0[start:b]])
                    if lstm:
                        c = c0[start:b] if c is None else cat([c, c0[start:b]])
                h, c = cell(mode, steps_in[t], h, c, w_hh, b_hh, w_hr)
                outputs[t] = h
            h_n, c_n = h, c
        return cat(outputs), h_n, c_n

    def _forward_packed(self, packed, hx):
        from ..utils.rnn import PackedSequence
        is_lstm = self.mode == "LSTM"
        x = packed.data
        batch_sizes = [int(b) for b in packed.batch_sizes.tolist()]
        batch = batch_sizes[0]
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        if hx is None:
            h0 = zeros((self.num_layers * directions, batch, real_hidden), dtype=x.dtype, device=x.device)
            c0 = zeros((self.num_layers * directions, batch, self.hidden_size), dtype=x.dtype,
                       device=x.device) if is_lstm else None
        else:
            h0, c0 = hx if is_lstm else (hx, None)
            if packed.sorted_indices is not None:  # the caller's order -> the packed (sorted) order
                h0 = h0.index_select(1, packed.sorted_indices)
                c0 = c0.index_select(1, packed.sorted_indices) if is_lstm else None
        layer_input, h_n, c_n = x, [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                out, h, c = self._run_packed_direction(layer_input, batch_sizes, h0[k], c0[k] if is_lstm else None,
                                                       layer, direction)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            layer_input = outs[0] if directions == 1 else cat(outs, -1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        h_n = stack(h_n)
        c_n = stack(c_n) if is_lstm else None
        if packed.unsorted_indices is not None:  # back to the caller's order
            h_n = h_n.index_select(1, packed.unsorted_indices)
            c_n = c_n.index_select(1, packed.unsorted_indices) if is_lstm else None
        output = PackedSequence(layer_input, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
        return (output, (h_n, c_n)) if is_lstm else (output, h_n)

    def forward(self, input, hx=None):
        from ..utils.rnn import PackedSequence
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        is_lstm = self.mode == "LSTM"
        batched = input.dim() == 3
        if input.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        seq_len, batch = input.shape[0], input.shape[1]
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        h_shape = (self.num_layers * directions, batch, real_hidden)
        c_shape = (self.num_layers * directions, batch, self.hidden_size)
        if hx is None:
            h0 = zeros(h_shape, dtype=input.dtype, device=input.device)
            c0 = zeros(c_shape, dtype=input.dtype, device=input.device) if is_lstm else None
        else:
            if is_lstm:
                if not isinstance(hx, tuple) or len(hx) != 2:
                    raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0)")
                h0, c0 = hx
            else:
                h0, c0 = hx, None
            if not batched:
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if c0 is not None else None
            if tuple(h0.shape) != h_shape:
                raise RuntimeError(f"Expected hidden size {h_shape}, got {tuple(h0.shape)}")
            if c0 is not None and tuple(c0.shape) != c_shape:
                raise RuntimeError(f"Expected hidden size {c_shape}, got {tuple(c0.shape)}")
        args = (self._flat_weights(), self.bias, self.num_layers, self.dropout, self.training, self.bidirectional,
                False)
        if is_lstm:
            output, h_n, c_n = _ops_rnn.lstm(input, (h0, c0), *args)
        else:
            output, h_n = _RUN[self.mode](input, h0, *args)
            c_n = None
        if not batched:
            output = output.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if is_lstm else None
        elif self.batch_first:
            output = output.transpose(0, 1)
        return (output, (h_n, c_n)) if is_lstm else (output, h_n)


class RNN(RNNBase):
    def __init__(self, *args, **kwargs):
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self_mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(self_mode, *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """The base of RNNCell, LSTMCell and GRUCell: weight_ih (num_chunks * hidden, input), weight_hh
    (num_chunks * hidden, hidden) and their biases, initialised U(-1/sqrt(hidden), 1/sqrt(hidden))."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _zeros(self, input):
        return zeros((input.shape[0], self.hidden_size), dtype=input.dtype, device=input.device)


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        h = self._zeros(input) if hx is None else (hx if batched else hx.unsqueeze(0))
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        h, _ = cell(mode, F.linear(input, self.weight_ih, self.bias_ih), h, None, self.weight_hh, self.bias_hh, None)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            h, c = self._zeros(input), self._zeros(input)
        else:
            h, c = hx if batched else (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = cell("LSTM", F.linear(input, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh, None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        h = self._zeros(input) if hx is None else (hx if batched else hx.unsqueeze(0))
        h, _ = cell("GRU", F.linear(input, self.weight_ih, self.bias_ih), h, None, self.weight_hh, self.bias_hh, None)
        return h if batched else h.squeeze(0)
