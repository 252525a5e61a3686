"""The backward engine: walks the graph from the outputs to the leaves.

The nodes reachable from the roots are put in topological order by an iterative depth-first
search (a chain of 100,000 ops must not meet Python's recursion limit). Each node then runs
once, after every node that feeds it a gradient, with the sum of what it received. Gradients
are fitted to each input (summed over broadcast dims, cast to its dtype) by one helper,
`sum_to_shape`, so backward rules may return them at the broadcast shape.
"""
import threading

from .. import _C
from .._tensor import Tensor, _wrap
from . import anomaly_mode, grad_mode
from .graph import AccumulateGrad

fits = _C._autograd.fits


def sum_to_shape(grad, shape):
    """`grad` summed over the dims that broadcasting added or stretched, so it has `shape`."""
    gshape = grad._impl.shape
    if list(gshape) == list(shape):
        return grad
    lead = len(gshape) - len(shape)
    dims = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and gshape[lead + i] != 1:
            dims.append(lead + i)
    if dims:
        grad = grad.sum(dim=dims, keepdim=True)
    if lead:
        grad = grad.reshape(list(shape))
    elif list(grad._impl.shape) != list(shape):
        grad = grad.reshape(list(shape))
    return grad


def _fit(grad, meta, node, index):
    """A rule's gradient for one input, made to match that input's shape and dtype."""
    shape, dtype = meta
    if type(grad) is not Tensor and grad.is_sparse:  # a sparse COO gradient keeps its layout
        return _fit_sparse(grad, shape, dtype, node, index)
    gshape = grad._impl.shape
    if gshape != shape:
        try:
            grad = sum_to_shape(grad, shape)
        except Exception:
            raise RuntimeError(
                f"Function {node._name} returned an invalid gradient at index {index} - got "
                f"{list(gshape)} but expected shape compatible with {list(shape)}") from None
    if grad._impl.dtype != dtype:
        grad = grad.to(dtype)
    return grad


def _fit_sparse(grad, shape, dtype, node, index):
    if list(grad.shape) != list(shape):
        raise RuntimeError(f"Function {node._name} returned an invalid gradient at index {index} - got "
                           f"{list(grad.shape)} but expected shape compatible with {list(shape)}")
    return grad if grad.dtype == dtype else grad.to(dtype)


# Every node reachable from `roots`, each before the nodes it feeds: an iterative depth-first
# search (a chain of 100,000 ops must not meet a recursion limit), native as it visits every node.
_topological_order = _C._autograd.topological_order


def _output_count(node):
    meta = node._output_meta
    return 1 if meta is None else len(meta)


def _materialize(node, grads):
    """Zeros for the outputs of a multi-output node that received no gradient."""
    if not getattr(node, "_materialize", True):
        return
    for nr, g in enumerate(grads):
        meta = node._output_meta[nr]
        if g is None and meta is not None:
            shape, dtype, device = meta
            grads[nr] = _wrap(_C.zeros(list(shape), dtype, device))


def _accumulate(node, grad, create_graph):
    leaf = node._leaf()
    if leaf is None:
        return
    old = leaf._grad_value if hasattr(leaf, "_grad_value") else None
    if grad.is_sparse or (old is not None and old.is_sparse):  # sparse COO: kept sparse, summed by +
        leaf._grad_value = grad.detach() if old is None else old + (grad if create_graph else grad.detach())
    elif old is None:
        # A fresh, contiguous tensor of the leaf's own: what backward handed over may be shared
        # (one gradient sent to two inputs, a stride-0 expansion, the caller's `gradient`).
        impl = grad._impl
        leaf._grad_value = grad.clone() if create_graph else _wrap(
            impl.clone() if impl.is_contiguous() else impl.contiguous())
    elif create_graph or old._node is not None:
        leaf._grad_value = old + grad
    else:
        _C.add_(old._impl, grad._impl, 1)
    hooks = node._post_accumulate_hooks
    if hooks:
        for hook in tuple(hooks):
            hook(leaf)


# Callbacks queued during a backward pass (queue_callback) run once it ends, in order: data-
# parallel training waits there for its last gradient reductions. Per thread, as backward is.
class _BackwardState(threading.local):
    depth = 0

    def __init__(self):
        self.callbacks = []


_backward_state = _BackwardState()


def queue_callback(callback):
    """Runs `callback()` when the backward pass now running ends (PyTorch's
    `Variable._execution_engine.queue_callback`)."""
    if _backward_state.depth == 0:
        raise RuntimeError("queue_callback: no backward pass is running; callbacks can be queued only "
                           "from hooks that run during backward")
    _backward_state.callbacks.append(callback)


