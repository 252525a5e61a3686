"""nn.functional.embedding with PyTorch's semantics (padding_idx, max_norm), torch.embedding,
and the dense gradient embedding_backward for the autograd layer."""
from ... import _C
from ..._tensor import Tensor, _wrap
from ..._op_layer import namespace, op as _top_level_op

op = namespace("nn.functional")

__all__ = ["embedding"]


def _padding_index(padding_idx, num):
    """padding_idx as the kernels take it: a row in [0, num), or -1 for none."""
    if padding_idx is None:
        return -1
    padding_idx = int(padding_idx)
    if not -num <= padding_idx < num:
        raise ValueError(f"embedding: padding_idx {padding_idx} must be within num_embeddings {num}")
    return padding_idx + num if padding_idx < 0 else padding_idx


@op
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of weight picked by the integer tensor input: shape input.shape + (embedding_dim,).

    padding_idx only shapes the gradient (that row gets none); with max_norm, the rows that
    input names are first rescaled in place to norm at most max_norm, as in PyTorch."""
    for name, x in (("input", input), ("weight", weight)):
        if not isinstance(x, Tensor):
            raise TypeError(f"embedding(): argument '{name}' must be Tensor, not {type(x).__name__}")
    if weight.dim() != 2:
        raise _C.ShapeError(f"embedding: expected a 2-D weight (num_embeddings, embedding_dim), got shape "
                            f"{list(weight.shape)}")
    _padding_index(padding_idx, weight.shape[0])
    if max_norm is not None:
        _C.embedding_renorm_(weight._impl, input._impl, float(max_norm), float(norm_type))
    return _wrap(_C.embedding(weight._impl, input._impl))


@_top_level_op("embedding")
def _torch_embedding(weight, input, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """torch.embedding's argument order: the weight first."""
    return embedding(input, weight, None if padding_idx < 0 else padding_idx, None, 2.0,
                     scale_grad_by_freq, sparse)


def embedding_backward(grad_output, indices, num_weights, padding_idx=None, scale_grad_by_freq=False):
    """The dense gradient of embedding's weight: (num_weights, dim), repeated indices summed, the
    padding_idx row zero, each row divided by its index's count with scale_grad_by_freq."""
    return _wrap(_C.embedding_backward(grad_output._impl, indices._impl, int(num_weights),
                                       _padding_index(padding_idx, int(num_weights)), bool(scale_grad_by_freq)))
