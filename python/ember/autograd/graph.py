"""The nodes of the autograd graph.

A tensor that requires grad carries an *edge* in its `_node` slot: a pair (node, output_nr)
naming the node that receives its gradient. For a result of an op that node is the op's
backward node (the tensor's `grad_fn`); for a leaf it is an `AccumulateGrad` that adds the
gradient into the leaf's `.grad`. A tensor with `_node is None` is a constant, which is what
makes the no-grad path cheap: one attribute test per operand.

A node is also the `ctx` its backward reads (as PyTorch's Python functions are): what the
forward saved, `needs_input_grad`, and any attribute a rule sets on it. Nodes point only at
their inputs' nodes, never at their outputs, so dropping an op's result frees its graph.
Saved outputs are kept as native tensors for the same reason, and re-linked to the node when
they are unpacked.
"""
import weakref

from .. import _C


_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")


class RemovableHandle:
    """What register_hook returns: `handle.remove()` takes the hook out again."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        try:
            self._hooks.remove(self._hook)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Node(_C._autograd.NodeBase):
    """A backward node: `backward(node, *grads)` returns one gradient per input edge (None
    where an input needs none). Built by the op recorder (autograd/recording.py) and by
    `Function.apply`. Its data (`_name`, `_backward`, `next_edges`, `needs_input_grad`,
    `_input_meta`, `_saved`, `_outputs`) lives in the native NodeBase, which recording fills
    without running Python (python/src/autograd_record.cpp); `Node(name, backward)` sets the
    first two and leaves the rest empty."""

    __slots__ = ("__weakref__", "__dict__")

    # Set on few nodes (multi-output ops, hooks): class defaults until then.
    _output_meta = None
    _tensor_hooks = None
    _hooks = None
    _pre_hooks = None

    # ---- the PyTorch-facing surface -----------------------------------------------------------
    def name(self):
        return self._name

    def __repr__(self):
        return f"<{self._name} object at {id(self):#x}>"

    @property
    def next_functions(self):
        return tuple((None, 0) if e is None else e for e in self.next_edges)

    def register_hook(self, hook):
        """hook(grad_inputs, grad_outputs) after the node ran; may return new grad_inputs."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return RemovableHandle(self._hooks, hook)

    def register_prehook(self, hook):
        """hook(grad_outputs) before the node runs; may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(hook)
        return RemovableHandle(self._pre_hooks, hook)

    # ---- saved tensors ----------------------------------------------------------------------------
    # save_for_backward(*values), the saved_tensors property and _release() are NodeBase's
    # (native: they run for nearly every recorded op and every backward step).
    saved_variables = _C._autograd.NodeBase.saved_tensors

    # `ctx.mark_non_differentiable` / `set_materialize_grads` are Function's (function.py).


def _stale_saved_error(node, value, version):
    """Raises the error of a saved tensor changed in place since it was saved."""
    output = type(value) is _SavedOutput
    impl = value.impl if output else value._impl
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [ember.{impl.dtype.name} {list(impl.shape)}], which is "
        f"{'output ' + str(value.nr) + ' of ' + node._name if output else 'an input of ' + node._name}, "
        f"is at version {impl._version}; expected version {version} instead.")


class _SavedOutput:
    """An output saved by its own node: its data and number, not the tensor (which points back
    at the node)."""

    __slots__ = ("impl", "nr")

    def __init__(self, impl, nr):
        self.impl, self.nr = impl, nr


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: adds the incoming gradient into `leaf.grad`."""

    __slots__ = ("_leaf",)

    # hook(leaf) for each, after a gradient is added into leaf.grad
    # (Tensor.register_post_accumulate_grad_hook).
    _post_accumulate_hooks = None

    def __init__(self, leaf):
        super().__init__("AccumulateGrad", None)
        self._leaf = weakref.ref(leaf)

    @property
    def variable(self):
        return self._leaf()


def accumulate_grad_node(leaf):
    """The AccumulateGrad edge of a leaf tensor (made on requires_grad_())."""
    return (AccumulateGrad(leaf), 0)


def edge_of(t):
    return t._node if isinstance(t, _Tensor) else None


def tensor_hooks(edge, create=False):
    """The hooks registered on the tensor whose gradient arrives at `edge`."""
    node, nr = edge
    hooks = node._tensor_hooks
    if hooks is None:
        if not create:
            return None
        hooks = node._tensor_hooks = {}
    lst = hooks.get(nr)
    if lst is None and create:
        lst = hooks[nr] = []
    return lst


from .._tensor import Tensor as _Tensor, _wrap  # noqa: E402

_C._autograd.setup_saved(_SavedOutput, _wrap, _stale_saved_error, _FREED)

