"""Miscellaneous PyTorch functions written as composites of ember ops (PyTorch's names,
signatures and semantics): comparisons within a tolerance (isclose, allclose, equal),
interpolation and fused arithmetic (lerp, addcmul, addcdiv, clamp_min/clamp_max, nan_to_num),
differences and counts (diff, bincount, histc, trapezoid), covariance (cov, corrcoef),
distances (cdist), rotation (rot90) and scans that the core lacks (cummax, cummin, logcumsumexp).

The scans run as log2(n) rounds of elementwise steps over shifted copies (a Hillis-Steele
scan): each round combines every position with the one `step` before it, so a dim of n
elements takes O(n log n) work without a Python loop over its elements.
"""
import math
import numbers

from .. import _C, return_types
from .. import _warnings
from .._op_layer import install_methods, op
from .._tensor import Tensor, _wrap

__all__ = ["isclose", "allclose", "equal", "lerp", "addcmul", "addcdiv", "clamp_min", "clamp_max",
           "nan_to_num", "diff", "bincount", "histc", "cdist", "rot90", "cummax", "cummin",
           "logcumsumexp", "trapezoid", "cov", "corrcoef"]

_F = None  # the ember module, bound on first use (this module is imported by ember itself)


def _ember():
    global _F
    if _F is None:
        import ember
        _F = ember
    return _F