def run_backward(roots, root_grads, retain_graph, create_graph, inputs=None, accumulate=True,
                 allow_unused=False):
    state = _backward_state
    state.depth += 1
    try:
        results = _run_backward(roots, root_grads, retain_graph, create_graph, inputs, accumulate,
                                allow_unused)
        if state.depth == 1:
            while state.callbacks:
                state.callbacks.pop(0)()
        return results
    finally:
        state.depth -= 1
        if state.depth == 0:
            state.callbacks.clear()


def _run_backward(roots, root_grads, retain_graph, create_graph, inputs, accumulate, allow_unused):
    """Propagates `root_grads` from the edges `roots`.

    accumulate: add into leaves' `.grad` (Tensor.backward) or not (autograd.grad).
    inputs: edges whose gradients to return; with `accumulate` false only the nodes on a path
    to them run.
    """
    root_nodes = [edge[0] for edge in roots]
    order = _topological_order(root_nodes)
    buffers = {}
    for (node, nr), g in zip(roots, root_grads):
        buf = buffers.get(id(node))
        if buf is None:
            buf = buffers[id(node)] = [None] * _output_count(node)
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    captures = None
    needed = None
    if inputs is not None:
        captures = {}
        for i, (node, nr) in enumerate(inputs):
            captures.setdefault(id(node), []).append((nr, i))
        if not accumulate:
            # Only the nodes with a path to an input need to run.
            needed = set()
            for node in reversed(order):
                if id(node) in captures or any(e is not None and id(e[0]) in needed
                                               for e in node.next_edges):
                    needed.add(id(node))
    results = [None] * (len(inputs) if inputs is not None else 0)

    previous = grad_mode._state.grad_enabled
    grad_mode._state.grad_enabled = bool(create_graph)
    try:
        for node in order:
            grads = buffers.pop(id(node), None)
            if grads is None:
                continue
            if needed is not None and id(node) not in needed:
                continue
            if node._output_meta is not None:
                _materialize(node, grads)
            hooks = node._tensor_hooks
            if hooks:
                for nr, lst in hooks.items():
                    g = grads[nr]
                    if g is None:
                        continue
                    for hook in tuple(lst):
                        new = hook(g)
                        if new is not None:
                            g = new
                    grads[nr] = g
            if node._pre_hooks:
                for hook in tuple(node._pre_hooks):
                    new = hook(tuple(grads))
                    if new is not None:
                        grads = list(new)
            if captures is not None:
                for nr, i in captures.get(id(node), ()):
                    results[i] = grads[nr]
            if type(node) is AccumulateGrad:
                if accumulate:
                    _accumulate(node, grads[0], create_graph)
                continue
            if captures is not None and not accumulate and id(node) in captures and not any(
                    e is not None and id(e[0]) in needed for e in node.next_edges):
                continue  # an input's own node, with nothing needed past it
            out = node._backward(node, *grads)
            if type(out) is not tuple:
                out = (out,) if not isinstance(out, list) else tuple(out)
            edges = node.next_edges
            if len(out) != len(edges):
                raise RuntimeError(f"function {node._name} returned an incorrect number of gradients "
                                   f"(expected {len(edges)}, got {len(out)})")
            if anomaly_mode._enabled and anomaly_mode._check_nan:
                anomaly_mode.check_gradients(node, out)
            if node._hooks:
                for hook in tuple(node._hooks):
                    new = hook(out, tuple(grads))
                    if new is not None:
                        out = tuple(new)
            if not retain_graph:
                node._saved = None  # what it saved is freed
            metas = node._input_meta
            for i, (edge, g) in enumerate(zip(edges, out)):
                if edge is None or g is None:
                    continue
                if not isinstance(g, Tensor):
                    raise TypeError(f"function {node._name} returned a {type(g).__name__} as gradient "
                                    f"{i}; expected a Tensor or None")
                meta = metas[i]
                if not fits(g, meta):  # another shape (broadcast) or dtype than the input's
                    g = _fit(g, meta, node, i)
                child, nr = edge
                if needed is not None and id(child) not in needed:
                    continue
                buf = buffers.get(id(child))
                if buf is None:
                    count = child._output_meta
                    buf = buffers[id(child)] = [None] * (1 if count is None else len(count))
                old = buf[nr]
                buf[nr] = g if old is None else old + g
    finally:
        grad_mode._state.grad_enabled = previous

    if inputs is not None and not allow_unused:
        for r in results:
            if r is None:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used "
                                   "in the graph. Set allow_unused=True if this is the desired behavior.")
    return results
