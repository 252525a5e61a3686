"""Backward rules of the neural-network ops: convolutions, pools, interpolate, normalizations,
activations, attention, embedding, dropout, pad and linear.

The first derivatives go through the C++ backward ops (ember.nn.functional.conv.conv2d_backward, ...).
Those are not differentiable themselves: under create_graph their results are linked to their
inputs through a node that raises when reached (_kernel), rather than giving a second
derivative with terms silently missing. The backward kernels that are linear in the gradient
alone (pad, average and max pools, interpolate) have the forward op as their derivative
(_linear), and the activations switch to their derivative written in ember ops under
create_graph, so these have derivatives of every order.

Statistics a backward op needs and the forward did not return (the indices of a max pool
called without return_indices, batch statistics, attention probabilities) are recomputed in
backward from the saved input, on a detached copy, so the forward stays exactly the kernel call.

Functions of ember.nn.functional that are also top-level ember functions (conv2d, max_pool2d,
...) are registered under the plain name; the others under "nn.functional.name". The top-level
ember.batch_norm / layer_norm / group_norm / embedding / dropout take torch's argument order
and call the nn.functional functions, so they are recorded through these rules.
"""
import math

import ember
import ember.nn.functional as F
from ember.nn.functional import activation as _act
from ember.nn.functional import attention as _attn
from ember.nn.functional import conv as _conv
from ember.nn.functional import dropouts as _drop
from ember.nn.functional import sparse as _emb
from ember.nn.functional import upsampling as _interp
from ember.nn.functional import normalization as _norm
from ember.nn.functional import padding as _pad
from ember.nn.functional import pooling as _pool

from ..recording import has_rule, holomorphic, register, requires_grad_in
from ..function import Function
from ..grad_mode import _state, no_grad


def _name(short):
    """The rule name of F.short (ember.conv2d and the other top-level aliases are the same op)."""
    return f"nn.functional.{short}"


class _OnceDifferentiable(Function):
    """The gradients a C++ backward kernel computed. Under create_graph they are linked to what
    they were computed from through this node, whose own backward refuses: the kernels have no
    derivative, and a silently missing term would be worse than an error."""

    @staticmethod
    def forward(ctx, op, compute, *deps):
        ctx.op = op
        return compute()

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(f"the derivative of {ctx.op}'s backward is not implemented: its gradient is computed "
                           "by a kernel that is differentiable once (double backward through it is not supported)")


def _kernel(op, compute, *deps):
    """compute() (a backward kernel's gradients), made to refuse differentiation when grad mode
    is on (create_graph=True) and one of deps (what the gradients depend on) requires grad."""
    if _state.grad_enabled and requires_grad_in(deps, None):
        return _OnceDifferentiable.apply(op, compute, *deps)
    return compute()


class _LinearBackward(Function):
    """A backward kernel linear in the gradient alone (pad, pools, interpolate, nll_loss): its
    derivative is the forward op itself (for max pools, picking at the indices), so these
    differentiate any number of times."""

    @staticmethod
    def forward(ctx, grad, backward, forward):
        ctx.forward_op = forward
        return backward(grad)

    @staticmethod
    def backward(ctx, gg):
        return ctx.forward_op(gg), None, None


def _linear(grad, backward, forward):
    if _state.grad_enabled and grad.requires_grad:
        return _LinearBackward.apply(grad, backward, forward)
    return backward(grad)


# ---- convolutions -----------------------------------------------------------------------------

