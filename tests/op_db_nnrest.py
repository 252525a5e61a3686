"""op_db entries: embedding_bag, ctc_loss, rrelu, pdist, multilabel_margin_loss,
triplet_margin_with_distance_loss, conv_tbc, multi_head_attention_forward and linear_cross_entropy of
ember.nn.functional. PyTorch is the reference (reference=None): these are defined by its
implementation. The random forms (rrelu in training, gumbel_softmax) are tested by their
statistics in test_nnrest.py."""
import numpy as np

import ember
from op_db import ErrorCase, OpEntry, Sample, random_data

REDUCTIONS = ("none", "mean", "sum")
TOL = {ember.float16: (2e-2, 2e-2), ember.bfloat16: (8e-2, 8e-2), ember.float32: (2e-5, 2e-5)}
F32_64 = (ember.float32, ember.float64)


def _functional(name):
    return lambda lib, *args, **kwargs: getattr(lib.nn.functional, name)(*args, **kwargs)


def _entry(name, samples, errors=None, dtypes=F32_64, op=None, **kw):
    return OpEntry(f"nn.functional.{name}", op or _functional(name), samples, dtypes=dtypes, reference=None,
                   tolerances=TOL, errors=errors, **kw)


def _err(*args, exc=Exception, match=None, **kwargs):
    return ErrorCase(args, kwargs, exc=exc, match=match)


def _i64(*values):
    return np.array(values, dtype=np.int64)


# ---- embedding_bag ----------------------------------------------------------------------------

def _embedding_bag_samples(rng, dtype):
    w = random_data(rng, 10, 4)
    idx = rng.integers(0, 10, size=9).astype(np.int64)
    offsets = _i64(0, 2, 2, 6)  # the second bag is empty
    for mode in ("sum", "mean", "max"):
        yield Sample((idx, w, offsets), dict(mode=mode), name=f"offsets {mode}")
        yield Sample((idx.reshape(3, 3), w), dict(mode=mode), name=f"2-D {mode}")
        yield Sample((idx, w, offsets), dict(mode=mode, padding_idx=int(idx[3])), name=f"padding_idx {mode}")
        yield Sample((idx, w, _i64(0, 2, 6, 9)), dict(mode=mode, include_last_offset=True),
                     name=f"include_last_offset {mode}")
    yield Sample((idx, w, offsets), dict(mode="sum", per_sample_weights=random_data(rng, 9)),
                 name="per_sample_weights")
    yield Sample((idx.reshape(3, 3), w), dict(mode="sum", per_sample_weights=random_data(rng, 3, 3)),
                 name="2-D per_sample_weights")
    yield Sample((idx, w, offsets), dict(mode="mean", scale_grad_by_freq=True), name="scale_grad_by_freq")
    yield Sample((idx.astype(np.int32), w, offsets.astype(np.int32)), dict(mode="sum"), name="int32")
    yield Sample((np.zeros(0, dtype=np.int64), w, _i64(0, 0)), dict(mode="mean"), name="empty input")
    yield Sample((np.zeros((0, 3), dtype=np.int64), w), dict(mode="sum"), name="no bags")


def _embedding_bag_errors():
    w = np.ones((5, 3))
    idx = _i64(0, 1, 2, 3)
    yield _err(idx.reshape(1, 2, 2), w, exc=ValueError, match="1D or 2D")
    yield _err(idx, w, exc=ValueError, match="offsets has to be a 1D Tensor but got None")
    yield _err(idx.reshape(2, 2), w, _i64(0, 1), exc=ValueError, match="offsets has to be None")
    yield _err(idx, w, _i64(1, 2), exc=ValueError, match="offsets\\[0\\] has to be 0")
    yield _err(idx, w, _i64(0, 3, 1), exc=ValueError, match="non-decreasing")
    yield _err(idx, w, _i64(0, 2), mode="median", exc=ValueError, match="mode")
    yield _err(idx, w, _i64(0, 2), mode="mean", per_sample_weights=np.ones(4), exc=NotImplementedError,
               match="per_sample_weights")
    yield _err(_i64(0, 7), w, _i64(0), exc=IndexError, match="out of range")
    yield _err(np.array([0.0, 1.0]), w, _i64(0), exc=TypeError, match="integer")
    yield _err(idx, w, _i64(0, 2), sparse=True, exc=NotImplementedError, match="sparse")


