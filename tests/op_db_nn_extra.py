"""op_db entries: the composite ops of ember.nn.functional in _nn_extra (encodings, distances,
normalizations, shuffles, unfold/fold and the margin and likelihood losses). PyTorch is the
reference (reference=None): these are defined by its implementation."""
import numpy as np

import ember
from conftest import FLOAT_DTYPES, INT_DTYPES
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data

REDUCTIONS = ("none", "mean", "sum")
# Composites round at each step in the 16-bit types; sums of many terms need room.
TOL = {ember.float16: (2e-2, 2e-2), ember.bfloat16: (8e-2, 8e-2), ember.float32: (1e-5, 1e-5)}


def _functional(name):
    return lambda lib, *args, **kwargs: getattr(lib.nn.functional, name)(*args, **kwargs)


def _r(rng, low=-3.0, high=3.0):
    return lambda *s: random_data(rng, *s, low=low, high=high)


def _entry(name, samples, errors=None, dtypes=FLOAT_DTYPES, tolerances=TOL, **kw):
    return OpEntry(f"nn.functional.{name}", _functional(name), samples, dtypes=dtypes, reference=None,
                   tolerances=tolerances, errors=errors, **kw)


def _err(*args, exc=Exception, match=None, **kwargs):
    return ErrorCase(args, kwargs, exc=exc, match=match)


# Shuffles only move elements: every dtype.
SHUFFLE_DTYPES = FLOAT_DTYPES + INT_DTYPES + (ember.bool,)


# ---- encodings and activations ------------------------------------------------------------

def _one_hot_samples(rng, dtype):
    idx = rng.integers(0, 5, size=(3, 4)).astype(np.int64)
    yield Sample((idx,), name="inferred")
    yield Sample((idx, 7), name="num_classes")
    yield Sample((np.array(2, dtype=np.int64), 4), name="0-dim")
    yield Sample((np.zeros((0, 2), dtype=np.int64), 3), name="empty")


def _one_hot_errors():
    yield _err(np.array([0, 5], dtype=np.int64), 3, exc=ValueError, match="smaller than num_classes")
    yield _err(np.array([-1, 0], dtype=np.int64), exc=ValueError, match="non-negative")
    yield _err(np.zeros(0, dtype=np.int64), exc=ValueError, match="empty")
    yield _err(np.zeros(0, dtype=np.int64), 0, exc=ValueError, match="empty")
    yield _err(np.array([1, 2], dtype=np.int32), exc=TypeError, match="int64")


def _unary_samples(extra=({},)):
    def samples(rng, dtype):
        r = _r(rng)
        for kw in extra:
            yield Sample((r(3, 5),), dict(kw), name=str(kw))
        yield Sample((r(2, 3, 4),), dict(extra[-1]), name="3-D")
        yield Sample((r(),), dict(extra[-1]), name="0-dim")
        yield Sample((r(0, 3),), dict(extra[-1]), name="empty")
    return samples


def _softmin_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(3, 5), 1), name="dim 1")
    yield Sample((r(3, 5),), dict(dim=0), name="dim 0")
    yield Sample((r(2, 3, 4), -1), name="3-D")
    yield Sample((r(0, 3), 1), name="empty")


def _glu_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(3, 6),), name="last dim")
    yield Sample((r(4, 3), 0), name="dim 0")
    yield Sample((r(2, 4, 3),), dict(dim=1), name="3-D")
    yield Sample((r(0, 4),), name="empty")


def _glu_errors():
    yield _err(np.ones((2, 3)), exc=ValueError, match="even")
    yield _err(np.array(1.0), exc=ValueError, match="scalars")
    yield _err(np.ones((2, 4)), 3, exc=IndexError)


def _prelu_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(2, 3, 4), rng.uniform(0, 1, size=3)), name="per channel")
    yield Sample((r(2, 3), rng.uniform(0, 1, size=1)), name="shared")
    yield Sample((r(5), rng.uniform(0, 1, size=1)), name="1-D")
    yield Sample((r(0, 3, 2), rng.uniform(0, 1, size=3)), name="empty")


def _prelu_errors():
    yield _err(np.ones((2, 3)), np.ones(4), exc=ValueError, match="channel")
    yield _err(np.array(1.0), np.ones(1), exc=ValueError, match="zero-dim")
    yield _err(np.ones((2, 3)), np.ones((3, 1)), exc=ValueError, match="1-D")


def _shrink_errors():
    yield _err(np.ones(3), lambd=-1.0, exc=ValueError, match="lambda")


# ---- distances -----------------------------------------------------------------------------

