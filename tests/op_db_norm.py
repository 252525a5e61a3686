"""op_db entries: normalization layers, activation functions and scaled dot-product attention
(ember.nn.functional), with NumPy references."""
import math

import numpy as np

import ember
from conftest import FLOAT_DTYPES, INT_DTYPES
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data

LOW = {ember.float16: (5e-3, 5e-3), ember.bfloat16: (3e-2, 3e-2)}


def F(lib):
    return lib.nn.functional


# ---- norms ------------------------------------------------------------------------------------

def bn_ref(x, running_mean=None, running_var=None, weight=None, bias=None, training=False, momentum=0.1,
           eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = [1, x.shape[1]] + [1] * (x.ndim - 2)
    if training:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    else:
        mean, var = running_mean, running_var
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def _bn_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    pos = lambda *s: rng.uniform(0.5, 2.0, size=s)
    yield Sample((r(4, 3), None, None), dict(training=True), name="(N, C) train")
    yield Sample((r(4, 3, 5), None, None, r(3), r(3)), dict(training=True), name="(N, C, L) train affine")
    yield Sample((r(2, 3, 4, 5), None, None, r(3), None), dict(training=True, eps=1e-3), name="(N, C, H, W) weight")
    yield Sample((r(4, 3, 5), r(3), pos(3)), dict(training=False), name="(N, C, L) eval")
    yield Sample((r(2, 3, 2, 2), r(3), pos(3), r(3), r(3)), dict(training=False), name="eval affine")
    yield Sample((r(0, 3, 2), r(3), pos(3)), dict(training=False), name="zero batch eval")
    yield Sample((r(2, 0, 3), None, None), dict(training=True), name="zero channels")
    yield Sample((r(3, 4) + 10.0, None, None), dict(training=True), name="large mean")


def _bn_errors():
    x = np.zeros((4, 3))
    yield ErrorCase((x, np.zeros(4), np.ones(4)), dict(training=True), exc=ValueError,
                    match=r"running_mean should contain 3 elements not 4")
    yield ErrorCase((x, None, None, np.ones(2)), dict(training=True), exc=ValueError, match="weight should contain 3")
    yield ErrorCase((x, None, None), dict(training=False), exc=ValueError, match="evaluation mode")
    yield ErrorCase((np.zeros((1, 3)), None, None), dict(training=True), exc=ValueError,
                    match=r"more than 1 value per channel.*\[1, 3\]")
    yield ErrorCase((np.zeros(3), None, None), dict(training=True), exc=ValueError, match="at least 2 dims")
    yield ErrorCase((Arg(np.zeros((2, 3)), ember.int64), None, None), dict(training=True), exc=TypeError,
                    match="int64")


def ln_ref(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def _ln_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 5), (5,)), name="1 trailing dim")
    yield Sample((r(2, 3, 4), (3, 4), r(3, 4), r(3, 4)), name="2 trailing dims affine")
    yield Sample((r(2, 2, 3, 4), (2, 3, 4), r(2, 3, 4)), dict(eps=1e-3), name="3 trailing dims weight")
    yield Sample((r(6), (6,), None, r(6)), name="1-D bias")
    yield Sample((r(0, 4), (4,)), name="zero rows")
    yield Sample((r(4, 7) + 10.0, (7,)), name="large mean")


def _ln_errors():
    x = np.zeros((4, 3))
    yield ErrorCase((x, (4,)), exc=ValueError, match=r"normalized_shape=\[4\].*\[4, 3\]")
    yield ErrorCase((x, (3,), np.ones(4)), exc=ValueError, match=r"weight.*\[3\].*\[4\]")
    yield ErrorCase((x, (2, 4, 3)), exc=ValueError, match="normalized_shape")
    yield ErrorCase((Arg(x, ember.int32), (3,)), exc=TypeError, match="int32")


def gn_ref(x, num_groups, weight=None, bias=None, eps=1e-5):
    n, c = x.shape[:2]
    if x.size == 0:
        return x.copy()
    g = x.reshape(n, num_groups, -1)
    y = ((g - g.mean(axis=2, keepdims=True)) / np.sqrt(g.var(axis=2, keepdims=True) + eps)).reshape(x.shape)
    shape = [1, c] + [1] * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def _gn_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(2, 6, 5), 3), name="(N, C, L)")
    yield Sample((r(2, 6, 2, 3), 2, r(6), r(6)), name="(N, C, H, W) affine")
    yield Sample((r(3, 4), 2, r(4)), dict(eps=1e-3), name="(N, C)")
    yield Sample((r(2, 4, 3), 1, None, r(4)), name="one group")
    yield Sample((r(0, 4, 3), 2), name="zero batch")


