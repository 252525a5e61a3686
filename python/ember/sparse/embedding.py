"""The sparse gradient of embedding(sparse=True): one entry per looked-up index (repeats kept,
so the tensor is uncoalesced, as torch's is), the padding_idx entries dropped."""
from .. import _C
from ._coo import _make


def embedding_sparse_grad(grad, indices, num_weights, padding_idx=None, scale_grad_by_freq=False):
    """The gradient of embedding's weight (num_weights, dim) as a sparse COO tensor with sparse
    dim 1: row indices[k] receives grad's row k. scale_grad_by_freq is refused, as in torch."""
    if scale_grad_by_freq:
        raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with sparse gradients")
    dim = grad.shape[-1]
    flat = indices.reshape(-1).to(_C.dtype.int64)
    rows = grad.reshape(-1, dim)
    if padding_idx is not None:
        keep = (flat != padding_idx % num_weights).nonzero().reshape(-1)
        if keep.shape[0] != flat.shape[0]:
            flat, rows = flat[keep], rows.index_select(0, keep)
    return _make(flat.reshape(1, -1).contiguous(), rows, (num_weights, dim), flat.shape[0] <= 1)
