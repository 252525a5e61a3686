"""The functions of the array API standard's linalg extension that torch.linalg lacks:
linalg.matrix_transpose, linalg.outer, linalg.tensordot and linalg.trace (the standard's
batched trace with offset and dtype; ember.trace stays torch's 2-D trace).

linalg.matrix_transpose and linalg.tensordot are the top-level functions; linalg.outer is
ember.outer. linalg.trace is written in ember ops and records through them.
"""
from .. import _C, _op_layer
from .._tensor import Tensor

__all__ = ["matrix_transpose", "outer", "tensordot", "trace"]

op = _op_layer.namespace("linalg")


def _ember():
    import ember
    return ember


@op
def trace(x, /, *, offset=0, dtype=None):
    """The sum of each matrix's diagonal `offset` (> 0 above the main one) over the last two
    axes of x; integer sums are int64 unless dtype says otherwise, as sum gives them."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.trace(): argument 'x' must be Tensor, not {type(x).__name__}")
    if x.ndim < 2:
        raise ValueError(f"linalg.trace(): x must have at least 2 dimensions, got shape {tuple(x.shape)}")
    if dtype is not None and not isinstance(dtype, _C.dtype):
        raise TypeError(f"linalg.trace(): dtype must be an ember dtype, not {type(dtype).__name__}")
    diagonal = x.diagonal(offset=offset, dim1=-2, dim2=-1)
    return _ember().sum(diagonal, dim=-1, dtype=dtype)


from .array_api import matrix_transpose  # noqa: E402  (the same functions as ember.<name>)
from .einsum import tensordot  # noqa: E402
from .linalg import outer  # noqa: E402
