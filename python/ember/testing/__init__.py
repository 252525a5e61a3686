"""ember.testing: torch.testing's assert_close, assert_allclose and make_tensor.

The comparison runs on NumPy copies of the values, so it never records a graph and works on
tensors that require grad. Messages follow torch.testing's wording, so test logs read the same.
"""
import collections.abc
import math
import numbers
import warnings

import numpy as np

__all__ = ["assert_close", "assert_allclose", "make_tensor"]

# (rtol, atol) that torch.testing uses when neither is given; integers and bool compare exactly.
_DEFAULT_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5),
                       "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def _ember():
    import ember
    return ember


def _dtype_key(dtype):
    return str(dtype).split(".")[-1]


class _Failure(Exception):
    """A mismatch found while walking the inputs: the exception type to raise and its message."""

    def __init__(self, exc_type, message):
        super().__init__(message)
        self.exc_type, self.message = exc_type, message


def _tolerances(dtypes, rtol, atol):
    if (rtol is None) != (atol is None):
        raise ValueError("Both 'rtol' and 'atol' must be either specified or omitted, "
                         f"but got no {'rtol' if rtol is None else 'atol'}.")
    if rtol is not None:
        return float(rtol), float(atol)
    pairs = [_DEFAULT_TOLERANCES.get(_dtype_key(d), (0.0, 0.0)) for d in dtypes] or [(0.0, 0.0)]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _attribute_mismatch(name, actual, expected):
    return _Failure(AssertionError, f"The values for attribute '{name}' do not match: {actual} != {expected}.")


def _to_numpy(t):
    E = _ember()
    t = t.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    if t.dtype == E.bfloat16:
        return t.float().numpy()
    return np.array(t.numpy(), copy=True)


def _close_mask(a, e, rtol, atol, equal_nan, exact):
    """Elementwise `a` close to `e` (NumPy arrays of one shape)."""
    if exact:
        close = a == e
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            close = (a == e) | (np.abs(a - e) <= atol + rtol * np.abs(e))
    if equal_nan and a.dtype.kind == "f":
        close |= np.isnan(a) & np.isnan(e)
    return close


def _differences(a, e):
    """|a - e| and |a - e| / |e| in the precision torch reports them: the floating dtype of the
    values (float32 for integers and bool, whose absolute difference stays integral)."""
    if a.dtype.kind in "biu":
        a64, e64 = a.astype(np.int64), e.astype(np.int64)
        abs_diff = np.abs(a64 - e64)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = abs_diff.astype(np.float32) / np.abs(e64).astype(np.float32)
        return abs_diff, rel
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        abs_diff = np.abs(a - e)
        return abs_diff, abs_diff / np.abs(e)


def _python_value(x):
    return x.item() if hasattr(x, "item") else x


def _tensor_message(a, e, close, rtol, atol, exact):
    total = close.size
    mismatched = int(total - close.sum())
    abs_diff, rel_diff = _differences(a.reshape(-1), e.reshape(-1))
    flat_close = close.reshape(-1)
    abs_diff = np.where(flat_close, 0, abs_diff)
    rel_diff = np.where(flat_close, 0, rel_diff)
    lines = [f"Tensor-likes are not {'equal' if exact else 'close'}!", "",
             f"Mismatched elements: {mismatched} / {total} ({mismatched / total * 100:.1f}%)"]
    for label, diff, tol in (("absolute", abs_diff, atol), ("relative", rel_diff, rtol)):
        # a NaN difference is the greatest one (torch.max propagates NaN)
        nan = np.isnan(diff) if diff.dtype.kind == "f" else np.zeros(diff.shape, bool)
        flat = int(np.argmax(nan)) if nan.any() else int(np.argmax(diff))
        index = tuple(int(i) for i in np.unravel_index(flat, a.shape)) if a.ndim else ()
        line = f"Greatest {label} difference: {_python_value(diff[flat])} at index {index}"
        if not exact:
            line += f" (up to {tol} allowed)"
        lines.append(line)
    return "\n".join(lines)


