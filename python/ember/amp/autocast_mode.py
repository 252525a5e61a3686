"""Automatic mixed precision: `ember.autocast` (torch.autocast, torch.amp.autocast).

Inside `with ember.autocast("cpu"):` the ops PyTorch's CPU autocast runs in lower precision
(matrix products, convolutions, linear, attention) cast their floating inputs to the autocast
dtype (bfloat16 by default), the ops it runs in float32 (losses, reductions and factorizations
that lose too much in 16 bits) cast theirs to float32, and cat/stack/index_copy cast to the
widest floating type among their inputs. Every other op runs on the types it is given. float64
tensors are never cast.

It is a mode of the op layer (ember._op_layer, priority AUTOCAST): it sees each op by name,
after the profiler and before tracing and grad recording, so a trace records the casts as ops
(`Tensor.to`) and autograd differentiates through them: gradients reach float32 parameters in
float32. While a listed op runs, the ops it is composed of are not cast again (PyTorch's autocast
kernels run the op below the autocast key). The state (enabled per device, dtype, the weight
cast cache, nesting) is per thread, as in PyTorch.

Casts of float32 leaf tensors that require grad (the parameters) are cached while the
outermost autocast region lasts (`cache_enabled`), so a weight used by several ops is cast once.
"""
import functools
import threading
import warnings

from .. import _op_layer
from .._C import dtype as _dtype

__all__ = ["autocast", "custom_fwd", "custom_bwd", "is_autocast_available"]

_float32, _float64 = _dtype.float32, _dtype.float64
_float16, _bfloat16 = _dtype.float16, _dtype.bfloat16
_LOWER = (_float16, _bfloat16)
_DEVICES = ("cpu", "cuda")
# Every device type PyTorch parses; the ones ember lacks are refused by name.
_TORCH_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
                       "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")

# ---- the op lists (PyTorch 2.13, aten/src/ATen/autocast_mode.cpp, CPU), by ember op name -----

LOWER_PRECISION_OPS = frozenset([
    "nn.functional.conv1d", "nn.functional.conv2d", "nn.functional.conv3d", "conv1d", "conv2d", "conv3d",
    "nn.functional.conv_transpose1d", "nn.functional.conv_transpose2d", "nn.functional.conv_transpose3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "conv_tbc", "_convolution", "convolution",
    "bmm", "mm", "linalg.vecdot", "baddbmm", "addmm", "addbmm", "nn.functional.linear", "linear",
    "matmul", "linalg.matmul", "Tensor.__matmul__", "Tensor.__rmatmul__",
    "nn.functional.prelu", "prelu", "nn.functional.scaled_dot_product_attention",
    "_native_multi_head_attention", "mkldnn_rnn_layer",
    # composites whose products PyTorch casts inside: tensordot (mm), and the LSTM and simple RNN,
    # which PyTorch's CPU runs through mkldnn_rnn_layer (the GRU takes another path and stays)
    "tensordot", "lstm", "rnn_tanh", "rnn_relu",
])

