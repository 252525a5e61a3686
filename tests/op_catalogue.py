"""The op catalogue: every elementwise and reduction op described once.

After PyTorch's OpInfo. An entry names the op, says how to call it on a module
(`ember`, or `torch` for parity checks), gives a NumPy reference, the dtypes it
accepts and those it must refuse, the input domain of each operand, the rule for
its result dtype, and tolerances where the defaults in conftest do not fit.
A sample generator turns an entry into concrete inputs of many layouts
(contiguous, transposed, stepped, negative-step, broadcast, expanded, empty,
zero-dim, large enough to cross a parallel threshold).

Tests built from it live in test_ops_catalogue.py and test_reductions.py.
"""
import functools
import math
import operator
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
import pytest

import ember
from conftest import (ALL_DTYPES, BOOL_DTYPES, FLOAT_DTYPES, INT_DTYPES, dtype_name,
                      is_float, make_tensor, to_numpy)

INTS_AND_FLOATS = INT_DTYPES + FLOAT_DTYPES
BOOL_AND_INTS = BOOL_DTYPES + INT_DTYPES
# For variants of an op already tested on every dtype (a keyword argument's path).
VARIANT_DTYPES = (ember.float32, ember.float64, ember.float16, ember.int64, ember.int32,
                  ember.uint8)

# ---------------------------------------------------------------------------
# Type promotion, written out independently of the engine (PyTorch's rules).
# ---------------------------------------------------------------------------

_CATEGORY = {ember.bool: 0}
_CATEGORY.update({d: 1 for d in INT_DTYPES})
_CATEGORY.update({d: 2 for d in FLOAT_DTYPES})
_INT_BITS = {ember.uint8: 8, ember.int8: 8, ember.int16: 16, ember.int32: 32, ember.int64: 64}
_SIGNED_BY_BITS = {8: ember.int8, 16: ember.int16, 32: ember.int32, 64: ember.int64}
_FLOAT_RANK = {ember.float16: 16, ember.bfloat16: 16, ember.float32: 32, ember.float64: 64}

DEFAULT_FLOAT = ember.float32
DEFAULT_INT = ember.int64


def category(dtype):
    """0 for bool, 1 for integers, 2 for floating point."""
    return _CATEGORY[dtype]


def promote_types(a, b):
    """The smallest dtype both `a` and `b` convert to, like torch.promote_types."""
    if a == b:
        return a
    if category(a) != category(b):
        return a if category(a) > category(b) else b
    if category(a) == 1:
        if ember.uint8 in (a, b):
            other = b if a == ember.uint8 else a
            return _SIGNED_BY_BITS[max(16, _INT_BITS[other])]
        return a if _INT_BITS[a] > _INT_BITS[b] else b
    if {a, b} == {ember.float16, ember.bfloat16}:
        return ember.float32
    return a if _FLOAT_RANK[a] > _FLOAT_RANK[b] else b


def _fold(dtypes):
    return functools.reduce(promote_types, dtypes) if dtypes else None


def result_type(*operands):
    """torch.result_type for any number of operands.

    An operand is an ember tensor, a Python bool/int/float, or a (dtype, ndim) pair.
    Tensors with dimensions decide the dtype; a zero-dim tensor or a Python scalar
    only matters when its category (bool < int < float) is higher, and a Python
    float then gives the default float dtype, a Python int the default int dtype.
    """
    dims, zero_dims, scalars = [], [], []
    for x in operands:
        if isinstance(x, bool):
            scalars.append(ember.bool)
        elif isinstance(x, int):
            scalars.append(DEFAULT_INT)
        elif isinstance(x, float):
            scalars.append(DEFAULT_FLOAT)
        else:
            dtype, ndim = x if isinstance(x, tuple) else (x.dtype, x.ndim)
            (dims if ndim > 0 else zero_dims).append(dtype)
    result = _fold(dims)
    for tier in (zero_dims, scalars):
        candidate = _fold(tier)
        if candidate is not None and (result is None or category(candidate) > category(result)):
            result = candidate
    return result


# ---------------------------------------------------------------------------
# Input domains
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Domain:
    """Where an operand's values come from.

    `floats(rng, shape)` gives float64 values; integers are drawn uniformly from
    the inclusive range `ints` (clipped at 0 for uint8), skipping 0 if `nonzero`.
    Bool operands are random True/False whatever the domain.
    """
    name: str
    floats: Callable
    ints: tuple
    nonzero: bool = False

    def sample(self, rng, shape, dtype):
        if dtype == ember.bool:
            return rng.random(shape) < 0.5
        if is_float(dtype):
            return np.asarray(self.floats(rng, shape), dtype=np.float64)
        lo, hi = self.ints
        if dtype == ember.uint8:
            lo = max(lo, 0)
        values = rng.integers(lo, hi + 1, size=shape, dtype=np.int64)
        if self.nonzero:
            values = np.where(values == 0, hi, values)
        return values


def _uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def _grid(step, lo, hi):
    """Multiples of `step` in [lo, hi]: exact in every float dtype, with ties and zeros."""
    return lambda rng, shape: rng.integers(round(lo / step), round(hi / step) + 1, shape) * step