def _gn_errors():
    x = np.zeros((2, 6, 3))
    yield ErrorCase((x, 4), exc=ValueError, match=r"divisible by num_groups.*\[2, 6, 3\].*num_groups=4")
    yield ErrorCase((x, 3, np.ones(5)), exc=ValueError, match="weight should contain 6 elements not 5")
    yield ErrorCase((np.zeros(6), 3), exc=ValueError, match="at least 2 dims")
    yield ErrorCase((x, 0), exc=ValueError, match="num_groups")


# ---- activations ------------------------------------------------------------------------------

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.logaddexp(0.0, x * beta) / beta)


def _elu(x, alpha=1.0, scale=1.0, input_scale=1.0):
    return np.where(x > 0, x * scale, scale * alpha * np.expm1(x * input_scale))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

ACTIVATIONS = {
    # name: (call(lib, x, **kw), reference(x, **kw), kwargs variants)
    "gelu": (lambda x, approximate="none": 0.5 * x * (1 + _erf(x / math.sqrt(2))) if approximate == "none"
             else 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
             [{}, {"approximate": "tanh"}]),
    "silu": (lambda x: x / (1 + np.exp(-x)), [{}]),
    "softplus": (_softplus, [{}, {"beta": 2.0, "threshold": 3.0}]),
    "elu": (lambda x, alpha=1.0: _elu(x, alpha), [{}, {"alpha": 0.5}]),
    "selu": (lambda x: _elu(x, SELU_ALPHA, SELU_SCALE), [{}]),
    "celu": (lambda x, alpha=1.0: _elu(x, alpha, 1.0, 1.0 / alpha), [{}, {"alpha": 2.0}]),
    "leaky_relu": (lambda x, negative_slope=0.01: np.where(x > 0, x, x * negative_slope),
                   [{}, {"negative_slope": 0.2}]),
    "hardtanh": (lambda x, min_val=-1.0, max_val=1.0: np.clip(x, min_val, max_val),
                 [{}, {"min_val": -2.0, "max_val": 0.5}]),
    "relu6": (lambda x: np.clip(x, 0, 6), [{}]),
    "mish": (lambda x: x * np.tanh(np.logaddexp(0.0, x)), [{}]),
    "hardswish": (lambda x: x * np.clip(x + 3, 0, 6) / 6, [{}]),
    "hardsigmoid": (lambda x: np.clip(x + 3, 0, 6) / 6, [{}]),
    "logsigmoid": (lambda x: -np.logaddexp(0.0, -x), [{}]),
    "softsign": (lambda x: x / (1 + np.abs(x)), [{}]),
    "tanhshrink": (lambda x: x - np.tanh(x), [{}]),
    "threshold": (lambda x, threshold, value: np.where(x > threshold, x, value),
                  [{"threshold": 0.5, "value": -2.0}]),
    "relu": (lambda x: np.maximum(x, 0), [{}]),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), [{}]),
    "tanh": (lambda x: np.tanh(x), [{}]),
}

# Points on and around each activation's kinks and thresholds, and a wide range.
KINKS = np.array([-30.0, -6.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 6.0, 20.0, 40.0])


def _activation_samples(variants):
    def samples(rng, dtype):
        for kw in variants:
            suffix = f" {kw}" if kw else ""
            yield Sample((random_data(rng, 3, 7, low=-8, high=8),), dict(kw), name="2-D" + suffix)
            yield Sample((KINKS,), dict(kw), name="kinks" + suffix)
            yield Sample((np.array(1.5),), dict(kw), name="0-dim" + suffix)
            yield Sample((random_data(rng, 0, 3),), dict(kw), name="zero-size" + suffix)
    return samples


def _activation_entry(name, reference, variants):
    def op(lib, x, **kw):
        return getattr(F(lib), name)(x, **kw)
    # integer samples run where the parameters are integral too (PyTorch keeps the dtype)
    dtypes = FLOAT_DTYPES + (INT_DTYPES if name in ("relu6", "relu", "softsign") else ())

    def out_dtypes(dtype):
        return ember.float32 if name == "softsign" and dtype in INT_DTYPES else dtype

    def errors():
        if name not in ("relu6", "relu", "softsign", "hardtanh", "threshold", "tanhshrink", "sigmoid", "tanh"):
            yield ErrorCase((Arg(np.zeros(3), ember.int64),), dict(variants[0]), exc=TypeError, match="int64")
        if name == "hardtanh":
            yield ErrorCase((np.zeros(3),), dict(min_val=1.0, max_val=0.0), exc=ValueError, match="min_val")
        if name == "gelu":
            yield ErrorCase((np.zeros(3),), dict(approximate="erf"), exc=ValueError, match="approximate")
    return OpEntry(name, op, _activation_samples(variants), dtypes=dtypes, reference=reference,
                   out_dtypes=out_dtypes, tolerances={ember.float32: (2e-5, 1e-6), **LOW}, errors=errors)


