"""ember.autograd.backward and ember.autograd.grad: the entry points into the engine."""
from .. import _C
from .._tensor import Tensor, _wrap
from .recording import current_edge
from .engine import run_backward


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _root_grads(outputs, grad_outputs, caller):
    grad_outputs = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{caller}: got {len(grad_outputs)} gradients for {len(outputs)} outputs")
    roots, grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"{caller}: outputs must be Tensors, got {type(out).__name__}")
        if out._node is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._impl.numel() != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs, got an output "
                                   f"of shape {list(out._impl.shape)}")
            g = _wrap(_C.ones(list(out._impl.shape), out._impl.dtype, out._impl.device))
        elif not isinstance(g, Tensor):
            raise TypeError(f"{caller}: gradients must be Tensors or None, got {type(g).__name__}")
        elif g._impl.shape != out._impl.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {list(g._impl.shape)} "
                               f"and output[{i}] has a shape of {list(out._impl.shape)}.")
        roots.append(current_edge(out))
        grads.append(g)
    return roots, grads


def _input_edges(inputs, caller):
    edges = []
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"{caller}: inputs must be Tensors, got {type(t).__name__}")
        if t._node is None:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        edges.append(current_edge(t))
    return edges


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Adds the gradients of `tensors` (weighted by `grad_tensors`) into the `.grad` of the
    leaves of the graph, or of `inputs` only when given."""
    tensors = _as_tuple(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    roots, grads = _root_grads(tensors, grad_tensors, "backward")
    if inputs is None:
        run_backward(roots, grads, retain_graph, create_graph)
        return
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty.")
    results = run_backward(roots, grads, retain_graph, create_graph, inputs=_input_edges(inputs, "backward"),
                           accumulate=False, allow_unused=True)
    for t, g in zip(inputs, results):
        if g is None:
            continue
        old = getattr(t, "_grad_value", None)
        if old is None:
            t._grad_value = g if create_graph else g.detach().clone()
        else:
            t._grad_value = old + g if create_graph else old + g.detach()


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned rather than accumulated."""
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched is not supported")
    outputs = _as_tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    roots, grads = _root_grads(outputs, grad_outputs, "grad")
    results = run_backward(roots, grads, retain_graph, create_graph, inputs=_input_edges(inputs, "grad"),
                           accumulate=False, allow_unused=allow_unused)
    if materialize_grads:
        from .. import zeros_like
        results = [zeros_like(t) if g is None else g for t, g in zip(inputs, results)]
    return tuple(results)