def _normalize_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(3, 5),), name="default")
    for p in (1, 3.0, float("inf")):
        yield Sample((r(3, 5),), dict(p=p, dim=0), name=f"p={p}")
    yield Sample((np.zeros((2, 3)),), name="zero rows (eps)")
    yield Sample((r(0, 3),), name="empty")


def _cosine_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(4, 5), r(4, 5)), name="default")
    yield Sample((r(4, 5), r(5)), dict(dim=-1), name="broadcast")
    yield Sample((r(3, 4, 2), r(3, 4, 2)), dict(dim=1, eps=1e-3), name="3-D eps")
    yield Sample((np.zeros((2, 3)), r(2, 3)), name="zero vector")
    yield Sample((r(0, 3), r(0, 3)), name="empty")


def _pairwise_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(4, 5), r(4, 5)), name="default")
    yield Sample((r(4, 5), r(5)), dict(p=1.0, keepdim=True), name="broadcast keepdim p=1")
    yield Sample((r(3, 5), r(3, 5)), dict(p=float("inf"), eps=0.0), name="inf")
    yield Sample((r(5), r(5)), dict(p=3.0), name="1-D")
    yield Sample((r(0, 3), r(0, 3)), name="empty")


# ---- normalizations ------------------------------------------------------------------------

def _rms_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(3, 5), [5]), name="last dim")
    yield Sample((r(2, 3, 4), (3, 4)), dict(weight=r(3, 4)), name="two dims weight")
    yield Sample((r(3, 5), (5,)), dict(eps=1e-3), name="eps")
    yield Sample((r(0, 4), [4]), name="empty")


def _rms_errors():
    yield _err(np.ones((3, 4)), [5], exc=ValueError, match="normalized_shape")
    yield _err(np.ones((3, 4)), [4], weight=np.ones(3), exc=ValueError, match="weight")


def _instance_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(2, 3, 5),), name="1-D spatial")
    yield Sample((r(2, 3, 4, 4),), dict(weight=r(3), bias=r(3)), name="affine")
    yield Sample((r(2, 3, 6),), dict(running_mean=r(3), running_var=rng.uniform(0.5, 2, size=3),
                                     use_input_stats=False), name="running stats")
    yield Sample((r(2, 3, 6),), dict(running_mean=r(3), running_var=rng.uniform(0.5, 2, size=3),
                                     momentum=0.3), name="input stats, running update")


def _instance_errors():
    yield _err(np.ones((2, 3, 1)), exc=ValueError, match="spatial")
    yield _err(np.ones((2, 3, 4)), weight=np.ones(4), exc=ValueError, match="weight")


def _lrn_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(2, 5, 4), 3), name="3-D")
    yield Sample((r(2, 6, 3, 3), 2), dict(alpha=1e-2, beta=0.5, k=2.0), name="4-D even size")
    yield Sample((r(1, 4, 2, 2, 2), 5), name="5-D wide window")
    yield Sample((r(0, 3, 2), 2), name="empty")


def _lrn_errors():
    yield _err(np.ones((2, 3)), 2, exc=ValueError, match="3D or higher")


# ---- shuffles and im2col -------------------------------------------------------------------

def _pixel_shuffle_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(1, 8, 2, 3), 2), name="4-D")
    yield Sample((r(9, 2, 2), 3), name="3-D")
    yield Sample((r(2, 2, 4, 2, 2), 2), name="5-D")
    yield Sample((r(0, 4, 2, 2), 2), name="empty")


def _pixel_shuffle_errors():
    yield _err(np.ones((2, 3)), 2, exc=ValueError, match="at least 3")
    yield _err(np.ones((1, 5, 2, 2)), 2, exc=ValueError, match="divisible")
    yield _err(np.ones((1, 4, 2, 2)), 0, exc=ValueError, match="positive")


def _pixel_unshuffle_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(1, 2, 4, 6), 2), name="4-D")
    yield Sample((r(1, 6, 3), 3), name="3-D")
    # Zero-size inputs: PyTorch returns them unchanged in shape (test_nn_extra.py checks ours).


def _pixel_unshuffle_errors():
    yield _err(np.ones((1, 2, 3, 4)), 2, exc=ValueError, match="divisible")
    yield _err(np.ones((4, 4)), 2, exc=ValueError, match="at least 3")


def _channel_shuffle_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(2, 6, 3), 3), name="3-D")
    yield Sample((r(1, 4, 2, 2), 2), name="4-D")
    yield Sample((r(0, 4, 2), 2), name="empty")


def _channel_shuffle_errors():
    yield _err(np.ones((1, 5, 2)), 2, exc=ValueError, match="divisible")
    yield _err(np.ones((1, 4, 2)), 0, exc=ValueError, match="positive")


