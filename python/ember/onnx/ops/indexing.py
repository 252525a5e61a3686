"""Exporters of indexing: t[key] (basic and advanced), gather/scatter, index_select, masks, and
writes through a key (t[key] = v, index_put).

t[key] follows ember's two steps: the basic entries (slices with any step, ints, None, ...)
make a Slice and Gathers; the tensor entries (integer indices, bool masks as their nonzero
positions) then gather with Gather (one index) or GatherND (several, broadcast together), with
PyTorch's rule for where the indexed dims go. Writes are decomposed into ember ops while the
tracer records them: the flat positions the key selects (an arange indexed by the key) and one
ScatterElements into the flattened tensor.
"""
import numpy as np

from ... import _C
from ..._tensor import Tensor, _sequence_is_tuple
from ..graph import SymInt
from ..registry import exports
from ._common import cast_back, compute_dtype, normalize_dim

_BIG = np.iinfo(np.int64).max
_INT64 = _C.dtype.int64


def _key_entries(key):
    if isinstance(key, tuple):
        return list(key)
    if isinstance(key, list) and _sequence_is_tuple(key):
        return list(key)
    return [key]


def _as_index(k):
    """A list or numpy array used as an index, as a (constant) tensor."""
    if not isinstance(k, Tensor):
        import ember
        k = ember.tensor(np.asarray(k))
    return k


def _consumes(k):
    if k is None or k is Ellipsis:
        return 0
    if isinstance(k, Tensor) and k.dtype == _C.dtype.bool:
        return max(k.dim(), 1) if k.dim() else 0
    return 1


@exports("Tensor.__getitem__")
def getitem(g, result, self, key):
    entries = _key_entries(key)
    ndim = self.dim()
    if any(isinstance(k, (bool, np.bool_)) for k in entries):
        raise g.unsupported("indexing with a Python bool")
    entries = [(_as_index(k) if isinstance(k, (list, np.ndarray)) else k) for k in entries]
    consumed = sum(_consumes(k) for k in entries)
    if Ellipsis in [k for k in entries if not isinstance(k, Tensor)]:
        at = next(i for i, k in enumerate(entries) if not isinstance(k, Tensor) and k is Ellipsis)
        entries = entries[:at] + [slice(None)] * (ndim - consumed) + entries[at + 1:]
    else:
        entries = entries + [slice(None)] * (ndim - consumed)
    has_tensor = any(isinstance(k, Tensor) for k in entries)
    if has_tensor and any(k is None for k in entries if not isinstance(k, Tensor)):
        raise g.unsupported("indexing that mixes None with tensor indices")

    x = g.value(self)
    shape = self._impl.shape
    # 1. slices, on the input's dims
    starts, ends, axes, steps = [], [], [], []
    dim = 0
    for k in entries:
        if isinstance(k, slice):
            if k != slice(None):
                step = 1 if k.step is None else k.step
                if isinstance(step, SymInt) or int(step) == 0:
                    raise g.unsupported("a slice with a zero or traced step")
                if int(step) > 0:
                    start = 0 if k.start is None else k.start
                    end = _BIG if k.stop is None else k.stop
                else:
                    start = _BIG if k.start is None else k.start
                    end = -_BIG if k.stop is None else k.stop
                starts.append(start)
                ends.append(end)
                axes.append(dim)
                steps.append(step)
            dim += 1
        elif k is None:
            continue
        else:
            dim += _consumes(k)
    if axes:
        x = g.op("Slice", x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps))
    # 2. integer entries: a Gather each, from the last dim back so the numbering holds
    dim_of = []
    dim = 0
    for k in entries:
        dim_of.append(dim)
        if k is not None:
            dim += _consumes(k)
    ints = [(dim_of[i], k) for i, k in enumerate(entries)
            if not isinstance(k, (Tensor, slice)) and k is not None]
    for d, k in sorted(ints, key=lambda p: -p[0]):
        x = g.op("Gather", x, g.int_scalar(k), axis=d)
    removed = sorted(d for d, _ in ints)

    def after_ints(d):
        return d - sum(1 for r in removed if r < d)

    # 3. tensor entries
    if has_tensor:
        indices = []  # (axis after the int gathers, int64 index value)
        for i, k in enumerate(entries):
            if not isinstance(k, Tensor):
                continue
            axis = after_ints(dim_of[i])
            if k.dtype == _C.dtype.bool:
                if k.dim() == 0:
                    raise g.unsupported("indexing with a 0-dim bool mask")
                positions = g.op("NonZero", g.value(k))  # (k.dim(), n)
                for j in range(k.dim()):
                    indices.append((axis + j, g.op("Gather", positions, g.int_scalar(j), axis=0), 1))
            else:
                indices.append((axis, g.value(k, _INT64), k.dim()))
        x = _advanced(g, x, self.dim() - len(ints), indices)
    # 4. None entries: new dims of size 1 where they stand in the key
    if not has_tensor:
        position, new_axes = 0, []
        for k in entries:
            if k is None:
                new_axes.append(position)
                position += 1
            elif isinstance(k, slice):
                position += 1
        if new_axes:
            x = g.unsqueeze(x, new_axes)
    return x if x != g.value(self) else g.op("Identity", x)