def _tensor(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _dtype_name(dtype):
    return str(dtype).replace("ember.", "")


def _is_float(t):
    return t.is_floating_point()


def _is_inexact(t):
    """Floating or complex: the dtypes whose arithmetic does not truncate."""
    return t.is_floating_point() or t.dtype.is_complex


# ---- comparisons ----------------------------------------------------------------------------

@op
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (broadcast); equal values (infinities
    included) are always close, NaNs only with equal_nan."""
    E = _ember()
    _tensor(input, "isclose"), _tensor(other, "isclose", "other")
    if input.dtype != other.dtype:
        raise _C.DTypeError(f"isclose(): input dtype {_dtype_name(input.dtype)} does not match "
                            f"other dtype {_dtype_name(other.dtype)}")
    if rtol < 0:
        raise _C.ArgumentError(f"isclose(): rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise _C.ArgumentError(f"isclose(): atol must be greater than or equal to zero, but got {atol}")
    close = input == other
    if input.dtype == E.bool:
        return close
    if equal_nan and _is_float(input):
        close = close | (E.isnan(input) & E.isnan(other))
    if rtol == 0 and atol == 0:
        return close
    # Integers compare in float64 so that the difference cannot overflow.
    a, b = (input, other) if _is_float(input) else (input.to(E.float64), other.to(E.float64))
    error = (a - b).abs()
    allowed = (b.abs() * rtol) + atol
    return close | (E.isfinite(error) & (error <= allowed))


@op
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether isclose holds everywhere (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all().item())


@op
def equal(input, other):
    """True if both tensors have the same shape and the same values (NaN is never equal)."""
    _tensor(input, "equal"), _tensor(other, "equal", "other")
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool((input == other).all().item())


# ---- interpolation and fused arithmetic -----------------------------------------------------

@op
def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input), evaluated from the nearer end for accuracy; weight is a
    number or a tensor, all tensors floating and of one dtype, broadcast together."""
    E = _ember()
    _tensor(input, "lerp"), _tensor(end, "lerp", "end")
    if not (_is_float(input) or input.dtype.is_complex):
        raise _C.DTypeError(f"lerp(): expected a floating point or complex input, got {_dtype_name(input.dtype)}")
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype != input.dtype:
            raise _C.DTypeError(f"lerp(): expected dtype {_dtype_name(input.dtype)} for `{name}` "
                                f"but got dtype {_dtype_name(t.dtype)}")
    if not isinstance(weight, (Tensor, numbers.Number)):
        raise TypeError(f"lerp(): argument 'weight' must be Tensor or Number, not {type(weight).__name__}")
    delta = end - input
    if isinstance(weight, Tensor):
        result = E.where(weight.abs() < 0.5, input + weight * delta, end - delta * (1 - weight))
    elif abs(weight) < 0.5:
        result = input + delta * weight
    else:
        result = end - delta * (1 - weight)
    return _into(result, out)


def _value(value, op, input, t1, t2):
    """The multiplier as the result's dtype takes it: integral results truncate it, as
    PyTorch does (addcmul(ints, value=1.7) adds 1 * t1 * t2)."""
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{op}(): argument 'value' must be Number, not {type(value).__name__}")
    if all(not _is_inexact(t) for t in (input, t1, t2)):
        return int(value)
    return value


@op
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2 (broadcast, promoted)."""
    for name, t in (("input", input), ("tensor1", tensor1), ("tensor2", tensor2)):
        _tensor(t, "addcmul", name)
    value = _value(value, "addcmul", input, tensor1, tensor2)
    return _into(input + (tensor1 * tensor2) * value, out)


@op
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (broadcast, promoted); integer tensor1 and tensor2 are
    refused, as in PyTorch."""
    for name, t in (("input", input), ("tensor1", tensor1), ("tensor2", tensor2)):
        _tensor(t, "addcdiv", name)
    if not _is_inexact(tensor1) and not _is_inexact(tensor2):
        raise _C.DTypeError(
            "addcdiv(): integer division with addcdiv is not supported (tensor1 "
            f"{_dtype_name(tensor1.dtype)}, tensor2 {_dtype_name(tensor2.dtype)}); use a floating tensor")
    value = _value(value, "addcdiv", input, tensor1, tensor2)
    return _into(input + (tensor1 / tensor2) * value, out)


@op
def clamp_min(input, min, *, out=None):
    return _ember().clamp(_tensor(input, "clamp_min"), min=min, out=out)


@op
def clamp_max(input, max, *, out=None):
    return _ember().clamp(_tensor(input, "clamp_max"), max=max, out=out)


# The largest finite value of each floating dtype (nan_to_num's defaults for infinities).
_FLOAT_MAX = {"float32": 3.4028234663852886e+38, "float64": 1.7976931348623157e+308,
              "float16": 65504.0, "bfloat16": 3.3895313892515355e+38}


@op
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """NaN -> nan, +inf -> posinf, -inf -> neginf (defaults: 0 and the dtype's largest and
    lowest finite values); integer and bool inputs are returned as a copy."""
    E = _ember()
    _tensor(input, "nan_to_num")
    if not _is_float(input):
        return _into(input.clone(), out)
    big = _FLOAT_MAX[_dtype_name(input.dtype)]
    posinf = big if posinf is None else posinf
    neginf = -big if neginf is None else neginf
    result = E.where(E.isnan(input), E.full_like(input, nan), input)
    result = E.where(result == math.inf, E.full_like(input, posinf), result)
    result = E.where(result == -math.inf, E.full_like(input, neginf), result)
    return _into(result, out)


def _into(result, out):
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if tuple(out.shape) != tuple(result.shape):
        raise _C.ShapeError(f"out has shape {list(out.shape)}, expected {list(result.shape)}")
    out.copy_(result)
    return out


# ---- differences and counts -----------------------------------------------------------------

@op
def diff(input, n=1, dim=-1, prepend=None, append=None, *, axis=None):
    """The n-th forward difference along dim (logical xor for bool), after joining prepend and
    append to the input along that dim. axis=: the array API's spelling of dim."""
    dim = dim if axis is None else axis
    E = _ember()
    _tensor(input, "diff")
    if input.dim() == 0:
        raise _C.ShapeError("diff(): expects input to be at least one-dimensional")
    if n < 0:
        raise _C.ArgumentError(f"diff(): order must be non-negative but got {n}")
    parts = [t for t in (prepend, input, append) if t is not None]
    x = E.cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[dim]
        if length == 0:
            break
        hi, lo = x.narrow(dim, 1, length - 1), x.narrow(dim, 0, length - 1)
        x = (hi != lo) if x.dtype == E.bool else hi - lo
    return x.clone() if x is input else x


@op
def bincount(input, weights=None, minlength=0):
    """Counts of each value of a 1-D non-negative integer tensor (or sums of weights): length
    max(input) + 1, at least minlength."""
    E = _ember()
    _tensor(input, "bincount")
    if _is_float(input) or input.dtype == E.bool:
        raise _C.DTypeError(f"bincount(): expected an integral input, got {_dtype_name(input.dtype)}")
    if minlength < 0:
        raise _C.ArgumentError(f"bincount(): minlength should be >= 0, got {minlength}")
    if input.dim() != 1 or (input.numel() and input.min().item() < 0):
        raise _C.ArgumentError(f"bincount(): only supports 1-d non-negative integral inputs, got shape "
                         f"{list(input.shape)}")
    if weights is not None:
        _tensor(weights, "bincount", "weights")
        if weights.dim() != 1 or weights.shape[0] != input.shape[0]:
            raise _C.ShapeError(f"bincount(): weights should be 1-d and have the same length as input "
                                f"({input.shape[0]}), got shape {list(weights.shape)}")
    length = max(int(input.max().item()) + 1 if input.numel() else 0, int(minlength))
    index = input.to(E.int64)
    if weights is None:
        return E.zeros(length, dtype=E.int64).index_add(0, index, E.ones(input.shape[0], dtype=E.int64))
    dtype = weights.dtype if weights.dtype in (E.float32, E.float64) else E.float64
    return E.zeros(length, dtype=dtype).index_add(0, index, weights.to(dtype))


@op
def histc(input, bins=100, min=0, max=0):
    """A histogram of bins equal-width bins over [min, max] (the data's range when min == max);
    values outside the range and NaNs are not counted, max falls in the last bin."""
    E = _ember()
    _tensor(input, "histc")
    if not _is_float(input):
        raise _C.DTypeError(f"histc(): expected a floating point input, got {_dtype_name(input.dtype)}")
    if bins <= 0:
        raise _C.ArgumentError(f"histc(): bins must be > 0, but got {bins}")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise _C.ArgumentError(f"histc(): max must be larger than min, got min {lo} and max {hi}")
    if lo == hi and input.numel():
        lo, hi = float(input.min().item()), float(input.max().item())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise _C.ArgumentError(f"histc(): range of [{lo}, {hi}] is not finite")
    # The bin of an element as PyTorch computes it, each step rounded to the input's dtype:
    # (x - min) * bins / (max - min), truncated; max itself goes to the last bin.
    x = input.reshape(-1)
    lo_t, hi_t = E.tensor(lo, dtype=input.dtype), E.tensor(hi, dtype=input.dtype)
    inside = (x >= lo_t) & (x <= hi_t)  # False for NaN
    position = ((x - lo_t) * bins / (hi_t - lo_t)).clamp(0, bins - 1)
    index = E.where(inside, position, 0).to(E.int64)
    counts = E.zeros(bins, dtype=E.float64).index_add(0, index, inside.to(E.float64))
    return counts.to(input.dtype)


@op
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of y along dim by the trapezoidal rule, at spacing dx (default 1) or at the
    sample points x (1-D along dim, or y's shape)."""
    E = _ember()
    _tensor(y, "trapezoid", "y")
    if y.dim() == 0:
        raise _C.ShapeError("trapezoid(): expected y to have at least one dimension")
    if x is not None and dx is not None:
        raise TypeError("trapezoid(): pass either x or dx, not both")
    if not _is_float(y):
        y = y.to(E.float32)
    n = y.shape[dim]
    if n == 0:
        return y.sum(dim) * 0
    mids = (y.narrow(dim, 1, n - 1) + y.narrow(dim, 0, n - 1)) * 0.5
    if x is None:
        return mids.sum(dim) * (1.0 if dx is None else dx)
    _tensor(x, "trapezoid", "x")
    if x.dim() == 1:
        if x.shape[0] != n:
            raise _C.ShapeError(f"trapezoid(): x has {x.shape[0]} points but y has {n} along dim {dim}")
        shape = [1] * y.dim()
        shape[dim % y.dim()] = n - 1
        spacing = diff(x).reshape(shape)
    else:
        spacing = diff(x, dim=dim)
    return (mids * spacing).sum(dim)


# ---- covariance -----------------------------------------------------------------------------

def _observation_weights(weights, name, observations, integral):
    E = _ember()
    _tensor(weights, "cov", name)
    if weights.dim() > 1:
        raise _C.ShapeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                            f"shape {list(weights.shape)}")
    if weights.numel() != observations:
        raise _C.ShapeError(f"cov(): expected {name} to have the same numel as there are observations "
                            f"in the input ({observations}) but got {weights.numel()}")
    if integral and (_is_float(weights) or weights.dtype == E.bool):
        raise _C.DTypeError(f"cov(): expected {name} to have integral dtype but got {_dtype_name(weights.dtype)}")
    if not integral and not _is_float(weights):
        raise _C.DTypeError(f"cov(): expected {name} to have floating point dtype but got "
                            f"{_dtype_name(weights.dtype)}")
    if weights.numel() and weights.min().item() < 0:
        raise _C.ArgumentError(f"cov(): {name} cannot be negative")
    return weights.reshape(-1)


@op
def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in input's rows (a 1-D input is one variable and
    gives a 0-dim result), its columns the observations, optionally weighted by integer
    frequencies and floating importance weights; integer inputs give float32."""
    E = _ember()
    _tensor(input, "cov")
    if input.dim() > 2:
        raise _C.ShapeError(f"cov(): expected input to have two or fewer dimensions but got an input "
                            f"with {input.dim()} dimensions")
    x = input.reshape(1, -1) if input.dim() < 2 else input
    if not _is_float(x):
        x = x.to(E.float32)
    observations = x.shape[1]
    w = None
    if fweights is not None:
        w = _observation_weights(fweights, "fweights", observations, True)
    if aweights is not None:
        a = _observation_weights(aweights, "aweights", observations, False)
        w = a if w is None else w * a
    if w is None:
        w_sum = float(observations)
        mean = x.mean(1, keepdim=True) if observations else E.zeros((x.shape[0], 1), dtype=x.dtype)
    else:
        w = w.to(E.promote_types(w.dtype, x.dtype))
        w_sum = w.sum()  # a tensor: the weights' gradient flows through the normalisation too
        mean = (x * w).sum(1, keepdim=True) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if float(norm) <= 0:  # too few observations: the result is inf and nan, as in PyTorch
        _warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than "
                       "the number of observations.")
        norm = norm * 0.0 if isinstance(norm, Tensor) else 0.0
    centred = x - mean
    weighted = centred if w is None else centred * w
    result = (centred @ weighted.transpose(0, 1)) / norm
    return result.reshape(()) if input.dim() < 2 else result


@op
def corrcoef(input):
    """Pearson correlation coefficients of the variables in input's rows (see cov), clipped to
    [-1, 1]."""
    E = _ember()
    c = cov(input)
    if c.dim() == 0:
        return c / c
    std = E.diagonal(c).sqrt()
    c = c / std.unsqueeze(1) / std.unsqueeze(0)
    return c.clamp(-1, 1)


# ---- distances and rotation -----------------------------------------------------------------

@op
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between the rows of x1 [*, P, M] and x2 [*, R, M] -> [*, P, R].

    For p = 2 with more than 25 rows on a side (or compute_mode 'use_mm_for_euclid_dist') the
    distance comes from |a|^2 + |b|^2 - 2 a.b by matrix product, clamped at 1e-30 before the
    square root as PyTorch does; otherwise from the differences directly."""
    E = _ember()
    _tensor(x1, "cdist", "x1"), _tensor(x2, "cdist", "x2")
    for name, t in (("X1", x1), ("X2", x2)):
        if t.dim() < 2:
            raise _C.ShapeError(f"cdist(): only supports at least 2D tensors, {name} got: {t.dim()}D")
        if t.dtype not in (E.float32, E.float64):
            raise _C.DTypeError(f"cdist(): only supports float32 and float64 dtypes, {name} got: "
                                f"{_dtype_name(t.dtype)}")
    if x1.dtype != x2.dtype:
        raise _C.DTypeError(f"cdist(): X1 ({_dtype_name(x1.dtype)}) and X2 ({_dtype_name(x2.dtype)}) "
                            "must have the same dtype")
    if x1.shape[-1] != x2.shape[-1]:
        raise _C.ShapeError(f"cdist(): X1 and X2 must have the same number of columns. "
                            f"X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if not p >= 0:
        raise _C.ArgumentError(f"cdist(): only supports non-negative p values, got {p}")
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes:
        raise _C.ArgumentError(f"cdist(): {compute_mode} is not a valid value for compute_mode")
    batch = tuple(E.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])))
    rows1, rows2, cols = x1.shape[-2], x2.shape[-2], x1.shape[-1]
    a = x1.broadcast_to(batch + (rows1, cols))
    b = x2.broadcast_to(batch + (rows2, cols))
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or
                         (compute_mode == modes[0] and (rows1 > 25 or rows2 > 25)))
    if use_mm:
        sq1 = (a * a).sum(-1, keepdim=True)
        sq2 = (b * b).sum(-1, keepdim=True)
        squared = sq1 + sq2.transpose(-2, -1) - (a @ b.transpose(-2, -1)) * 2
        return squared.clamp(min=1e-30).sqrt()
    if cols == 0:
        return E.zeros(batch + (rows1, rows2), dtype=x1.dtype)
    d = (a.unsqueeze(-2) - b.unsqueeze(-3)).abs()
    if p == 0:
        return (d != 0).sum(-1).to(x1.dtype)
    if p == math.inf:
        return d.amax(-1)
    if p == 1:
        return d.sum(-1)
    if p == 2:
        return (d * d).sum(-1).sqrt()
    return d.pow(p).sum(-1).pow(1.0 / p)