FP32_OPS = frozenset([
    "nn.functional.avg_pool3d", "nn.functional.binary_cross_entropy", "nn.functional.grid_sample",
    "grid_sampler", "polar", "prod", "quantile", "nanquantile", "stft", "cdist", "trace", "view_as_complex",
    "cholesky", "cholesky_inverse", "cholesky_solve", "inverse", "lu_solve", "orgqr", "ormqr", "pinverse",
    "nn.functional.max_pool3d", "nn.functional.max_unpool2d", "nn.functional.max_unpool3d",
    "nn.functional.adaptive_avg_pool3d", "nn.functional.adaptive_max_pool3d",
    "nn.functional.fractional_max_pool2d", "nn.functional.fractional_max_pool3d",
    "nn.functional.mse_loss", "nn.functional.cosine_embedding_loss", "nn.functional.nll_loss",
    "nn.functional.hinge_embedding_loss", "nn.functional.poisson_nll_loss", "nn.functional.smooth_l1_loss",
    "nn.functional.cross_entropy", "nn.functional.l1_loss", "nn.functional.huber_loss",
    "nn.functional.margin_ranking_loss", "nn.functional.soft_margin_loss", "nn.functional.triplet_margin_loss",
    "nn.functional.multi_margin_loss", "nn.functional.ctc_loss", "nn.functional.kl_div",
    "nn.functional.multilabel_margin_loss", "nn.functional.binary_cross_entropy_with_logits",
    "fft.fft", "fft.ifft", "fft.fft2", "fft.ifft2", "fft.fftn", "fft.ifftn", "fft.rfft", "fft.irfft",
    "fft.rfft2", "fft.irfft2", "fft.rfftn", "fft.irfftn", "fft.hfft", "fft.ihfft",
    "linalg.cond", "linalg.matrix_rank", "linalg.solve", "linalg.cholesky", "linalg.svdvals", "linalg.eigvals",
    "linalg.eigvalsh", "linalg.inv", "linalg.householder_product", "linalg.tensorinv", "linalg.tensorsolve",
    "fake_quantize_per_tensor_affine", "geqrf", "_lu_with_info", "qr", "svd", "triangular_solve",
    "linalg.qr", "linalg.cholesky_ex", "linalg.svd", "linalg.eig", "linalg.eigh", "linalg.lstsq",
    "linalg.inv_ex",
])

PROMOTE_OPS = frozenset(["stack", "cat", "index_copy",
                         # composites of cat in PyTorch, which therefore promote as it does
                         "concat", "concatenate", "hstack", "vstack", "dstack", "column_stack"])


def _pad_policy(args, kwargs):
    """F.pad is float32 for the reflection (1-D, 2-D) and replication pads, which PyTorch lists;
    the constant and circular pads are not."""
    mode = kwargs.get("mode", args[2] if len(args) > 2 else "constant")
    pad = kwargs.get("pad", args[1] if len(args) > 1 else ())
    if mode == "replicate" or (mode == "reflect" and len(pad) <= 4):
        return _FP32
    return None


def _einsum_policy(args, kwargs):
    """einsum runs in lower precision where PyTorch's runs a bmm: two or more operands with a
    label summed between them. Without one it multiplies elementwise and keeps the types."""
    equation = args[0] if args else kwargs.get("equation", "")
    if not isinstance(equation, str):
        return None
    lhs, arrow, rhs = equation.replace(" ", "").partition("->")
    terms = [set(t.replace("...", "")) for t in lhs.split(",")]
    if len(terms) < 2:
        return None
    counts = {}
    for term in terms:
        for label in term:
            counts[label] = counts.get(label, 0) + 1
    output = set(rhs.replace("...", "")) if arrow else {label for label, n in counts.items() if n == 1}
    shared_sum = any(n >= 2 and label not in output for label, n in counts.items())
    return _LOWER_P if shared_sum else None


_LOWER_P, _FP32, _PROMOTE = "lower_precision_fp", "fp32", "promote"
POLICIES = {name: _LOWER_P for name in LOWER_PRECISION_OPS}
POLICIES.update({name: _FP32 for name in FP32_OPS})
POLICIES.update({name: _PROMOTE for name in PROMOTE_OPS})
POLICIES["nn.functional.pad"] = _pad_policy
POLICIES["einsum"] = _einsum_policy


# ---- per-thread state ---------------------------------------------------------------------------

class _State(threading.local):
    def __init__(self):
        self.enabled = {"cpu": False, "cuda": False}
        self.dtype = {"cpu": _bfloat16, "cuda": _float16}
        self.cache_enabled = True
        self.nesting = 0
        self.cache = {}       # id(weight) -> (weight, its cast): kept alive so ids stay unique
        self.inside = False   # a listed op is running: its parts are not cast again
        self.mode = None      # this thread's _AutocastMode while it is entered in the op layer


_state = _State()


def _device_type(device_type):
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    name = device_type.split(":")[0]
    if name in _DEVICES:
        return name
    if name in _TORCH_DEVICE_TYPES:
        raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
    raise RuntimeError(f"Expected one of {', '.join(_TORCH_DEVICE_TYPES)} device type at start of device "
                       f"string: {device_type}")