def _choice(values):
    return lambda rng, shape: rng.choice(np.asarray(values, dtype=np.float64), shape)


def _nonzero_floats(rng, shape):
    return rng.uniform(0.5, 3.0, shape) * rng.choice([-1.0, 1.0], shape)


def _with_specials(rng, shape):
    values = rng.uniform(-3.0, 3.0, shape)
    specials = rng.choice([np.nan, np.inf, -np.inf], shape)
    return np.where(rng.random(shape) < 0.2, specials, values)


REAL = Domain("real", _uniform(-3.0, 3.0), (-9, 9))
POSITIVE = Domain("positive", _uniform(0.1, 5.0), (1, 20))
NONNEGATIVE = Domain("nonnegative", _uniform(0.0, 5.0), (0, 20))
ABOVE_MINUS_ONE = Domain("above_minus_one", _uniform(-0.9, 5.0), (0, 20))
NONZERO = Domain("nonzero", _nonzero_floats, (-9, 9), nonzero=True)
TAN = Domain("tan", _uniform(-1.3, 1.3), (-9, 9))
GRID = Domain("grid", _grid(0.25, -8.0, 8.0), (-20, 20))
DIVISOR = Domain("divisor", _choice([-3, -2, -1.5, -1, -0.75, -0.5, 0.5, 0.75, 1, 1.5, 2, 3]),
                 (-5, 5), nonzero=True)
SMALL_GRID = Domain("small_grid", _grid(0.5, -1.5, 1.5), (-3, 3))
BASE = Domain("base", _uniform(0.2, 3.0), (-4, 4))
EXPONENT = Domain("exponent", _uniform(-2.0, 2.0), (0, 3))
SHIFT = Domain("shift", _uniform(0.0, 3.0), (0, 3))
WITH_SPECIALS = Domain("with_specials", _with_specials, (-9, 9))
NEAR_ONE = Domain("near_one", _uniform(0.99, 1.01), (-1, 1), nonzero=True)
UNIT_POSITIVE = Domain("unit_positive", _uniform(0.0, 1.0), (0, 3))
UNIT_INTERVAL = Domain("unit_interval", _uniform(-0.95, 0.95), (-1, 1))
ABOVE_ONE = Domain("above_one", _uniform(1.0, 5.0), (1, 20))
NONZERO_SMALL_INTS = Domain("nonzero_small_ints", _uniform(0.9, 1.1), (-2, 2), nonzero=True)

# ---------------------------------------------------------------------------
# Elementwise ops
# ---------------------------------------------------------------------------

SAME = "same"     # result dtype: the promoted input dtype
FLOAT = "float"   # the promoted dtype if floating, else the default float dtype (float32)
BOOL = "bool"     # always bool


@dataclass(frozen=True, eq=False)
class ElementwiseOp:
    """One elementwise op.

    fn(module, *operands) calls it on `ember` (or `torch`); ref(*arrays) is the
    NumPy reference, handed float64 arrays when the result or the inputs are
    floating, int64 arrays for integer inputs and bool arrays for bool inputs.
    """
    name: str
    fn: Callable
    ref: Callable
    arity: int = 1
    dtypes: tuple = ALL_DTYPES
    rejects: tuple = ()
    domains: tuple = (REAL,)
    result: str = SAME
    method: Optional[str] = None          # Tensor method with the same meaning
    operator: Optional[Callable] = None   # Python operator with the same meaning
    scalars: tuple = ()                   # Python scalars accepted as the second operand
    special_values: bool = False          # compare NaN/inf handling with NumPy
    tol: dict = field(default_factory=dict)

    def result_dtype(self, *operands):
        """The dtype of fn(*operands) for tensors and Python scalars."""
        if self.result == BOOL:
            return ember.bool
        promoted = result_type(*operands)
        if self.result == FLOAT and not is_float(promoted):
            return DEFAULT_FLOAT
        return promoted

    def compute_dtype(self, *operands):
        """The NumPy dtype the reference computes in."""
        promoted = result_type(*operands)
        if is_float(promoted) or self.result == FLOAT:
            return np.float64
        if promoted == ember.bool:
            return np.bool_
        return np.int64

    def operand_domains(self):
        """One domain per operand (a single domain serves them all)."""
        return self.domains * self.arity if len(self.domains) == 1 else self.domains

    def tolerance(self, dtype):
        return self.tol.get(dtype, (None, None))

    def __repr__(self):
        return self.name


def _call(name, **kwargs):
    """fn(module, *operands) calling module.<name>(*operands, **kwargs)."""
    return lambda m, *args: getattr(m, name)(*args, **kwargs)


def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _sign(x):
    return np.sign(x.astype(np.int64)).astype(x.dtype) if x.dtype == np.bool_ else np.sign(x)


def _nonpositive_integer(v):
    return v <= 0 and (v == -math.inf or v == math.floor(v))


def _lgamma_scalar(v):
    if math.isnan(v):
        return v
    return math.inf if _nonpositive_integer(v) else math.lgamma(v)


def _lgamma(x):
    return np.vectorize(_lgamma_scalar, otypes=[np.float64])(x)