# ---- ctc_loss -----------------------------------------------------------------------------------

def _ctc(lib, x, *args, **kwargs):
    """ctc_loss of log_softmax(x): its gradient is the true one for normalised log_probs."""
    return lib.nn.functional.ctc_loss(x.log_softmax(-1), *args, **kwargs)


def _ctc_samples(rng, dtype):
    T, N, C = 8, 3, 5
    x = random_data(rng, T, N, C)
    targets = rng.integers(1, C, size=(N, 4)).astype(np.int64)
    targets[0, 1] = targets[0, 0]  # a repeated label needs a blank between
    in_len, tg_len = _i64(8, 6, 7), _i64(4, 0, 2)
    for reduction in REDUCTIONS:
        yield Sample((x, targets, in_len, tg_len), dict(reduction=reduction), name=f"padded {reduction}")
    concatenated = np.concatenate([targets[n, :tg_len[n]] for n in range(N)])
    yield Sample((x, concatenated, in_len, tg_len), dict(reduction="sum"), name="concatenated")
    yield Sample((x, targets, (8, 6, 7), (4, 0, 2)), dict(reduction="none"), name="tuple lengths")
    yield Sample((x, targets - 1, in_len, tg_len), dict(blank=C - 1, reduction="mean"), name="last blank")
    yield Sample((x[:, 0], targets[0], _i64(8), _i64(4)), dict(reduction="none"), name="unbatched")
    short = _i64(2, 6, 7)  # four labels (with a repeat) cannot fit into two frames: an infinite loss
    yield Sample((x, targets, short, tg_len), dict(reduction="mean", zero_infinity=True), name="zero_infinity")


def _ctc_errors():
    x = np.zeros((4, 2, 3))
    targets = np.ones((2, 2), dtype=np.int64)
    yield _err(x, targets, _i64(4, 4), _i64(2, 2), blank=3, exc=RuntimeError, match="blank")
    yield _err(x, targets, _i64(5, 4), _i64(2, 2), exc=RuntimeError, match="at most 4")
    yield _err(x, targets, _i64(4), _i64(2, 2), exc=RuntimeError, match="input_lengths")
    yield _err(x, targets, _i64(4, 4), _i64(3, 2), exc=RuntimeError, match="at least 3")
    yield _err(x, np.ones((2, 2)), _i64(4, 4), _i64(2, 2), exc=TypeError, match="integers")
    yield _err(x, targets + 5, _i64(4, 4), _i64(2, 2), exc=IndexError, match="class indices")
    yield _err(x, targets, _i64(4, 4), _i64(2, 2), reduction="max", exc=ValueError, match="reduction")
    yield _err(np.zeros((4, 0, 3)), np.zeros((0, 2), dtype=np.int64), _i64(), _i64(), exc=RuntimeError,
               match="must not be empty")


# ---- rrelu (evaluation: the mean slope) ------------------------------------------------------

def _rrelu_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 5),), name="default")
    yield Sample((r(3, 5), 0.1, 0.5), name="bounds")
    yield Sample((r(2, 3, 4),), dict(lower=0.2, upper=0.2, training=False), name="3-D")
    yield Sample((r(),), name="0-dim")
    yield Sample((r(0, 3),), name="empty")


def _rrelu_errors():
    yield _err(np.ones(3), 0.5, 0.1, exc=ValueError, match="lower bound")
    yield _err(_i64(1, 2), exc=TypeError, match="floating")


# ---- pdist, multilabel_margin_loss, triplet_margin_with_distance_loss --------------------------

def _pdist_samples(rng, dtype):
    x = random_data(rng, 5, 3)
    for p in (2, 1, 3, 0.5, float("inf")):
        yield Sample((x, p), name=f"p={p}")
    # one row: no pairs (PyTorch's backward of an input without rows crashes, so no empty sample)
    yield Sample((random_data(rng, 1, 3),), name="one row")


def _pdist_errors():
    yield _err(np.ones(3), exc=RuntimeError, match="2D")
    yield _err(np.ones((2, 3)), -1, exc=RuntimeError, match="non-negative")


