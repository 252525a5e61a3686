"""op_db entries: the loss functions of ember.nn.functional, with NumPy references written from
PyTorch's documented formulas."""
import numpy as np

import ember
from conftest import FLOAT_DTYPES
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data

REDUCTIONS = ("none", "mean", "sum")
# Losses sum many rounded terms: looser than the default for the 16-bit types.
LOSS_TOLERANCES = {ember.float16: (1e-2, 1e-2), ember.bfloat16: (5e-2, 5e-2), ember.float32: (1e-5, 1e-5)}


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.sum(loss)
    with np.errstate(all="ignore"):
        return np.mean(loss) if loss.size else np.float64(np.nan)


def _functional(name):
    return lambda lib, *args, **kwargs: getattr(lib.nn.functional, name)(*args, **kwargs)


# ---- pointwise losses -------------------------------------------------------------------------

def _pair_samples(rng, dtype, low=-3.0, high=3.0, extra=({},)):
    r = lambda *s: random_data(rng, *s, low=low, high=high)
    for reduction in REDUCTIONS:
        for kw in extra:
            yield Sample((r(3, 5), r(3, 5)), dict(reduction=reduction, **kw), name=f"{reduction} {kw}")
    yield Sample((r(2, 3, 4), r(2, 3, 4)), name="3-D")
    yield Sample((r(), r()), dict(reduction="sum"), name="0-dim")
    yield Sample((r(0, 3), r(0, 3)), dict(reduction="sum"), name="empty sum")
    yield Sample((r(0, 3), r(0, 3)), dict(reduction="none"), name="empty none")


def _broadcast_samples(rng, dtype):
    yield from _pair_samples(rng, dtype)
    yield Sample((random_data(rng, 4, 3), random_data(rng, 3)), dict(reduction="none"), name="broadcast")


def _mse(x, y, reduction="mean"):
    return _reduce((x - y) ** 2, reduction)


def _l1(x, y, reduction="mean"):
    return _reduce(np.abs(x - y), reduction)


def _smooth_l1(x, y, reduction="mean", beta=1.0):
    d = np.abs(x - y)
    loss = d if beta == 0 else np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, reduction)


def _huber(x, y, reduction="mean", delta=1.0):
    d = np.abs(x - y)
    return _reduce(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


def _weighted_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    for reduction in REDUCTIONS:
        yield Sample((r(3, 4), r(3, 4)), dict(reduction=reduction, weight=r(3, 4) + 4), name=f"weight {reduction}")


def _weighted_ref(base, mean_by_weight):
    def ref(x, y, reduction="mean", weight=None):
        loss = base(x, y, "none") * weight
        if reduction == "mean":
            return loss.sum() / weight.sum() if mean_by_weight else loss.mean()
        return _reduce(loss, reduction)
    return ref


# ---- binary cross-entropy -----------------------------------------------------------------------

def _bce(x, y, weight=None, reduction="mean"):
    with np.errstate(divide="ignore"):
            loss = -(y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log1p(-x), -100))
    return _reduce(loss if weight is None else loss * weight, reduction)


def _bce_samples(rng, dtype):
    p = lambda *s: rng.uniform(0.02, 0.98, size=s)
    for reduction in REDUCTIONS:
        yield Sample((p(4, 3), p(4, 3)), dict(reduction=reduction), name=reduction)
    yield Sample((p(4, 3), p(4, 3)), dict(weight=p(3) * 2), name="weight")
    yield Sample((np.array([0.0, 1.0, 0.5, 1.0]), np.array([1.0, 0.0, 0.5, 1.0])), dict(reduction="none"),
                 name="clamped logs")
    yield Sample((p(0, 2), p(0, 2)), dict(reduction="sum"), name="empty")