def _digamma_scalar(v):
    """psi(v): reflection below 0, the recurrence up to 20, the asymptotic series there."""
    if math.isnan(v) or v == math.inf:
        return v
    if v == 0:
        return math.copysign(math.inf, -v)
    if _nonpositive_integer(v):
        return math.nan
    if v < 0:
        return _digamma_scalar(1 - v) - math.pi / math.tan(math.pi * math.fmod(v, 1.0))
    acc = 0.0
    while v < 20:
        acc -= 1 / v
        v += 1
    z = 1 / (v * v)
    tail = z / 12 - z ** 2 / 120 + z ** 3 / 252 - z ** 4 / 240 + z ** 5 / 132
    return acc + math.log(v) - 0.5 / v - tail


def _digamma(x):
    return np.vectorize(_digamma_scalar, otypes=[np.float64])(x)


def _erfinv_scalar(y):
    """Bisection on erf to a bracket, then Newton steps (through erfc near 1)."""
    if math.isnan(y) or abs(y) > 1:
        return math.nan
    if abs(y) == 1:
        return math.copysign(math.inf, y)
    a = abs(y)
    if a < 1e-8:
        return y * math.sqrt(math.pi) / 2 * (1 + math.pi * y * y / 12)
    lo, hi = 0.0, 6.0
    for _ in range(20):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if math.erf(mid) < a else (lo, mid)
    x = (lo + hi) / 2
    for _ in range(4):
        residual = math.erf(x) - a if a < 0.5 else (1 - a) - math.erfc(x)
        x -= residual / (2 / math.sqrt(math.pi) * math.exp(-x * x))
    return math.copysign(x, y)


def _erfinv(x):
    return np.vectorize(_erfinv_scalar, otypes=[np.float64])(x)


def _erfc(x):
    return np.vectorize(math.erfc, otypes=[np.float64])(x)


def _signbit(x):
    return np.signbit(x.astype(np.float64)) if x.dtype == np.bool_ else np.signbit(x)


def _xlogy(x, y):
    return np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log(y)))


def _unary(name, ref, **kw):
    kw.setdefault("method", name)
    return ElementwiseOp(name, _call(name), ref, arity=1, **kw)


def _binary(name, ref, domains=(REAL, REAL), **kw):
    kw.setdefault("method", name)
    return ElementwiseOp(name, _call(name), ref, arity=2, domains=domains, **kw)


def _isnan(x):
    return np.isnan(x.astype(np.float64))


def _isinf(x):
    return np.isinf(x.astype(np.float64))


def _isfinite(x):
    return np.isfinite(x.astype(np.float64))


_FLOAT_RESULT = dict(dtypes=ALL_DTYPES, result=FLOAT, special_values=True)
_ROUNDING = dict(dtypes=INTS_AND_FLOATS, rejects=BOOL_DTYPES, special_values=True)

