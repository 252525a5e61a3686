"""Indexing ONNX ops: Gather, GatherElements, GatherND, ScatterElements, ScatterND, Scatter,
NonZero, Compress, OneHot."""
import ember

from ..registry import imports
from .common import axis


@imports("Gather")
def gather(node, data, indices):
    dim = axis(node.attr("axis", 0), data.ndim)
    picked = data.index_select(dim, indices.reshape(-1).to(ember.int64))  # negatives wrap
    shape = list(data.shape[:dim]) + list(indices.shape) + list(data.shape[dim + 1:])
    return picked.reshape(shape)


@imports("GatherElements")
def gather_elements(node, data, indices):
    return ember.gather(data, axis(node.attr("axis", 0), data.ndim), indices.to(ember.int64))


@imports("GatherND")
def gather_nd(node, data, indices):
    b = node.attr("batch_dims", 0)
    k = indices.shape[-1]
    batch_shape = list(data.shape[:b])
    batch = 1
    for d in batch_shape:
        batch *= d
    flat_data = data.reshape([batch] + list(data.shape[b:]))
    flat_index = indices.to(ember.int64).reshape([batch] + list(indices.shape[b:]))
    mid = list(flat_index.shape[1:-1])
    rows = ember.arange(batch).reshape([batch] + [1] * len(mid)).expand(batch, *mid)
    picked = flat_data[(rows,) + tuple(flat_index[..., i] for i in range(k))]
    return picked.reshape(batch_shape + mid + list(data.shape[b + k:]))


@imports("ScatterElements", "Scatter")
def scatter_elements(node, data, indices, updates):
    dim = axis(node.attr("axis", 0), data.ndim)
    indices = indices.to(ember.int64)
    reduction = node.attr("reduction", "none")
    if reduction == "none":
        return data.scatter(dim, indices, updates)
    if reduction == "add":
        return data.scatter_add(dim, indices, updates)
    # mul/max/min: through flat positions, which the rounds below apply without write races
    positions = ember.zeros(indices.shape, dtype=ember.int64)
    stride = 1
    for d in reversed(range(data.ndim)):
        if d == dim:
            coord = ember.where(indices < 0, indices + data.shape[d], indices)
        else:
            shape = [1] * data.ndim
            shape[d] = indices.shape[d]
            coord = ember.arange(indices.shape[d]).reshape(shape)
        positions = positions + coord * stride
        stride *= data.shape[d]
    flat = _scatter_reduce(data.reshape(-1), positions.reshape(-1), updates.reshape(-1), reduction)
    return flat.reshape(data.shape)


@imports("ScatterND")
def scatter_nd(node, data, indices, updates):
    k = indices.shape[-1]
    indices = indices.to(ember.int64)
    dims = ember.tensor(list(data.shape[:k]), dtype=ember.int64)
    strides = [1] * k
    for i in reversed(range(k - 1)):
        strides[i] = strides[i + 1] * data.shape[i + 1]
    wrapped = ember.where(indices < 0, indices + dims, indices)
    positions = (wrapped * ember.tensor(strides, dtype=ember.int64)).sum(-1).reshape(-1)
    slice_shape = list(data.shape[k:])
    rows = 1
    for d in data.shape[:k]:
        rows *= d
    flat = data.reshape([rows] + slice_shape)
    result = _scatter_reduce(flat, positions, updates.reshape([-1] + slice_shape),
                             node.attr("reduction", "none"))
    return result.reshape(data.shape)


def _scatter_reduce(flat, positions, updates, reduction):
    """flat (N, ...) with updates[i] combined into row positions[i] by `reduction`. Repeated
    positions are applied in rounds (the k-th occurrence of each position in round k), so no
    round writes one row twice."""
    if reduction == "none":
        return ember.index_put(flat, (positions,), updates)
    if reduction == "add":
        return ember.index_put(flat, (positions,), updates, accumulate=True)
    combine = {"mul": ember.mul, "max": ember.maximum, "min": ember.minimum}.get(reduction)
    if combine is None:
        raise ValueError(f"unknown scatter reduction {reduction!r}")
    seen, rounds = {}, []
    for i, p in enumerate(positions.tolist()):
        k = seen.get(p, 0)
        seen[p] = k + 1
        if k == len(rounds):
            rounds.append([])
        rounds[k].append(i)
    for members in rounds:
        which = ember.tensor(members, dtype=ember.int64)
        rows = positions[which]
        flat = ember.index_put(flat, (rows,), combine(flat[rows], updates[which]))
    return flat


@imports("NonZero")
def nonzero(node, x):
    return ember.nonzero(x.reshape(1) if x.ndim == 0 else x).t()


@imports("Compress")
def compress(node, x, condition):
    a = node.attr("axis")
    if a is None:
        x, dim = x.reshape(-1), 0
    else:
        dim = axis(a, x.ndim)
    keep = ember.nonzero(condition.to(ember.bool).reshape(-1)).reshape(-1)
    return x.index_select(dim, keep)


@imports("OneHot")
def one_hot(node, indices, depth, values):
    n = int(depth.reshape(-1)[0].item())
    out_rank = indices.ndim + 1
    dim = axis(node.attr("axis", -1), out_rank)
    index = indices.to(ember.int64)
    index = ember.where(index < 0, index + n, index)  # negatives count from the back
    shape = [1] * out_rank
    shape[dim] = n
    hot = index.unsqueeze(dim) == ember.arange(n).reshape(shape)
    off, on = values[0], values[1]
    return ember.where(hot, on, off)



@imports("TensorScatter")
def tensor_scatter(node, cache, update, write_indices=None):
    """cache with `update` written along `axis` from each batch entry's write index on (wrapping
    around the cache in 'circular' mode): a KV-cache append."""
    dim = axis(node.attr("axis", -2), cache.ndim)
    batch, steps, length = cache.shape[0], update.shape[dim], cache.shape[dim]
    starts = ember.zeros(batch, dtype=ember.int64) if write_indices is None else write_indices.to(ember.int64)
    positions = starts.reshape(-1, 1) + ember.arange(steps).reshape(1, -1)  # [B, steps]
    if node.attr("mode", "linear") == "circular":
        positions = ember.remainder(positions, length)
    shape = [1] * cache.ndim
    shape[0], shape[dim] = batch, steps
    index = positions.reshape(shape).expand(*update.shape)
    return cache.scatter(dim, index, update)
