"""op_db entries: torch's top-level spellings (ember/_ops/toplevel_aliases.py) -- fill, zero_,
detach, the ATen-signature losses (integer reduction), instance_norm, native_layer_norm,
native_batch_norm, constant_pad_nd, adaptive_max_pool1d, embedding_renorm_ -- and the creation
and combinatorics functions of ember/_ops/windows.py and ember/_ops/combinatorics.py.
PyTorch is the reference."""
import numpy as np

import ember
from conftest import FLOAT_DTYPES, INT_DTYPES
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data

LOSS_TOLERANCES = {ember.float16: (1e-2, 1e-2), ember.bfloat16: (5e-2, 5e-2), ember.float32: (1e-5, 1e-5)}
NORM_TOLERANCES = {ember.float16: (2e-2, 2e-2), ember.bfloat16: (8e-2, 8e-2), ember.float32: (1e-4, 1e-5)}


def _top(name):
    return lambda lib, *args, **kwargs: getattr(lib, name)(*args, **kwargs)


# ---- fill, zero_, detach -----------------------------------------------------------------------

def _fill_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4), 2.5), name="number")
    yield Sample((random_data(rng, 3, 4), np.array(-1.5)), name="0-dim tensor")
    yield Sample((random_data(rng, 0, 4), 1.0), name="empty")
    yield Sample((np.array(3.0), 7.0), name="0-dim input")


def _fill_errors():
    yield ErrorCase((np.ones(3), np.ones(2)), exc=RuntimeError, match="0-dimension")
    yield ErrorCase(([1.0, 2.0], 1.0), exc=TypeError, match="fill")


def _one_input(rng, dtype):
    yield Sample((random_data(rng, 3, 4),), name="2-D")
    yield Sample((random_data(rng, 0, 2),), name="empty")
    yield Sample((np.array(2.0),), name="0-dim")


def _zero(lib, x):
    y = x.clone()
    out = lib.zero_(y)
    assert out is y
    return out


# ---- losses with an integer reduction ----------------------------------------------------------

def _loss_samples(make):
    def samples(rng, dtype):
        for reduction in (0, 1, 2):
            yield Sample(make(rng, (3, 4)), dict(reduction=reduction), name=f"reduction {reduction}")
        yield Sample(make(rng, (0, 4)), dict(reduction=2), name="empty")
    return samples


def _signs(rng, shape):
    return Arg(np.where(rng.uniform(size=shape[:1]) > 0.5, 1.0, -1.0), ember.float32)


def _sign_like(rng, shape):
    return np.where(rng.uniform(size=shape) > 0.5, 1.0, -1.0)


_LOSSES = {
    "margin_ranking_loss": lambda rng, s: (random_data(rng, *s), random_data(rng, *s), _sign_like(rng, s)),
    "hinge_embedding_loss": lambda rng, s: (random_data(rng, *s), _sign_like(rng, s)),
    "kl_div": lambda rng, s: (random_data(rng, *s, low=-3, high=0), random_data(rng, *s, low=0.1, high=1)),
    "triplet_margin_loss": lambda rng, s: (random_data(rng, *s), random_data(rng, *s), random_data(rng, *s)),
    "cosine_embedding_loss": lambda rng, s: (random_data(rng, *s), random_data(rng, *s), _sign_like(rng, s[:1])),
    "binary_cross_entropy_with_logits": lambda rng, s: (random_data(rng, *s), random_data(rng, *s, low=0, high=1)),
}


def _poisson_samples(rng, dtype):
    for reduction in (0, 1, 2):
        for log_input, full in ((True, False), (False, True)):
            target = random_data(rng, 3, 4, low=0, high=4)
            x = random_data(rng, 3, 4, low=-1, high=1) if log_input else random_data(rng, 3, 4, low=0.1, high=3)
            yield Sample((x, target, log_input, full, 1e-8, reduction), name=f"{reduction} {log_input} {full}")


def _loss_errors(name, arity):
    def errors():
        yield ErrorCase(tuple(np.ones((2, 3)) for _ in range(arity)), dict(reduction=5), exc=ValueError,
                        match=name)
    return errors


# ---- normalization, padding, pooling ----------------------------------------------------------

def _instance_norm_samples(rng, dtype):
    r = lambda *s, **kw: random_data(rng, *s, **kw)
    yield Sample((r(2, 3, 5), None, None, None, None, True, 0.1, 1e-5, False), name="no affine")
    yield Sample((r(2, 3, 4, 4), r(3), r(3), None, None, True, 0.1, 1e-5, False), name="affine 2-D")