def _advanced(g, x, ndim, indices):
    """x gathered by integer index values on `indices` = [(axis, index, rank)], broadcast together."""
    axes = [a for a, _, _ in indices]
    if len(indices) == 1:
        return g.op("Gather", x, indices[0][1], axis=axes[0])
    adjacent = axes == list(range(axes[0], axes[0] + len(axes)))
    rest = [d for d in range(ndim) if d not in axes]
    front = g.op("Transpose", x, perm=axes + rest) if axes != list(range(len(axes))) else x
    # broadcast the index tensors against each other, then stack them on a last dim
    names = [i for _, i, _ in indices]
    total = names[0]
    for n in names[1:]:
        total = g.op("Add", total, n)
    shape = g.op("Shape", total)
    stacked = g.op("Concat", *[g.unsqueeze(g.op("Expand", n, shape), [-1]) for n in names], axis=-1)
    out = g.op("GatherND", front, stacked)
    if adjacent and axes[0] > 0:  # PyTorch keeps adjacent indexed dims where they were
        r, p = max(rank for _, _, rank in indices), axes[0]
        out_rank = r + len(rest)
        perm = list(range(r, r + p)) + list(range(r)) + list(range(r + p, out_rank))
        out = g.op("Transpose", out, perm=perm)
    return out


# ---- the functions -----------------------------------------------------------------------------------

@exports("gather")
def _gather(g, result, input, dim, index, *, sparse_grad=False):
    d = normalize_dim(int(dim), input.dim())
    return g.op("GatherElements", g.value(input), g.value(index, _INT64), axis=d)


@exports("index_select")
def _index_select(g, result, input, dim, index):
    d = normalize_dim(int(dim), input.dim())
    idx = g.value(index, _INT64)
    if index.dim() == 0:
        idx = g.unsqueeze(idx, [0])
    return g.op("Gather", g.value(input), idx, axis=d)


@exports("take_along_dim")
def _take_along_dim(g, result, input, indices, dim=None):
    if dim is None:
        flat = g.op("Reshape", g.value(input), g.ints([-1]))
        return g.op("GatherElements", flat, g.op("Reshape", g.value(indices, _INT64), g.ints([-1])), axis=0)
    d = normalize_dim(int(dim), input.dim())
    return g.op("GatherElements", g.value(input), g.value(indices, _INT64), axis=d)


@exports("masked_fill")
def _masked_fill(g, result, input, mask, value):
    dtype = compute_dtype(result.dtype, ("bool", "int16"))  # (onnxruntime has no Where of these)
    y = g.op("Where", g.value(mask, _C.dtype.bool), g.value(value, dtype), g.value(input, dtype))
    return cast_back(g, y, dtype, result.dtype)


@exports("masked_select")
def _masked_select(g, result, input, mask):
    x, m = g.value(input), g.value(mask, _C.dtype.bool)
    total = g.op("Add", g.op("Cast", x, to=1), g.op("Cast", m, to=1))
    shape = g.op("Shape", total)
    x, m = g.op("Expand", x, shape), g.op("Expand", m, shape)
    return g.op("GatherND", x, g.op("Transpose", g.op("NonZero", m), perm=[1, 0]))


