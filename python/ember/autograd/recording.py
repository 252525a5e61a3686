"""Recording ops into the graph.

Each differentiable op has a *rule*, registered by name in one of the family files of
autograd/rules/: a `setup(ctx, result, *args, **kwargs)` that runs after the forward with the
op's own arguments, saves what backward needs (`ctx.save_for_backward`, attributes on ctx) and
returns the op's differentiable inputs in order; and a `backward(ctx, *grads)` that returns one
gradient per input so named, written in ember ops so that it can itself be differentiated.

Every op reaches `handle` through the op layer (ember/_op_layer.py) when an operand requires
grad; it records a node of the op's rule when grad mode is on. In-place ops are recorded
through their out-of-place forms (`record_inplace`), which also handles in-place writes into
views.
"""
import functools

from .. import _C
from .._tensor import Tensor, _wrap
from . import grad_mode
from .graph import AccumulateGrad, Node

_state = grad_mode._state
RULES = {}


def _category(dtype):
    """0 bool, 1 integer, 2 floating, 3 complex: an in-place result may not move up."""
    return 3 if dtype.is_complex else 2 if dtype.is_floating_point else 0 if dtype.name == "bool" else 1


def _conj(x):
    return x.conj() if isinstance(x, Tensor) and x._impl.dtype.is_complex else x


def holomorphic(backward):
    """The backward of an op holomorphic in its inputs, from its formula for real numbers:
    with complex gradients it returns conj(backward(ctx, conj(grad))). A formula linear in grad,
    grad * f'(z) or a contraction of grad with the other operands, thus becomes grad * conj(f'(z))
    or the contraction with their conjugates: PyTorch's convention. Real gradients pass as they
    are."""
    @functools.wraps(backward)
    def rule(ctx, *grads):
        if not any(isinstance(g, Tensor) and g._impl.dtype.is_complex for g in grads):
            return backward(ctx, *grads)
        out = backward(ctx, *(_conj(g) for g in grads))
        return tuple(_conj(o) for o in out) if isinstance(out, tuple) else _conj(out)
    return rule


def register(names, setup, backward):
    """Registers the rule of the ops `names` (a name or a tuple of names: aliases, method forms
    spelled `Tensor.name` where they take other arguments than the function)."""
    if isinstance(names, str):
        names = (names,)
    for name in names:
        if name in RULES:
            raise ValueError(f"autograd rule {name!r} registered twice")
        RULES[name] = (setup, backward)


def requires_grad_in(args, kwargs):
    """Whether any tensor among the arguments (or in a list/tuple argument) requires grad."""
    for a in args:
        if isinstance(a, Tensor):
            if a._node is not None:
                return True
        elif type(a) is list or type(a) is tuple:
            for t in a:
                if isinstance(t, Tensor) and t._node is not None:
                    return True
    if kwargs:
        return requires_grad_in(tuple(kwargs.values()), None)
    return False


# Operators are named after their ops, as PyTorch names their nodes (`1 - x`: RsubBackward0).
_OPERATOR_NODES = {"radd": "add", "rmul": "mul", "truediv": "div", "rtruediv": "div", "mod": "remainder",
                   "rmod": "remainder", "floordiv": "floor_divide", "rfloordiv": "floor_divide",
                   "rpow": "pow", "rmatmul": "matmul", "getitem": "index", "setitem": "index_put"}


def _node_name(name):
    base = name.rsplit(".", 1)[-1].strip("_")
    base = _OPERATOR_NODES.get(base, base)
    return "".join(part[:1].upper() + part[1:] for part in base.split("_")) + "Backward0"


class ViewEdge(tuple):
    """The edge of a view in the graph, with the version of the storage when it was made: once
    an in-place op changes the base (or another view of it), the view's gradient must flow
    to the base's new value, so a stale edge is remade from the base (`current_edge`)."""

    def __new__(cls, edge, view):
        self = tuple.__new__(cls, edge)
        self.version = view._impl._version
        return self


def current_edge(t):
    """t's edge, remade if t is a view whose storage changed in place since it was made."""
    edge = t._node
    if type(edge) is ViewEdge and edge.version != t._impl._version:
        base = getattr(t, "_view_base", None)
        if base is None:  # a copy that inherited a view's edge: its own storage never changed
            return edge
        edge = t._node = _view_of_base_edge(t, base) if base._node is not None else None
    return edge


_C._autograd.setup(Node, ViewEdge, current_edge, _state)