def _sync_mode():
    """Enters this thread's autocast mode in the op layer while some device has autocast on, and
    leaves it otherwise, so that ops cost nothing extra outside autocast."""
    want = _state.enabled["cpu"] or _state.enabled["cuda"]
    if want and _state.mode is None:
        _state.mode = _AutocastMode()
        _state.mode.__enter__()
    elif not want and _state.mode is not None:
        mode, _state.mode = _state.mode, None
        mode.__exit__(None, None, None)


def is_autocast_available(device_type):
    """Whether autocast knows `device_type` (ember: "cpu" and "cuda")."""
    return isinstance(device_type, str) and device_type.split(":")[0] in _DEVICES


def is_autocast_enabled(device_type=None):
    """Whether autocast is on for `device_type` in this thread; without one, CUDA's (as PyTorch)."""
    return _state.enabled[_device_type("cuda" if device_type is None else device_type)]


def set_autocast_enabled(device_type, enabled=None):
    if enabled is None:  # the old one-argument form: set_autocast_enabled(enabled), for CUDA
        device_type, enabled = "cuda", device_type
    _state.enabled[_device_type(device_type)] = bool(enabled)
    _sync_mode()


def get_autocast_dtype(device_type):
    return _state.dtype[_device_type(device_type)]


def set_autocast_dtype(device_type, dtype):
    _state.dtype[_device_type(device_type)] = dtype


def is_autocast_cache_enabled():
    return _state.cache_enabled


def set_autocast_cache_enabled(enabled):
    _state.cache_enabled = bool(enabled)


def clear_autocast_cache():
    _state.cache.clear()


def autocast_increment_nesting():
    _state.nesting += 1
    return _state.nesting


def autocast_decrement_nesting():
    _state.nesting -= 1
    return _state.nesting


# the deprecated per-device spellings PyTorch still has
def is_autocast_cpu_enabled():
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled):
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype():
    return get_autocast_dtype("cpu")


def set_autocast_cpu_dtype(dtype):
    set_autocast_dtype("cpu", dtype)


def get_autocast_gpu_dtype():
    return get_autocast_dtype("cuda")


def set_autocast_gpu_dtype(dtype):
    set_autocast_dtype("cuda", dtype)


# ---- the mode -------------------------------------------------------------------------------------

_MISSING = object()
_CACHE_KEY = "autocast"


class _AutocastMode(_op_layer.Mode):
    """Casts the inputs of the listed ops (see the module's docstring)."""

    priority = _op_layer.AUTOCAST

    def __call__(self, op, args, kwargs, proceed):
        st = _state
        if st.inside:
            return proceed(*args, **kwargs)
        policy = op.cache.get(_CACHE_KEY, _MISSING)
        if policy is _MISSING:
            policy = op.cache[_CACHE_KEY] = op.lookup(POLICIES)
        if policy is None:
            return proceed(*args, **kwargs)
        if callable(policy):
            policy = policy(args, kwargs)
            if policy is None:
                return proceed(*args, **kwargs)
        if policy is _PROMOTE:
            cast = _promote_caster(st, args, kwargs)
        else:
            cast = functools.partial(_cast_tensor, st, policy is _LOWER_P)
        args = tuple(_cast_value(a, cast) for a in args)
        if kwargs:
            kwargs = {k: _cast_value(v, cast) for k, v in kwargs.items()}
        st.inside = True
        try:
            return proceed(*args, **kwargs)
        finally:
            st.inside = False


def _eligible(t):
    """A floating tensor, not float64, on a device with autocast on: its device type or None."""
    if not t.dtype.is_floating_point or t.dtype == _float64:
        return None
    device = t.device.type
    return device if _state.enabled.get(device) else None