def _conv_setup(ctx, result, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    ctx.save_for_backward(input, weight)
    ctx.args = (stride, padding, dilation, groups)
    return input, weight, bias


def _conv_backward(kernel):
    def backward(ctx, grad):
        input, weight = ctx.saved_tensors
        if _state.grad_enabled and len(ctx.args) == 4 and _wired(_CONV_OPS):
            return _conv_backward_in_ops(ctx, grad, input, weight)
        return _kernel(kernel.__name__, lambda: kernel(grad, input, weight, *ctx.args, output_mask=ctx.needs_input_grad),
                       grad, input, weight)
    return backward


# What the convolutions' gradients in ember ops are built from (other families' rules): without
# them those gradients would be constants, so create_graph falls back to the refusing kernels.
_CONV_OPS = ("Tensor.transpose", "Tensor.narrow", "Tensor.unsqueeze", "Tensor.squeeze", "cat")


def _wired(names):
    for name in names:
        obj = vars(ember.Tensor).get(name[7:]) if name.startswith("Tensor.") else getattr(ember, name, None)
        if not has_rule(obj):
            return False
    return True


def _spatial_padding(padding, nd, kernel, dilation):
    """(low, high) zero padding per spatial dim of a convolution's padding argument."""
    if padding == "valid":
        return [(0, 0)] * nd
    if padding == "same":
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return [(t // 2, t - t // 2) for t in total]
    p = _conv._ints(padding, "padding", "conv")
    p = p * nd if len(p) == 1 else p
    return [(v, v) for v in p]


def _pad_arg(pairs):
    """F.pad's argument (last dim first) from (low, high) pairs in dim order."""
    out = []
    for lo, hi in reversed(pairs):
        out += [lo, hi]
    return out


def _conv_backward_in_ops(ctx, grad, input, weight):
    """conv1d / conv2d / conv3d's gradients as convolutions (ember ops), for create_graph: the input's
    gradient is a transposed convolution of grad with the weight, the weight's a convolution of
    the input with grad (batch and channels swapped). Both differentiate again."""
    stride, padding, dilation, groups = ctx.args
    nd = input.dim() - 2 if weight.dim() == input.dim() else input.dim() - 1
    unbatched = input.dim() == nd + 1
    x, g = (input.unsqueeze(0), grad.unsqueeze(0)) if unbatched else (input, grad)
    spatial = lambda v: (v * nd if len(v) == 1 else v)
    stride = spatial(_conv._ints(stride, "stride", "conv"))
    dilation = spatial(_conv._ints(dilation, "dilation", "conv"))
    kernel = list(weight.shape[2:])
    pads = _spatial_padding(padding, nd, kernel, dilation)
    conv = (F.conv1d, F.conv2d, F.conv3d)[nd - 1]
    conv_t = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[nd - 1]
    gi = gw = gb = None
    need = ctx.needs_input_grad
    if need[0]:
        full = conv_t(g, weight, None, stride, 0, 0, groups, dilation)
        # crop the low padding, and pad (or crop) the end to the input's size
        fit = [(-lo, x.shape[2 + i] - (full.shape[2 + i] - lo)) for i, (lo, hi) in enumerate(pads)]
        gi = F.pad(full, _pad_arg(fit))
        gi = gi.squeeze(0) if unbatched else gi
    if need[1]:
        xp = F.pad(x, _pad_arg(pads)) if any(lo or hi for lo, hi in pads) else x
        cin, cout = x.shape[1] // groups, g.shape[1] // groups
        parts = []
        for j in range(groups):
            xj = xp.narrow(1, j * cin, cin).transpose(0, 1)  # (C_in/groups, N, *spatial)
            gj = g.narrow(1, j * cout, cout).transpose(0, 1)  # (C_out/groups, N, *out_spatial)
            parts.append(conv(xj, gj, None, dilation, 0, stride).transpose(0, 1))
        w = parts[0] if groups == 1 else ember.cat(parts, 0)
        # the correlation runs past the kernel where strides leave rows over: keep the kernel's
        gw = F.pad(w, _pad_arg([(0, k - w.shape[2 + i]) for i, k in enumerate(kernel)]))
    if len(need) > 2 and need[2]:
        gb = g.sum([0] + list(range(2, g.dim())))
    return gi, gw, gb


def _conv_transpose_setup(ctx, result, input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1):
    ctx.save_for_backward(input, weight)
    ctx.args = (stride, padding, output_padding, groups, dilation)
    return input, weight, bias


register(_name("conv1d"), _conv_setup, _conv_backward(_conv.conv1d_backward))
register(_name("conv2d"), _conv_setup, _conv_backward(_conv.conv2d_backward))
register(_name("conv_transpose1d"), _conv_transpose_setup, _conv_backward(_conv.conv_transpose1d_backward))
register(_name("conv_transpose2d"), _conv_transpose_setup, _conv_backward(_conv.conv_transpose2d_backward))
register(_name("conv3d"), _conv_setup, _conv_backward(_conv.conv3d_backward))
register(_name("conv_transpose3d"), _conv_transpose_setup, _conv_backward(_conv.conv_transpose3d_backward))


# ---- pools ------------------------------------------------------------------------------------

def _max_pool_setup(ctx, result, input, *args):
    """The recorded primitive returns (values, indices): backward scatters through the indices."""
    ctx.shape = input.shape
    ctx.save_for_backward(result[1])
    return (input,)


def _gather_planes(values, indices, spatial):
    """values (..., *in_spatial) at the flat per-plane indices (..., *out_spatial) of a max pool."""
    lead = list(indices.shape[:indices.dim() - spatial])
    flat = values.reshape(lead + [_numel(values.shape[-spatial:])])
    picked = flat.gather(-1, indices.reshape(lead + [_numel(indices.shape[-spatial:])]))
    return picked.reshape(list(indices.shape))


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _max_pool_backward(kernel, spatial):
    def backward(ctx, grad, *unused):
        indices, = ctx.saved_tensors
        # linear in grad alone; its derivative picks gg at the indices (derivatives of any order)
        return _linear(grad, lambda g: kernel(g, ctx.shape, indices), lambda gg: _gather_planes(gg, indices, spatial))
    return backward


# The public max pools call these private (values, indices) primitives (ember/nn/functional/pooling.py).
for _n in ("max_pool1d", "max_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d"):
    setattr(F, f"_{_n}_with_indices", getattr(_pool, f"_{_n}_with_indices"))
register("nn.functional._max_pool1d_with_indices", _max_pool_setup, _max_pool_backward(_pool.max_pool1d_backward, 1))
register("nn.functional._max_pool2d_with_indices", _max_pool_setup, _max_pool_backward(_pool.max_pool2d_backward, 2))
register("nn.functional._adaptive_max_pool1d_with_indices", _max_pool_setup,
         _max_pool_backward(_pool.adaptive_max_pool1d_backward, 1))
register("nn.functional._adaptive_max_pool2d_with_indices", _max_pool_setup,
         _max_pool_backward(_pool.adaptive_max_pool2d_backward, 2))


def _avg_pool_setup(ctx, result, input, *args, **kwargs):
    ctx.shape = input.shape
    ctx.args, ctx.kwargs = args, kwargs
    return (input,)


def _avg_pool_backward(kernel, forward):
    def backward(ctx, grad):
        return _linear(grad, lambda g: kernel(g, ctx.shape, *ctx.args, **ctx.kwargs),
                       lambda gg: forward(gg, *ctx.args, **ctx.kwargs))
    return backward


def _adaptive_avg_backward(kernel, forward):
    def backward(ctx, grad):
        return _linear(grad, lambda g: kernel(g, ctx.shape), lambda gg: forward(gg, list(grad.shape[2:])))
    return backward


# The forward ops are looked up when called, so that they are the recorded (wired) functions.
register(_name("avg_pool1d"), _avg_pool_setup,
         _avg_pool_backward(_pool.avg_pool1d_backward, lambda *a, **k: F.avg_pool1d(*a, **k)))
register(_name("avg_pool2d"), _avg_pool_setup,
         _avg_pool_backward(_pool.avg_pool2d_backward, lambda *a, **k: F.avg_pool2d(*a, **k)))
register(_name("adaptive_avg_pool1d"), _avg_pool_setup,
         _adaptive_avg_backward(_pool.adaptive_avg_pool1d_backward, lambda *a: F.adaptive_avg_pool1d(*a)))
register(_name("adaptive_avg_pool2d"), _avg_pool_setup,
         _adaptive_avg_backward(_pool.adaptive_avg_pool2d_backward, lambda *a: F.adaptive_avg_pool2d(*a)))


def _interpolate_setup(ctx, result, input, *args, **kwargs):
    # Only the input's shape is needed (a later in-place change of the input is no concern)
    ctx.shape, ctx.dtype = list(input.shape), input.dtype
    ctx.args, ctx.kwargs = args, kwargs
    return (input,)


def _interpolate_backward(ctx, grad):
    # interpolate_backward plans from a tensor of the input's shape: a stride-0 stand-in
    x = ember.zeros(1, dtype=ctx.dtype).reshape([1] * len(ctx.shape)).expand(ctx.shape)
    return _linear(grad, lambda g: _interp.interpolate_backward(g, x, *ctx.args, **ctx.kwargs),
                   lambda gg: F.interpolate(gg, *ctx.args, **ctx.kwargs))


register(_name("interpolate"), _interpolate_setup, _interpolate_backward)


# ---- normalizations ---------------------------------------------------------------------------

def _batch_norm_setup(ctx, result, input, running_mean, running_var, weight=None, bias=None, training=False,
                      momentum=0.1, eps=1e-05):
    # In training the forward has already updated the running statistics in place: they are
    # not needed (backward recomputes the batch's). In eval they are the statistics used.
    if training:
        ctx.save_for_backward(input, weight, None, None)
    else:
        ctx.save_for_backward(input, weight, running_mean, running_var)
    ctx.training, ctx.eps = bool(training), float(eps)
    # (batch mean, invstd) from the forward's kernel call, in training
    ctx.stats = _norm.take_saved_stats(result) if training else None
    return input, weight, bias


# What the normalizations' gradients in ember ops are built from (the reduction and
# elementwise families' rules).
_NORM_OPS = ("mean", "var", "rsqrt", "sum", "Tensor.reshape", "Tensor.__sub__", "Tensor.__mul__")


def _normalized_grads(ctx, grad, x, weight, dims, param_shape, stats=None):
    """(grad_input, grad_weight, grad_bias) of y = xhat * weight + bias, xhat = (x - mean) * rstd
    over `dims` (keepdim), in ember ops: for create_graph, where they differentiate again.
    weight is already broadcastable to x; stats: fixed (mean, rstd) (batch_norm in eval)."""
    if stats is None:
        mean = x.mean(dim=dims, keepdim=True)
        rstd = (x.var(dim=dims, correction=0, keepdim=True) + ctx.eps).rsqrt()
    else:
        mean, rstd = stats
    xhat = (x - mean) * rstd
    gy = grad if weight is None else grad * weight
    need = ctx.needs_input_grad
    gi = gw = gb = None
    if need[0]:
        if stats is None:
            gi = rstd * (gy - gy.mean(dim=dims, keepdim=True) - xhat * (gy * xhat).mean(dim=dims, keepdim=True))
        else:
            gi = gy * rstd
    param_dims = [d for d in range(grad.dim()) if d >= grad.dim() or grad.shape[d] != param_shape[d]] \
        if param_shape is not None else None
    if need[1] and weight is not None:
        gw = (grad * xhat).sum(dim=param_dims, keepdim=True)
    if len(need) > 2 and need[2]:
        gb = grad.sum(dim=param_dims, keepdim=True)
    return gi, gw, gb


def _batch_norm_backward(ctx, grad):
    input, weight, running_mean, running_var = ctx.saved_tensors
    if _state.grad_enabled and _wired(_NORM_OPS):
        view = [1, input.shape[1]] + [1] * (input.dim() - 2)
        w = None if weight is None else weight.reshape(view)
        stats = None if ctx.training else (running_mean.detach().reshape(view),
                                           (running_var.detach().reshape(view) + ctx.eps).rsqrt())
        gi, gw, gb = _normalized_grads(ctx, grad, input, w, [0] + list(range(2, input.dim())), view, stats)
        return gi, None if gw is None else gw.reshape([-1]), None if gb is None else gb.reshape([-1])
    with no_grad():
        x = input.detach()
        if ctx.stats is not None:
            mean, invstd = ctx.stats
        elif ctx.training:  # the forward kept none
            dims = [0] + list(range(2, x.dim()))
            mean = x.mean(dim=dims)
            invstd = (x.var(dim=dims, correction=0) + ctx.eps).rsqrt()
        else:
            mean = running_mean.detach()
            invstd = (running_var.detach() + ctx.eps).rsqrt()
    w = None if weight is None else weight.detach()
    mask = (ctx.needs_input_grad[0], ctx.needs_input_grad[1] and weight is not None, ctx.needs_input_grad[2])
    return _kernel("batch_norm", lambda: _norm.batch_norm_backward(grad, input, w, mean, invstd, ctx.training, mask),
                   grad, input, weight)


class _Needs:
    """A ctx stand-in with other needs_input_grad (the rest read from the ctx)."""

    def __init__(self, ctx, needs):
        self._ctx, self.needs_input_grad = ctx, needs

    def __getattr__(self, name):
        return getattr(self._ctx, name)


def _layer_norm_setup(ctx, result, input, normalized_shape, weight=None, bias=None, eps=1e-05):
    ctx.save_for_backward(input, weight)
    ctx.normalized_shape, ctx.eps = normalized_shape, float(eps)
    ctx.stats = _norm.take_saved_stats(result)  # (mean, rstd) from the forward's kernel call
    return input, weight, bias


def _layer_norm_backward(ctx, grad):
    input, weight = ctx.saved_tensors
    shape = _norm._shape(ctx.normalized_shape)
    if _state.grad_enabled and _wired(_NORM_OPS):
        lead = input.dim() - len(shape)
        gi, gw, gb = _normalized_grads(ctx, grad, input, weight, list(range(lead, input.dim())), [1] * lead + shape)
        return gi, None if gw is None else gw.reshape(shape), None if gb is None else gb.reshape(shape)
    if ctx.stats is not None:
        mean, rstd = ctx.stats
    else:
        with no_grad():
            # the statistics again, from one kernel pass (the forward kept none)
            _, mean, rstd = _norm.native_layer_norm(input.detach(), shape, None, None, ctx.eps)
    w = None if weight is None else weight.detach()
    mask = (ctx.needs_input_grad[0], ctx.needs_input_grad[1] and weight is not None, ctx.needs_input_grad[2])
    return _kernel("layer_norm", lambda: _norm.layer_norm_backward(grad, input, shape, mean, rstd, w, mask),
                   grad, input, weight)


def _group_norm_setup(ctx, result, input, num_groups, weight=None, bias=None, eps=1e-05):
    ctx.save_for_backward(input, weight)
    ctx.num_groups, ctx.eps = int(num_groups), float(eps)
    ctx.stats = _norm.take_saved_stats(result)  # (mean, rstd) from the forward's kernel call
    return input, weight, bias


def _group_norm_backward(ctx, grad):
    input, weight = ctx.saved_tensors
    g = ctx.num_groups
    if _state.grad_enabled and _wired(_NORM_OPS) and input.numel():
        n, c = input.shape[0], input.shape[1]
        view = [1, c] + [1] * (input.dim() - 2)
        grouped = [n, g, input.numel() // (n * g)]
        # xhat over each group, then the per-channel affine: the input's gradient on the
        # grouped view with the weight applied first
        gy = grad if weight is None else grad * weight.reshape(view)
        x = input.reshape(grouped)
        gi, _, _ = _normalized_grads(_Needs(ctx, (ctx.needs_input_grad[0], False, False)), gy.reshape(grouped), x,
                                     None, [2], None)
        mean = x.mean(dim=[2], keepdim=True)
        xhat = ((x - mean) * (x.var(dim=[2], correction=0, keepdim=True) + ctx.eps).rsqrt()).reshape(list(input.shape))
        dims = [0] + list(range(2, input.dim()))
        gw = (grad * xhat).sum(dim=dims) if weight is not None and ctx.needs_input_grad[1] else None
        gb = grad.sum(dim=dims) if ctx.needs_input_grad[2] else None
        return None if gi is None else gi.reshape(list(input.shape)), gw, gb
    if ctx.stats is not None:
        mean, rstd = ctx.stats
    else:
        with no_grad():
            # the statistics again, from one kernel pass (the forward kept none)
            _, mean, rstd = _norm.native_group_norm(input.detach(), g, None, None, ctx.eps)
    w = None if weight is None else weight.detach()
    mask = (ctx.needs_input_grad[0], ctx.needs_input_grad[1] and weight is not None, ctx.needs_input_grad[2])
    return _kernel("group_norm", lambda: _norm.group_norm_backward(grad, input, g, mean, rstd, w, mask),
                   grad, input, weight)


register(_name("batch_norm"), _batch_norm_setup, _batch_norm_backward)
register(_name("layer_norm"), _layer_norm_setup, _layer_norm_backward)
register(_name("group_norm"), _group_norm_setup, _group_norm_backward)


# ---- activations ------------------------------------------------------------------------------
# Each takes (grad, input, parameters) in its backward kernel. In-place forms (inplace=True and
# the functions ending in "_") are recorded out of place on a copy of the input by the
# dispatcher (dispatch.record_inplace), so one rule serves both.

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _activation(name, defaults):
    """Registers F.name (and F.name_ when it exists). defaults: the parameters' defaults, in
    the order the function and the backward kernel take them."""
    kernel = getattr(_act, f"{name}_backward")
    nparams = len(defaults)

    def params_of(args, kwargs, names):
        values = list(defaults)
        for i, a in enumerate(args[:nparams]):
            values[i] = a
        for i, n in enumerate(names):
            if n in kwargs:
                values[i] = kwargs[n]
        return values

    names = _PARAM_NAMES.get(name, ())

    # ReLU keeps its result, as PyTorch's rule does: its input can then be freed (a conv
    # output under a ReLU, say) while the result stays.
    from_result = name in _MASKS_FROM_RESULT

    def setup(ctx, result, input, *args, **kwargs):
        ctx.params = params_of(args, kwargs, names)
        ctx.save_for_backward(result if from_result else input)
        return (input,)

    def backward(ctx, grad):
        saved, = ctx.saved_tensors
        if _state.grad_enabled:
            # create_graph: the derivative in ember ops, so that it is differentiated in turn
            mask = _MASKS.get(name)
            if mask is not None:
                return grad * mask(saved.detach(), ctx.params)
            if _wired(_ACTIVATION_OPS):
                return grad * _DERIVATIVES[name](saved, *[_param(name, p) for p in ctx.params])
        return _kernel(name, lambda: kernel(grad, saved, *[_param(name, p) for p in ctx.params]), grad, saved)

    register(_name(name), setup, backward)


# The gradient factor of the piecewise-linear activations, from their input.
_MASKS = {
    "relu": lambda x, p: (x > 0).to(x.dtype),
    "leaky_relu": lambda x, p: ember.where(x > 0, ember.ones_like(x), ember.full_like(x, float(p[0]))),
    "hardtanh": lambda x, p: ((x > p[0]) & (x < p[1])).to(x.dtype),
    "relu6": lambda x, p: ((x > 0) & (x < 6)).to(x.dtype),
}

# relu's mask (and its backward kernel's test, x > 0) reads the same from its result. Only
# relu, as in PyTorch: relu6 and hardtanh keep their input there, so an in-place change of
# their result before backward is allowed, and it stays allowed here.
_MASKS_FROM_RESULT = ("relu",)

_SQRT_2_PI = math.sqrt(2 / math.pi)
# What the derivatives below are built from (the elementwise family's rules).
_ACTIVATION_OPS = ("sigmoid", "tanh", "exp", "erf", "where", "abs")


def _gelu_derivative(x, approximate):
    if approximate == "tanh":
        t = ember.tanh(_SQRT_2_PI * (x + 0.044715 * x * x * x))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_PI * (1 + 3 * 0.044715 * x * x)
    return 0.5 * (1 + ember.erf(x * (1 / math.sqrt(2)))) + x * ember.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))


def _mish_derivative(x):
    t = ember.tanh(F.softplus(x))
    return t + x * ember.sigmoid(x) * (1 - t * t)


# The derivatives of the smooth activations (and hardswish / hardsigmoid), in ember ops: used
# under create_graph, where they are differentiated in turn.
_DERIVATIVES = {
    "gelu": _gelu_derivative,
    "silu": lambda x: ember.sigmoid(x) * (1 + x * (1 - ember.sigmoid(x))),
    "softplus": lambda x, beta, threshold: ember.where(x * beta > threshold, ember.ones_like(x),
                                                       ember.sigmoid(x * beta)),
    "elu": lambda x, alpha: ember.where(x > 0, ember.ones_like(x), alpha * ember.exp(x)),
    "selu": lambda x: _SELU_SCALE * ember.where(x > 0, ember.ones_like(x), _SELU_ALPHA * ember.exp(x)),
    "celu": lambda x, alpha: ember.where(x > 0, ember.ones_like(x), ember.exp(x * (1 / alpha))),
    "logsigmoid": lambda x: ember.sigmoid(-x),
    "softsign": lambda x: 1 / ((1 + x.abs()) * (1 + x.abs())),
    "tanhshrink": lambda x: ember.tanh(x) * ember.tanh(x),
    "mish": _mish_derivative,
    "hardswish": lambda x: ember.where(x < -3, ember.zeros_like(x),
                                       ember.where(x > 3, ember.ones_like(x), x * (1 / 3) + 0.5)),
    "hardsigmoid": lambda x: ((x > -3) & (x < 3)).to(x.dtype) / 6,
}

_PARAM_NAMES = {"gelu": ("approximate",), "softplus": ("beta", "threshold"), "elu": ("alpha",),
                "celu": ("alpha",), "leaky_relu": ("negative_slope",), "hardtanh": ("min_val", "max_val"),
                "threshold": ("threshold", "value")}


def _param(name, p):
    return p if isinstance(p, str) else float(p)


_ACTIVATIONS = {"gelu": ("none",), "silu": (), "softplus": (1.0, 20.0), "elu": (1.0,), "selu": (), "celu": (1.0,),
                "leaky_relu": (0.01,), "hardtanh": (-1.0, 1.0), "relu6": (), "mish": (), "hardswish": (),
                "hardsigmoid": (), "logsigmoid": (), "softsign": (), "tanhshrink": (), "relu": ()}

for _n, _d in _ACTIVATIONS.items():
    _activation(_n, _d)


def _threshold_setup(ctx, result, input, threshold, value, inplace=False):
    ctx.params = (threshold, value)
    ctx.save_for_backward(input)
    return (input,)


def _threshold_backward(ctx, grad):
    saved, = ctx.saved_tensors
    # threshold_backward keeps grad where the input is > threshold
    if _state.grad_enabled:
        return grad * (saved.detach() > ctx.params[0]).to(grad.dtype)
    return _act.threshold_backward(grad, saved, float(ctx.params[0]))


register(_name("threshold"), _threshold_setup, _threshold_backward)


# ---- attention ----------------------------------------------------------------------------------

def _sdpa_setup(ctx, result, query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                enable_gqa=False, *, generator=None):
    ctx.args = (float(dropout_p), bool(is_causal), scale, bool(enable_gqa))
    if dropout_p > 0:
        # The forward's dropout mask is gone: draw the computation again with its own mask and
        # make the result the one that mask gives, so backward and result agree.
        with no_grad():
            out, attn, keep = _attn.scaled_dot_product_attention_forward(
                query.detach(), key.detach(), value.detach(),
                None if attn_mask is None else attn_mask.detach(), dropout_p, is_causal, scale, enable_gqa,
                None, generator)
            result._impl.copy_(out._impl)
        ctx.save_for_backward(query, key, value, attn_mask, attn, keep)
        ctx.fused = False
    else:
        # The fused forward kept its logsumexp: backward needs the output and that, not the
        # probabilities, and does not run the forward again.
        lse = _attn.take_fused_logsumexp(result)
        ctx.fused = lse is not None
        ctx.save_for_backward(query, key, value, attn_mask, result if ctx.fused else None, lse)
    mask_input = attn_mask if attn_mask is not None and attn_mask.is_floating_point() else None
    return query, key, value, mask_input


def _sdpa_backward(ctx, grad):
    query, key, value, attn_mask, attn, keep = ctx.saved_tensors
    dropout_p, is_causal, scale, enable_gqa = ctx.args
    q, k, v = query.detach(), key.detach(), value.detach()
    needs_mask_grad = len(ctx.needs_input_grad) > 3 and ctx.needs_input_grad[3]
    mask = None if attn_mask is None else attn_mask.detach()
    if ctx.fused:
        out, lse = attn.detach(), keep  # the saved output and logsumexp
        gq, gk, gv = _kernel("scaled_dot_product_attention", lambda: _attn.scaled_dot_product_attention_fused_backward(
            grad, q, k, v, out, lse, mask, is_causal, scale, enable_gqa), grad, query, key, value, attn_mask)
        return gq, gk, gv, None
    if attn is None and not needs_mask_grad and _attn.scaled_dot_product_attention_fused_available(
            q, k, v, mask, dropout_p, enable_gqa):
        # The fused path for a forward that kept no logsumexp: the output and logsumexp again
        # (never the L x S probabilities).
        with no_grad():
            out, lse = _attn.scaled_dot_product_attention_fused_forward(q, k, v, mask, is_causal, scale, enable_gqa)
        gq, gk, gv = _kernel("scaled_dot_product_attention", lambda: _attn.scaled_dot_product_attention_fused_backward(
            grad, q, k, v, out, lse, mask, is_causal, scale, enable_gqa), grad, query, key, value, attn_mask)
        return gq, gk, gv, None
    if attn is None:
        with no_grad():
            _, attn, keep = _attn.scaled_dot_product_attention_forward(
                q, k, v, None if attn_mask is None else attn_mask.detach(), dropout_p, is_causal, scale, enable_gqa)
    gq, gk, gv = _kernel("scaled_dot_product_attention", lambda: _attn.scaled_dot_product_attention_backward(
        grad, q, k, v, attn, keep, dropout_p, scale, enable_gqa), grad, query, key, value, attn_mask)
    gmask = None
    if len(ctx.needs_input_grad) > 3 and ctx.needs_input_grad[3]:
        # The mask is added to the scaled scores: its gradient is the scores' gradient.
        with no_grad():
            if enable_gqa and v.dim() >= 3 and v.shape[-3] != q.shape[-3]:
                v = v.repeat_interleave(q.shape[-3] // v.shape[-3], dim=-3)
            dp = grad @ v.transpose(-2, -1)
            if keep is not None:
                dp = dp * keep.to(dp.dtype) * _drop.dropout_scale(dropout_p)
            gmask = attn * (dp - (dp * attn).sum(-1, keepdim=True))
        if gmask is not None:
            gmask = _kernel("scaled_dot_product_attention", lambda: gmask, grad, query, key, value, attn_mask)
    return gq, gk, gv, gmask


register(_name("scaled_dot_product_attention"), _sdpa_setup, _sdpa_backward)


# ---- embedding, dropout, pad, linear --------------------------------------------------------------

def _embedding_setup(ctx, result, input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
                     scale_grad_by_freq=False, sparse=False):
    ctx.save_for_backward(input)
    ctx.num, ctx.padding_idx, ctx.by_freq = weight.shape[0], padding_idx, bool(scale_grad_by_freq)
    ctx.sparse = bool(sparse)
    return (weight,)


def _embedding_backward(ctx, grad):
    indices, = ctx.saved_tensors
    if ctx.sparse:
        from ember.sparse.embedding import embedding_sparse_grad
        return embedding_sparse_grad(grad, indices, ctx.num, ctx.padding_idx, ctx.by_freq)
    backward = lambda g: _emb.embedding_backward(g, indices, ctx.num, ctx.padding_idx, ctx.by_freq)  # noqa: E731
    if ctx.by_freq:
        return _kernel("embedding", lambda: backward(grad), grad)
    # linear in grad: its derivative looks the rows up again (none for padding_idx)
    pad = ctx.padding_idx

    def forward(gg):
        rows = F.embedding(indices, gg)
        if pad is None:
            return rows
        keep = (indices != (pad % ctx.num)).unsqueeze(-1).to(rows.dtype)
        return rows * keep
    return _linear(grad, backward, forward)


register(_name("embedding"), _embedding_setup, _embedding_backward)

# dropout, dropout1d, dropout2d and alpha_dropout are compositions around the one call that
# draws the mask, _dropout_with_mask (output, keep-mask); the rule on it reuses that mask.
# It is named in nn.functional (privately) so that the wiring can find it.
F._dropout_with_mask = _drop._dropout_with_mask


def _dropout_setup(ctx, result, input, p, generator=None, mask_shape=None):
    ctx.save_for_backward(result[1])
    ctx.scale = _drop.dropout_scale(float(p))
    return (input,)


def _dropout_backward(ctx, grad, grad_mask=None):
    mask, = ctx.saved_tensors
    return grad * mask.to(grad.dtype) * ctx.scale


register("nn.functional._dropout_with_mask", _dropout_setup, _dropout_backward)


def _pad_setup(ctx, result, input, pad, mode="constant", value=None):
    ctx.shape, ctx.pad, ctx.mode = input.shape, list(pad), mode
    return (input,)


def _pad_backward(ctx, grad):
    return _linear(grad, lambda g: _pad.pad_backward(g, ctx.shape, ctx.pad, ctx.mode),
                   lambda gg: F.pad(gg, ctx.pad, mode=ctx.mode))


register(_name("pad"), _pad_setup, _pad_backward)


def _linear_setup(ctx, result, input, weight, bias=None):
    ctx.save_for_backward(input, weight)
    return input, weight, bias


def _linear_backward(ctx, grad):
    input, weight = ctx.saved_tensors
    need = ctx.needs_input_grad
    gi = gw = gb = None
    if weight.dim() == 1:  # y = input @ weight (+ bias): one output feature, no feature dim
        if need[0]:
            gi = grad.unsqueeze(-1) * weight
        if need[1]:
            gw = (grad.unsqueeze(-1) * input).reshape(-1, weight.shape[0]).sum(0)
        if len(need) > 2 and need[2]:
            gb = grad.sum()
        return gi, gw, gb
    out_features, in_features = weight.shape
    if need[0]:
        gi = grad @ weight
    rows = 1
    for s in input.shape[:-1]:
        rows *= s  # explicit: reshape(-1, 0) is ambiguous when a size is 0
    if need[1]:
        gw = grad.reshape(rows, out_features).transpose(0, 1) @ input.reshape(rows, in_features)
    if len(need) > 2 and need[2]:
        gb = grad.reshape(rows, out_features).sum(0)
    return gi, gw, gb


register(_name("linear"), _linear_setup, holomorphic(_linear_backward))