def _bce_logits(x, y, weight=None, reduction="mean", pos_weight=None):
    log_sigmoid = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    lw = 1.0 if pos_weight is None else 1 + (pos_weight - 1) * y
    loss = (1 - y) * x - lw * log_sigmoid
    return _reduce(loss if weight is None else loss * weight, reduction)


def _bce_logits_samples(rng, dtype):
    x = lambda *s: random_data(rng, *s, low=-6, high=6)
    p = lambda *s: rng.uniform(0.0, 1.0, size=s)
    for reduction in REDUCTIONS:
        yield Sample((x(4, 3), p(4, 3)), dict(reduction=reduction), name=reduction)
    yield Sample((x(4, 3), p(4, 3)), dict(weight=p(4, 3), pos_weight=p(3) * 3), name="weight pos_weight")
    yield Sample((np.array([-200.0, 200.0, 0.0]), np.array([1.0, 0.0, 0.5])), dict(reduction="none"),
                 name="large logits")
    yield Sample((x(0, 3), p(0, 3)), dict(reduction="sum"), name="empty")


# ---- kl_div --------------------------------------------------------------------------------------

def _kl_div(x, y, reduction="mean", log_target=False):
    if log_target:
        loss = np.exp(y) * (y - x)
    else:
        with np.errstate(all="ignore"):
            loss = np.where(y == 0, 0.0, y * np.log(np.where(y == 0, 1.0, y))) - y * x
    if reduction == "batchmean":
        return np.sum(loss) / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


def _kl_samples(rng, dtype):
    logp = lambda *s: np.log(rng.uniform(0.05, 1.0, size=s))
    for reduction in REDUCTIONS + ("batchmean",):
        yield Sample((logp(4, 5), rng.uniform(0.0, 1.0, size=(4, 5))), dict(reduction=reduction), name=reduction)
    yield Sample((logp(4, 5), logp(4, 5)), dict(reduction="sum", log_target=True), name="log_target")
    yield Sample((logp(3), np.array([0.0, 0.5, 0.5])), dict(reduction="sum"), name="zero target")


# ---- nll_loss and cross_entropy --------------------------------------------------------------

def _class_dim(x):
    return 1 if x.ndim >= 2 else 0


def _nll(x, t, weight=None, ignore_index=-100, reduction="mean"):
    xm = np.moveaxis(x, _class_dim(x), -1)
    w = np.ones(xm.shape[-1]) if weight is None else weight
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    picked = np.take_along_axis(xm, safe[..., None], -1)[..., 0]
    wt = np.where(valid, w[safe] if w.size else 0.0, 0.0)
    loss = -picked * wt
    if reduction == "mean":
        with np.errstate(all="ignore"):
            return np.float64(loss.sum() / wt.sum())
    return _reduce(loss, reduction)


