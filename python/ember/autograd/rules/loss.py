"""Backward rules of the losses of ember.nn.functional (cross_entropy, nll_loss, mse_loss, l1_loss,
smooth_l1_loss, huber_loss, binary_cross_entropy(_with_logits), kl_div).

Gradients come from the C++ backward ops (ember.nn.functional.loss.*_backward), which return the input's
gradient and, where the target is differentiable, the target's. They are differentiable once:
under create_graph, reaching them in a second backward raises (nn._kernel). As in PyTorch, the class
weights of nll_loss / cross_entropy / the BCEs get no gradient; the element weights of
mse_loss / l1_loss / huber_loss (applied by ember ops around the unreduced loss) do.
"""
import ember
import ember.nn.functional as F
from ember.nn.functional import loss as _loss

from ..recording import register
from ..grad_mode import _state, no_grad
from .nn import _kernel, _linear, _wired


def _name(short):
    return short if getattr(ember, short, None) is getattr(F, short) else f"nn.functional.{short}"


def _reduction(size_average, reduce, reduction):
    """loss._reduction without its deprecation warning (the forward has given it)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "mean" if size_average and reduce else "sum" if reduce else "none"


def _pick(grads, ctx, count):
    """The kernel's (grad_input, grad_target), None where no gradient is needed."""
    return tuple(g if need else None for g, need in zip(grads[:count], ctx.needs_input_grad))


# ---- pointwise losses, with the optional element weight ---------------------------------------

def _pointwise(name, extra_names, weighted, mean_by_weight=True):
    kernel = getattr(_loss, f"{name}_backward")
    forward = getattr(_loss, name)

    def setup(ctx, result, input, target, *args, **kwargs):
        # Normalise the arguments: legacy (size_average, reduce) come positionally first for
        # mse/l1/smooth_l1; huber_loss takes (reduction, delta, weight).
        if name == "huber_loss":
            names = ("reduction", "delta", "weight")
        else:
            names = ("size_average", "reduce", "reduction") + extra_names
        values = dict(zip(names, args))
        values.update(kwargs)
        reduction = _reduction(values.get("size_average"), values.get("reduce"), values.get("reduction", "mean"))
        ctx.reduction = reduction
        ctx.extra = tuple(float(values.get(n, 1.0)) for n in extra_names if n in ("beta", "delta"))
        weight = values.get("weight") if weighted else None
        ctx.save_for_backward(input, target, weight)
        return (input, target) + ((weight,) if weight is not None else ())

    def backward(ctx, grad):
        input, target, weight = ctx.saved_tensors
        if _state.grad_enabled and _wired(("where", "abs")):
            return _pointwise_create_graph(name, ctx, grad, input, target, weight, mean_by_weight)
        if weight is None:
            return _pick(_kernel(name, lambda: kernel(grad, input, target, ctx.reduction, *ctx.extra),
                                 grad, input, target), ctx, 2)
        # loss = reduce(per_element(input, target) * weight)
        w = weight.detach()
        red = ctx.reduction
        if red == "mean":
            denom = w.sum() if mean_by_weight else float(w.numel())
            g = grad * w / denom
        else:
            g = grad * w
        gi, gt = _kernel(name, lambda: kernel(g, input, target, "none", *ctx.extra), g, input, target)
        gw = None
        if ctx.needs_input_grad[2]:
            with no_grad():
                per_element = forward(input.detach(), target.detach(), reduction="none",
                                      **({"delta": ctx.extra[0]} if name == "huber_loss" else {}))
                if red == "mean" and mean_by_weight:
                    gw = grad * (per_element - (per_element * w).sum() / denom) / denom
                elif red == "mean":
                    gw = grad * per_element / denom
                else:
                    gw = grad * per_element
        return (gi if ctx.needs_input_grad[0] else None, gt if ctx.needs_input_grad[1] else None, gw)

    register(_name(name), setup, backward)


def _sign(d):
    return (d > 0).to(d.dtype) - (d < 0).to(d.dtype)


# d loss / d input of the pointwise losses in ember ops (d loss / d target is its negative).
_POINTWISE_DERIVATIVES = {
    "mse_loss": lambda d: 2 * d,
    "l1_loss": _sign,
    "smooth_l1_loss": lambda d, beta: _sign(d) if beta == 0 else ember.where(d.abs() < beta, d * (1 / beta), _sign(d)),
    "huber_loss": lambda d, delta: ember.where(d.abs() <= delta, d, _sign(d) * delta),
}


def _pointwise_create_graph(name, ctx, grad, input, target, weight, mean_by_weight):
    """The gradients of a pointwise loss in ember ops, for create_graph (every argument
    differentiable again, the weight included)."""
    diff = input - target
    deriv = _POINTWISE_DERIVATIVES[name](diff, *ctx.extra)
    red = ctx.reduction
    scale = grad if weight is None else grad * weight
    if red == "mean":
        if weight is not None and mean_by_weight:
            denom = weight.sum()
        else:
            denom = float(diff.numel())
        scale = scale / denom
    g = scale * deriv
    grads = (g if ctx.needs_input_grad[0] else None, -g if ctx.needs_input_grad[1] else None)
    if weight is None:
        return grads
    gw = None
    if ctx.needs_input_grad[2]:
        per_element = getattr(F, name)(input, target, reduction="none", **(
            {"delta": ctx.extra[0]} if name == "huber_loss" else {}))
        if red == "mean" and mean_by_weight:
            gw = grad * (per_element - (per_element * weight).sum() / denom) / denom
        elif red == "mean":
            gw = grad * per_element / denom
        else:
            gw = grad * per_element
    return grads + (gw,)