def _native_layer_norm_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(2, 3, 4), [4], r(4), r(4), 1e-5), name="last dim")
    yield Sample((r(2, 3, 4), [3, 4], None, None, 1e-5), name="two dims, no affine")
    yield Sample((r(0, 4), [4], None, None, 1e-5), name="empty batch")


def _native_batch_norm_samples(rng, dtype):
    r = lambda *s, **kw: random_data(rng, *s, **kw)
    yield Sample((r(4, 3, 5), r(3), r(3), None, None, True, 0.1, 1e-5), name="training")
    yield Sample((r(4, 3), None, None, r(3), r(3, low=0.5, high=2), False, 0.1, 1e-5), name="eval")


def _pad_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(2, 3), [1, 2]), name="last dim")
    yield Sample((r(2, 3, 4), [1, 0, 2, 1], ), dict(value=1.5), name="two dims, value")
    yield Sample((r(2, 5), [-1, 2]), name="negative")
    yield Sample((r(0, 3), [1, 1]), name="empty")


def _pad_errors():
    yield ErrorCase((np.ones((2, 3)), [1, 1, 1]), exc=(ValueError, RuntimeError))


def _amp1d_samples(rng, dtype):
    yield Sample((random_data(rng, 2, 3, 8), 3), name="3-D")
    yield Sample((random_data(rng, 3, 7), 2), name="2-D")


def _renorm(lib, weight, indices, max_norm, norm_type):
    w = weight.clone()
    with lib.no_grad():
        out = lib.embedding_renorm_(w, indices, max_norm, norm_type)
    assert out is w
    return out


def _renorm_samples(rng, dtype):
    yield Sample((random_data(rng, 6, 4), np.array([0, 2, 2, 5]), 1.0, 2.0), name="p=2")
    yield Sample((random_data(rng, 6, 4), np.array([[1, 3]]), 2.0, 1.0), name="p=1, 2-D indices")
    yield Sample((random_data(rng, 6, 4), np.zeros(0, dtype=np.int64), 1.0, 2.0), name="no indices")


def _renorm_errors():
    yield ErrorCase((np.ones(3), np.array([0]), 1.0, 2.0), exc=ValueError, match="embedding_renorm_")


ENTRIES = [
    OpEntry("fill", _top("fill"), _fill_samples, dtypes=FLOAT_DTYPES + INT_DTYPES, errors=_fill_errors),
    OpEntry("zero_", _zero, _one_input, dtypes=FLOAT_DTYPES + INT_DTYPES, differentiable=False),
    OpEntry("detach", _top("detach"), _one_input, differentiable=False),
] + [
    OpEntry(f"{name} top-level", _top(name), _loss_samples(make), tolerances=LOSS_TOLERANCES,
            errors=_loss_errors(name, len(make(np.random.default_rng(0), (2, 3)))))
    for name, make in _LOSSES.items()
] + [
    OpEntry("poisson_nll_loss top-level", _top("poisson_nll_loss"), _poisson_samples, tolerances=LOSS_TOLERANCES),
    OpEntry("instance_norm top-level", _top("instance_norm"), _instance_norm_samples, tolerances=NORM_TOLERANCES),
    OpEntry("native_layer_norm", _top("native_layer_norm"), _native_layer_norm_samples, tolerances=NORM_TOLERANCES),
    OpEntry("native_batch_norm", _top("native_batch_norm"), _native_batch_norm_samples, tolerances=NORM_TOLERANCES),
    OpEntry("constant_pad_nd", _top("constant_pad_nd"), _pad_samples, dtypes=FLOAT_DTYPES + INT_DTYPES,
            errors=_pad_errors),
    OpEntry("adaptive_max_pool1d top-level", _top("adaptive_max_pool1d"), _amp1d_samples),
    OpEntry("embedding_renorm_", _renorm, _renorm_samples, dtypes=(ember.float32, ember.float64),
            differentiable=False, errors=_renorm_errors, tolerances={ember.float32: (1e-5, 1e-6)}),
]


# ---- torch's top-level names of ember.special functions --------------------------------------

def _positive_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4, low=0.2, high=6),), name="2-D")
    yield Sample((random_data(rng, 0, 3, low=0.2, high=6),), name="empty")
    yield Sample((np.array(1.5),), name="0-dim")