def _log_softmax(x, axis):
    m = np.max(x, axis=axis, keepdims=True) if x.size else 0
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def _cross_entropy(x, t, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    cdim = _class_dim(x)
    c = x.shape[cdim]
    logp = _log_softmax(x, cdim)
    w_shape = [1] * x.ndim
    w_shape[cdim] = c
    w = np.ones(c) if weight is None else weight
    if t.dtype.kind == "f":  # probabilities
        p = t * (1 - label_smoothing) + label_smoothing / c
        loss = -(logp * p * w.reshape(w_shape)).sum(axis=cdim)
        if reduction == "mean":
            with np.errstate(all="ignore"):
                return np.float64(loss.sum() / (x.size / c if c else 0))
        return _reduce(loss, reduction)
    nll = _nll(logp, t, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    smooth = -(logp * w.reshape(w_shape)).sum(axis=cdim)
    valid = t != ignore_index
    smooth = np.where(valid, smooth, 0.0)
    if reduction == "mean":
        safe = np.where(valid, t, 0)
        with np.errstate(all="ignore"):
            smooth = smooth.sum() / np.where(valid, w[safe], 0.0).sum()
    else:
        smooth = _reduce(smooth, reduction)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / c)


def _class_samples(rng, dtype, probabilities=False, smoothing=(0.0,)):
    r = lambda *s: random_data(rng, *s)
    idx = lambda c, *s: rng.integers(0, c, size=s).astype(np.int64)
    for reduction in REDUCTIONS:
        for ls in smoothing:
            kw = dict(reduction=reduction) if ls == 0 else dict(reduction=reduction, label_smoothing=ls)
            yield Sample((r(5, 4), idx(4, 5)), kw, name=f"(N, C) {kw}")
            yield Sample((r(5, 4), idx(4, 5)), dict(kw, weight=rng.uniform(0.5, 2, size=4)), name=f"weight {kw}")
    t = idx(4, 6)
    t[[1, 4]] = -100
    yield Sample((r(6, 4), t), dict(label_smoothing=smoothing[-1]) if smoothing[-1] else {}, name="ignore_index")
    t = idx(3, 5)
    t[2] = 1
    yield Sample((r(5, 3), t), dict(ignore_index=1, weight=rng.uniform(0.5, 2, size=3)), name="ignore a class")
    yield Sample((r(2, 3, 4, 2), idx(3, 2, 4, 2)), dict(reduction="none"), name="(N, C, d1, d2)")
    yield Sample((r(2, 3, 4), idx(3, 2, 4)), dict(weight=rng.uniform(0.5, 2, size=3)), name="(N, C, d) mean")
    yield Sample((r(4), np.array(2, dtype=np.int64)), name="unbatched")
    yield Sample((r(0, 3), idx(3, 0)), dict(reduction="sum"), name="empty batch")
    if probabilities:
        p = rng.uniform(0, 1, size=(5, 4))
        for reduction in REDUCTIONS:
            yield Sample((r(5, 4), p / p.sum(1, keepdims=True)), dict(reduction=reduction), name=f"probs {reduction}")
        yield Sample((r(5, 4), p), dict(weight=rng.uniform(0.5, 2, size=4), label_smoothing=0.2),
                     name="probs weight smoothing")
        yield Sample((r(2, 3, 2), rng.uniform(0, 1, size=(2, 3, 2))), name="probs (N, C, d)")


def _nll_samples(rng, dtype):
    for s in _class_samples(rng, dtype):
        x = s.args[0]
        yield Sample((_log_softmax(x, _class_dim(x)) if x.size else x, s.args[1]), s.kwargs, s.name)


def _ce_samples(rng, dtype):
    return _class_samples(rng, dtype, probabilities=True, smoothing=(0.0, 0.1))


# ---- errors -------------------------------------------------------------------------------------

def _pointwise_errors(name):
    def errors():
        yield ErrorCase((np.zeros(3), np.zeros(3)), dict(reduction="average"), exc=ValueError, match="reduction")
        yield ErrorCase((Arg(np.zeros(3), ember.int64), Arg(np.zeros(3), ember.int64)), exc=TypeError,
                        match=f"{name}.*int64")
        yield ErrorCase((np.zeros((2, 3)), np.zeros((4, 3))), exc=ValueError, match=r"\[2, 3\].*\[4, 3\]")
    return errors


def _smooth_l1_errors():
    yield from _pointwise_errors("smooth_l1_loss")()
    yield ErrorCase((np.zeros(3), np.zeros(3)), dict(beta=-1.0), exc=ValueError, match="beta")


def _huber_errors():
    yield ErrorCase((np.zeros(3), np.zeros(3)), dict(delta=0.0), exc=ValueError, match="delta")
    yield ErrorCase((np.zeros(3), np.zeros(3)), dict(reduction="x"), exc=ValueError, match="reduction")


def _bce_errors():
    yield ErrorCase((np.array([0.5, 1.5]), np.array([0.0, 1.0])), exc=ValueError, match="between 0 and 1")
    yield ErrorCase((np.full((2, 3), 0.5), np.full((3,), 0.5)), exc=ValueError, match=r"\[3\].*\[2, 3\]")


def _bce_logits_errors():
    yield ErrorCase((np.zeros((2, 3)), np.zeros((2, 1))), exc=ValueError, match="target shape")
    yield ErrorCase((np.zeros(3), np.zeros(3)), dict(reduction="avg"), exc=ValueError, match="reduction")


def _kl_errors():
    yield ErrorCase((np.zeros(3), np.zeros(3)), dict(reduction="avg"), exc=ValueError, match="batchmean")


def _class_errors(name):
    def errors():
        t = lambda *v: np.array(v, dtype=np.int64)
        yield ErrorCase((np.zeros((2, 3)), t(0, 3)), exc=IndexError, match="target 3 is out of bounds")
        yield ErrorCase((np.zeros((2, 3)), t(0, -1)), exc=IndexError, match="target -1")
        yield ErrorCase((np.zeros((2, 3)), t(0, 1, 2)), exc=ValueError, match=r"batch_size \(2\).*\(3\)")
        yield ErrorCase((np.zeros((2, 3)), t(0, 1)), dict(weight=np.ones(2)), exc=ValueError, match="weight")
        yield ErrorCase((np.zeros((2, 3)), t(0, 1)), dict(reduction="avg"), exc=ValueError, match="reduction")
        yield ErrorCase((np.zeros(()), t()), exc=ValueError, match="0-dim")
        yield ErrorCase((Arg(np.zeros((2, 3)), ember.int64), t(0, 1)), exc=TypeError, match="floating")
        if name == "cross_entropy":
            yield ErrorCase((np.zeros((2, 3)), t(0, 1)), dict(label_smoothing=1.5), exc=ValueError,
                            match="label_smoothing")
            yield ErrorCase((np.zeros((2, 3)), np.zeros((2, 4))), exc=ValueError, match="probabilities")
        else:
            yield ErrorCase((np.zeros((2, 3)), np.zeros(2)), exc=TypeError, match="integer")
    return errors


def _entry(name, samples, reference, errors=None, **kw):
    return OpEntry(name, _functional(name), samples, dtypes=FLOAT_DTYPES, reference=reference,
                   tolerances=LOSS_TOLERANCES, errors=errors, **kw)


ENTRIES = [
    _entry("mse_loss", _broadcast_samples, _mse, _pointwise_errors("mse_loss")),
    _entry("l1_loss", _broadcast_samples, _l1, _pointwise_errors("l1_loss")),
    _entry("smooth_l1_loss", lambda rng, d: _pair_samples(rng, d, extra=({}, {"beta": 0.5}, {"beta": 0.0})),
           _smooth_l1, _smooth_l1_errors),
    _entry("huber_loss", lambda rng, d: _pair_samples(rng, d, extra=({}, {"delta": 0.3})), _huber, _huber_errors),
    OpEntry("mse_loss weighted", _functional("mse_loss"), _weighted_samples, reference=_weighted_ref(_mse, True),
            tolerances=LOSS_TOLERANCES),
    OpEntry("l1_loss weighted", _functional("l1_loss"), _weighted_samples, reference=_weighted_ref(_l1, True),
            tolerances=LOSS_TOLERANCES),
    OpEntry("huber_loss weighted", _functional("huber_loss"), _weighted_samples,
            reference=_weighted_ref(_huber, False), tolerances=LOSS_TOLERANCES),
    _entry("binary_cross_entropy", _bce_samples, _bce, _bce_errors),
    _entry("binary_cross_entropy_with_logits", _bce_logits_samples, _bce_logits, _bce_logits_errors),
    _entry("kl_div", _kl_samples, _kl_div, _kl_errors),
    _entry("nll_loss", _nll_samples, _nll, _class_errors("nll_loss")),
    _entry("cross_entropy", _ce_samples, _cross_entropy, _class_errors("cross_entropy")),
]
