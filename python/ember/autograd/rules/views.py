"""Backward rules of the view ops, the copies and conversions, and the in-place special forms.

The view methods are on every hot loop: their rules run only when an input requires grad (the
wrapper's test), and nothing here adds work to their no-grad path. The gradient of a view that
picks distinct elements (narrow, select, diagonal, basic indexing) is written into zeros at the
view (`Tensor._view_backward`, itself differentiable: its backward is the view again); views
whose elements may repeat (unfold, advanced indexing, as_strided) accumulate.

The in-place specials `x[key] = v`, `x.copy_(src)`, `x.fill_(v)` and `x.zero_()` are recorded
through private out-of-place forms (`Tensor._setitem_out_of_place`, ... in _tensor.py), whose
rules are here.
"""
import numbers

from ... import _C
from ..._tensor import _BASIC_KEYS, Tensor, _wrap
from ..recording import _positions, register

NativeSetup = _C._autograd_setups.NativeSetup


def _zeros(shape, like):
    return _wrap(_C.zeros(list(shape), like._impl.dtype, like._impl.device))


def _fit_leading(g, shape):
    """`g` with leading 1-dims added up to len(shape) (a value with more dims than its target,
    e.g. x[0] = y of shape (1, n)); the engine sums any other broadcast away."""
    missing = len(shape) - g.dim()
    return g.reshape([1] * missing + list(g.shape)) if missing > 0 else g


# ---- reshaping views --------------------------------------------------------------------------

def _shape_setup(ctx, result, input, *args, **kwargs):
    ctx.shape = input._impl.shape  # the plain tuple: these run for every view in the graph
    return (input,)


def _reshape_backward(ctx, grad):
    return grad.reshape(ctx.shape)


# recorded with the same setup in C (python/src/autograd_setups.cpp)
register(("Tensor.view", "Tensor.reshape", "Tensor.view_as", "Tensor.reshape_as", "Tensor.squeeze",
          "Tensor.unsqueeze", "Tensor.flatten", "Tensor.unflatten"), NativeSetup("shape", _shape_setup),
         _reshape_backward)


def _permute_setup(ctx, result, input, *dims):
    if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
        dims = dims[0]
    n = input._impl.ndim
    inverse = [0] * n
    for i, d in enumerate(dims):
        inverse[int(d) % max(n, 1)] = i
    ctx.inverse = inverse
    return (input,)


def _permute_backward(ctx, grad):
    return grad.permute(ctx.inverse)


register("Tensor.permute", _permute_setup, _permute_backward)


def _transpose_setup(ctx, result, input, dim0, dim1):
    ctx.dims = (dim0, dim1)
    return (input,)


def _transpose_backward(ctx, grad):
    return grad.transpose(*ctx.dims)


register("Tensor.transpose", _transpose_setup, _transpose_backward)


def _t_setup(ctx, result, input):
    return (input,)


def _t_backward(ctx, grad):
    return grad.t()


register("Tensor.t", _t_setup, _t_backward)


def _expand_setup(ctx, result, input, *args, **kwargs):
    return (input,)


def _identity_backward(ctx, grad):
    return grad  # the engine sums the broadcast dims back to the input's shape


register(("Tensor.expand", "Tensor.expand_as"), _expand_setup, _identity_backward)


# ---- views of part of the input -----------------------------------------------------------------

def _view_backward_setup(ctx, result, grad, shape, method, args, accumulate=False):
    ctx.method, ctx.args = method, args
    return (grad,)


def _view_backward_backward(ctx, grad):
    return getattr(grad, ctx.method)(*ctx.args)


register("Tensor._view_backward", _view_backward_setup, _view_backward_backward)


def _narrow_setup(ctx, result, input, dim, start, length):
    ctx.shape, ctx.args = input.shape, (dim, start, length)
    return (input,)


def _narrow_backward(ctx, grad):
    return grad._view_backward(ctx.shape, "narrow", ctx.args)


def _select_setup(ctx, result, input, dim, index):
    ctx.shape, ctx.args = input.shape, (dim, index)
    return (input,)


def _select_backward(ctx, grad):
    return grad._view_backward(ctx.shape, "select", ctx.args)


def _unfold_setup(ctx, result, input, dimension, size, step):
    ctx.shape, ctx.args = input.shape, (dimension, size, step)
    return (input,)


def _unfold_backward(ctx, grad):
    return grad._view_backward(ctx.shape, "unfold", ctx.args, True)  # windows may overlap


register("Tensor.narrow", _narrow_setup, _narrow_backward)
register("Tensor.select", _select_setup, _select_backward)
register("Tensor.unfold", _unfold_setup, _unfold_backward)


def _diagonal_setup(ctx, result, input, offset=0, dim1=0, dim2=1):
    ctx.shape = input.shape
    ctx.args = (offset, dim1, dim2)
    return (input,)


def _diagonal_backward(ctx, grad):
    return grad._view_backward(ctx.shape, "diagonal", ctx.args)


register("Tensor.diagonal", _diagonal_setup, _diagonal_backward)


def _is_basic(key):
    """Whether key has only ints, slices, None and Ellipsis (a view, with no index tensors)."""
    if type(key) in _BASIC_KEYS:
        return True
    if type(key) is not tuple:
        return False
    for k in key:
        if type(k) not in _BASIC_KEYS:
            return False
    return True