UNARY_OPS = [
    _unary("neg", np.negative, dtypes=INTS_AND_FLOATS, rejects=BOOL_DTYPES,
           operator=operator.neg, special_values=True),
    _unary("abs", np.abs, dtypes=INTS_AND_FLOATS, rejects=BOOL_DTYPES, operator=abs,
           special_values=True),
    _unary("exp", np.exp, **_FLOAT_RESULT),
    _unary("exp2", np.exp2, **_FLOAT_RESULT),
    _unary("log", np.log, domains=(POSITIVE,), **_FLOAT_RESULT),
    _unary("log2", np.log2, domains=(POSITIVE,), **_FLOAT_RESULT),
    _unary("log10", np.log10, domains=(POSITIVE,), **_FLOAT_RESULT),
    # square of bool is int64 in PyTorch (pow(x, 2)); test_elementwise.py checks that case.
    _unary("square", np.square, dtypes=INTS_AND_FLOATS),
    _unary("log1p", np.log1p, domains=(ABOVE_MINUS_ONE,), **_FLOAT_RESULT),
    _unary("expm1", np.expm1, **_FLOAT_RESULT),
    _unary("sqrt", np.sqrt, domains=(NONNEGATIVE,), **_FLOAT_RESULT),
    _unary("rsqrt", lambda x: 1.0 / np.sqrt(x), domains=(POSITIVE,), **_FLOAT_RESULT),
    _unary("sin", np.sin, **_FLOAT_RESULT),
    _unary("cos", np.cos, **_FLOAT_RESULT),
    _unary("tan", np.tan, domains=(TAN,), **_FLOAT_RESULT),
    _unary("tanh", np.tanh, **_FLOAT_RESULT),
    _unary("sigmoid", lambda x: 1.0 / (1.0 + np.exp(-x)), **_FLOAT_RESULT),
    _unary("erf", _erf, **_FLOAT_RESULT),
    _unary("reciprocal", np.reciprocal, domains=(NONZERO,), **_FLOAT_RESULT),
    # relu keeps the sign of -0.0 in PyTorch, so its special values are tested by hand.
    _unary("relu", lambda x: np.maximum(x, 0), dtypes=INTS_AND_FLOATS, rejects=BOOL_DTYPES),
    _unary("floor", np.floor, **_ROUNDING),
    _unary("ceil", np.ceil, **_ROUNDING),
    # round: half to even, as NumPy; the grid domain puts many values on .5 ties.
    _unary("round", np.round, domains=(GRID,), **_ROUNDING),
    _unary("trunc", np.trunc, **_ROUNDING),
    # sign(NaN) differs between NumPy and PyTorch, so no special values here.
    _unary("sign", _sign, dtypes=ALL_DTYPES),
    _unary("isnan", _isnan, domains=(WITH_SPECIALS,), result=BOOL),
    _unary("isinf", _isinf, domains=(WITH_SPECIALS,), result=BOOL),
    _unary("isfinite", _isfinite, domains=(WITH_SPECIALS,), result=BOOL),
    _unary("logical_not", np.logical_not, domains=(SMALL_GRID,), result=BOOL),
    _unary("bitwise_not", np.invert, dtypes=BOOL_AND_INTS, rejects=FLOAT_DTYPES,
           operator=operator.invert),
    _unary("sinh", np.sinh, **_FLOAT_RESULT),
    _unary("cosh", np.cosh, **_FLOAT_RESULT),
    _unary("asin", np.arcsin, domains=(UNIT_INTERVAL,), **_FLOAT_RESULT),
    _unary("acos", np.arccos, domains=(UNIT_INTERVAL,), **_FLOAT_RESULT),
    _unary("atan", np.arctan, **_FLOAT_RESULT),
    _unary("asinh", np.arcsinh, **_FLOAT_RESULT),
    _unary("acosh", np.arccosh, domains=(ABOVE_ONE,), **_FLOAT_RESULT),
    _unary("atanh", np.arctanh, domains=(UNIT_INTERVAL,), **_FLOAT_RESULT),
    _unary("erfc", _erfc, **_FLOAT_RESULT),
    _unary("erfinv", _erfinv, domains=(UNIT_INTERVAL,), **_FLOAT_RESULT),
    _unary("lgamma", _lgamma, domains=(POSITIVE,), **_FLOAT_RESULT),
    _unary("digamma", _digamma, domains=(POSITIVE,), **_FLOAT_RESULT),
    _unary("frac", lambda x: x - np.trunc(x), dtypes=FLOAT_DTYPES, rejects=BOOL_AND_INTS,
           special_values=True),
    _unary("signbit", _signbit, domains=(WITH_SPECIALS,), result=BOOL),
    _unary("deg2rad", np.deg2rad, **_FLOAT_RESULT),
    _unary("rad2deg", np.rad2deg, **_FLOAT_RESULT),
    ElementwiseOp("clamp", _call("clamp", min=1, max=5), lambda x: np.clip(x, 1, 5),
                  dtypes=INTS_AND_FLOATS, domains=(GRID,), method=None),
    ElementwiseOp("clamp_min", _call("clamp", min=1), lambda x: np.maximum(x, 1),
                  dtypes=VARIANT_DTYPES, domains=(GRID,), method=None),
    ElementwiseOp("clamp_max", _call("clamp", max=5), lambda x: np.minimum(x, 5),
                  dtypes=VARIANT_DTYPES, domains=(GRID,), method=None),
]

_COMPARISON = dict(domains=(SMALL_GRID, SMALL_GRID), result=BOOL, scalars=(1, 0.5))
_LOGICAL = dict(domains=(SMALL_GRID, SMALL_GRID), result=BOOL)
_BITWISE = dict(dtypes=BOOL_AND_INTS, rejects=FLOAT_DTYPES, scalars=(3,))
_SHIFT = dict(dtypes=INT_DTYPES, rejects=BOOL_DTYPES + FLOAT_DTYPES, domains=(REAL, SHIFT),
              scalars=(2,), method=None)

