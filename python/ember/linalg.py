"""ember.linalg: torch.linalg's names and semantics on float32/float64 CPU tensors, batched over
leading dims. The factorizations run in C++ (csrc/ops/linalg_decomp.cpp); norms and the small
composite functions are built here from ember ops.
"""
import builtins
import math
import numbers

from . import _C, return_types
from . import _op_layer
from ._tensor import Tensor, _wrap

op = _op_layer.namespace("linalg")

__all__ = [
    "vector_norm", "matrix_norm", "norm", "inv", "inv_ex", "solve", "solve_triangular", "det",
    "slogdet", "lu_factor", "lu_factor_ex", "lu_solve", "lu", "cholesky", "cholesky_ex", "qr", "eigh", "eigvalsh", "svd", "svdvals", "lstsq",
    "matrix_rank", "pinv", "cross", "vecdot", "multi_dot", "matrix_power", "diagonal", "matmul",
]

# Named result tuples, as torch.return_types names them (ember.return_types.linalg_*).
SlogdetResult = return_types.make("linalg_slogdet", ["sign", "logabsdet"])
InvExResult = return_types.make("linalg_inv_ex", ["inverse", "info"])
CholeskyExResult = return_types.make("linalg_cholesky_ex", ["L", "info"])
QRResult = return_types.make("linalg_qr", ["Q", "R"])
EighResult = return_types.make("linalg_eigh", ["eigenvalues", "eigenvectors"])
SVDResult = return_types.make("linalg_svd", ["U", "S", "Vh"])
LUFactorResult = return_types.make("linalg_lu_factor", ["LU", "pivots"])
LUFactorExResult = return_types.make("linalg_lu_factor_ex", ["LU", "pivots", "info"])
LUResult = return_types.make("linalg_lu", ["P", "L", "U"])
LstsqResult = return_types.make("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])

_FLOATS = (_C.dtype.float32, _C.dtype.float64)
# Norms reduce elementwise (accumulating in float32 for 16-bit inputs), so they take every
# floating dtype, as torch's do; the factorizations need float32/float64.
_NORM_FLOATS = _FLOATS + (_C.dtype.float16, _C.dtype.bfloat16)


def _tensor(x, op, name="A"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _check_float(x, op, name="A", allowed=_FLOATS):
    _tensor(x, op, name)
    if x.dtype not in allowed:
        names = "a floating-point" if allowed is _NORM_FLOATS else "a float32 or float64"
        raise _C.DTypeError(f"{op}: expected {name} to be {names} tensor, but got dtype "
                            f"{str(x.dtype).rsplit('.', 1)[-1]}")
    return x


def _check_matrix(x, op, name="A"):
    _check_float(x, op, name)
    if x.dim() < 2:
        raise _C.ShapeError(f"{op}: {name} must have at least 2 dimensions, but got shape {list(x.shape)}")
    return x


def _with_dtype(x, dtype, op):
    if dtype is None:
        return x
    if dtype not in _FLOATS:
        raise _C.DTypeError(f"{op}: dtype must be float32 or float64, but got {dtype}")
    if x.dtype == _C.dtype.float64 and dtype == _C.dtype.float32:
        raise _C.DTypeError(f"{op}: the input dtype float64 cannot be cast to the requested dtype float32")
    return x.to(dtype)


# ---- norms ------------------------------------------------------------------------------------

@op
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """sum(|x|^ord)^(1/ord) over `dim` (every element by default); ord may be any real number,
    inf (max |x|), -inf (min |x|) or 0 (the count of non-zeros). axis= and keepdims=: the
    array API's spellings."""
    dim = dim if axis is None else axis
    keepdim = keepdim if keepdims is None else keepdims
    if isinstance(x, Tensor) and x.dtype.is_complex:
        x = x.abs()  # the norm of the moduli: a real result, differentiable through abs
    _check_float(x, "linalg.vector_norm", "x", allowed=_NORM_FLOATS)
    x = _with_dtype(x, dtype, "linalg.vector_norm")
    if isinstance(ord, str) or not isinstance(ord, numbers.Real):
        raise _C.ArgumentError(f"linalg.vector_norm: ord must be a real number, but got {ord!r}")
    dims = None if dim is None else ([int(dim)] if isinstance(dim, numbers.Integral) else [int(d) for d in dim])
    if dims is not None and len(dims) == 0:
        dims = None
    if x.numel() == 0 and ord < 0:
        raise _C.ArgumentError(f"linalg.vector_norm: cannot compute the {ord} norm of an empty tensor "
                               "because the operation has no identity")
    if x.numel() == 0 and math.isinf(ord) and (dims is None or builtins.any(x.shape[d] == 0 for d in dims)):
        raise _C.ArgumentError(f"linalg.vector_norm: cannot compute the {ord} norm of an empty tensor "
                               "because the operation has no identity")
    if dims is None and keepdim:
        return _wrap(_C.norm(x._impl, float(ord), list(range(x.dim())), True))
    return _wrap(_C.norm(x._impl, float(ord), dims, keepdim))


def _matrix_dims(A, dim, op):
    if len(dim) != 2:
        raise _C.ArgumentError(f"{op}: dim must be a 2-tuple, but got {dim!r}")
    d0, d1 = (int(d) % A.dim() if -A.dim() <= int(d) < A.dim() else None for d in dim)
    if d0 is None or d1 is None:
        raise IndexError(f"{op}: dims {tuple(dim)} out of range for a tensor of {A.dim()} dims")
    if d0 == d1:
        raise _C.ArgumentError(f"{op}: dims must be different, but got {tuple(dim)}")
    return d0, d1


def _restore_dims(result, d0, d1, keepdim):
    """`result` lost the dims d0 and d1; put them back as size 1 when keepdim."""
    if not keepdim:
        return result
    for d in sorted((d0, d1)):
        result = result.unsqueeze(d)
    return result


@op
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, keepdims=None):
    """Matrix norms over the two dims `dim`: 'fro', 'nuc', inf / -inf (max / min row sum of
    |A|), 1 / -1 (max / min column sum), 2 / -2 (largest / smallest singular value)."""
    from ._ops import reduce as _reduce
    keepdim = keepdim if keepdims is None else keepdims  # keepdims=: the array API's spelling
    if isinstance(A, Tensor) and A.dtype.is_complex and ord not in ("nuc", 2, -2):
        A = A.abs()  # these norms read only the moduli (the others need complex singular values)
    _check_matrix(A, "linalg.matrix_norm")
    A = _with_dtype(A, dtype, "linalg.matrix_norm")
    d0, d1 = _matrix_dims(A, dim, "linalg.matrix_norm")
    if isinstance(ord, str):
        if ord == "fro":
            return vector_norm(A, 2, (d0, d1), keepdim)
        if ord != "nuc":
            raise _C.ArgumentError(f"linalg.matrix_norm: order {ord!r} is not supported")
    elif ord not in (1, -1, 2, -2, math.inf, -math.inf):
        raise _C.ArgumentError(f"linalg.matrix_norm: order {ord!r} is not supported; use 'fro', 'nuc', "
                               "inf, -inf, 1, -1, 2 or -2")
    if ord in ("nuc", 2, -2):
        s = svdvals(A.movedim((d0, d1), (-2, -1)))
        if ord == "nuc":
            r = _reduce.sum(s, -1)
        elif s.shape[-1] == 0:
            r = _empty_extreme(s.sum(-1), ord)  # no singular values
        else:
            r = _reduce.amax(s, -1) if ord == 2 else _reduce.amin(s, -1)
        return _restore_dims(r, d0, d1, keepdim)
    # inf: rows summed along d1 then the max over d0; 1: columns summed along d0, max over d1.
    sum_dim, ext_dim = (d1, d0) if ord in (math.inf, -math.inf) else (d0, d1)
    sums = _reduce.sum(A.abs(), sum_dim, keepdim=True)
    if A.shape[ext_dim] == 0:
        r = _empty_extreme(sums.sum(ext_dim, keepdim=True), ord)
    else:
        r = _reduce.amax(sums, ext_dim, keepdim=True) if ord > 0 else _reduce.amin(sums, ext_dim, keepdim=True)
    return r if keepdim else r.squeeze(max(d0, d1)).squeeze(min(d0, d1))


def _empty_extreme(zeros, ord):
    """The max over nothing is 0 for these non-negative quantities (as PyTorch answers); the
    min over nothing has no value."""
    if ord < 0:
        raise _C.ArgumentError(f"linalg.matrix_norm: the {ord} norm of a matrix with a zero-size dim is not "
                               "defined (a minimum over no values)")
    return zeros


@op
def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: a vector norm when `dim` is one dim (or ord is given for a 1-D input),
    a matrix norm when `dim` is two dims (or ord is given for a 2-D input); with neither, the
    2-norm of every element."""
    _tensor(A, "linalg.norm")
    if dim is not None:
        dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.dim() == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if A.dim() == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    raise _C.ShapeError(f"linalg.norm: if dim is not given but ord is, the input must be 1-D or 2-D, but got "
                        f"shape {list(A.shape)}")


# ---- inverse, determinants, solves --------------------------------------------------------------

@op
def inv(A):
    return _wrap(_C.linalg_inv(_tensor(A, "linalg.inv")._impl))


@op
def inv_ex(A, *, check_errors=False):
    r = _C.linalg_inv_ex(_tensor(A, "linalg.inv_ex")._impl, check_errors)
    return InvExResult(_wrap(r[0]), _wrap(r[1]))


@op
def det(A):
    return _wrap(_C.linalg_det(_tensor(A, "linalg.det")._impl))


@op
def slogdet(A):
    r = _C.linalg_slogdet(_tensor(A, "linalg.slogdet")._impl)
    return SlogdetResult(_wrap(r[0]), _wrap(r[1]))


@op
def lu_factor(A, *, pivot=True):
    r = _C.linalg_lu_factor(_tensor(A, "linalg.lu_factor")._impl, pivot)
    return LUFactorResult(_wrap(r[0]), _wrap(r[1]))


@op
def lu_factor_ex(A, *, pivot=True, check_errors=False):
    r = _C.linalg_lu_factor_ex(_tensor(A, "linalg.lu_factor_ex")._impl, pivot, check_errors)
    return LUFactorExResult(*(_wrap(x) for x in r))


@op
def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    _tensor(LU, "linalg.lu_solve", "LU")
    _tensor(pivots, "linalg.lu_solve", "pivots")
    _tensor(B, "linalg.lu_solve", "B")
    return _wrap(_C.linalg_lu_solve(LU._impl, pivots._impl, B._impl, left, adjoint))


@op
def lu(A, *, pivot=True):
    r = _C.linalg_lu(_tensor(A, "linalg.lu")._impl, pivot)
    return LUResult(*(_wrap(x) for x in r))


def _lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """torch.lu_unpack: (P, L, U) from lu_factor's result."""
    _tensor(LU_data, "lu_unpack", "LU_data")
    _tensor(LU_pivots, "lu_unpack", "LU_pivots")
    r = _C.lu_unpack(LU_data._impl, LU_pivots._impl, unpack_data, unpack_pivots)
    return LUResult(*(_wrap(x) for x in r))


@op
def solve(A, B, *, left=True):
    _tensor(A, "linalg.solve")
    _tensor(B, "linalg.solve", "B")
    return _wrap(_C.linalg_solve(A._impl, B._impl, left))


@op
def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    _tensor(A, "linalg.solve_triangular")
    _tensor(B, "linalg.solve_triangular", "B")
    return _wrap(_C.linalg_solve_triangular(A._impl, B._impl, bool(upper), left, unitriangular))


@op
def cholesky(A, *, upper=False):
    return _wrap(_C.linalg_cholesky(_tensor(A, "linalg.cholesky")._impl, upper))


@op
def cholesky_ex(A, *, upper=False, check_errors=False):
    r = _C.linalg_cholesky_ex(_tensor(A, "linalg.cholesky_ex")._impl, upper, check_errors)
    return CholeskyExResult(_wrap(r[0]), _wrap(r[1]))


# ---- decompositions -----------------------------------------------------------------------------

@op
def qr(A, mode="reduced"):
    r = _C.linalg_qr(_tensor(A, "linalg.qr")._impl, mode)
    return QRResult(_wrap(r[0]), _wrap(r[1]))


@op
def eigh(A, UPLO="L"):
    r = _C.linalg_eigh(_tensor(A, "linalg.eigh")._impl, UPLO)
    return EighResult(_wrap(r[0]), _wrap(r[1]))


@op
def eigvalsh(A, UPLO="L"):
    return _wrap(_C.linalg_eigvalsh(_tensor(A, "linalg.eigvalsh")._impl, UPLO))


@op
def svd(A, full_matrices=True, *, driver=None):
    r = _C.linalg_svd(_tensor(A, "linalg.svd")._impl, full_matrices)
    return SVDResult(_wrap(r[0]), _wrap(r[1]), _wrap(r[2]))


@op
def svdvals(A, *, driver=None):
    return _wrap(_C.linalg_svdvals(_tensor(A, "linalg.svdvals")._impl))


def _tolerance(S, A, atol, rtol, op):
    """The singular-value cutoff max(atol, rtol * S.max) of pinv and matrix_rank, per matrix."""
    from ._ops import reduce as _reduce
    eps = 2.0 ** -23 if A.dtype == _C.dtype.float32 else 2.0 ** -52
    if rtol is None:
        rtol = 0.0 if (atol is not None and (not isinstance(atol, numbers.Real) or atol > 0)) \
            else eps * builtins.max(A.shape[-2], A.shape[-1])
    smax = _reduce.amax(S, -1, keepdim=True) if S.shape[-1] > 0 else S.sum(-1, keepdim=True)
    cutoff = smax * rtol
    if atol is not None:
        atol_t = atol if isinstance(atol, Tensor) else None
        if atol_t is not None:
            cutoff = cutoff.maximum(atol_t.to(S.dtype).unsqueeze(-1))
        else:
            cutoff = cutoff.clamp(min=float(atol))
    return cutoff


@op
def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The pseudo-inverse from the SVD, dropping singular values below max(atol, rtol * S.max)
    (rtol defaults to eps * max(m, n) when atol is not given)."""
    from ._ops.elementwise import where
    _check_matrix(A, "linalg.pinv")
    if hermitian:
        w, V = eigh(A)
        cutoff = _tolerance(w.abs(), A, atol, rtol, "linalg.pinv")
        inv_w = where(w.abs() > cutoff, 1.0 / w, w.new_zeros(()))
        return (V * inv_w.unsqueeze(-2)).matmul(V.mT)
    U, S, Vh = svd(A, full_matrices=False)
    cutoff = _tolerance(S, A, atol, rtol, "linalg.pinv")
    inv_s = where(S > cutoff, 1.0 / S, S.new_zeros(()))
    return (Vh.mT * inv_s.unsqueeze(-2)).matmul(U.mT)


@op
def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    """The number of singular values above max(atol, rtol * S.max), as int64."""
    from ._ops import reduce as _reduce
    _check_matrix(A, "linalg.matrix_rank")
    S = eigvalsh(A).abs() if hermitian else svdvals(A)
    cutoff = _tolerance(S, A, atol, rtol, "linalg.matrix_rank")
    return _reduce.sum(S > cutoff, -1)


@op
def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of A X = B through the pseudo-inverse (singular values below
    rcond * S.max dropped; rcond defaults to eps * max(m, n)). rank and singular_values are
    filled for the drivers that report them in PyTorch ('gelsy': rank only; 'gelsd' and
    'gelss': both; 'gels': neither); residuals are the squared residual norms when m > n and
    every matrix has full rank (not for 'gelsy'), else empty."""
    from ._ops import reduce as _reduce
    from ._ops.creation import empty
    _check_matrix(A, "linalg.lstsq")
    _check_float(B, "linalg.lstsq", "B")
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise _C.ArgumentError(f"linalg.lstsq: driver must be one of gels, gelsy, gelsd, gelss, but got {driver!r}")
    vector = B.dim() == 1
    Bm = B.unsqueeze(-1) if vector else B
    if Bm.shape[-2] != A.shape[-2]:
        raise _C.ShapeError(f"linalg.lstsq: A and B must have the same number of rows, but got shapes "
                            f"{list(A.shape)} and {list(B.shape)}")
    m, n = A.shape[-2], A.shape[-1]
    U, S, Vh = svd(A, full_matrices=False)
    eps = 2.0 ** -23 if A.dtype == _C.dtype.float32 else 2.0 ** -52
    rc = eps * builtins.max(m, n) if rcond is None or rcond < 0 else float(rcond)
    cutoff = _tolerance(S, A, None, rc, "linalg.lstsq")
    from ._ops.elementwise import where
    keep = S > cutoff
    inv_s = where(keep, 1.0 / S, S.new_zeros(()))
    X = (Vh.mT * inv_s.unsqueeze(-2)).matmul(U.mT).matmul(Bm)
    rank = _reduce.sum(keep, -1)
    if driver != "gels" and m > 0 and n > 0:
        rank_out = rank
    else:
        rank_out = empty(0, dtype=_C.dtype.int64)
    sv_out = S if driver in ("gelsd", "gelss") else empty(0, dtype=A.dtype)
    residuals = empty(0, dtype=A.dtype)
    if driver != "gelsy" and m > n and bool((rank == n).all()):
        residuals = _reduce.sum((A.matmul(X) - Bm).square(), -2)
    if vector:
        X = X.squeeze(-1)
        if residuals.numel() > 0:
            residuals = residuals.squeeze(-1)
    return LstsqResult(X, residuals, rank_out, sv_out)


# ---- products and small helpers -----------------------------------------------------------------

@op
def cross(input, other, *, dim=-1, axis=None):
    """The cross product of 3-vectors along `dim` (axis=: the array API's spelling), with broadcasting."""
    dim = dim if axis is None else axis
    from ._ops.creation import empty
    _tensor(input, "linalg.cross", "input")
    _tensor(other, "linalg.cross", "other")
    if input.dim() != other.dim():
        raise _C.ShapeError(f"linalg.cross: inputs must have the same number of dimensions, but got shapes "
                            f"{list(input.shape)} and {list(other.shape)}")
    if not -input.dim() <= dim < input.dim():
        raise IndexError(f"linalg.cross: dim {dim} out of range for a tensor of {input.dim()} dims")
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise _C.ShapeError(f"linalg.cross: inputs dimension {dim} must have length 3, but got shapes "
                            f"{list(input.shape)} and {list(other.shape)}")
    a0, a1, a2 = (input.select(dim, i) for i in range(3))
    b0, b1, b2 = (other.select(dim, i) for i in range(3))
    c = (a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0)
    shape = list(c[0].shape)
    d = dim % input.dim()
    shape.insert(d, 3)
    out = empty(shape, dtype=c[0].dtype)
    for i in range(3):
        out.select(d, i).copy_(c[i])
    return out


@op
def vecdot(x, y, *, dim=-1, axis=None):
    """sum(x * y, dim) with broadcasting (real dtypes: no conjugation); axis=: the array API's spelling."""
    dim = dim if axis is None else axis
    from ._ops import reduce as _reduce
    _tensor(x, "linalg.vecdot", "x")
    _tensor(y, "linalg.vecdot", "y")
    return _reduce.sum(x * y, dim)


@op
def multi_dot(tensors):
    """A chain of matrix products; the first operand may be a 1-D row vector and the last a 1-D
    column vector. The order of products is chosen to minimize the multiplications."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise _C.ArgumentError(f"linalg.multi_dot: expected at least 2 tensors, but got {len(tensors)}")
    for i, t in enumerate(tensors):
        _tensor(t, "linalg.multi_dot", f"tensors[{i}]")
        want = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t.dim() not in want:
            raise _C.ShapeError(f"linalg.multi_dot: tensor {i} must be {' or '.join(f'{w}-D' for w in want)}, "
                                f"but got shape {list(t.shape)}")
    first_vec, last_vec = tensors[0].dim() == 1, tensors[-1].dim() == 1
    mats = list(tensors)
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(1)
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise _C.ShapeError(f"linalg.multi_dot: tensors {i} and {i + 1} cannot be multiplied (shapes "
                                f"{list(tensors[i].shape)} and {list(tensors[i + 1].shape)})")
    # Matrix-chain order by dynamic programming over the dims p0 x p1, p1 x p2, ...
    p = [mats[0].shape[0]] + [m.shape[1] for m in mats]
    k = len(mats)
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(2, k + 1):
        for i in range(k - length + 1):
            j = i + length - 1
            cost[i][j] = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + p[i] * p[s + 1] * p[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s

    def product(i, j):
        if i == j:
            return mats[i]
        return product(i, split[i][j]).matmul(product(split[i][j] + 1, j))

    result = product(0, k - 1)
    if first_vec:
        result = result.squeeze(0)
    if last_vec:
        result = result.squeeze(-1)
    return result


@op
def matrix_power(A, n):
    """A^n for an integer n by repeated squaring; n = 0 gives the identity, n < 0 inverts."""
    from ._ops.creation import eye
    _tensor(A, "linalg.matrix_power")
    if not isinstance(n, numbers.Integral):
        raise TypeError(f"linalg.matrix_power: n must be an int, but got {type(n).__name__}")
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise _C.ShapeError(f"linalg.matrix_power: A must be batches of square matrices, but got shape "
                            f"{list(A.shape)}")
    n = int(n)
    if n == 0:
        return eye(A.shape[-1], dtype=A.dtype).expand(A.shape).contiguous()
    if n < 0:
        A = inv(A)
        n = -n
    result, base = None, A
    while True:
        if n & 1:
            result = base if result is None else result.matmul(base)
        n >>= 1
        if n == 0:
            break
        base = base.matmul(base)
    return result.clone() if result is A else result


@op
def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return _tensor(A, "linalg.diagonal").diagonal(offset, dim1, dim2)


@op
def matmul(input, other):
    from ._ops.linalg import matmul as _matmul
    return _matmul(input, other)


# ---- top-level aliases that PyTorch has (torch.det, torch.inverse, ...) and Tensor methods ----

def _logdet(A):
    from ._ops.elementwise import where
    sign, logabs = slogdet(A)
    nan = logabs.new_full((), math.nan)
    return where(sign < 0, nan, logabs)


def _cholesky_solve(B, L, upper=False):
    """torch.cholesky_solve: solves A X = B given the Cholesky factor of A."""
    _check_matrix(B, "cholesky_solve", "B")
    _check_matrix(L, "cholesky_solve", "L")
    if upper:  # A = U^T U
        Y = solve_triangular(L.mT, B, upper=False)
        return solve_triangular(L, Y, upper=True)
    Y = solve_triangular(L, B, upper=False)
    return solve_triangular(L.mT, Y, upper=True)


def _torch_qr(A, some=True):
    return QRResult(*qr(A, "reduced" if some else "complete"))


_TorchSVD = return_types.make("svd", ["U", "S", "V"])


def _torch_svd(A, some=True, compute_uv=True):
    """torch.svd: (U, S, V) with V, not Vh; without compute_uv, U and V are zero-filled."""
    U, S, Vh = svd(A, full_matrices=not some)
    if not compute_uv:  # zero-filled m x m and n x n, as PyTorch returns them
        m, n = A.shape[-2], A.shape[-1]
        batch = tuple(A.shape[:-2])
        return _TorchSVD(S.new_zeros(batch + (m, m)), S, S.new_zeros(batch + (n, n)))
    return _TorchSVD(U, S, Vh.mT.contiguous())


_TriangularSolve = return_types.make("triangular_solve", ["solution", "cloned_coefficient"])


def _triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    _tensor(b, "triangular_solve", "b")
    _tensor(A, "triangular_solve", "A")
    r = _C.triangular_solve(b._impl, A._impl, upper, transpose, unitriangular)
    return _TriangularSolve(_wrap(r[0]), _wrap(r[1]))


def _torch_cholesky(A, upper=False):
    return cholesky(A, upper=upper)


def _torch_cross(input, other, dim=None):
    """torch.cross: dim=None picks the first dim of size 3 (PyTorch's deprecated default)."""
    if dim is None:
        sizes = [builtins.max(a, b) for a, b in zip(input.shape, other.shape)] if input.dim() == other.dim() else []
        dim = next((i for i, s in enumerate(sizes) if s == 3), -1)
    return cross(input, other, dim=dim)


def _pinverse(A, rcond=1e-15):
    return pinv(A, rtol=rcond)


_TOP_LEVEL = {
    "det": det, "logdet": _logdet, "slogdet": slogdet, "inverse": inv, "cholesky": _torch_cholesky,
    "cholesky_solve": _cholesky_solve, "qr": _torch_qr, "svd": _torch_svd,
    "triangular_solve": _triangular_solve, "matrix_power": matrix_power, "pinverse": _pinverse,
    "cross": _torch_cross, "lu_unpack": _lu_unpack,
}


def _install_aliases():
    """ember.det, ember.inverse, ... and the matching Tensor methods."""
    import sys
    package = sys.modules[__name__.rsplit(".", 1)[0]]
    for name, fn in _TOP_LEVEL.items():
        fn = _op_layer.op(name, fn)  # an op of its own unless it is the linalg function
        setattr(package, name, fn)
        setattr(Tensor, name, fn)


_install_aliases()

# The array API standard's linalg functions that torch.linalg lacks (ember/_ops/array_api_linalg.py).
from ._ops.array_api_linalg import matrix_transpose, outer, tensordot, trace  # noqa: E402,F401
__all__ += ["matrix_transpose", "outer", "tensordot", "trace"]
