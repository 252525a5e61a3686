"""op_db entries: the recurrent ops ember.lstm / gru / rnn_tanh / rnn_relu (torch's functional
signatures, which the nn layers call). PyTorch is the reference (reference=None)."""
import numpy as np

import ember
from op_db import ErrorCase, OpEntry, Sample, random_data

DTYPES = (ember.float32, ember.float64)
TOL = {ember.float32: (1e-4, 1e-5)}
_GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def _params(rng, gates, input_size, hidden, layers, directions, bias):
    params = []
    for layer in range(layers):
        for _ in range(directions):
            size_in = input_size if layer == 0 else hidden * directions
            params += [random_data(rng, gates * hidden, size_in, low=-0.5, high=0.5),
                       random_data(rng, gates * hidden, hidden, low=-0.5, high=0.5)]
            if bias:
                params += [random_data(rng, gates * hidden, low=-0.5, high=0.5),
                           random_data(rng, gates * hidden, low=-0.5, high=0.5)]
    return params


def _samples(name):
    gates = _GATES[name]

    def samples(rng, dtype):
        for seq, batch, layers, bidirectional, bias, batch_first in (
                (5, 3, 1, False, True, False), (4, 2, 2, True, True, False), (3, 2, 1, False, False, True),
                (1, 1, 2, False, True, True)):
            directions = 2 if bidirectional else 1
            hidden, features = 4, 3
            x = random_data(rng, *((batch, seq) if batch_first else (seq, batch)), features)
            h0 = random_data(rng, layers * directions, batch, hidden)
            hx = [h0, random_data(rng, layers * directions, batch, hidden)] if name == "lstm" else h0
            params = _params(rng, gates, features, hidden, layers, directions, bias)
            yield Sample((x, hx, params, bias, layers, 0.0, False, bidirectional, batch_first),
                         name=f"layers={layers},bidirectional={bidirectional},bias={bias},batch_first={batch_first}")
    return samples


def _errors(name):
    gates = _GATES[name]

    def errors():
        rng = np.random.default_rng(0)
        x = random_data(rng, 3, 2, 3)
        h0 = random_data(rng, 1, 2, 4)
        hx = [h0, h0] if name == "lstm" else h0
        params = _params(rng, gates, 3, 4, 1, 1, True)
        yield ErrorCase((x, hx, params[:3], True, 1, 0.0, False, False, False), exc=ValueError,
                        match="weights per layer")
    return errors


def _op(name):
    return lambda lib, *args, **kwargs: getattr(lib, name)(*args, **kwargs)


ENTRIES = [OpEntry(name, _op(name), _samples(name), dtypes=DTYPES, reference=None, tolerances=TOL,
                   errors=_errors(name), noncontiguous=False)
           for name in ("lstm", "gru", "rnn_tanh", "rnn_relu")]


# ---- torch's functional cells: lstm_cell / gru_cell / rnn_tanh_cell / rnn_relu_cell ----------

def _cell_samples(name):
    gates = _GATES[name[:-len("_cell")]]

    def samples(rng, dtype):
        for batch, bias in ((3, True), (2, False), (1, True)):
            hidden, features = 4, 3
            x, h = random_data(rng, batch, features), random_data(rng, batch, hidden)
            hx = [h, random_data(rng, batch, hidden)] if name == "lstm_cell" else h
            w_ih = random_data(rng, gates * hidden, features, low=-0.5, high=0.5)
            w_hh = random_data(rng, gates * hidden, hidden, low=-0.5, high=0.5)
            b = [random_data(rng, gates * hidden, low=-0.5, high=0.5) for _ in range(2)] if bias else [None, None]
            yield Sample((x, hx, w_ih, w_hh, *b), name=f"batch={batch},bias={bias}")
    return samples


def _cell_errors(name):
    gates = _GATES[name[:-len("_cell")]]

    def errors():
        rng = np.random.default_rng(0)
        x, h = random_data(rng, 2, 3), random_data(rng, 2, 4)
        hx = [h, h] if name == "lstm_cell" else h
        w_ih, w_hh = random_data(rng, gates * 4, 3), random_data(rng, gates * 4, 4)
        yield ErrorCase((x, hx, w_ih[:-1], w_hh), exc=ValueError, match=f"{name}: expected weight_ih")
        yield ErrorCase((x[0], [h[0], h[0]] if name == "lstm_cell" else h[0], w_ih, w_hh), exc=ValueError,
                        match=f"{name}: expected 2-D input")
    return errors


ENTRIES += [OpEntry(name, _op(name), _cell_samples(name), dtypes=DTYPES, reference=None, tolerances=TOL,
                    errors=_cell_errors(name))
            for name in ("lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell")]