def save_key(ctx, key):
    """Keeps an indexing key for backward: its index tensors through save_for_backward, so that
    an in-place change to one is caught (backward calls `ctx.saved_tensors` to check)."""
    ctx.key = key
    if type(key) is tuple or type(key) is list:
        tensors = [k for k in key if isinstance(k, Tensor)]
    else:
        tensors = [key] if isinstance(key, Tensor) else []
    ctx.key_saved = bool(tensors)
    if tensors:
        ctx.save_for_backward(*tensors)


def check_key(ctx):
    """The version check of the index tensors save_key kept (a key without tensors saved
    nothing, and its backward may run again, as PyTorch's does)."""
    if ctx.key_saved:
        ctx.saved_tensors  # noqa: B018


def _getitem_setup(ctx, result, input, key):
    ctx.shape = input._impl.shape
    if _is_basic(key):  # t[0], t[1:3], t[:, 1]: no index tensors to keep
        ctx.key, ctx.basic, ctx.key_saved = key, True, False
        return (input,)
    ctx.basic = False
    save_key(ctx, key)
    return (input,)


def _getitem_grad_backward(ctx, grad):
    check_key(ctx)
    return grad._view_backward(ctx.shape, "__getitem__", (ctx.key,), not ctx.basic)


# a basic key is set up in C (python/src/autograd_setups.cpp), any other by _getitem_setup
register("Tensor.__getitem__", NativeSetup("index", _getitem_setup), _getitem_grad_backward)


def _as_strided_setup(ctx, result, input, size, stride, storage_offset=None):
    impl = input._impl
    ctx.input_geometry = (impl.shape, impl.stride(), impl.storage_offset())
    ctx.geometry = (result._impl.shape, result._impl.stride(), result._impl.storage_offset())
    return (input,)


def _as_strided_backward(ctx, grad):
    """as_strided reads the input's storage: every output element adds its gradient at its
    storage position, and each input element takes what its own position received (shared
    out among the input's elements stored there, where the input overlaps itself, as an
    expanded tensor does)."""
    from ... import ones, zeros
    shape, strides, _ = ctx.input_geometry
    inside = _positions(*ctx.input_geometry)
    outside = _positions(*ctx.geometry).reshape(-1)
    size = 0
    for pos in (inside, outside):
        if pos.numel():
            size = max(size, int(pos.max().item()) + 1)
    flat = zeros(size, dtype=grad.dtype, device=grad.device).index_add(0, outside, grad.reshape(-1))
    if any(st == 0 and n > 1 for n, st in zip(shape, strides)) or not _distinct(shape, strides):
        count = zeros(size, dtype=grad.dtype, device=grad.device).index_add(
            0, inside.reshape(-1), ones(inside.numel(), dtype=grad.dtype, device=grad.device))
        flat = flat * (1.0 / count.clamp_min(1))  # the counts are constants: only mul records
    return flat[inside]


def _distinct(shape, strides):
    """Whether a geometry maps its elements to distinct positions (a sufficient test: sorted by
    stride, each stride passes the extent of the smaller dims)."""
    extent = 1
    for n, st in sorted(((n, abs(st)) for n, st in zip(shape, strides) if n > 1), key=lambda p: p[1]):
        if st < extent:
            return False
        extent = st * (n - 1) + extent
    return True


register("Tensor.as_strided", _as_strided_setup, _as_strided_backward)


# ---- copies and conversions ----------------------------------------------------------------------

def _copy_setup(ctx, result, input, *args, **kwargs):
    if result is input:  # to() / contiguous() that had nothing to do return the input itself
        return (None,)
    ctx.device = input._impl.device
    return (input,)


def _copy_backward(ctx, grad):
    if grad._impl.device != ctx.device:
        return grad.to(ctx.device)
    return grad  # the engine casts it back to the input's dtype


register(("Tensor.contiguous", "Tensor.clone", "Tensor.to", "Tensor.pin_memory"), _copy_setup, _copy_backward)


# ---- the in-place special forms, out of place -------------------------------------------------------

def _setitem_setup(ctx, result, input, key, value):
    save_key(ctx, key)
    if isinstance(value, Tensor):
        ctx.value_shape = value.shape
    return (input, value)


def _setitem_backward(ctx, grad):
    check_key(ctx)
    key = ctx.key
    grad_input = grad._setitem_out_of_place(key, 0) if ctx.needs_input_grad[0] else None
    grad_value = None
    if ctx.needs_input_grad[1]:
        grad_value = _fit_leading(grad[key], ctx.value_shape)
    return grad_input, grad_value


def _copy_src_setup(ctx, result, input, src, non_blocking=False):
    if isinstance(src, Tensor):
        ctx.src_shape = src.shape
    return (input, src)


def _copy_src_backward(ctx, grad):
    from ... import zeros_like
    grad_input = zeros_like(grad) if ctx.needs_input_grad[0] else None
    grad_src = _fit_leading(grad, ctx.src_shape) if ctx.needs_input_grad[1] else None
    return grad_input, grad_src


def _fill_setup(ctx, result, input, value):
    return (input, value)


def _fill_backward(ctx, grad):
    from ... import zeros_like
    return (zeros_like(grad) if ctx.needs_input_grad[0] else None,
            grad.sum() if ctx.needs_input_grad[1] else None)


def _zero_setup(ctx, result, input):
    return (input,)


def _zero_backward(ctx, grad):
    from ... import zeros_like
    return zeros_like(grad)


register("Tensor._setitem_out_of_place", _setitem_setup, _setitem_backward)
register("Tensor._copy_out_of_place", _copy_src_setup, _copy_src_backward)
register("Tensor._fill_out_of_place", _fill_setup, _fill_backward)
register("Tensor._zero_out_of_place", _zero_setup, _zero_backward)