def _compare_tensors(actual, expected, opts):
    E = _ember()
    for attribute in ("shape",):
        if actual.shape != expected.shape:
            raise _attribute_mismatch(attribute, actual.shape, expected.shape)
    is_numpy = isinstance(actual, np.ndarray)
    if not is_numpy:
        if opts["check_device"] and actual.device != expected.device:
            raise _attribute_mismatch("device", actual.device, expected.device)
        if opts["check_dtype"] and actual.dtype != expected.dtype:
            raise _attribute_mismatch("dtype", actual.dtype, expected.dtype)
        if opts["check_stride"] and actual.stride() != expected.stride():
            raise _attribute_mismatch("stride()", actual.stride(), expected.stride())
        dtypes = (actual.dtype, expected.dtype)
        a, e = _to_numpy(actual), _to_numpy(expected)
        if actual.dtype != expected.dtype:
            common = E.promote_types(actual.dtype, expected.dtype)
            kind = np.float32 if common == E.bfloat16 else _to_numpy(E.zeros(0, dtype=common)).dtype
            a, e = a.astype(kind), e.astype(kind)
        elif actual.dtype == E.bfloat16:
            a, e = a.astype(np.float32), e.astype(np.float32)
    else:
        if opts["check_dtype"] and actual.dtype != expected.dtype:
            raise _attribute_mismatch("dtype", actual.dtype, expected.dtype)
        if opts["check_stride"] and actual.strides != expected.strides:
            raise _attribute_mismatch("stride()", actual.strides, expected.strides)
        dtypes = (getattr(E, actual.dtype.name, None), getattr(E, expected.dtype.name, None))
        a, e = actual, expected
        if a.dtype != e.dtype:
            common = np.promote_types(a.dtype, e.dtype)
            a, e = a.astype(common), e.astype(common)
    rtol, atol = _tolerances([d for d in dtypes if d is not None], opts["rtol"], opts["atol"])
    exact = rtol == 0 and atol == 0
    close = _close_mask(a, e, rtol, atol, opts["equal_nan"], exact or a.dtype.kind in "biu" and exact)
    if not close.all():
        if a.ndim == 0:  # torch words a 0-dim mismatch as one of scalars
            raise _Failure(AssertionError, _scalar_message(a.item(), e.item(), rtol, atol, exact))
        raise _Failure(AssertionError, _tensor_message(a, e, close, rtol, atol, exact))


_NUMBER_DTYPES = ((bool, "bool"), (numbers.Integral, "int64"), (numbers.Real, "float64"))


def _number_dtype(x):
    for kind, name in _NUMBER_DTYPES:
        if isinstance(x, kind):
            return name
    return "complex128"


