"""Collectives whose results carry gradients back to every process's inputs
(torch.distributed.nn.functional): contrastive losses gather embeddings from all ranks and
need the gradient of the gathered copies to reach the rank that made them.

Each returns new tensors (the inputs are left as they are). The backward of a collective is
its transpose: all_gather's is a reduce-scatter of the gradients, broadcast's a sum to the
source, all_to_all's the all_to_all of the gradients back, all_reduce's (SUM) an all_reduce.
"""
from ...autograd.function import Function
from .. import distributed_c10d as c10d
from .._reduce_op import ReduceOp


def _group(group, what):
    return c10d._group(group, what)


class _AllGather(Function):
    @staticmethod
    def forward(ctx, group, tensor):
        ctx.group = group
        tensor = tensor.contiguous()
        outputs = [tensor.new_empty(tensor.shape) for _ in range(group.size())]
        group.all_gather_v(outputs, tensor, False, "all_gather")
        return tuple(outputs)

    @staticmethod
    def backward(ctx, *grads):
        group = ctx.group
        grads = [g.contiguous() for g in grads]
        out = grads[group.rank()].new_empty(grads[group.rank()].shape)
        group.reduce_scatter_v(out, grads, ReduceOp.SUM, False, "all_gather backward")
        return None, out


class _AllReduceSum(Function):
    @staticmethod
    def forward(ctx, group, tensor):
        ctx.group = group
        out = tensor.contiguous().clone()
        group.all_reduce(out, ReduceOp.SUM, False, "all_reduce")
        return out

    @staticmethod
    def backward(ctx, grad):
        out = grad.contiguous().clone()
        ctx.group.all_reduce(out, ReduceOp.SUM, False, "all_reduce backward")
        return None, out


class _Broadcast(Function):
    @staticmethod
    def forward(ctx, group, root, tensor):
        ctx.group, ctx.root = group, root
        out = tensor.contiguous().clone()
        group.broadcast(out, root, False, "broadcast")
        return out

    @staticmethod
    def backward(ctx, grad):
        out = grad.contiguous().clone()
        ctx.group.reduce(out, ctx.root, ReduceOp.SUM, False, "broadcast backward")
        if ctx.group.rank() != ctx.root:
            out.zero_()  # only the source's value reached the outputs
        return None, None, out


class _Reduce(Function):
    @staticmethod
    def forward(ctx, group, root, op, tensor):
        ctx.group, ctx.root = group, root
        out = tensor.contiguous().clone()
        group.reduce(out, root, op, False, "reduce")
        return out

    @staticmethod
    def backward(ctx, grad):
        out = grad.contiguous().clone()
        ctx.group.broadcast(out, ctx.root, False, "reduce backward")
        return None, None, None, out


class _ReduceScatter(Function):
    @staticmethod
    def forward(ctx, group, op, output, *inputs):
        ctx.group = group
        out = output.new_empty(output.shape)
        group.reduce_scatter_v(out, [i.contiguous() for i in inputs], op, False, "reduce_scatter")
        return out

    @staticmethod
    def backward(ctx, grad):
        group = ctx.group
        grads = [grad.new_empty(grad.shape) for _ in range(group.size())]
        group.all_gather_v(grads, grad.contiguous(), False, "reduce_scatter backward")
        return (None, None, None) + tuple(grads)


class _AllToAll(Function):
    @staticmethod
    def forward(ctx, group, shapes, *inputs):
        ctx.group = group
        ctx.input_shapes = [i.shape for i in inputs]
        outputs = [inputs[0].new_empty(s) for s in shapes]
        group.all_to_all_v(outputs, [i.contiguous() for i in inputs], False, "all_to_all")
        return tuple(outputs)

    @staticmethod
    def backward(ctx, *grads):
        outputs = [grads[0].new_empty(s) for s in ctx.input_shapes]
        ctx.group.all_to_all_v(outputs, [g.contiguous() for g in grads], False, "all_to_all backward")
        return (None, None) + tuple(outputs)


