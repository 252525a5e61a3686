"""Index sets, products and small composites with torch's names: tril_indices, triu_indices,
cartesian_prod, combinations, vander, isin, unravel_index, rsub, chain_matmul, trapz.
Each is written in ember ops (the differentiable ones differentiate through them)."""
import itertools

from .. import _C
from .._op_layer import op
from .._tensor import Tensor

__all__ = ["tril_indices", "triu_indices", "cartesian_prod", "combinations", "vander", "isin", "unravel_index",
           "rsub", "chain_matmul", "trapz"]


def _E():
    import ember
    return ember


def _triangle(row, col, offset, dtype, device, lower, name):
    E = _E()
    for arg, value in (("row", row), ("col", col), ("offset", offset)):
        if not isinstance(value, int):
            raise TypeError(f"{name}(): argument '{arg}' must be int, not {type(value).__name__}")
    if row < 0 or col < 0:
        raise ValueError(f"{name}(): row and col must be non-negative, got row={row}, col={col}")
    r = E.arange(row).reshape(-1, 1).expand(row, col)
    c = E.arange(col).reshape(1, -1).expand(row, col)
    keep = (c - r <= offset) if lower else (c - r >= offset)
    result = E.stack([r[keep], c[keep]]).to(E.int64 if dtype is None else dtype)
    return result.to(device) if device is not None else result


@op
def tril_indices(row, col, offset=0, *, dtype=None, layout=None, device=None, pin_memory=False):
    """The (2, N) row and column indices of the lower triangle of a row x col matrix."""
    return _triangle(row, col, offset, dtype, device, True, "tril_indices")


@op
def triu_indices(row, col, offset=0, *, dtype=None, layout=None, device=None, pin_memory=False):
    """The (2, N) row and column indices of the upper triangle of a row x col matrix."""
    return _triangle(row, col, offset, dtype, device, False, "triu_indices")


def _vector(t, name):
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}(): expected Tensor arguments, got {type(t).__name__}")
    if t.dim() != 1:
        raise _C.ShapeError(f"{name}(): expect a 1D vector, but got shape {list(t.shape)}")
    return t


@op
def cartesian_prod(*tensors):
    """Every combination of one element of each 1-D tensor, as rows (a 1-D tensor for one input)."""
    E = _E()
    if not tensors:
        raise TypeError("cartesian_prod(): expected at least one tensor")
    tensors = [_vector(t, "cartesian_prod") for t in tensors]
    if len(tensors) == 1:
        return tensors[0]
    grids = E.meshgrid(*tensors, indexing="ij")
    return E.stack([g.reshape(-1) for g in grids], dim=1)


@op
def combinations(input, r=2, with_replacement=False):
    """The length-r combinations of a 1-D tensor's elements, as rows, in itertools' order."""
    E = _E()
    _vector(input, "combinations")
    if not isinstance(r, int) or r < 0:
        raise ValueError(f"combinations(): Expect a non-negative number, but got {r}")
    if r == 0:
        return input[:0]  # a slice, not a new tensor, so that the result stays in the graph
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    if not rows:
        return input[:0].reshape(0, r)
    index = E.tensor(rows, dtype=E.int64)
    return input.index_select(0, index.reshape(-1)).reshape(len(rows), r)


@op
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a 1-D tensor: columns x^(N-1) ... x^0 (or increasing)."""
    E = _E()
    _vector(x, "vander")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise ValueError("N must be non-negative.")
    if n == 0:
        base = x if x.is_floating_point() else x.to(E.int64)
        return base.reshape(-1, 1)[:, :0].clone()  # from x, so that the result stays in the graph
    base = x if x.is_floating_point() else x.to(E.int64)
    columns = [E.ones_like(base)]
    for _ in range(1, n):
        columns.append(columns[-1] * base)
    if not increasing:
        columns.reverse()
    return E.stack(columns, dim=1)


@op
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of `elements` is among `test_elements` (either may be a number)."""
    E = _E()
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): expected at least one of elements and test_elements to be a Tensor")
    if not isinstance(elements, Tensor):
        elements = E.tensor(elements, dtype=test_elements.dtype)
    if not isinstance(test_elements, Tensor):
        test_elements = E.tensor([test_elements], dtype=elements.dtype)
    common = E.promote_types(elements.dtype, test_elements.dtype)
    flat = test_elements.reshape(-1).to(common)
    if flat.numel() == 0:
        found = E.zeros(elements.shape, dtype=E.bool)
    else:
        values = flat.sort().values
        a = elements.to(common)
        position = E.searchsorted(values, a.reshape(-1)).clamp(max=values.numel() - 1)
        found = (values.index_select(0, position) == a.reshape(-1)).reshape(elements.shape)
    return ~found if invert else found


@op
def unravel_index(indices, shape):
    """The coordinates in `shape` of flat indices, as a tuple of tensors (one per dim)."""
    E = _E()
    if not isinstance(indices, Tensor):
        indices = E.tensor(indices)
    if indices.is_floating_point() or indices.dtype == E.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    total = 1
    for s in shape:
        total *= s
    idx = indices.to(E.int64)
    if idx.numel() and (bool((idx < -total).any()) or bool((idx >= total).any())):
        raise ValueError(f"'indices' must be in range [{-total}, {total - 1}]")
    idx = E.where(idx < 0, idx + total, idx)
    out = []
    for s in reversed(shape):
        out.append(E.remainder(idx, s))
        idx = E.floor_divide(idx, s)
    return tuple(reversed(out))


@op
def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    E = _E()
    return E.sub(other, input, alpha=alpha) if isinstance(other, Tensor) else E.sub(
        E.full_like(input, other) if not isinstance(other, Tensor) else other, input, alpha=alpha)


@op
def chain_matmul(*matrices, out=None):
    """The product of 2-D matrices, left to right (deprecated in torch for linalg.multi_dot)."""
    E = _E()
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if not isinstance(m, Tensor) or m.dim() != 2:
            raise _C.ShapeError(f"chain_matmul(): Tensor dimension is {m.dim() if isinstance(m, Tensor) else '?'}, "
                                "expected 2 instead.")
    result = matrices[0] if len(matrices) > 1 else matrices[0].clone()
    for m in matrices[1:]:
        result = E.mm(result, m)
    if out is not None:
        out.copy_(result)
        return out
    return result


@op
def trapz(y, x=None, *, dx=None, dim=-1):
    """torch.trapz: trapezoid's older name."""
    E = _E()
    if isinstance(x, (int, float)) and dx is None:  # trapz(y, dx, dim=) in torch's second overload
        return E.trapezoid(y, dx=x, dim=dim)
    return E.trapezoid(y, x, dx=dx, dim=dim)
