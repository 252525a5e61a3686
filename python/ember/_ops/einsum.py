"""einsum, tensordot and kron with PyTorch's signatures; the work is in C++ (ops/einsum.cpp)."""
import numbers
import operator

from .. import _C
from .._op_layer import op
from .._tensor import Tensor, _wrap

__all__ = ["einsum", "tensordot", "kron"]


def _check(x, op, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x._impl


def _letters(sublist):
    """A sublist of the sublist form ([0, 1, Ellipsis]) as subscripts ("AB...")."""
    out = ""
    for s in sublist:
        if s is Ellipsis:
            out += "..."
            continue
        s = operator.index(s)
        if not 0 <= s < 52:
            raise ValueError(f"einsum(): subscript {s} in a sublist must be in [0, 52)")
        out += chr(ord("A") + s) if s < 26 else chr(ord("a") + s - 26)
    return out


@op
def einsum(equation, *operands):
    """Einstein summation over the operands, as torch.einsum: einsum("ij,jk->ik", a, b),
    einsum("ij,jk", [a, b]), or the sublist form einsum(a, [0, 1], b, [1, 2], [0, 2])."""
    if isinstance(equation, Tensor):
        args = (equation,) + operands
        pairs = args[:len(args) - len(args) % 2]
        operands = pairs[0::2]
        equation = ",".join(_letters(s) for s in pairs[1::2])
        if len(args) % 2:
            equation += "->" + _letters(args[-1])
    elif not isinstance(equation, str):
        raise TypeError(f"einsum(): the equation must be a str, not {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    impls = [_check(t, "einsum", f"operands[{i}]") for i, t in enumerate(operands)]
    return _wrap(_C.einsum(equation, impls))


def _dim_list(d):
    if isinstance(d, numbers.Integral):
        return [int(d)]
    if isinstance(d, Tensor):
        d = d.tolist()
    return [operator.index(x) for x in d]


@op
def tensordot(a, b, dims=2, *, axes=None):
    """Contracts the last `dims` dims of a with the first `dims` of b, or the dims listed in
    dims=([dims of a], [dims of b])."""
    ia, ib = _check(a, "tensordot", "a"), _check(b, "tensordot", "b")
    dims = dims if axes is None else axes  # axes=: the array API's spelling
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral):
        return _wrap(_C.tensordot_n(ia, ib, int(dims)))
    if not isinstance(dims, (list, tuple)) or len(dims) != 2:
        raise TypeError("tensordot(): dims must be an int or a pair of dim lists")
    return _wrap(_C.tensordot(ia, ib, _dim_list(dims[0]), _dim_list(dims[1])))


@op
def kron(input, other):
    """The Kronecker product."""
    return _wrap(_C.kron(_check(input, "kron", "input"), _check(other, "kron", "other")))


Tensor.kron = kron
