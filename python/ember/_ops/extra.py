"""Elementwise functions and reductions of torch's surface that are composites of ember ops:
nansum / nanmean, aminmax, mode, logit, sinc, positive, float_power, fmax / fmin,
heaviside, gcd / lcm, frexp / ldexp, isposinf / isneginf / isreal, addr, dist, inner, renorm,
and the in-place scans cumsum_ / cumprod_.

Written in ember ops, so the differentiable ones record through the ops they call (their
gradients are torch's where torch has one); integer and boolean results are not differentiable.
"""
import numbers

import numpy as np

from .. import _C, return_types
from .._op_layer import install_methods, op
from .._tensor import Tensor, _wrap

__all__ = ["nansum", "nanmean", "aminmax", "mode", "logit", "sinc", "positive", "float_power", "fmax",
           "fmin", "heaviside", "gcd", "lcm", "frexp", "ldexp", "isposinf", "isneginf", "isreal", "addr", "dist",
           "inner", "renorm"]

return_types.make("aminmax", ["min", "max"])
return_types.make("mode", ["values", "indices"])
return_types.make("frexp", ["mantissa", "exponent"])


def _ember():
    import ember
    return ember


def _tensor(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _floating(x, op):
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}(): expected a floating-point input, got {x.dtype}")


def _default_float(x):
    """The dtype a floating function of `x` computes in (integers and bool: the default)."""
    from .._defaults import get_default_dtype
    return x.dtype if x.dtype.is_floating_point else get_default_dtype()


# ---- NaN-ignoring reductions -----------------------------------------------------------------------

@op
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum with NaNs counted as zero."""
    e = _ember()
    _tensor(input, "nansum")
    x = input.masked_fill(e.isnan(input), 0) if input.dtype.is_floating_point else input
    return e.sum(x, dim, keepdim=keepdim, dtype=dtype) if dim is not None else e.sum(x, dtype=dtype)


@op
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the non-NaN values (NaN where there are none)."""
    e = _ember()
    _tensor(input, "nanmean")
    if not input.dtype.is_floating_point:
        raise TypeError(f"nanmean(): expected input to have floating point dtype but got {input.dtype}")
    keep = e.logical_not(e.isnan(input))
    count = keep.sum(dim, keepdim=keepdim) if dim is not None else keep.sum()
    total = nansum(input, dim, keepdim, dtype=dtype)
    return total / count.to(total.dtype)


# ---- min and max together, mode ----------------------------------------------------------------------

@op
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over `dim` (None: every element), as amin and amax give them."""
    e = _ember()
    _tensor(input, "aminmax")
    if (input.numel() == 0 if dim is None else input.dim() > 0 and input.shape[dim] == 0):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           f"identity (input of shape {list(input.shape)})")
    if dim is None:
        if keepdim:
            shape = [1] * input.dim()
            return return_types.aminmax(e.amin(input).reshape(shape), e.amax(input).reshape(shape))
        return return_types.aminmax(e.amin(input), e.amax(input))
    return return_types.aminmax(e.amin(input, dim, keepdim), e.amax(input, dim, keepdim))


def _mode_indices(values, dim):
    """The index along `dim` of each row's most frequent value (ties: the smallest value; its
    last position, as torch's CPU kernel gives)."""
    a = np.moveaxis(values, dim, -1)
    lead = a.shape[:-1]
    n = a.shape[-1]
    rows = a.reshape(-1, n)
    s = np.sort(rows, axis=1, kind="stable")
    starts = np.ones_like(s, dtype=bool)
    starts[:, 1:] = s[:, 1:] != s[:, :-1]
    run = np.cumsum(starts, axis=1) - 1 + (np.arange(rows.shape[0]) * n)[:, None]
    counts = np.bincount(run.ravel(), minlength=rows.size)[run]
    best = s[np.arange(rows.shape[0]), np.argmax(counts, axis=1)]  # first maximum: the smallest value
    hits = rows == best[:, None]
    last = n - 1 - np.argmax(hits[:, ::-1], axis=1)
    return last.reshape(lead)