def _cast_tensor(st, lower, t):
    device = _eligible(t)
    if device is None:
        return t
    target = st.dtype[device] if lower else _float32
    if t.dtype == target:
        return t
    if lower and st.cache_enabled and t.dtype == _float32 and t.requires_grad and t.is_leaf \
            and getattr(t, "_view_base", None) is None:
        hit = st.cache.get(id(t))
        if hit is not None and hit[0] is t:
            return hit[1]
        cast = t.to(target)
        st.cache[id(t)] = (t, cast)
        return cast
    return t.to(target)


def _promote_caster(st, args, kwargs):
    """The cast of the promote policy: to the widest of the autocast dtype and the eligible inputs'
    types (PyTorch starts the promotion from the autocast dtype)."""
    from .. import promote_types

    widest = {}

    def visit(v):
        if isinstance(v, _op_layer.Tensor):
            device = _eligible(v)
            if device is not None:
                widest[device] = promote_types(widest.get(device, st.dtype[device]), v.dtype)
        elif type(v) is list or type(v) is tuple:
            for x in v:
                visit(x)

    for v in args:
        visit(v)
    for v in kwargs.values():
        visit(v)

    def cast(t):
        device = _eligible(t)
        if device is None or t.dtype == widest[device]:
            return t
        return t.to(widest[device])
    return cast


def _cast_value(v, cast):
    if isinstance(v, _op_layer.Tensor):
        return cast(v)
    if type(v) is list or type(v) is tuple:
        return type(v)(_cast_value(x, cast) for x in v)
    return v


# ---- the context manager --------------------------------------------------------------------------

class autocast:  # noqa: N801 (PyTorch's name)
    """`with ember.autocast(device_type, dtype=None, enabled=True, cache_enabled=None):`, also a
    decorator. dtype defaults to the device's autocast dtype (bfloat16 on the CPU, float16 for
    CUDA); CPU autocast takes bfloat16 or float16. Without CUDA, a CUDA autocast warns and
    disables itself, as PyTorch does."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        self.device = _device_type(device_type)
        self.fast_dtype = get_autocast_dtype(self.device) if dtype is None else dtype
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        self._enabled = enabled
        if self.device == "cuda":
            from .. import cuda
            if enabled and not cuda.is_available():
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
                self._enabled = False
        elif self.device == "cpu" and self._enabled and self.fast_dtype not in _LOWER:
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                          "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                          stacklevel=2)
            self._enabled = False

    def __enter__(self):
        self.prev_cache_enabled = is_autocast_cache_enabled()
        self.prev = is_autocast_enabled(self.device)
        self.prev_fastdtype = get_autocast_dtype(self.device)
        set_autocast_enabled(self.device, self._enabled)
        set_autocast_dtype(self.device, self.fast_dtype)
        autocast_increment_nesting()
        set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        set_autocast_enabled(self.device, self.prev)
        set_autocast_dtype(self.device, self.prev_fastdtype)
        set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        decorate_autocast.__script_unsupported = "@autocast() decorator is not supported in script mode"
        return decorate_autocast

    def __repr__(self):
        return (f"autocast(device_type={self.device!r}, dtype={self.fast_dtype}, enabled={self._enabled}, "
                f"cache_enabled={self._cache_enabled})")


# ---- custom autograd Functions ---------------------------------------------------------------------

def _cast(value, device_type, dtype):
    """`value` with its floating tensors (not float64) on `device_type` cast to `dtype`, through
    lists, tuples and dicts."""
    if isinstance(value, _op_layer.Tensor):
        eligible = value.is_floating_point() and value.device.type == device_type and value.dtype != _float64
        return value.to(dtype) if eligible else value
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, dict):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, device_type, dtype) for v in value)
    return value


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorates the `forward` of a custom autograd Function: with `cast_inputs`, the forward runs
    with autocast off and its floating inputs cast to that dtype (when autocast is on); without,
    it runs under the surrounding autocast state, which `custom_bwd` restores for backward."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        ctx._fwd_used_autocast = False
        if is_autocast_enabled(device_type):
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast(args, device_type, cast_inputs), **_cast(kwargs, device_type, cast_inputs))
        return fwd(*args, **kwargs)
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorates the `backward` of a custom autograd Function: it runs under the autocast state
    its forward ran under (see custom_fwd)."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd
