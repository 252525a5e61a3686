"""op_db entries: matrix products."""
import numpy as np

import ember
from conftest import FLOAT_DTYPES, INT_DTYPES
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data


def _matmul_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 4), r(4, 5)), name="2-D")
    yield Sample((r(4), r(4)), name="1-D dot")
    yield Sample((r(4), r(4, 3)), name="vector @ matrix")
    yield Sample((r(2, 3, 4), r(4)), name="batch @ vector")
    yield Sample((r(2, 1, 3, 4), r(5, 4, 2)), name="broadcast batch")
    yield Sample((r(0, 4), r(4, 3)), name="zero rows")
    yield Sample((r(3, 0), r(0, 2)), name="zero depth")


def _matmul_errors():
    yield ErrorCase((np.zeros((2, 3)), np.zeros((4, 5))), exc=ValueError, match="cannot be multiplied")
    yield ErrorCase((np.zeros(()), np.zeros(3)), exc=ValueError, match="at least 1 dim")
    yield ErrorCase((np.zeros((2, 2, 3)), np.zeros((3, 3, 2))), exc=ValueError, match="broadcast")


ENTRIES = [
    OpEntry("matmul", lambda lib, a, b: lib.matmul(a, b), _matmul_samples,
            dtypes=FLOAT_DTYPES + INT_DTYPES, reference=np.matmul,
            tolerances={ember.float16: (5e-3, 5e-3), ember.bfloat16: (3e-2, 5e-2)},
            errors=_matmul_errors),
]


# ---- the matrix-product family -----------------------------------------------------------------

_TOL = {ember.float16: (5e-3, 5e-3), ember.bfloat16: (3e-2, 5e-2)}
_DTYPES = FLOAT_DTYPES + INT_DTYPES


def _coef(dtype, f, i):
    """A beta/alpha value: PyTorch takes only integers for integer operands."""
    return f if dtype in FLOAT_DTYPES else i


def _mm_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 4), r(4, 5)), name="2-D")
    yield Sample((r(13, 7), r(7, 33)), name="tile edges")
    yield Sample((r(1, 6), r(6, 1)), name="1x1 result")
    yield Sample((r(0, 4), r(4, 3)), name="zero rows")
    yield Sample((r(3, 0), r(0, 2)), name="zero depth")
    yield Sample((r(3, 4), r(4, 0)), name="zero columns")


def _mm_errors():
    yield ErrorCase((np.zeros((2, 3)), np.zeros((4, 5))), exc=ember.ShapeError, match=r"mm.*\[2, 3\].*\[4, 5\]")
    yield ErrorCase((np.zeros(3), np.zeros((3, 2))), exc=ember.ShapeError, match="2-D")
    yield ErrorCase((np.zeros((2, 3)), Arg(np.zeros((3, 2)), ember.float64)), exc=ember.DTypeError,
                    match="float32 and float64")
    yield ErrorCase((Arg(np.zeros((2, 2)), ember.bool), Arg(np.zeros((2, 2)), ember.bool)), exc=ember.DTypeError,
                    match="bool")


def _bmm_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(2, 3, 4), r(2, 4, 5)), name="3-D")
    yield Sample((r(5, 13, 3), r(5, 3, 17)), name="tile edges")
    yield Sample((r(0, 3, 4), r(0, 4, 5)), name="zero batch")
    yield Sample((r(2, 3, 0), r(2, 0, 5)), name="zero depth")


def _bmm_errors():
    yield ErrorCase((np.zeros((2, 3, 4)), np.zeros((3, 4, 5))), exc=ember.ShapeError, match=r"bmm.*\[2, 3, 4\]")
    yield ErrorCase((np.zeros((2, 3, 4)), np.zeros((2, 5, 5))), exc=ember.ShapeError, match="cannot be multiplied")
    yield ErrorCase((np.zeros((3, 4)), np.zeros((4, 5))), exc=ember.ShapeError, match="3-D")


def _mv_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 4), r(4)), name="2-D @ 1-D")
    yield Sample((r(40, 33), r(33)), name="longer")
    yield Sample((r(0, 4), r(4)), name="zero rows")
    yield Sample((r(3, 0), r(0)), name="zero depth")


def _mv_errors():
    yield ErrorCase((np.zeros((2, 3)), np.zeros(4)), exc=ember.ShapeError, match=r"mv.*\[2, 3\].*\[4\]")
    yield ErrorCase((np.zeros(3), np.zeros(3)), exc=ember.ShapeError, match="mv")


def _dot_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(4), r(4)), name="1-D")
    yield Sample((r(77), r(77)), name="longer")
    yield Sample((r(0), r(0)), name="empty")


def _dot_errors():
    yield ErrorCase((np.zeros(3), np.zeros(4)), exc=ember.ShapeError, match=r"\[3\] and \[4\]")
    yield ErrorCase((np.zeros((2, 2)), np.zeros(2)), exc=ember.ShapeError, match="1-D")
    yield ErrorCase((np.zeros(3), Arg(np.zeros(3), ember.float64)), exc=ember.DTypeError, match="float64")


def _outer_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3), r(4)), name="1-D")
    yield Sample((r(0), r(4)), name="empty")


def _outer_errors():
    yield ErrorCase((np.zeros((2, 2)), np.zeros(2)), exc=ember.ShapeError, match="1-D")


def _addmm_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 5), r(3, 4), r(4, 5)), name="full input")
    yield Sample((r(5), r(3, 4), r(4, 5)), dict(beta=_coef(dtype, 0.5, 2), alpha=_coef(dtype, -2.0, 3)),
                 name="broadcast row, beta, alpha")
    yield Sample((r(3, 1), r(13, 7)[:3], r(7, 33)[:, :5]), name="broadcast column")
    yield Sample((r(), r(3, 4), r(4, 5)), dict(beta=0), name="0-dim input, beta 0")
    yield Sample((r(3, 5), r(3, 0), r(0, 5)), dict(beta=_coef(dtype, 2.0, 2)), name="zero depth")
    yield Sample((r(0, 5), r(0, 4), r(4, 5)), name="zero rows")


def _addmm_ref(input, m1, m2, beta=1, alpha=1):
    prod = m1 @ m2
    return alpha * prod if beta == 0 else beta * input + alpha * prod


def _addmm_errors():
    yield ErrorCase((np.zeros((2, 5)), np.zeros((2, 3)), np.zeros((4, 5))), exc=ember.ShapeError,
                    match=r"\[2, 3\] and \[4, 5\]")
    yield ErrorCase((np.zeros((3, 5)), np.zeros((2, 3)), np.zeros((3, 5))), exc=ember.ShapeError,
                    match=r"\[3, 5\] cannot be broadcast")
    yield ErrorCase((Arg(np.zeros((2, 5)), ember.float64), np.zeros((2, 3)), np.zeros((3, 5))),
                    exc=ember.DTypeError, match="float64")
    yield ErrorCase((Arg(np.zeros((2, 5)), ember.int64), Arg(np.zeros((2, 3)), ember.int64),
                     Arg(np.zeros((3, 5)), ember.int64)), dict(beta=0.5), exc=ValueError, match="integer")


def _addmv_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3), r(3, 4), r(4)), name="full input")
    yield Sample((r(1), r(9, 4), r(4)), dict(beta=_coef(dtype, -1.5, 3), alpha=_coef(dtype, 0.5, 2)),
                 name="broadcast, beta, alpha")
    yield Sample((r(3), r(3, 4), r(4)), dict(beta=0), name="beta 0")
    yield Sample((r(3), r(3, 0), r(0)), name="zero depth")


def _addmv_errors():
    yield ErrorCase((np.zeros(3), np.zeros((3, 4)), np.zeros(5)), exc=ember.ShapeError, match=r"\[3, 4\] and \[5\]")
    yield ErrorCase((np.zeros(2), np.zeros((3, 4)), np.zeros(4)), exc=ember.ShapeError, match="broadcast")


def _baddbmm_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(2, 3, 5), r(2, 3, 4), r(2, 4, 5)), name="full input")
    yield Sample((r(3, 1), r(4, 3, 6), r(4, 6, 5)), dict(beta=_coef(dtype, 0.25, 2), alpha=_coef(dtype, 3.0, 3)),
                 name="broadcast input, beta, alpha")
    yield Sample((r(2, 3, 5), r(2, 3, 4), r(2, 4, 5)), dict(beta=0), name="beta 0")
    yield Sample((r(0, 3, 5), r(0, 3, 4), r(0, 4, 5)), name="zero batch")


def _baddbmm_errors():
    yield ErrorCase((np.zeros((2, 3, 5)), np.zeros((2, 3, 4)), np.zeros((3, 4, 5))), exc=ember.ShapeError,
                    match="batch")
    yield ErrorCase((np.zeros((2, 4, 5)), np.zeros((2, 3, 4)), np.zeros((2, 4, 5))), exc=ember.ShapeError,
                    match="broadcast")


def _addbmm_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 5), r(2, 3, 4), r(2, 4, 5)), name="full input")
    yield Sample((r(5), r(4, 3, 6), r(4, 6, 5)), dict(beta=_coef(dtype, 0.5, 2), alpha=_coef(dtype, -1.0, 3)),
                 name="broadcast input, beta, alpha")
    yield Sample((r(3, 5), r(0, 3, 4), r(0, 4, 5)), dict(beta=_coef(dtype, 2.0, 2)), name="zero batch")


def _addbmm_ref(input, b1, b2, beta=1, alpha=1):
    prods = b1 @ b2
    prod = np.sum(prods, axis=0, dtype=prods.dtype)
    return alpha * prod if beta == 0 else beta * input + alpha * prod


def _addbmm_errors():
    yield ErrorCase((np.zeros((3, 5)), np.zeros((2, 3, 4)), np.zeros((3, 4, 5))), exc=ember.ShapeError, match="batch")


def _linear_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 4), r(5, 4), r(5)), name="2-D with bias")
    yield Sample((r(2, 3, 4), r(5, 4)), name="3-D, no bias")
    yield Sample((r(4), r(5, 4), r(5)), name="1-D input")
    yield Sample((r(2, 2, 3, 7), r(33, 7), r(33)), name="4-D, tile edges")
    yield Sample((r(0, 4), r(5, 4), r(5)), name="zero rows")
    yield Sample((r(3, 0), r(5, 0), r(5)), name="zero features")


def _linear_ref(x, w, b=None):
    out = x @ w.T
    return out if b is None else out + b


def _linear_errors():
    yield ErrorCase((np.zeros((3, 4)), np.zeros((5, 3))), exc=ember.ShapeError, match=r"\[3, 4\].*\[5, 3\]")
    yield ErrorCase((np.zeros((3, 4)), np.zeros((5, 4)), np.zeros(4)), exc=ember.ShapeError, match="broadcast")
    yield ErrorCase((np.zeros((3, 4)), Arg(np.zeros((5, 4)), ember.float64)), exc=ember.DTypeError, match="float64")


def _entry(name, op, samples, reference, errors, dtypes=_DTYPES):
    return OpEntry(name, op, samples, dtypes=dtypes, reference=reference, tolerances=_TOL, errors=errors)


ENTRIES += [
    _entry("mm", lambda lib, a, b: lib.mm(a, b), _mm_samples, np.matmul, _mm_errors),
    _entry("bmm", lambda lib, a, b: lib.bmm(a, b), _bmm_samples, np.matmul, _bmm_errors),
    _entry("mv", lambda lib, a, v: lib.mv(a, v), _mv_samples, np.matmul, _mv_errors),
    _entry("dot", lambda lib, a, b: lib.dot(a, b), _dot_samples, np.dot, _dot_errors),
    _entry("vdot", lambda lib, a, b: lib.vdot(a, b), _dot_samples, np.vdot, _dot_errors),
    _entry("outer", lambda lib, a, b: lib.outer(a, b), _outer_samples, np.outer, _outer_errors),
    _entry("ger", lambda lib, a, b: lib.ger(a, b), _outer_samples, np.outer, _outer_errors),
    _entry("addmm", lambda lib, i, a, b, **kw: lib.addmm(i, a, b, **kw), _addmm_samples, _addmm_ref, _addmm_errors),
    _entry("addmv", lambda lib, i, a, v, **kw: lib.addmv(i, a, v, **kw), _addmv_samples, _addmm_ref, _addmv_errors),
    _entry("baddbmm", lambda lib, i, a, b, **kw: lib.baddbmm(i, a, b, **kw), _baddbmm_samples, _addmm_ref,
           _baddbmm_errors),
    _entry("addbmm", lambda lib, i, a, b, **kw: lib.addbmm(i, a, b, **kw), _addbmm_samples, _addbmm_ref,
           _addbmm_errors),
    _entry("nn.functional.linear", lambda lib, *args: lib.nn.functional.linear(*args), _linear_samples, _linear_ref,
           _linear_errors),
]


def _bilinear_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(3, 4), r(3, 5), r(2, 4, 5), r(2)), name="2-D with bias")
    yield Sample((r(2, 3, 4), r(2, 3, 5), r(6, 4, 5)), name="3-D, no bias")
    yield Sample((r(4), r(5), r(3, 4, 5), r(3)), name="1-D inputs")
    yield Sample((r(0, 4), r(0, 5), r(2, 4, 5), r(2)), name="zero rows")


def _bilinear_ref(x1, x2, w, b=None):
    out = np.einsum("...i,oij,...j->...o", x1, w, x2)
    return out if b is None else out + b


def _bilinear_errors():
    yield ErrorCase((np.zeros((3, 4)), np.zeros((3, 5)), np.zeros((2, 5, 4))), exc=ember.ShapeError,
                    match=r"input1 \[3, 4\], input2 \[3, 5\], weight \[2, 5, 4\]")
    yield ErrorCase((np.zeros((3, 4)), np.zeros((2, 5)), np.zeros((2, 4, 5))), exc=ember.ShapeError, match="leading")
    yield ErrorCase((np.zeros((3, 4)), Arg(np.zeros((3, 5)), ember.float64), np.zeros((2, 4, 5))),
                    exc=ember.DTypeError, match="float64")


ENTRIES.append(OpEntry("nn.functional.bilinear", lambda lib, *args: lib.nn.functional.bilinear(*args),
                       _bilinear_samples, dtypes=FLOAT_DTYPES, reference=_bilinear_ref,
                       tolerances={ember.float16: (1e-2, 1e-2), ember.bfloat16: (5e-2, 1e-1)},
                       errors=_bilinear_errors))