def _i0_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4, low=-8, high=8),), name="2-D")
    yield Sample((random_data(rng, 0, 3),), name="empty")


def _polygamma_samples(rng, dtype):
    for n in (0, 1, 2, 3):
        yield Sample((n, random_data(rng, 3, 4, low=0.3, high=6)), name=f"n={n}")
    yield Sample((1, random_data(rng, 0, 2, low=0.3, high=6)), name="empty")


def _mvlgamma_samples(rng, dtype):
    for p in (1, 2, 4):
        yield Sample((random_data(rng, 3, 4, low=2.0, high=6), p), name=f"p={p}")


def _igamma_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4, low=0.5, high=6), random_data(rng, 3, 4, low=0.1, high=10)), name="2-D")
    yield Sample((random_data(rng, 3, 1, low=0.5, high=6), random_data(rng, 4, low=0.1, high=10)), name="broadcast")
    yield Sample((random_data(rng, 0, 4, low=0.5, high=3), random_data(rng, 0, 4, low=0.1, high=3)), name="empty")


def _mvlgamma_errors():
    yield ErrorCase((np.array([0.1, 3.0]), 3), exc=ValueError, match="greater than")
    yield ErrorCase((np.array([2.0]), 0), exc=ValueError, match="p has to be")


def _polygamma_errors():
    yield ErrorCase((-1, np.ones(2)), exc=ValueError, match="negative n")
    yield ErrorCase((1, [1.0]), exc=TypeError, match="polygamma")


SPECIAL_TOLERANCES = {ember.float16: (1e-2, 1e-2), ember.bfloat16: (5e-2, 5e-2), ember.float32: (1e-4, 1e-5),
                      ember.float64: (1e-9, 1e-12)}
HIGH_PRECISION = (ember.float32, ember.float64)

ENTRIES += [
    OpEntry("i0", _top("i0"), _i0_samples, dtypes=HIGH_PRECISION, tolerances=SPECIAL_TOLERANCES),
    OpEntry("polygamma", _top("polygamma"), _polygamma_samples, dtypes=HIGH_PRECISION,
            tolerances=SPECIAL_TOLERANCES, errors=_polygamma_errors),
    OpEntry("mvlgamma", _top("mvlgamma"), _mvlgamma_samples, dtypes=HIGH_PRECISION, tolerances=SPECIAL_TOLERANCES,
            errors=_mvlgamma_errors),
    OpEntry("igamma", _top("igamma"), _igamma_samples, dtypes=HIGH_PRECISION, tolerances=SPECIAL_TOLERANCES),
    OpEntry("igammac", _top("igammac"), _igamma_samples, dtypes=HIGH_PRECISION, tolerances=SPECIAL_TOLERANCES),
]


# ---- ember/_ops/combinatorics.py ---------------------------------------------------------------

def _vectors_samples(rng, dtype):
    yield Sample((random_data(rng, 3), random_data(rng, 2)), name="two")
    yield Sample((random_data(rng, 2), random_data(rng, 2), random_data(rng, 3)), name="three")
    yield Sample((random_data(rng, 4),), name="one")
    yield Sample((random_data(rng, 3), random_data(rng, 0)), name="empty")


def _combinations_samples(rng, dtype):
    for r, replace in ((2, False), (3, False), (2, True), (5, False), (1, True)):
        yield Sample((random_data(rng, 4), r, replace), name=f"r={r} {replace}")
    yield Sample((random_data(rng, 0), 2, False), name="empty")


def _vander_samples(rng, dtype):
    yield Sample((random_data(rng, 4),), name="square")
    yield Sample((random_data(rng, 3), 5), name="N=5")
    yield Sample((random_data(rng, 3), 3, True), name="increasing")
    yield Sample((random_data(rng, 3), 0), name="N=0")


def _isin_samples(rng, dtype):
    a = np.round(random_data(rng, 3, 4))
    yield Sample((a, np.round(random_data(rng, 5))), name="tensors")
    yield Sample((a, np.round(random_data(rng, 5))), dict(invert=True), name="invert")
    yield Sample((a, 1.0), name="number")
    yield Sample((a[:0], np.round(random_data(rng, 2))), name="empty")


def _unravel_samples(rng, dtype):
    yield Sample((np.array([0, 5, 7, -1, 11]), (3, 4)), name="2-D")
    yield Sample((np.array([[3, 20]]), (2, 3, 4)), name="3-D")
    yield Sample((np.array(4), (5,)), name="0-dim")