class _Gather(Function):
    @staticmethod
    def forward(ctx, group, root, tensor):
        ctx.group, ctx.root = group, root
        tensor = tensor.contiguous()
        outputs = [tensor.new_zeros(tensor.shape) for _ in range(group.size())]
        group.gather(tensor, outputs if group.rank() == root else None, root, False, "gather")
        return tuple(outputs)

    @staticmethod
    def backward(ctx, *grads):
        group = ctx.group
        out = grads[0].new_empty(grads[0].shape)
        group.scatter(out, [g.contiguous() for g in grads] if group.rank() == ctx.root else None, ctx.root, False,
                      "gather backward")
        return None, None, out


class _Scatter(Function):
    @staticmethod
    def forward(ctx, group, root, *tensors):
        ctx.group, ctx.root = group, root
        out = tensors[0].new_empty(tensors[0].shape)
        group.scatter(out, [t.contiguous() for t in tensors] if group.rank() == root else None, root, False,
                      "scatter")
        return out

    @staticmethod
    def backward(ctx, grad):
        group = ctx.group
        grads = [grad.new_zeros(grad.shape) for _ in range(group.size())]
        group.gather(grad.contiguous(), grads if group.rank() == ctx.root else None, ctx.root, False,
                     "scatter backward")
        return (None, None) + tuple(grads)


def all_gather(tensor, group=None):
    """Every rank's `tensor`, as a tuple in rank order; gradients flow back to each rank's own."""
    return _AllGather.apply(_group(group, "all_gather"), tensor)


def all_reduce(tensor, op=ReduceOp.SUM, group=None):
    """The reduction over every rank's `tensor`, as a new tensor. Only SUM is differentiable."""
    g = _group(group, "all_reduce")
    if ReduceOp.of(op, "all_reduce") is ReduceOp.SUM:
        return _AllReduceSum.apply(g, tensor)
    if tensor.requires_grad:
        raise RuntimeError(f"all_reduce: only ReduceOp.SUM is differentiable, got {op}")
    out = tensor.contiguous().clone()
    g.all_reduce(out, op, False, "all_reduce")
    return out


def broadcast(tensor, src, group=None):
    g = _group(group, "broadcast")
    return _Broadcast.apply(g, c10d._peer(g, src, None, "broadcast", "src"), tensor)


def reduce(tensor, dst, op=ReduceOp.SUM, group=None):
    g = _group(group, "reduce")
    if ReduceOp.of(op, "reduce") is not ReduceOp.SUM and tensor.requires_grad:
        raise RuntimeError(f"reduce: only ReduceOp.SUM is differentiable, got {op}")
    return _Reduce.apply(g, c10d._peer(g, dst, None, "reduce", "dst"), op, tensor)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None):
    """input_list[r] summed over ranks, for rank r (a new tensor shaped as `output`)."""
    g = _group(group, "reduce_scatter")
    if ReduceOp.of(op, "reduce_scatter") is not ReduceOp.SUM and any(t.requires_grad for t in input_list):
        raise RuntimeError(f"reduce_scatter: only ReduceOp.SUM is differentiable, got {op}")
    return _ReduceScatter.apply(g, op, output, *input_list)


def all_to_all(output_tensor_list, input_tensor_list, group=None):
    """Tensors shaped as output_tensor_list: [r] is rank r's input_tensor_list[this rank]."""
    g = _group(group, "all_to_all")
    return _AllToAll.apply(g, [o.shape for o in output_tensor_list], *input_tensor_list)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None):
    """all_to_all over slices of dim 0 (equal slices by default); returns a new tensor."""
    from ... import cat
    g = _group(group, "all_to_all_single")
    n = g.size()
    in_sizes = list(input_split_sizes) if input_split_sizes is not None else [input.shape[0] // n] * n
    out_sizes = list(output_split_sizes) if output_split_sizes is not None else [output.shape[0] // n] * n
    rest = list(output.shape[1:])
    parts = _AllToAll.apply(g, [[s] + rest for s in out_sizes], *input.split(in_sizes, 0))
    return cat(list(parts), 0)


def gather(tensor, dst=0, group=None):
    """On `dst`, every rank's tensor (a tuple); elsewhere zeros of the same shapes."""
    g = _group(group, "gather")
    return _Gather.apply(g, c10d._peer(g, dst, None, "gather", "dst"), tensor)


def scatter(tensors, src=0, group=None):
    """This rank's share of `src`'s `tensors` (every rank passes a list of the same shapes)."""
    g = _group(group, "scatter")
    return _Scatter.apply(g, c10d._peer(g, src, None, "scatter", "src"), *tensors)