def _multilabel_samples(rng, dtype):
    x = random_data(rng, 3, 5)
    target = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 2, 0, 0, 0]], dtype=np.int64)
    for reduction in REDUCTIONS:
        yield Sample((x, target), dict(reduction=reduction), name=reduction)
    yield Sample((x[0], target[0]), dict(reduction="none"), name="1-D")
    yield Sample((random_data(rng, 2, 4), np.array([[1, 1, -1, 0], [2, 0, 3, -1]], dtype=np.int64)),
                 name="repeated label")


def _multilabel_errors():
    yield _err(np.ones((2, 3)), np.zeros((2, 4), dtype=np.int64), exc=ValueError, match="inconsistent")
    yield _err(np.ones((2, 3)), np.zeros((2, 3)), exc=TypeError, match="int64")
    yield _err(np.ones((2, 3)), np.zeros((2, 3), dtype=np.int64), reduction="max", exc=ValueError, match="reduction")


def _l1_distance(a, b):
    return (a - b).abs().sum(-1)


def _triplet_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    for reduction in REDUCTIONS:
        yield Sample((r(4, 3), r(4, 3), r(4, 3)), dict(reduction=reduction), name=reduction)
    yield Sample((r(4, 3), r(4, 3), r(4, 3)), dict(swap=True, margin=2.0), name="swap")
    yield Sample((r(4, 3), r(4, 3), r(4, 3)), dict(distance_function=_l1_distance, margin=3.0), name="l1 distance")
    yield Sample((r(3), r(3), r(3)), name="1-D")
    yield Sample((r(0, 3), r(0, 3), r(0, 3)), dict(reduction="sum"), name="empty sum")
    yield Sample((r(0, 3), r(0, 3), r(0, 3)), dict(reduction="none"), name="empty none")


def _triplet_errors():
    a = np.ones((2, 3))
    yield _err(a, a, a, margin=0.0, exc=ValueError, match="margin")
    yield _err(a, a, np.ones(3), exc=RuntimeError, match="same number of dimensions")
    yield _err(a, a, a, reduction="max", exc=ValueError, match="reduction")


# ---- conv_tbc ---------------------------------------------------------------------------------

def _conv_tbc_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(6, 2, 3), r(3, 3, 4), r(4)), name="no padding")
    yield Sample((r(6, 2, 3), r(3, 3, 4), r(4), 1), name="pad 1")
    yield Sample((r(5, 1, 2), r(1, 2, 3), r(3)), dict(pad=2), name="kernel 1")


def _conv_tbc_errors():
    yield _err(np.ones((6, 2, 3)), np.ones((3, 4, 4)), np.ones(4), exc=RuntimeError, match="do not match")
    yield _err(np.ones((6, 3)), np.ones((3, 3, 4)), np.ones(4), exc=RuntimeError, match="3-D input")


# ---- multi_head_attention_forward -----------------------------------------------------------------

def _mha(lib, *args, **kwargs):
    out, weights = lib.nn.functional.multi_head_attention_forward(*args, **kwargs)
    return out if weights is None else (out, weights)


def _mha_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s, low=-1.0, high=1.0)
    E, H, L, S, N = 4, 2, 3, 5, 2

    def call(q, k, v, w=None, b=None, bk=None, bv=None, zero=False, **kw):
        w = r(3 * E, E) if w is None else w
        b = r(3 * E) if b is None else b
        return (q, k, v, E, H, w, b, bk, bv, zero, 0.0, r(E, E), r(E)), dict(training=False, **kw)

    args, kw = call(r(L, N, E), r(S, N, E), r(S, N, E))
    yield Sample(args, kw, name="weights")
    args, kw = call(r(L, N, E), r(S, N, E), r(S, N, E), need_weights=False)
    yield Sample(args, kw, name="no weights")
    args, kw = call(r(L, N, E), r(S, N, E), r(S, N, E), attn_mask=r(L, S),
                    key_padding_mask=np.array([[0, 0, 1, 0, 1], [0, 0, 0, 0, 0]], dtype=bool))
    yield Sample(args, kw, name="masks")
    args, kw = call(r(L, N, E), r(S, N, E), r(S, N, E), attn_mask=np.triu(np.ones((L, S), dtype=bool), 1),
                    average_attn_weights=False)
    yield Sample(args, kw, name="bool mask per head")
    args, kw = call(r(L, N, E), r(S, N, E), r(S, N, E), bk=r(1, 1, E), bv=r(1, 1, E), zero=True)
    yield Sample(args, kw, name="bias_kv zero_attn")
    args, kw = call(r(L, N, E), r(S, N, 3), r(S, N, 2), w=None, use_separate_proj_weight=True,
                    q_proj_weight=r(E, E), k_proj_weight=r(E, 3), v_proj_weight=r(E, 2))
    yield Sample(args, kw, name="separate projections")
    args, kw = call(r(L, E), r(S, E), r(S, E))
    yield Sample(args, kw, name="unbatched")