BINARY_OPS = [
    _binary("add", np.add, operator=operator.add, scalars=(2, 2.5)),
    ElementwiseOp("add_alpha", _call("add", alpha=2), lambda a, b: a + 2 * b, arity=2,
                  dtypes=VARIANT_DTYPES, domains=(REAL, REAL)),
    _binary("sub", np.subtract, dtypes=INTS_AND_FLOATS, rejects=BOOL_DTYPES,
            operator=operator.sub, scalars=(2, 2.5)),
    ElementwiseOp("sub_alpha", _call("sub", alpha=2), lambda a, b: a - 2 * b, arity=2,
                  dtypes=VARIANT_DTYPES, domains=(REAL, REAL)),
    _binary("mul", np.multiply, operator=operator.mul, scalars=(2, 2.5)),
    _binary("div", np.divide, domains=(REAL, NONZERO), result=FLOAT,
            operator=operator.truediv, scalars=(2, 2.5)),
    _binary("pow", np.power, domains=(BASE, EXPONENT), dtypes=INTS_AND_FLOATS,
            rejects=BOOL_DTYPES, operator=operator.pow, scalars=(2, 0.5)),
    _binary("maximum", np.maximum),
    _binary("minimum", np.minimum),
    _binary("remainder", np.remainder, domains=(GRID, DIVISOR), dtypes=INTS_AND_FLOATS,
            rejects=BOOL_DTYPES, operator=operator.mod, scalars=(2, 1.5)),
    _binary("fmod", np.fmod, domains=(GRID, DIVISOR), dtypes=INTS_AND_FLOATS,
            rejects=BOOL_DTYPES, scalars=(2, 1.5)),
    _binary("true_divide", np.true_divide, domains=(REAL, NONZERO), result=FLOAT, method=None),
    _binary("floor_divide", np.floor_divide, domains=(GRID, DIVISOR), dtypes=INTS_AND_FLOATS,
            rejects=BOOL_DTYPES, operator=operator.floordiv, scalars=(2, 1.5)),
    _binary("atan2", np.arctan2, result=FLOAT),
    _binary("eq", np.equal, operator=operator.eq, **_COMPARISON),
    _binary("ne", np.not_equal, operator=operator.ne, **_COMPARISON),
    _binary("lt", np.less, operator=operator.lt, **_COMPARISON),
    _binary("le", np.less_equal, operator=operator.le, **_COMPARISON),
    _binary("gt", np.greater, operator=operator.gt, **_COMPARISON),
    _binary("ge", np.greater_equal, operator=operator.ge, **_COMPARISON),
    _binary("logical_and", np.logical_and, **_LOGICAL),
    _binary("logical_or", np.logical_or, **_LOGICAL),
    _binary("logical_xor", np.logical_xor, **_LOGICAL),
    _binary("bitwise_and", np.bitwise_and, operator=operator.and_, **_BITWISE),
    _binary("bitwise_or", np.bitwise_or, operator=operator.or_, **_BITWISE),
    _binary("bitwise_xor", np.bitwise_xor, operator=operator.xor, **_BITWISE),
    # hypot and logaddexp take no Python number in PyTorch (ember accepts one).
    _binary("hypot", np.hypot, dtypes=FLOAT_DTYPES, rejects=BOOL_AND_INTS),
    _binary("copysign", np.copysign, domains=(REAL, GRID), result=FLOAT, scalars=(-2, 0.5)),
    _binary("logaddexp", np.logaddexp, dtypes=FLOAT_DTYPES, rejects=BOOL_AND_INTS),
    _binary("logaddexp2", np.logaddexp2, dtypes=FLOAT_DTYPES, rejects=BOOL_AND_INTS),
    _binary("xlogy", _xlogy, domains=(GRID, POSITIVE), result=FLOAT, scalars=(2, 0.5)),
    ElementwiseOp("lshift", lambda m, a, b: a << b, np.left_shift, arity=2,
                  operator=operator.lshift, **_SHIFT),
    ElementwiseOp("rshift", lambda m, a, b: a >> b, np.right_shift, arity=2,
                  operator=operator.rshift, **_SHIFT),
]

ELEMENTWISE_OPS = UNARY_OPS + BINARY_OPS


# ---------------------------------------------------------------------------
# Samples: how the operands are laid out in memory
# ---------------------------------------------------------------------------

CONTIGUOUS = "contiguous"
TRANSPOSED = "transposed"        # last two dims swapped: non-contiguous
STEPPED = "stepped"              # every other element of a larger tensor
NEGATIVE_STEP = "negative_step"  # t[::-2, ::-1]: an ember extension
EXPANDED = "expanded"            # stride 0 along the first dim


@dataclass(frozen=True)
class Operand:
    shape: tuple
    layout: str = CONTIGUOUS


@dataclass(frozen=True)
class Sample:
    name: str
    operands: tuple
    ember_only: bool = False

    def __repr__(self):
        return self.name


def _same(name, shape, layout=CONTIGUOUS, arity=1, second_layout=CONTIGUOUS, **kw):
    operands = (Operand(shape, layout),) + (Operand(shape, second_layout),) * (arity - 1)
    return Sample(name, operands, **kw)


def _unary_samples(tier):
    full = [
        _same("contiguous", (4, 5)),
        _same("transposed", (4, 5), TRANSPOSED),
        _same("stepped", (5, 4), STEPPED),
        _same("negative_step", (6, 5), NEGATIVE_STEP, ember_only=True),
        _same("expanded", (4, 5), EXPANDED),
        _same("empty", (0, 3)),
        _same("zero_dim", ()),
        _same("parallel", (257, 273)),
        _same("parallel_transposed", (257, 273), TRANSPOSED),
    ]
    keep = {
        "full": None,
        "medium": {"contiguous", "transposed", "stepped", "negative_step", "zero_dim",
                   "parallel"},
        "small": {"transposed", "parallel"},
    }[tier]
    return [s for s in full if keep is None or s.name in keep]


def _binary_samples(tier):
    full = [
        _same("contiguous", (4, 5), arity=2),
        _same("transposed", (4, 5), TRANSPOSED, arity=2),
        Sample("stepped", (Operand((4, 5), STEPPED), Operand((4, 5), TRANSPOSED))),
        Sample("negative_step", (Operand((4, 5), NEGATIVE_STEP), Operand((4, 5))),
               ember_only=True),
        Sample("broadcast_3x1_1x4", (Operand((3, 1)), Operand((1, 4)))),
        Sample("broadcast_5_2x5", (Operand((5,)), Operand((2, 5)))),
        Sample("broadcast_zero_dim", (Operand((4, 5)), Operand(()))),
        Sample("expanded", (Operand((4, 5), EXPANDED), Operand((4, 5), TRANSPOSED))),
        Sample("empty", (Operand((0, 3)), Operand((1, 3)))),
        _same("zero_dim", (), arity=2),
        _same("parallel", (257, 273), arity=2),
        Sample("parallel_broadcast", (Operand((257, 273), TRANSPOSED), Operand((273,)))),
    ]
    keep = {
        "full": None,
        "medium": {"contiguous", "stepped", "negative_step", "broadcast_3x1_1x4",
                   "broadcast_zero_dim", "parallel"},
        "small": {"broadcast_3x1_1x4", "parallel"},
    }[tier]
    return [s for s in full if keep is None or s.name in keep]