# link(node, inputs, result): connects `node` to the inputs that require grad (its
# next_edges, needs_input_grad, and the (shape, dtype) of each, by which backward fits their
# gradients) and makes each floating output's edge (node, i). Returns `result`.
#
# record(name, node_name, fn, setup, backward, args, kwargs): outside grad mode just calls
# fn; else runs fn with grad mode off, makes a node of the rule, calls
# `setup(node, result, *args, **kwargs)` (which saves what backward needs; the outputs are on
# node._outputs meanwhile) and links the inputs it returns. Outputs that are views get a
# ViewEdge.
#
# Both run once per recorded op, so they are native (python/src/autograd_record.cpp).
link = _C._autograd.link
record = _C._autograd.record


def handle(od, args, kwargs, proceed):
    """Grad recording, the last handler of the op layer's chain (ember/_op_layer.py): records
    a node of the op's rule when grad mode is on and an operand requires grad, else calls
    the rest of the chain (the op)."""
    if not _state.grad_enabled or not requires_grad_in(args, kwargs):
        return proceed(*args, **kwargs)
    plan = od.grad_plan
    if plan is None:
        plan = od.grad_plan = _plan(od)
    if type(plan) is tuple:
        return record(od.name, plan[0], proceed, plan[1], plan[2], args, kwargs)
    return plan(args, kwargs, proceed)


def handle_known(od, args, kwargs):
    """`handle` for a call the op's wrapper has seen an operand requiring grad in, with no mode
    active. The first such call also leaves `od.record`, the same recording bound to the op
    as one callable (args, kwargs), which the wrappers call directly from then on: the hot
    path of recording has no frame between the op's wrapper and `record`."""
    plan = od.grad_plan
    if plan is None:
        plan = od.grad_plan = _plan(od)
    if type(plan) is tuple:
        od.record = functools.partial(record, od.name, plan[0], od.fn, plan[1], plan[2])
    else:
        od.record = functools.partial(_run_plan, plan, od.fn)
    return od.record(args, kwargs)


def _run_plan(plan, fn, args, kwargs):
    if not _state.grad_enabled:
        return fn(*args, **kwargs)
    return plan(args, kwargs, fn)


def _plan(od):
    """How `od` is recorded: (node name, setup, backward) for an op recorded by its rule, else a
    function (args, kwargs, proceed) -> result: through its out-of-place form (in-place ops),
    with an inplace= flag, or not at all (composites, whose parts record, and
    non-differentiable ops)."""
    name = od.name
    functional = od.functional
    if functional is not None:
        if functional.lookup(RULES) is None:
            return _not_recorded
        functional = functional.wrapper

        def inplace(args, kwargs, proceed):
            return record_inplace(name, args[0], functional, args[1:], kwargs)
        return inplace
    rule = od.lookup(RULES)
    if rule is None:
        return _not_recorded
    setup, backward = rule
    node_name = _node_name(name if name in RULES else name[7:])
    position = _inplace_flag_position(od.fn)
    if position is not None:
        def with_flag(args, kwargs, proceed):
            return _record_with_inplace_flag(name, node_name, setup, backward, position, proceed, args, kwargs)
        return with_flag
    return (node_name, setup, backward)


def _not_recorded(args, kwargs, proceed):
    return proceed(*args, **kwargs)


def _inplace_flag_position(fn):
    """The position of fn's `inplace` parameter (F.relu(input, inplace=False)), or None."""
    import inspect
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    for i, p in enumerate(params):
        if p.name == "inplace":
            return i
    return None


def _record_with_inplace_flag(name, node_name, setup, backward, position, proceed, args, kwargs):
    """An op with an `inplace=` flag: recorded out of place; with inplace=True, through
    record_inplace like any in-place op (the leaf check comes before the input is written,
    and writes into views reach their base)."""
    kwargs = dict(kwargs)
    inplace = kwargs.pop("inplace", args[position] if len(args) > position else False)
    if len(args) > position:
        args = args[:position] + args[position + 1:]
    if not inplace:
        return record(name, node_name, proceed, setup, backward, args, kwargs)

    def out_of_place(input, *args, **kwargs):
        return record(name, node_name, proceed, setup, backward, (input,) + args, kwargs)

    return record_inplace(name, args[0], out_of_place, args[1:], kwargs)


# ---- in-place ops and views ---------------------------------------------------------------------