_pointwise("mse_loss", ("weight",), weighted=True)
_pointwise("l1_loss", ("weight",), weighted=True)
_pointwise("smooth_l1_loss", ("beta",), weighted=False)
_pointwise("huber_loss", ("delta",), weighted=True, mean_by_weight=False)


# ---- binary cross entropy and kl_div ----------------------------------------------------------------

def _bce_setup(ctx, result, input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    ctx.reduction = _reduction(size_average, reduce, reduction)
    ctx.save_for_backward(input, target, weight)
    return input, target


def _bce_backward(ctx, grad):
    input, target, weight = ctx.saved_tensors
    return _pick(_kernel("binary_cross_entropy", lambda: _loss.binary_cross_entropy_backward(
        grad, input, target, weight, ctx.reduction), grad, input, target), ctx, 2)


register(_name("binary_cross_entropy"), _bce_setup, _bce_backward)


def _bce_logits_setup(ctx, result, input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                      pos_weight=None):
    ctx.reduction = _reduction(size_average, reduce, reduction)
    ctx.save_for_backward(input, target, weight, pos_weight)
    return input, target


def _bce_logits_backward(ctx, grad):
    input, target, weight, pos_weight = ctx.saved_tensors
    if _state.grad_enabled and _wired(("sigmoid",)):
        # create_graph: loss = -w (pw y log s(x) + (1 - y) log s(-x)), its gradients in ember ops
        scale = grad / float(ember.broadcast_shapes(input.shape, target.shape).numel()) \
            if ctx.reduction == "mean" else grad
        if weight is not None:
            scale = scale * weight
        pw = 1.0 if pos_weight is None else pos_weight
        gi = scale * ((pw * target + 1 - target) * ember.sigmoid(input) - pw * target) \
            if ctx.needs_input_grad[0] else None
        gt = -scale * (pw * F.logsigmoid(input) - F.logsigmoid(-input)) if ctx.needs_input_grad[1] else None
        return gi, gt
    return _pick(_kernel("binary_cross_entropy_with_logits", lambda: _loss.binary_cross_entropy_with_logits_backward(
        grad, input, target, weight, pos_weight, ctx.reduction), grad, input, target), ctx, 2)


register(_name("binary_cross_entropy_with_logits"), _bce_logits_setup, _bce_logits_backward)


def _kl_setup(ctx, result, input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    ctx.reduction, ctx.log_target = _reduction(size_average, reduce, reduction), bool(log_target)
    ctx.save_for_backward(input, target)
    return input, target


def _kl_backward(ctx, grad):
    input, target = ctx.saved_tensors
    return _pick(_kernel("kl_div", lambda: _loss.kl_div_backward(grad, input, target, ctx.reduction, ctx.log_target),
                         grad, input, target), ctx, 2)


register(_name("kl_div"), _kl_setup, _kl_backward)


# ---- class losses ---------------------------------------------------------------------------------

def _nll_setup(ctx, result, input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
               reduction="mean"):
    ctx.reduction, ctx.ignore_index = _reduction(size_average, reduce, reduction), int(ignore_index)
    ctx.save_for_backward(input, target, weight)
    return (input,)


def _nll_backward(ctx, grad):
    input, target, weight = ctx.saved_tensors
    # nll_loss is linear in its input, so its backward is linear in grad alone, with nll_loss
    # itself as the derivative: it differentiates any number of times.
    x = input.detach()
    return _linear(grad, lambda g: _loss.nll_loss_backward(g, x, target, weight, ctx.reduction, ctx.ignore_index),
                   lambda gg: F.nll_loss(gg, target, weight, ignore_index=ctx.ignore_index, reduction=ctx.reduction))


register(_name("nll_loss"), _nll_setup, _nll_backward)


def _ce_setup(ctx, result, input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
              reduction="mean", label_smoothing=0.0):
    ctx.reduction, ctx.ignore_index = _reduction(size_average, reduce, reduction), int(ignore_index)
    ctx.label_smoothing = float(label_smoothing)
    ctx.save_for_backward(input, target, weight)
    # Probability targets (floating) are differentiable; class indices are not.
    return input, target


def _ce_backward(ctx, grad):
    input, target, weight = ctx.saved_tensors
    if _state.grad_enabled and ctx.label_smoothing == 0 and not target.is_floating_point() and _wired(("softmax",)):
        # create_graph with class indices: cross_entropy = nll_loss(log_softmax(input)), its
        # gradient in ember ops (nll_loss's backward, then log_softmax's), differentiable again
        dim = 1 if input.dim() >= 2 else 0
        x = input.detach()
        g = _linear(grad, lambda g: _loss.nll_loss_backward(g, x, target, weight, ctx.reduction, ctx.ignore_index),
                    lambda gg: F.nll_loss(gg, target, weight, ignore_index=ctx.ignore_index, reduction=ctx.reduction))
        return g - ember.softmax(input, dim) * g.sum(dim, keepdim=True), None
    return _pick(_kernel("cross_entropy", lambda: _loss.cross_entropy_backward(
        grad, input, target, weight, ctx.reduction, ctx.ignore_index, ctx.label_smoothing), grad, input, target),
        ctx, 2)


register(_name("cross_entropy"), _ce_setup, _ce_backward)
