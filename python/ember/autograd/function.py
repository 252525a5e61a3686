"""ember.autograd.Function: user-defined differentiable ops, as torch.autograd.Function.

    class Exp(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            y, = ctx.saved_tensors
            return grad * y

    y = Exp.apply(x)

`forward` runs with grad mode off; `backward` returns one gradient per argument of forward
(None for the ones that are not tensors or need none). The ctx is the graph node itself, so
`y.grad_fn.saved_tensors` reads what forward saved. A `setup_context(ctx, inputs, output)`
static method, when defined, takes over the saving from forward (PyTorch's newer style).
"""
from .._tensor import Tensor
from . import grad_mode
from .recording import link, requires_grad_in
from .graph import Node

_state = grad_mode._state


class FunctionCtx(Node):
    """The ctx of a Function: a graph node with PyTorch's ctx methods."""

    __slots__ = ("_non_differentiable", "_materialize", "_dirty")

    def __init__(self, name, backward):
        super().__init__(name, backward)
        self._non_differentiable = ()
        self._materialize = True
        self._dirty = ()

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tuple(tensors)

    def mark_dirty(self, *tensors):
        self._dirty = tuple(tensors)

    def set_materialize_grads(self, value):
        self._materialize = bool(value)


def _function_backward(cls):
    def backward(ctx, *grads):
        result = cls.backward(ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(ctx.next_edges)
        if len(result) > n and all(g is None for g in result[n:]):
            result = result[:n]
        return result
    return backward


class _FunctionMeta(type):
    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        cls._backward_fn = _function_backward(cls)


class Function(metaclass=_FunctionMeta):
    """Base class of user-defined ops: subclass with static `forward(ctx, *args)` and
    `backward(ctx, *grads)`, call with `apply`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads) to be differentiated")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        recording = _state.grad_enabled and requires_grad_in(args, kwargs)
        ctx = FunctionCtx(cls.__name__ + "Backward", cls._backward_fn)
        setup_context = cls.__dict__.get("setup_context")
        _state.grad_enabled, previous = False, _state.grad_enabled
        try:
            if setup_context is not None:
                output = cls.forward(*args, **kwargs)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            _state.grad_enabled = previous
        if not recording:
            return output
        outputs = output if isinstance(output, tuple) else (output,)
        ctx._outputs = outputs
        if setup_context is not None:
            setup_context.__func__(ctx, args, output) if isinstance(setup_context, staticmethod) \
                else setup_context(ctx, args, output)
        ctx._outputs = ()
        # Outputs that alias an input get their own tensor object, so the input keeps its node.
        fresh = []
        for o in outputs:
            if isinstance(o, Tensor) and any(o is a for a in args):
                o = o.view_as(o)
            fresh.append(o)
        outputs = tuple(fresh)
        differentiable = [o for o in outputs
                          if isinstance(o, Tensor) and not any(o is n for n in ctx._non_differentiable)]
        link(ctx, args, tuple(differentiable) if len(outputs) > 1 else outputs[0])
        if len(outputs) > 1:
            # The node's outputs are numbered by position in forward's result.
            meta = []
            for i, o in enumerate(outputs):
                if isinstance(o, Tensor):
                    impl = o._impl
                    meta.append((impl.shape, impl.dtype, impl.device))
                    if o._node is not None and o._node[0] is ctx:
                        o._node = (ctx, i)
                else:
                    meta.append(None)
            ctx._output_meta = meta
        for o in ctx._non_differentiable:
            if isinstance(o, Tensor) and o._node is not None and o._node[0] is ctx:
                o._node = None
        return outputs if isinstance(output, tuple) else outputs[0]


class once_differentiable:
    """Decorator kept for PyTorch compatibility: ember's backward runs in ember ops, so it is
    differentiable anyway."""

    def __new__(cls, fn):
        return fn