@op
def mode(input, dim=-1, keepdim=False):
    """The most frequent value along `dim` and where it last occurs (values differentiable,
    through gather)."""
    _tensor(input, "mode")
    if input.dim() == 0:
        return return_types.mode(input.clone(), _wrap(_C.zeros([], _C.dtype.int64, input.device)))
    d = dim % input.dim() if -input.dim() <= dim < input.dim() else None
    if d is None:
        raise IndexError(f"mode(): dim {dim} out of range for a tensor of {input.dim()} dims")
    if input.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size (input of shape "
                         f"{list(input.shape)})")
    idx = _mode_indices(input.detach()._numpy_or_float(), d)
    indices = _wrap(_C.from_numpy(np.array(idx.astype(np.int64), order="C")))
    values = input.gather(d, indices.unsqueeze(d))
    if keepdim:
        return return_types.mode(values, indices.unsqueeze(d))
    return return_types.mode(values.squeeze(d), indices)


# ---- elementwise ---------------------------------------------------------------------------------------

@op
def logit(input, eps=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given."""
    e = _ember()
    _tensor(input, "logit")
    x = input if input.dtype.is_floating_point else input.to(_default_float(input))
    if eps is not None:
        x = e.clamp(x, float(eps), 1.0 - float(eps))
    return e.log(x / (1 - x))


@op
def sinc(input):
    """sin(pi x) / (pi x), 1 at 0."""
    e = _ember()
    _tensor(input, "sinc")
    x = input if input.dtype.is_floating_point else input.to(_default_float(input))
    px = x * np.pi
    zero = x == 0
    safe = e.where(zero, e.ones_like(px), px)
    return e.where(zero, e.ones_like(px), e.sin(safe) / safe)


@op
def positive(input):
    """The input itself (torch refuses bool)."""
    _tensor(input, "positive")
    if input.dtype == _C.dtype.bool:
        raise TypeError("positive(): the `+` operator, on a bool tensor is not supported")
    return input


@op
def float_power(input, exponent):
    """input ** exponent in float64, or complex128 when either operand is complex (as torch)."""
    e = _ember()
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): expected a Tensor as input or exponent")
    operands = (input, exponent)
    is_complex = any(x.dtype.is_complex if isinstance(x, Tensor) else isinstance(x, complex) for x in operands)
    dtype, to_scalar = (_C.dtype.complex128, complex) if is_complex else (_C.dtype.float64, float)
    base, power = (x.to(dtype) if isinstance(x, Tensor) else to_scalar(x) for x in operands)
    return e.pow(base, power)


def _nan_ignoring(name, pick):
    def fn(input, other):
        e = _ember()
        _tensor(input, name)
        _tensor(other, name, "other")
        value = pick(input, other)
        if not value.dtype.is_floating_point:
            return value
        return e.where(e.isnan(input), other.to(value.dtype),
                       e.where(e.isnan(other), input.to(value.dtype), value))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name[1:]}imum that ignores a NaN operand (NaN only where both are NaN)."
    return op(name, fn)


fmax = _nan_ignoring("fmax", lambda a, b: _ember().maximum(a, b))
fmin = _nan_ignoring("fmin", lambda a, b: _ember().minimum(a, b))


@op
def heaviside(input, values):
    """0 where input < 0, `values` where input == 0, 1 where input > 0 (same dtypes, as torch)."""
    e = _ember()
    _tensor(input, "heaviside")
    _tensor(values, "heaviside", "values")
    if input.dtype != values.dtype:
        raise TypeError(f"heaviside is not yet implemented for tensors with different dtypes ({input.dtype} "
                        f"and {values.dtype})")
    step = (input > 0).to(input.dtype)
    return e.where(input == 0, values, step).detach()


def _integer_operands(a, b, op):
    """The operands broadcast to their promoted dtype, which must be an integer one: bool with
    an integer promotes to it (as in torch); bool alone, floating and complex are refused."""
    _tensor(a, op)
    _tensor(b, op, "other")
    e = _ember()
    dtype = e.result_type(a, b)
    if dtype.is_floating_point or dtype.is_complex or dtype == _C.dtype.bool:
        raise TypeError(f"{op}(): \"{op}\" not implemented for {a.dtype} and {b.dtype} (integer dtypes only)")
    return e.broadcast_tensors(a.to(dtype), b.to(dtype))


@op
def gcd(input, other):
    """The greatest common divisor, elementwise (non-negative; gcd(0, 0) = 0)."""
    e = _ember()
    a, b = _integer_operands(input, other, "gcd")
    a, b = e.abs(a), e.abs(b)
    while bool((b != 0).any()):  # Euclid's steps, all elements at once
        nonzero = b != 0
        a, b = e.where(nonzero, b, a), e.where(nonzero, e.remainder(a, e.where(nonzero, b, e.ones_like(b))), b)
    return a


@op
def lcm(input, other):
    """The least common multiple, elementwise (non-negative; 0 when either is 0)."""
    e = _ember()
    a, b = _integer_operands(input, other, "lcm")
    g = gcd(a, b)
    safe = e.where(g == 0, e.ones_like(g), g)
    return e.abs(e.floor_divide(a, safe) * b)


@op
def frexp(input):
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, |mantissa| in [0.5, 1)."""
    _tensor(input, "frexp")
    if not input.dtype.is_floating_point:
        raise TypeError(f"frexp(): only supports floating-point dtypes, got {input.dtype}")
    values = input.detach()._numpy_or_float()
    mantissa, exponent = np.frexp(values.astype(np.float64) if input.dtype == _C.dtype.bfloat16 else values)
    m = _wrap(_C.from_numpy(np.array(mantissa, order="C"))).to(input.dtype)
    return return_types.frexp(m, _wrap(_C.from_numpy(np.array(exponent, dtype=np.int32, order="C"))))


@op
def ldexp(input, other):
    """input * 2 ** other."""
    e = _ember()
    _tensor(input, "ldexp")
    x = input if input.dtype.is_floating_point else input.to(_default_float(input))
    return x * e.pow(2.0, other.to(x.dtype) if isinstance(other, Tensor) else float(other))


@op
def isposinf(input):
    e = _ember()
    _tensor(input, "isposinf")
    if not input.dtype.is_floating_point:
        return e.zeros_like(input, dtype=_C.dtype.bool)
    return input == float("inf")


@op
def isneginf(input):
    e = _ember()
    _tensor(input, "isneginf")
    if not input.dtype.is_floating_point:
        return e.zeros_like(input, dtype=_C.dtype.bool)
    return input == float("-inf")


@op
def isreal(input):
    """True everywhere: ember's dtypes are all real."""
    return _ember().ones_like(_tensor(input, "isreal"), dtype=_C.dtype.bool)


# ---- products and norms ------------------------------------------------------------------------------

def _coefficient(x, name, op):
    if isinstance(x, Tensor):
        if x.dim() != 0:
            raise TypeError(f"{op}(): argument '{name}' must be Number, not Tensor")
        return x.item()
    return x


@op
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2)."""
    e = _ember()
    _tensor(input, "addr")
    for v, name in ((vec1, "vec1"), (vec2, "vec2")):
        if _tensor(v, "addr", name).dim() != 1:
            raise ValueError(f"addr: {name} must be 1-D, got shape {list(v.shape)}")
    beta, alpha = _coefficient(beta, "beta", "addr"), _coefficient(alpha, "alpha", "addr")
    if not input.dtype.is_floating_point and (isinstance(beta, float) or isinstance(alpha, float)):
        raise RuntimeError("addr: for integral input tensors, arguments beta and alpha must not be floating "
                           "point numbers")
    product = e.outer(vec1, vec2)
    product = product if alpha == 1 else product * alpha
    if beta == 0:  # input's values are ignored (its NaNs too), as in torch
        return e.zeros_like(input, dtype=e.promote_types(input.dtype, product.dtype)) + product
    return (input if beta == 1 else input * beta) + product


@op
def dist(input, other, p=2):
    """The p-norm of input - other (broadcast)."""
    e = _ember()
    _tensor(input, "dist")
    _tensor(other, "dist", "other")
    diff = input - other
    if not diff.dtype.is_floating_point:
        raise TypeError(f"dist(): input dtype should be floating point, got {diff.dtype}")
    return e.linalg.vector_norm(diff, float(p))


@op
def inner(input, other):
    """The sum over the last dims of input and other (a product for 0-dim operands)."""
    e = _ember()
    _tensor(input, "inner")
    _tensor(other, "inner", "other")
    if input.dim() == 0 or other.dim() == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise ValueError(f"inner(): last dims must match, got shapes {list(input.shape)} and {list(other.shape)}")
    return e.tensordot(input, other, dims=([-1], [-1]))


@op
def renorm(input, p, dim, maxnorm):
    """Each slice along `dim` scaled down to p-norm `maxnorm` where its norm is larger."""
    e = _ember()
    _tensor(input, "renorm")
    _floating(input, "renorm")
    if p <= 0:
        raise ValueError(f"renorm: non-positive norm p={p} is not supported")
    if maxnorm < 0:
        raise ValueError(f"renorm: expected maxnorm to be >= 0, got {maxnorm}")
    d = dim % input.dim()
    others = [i for i in range(input.dim()) if i != d]
    norms = e.linalg.vector_norm(input, float(p), dim=others, keepdim=True) if others else e.abs(input)
    # torch's factor: maxnorm / (norm + 1e-7) where the norm exceeds maxnorm, else 1
    factor = e.where(norms > maxnorm, maxnorm / (norms + 1e-7), e.ones_like(norms))
    return input * factor


# ---- Tensor methods and in-place forms ---------------------------------------------------------------

def _inplace(fn):
    """The in-place method of an out-of-place op (recorded through that op by the op layer)."""
    def method(self, *args, **kwargs):
        # recording: computed from a copy, so what the composite saves is not the self that
        # copy_ then overwrites
        result = fn(self.clone() if self.requires_grad else self, *args, **kwargs)
        if isinstance(result, Tensor) and result.dtype != self.dtype and self.dtype.is_floating_point is False \
                and result.dtype.is_floating_point:
            raise TypeError(f"{fn.__name__}_: result type {result.dtype} can't be cast to the desired output type "
                            f"{self.dtype}")
        return self.copy_(result)  # recorded: the composite's graph reaches self
    method.__name__ = method.__qualname__ = fn.__name__ + "_"
    return method


def _cumsum_(self, dim, *, dtype=None):
    self._impl.copy_(_ember().cumsum(self, dim, dtype=dtype)._impl)
    return self


def _cumprod_(self, dim, *, dtype=None):
    self._impl.copy_(_ember().cumprod(self, dim, dtype=dtype)._impl)
    return self


def _type_as(self, other):
    return self.to(_tensor(other, "type_as", "other").dtype)


install_methods({
    "nansum": nansum, "nanmean": nanmean, "aminmax": aminmax, "mode": mode, "logit": logit, "sinc": sinc,
    "positive": positive, "float_power": float_power, "fmax": fmax, "fmin": fmin,
    "heaviside": heaviside, "gcd": gcd, "lcm": lcm, "frexp": frexp, "ldexp": ldexp, "isposinf": isposinf,
    "isneginf": isneginf, "isreal": isreal, "addr": addr, "dist": dist, "inner": inner, "renorm": renorm,
    "logit_": _inplace(logit), "sinc_": _inplace(sinc), "float_power_": _inplace(float_power),
    "heaviside_": _inplace(heaviside), "gcd_": _inplace(gcd), "lcm_": _inplace(lcm), "ldexp_": _inplace(ldexp),
    "addr_": _inplace(addr), "renorm_": _inplace(renorm), "cumsum_": _cumsum_, "cumprod_": _cumprod_,
    "type_as": _type_as,
})