def check_inplace(name, t):
    """In-place writes into a leaf that requires grad (or a view of one) are refused outside
    no_grad: the gradient would belong to a value that no longer exists."""
    edge = t._node
    if edge is not None and type(edge[0]) is AccumulateGrad:
        raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    base = view_base(t)
    if base is not None and base._node is not None and type(base._node[0]) is AccumulateGrad:
        raise RuntimeError(f"{name}: a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def view_base(t):
    return getattr(t, "_view_base", None)


def record_inplace(name, self, functional, args, kwargs):
    """`self.op_(...)` with autograd: `functional(copy of self, ...)` records the op out of
    place, its value is written into self, and self takes the result's place in the graph. For
    a view, its base takes a node that routes the written region's gradient to the new value
    and the rest to the base's old value."""
    check_inplace(name, self)
    old = _wrap(self._impl.clone())
    edge = current_edge(self)
    old._node = None if edge is None else (edge[0], edge[1])
    y = functional(old, *args, **kwargs)
    impl = self._impl
    if y._impl.shape != impl.shape:
        raise RuntimeError(f"{name}: output with shape {list(impl.shape)} doesn't match the broadcast "
                           f"shape {list(y._impl.shape)}")
    if y._impl.dtype != impl.dtype:
        if _category(impl.dtype) < _category(y._impl.dtype):
            raise TypeError(f"{name}: result type {y._impl.dtype.name} can't be cast to the desired "
                            f"output type {impl.dtype.name}")
        y = y.to(impl.dtype)
    impl.copy_(y._impl)
    base = view_base(self)
    if base is None:
        self._node = y._node
        return self
    _rebase_view(self, base, y._node)
    return self


def _rebase_view(view, base, value_edge):
    """After an in-place write of a value with edge `value_edge` into `view`: the base's
    gradient splits between its old value (outside the view) and the value (inside)."""
    node = Node("CopySlices", _copy_slices_backward)
    node.geometry = _geometry(view, base)
    node.base_shape = base._impl.shape
    node.next_edges = (base._node, value_edge)
    node._input_meta = [None if edge is None else (t._impl.shape, t._impl.dtype)
                        for edge, t in ((base._node, base), (value_edge, view))]
    node.needs_input_grad = (base._node is not None, value_edge is not None)
    if True in node.needs_input_grad:
        base._node = (node, 0)
    view._node = _view_of_base_edge(view, base) if base._node is not None else None


def _view_of_base_edge(view, base):
    """An edge making `view` a view of `base`'s current value in the graph."""
    node = Node("AsStridedBackward0", _view_of_base_backward)
    node.geometry = _geometry(view, base)
    node.base_shape = base._impl.shape
    node.next_edges = (base._node,)
    node._input_meta = [(base._impl.shape, base._impl.dtype)]
    node.needs_input_grad = (True,)
    return ViewEdge((node, 0), view)


def _geometry(view, base):
    """The view's shape, strides and offset, relative to its base's first element."""
    v = view._impl
    return (v.shape, v.stride(), v.storage_offset() - base._impl.storage_offset(), base._impl.stride())


def _positions(shape, strides, offset):
    """int64 tensor of the storage positions (from the base's first element) of a geometry."""
    from .. import arange, zeros
    pos = zeros(list(shape), dtype=_C.dtype.int64) + offset
    for d, (size, stride) in enumerate(zip(shape, strides)):
        view = [1] * len(shape)
        view[d] = size
        pos = pos + (arange(size, dtype=_C.dtype.int64) * stride).reshape(view)
    return pos


def _copy_slices_backward(ctx, grad):
    shape, strides, offset, base_strides = ctx.geometry
    inside = _positions(shape, strides, offset).reshape(-1)
    base_pos = _positions(ctx.base_shape, base_strides, 0).reshape(-1)
    # grad in storage order: position p of the base's storage holds grad at base_pos == p
    flat_grad = _to_storage(grad, base_pos, base_pos)
    grad_value = flat_grad[inside].reshape(list(shape)) if ctx.needs_input_grad[1] else None
    grad_base = None
    if ctx.needs_input_grad[0]:
        from .. import ones
        keep = ones(flat_grad.shape, dtype=grad.dtype)
        keep[inside] = 0
        grad_base = (flat_grad * keep)[base_pos].reshape(list(ctx.base_shape))
    return grad_base, grad_value


def _view_of_base_backward(ctx, grad):
    shape, strides, offset, base_strides = ctx.geometry
    base_pos = _positions(ctx.base_shape, base_strides, 0).reshape(-1)
    inside = _positions(shape, strides, offset).reshape(-1)
    return _to_storage(grad, inside, base_pos)[base_pos].reshape(list(ctx.base_shape))


def _to_storage(values, positions, base_pos):
    """A 1-D tensor over the base's storage whose element p sums `values` at `positions == p`
    (long enough for the base's positions too)."""
    from .. import zeros
    size = max([int(p.max().item()) + 1 for p in (positions, base_pos) if p.numel()] or [0])
    return zeros(size, dtype=values.dtype).index_add(0, positions, values.reshape(-1))


def has_rule(fn):
    """Whether grad recording records the op `fn` by a backward rule (an in-place op: by its
    out-of-place form's). False for composites, non-differentiable ops and plain functions."""
    od = getattr(fn, "__ember_op__", None)
    if od is None:
        return False
    functional = od.functional
    return (functional if functional is not None else od).lookup(RULES) is not None