def _unfold_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(2, 3, 5, 6), 2), name="kernel 2")
    yield Sample((r(1, 2, 7, 6), (3, 2)), dict(dilation=(2, 1), padding=1, stride=(2, 3)), name="all args")
    yield Sample((r(3, 4, 4), 3), dict(padding=(0, 2)), name="unbatched")
    yield Sample((r(0, 2, 4, 4), 2), name="empty batch")


def _unfold_errors():
    yield _err(np.ones((2, 3)), 2, exc=ValueError, match="3-D or 4-D")
    yield _err(np.ones((1, 1, 2, 2)), 3, exc=ValueError, match="do not fit")
    yield _err(np.ones((1, 1, 4, 4)), 2, stride=0, exc=ValueError, match="stride")


def _fold_samples(rng, dtype):
    r = _r(rng)
    yield Sample((r(2, 12, 20), (5, 6), 2), name="kernel 2 overlapping")
    yield Sample((r(1, 12, 9), (7, 6), (3, 2)), dict(dilation=(2, 1), padding=1, stride=(2, 3)), name="all args")
    yield Sample((r(36, 6), 5, 3), dict(padding=(1, 0), stride=2), name="unbatched")
    yield Sample((r(0, 8, 9), (4, 4), 2), name="empty batch")


def _fold_errors():
    yield _err(np.ones((1, 5, 4)), (3, 3), 2, exc=ValueError, match="divisible")
    yield _err(np.ones((1, 4, 5)), (3, 3), 2, exc=ValueError, match="sliding blocks")
    yield _err(np.ones(4), (3, 3), 2, exc=ValueError, match="2-D or 3-D")


# ---- losses --------------------------------------------------------------------------------

def _signs(rng, *shape):
    return np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)


def _ranking_samples(rng, dtype):
    r = _r(rng)
    for red in REDUCTIONS:
        yield Sample((r(6), r(6), _signs(rng, 6)), dict(reduction=red, margin=0.5), name=red)
    yield Sample((r(3, 4), r(3, 4), _signs(rng, 3, 4)), name="2-D")
    yield Sample((r(0), r(0), r(0)), dict(reduction="sum"), name="empty")


def _ranking_errors():
    yield _err(np.ones(3), np.ones(3), np.ones((1, 3)), exc=ValueError, match="same dimension")
    yield _err(np.ones(3), np.ones(3), np.ones(3), reduction="avg", exc=ValueError, match="reduction")


def _hinge_samples(rng, dtype):
    r = _r(rng)
    for red in REDUCTIONS:
        yield Sample((r(3, 4), _signs(rng, 3, 4)), dict(reduction=red, margin=1.5), name=red)
    yield Sample((r(), np.array(-1.0)), name="0-dim")
    yield Sample((r(0, 2), r(0, 2)), dict(reduction="sum"), name="empty")


def _soft_margin_samples(rng, dtype):
    r = _r(rng)
    for red in REDUCTIONS:
        yield Sample((r(3, 4), _signs(rng, 3, 4)), dict(reduction=red), name=red)
    yield Sample((r(0, 2), r(0, 2)), dict(reduction="sum"), name="empty")


def _multilabel_samples(rng, dtype):
    r = _r(rng)
    t = lambda *s: (rng.uniform(size=s) < 0.5).astype(np.float64)
    for red in REDUCTIONS:
        yield Sample((r(3, 5), t(3, 5)), dict(reduction=red), name=red)
    yield Sample((r(3, 5), t(3, 5)), dict(weight=rng.uniform(0, 2, size=5)), name="weight")
    yield Sample((r(4), t(4)), name="1-D")


def _cos_embedding_samples(rng, dtype):
    r = _r(rng)
    for red in REDUCTIONS:
        yield Sample((r(4, 5), r(4, 5), _signs(rng, 4)), dict(reduction=red, margin=0.2), name=red)
    yield Sample((r(5), r(5), np.array(-1.0)), name="0-D target")


def _cos_embedding_errors():
    yield _err(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 1)), exc=ValueError, match="multi-target")
    yield _err(np.ones(3), np.ones(3), np.ones(3), exc=ValueError, match="2D input")


def _triplet_samples(rng, dtype):
    r = _r(rng)
    for red in REDUCTIONS:
        yield Sample((r(4, 5), r(4, 5), r(4, 5)), dict(reduction=red), name=red)
    yield Sample((r(4, 5), r(4, 5), r(4, 5)), dict(margin=2.0, p=1, swap=True), name="swap p=1")
    yield Sample((r(5), r(5), r(5)), dict(p=3), name="1-D")


def _triplet_errors():
    yield _err(np.ones((2, 3)), np.ones(3), np.ones((2, 3)), exc=ValueError, match="same number of dimensions")


