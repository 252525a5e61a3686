"""Module backward hooks (register_full_backward_hook / register_full_backward_pre_hook).

The module's tensor inputs and outputs pass through identity nodes while it runs: the output
node sees grad_output first (pre-hooks may replace it), the input node then sees grad_input,
and the full hooks run there as hook(module, grad_input, grad_output), their result replacing
grad_input. When no input requires grad, the full hooks run at the output node with
grad_input all None, as in PyTorch.
"""
from ..._tensor import Tensor
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled


class _Identity(Function):
    @staticmethod
    def forward(ctx, *tensors):
        return tensors if len(tensors) > 1 else tensors[0]

    @staticmethod
    def backward(ctx, *grads):
        return grads if len(grads) > 1 else grads[0]


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def call_with_backward_hooks(module, forward, args, kwargs):
    """forward(*args, **kwargs) with the module's backward hooks attached to its graph."""
    if not is_grad_enabled():
        return forward(*args, **kwargs)
    state = {"grad_output": None}
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if positions:
        wrapped = _as_tuple(_Identity.apply(*(args[i] for i in positions)))
        args = list(args)
        for i, t in zip(positions, wrapped):
            args[i] = t
        args = tuple(args)

        def on_grad_input(grad_input, grad_output_of_identity):
            grad_input = tuple(grad_input)
            for hook in tuple(module._backward_hooks.values()):
                result = hook(module, grad_input, state["grad_output"])
                if result is not None:
                    grad_input = _as_tuple(result)
            return grad_input

        wrapped[0].grad_fn.register_hook(on_grad_input)
    output = forward(*args, **kwargs)
    outputs = _as_tuple(output)
    out_positions = [i for i, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad]
    if not out_positions:
        return output
    wrapped_out = _as_tuple(_Identity.apply(*(outputs[i] for i in out_positions)))

    def on_grad_output(grad_output):
        grad_output = tuple(grad_output)
        for hook in tuple(module._backward_pre_hooks.values()):
            result = hook(module, grad_output)
            if result is not None:
                grad_output = _as_tuple(result)
        state["grad_output"] = grad_output
        if not positions:
            for hook in tuple(module._backward_hooks.values()):
                hook(module, (None,) * len(args), grad_output)
        return grad_output

    wrapped_out[0].grad_fn.register_prehook(on_grad_output)
    outputs = list(outputs)
    for i, t in zip(out_positions, wrapped_out):
        outputs[i] = t
    return tuple(outputs) if isinstance(output, tuple) else outputs[0]