# ---- attention --------------------------------------------------------------------------------

def _sdpa_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s, low=-1, high=1)
    yield Sample((r(2, 3, 4), r(2, 5, 4), r(2, 5, 6)), name="batched")
    yield Sample((r(2, 2, 4, 8), r(2, 2, 4, 8), r(2, 2, 4, 8)), dict(is_causal=True), name="causal")
    yield Sample((r(3, 4), r(5, 4), r(5, 2)), dict(is_causal=True), name="causal L < S")
    yield Sample((r(5, 4), r(3, 4), r(3, 2)), dict(is_causal=True, scale=0.3), name="causal L > S, scale")
    yield Sample((r(2, 3, 4), r(3, 4), r(3, 4)), dict(attn_mask=rng.uniform(size=(3, 3)) > 0.3),
                 name="bool mask, broadcast batch")
    yield Sample((r(2, 1, 3, 4), r(1, 2, 5, 4), r(1, 2, 5, 4)), dict(attn_mask=r(3, 5)), name="float mask")
    yield Sample((r(1, 4, 3, 8), r(1, 2, 5, 8), r(1, 2, 5, 8)), dict(enable_gqa=True), name="gqa")
    yield Sample((r(2, 0, 4), r(2, 3, 4), r(2, 3, 4)), name="zero queries")


def _sdpa_errors():
    q = np.zeros((2, 3, 4))
    yield ErrorCase((q, np.zeros((2, 3, 5)), np.zeros((2, 3, 4))), exc=ValueError, match=r"last dim.*\[2, 3, 5\]")
    yield ErrorCase((q, np.zeros((2, 3, 4)), np.zeros((2, 4, 4))), exc=ValueError, match="sequence length")
    yield ErrorCase((q, np.zeros((3, 3, 4)), np.zeros((3, 3, 4))), exc=ValueError, match="broadcast")
    yield ErrorCase((q, q, q), dict(attn_mask=np.zeros((4, 4))), exc=ValueError, match="attn_mask")
    yield ErrorCase((q, q, q), dict(attn_mask=np.zeros((3, 3)) > 0, is_causal=True), exc=ValueError,
                    match="is_causal")
    yield ErrorCase((q, q, q), dict(dropout_p=1.5), exc=ValueError, match="dropout_p")
    yield ErrorCase((np.zeros(4), np.zeros(4), np.zeros(4)), exc=ValueError, match="at least 2 dims")


def sdpa_ref(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    if enable_gqa:
        rep = q.shape[-3] // k.shape[-3]
        k, v = np.repeat(k, rep, axis=-3), np.repeat(v, rep, axis=-3)
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if is_causal:
        attn_mask = np.tril(np.ones(s.shape[-2:], dtype=bool))
    if attn_mask is not None:
        s = np.where(attn_mask, s, -np.inf) if attn_mask.dtype == bool else s + attn_mask
    m = s.max(axis=-1, keepdims=True) if s.size else s
    e = np.exp(s - np.where(np.isfinite(m), m, 0))
    total = e.sum(-1, keepdims=True)
    return (e / np.where(total == 0, 1, total)) @ v


def _sdpa(lib, q, k, v, **kw):
    return F(lib).scaled_dot_product_attention(q, k, v, **kw)


ENTRIES = [
    OpEntry("batch_norm", lambda lib, *a, **kw: F(lib).batch_norm(*a, **kw), _bn_samples, reference=bn_ref,
            tolerances=LOW, errors=_bn_errors),
    OpEntry("layer_norm", lambda lib, *a, **kw: F(lib).layer_norm(*a, **kw), _ln_samples, reference=ln_ref,
            tolerances=LOW, errors=_ln_errors),
    OpEntry("group_norm", lambda lib, *a, **kw: F(lib).group_norm(*a, **kw), _gn_samples, reference=gn_ref,
            tolerances=LOW, errors=_gn_errors),
    *[_activation_entry(name, ref, variants) for name, (ref, variants) in ACTIVATIONS.items()],
    OpEntry("scaled_dot_product_attention", _sdpa, _sdpa_samples, reference=sdpa_ref,
            tolerances={ember.float32: (1e-5, 1e-5), ember.float16: (5e-3, 5e-3), ember.bfloat16: (3e-2, 3e-2)},
            errors=_sdpa_errors),
]