def _poisson_samples(rng, dtype):
    r = _r(rng, -2.0, 2.0)
    counts = lambda *s: rng.integers(0, 6, size=s).astype(np.float64)
    for red in REDUCTIONS:
        yield Sample((r(3, 4), counts(3, 4)), dict(reduction=red), name=red)
    yield Sample((rng.uniform(0.1, 4, size=(3, 4)), counts(3, 4)), dict(log_input=False, full=True), name="full rate")
    yield Sample((r(3, 4), counts(3, 4)), dict(full=True, reduction="sum"), name="full")
    yield Sample((r(0, 3), r(0, 3)), dict(reduction="sum"), name="empty")


def _gaussian_samples(rng, dtype):
    r = _r(rng)
    v = lambda *s: rng.uniform(0.1, 2.0, size=s)
    for red in REDUCTIONS:
        yield Sample((r(4, 3), r(4, 3), v(4, 3)), dict(reduction=red), name=red)
    yield Sample((r(4, 3), r(4, 3), v(4)), dict(full=True), name="homoscedastic")
    yield Sample((r(4, 3), r(4, 3), v(4, 1)), dict(reduction="sum"), name="var last dim 1")
    yield Sample((r(4, 3), r(4, 3), np.zeros((4, 3))), dict(eps=1e-2), name="clamped var")


def _gaussian_errors():
    yield _err(np.ones((4, 3)), np.ones((4, 3)), np.ones((2, 3, 1)), exc=ValueError, match="incorrect size")
    yield _err(np.ones(3), np.ones(3), -np.ones(3), exc=ValueError, match="negative")
    yield _err(np.ones(3), np.ones(3), np.ones(3), reduction="max", exc=ValueError, match="reduction")


def _multi_margin_samples(rng, dtype):
    r = _r(rng)
    tgt = lambda n, c: rng.integers(0, c, size=n).astype(np.int64)
    for red in REDUCTIONS:
        yield Sample((r(4, 5), tgt(4, 5)), dict(reduction=red), name=red)
    yield Sample((r(4, 5), tgt(4, 5)), dict(p=2, margin=0.5, weight=rng.uniform(0, 2, size=5)), name="p=2 weight")
    yield Sample((r(5), np.array(3, dtype=np.int64)), name="1-D")


def _multi_margin_errors():
    yield _err(np.ones((2, 3)), np.array([0, 3]), exc=IndexError, match="out of range")
    yield _err(np.ones((2, 3)), np.array([0, 1]), p=3, exc=ValueError, match="p == 1")
    yield _err(np.ones((2, 3)), np.array([0, 1, 2]), exc=ValueError, match="target size")


ENTRIES = [
    _entry("one_hot", _one_hot_samples, _one_hot_errors, dtypes=(ember.int64,), differentiable=False),
    _entry("softmin", _softmin_samples),
    _entry("glu", _glu_samples, _glu_errors),
    _entry("prelu", _prelu_samples, _prelu_errors),
    _entry("softshrink", _unary_samples(({}, dict(lambd=1.0))), _shrink_errors),
    _entry("hardshrink", _unary_samples(({}, dict(lambd=1.0)))),
    _entry("normalize", _normalize_samples),
    _entry("cosine_similarity", _cosine_samples),
    _entry("pairwise_distance", _pairwise_samples),
    _entry("rms_norm", _rms_samples, _rms_errors),
    _entry("instance_norm", _instance_samples, _instance_errors, updates_inputs=True),  # running stats
    _entry("local_response_norm", _lrn_samples, _lrn_errors),
    _entry("pixel_shuffle", _pixel_shuffle_samples, _pixel_shuffle_errors, dtypes=SHUFFLE_DTYPES),
    _entry("pixel_unshuffle", _pixel_unshuffle_samples, _pixel_unshuffle_errors, dtypes=SHUFFLE_DTYPES),
    _entry("channel_shuffle", _channel_shuffle_samples, _channel_shuffle_errors, dtypes=SHUFFLE_DTYPES),
    _entry("unfold", _unfold_samples, _unfold_errors),
    _entry("fold", _fold_samples, _fold_errors),
    _entry("margin_ranking_loss", _ranking_samples, _ranking_errors),
    _entry("hinge_embedding_loss", _hinge_samples),
    _entry("soft_margin_loss", _soft_margin_samples),
    _entry("multilabel_soft_margin_loss", _multilabel_samples),
    _entry("cosine_embedding_loss", _cos_embedding_samples, _cos_embedding_errors),
    _entry("triplet_margin_loss", _triplet_samples, _triplet_errors),
    _entry("poisson_nll_loss", _poisson_samples),
    _entry("gaussian_nll_loss", _gaussian_samples, _gaussian_errors),
    _entry("multi_margin_loss", _multi_margin_samples, _multi_margin_errors),
]
