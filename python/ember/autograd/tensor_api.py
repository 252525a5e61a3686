"""The autograd methods of Tensor (requires_grad_, .grad, retain_grad, register_hook)."""
import weakref

from .recording import current_edge
from .graph import RemovableHandle, accumulate_grad_node, tensor_hooks


def requires_grad_(t, requires_grad=True):
    node = t._node
    if requires_grad:
        if node is None:
            if not (t._impl.dtype.is_floating_point or t._impl.dtype.is_complex):
                raise RuntimeError(f"requires_grad_: only Tensors of floating point and complex dtype can require "
                                   f"gradients, got a tensor of dtype ember.{t._impl.dtype.name}")
            t._node = accumulate_grad_node(t)
        return t
    if node is not None and node[0]._backward is not None:
        raise RuntimeError("requires_grad_: you can only change requires_grad flags of leaf variables. "
                           "If you want to use a computed variable in a subgraph that doesn't require "
                           "differentiation use var_no_grad = var.detach().")
    t._node = None
    return t


def set_grad(t, value):
    if value is not None:
        from .._tensor import Tensor
        if not isinstance(value, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got {type(value).__name__}")
        if value._impl.shape != t._impl.shape:
            raise RuntimeError(f"assigned grad has data of a different size: {list(value._impl.shape)} "
                               f"against the tensor's {list(t._impl.shape)}")
        if value._impl.dtype != t._impl.dtype:
            raise RuntimeError(f"assigned grad has data of a different type: ember.{value._impl.dtype.name} "
                               f"against the tensor's ember.{t._impl.dtype.name}")
    t._grad_value = value


def retain_grad(t):
    """A non-leaf keeps its gradient in `.grad` after backward (a leaf does anyway)."""
    node = current_edge(t)
    if node is None:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if node[0]._backward is None or getattr(t, "_retains_grad", False):
        return
    ref = weakref.ref(t)

    def keep(grad):
        owner = ref()
        if owner is not None:
            old = getattr(owner, "_grad_value", None)
            owner._grad_value = grad.detach() if old is None else old + grad.detach()

    keep._retains_grad = True
    tensor_hooks(node, create=True).append(keep)
    t._retains_grad = True


def register_hook(t, hook):
    """hook(grad) runs when the gradient of `t` is computed; a returned tensor replaces it."""
    node = current_edge(t)
    if node is None:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    hooks = tensor_hooks(node, create=True)
    # Hooks run before retain_grad's, so .grad sees what they return (as in PyTorch).
    at = next((i for i, h in enumerate(hooks) if getattr(h, "_retains_grad", False)), len(hooks))
    hooks.insert(at, hook)
    return RemovableHandle(hooks, hook)


def register_post_accumulate_grad_hook(t, hook):
    """hook(t) runs after a backward pass has added a gradient into `t.grad` (leaves only)."""
    node = t._node
    if node is None or node[0]._backward is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors"
                           if node is not None else
                           "cannot register a hook on a tensor that doesn't require gradient")
    acc = node[0]
    if acc._post_accumulate_hooks is None:
        acc._post_accumulate_hooks = []
    acc._post_accumulate_hooks.append(hook)
    return RemovableHandle(acc._post_accumulate_hooks, hook)


def zero_grads(params, set_to_none=True):
    """What Module.zero_grad and Optimizer.zero_grad do: drop each gradient (set_to_none), or
    zero it in place after detaching it from any graph."""
    for p in params:
        g = getattr(p, "_grad_value", None)
        if g is None:
            continue
        if set_to_none:
            p._grad_value = None
            continue
        if g._node is not None:
            g = g.detach()
            p._grad_value = g
        g.zero_()