def _mha_errors():
    E = 4
    w, b, o = np.ones((3 * E, E)), np.ones(3 * E), np.ones((E, E))
    yield _err(np.ones((3, 2, E)), np.ones((5, 2, E)), np.ones((5, 2, E)), 6, 2, w, b, None, None, False, 0.0, o,
               None, exc=AssertionError, match="embedding dimension of 6")
    yield _err(np.ones((3, 2, E)), np.ones((5, E)), np.ones((5, E)), E, 2, w, b, None, None, False, 0.0, o, None,
               exc=AssertionError, match="3-D")
    yield _err(np.ones((3, 2, E)), np.ones((5, 2, E)), np.ones((5, 2, E)), E, 2, w, b, None, None, False, 0.0, o,
               None, attn_mask=np.ones((3, 4)), exc=RuntimeError, match="2D attn_mask")


# ---- linear_cross_entropy ----------------------------------------------------------------------

def _lce_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s, low=-1.0, high=1.0)
    target = rng.integers(0, 3, size=5).astype(np.int64)
    for reduction in REDUCTIONS:
        yield Sample((r(5, 4), r(3, 4), target), dict(reduction=reduction), name=reduction)
    yield Sample((r(5, 4), r(3, 2, 4), rng.integers(0, 3, size=(5, 2)).astype(np.int64)),
                 dict(linear_bias=r(3, 2)), name="K-dimensional with bias")
    yield Sample((r(4), r(3, 4), np.array(1, dtype=np.int64)), dict(linear_bias=r(3)), name="unbatched")
    probabilities = rng.dirichlet(np.ones(3), size=5)
    yield Sample((r(5, 4), r(3, 4), probabilities), dict(label_smoothing=0.2), name="probabilities")
    # the class weights are not differentiated (as cross_entropy's)
    yield Sample((r(5, 4), r(3, 4), np.array([0, 1, 2, 1, 0])), dict(weight=r(3) + 2, ignore_index=1),
                 name="weight ignore_index", grad_args=(0, 1))


def _lce_errors():
    t = np.zeros(2, dtype=np.int64)
    yield _err(np.ones((2, 2, 4)), np.ones((3, 4)), t, exc=RuntimeError, match="dimensionality 1 or 2")
    yield _err(np.ones((2, 4)), np.ones(4), t, exc=RuntimeError, match="at least 2")
    yield _err(np.ones((2, 4)), np.ones((3, 5)), t, exc=RuntimeError, match="in_features")
    yield _err(np.ones((2, 4)), np.ones((3, 4)), t, linear_bias=np.ones(2), exc=RuntimeError, match="linear_bias")
    yield _err(np.ones((2, 4)), np.ones((3, 4)), np.ones((2, 3)) / 3, ignore_index=0, exc=RuntimeError,
               match="probabilities")
    yield _err(np.ones(4), np.ones((3, 2, 4)), t, exc=RuntimeError, match="requires batched input")


ENTRIES = [
    _entry("embedding_bag", _embedding_bag_samples, _embedding_bag_errors),
    _entry("ctc_loss", _ctc_samples, _ctc_errors, op=_ctc),
    _entry("rrelu", _rrelu_samples, _rrelu_errors, dtypes=(ember.float32, ember.float64, ember.bfloat16)),
    _entry("pdist", _pdist_samples, _pdist_errors),
    _entry("multilabel_margin_loss", _multilabel_samples, _multilabel_errors),
    _entry("triplet_margin_with_distance_loss", _triplet_samples, _triplet_errors),
    _entry("conv_tbc", _conv_tbc_samples, _conv_tbc_errors),
    _entry("multi_head_attention_forward", _mha_samples, _mha_errors, op=_mha),
    _entry("linear_cross_entropy", _lce_samples, _lce_errors),
]