def _compare_numbers(actual, expected, opts):
    a_type, e_type = _number_dtype(actual), _number_dtype(expected)
    if opts["check_dtype"] and a_type != e_type:
        raise _Failure(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.")
    rtol, atol = _tolerances([a_type, e_type], opts["rtol"], opts["atol"])
    exact = rtol == 0 and atol == 0
    if actual == expected:
        return
    if isinstance(actual, complex) or isinstance(expected, complex):
        close = abs(actual - expected) <= atol + rtol * abs(expected)
    elif math.isnan(actual) and math.isnan(expected):
        close = opts["equal_nan"]
    else:
        close = not exact and abs(actual - expected) <= atol + rtol * abs(expected)
    if close:
        return
    raise _Failure(AssertionError, _scalar_message(actual, expected, rtol, atol, exact))


def _scalar_message(actual, expected, rtol, atol, exact):
    diff = abs(actual - expected)
    if isinstance(diff, float) and math.isnan(diff):
        rel = diff
    else:
        rel = diff / abs(expected) if expected != 0 else math.inf
    allowed = lambda tol: "" if exact else f" (up to {tol} allowed)"
    return "\n".join([
        f"Scalars are not {'equal' if exact else 'close'}!", "",
        f"Expected {expected} but got {actual}.",
        f"Absolute difference: {diff}{allowed(atol)}",
        f"Relative difference: {rel}{allowed(rtol)}"])


def _is_number(x):
    return isinstance(x, numbers.Number) and not isinstance(x, np.ndarray)


def _is_sequence(x):
    return isinstance(x, collections.abc.Sequence) and not isinstance(x, (str, bytes))


def _compare(actual, expected, opts, path):
    E = _ember()
    try:
        if isinstance(actual, E.Tensor) and isinstance(expected, E.Tensor) or \
                isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray):
            return _compare_tensors(actual, expected, opts)
        if _is_number(actual) and _is_number(expected):
            return _compare_numbers(actual, expected, opts)
        if actual is None and expected is None:
            return None
    except _Failure as failure:
        if path:
            failure.message += "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in path)
        raise
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        if set(actual) != set(expected):
            missing = sorted(set(expected) - set(actual), key=repr)
            extra = sorted(set(actual) - set(expected), key=repr)
            raise _Failure(AssertionError, "The keys of the mappings do not match:\n"
                           f"Missing keys in the actual mapping: {missing}\n"
                           f"Additional keys in the actual mapping: {extra}")
        for key in expected:
            _compare(actual[key], expected[key], opts, path + (key,))
        return None
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, opts, path + (i,))
        return None
    raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} "
                              f"and {type(expected)}.")


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Asserts that `actual` and `expected` are close: tensors (or NumPy arrays) elementwise
    within `atol + rtol * |expected|`, Python numbers likewise, sequences and mappings item by
    item. Without `rtol`/`atol` the tolerances are those of the dtypes (exact for integers).
    `msg` replaces the message (a string) or rewrites it (a callable taking the message)."""
    opts = dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device,
                check_dtype=check_dtype, check_stride=check_stride)
    _tolerances([], rtol, atol)  # refuses one tolerance without the other before any comparison
    try:
        _compare(actual, expected, opts, ())
    except _Failure as failure:
        message = failure.message
        if callable(msg):
            message = msg(message)
        elif msg is not None:
            message = msg
        raise failure.exc_type(message) from None


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """Deprecated in torch in favour of assert_close: the values only (dtypes may differ),
    NaNs equal by default."""
    warnings.warn("`ember.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
                  "release. Please use `ember.testing.assert_close()` instead.", FutureWarning, stacklevel=2)
    E = _ember()
    if not isinstance(actual, E.Tensor):
        actual = E.tensor(actual)
    if not isinstance(expected, E.Tensor):
        expected = E.tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = _tolerances([actual.dtype, expected.dtype], None, None)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True,
                 check_dtype=False, check_stride=False, msg=msg or None)


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False, memory_format=None):
    """A tensor of `shape` filled with random values in [low, high) (floats: default -9..9;
    integers: default -9..10, the high end exclusive; unsigned from 0; bool: either value)."""
    E = _ember()
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    if requires_grad and not (dtype.is_floating_point if hasattr(dtype, "is_floating_point")
                              else E.zeros(0, dtype=dtype).is_floating_point()):
        raise ValueError(f"make_tensor: requires_grad=True is not supported for dtype {dtype}")
    for name, bound in (("low", low), ("high", high)):
        if bound is not None and isinstance(bound, float) and math.isnan(bound):
            raise ValueError(f"make_tensor: `{name}` cannot be NaN, but got {name}={bound}")
    if dtype == E.bool:
        result = E.randint(0, 2, shape).to(E.bool)
    elif E.zeros(0, dtype=dtype).is_floating_point():
        low = -9.0 if low is None else float(low)
        high = 9.0 if high is None else float(high)
        if low > high:
            raise ValueError(f"make_tensor: `low` must be less than or equal to `high`, but got {low} > {high}")
        result = (E.rand(shape, dtype=E.float64) * (high - low) + low).to(dtype)
        result = E.clamp(result, low, high) if result.numel() else result
    else:
        smallest = 0 if dtype == E.uint8 else -9
        low = smallest if low is None else math.ceil(low)
        high = 10 if high is None else math.ceil(high)
        if low > high:
            raise ValueError(f"make_tensor: `low` must be less than or equal to `high`, but got {low} > {high}")
        info = np.iinfo(_to_numpy(E.zeros(0, dtype=dtype)).dtype)
        low, high = max(low, int(info.min)), min(high, int(info.max) + 1)  # bounds clamped to the dtype
        result = E.randint(low, max(high, low + 1), shape, dtype=dtype)
    if exclude_zero and result.numel():
        replacement = 1 if not result.is_floating_point() else float(np.finfo(np.float32).tiny
                                                                       if dtype != E.float16 else np.finfo(np.float16).tiny)
        result = E.where(result == 0, E.full_like(result, replacement), result)
    if device is not None:
        result = result.to(device)
    if noncontiguous and result.numel() > 1:
        wide = E.stack([result, result], dim=-1).reshape(*shape[:-1], shape[-1] * 2)
        result = wide[..., ::2]
    if requires_grad:
        result.requires_grad_(True)
    return result