def _unravel_errors():
    yield ErrorCase((np.array([12]), (3, 4)), exc=ValueError, match="range")
    yield ErrorCase((np.array([1.0]), (3, 4)), exc=TypeError, match="integer")


def _rsub_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 4), random_data(rng, 4)), name="broadcast")
    yield Sample((random_data(rng, 3, 4), random_data(rng, 3, 4)), dict(alpha=2), name="alpha")
    yield Sample((random_data(rng, 3), 1.5), name="number")


def _chain_samples(rng, dtype):
    yield Sample((random_data(rng, 2, 3), random_data(rng, 3, 4), random_data(rng, 4, 2)), name="three")
    yield Sample((random_data(rng, 2, 3),), name="one")


def _chain_errors():
    yield ErrorCase((np.ones(3), np.ones((3, 2))), exc=ValueError, match="chain_matmul")


def _trapz_samples(rng, dtype):
    yield Sample((random_data(rng, 3, 5),), name="dx=1")
    yield Sample((random_data(rng, 3, 5), np.sort(random_data(rng, 5))), name="x")
    yield Sample((random_data(rng, 3, 5),), dict(dx=0.5, dim=0), name="dx dim")


def _combination_errors():
    yield ErrorCase((np.ones((2, 2)), 2, False), exc=ValueError, match="1D")


ENTRIES += [
    OpEntry("cartesian_prod", _top("cartesian_prod"), _vectors_samples, dtypes=FLOAT_DTYPES + INT_DTYPES),
    OpEntry("combinations", _top("combinations"), _combinations_samples, dtypes=FLOAT_DTYPES + INT_DTYPES,
            errors=_combination_errors),
    OpEntry("vander", _top("vander"), _vander_samples, dtypes=(ember.float32, ember.float64, ember.int64),
            tolerances={ember.float32: (1e-5, 1e-5)}),
    OpEntry("isin", _top("isin"), _isin_samples, dtypes=(ember.float32, ember.int64, ember.int32),
            differentiable=False),
    OpEntry("unravel_index", _top("unravel_index"), _unravel_samples, dtypes=(ember.int64,), differentiable=False,
            errors=_unravel_errors),
    OpEntry("rsub", _top("rsub"), _rsub_samples),
    OpEntry("chain_matmul", _top("chain_matmul"), _chain_samples, dtypes=(ember.float32, ember.float64),
            tolerances={ember.float32: (1e-5, 1e-5)}, errors=_chain_errors),
    OpEntry("trapz", _top("trapz"), _trapz_samples, dtypes=(ember.float32, ember.float64),
            tolerances={ember.float32: (1e-5, 1e-5)}),
]


# ---- ember/_ops/view_copies.py: each against torch, and sharing no storage with its input -----

_COPIES = {
    "view_copy": ((3, 4), ((4, 3),)), "permute_copy": ((2, 3, 4), ((2, 0, 1),)), "transpose_copy": ((3, 4), (0, 1)),
    "expand_copy": ((3, 1), ((3, 4),)), "diagonal_copy": ((3, 4), (1,)), "select_copy": ((3, 4), (1, 2)),
    "slice_copy": ((5, 4), (0, 1, 5, 2)), "split_copy": ((5, 4), (2,)), "squeeze_copy": ((3, 1, 4), ()),
    "unsqueeze_copy": ((3, 4), (1,)), "t_copy": ((3, 4), ()), "unbind_copy": ((3, 4), (1,)),
    "unfold_copy": ((3, 6), (1, 2, 2)), "alias_copy": ((3, 4), ()), "detach_copy": ((3, 4), ()),
    "narrow_copy": ((3, 5), (1, 1, 3)),
}


def _copy_op(name):
    def call(lib, x, *args):
        result = getattr(lib, name)(x, *args)
        if lib is ember:
            for r in (result if isinstance(result, (list, tuple)) else [result]):
                assert r.numel() == 0 or r.data_ptr() != x.data_ptr(), f"{name} shares its input's storage"
        return result
    return call


def _copy_samples(shape, args):
    def samples(rng, dtype):
        yield Sample((random_data(rng, *shape), *args), name=f"{shape} {args}")
    return samples


ENTRIES += [OpEntry(name, _copy_op(name), _copy_samples(shape, args), dtypes=FLOAT_DTYPES + INT_DTYPES,
                    differentiable=name != "detach_copy")
            for name, (shape, args) in _COPIES.items()]