def sample_tier(dtype):
    """float32 gets every layout; float64 and int64 the main ones; the other dtypes a
    strided small case and a large contiguous one."""
    if dtype == ember.float32:
        return "full"
    if dtype in (ember.float64, ember.int64):
        return "medium"
    return "small"


def samples_for(op, dtype):
    tier = sample_tier(dtype)
    return _unary_samples(tier) if op.arity == 1 else _binary_samples(tier)


def elementwise_cases(ops=None):
    """(op, dtype, sample) triples for every op in the catalogue."""
    for op in ELEMENTWISE_OPS if ops is None else ops:
        for dtype in op.dtypes:
            for sample in samples_for(op, dtype):
                yield op, dtype, sample


def case_id(*parts):
    """A readable test id such as 'add-float32-transposed'."""
    return "-".join(p if isinstance(p, str) else dtype_name(p) for p in parts)


def reject_cases(ops):
    """pytest params (op, dtype) for every dtype each of `ops` refuses."""
    return [pytest.param(op, dtype, id=case_id(op.name, dtype)) for op in ops for dtype in op.rejects]


def base_shape(operand):
    """The shape of the tensor to allocate so that `operand`'s view of it has its shape."""
    shape, layout = operand.shape, operand.layout
    if layout == TRANSPOSED:
        return shape[:-2] + (shape[-1], shape[-2])
    if layout == STEPPED:
        return tuple(2 * d + 1 for d in shape)
    if layout == NEGATIVE_STEP:
        return (2 * shape[0],) + shape[1:]
    if layout == EXPANDED:
        return (1,) + shape[1:]
    return shape


def take_view(tensor, array, operand):
    """The same view, as `operand.layout` describes it, of an ember tensor and of the
    NumPy array holding its values."""
    shape, layout = operand.shape, operand.layout
    if layout == TRANSPOSED:
        return tensor.transpose(-2, -1), np.swapaxes(array, -2, -1)
    if layout == STEPPED:
        index = tuple(slice(1, None, 2) for _ in shape)
        return tensor[index], array[index]
    if layout == NEGATIVE_STEP:
        index = (slice(None, None, -2),) + tuple(slice(None, None, -1) for _ in shape[1:])
        return tensor[index], array[index]
    if layout == EXPANDED:
        return tensor.expand(*shape), np.broadcast_to(array, shape)
    return tensor, array


def make_operand(rng, domain, dtype, operand):
    """An ember tensor laid out as `operand` says, and the NumPy array of its values
    (exactly as stored in `dtype`)."""
    tensor = make_tensor(domain.sample(rng, base_shape(operand), dtype), dtype)
    return take_view(tensor, to_numpy(tensor), operand)


def materialize(op, dtype, sample, rng):
    """Returns (ember operands, NumPy operands in the reference's compute dtype)."""
    tensors, arrays = [], []
    for domain, operand in zip(op.operand_domains(), sample.operands):
        t, a = make_operand(rng, domain, dtype, operand)
        tensors.append(t)
        arrays.append(a)
    compute = op.compute_dtype(*tensors)
    return tensors, [a.astype(compute) for a in arrays]


# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------

INDEX = "index"            # int64 positions
INT64_FOR_INTS = "int64"   # bool/int inputs give int64, floats keep their dtype
ALL_ANY = "all_any"        # bool, except uint8 stays uint8 (PyTorch's rule)


@dataclass(frozen=True, eq=False)
class ReductionOp:
    """One reduction.

    fn(module, t, **kw) calls it, with kw among dim= and keepdim=; ref(a, axis,
    keepdims) is the NumPy reference on float64 (floats) or int64/bool arrays.
    """
    name: str
    fn: Callable
    ref: Callable
    dtypes: tuple = FLOAT_DTYPES
    rejects: tuple = ()
    result: str = SAME
    domain: Domain = REAL
    dim_none: bool = True       # may be called without a dim
    dim_tuple: bool = True      # dim may be a tuple
    keepdim: bool = True        # takes keepdim=
    empty_ok: bool = True       # reducing over a zero-size dim is defined
    method: Optional[str] = None
    tol: dict = field(default_factory=dict)

    def result_dtype(self, dtype):
        if self.result == INDEX:
            return ember.int64
        if self.result == INT64_FOR_INTS:
            return dtype if is_float(dtype) else ember.int64
        if self.result == FLOAT:
            return dtype if is_float(dtype) else DEFAULT_FLOAT
        if self.result == ALL_ANY:
            return ember.uint8 if dtype == ember.uint8 else ember.bool
        return dtype

    def compute_dtype(self, dtype):
        if is_float(dtype) or self.result == FLOAT:
            return np.float64
        if dtype == ember.bool and self.result not in (INT64_FOR_INTS,):
            return np.bool_
        return np.int64

    def tolerance(self, dtype):
        return self.tol.get(dtype, (None, None))

    def __repr__(self):
        return self.name


