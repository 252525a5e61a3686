"""The kernels of the sparse tensors as ops of the op layer, each with its backward rule beside it.

They take a sparse tensor's parts (indices, values) rather than the tensor, so that grad
recording sees the values as an ordinary operand:

    _spmm(indices, values, dense, size, transpose)   S @ dense, or S^T @ dense
    _sampled_dot(indices, a, b)                      out[k] = dot(a[i_k], b[j_k])
    _coalesce(indices, values, sparse_sizes)         (indices, values, inverse), duplicates summed

The rules are written in these same ops, so they differentiate again (create_graph): the
gradient of S @ D is S^T @ G for D and the sampled product of G and D for S's values; the
sampled product's own gradients are sparse-dense products with the gradient as values.
"""
from .. import _C
from .._op_layer import namespace
from .._tensor import _wrap
from ..autograd.recording import register

op = namespace("sparse")


@op
def _spmm(indices, values, dense, size, transpose=False):
    return _wrap(_C.sparse_mm(indices._impl, values._impl, list(size), dense._impl, bool(transpose)))


@op
def _sampled_dot(indices, a, b):
    return _wrap(_C.sparse_sampled_dot(indices._impl, a._impl, b._impl))


@op
def _coalesce(indices, values, sparse_sizes):
    i, v, inverse = _C.sparse_coalesce(indices._impl, values._impl, list(sparse_sizes))
    return _wrap(i), _wrap(v), _wrap(inverse)


def _flipped(indices):
    return indices.flip(0)


def _spmm_setup(ctx, result, indices, values, dense, size, transpose=False):
    ctx.save_for_backward(indices, values, dense)
    ctx.size, ctx.transpose = list(size), bool(transpose)
    return (values, dense)


def _spmm_backward(ctx, grad):
    indices, values, dense = ctx.saved_tensors
    grad_values = grad_dense = None
    if ctx.needs_input_grad[1]:
        grad_dense = _spmm(indices, values, grad, ctx.size, not ctx.transpose)
    if ctx.needs_input_grad[0]:
        # out[i] += v_k dense[j] for entry k at (i, j) (at (j, i) when transposed)
        grad_values = _sampled_dot(_flipped(indices) if ctx.transpose else indices, grad, dense)
    return grad_values, grad_dense


register("sparse._spmm", _spmm_setup, _spmm_backward)


def _sampled_dot_setup(ctx, result, indices, a, b):
    ctx.save_for_backward(indices, a, b)
    return (a, b)


def _sampled_dot_backward(ctx, grad):
    indices, a, b = ctx.saved_tensors
    size = [a.shape[0], b.shape[0]]
    grad_a = _spmm(indices, grad, b, size) if ctx.needs_input_grad[0] else None
    grad_b = _spmm(indices, grad, a, size, True) if ctx.needs_input_grad[1] else None
    return grad_a, grad_b


register("sparse._sampled_dot", _sampled_dot_setup, _sampled_dot_backward)


def _coalesce_setup(ctx, result, indices, values, sparse_sizes):
    ctx.save_for_backward(result[2])
    return (values,)


def _coalesce_backward(ctx, grad_indices, grad_values, grad_inverse):
    inverse, = ctx.saved_tensors
    return grad_values.index_select(0, inverse)  # each input entry gets its sum's gradient


register("sparse._coalesce", _coalesce_setup, _coalesce_backward)


def linear_index(indices, sizes):
    """The row-major position of each index column among the sparse positions `sizes`."""
    from .._ops.creation import tensor
    strides, step = [], 1
    for s in reversed(sizes):
        strides.append(step)
        step *= s
    strides.reverse()
    if indices.shape[1] == 0:
        return indices.new_zeros(0)
    return (indices * tensor(strides, dtype=indices.dtype).reshape(-1, 1)).sum(dim=0)


def scatter_to_dense(indices, values, size):
    """The dense tensor of `size` holding the sum of the values stored at each position (an
    index_add, which differentiates to the gradient's rows at the stored positions)."""
    from .._ops.creation import zeros
    sparse_dim = indices.shape[0]
    positions = 1
    for s in size[:sparse_dim]:
        positions *= s
    flat = zeros([positions] + list(size[sparse_dim:]), dtype=values.dtype)
    if indices.shape[1]:
        flat = flat.index_add(0, linear_index(indices, list(size[:sparse_dim])), values)
    return flat.reshape(list(size))