@exports("nonzero", "argwhere")
def _nonzero(g, result, input, *, as_tuple=False):
    x = g.value(input)
    if input.dtype.name in ("float64", "int8", "int16", "bfloat16"):  # dtypes onnxruntime's NonZero lacks
        x = g.cast(x, _C.dtype.bool)
    positions = g.op("NonZero", x)
    if as_tuple:
        if input.dim() == 0:
            raise g.unsupported("nonzero(as_tuple=True) of a 0-dim tensor")
        pieces = g.op("Split", positions, g.ints([1] * input.dim()), axis=0, outputs=input.dim()) \
            if input.dim() > 1 else (positions,)
        pieces = pieces if isinstance(pieces, tuple) else (pieces,)
        return tuple(g.squeeze(p, [0]) for p in pieces)
    if input.dim() == 0:
        raise g.unsupported("nonzero of a 0-dim tensor")
    return g.op("Transpose", positions, perm=[1, 0])


def _scatter_updates(g, index, src, value, dtype):
    if isinstance(src, Tensor):
        return g.value(src, dtype)
    # a number (src=5.0 or value=5.0): ScatterElements takes updates shaped like the indices
    return g.op("Expand", g.value(value if src is None else src, dtype), g.shape(index) if g.is_traced(index) else
                g.ints(list(index._impl.shape)))


_REDUCTIONS = {None: "none", "add": "add", "sum": "add", "prod": "mul", "amax": "max",
               "amin": "min"}


@exports("scatter")
def _scatter(g, result, input, dim, index, src=None, *, value=None, reduce=None):
    d = normalize_dim(int(dim), input.dim())
    reduction = _REDUCTIONS.get(reduce)
    if reduction is None:
        raise g.unsupported(f"scatter with reduce={reduce!r}")
    if reduction in ("mul", "max", "min"):
        g.require_opset(18, f"scatter with reduce={reduce!r}")
    elif reduction == "add":
        g.require_opset(16, "scatter with reduce='add'")
    # onnxruntime's ScatterElements reduces no 16-bit floats: summed in float32
    computed = compute_dtype(result.dtype, ("float16", "bfloat16") if reduction != "none" else (), _C.dtype.float32)
    updates = _scatter_updates(g, index, src, value, computed)
    kwargs = {} if reduction == "none" else {"reduction": reduction}
    y = g.op("ScatterElements", g.value(input, computed), g.value(index, _INT64), updates, axis=d, **kwargs)
    return cast_back(g, y, computed, result.dtype)


@exports("scatter_add")
def _scatter_add(g, result, input, dim, index, src):
    return _scatter(g, result, input, dim, index, src, reduce="add")


# ---- writes through a key, decomposed into ember ops ---------------------------------------------

def _flat_positions(self, key):
    """The positions in self's flattened storage that self[key] selects (traced ember ops)."""
    import ember
    return ember.arange(self.numel(), dtype=ember.int64).reshape(self.shape)[key]


@exports("Tensor._setitem_out_of_place")
def _setitem(g, result, self, key, value):
    import ember
    positions = _flat_positions(self, key)
    if not isinstance(value, Tensor):
        value = ember.full([], value, dtype=self.dtype)
    updates = value.to(self.dtype).expand_as(positions).reshape(-1)
    flat = self.reshape(-1).scatter(0, positions.reshape(-1), updates)
    return g.value(flat.reshape(self.shape))


@exports("index_put")
def _index_put(g, result, input, indices, values, accumulate=False):
    positions = _flat_positions(input, tuple(indices))
    updates = values.to(input.dtype).expand_as(positions).reshape(-1)
    flat = input.reshape(-1)
    if accumulate:
        flat = flat.scatter_add(0, positions.reshape(-1), updates)
    else:
        flat = flat.scatter(0, positions.reshape(-1), updates)
    return g.value(flat.reshape(input.shape))