def _reduce_call(name, **fixed):
    return lambda m, t, **kw: getattr(m, name)(t, **fixed, **kw)


def _logsumexp(a, axis, keepdims):
    with np.errstate(all="ignore"):
        m = np.max(a, axis=axis, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0.0)
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _norm(p):
    def ref(a, axis, keepdims):
        a = np.abs(a)
        if p == math.inf:
            return np.max(a, axis=axis, keepdims=keepdims)
        return np.sum(a ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)
    return ref


def _var(ddof, sqrt=False):
    def ref(a, axis, keepdims):
        with np.errstate(all="ignore"):
            out = np.var(a, axis=axis, ddof=ddof, keepdims=keepdims)
        return np.sqrt(out) if sqrt else out
    return ref


def _softmax(a, axis, keepdims):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True)) if a.size else a
    return e / np.sum(e, axis=axis, keepdims=True) if a.size else a


def _log_softmax(a, axis, keepdims):
    return a - _logsumexp(a, axis, keepdims=True) if a.size else a


def _max_values(m, t, **kw):
    return m.max(t, **kw).values if "dim" in kw else m.max(t)


def _min_values(m, t, **kw):
    return m.min(t, **kw).values if "dim" in kw else m.min(t)


_NOT_FLOAT = BOOL_DTYPES + INT_DTYPES
_SCAN = dict(dim_none=False, dim_tuple=False, keepdim=False)
# Sums of a few hundred values: the result carries the error of the rounded inputs'
# accumulation, so float32 gets a little more room than for a single operation.
_SUM_TOL = {ember.float32: (1e-5, 1e-5)}

REDUCTION_OPS = [
    ReductionOp("sum", _reduce_call("sum"), lambda a, axis, keepdims: np.sum(a, axis=axis,
                keepdims=keepdims), dtypes=ALL_DTYPES, result=INT64_FOR_INTS, method="sum",
                tol=_SUM_TOL),
    ReductionOp("mean", _reduce_call("mean"), lambda a, axis, keepdims: np.mean(a, axis=axis,
                keepdims=keepdims), rejects=_NOT_FLOAT, method="mean", tol=_SUM_TOL),
    ReductionOp("prod", _reduce_call("prod"), lambda a, axis, keepdims: np.prod(a, axis=axis,
                keepdims=keepdims), dtypes=ALL_DTYPES, result=INT64_FOR_INTS, domain=NEAR_ONE,
                dim_tuple=False, method="prod",
                # PyTorch multiplies float16/bfloat16 in their own precision, rounding at
                # every step: over a few hundred factors that drifts by percents.
                tol={ember.float32: (1e-4, 1e-6), ember.float16: (3e-2, 1e-3),
                     ember.bfloat16: (2e-1, 1e-2)}),
    ReductionOp("var", _reduce_call("var"), _var(1), rejects=_NOT_FLOAT, method="var",
                empty_ok=False, tol=_SUM_TOL),
    ReductionOp("var_correction0", _reduce_call("var", correction=0), _var(0),
                empty_ok=False, tol=_SUM_TOL),
    ReductionOp("var_unbiased_false", _reduce_call("var", unbiased=False), _var(0),
                empty_ok=False, tol=_SUM_TOL),
    ReductionOp("std", _reduce_call("std"), _var(1, sqrt=True), rejects=_NOT_FLOAT,
                method="std", empty_ok=False, tol=_SUM_TOL),
    ReductionOp("std_correction2", _reduce_call("std", correction=2), _var(2, sqrt=True),
                empty_ok=False, tol=_SUM_TOL),
    ReductionOp("amax", _reduce_call("amax"), lambda a, axis, keepdims: np.max(a, axis=axis,
                keepdims=keepdims), dtypes=ALL_DTYPES, method="amax", empty_ok=False),
    ReductionOp("amin", _reduce_call("amin"), lambda a, axis, keepdims: np.min(a, axis=axis,
                keepdims=keepdims), dtypes=ALL_DTYPES, method="amin", empty_ok=False),
    ReductionOp("max", _max_values, lambda a, axis, keepdims: np.max(a, axis=axis,
                keepdims=keepdims), dtypes=ALL_DTYPES, dim_tuple=False, empty_ok=False),
    ReductionOp("min", _min_values, lambda a, axis, keepdims: np.min(a, axis=axis,
                keepdims=keepdims), dtypes=ALL_DTYPES, dim_tuple=False, empty_ok=False),
    ReductionOp("argmax", _reduce_call("argmax"), lambda a, axis, keepdims: np.argmax(
                a, axis=axis, keepdims=keepdims), dtypes=INTS_AND_FLOATS, rejects=BOOL_DTYPES,
                result=INDEX, dim_tuple=False, empty_ok=False, method="argmax"),
    ReductionOp("argmin", _reduce_call("argmin"), lambda a, axis, keepdims: np.argmin(
                a, axis=axis, keepdims=keepdims), dtypes=INTS_AND_FLOATS, rejects=BOOL_DTYPES,
                result=INDEX, dim_tuple=False, empty_ok=False, method="argmin"),
    ReductionOp("all", _reduce_call("all"), lambda a, axis, keepdims: np.all(a, axis=axis,
                keepdims=keepdims), dtypes=ALL_DTYPES, result=ALL_ANY, domain=SMALL_GRID,
                method="all"),
    ReductionOp("any", _reduce_call("any"), lambda a, axis, keepdims: np.any(a, axis=axis,
                keepdims=keepdims), dtypes=ALL_DTYPES, result=ALL_ANY, domain=SMALL_GRID,
                method="any"),
    ReductionOp("logsumexp", _reduce_call("logsumexp"), _logsumexp, dtypes=ALL_DTYPES,
                result=FLOAT, dim_none=False, method="logsumexp", tol=_SUM_TOL),
    ReductionOp("norm", _reduce_call("norm", p=2), _norm(2), rejects=_NOT_FLOAT, tol=_SUM_TOL),
    ReductionOp("norm_p1", _reduce_call("norm", p=1), _norm(1), tol=_SUM_TOL),
    ReductionOp("norm_inf", _reduce_call("norm", p=math.inf), _norm(math.inf), empty_ok=False),
    ReductionOp("cumsum", _reduce_call("cumsum"), lambda a, axis, keepdims: np.cumsum(
                a, axis=axis), dtypes=ALL_DTYPES, result=INT64_FOR_INTS, domain=UNIT_POSITIVE,
                method="cumsum", tol={ember.float32: (1e-4, 1e-5)}, **_SCAN),
    ReductionOp("cumprod", _reduce_call("cumprod"), lambda a, axis, keepdims: np.cumprod(
                a, axis=axis), dtypes=ALL_DTYPES, result=INT64_FOR_INTS,
                domain=NONZERO_SMALL_INTS, method="cumprod", tol={ember.float32: (1e-4, 1e-6)},
                **_SCAN),
    ReductionOp("softmax", _reduce_call("softmax"), _softmax, rejects=_NOT_FLOAT,
                method="softmax", **_SCAN),
    ReductionOp("log_softmax", _reduce_call("log_softmax"), _log_softmax, rejects=_NOT_FLOAT,
                method="log_softmax", tol={ember.float32: (1e-5, 1e-5)}, **_SCAN),
]


