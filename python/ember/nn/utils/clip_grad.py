"""Gradient clipping, as torch.nn.utils: clip_grad_norm_, clip_grad_value_, get_total_norm,
clip_grads_with_norm_ (and the deprecated clip_grad_norm). `foreach` is accepted: ember has one
implementation, which every value of it selects."""
import math
import types
import warnings

from ... import _C
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]

_HALF_TYPES = ("float16", "bfloat16")


def _tensors(parameters):
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def _vector_norm(t, norm_type):
    """linalg.vector_norm in t's dtype; float16/bfloat16 are reduced in float32 and the result
    rounded back, as PyTorch's half-precision norms are."""
    from ... import linalg
    if t.dtype.name in _HALF_TYPES:
        return linalg.vector_norm(t.to(_C.dtype.float32), norm_type).to(t.dtype)
    return linalg.vector_norm(t, norm_type)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the norms of `tensors` (as if concatenated into one vector)."""
    from ... import promote_types, stack, tensor
    tensors = [t for t in _tensors(tensors) if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        return tensor(0.0)
    with no_grad():
        first_device = tensors[0].device
        # Grouped by device and dtype, in first-seen order, as PyTorch groups them.
        groups = {}
        for t in tensors:
            groups.setdefault((str(t.device), t.dtype.name), []).append(t)
        norms = [_vector_norm(t.detach(), norm_type) for group in groups.values() for t in group]
        dtype = norms[0].dtype
        for n in norms[1:]:
            dtype = promote_types(dtype, n.dtype)
        total = _vector_norm(stack([n.to(dtype=dtype, device=first_device) for n in norms]), norm_type)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                           "so it cannot be clipped. To disable this error and scale the gradients by the "
                           "non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """grad *= min(max_norm / (total_norm + 1e-6), 1), in place, given the total norm."""
    grads = [p.grad for p in _tensors(parameters) if p.grad is not None]
    max_norm = float(max_norm)
    if not grads:
        return
    with no_grad():
        clip_coef = max_norm / (total_norm + 1e-6)
        # Multiplying by a coefficient clamped to 1 (rather than testing it) keeps the values
        # where they are without a branch, as PyTorch does.
        clip_coef_clamped = clip_coef.clamp(max=1.0)
        for g in grads:
            if g.dtype.name in _HALF_TYPES:
                # PyTorch multiplies half-precision values in float32 by the unrounded
                # coefficient and rounds the product once.
                g.copy_(g.to(_C.dtype.float32) * clip_coef_clamped.to(dtype=_C.dtype.float32, device=g.device))
            else:
                g.mul_(clip_coef_clamped.to(dtype=g.dtype, device=g.device))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scales the gradients so that their total norm is at most max_norm; returns the norm
    before clipping."""
    if isinstance(parameters, Tensor):
        params = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        params = list(parameters)
        if is_generator and not params:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    warnings.warn("`nn.utils.clip_grad_norm` is now deprecated in favor of `nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamps every gradient into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _tensors(parameters):
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)