@op
def rot90(input, k=1, dims=(0, 1)):
    """Rotates by 90 degrees k times in the plane of dims, from the first dim towards the
    second."""
    _tensor(input, "rot90")
    dims = list(dims)
    if len(dims) != 2:
        raise _C.ArgumentError(f"rot90(): expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise _C.ShapeError(f"rot90(): expected total dims >= 2, but got total dims = {input.dim()}")
    d0, d1 = (d % input.dim() if -input.dim() <= d < input.dim() else d for d in dims)
    for d in (d0, d1):
        if not 0 <= d < input.dim():
            raise IndexError(f"rot90(): rotation dim {d} out of range for a tensor of {input.dim()} dims")
    if d0 == d1:
        raise _C.ArgumentError(f"rot90(): expected rotation dims to be different, but got dim0 = {dims[0]} "
                         f"and dim1 = {dims[1]}")
    k %= 4
    if k == 1:
        return input.flip(d1).transpose(d0, d1).contiguous()
    if k == 2:
        return input.flip([d0, d1])
    if k == 3:
        return input.flip(d0).transpose(d0, d1).contiguous()
    return input.clone()


# ---- scans ----------------------------------------------------------------------------------

def _check_scan_dim(input, dim, op):
    """dim must name a dim of input (-1 or 0 for a 0-dim input)."""
    n = max(input.dim(), 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}(): dimension {dim} out of range (expected to be in range of [{-n}, {n - 1}])")


def _scan(tensors, dim, combine):
    """An inclusive scan of the tensors along dim: combine(earlier, later) -> combined, each a
    tuple of tensors, must be associative. Returns the scanned tensors, contiguous."""
    ref = tensors[0]
    if ref.dim() == 0:
        return tuple(t.clone() for t in tensors)
    ts = tuple(t.movedim(dim, -1) for t in tensors)
    n = ref.shape[dim]
    step = 1
    while step < n:
        earlier = tuple(t.narrow(-1, 0, n - step) for t in ts)
        later = tuple(t.narrow(-1, step, n - step) for t in ts)
        merged = combine(earlier, later)
        ts = tuple(_ember().cat([t.narrow(-1, 0, step), m], -1) for t, m in zip(ts, merged))
        step *= 2
    return tuple(t.movedim(-1, dim).contiguous() for t in ts)


def _positions(input, dim):
    """int64 indices along dim, in input's shape."""
    E = _ember()
    if input.dim() == 0:
        return E.zeros((), dtype=E.int64)
    d = dim % input.dim()
    shape = [1] * input.dim()
    shape[d] = input.shape[d]
    return E.arange(input.shape[d], dtype=E.int64).reshape(shape).broadcast_to(tuple(input.shape))


def _cumulative_extreme(input, dim, op, better):
    E = _ember()
    _tensor(input, op)
    if not isinstance(dim, numbers.Integral):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    _check_scan_dim(input, dim, op)
    floating = _is_float(input)

    def combine(earlier, later):
        (v0, i0), (v1, i1) = earlier, later
        # The later element wins ties (PyTorch reports the last index of the extreme) and a
        # NaN beats everything, so NaN propagates from its first occurrence on.
        take = better(v1, v0)
        if floating:
            take = E.isnan(v1) | (take & ~E.isnan(v0))
        return E.where(take, v1, v0), E.where(take, i1, i0)

    values, indices = _scan((input, _positions(input, dim)), dim, combine)
    return return_types.make(op, ["values", "indices"])(values, indices)


@op
def cummax(input, dim):
    """Running maximum along dim and the index where it was reached (the last such index)."""
    return _cumulative_extreme(input, dim, "cummax", lambda new, old: new >= old)


@op
def cummin(input, dim):
    """Running minimum along dim and the index where it was reached (the last such index)."""
    return _cumulative_extreme(input, dim, "cummin", lambda new, old: new <= old)


@op
def logcumsumexp(input, dim):
    """log(cumsum(exp(input))) along dim, computed stably (pairwise log-add-exp, each pair
    shifted by its larger value); half-precision inputs are computed in float32."""
    E = _ember()
    _tensor(input, "logcumsumexp")
    if not _is_float(input):
        raise _C.DTypeError(f"logcumsumexp(): expected a floating point input, got {_dtype_name(input.dtype)}")
    _check_scan_dim(input, dim, "logcumsumexp")
    x = input.to(E.float32) if input.dtype in (E.float16, E.bfloat16) else input

    def combine(earlier, later):
        (a,), (b,) = earlier, later
        m = E.maximum(a, b)
        shift = E.where(E.isfinite(m), m, 0.0)  # infinities: no shift, exp handles them
        return (((a - shift).exp() + (b - shift).exp()).log() + shift,)

    (result,) = _scan((x,), dim, combine)
    # The first element passes through the scan untouched; log(exp(-0.0)) is +0.0, as in torch.
    return (result + 0.0).to(input.dtype)


# ---- Tensor methods -------------------------------------------------------------------------

def _inplace(fn):
    def method(self, *args, **kwargs):
        return self.copy_(fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    return method


for _name in ("isclose", "allclose", "equal", "lerp", "addcmul", "addcdiv", "clamp_min", "clamp_max",
              "nan_to_num", "diff", "bincount", "histc", "rot90", "cummax", "cummin", "logcumsumexp",
              "cov", "corrcoef"):
    setattr(Tensor, _name, globals()[_name])
install_methods({name + "_": _inplace(globals()[name]) for name in ("clamp_min", "clamp_max", "nan_to_num")})
del _name


# The in-place fused forms are optimizers' inner loop: one temporary and one in-place add each
# (recording goes through the out-of-place forms' rules instead, autograd/rules/misc.py).
def lerp_(self, end, weight):
    if isinstance(weight, Tensor) or not isinstance(end, Tensor) or end.dtype != self.dtype \
            or not _is_float(self) or abs(weight) >= 0.5:
        return self.copy_(lerp(self, end, weight))
    return self.add_(end - self, alpha=weight)


def addcmul_(self, tensor1, tensor2, *, value=1):
    for name, t in (("tensor1", tensor1), ("tensor2", tensor2)):
        _tensor(t, "addcmul_", name)
    return self.add_(tensor1 * tensor2, alpha=_value(value, "addcmul_", self, tensor1, tensor2))


def addcdiv_(self, tensor1, tensor2, *, value=1):
    for name, t in (("tensor1", tensor1), ("tensor2", tensor2)):
        _tensor(t, "addcdiv_", name)
    if not _is_inexact(tensor1) and not _is_inexact(tensor2):
        return self.copy_(addcdiv(self, tensor1, tensor2, value=value))  # raises addcdiv's error
    return self.add_(tensor1 / tensor2, alpha=_value(value, "addcdiv_", self, tensor1, tensor2))


install_methods({"lerp_": lerp_, "addcmul_": addcmul_, "addcdiv_": addcdiv_})