@dataclass(frozen=True)
class ReductionSample:
    name: str
    operand: Operand
    dim: object = None          # None: no dim argument at all
    keepdim: bool = False
    ember_only: bool = False

    def __repr__(self):
        return self.name

    def kwargs(self, op):
        kw = {}
        if self.dim is not None:
            kw["dim"] = self.dim
            if self.keepdim:
                kw["keepdim"] = True
        return kw

    def axis(self):
        return self.dim


def _reduction_samples(tier):
    full = [
        ReductionSample("all", Operand((3, 4, 5))),
        ReductionSample("dim1", Operand((3, 4, 5)), dim=1),
        ReductionSample("dim-1_keepdim", Operand((3, 4, 5)), dim=-1, keepdim=True),
        ReductionSample("dims0_2", Operand((3, 4, 5)), dim=(0, 2)),
        ReductionSample("dims0_2_keepdim", Operand((3, 4, 5)), dim=(0, 2), keepdim=True),
        ReductionSample("transposed_dim0", Operand((4, 5), TRANSPOSED), dim=0),
        ReductionSample("stepped_dim1", Operand((6, 7), STEPPED), dim=1),
        ReductionSample("negative_step_dim0", Operand((6, 7), NEGATIVE_STEP), dim=0,
                        ember_only=True),
        ReductionSample("expanded_dim0", Operand((6, 7), EXPANDED), dim=0),
        ReductionSample("zero_dim", Operand(()), dim=0),
        ReductionSample("empty_dim1", Operand((0, 3)), dim=1),
        ReductionSample("empty_dim0", Operand((0, 3)), dim=0),
        ReductionSample("parallel_all", Operand((257, 273))),
        ReductionSample("parallel_dim0", Operand((257, 273)), dim=0),
        ReductionSample("parallel_transposed_dim1", Operand((257, 273), TRANSPOSED), dim=1),
    ]
    keep = {
        "full": None,
        "medium": {"all", "dim1", "dims0_2", "transposed_dim0", "negative_step_dim0",
                   "zero_dim", "parallel_dim0"},
        "small": {"transposed_dim0", "parallel_transposed_dim1"},
    }[tier]
    return [s for s in full if keep is None or s.name in keep]


def reduction_samples_for(op, dtype):
    out = []
    for s in _reduction_samples(sample_tier(dtype)):
        if s.dim is None and not op.dim_none:
            continue
        if isinstance(s.dim, tuple) and not op.dim_tuple:
            continue
        if s.keepdim and not op.keepdim:
            continue
        if s.name == "empty_dim0" and not op.empty_ok:
            continue
        out.append(s)
    return out


def reduction_cases(ops=None):
    for op in REDUCTION_OPS if ops is None else ops:
        for dtype in op.dtypes:
            for sample in reduction_samples_for(op, dtype):
                yield op, dtype, sample
