"""op_db entries of the complex-number ops (ember/_ops/complex.py): the part views, complex()
and polar(), conj and its resolve forms, angle and sgn, on complex64/complex128 inputs (and on
the real dtypes where torch takes them). Their gradients, which need complex gradcheck, are
tested in test_complex.py: the entries are marked not differentiable for the real-only
finite-difference checks of test_autograd_op_db.py."""
import numpy as np

import ember
from conftest import COMPLEX_DTYPES
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data

_REAL = (ember.float32, ember.float64)


def _part_dtype(dtype):
    return ember.float32 if dtype in (ember.complex64, ember.float32) else ember.float64


def _complex_data(rng, *shape):
    return random_data(rng, *shape) + 1j * random_data(rng, *shape)


def _complex_samples(rng, dtype):
    """2-D, broadcast-free 1-D, zero-size and zero-dim complex inputs of `dtype`."""
    return [Sample((Arg(_complex_data(rng, 3, 4), dtype),), name="2-D"),
            Sample((Arg(_complex_data(rng, 5), dtype),), name="1-D"),
            Sample((Arg(np.zeros((0, 3), dtype=np.complex128), dtype),), name="empty"),
            Sample((Arg(np.array(1.5 - 2j), dtype),), name="0-dim")]


def _with_zero(rng, dtype):
    data = _complex_data(rng, 6)
    data[2] = 0
    return [Sample((Arg(data, dtype),), name="with a zero")] + _complex_samples(rng, dtype)


def _pair_samples(rng, dtype):
    """Two real operands of the parts' dtype, broadcast against each other."""
    part = _part_dtype(dtype)
    return [Sample((Arg(random_data(rng, 3, 1), part), Arg(random_data(rng, 4), part)), name="broadcast"),
            Sample((Arg(random_data(rng, 2, 3), part), Arg(random_data(rng, 2, 3), part)), name="2-D"),
            Sample((Arg(np.zeros((0,)), part), Arg(np.zeros((0,)), part)), name="empty"),
            Sample((Arg(np.array(2.0), part), Arg(np.array(-1.0), part)), name="0-dim")]


def _polar_samples(rng, dtype):
    part = _part_dtype(dtype)
    return [Sample((Arg(np.abs(random_data(rng, 3, 4)), part), Arg(random_data(rng, 3, 4), part)), name="2-D"),
            Sample((Arg(np.abs(random_data(rng, 4)), part), Arg(random_data(rng, 2, 1), part)), name="broadcast"),
            Sample((Arg(np.array(2.0), part), Arg(np.array(0.5), part)), name="0-dim")]


def _pairs_samples(rng, dtype):
    """Real tensors (..., 2) of the parts' dtype, for view_as_complex."""
    part = _part_dtype(dtype)
    return [Sample((Arg(random_data(rng, 3, 2), part),), name="1-D"),
            Sample((Arg(random_data(rng, 2, 3, 2), part),), name="2-D"),
            Sample((Arg(np.array([1.0, 2.0]), part),), name="0-dim result")]  # empty: test_complex.py


def _sgn(a):
    magnitude = np.abs(a)
    return np.where(magnitude == 0, 0, a / np.where(magnitude == 0, 1, magnitude))


def _imag_errors():
    return [ErrorCase((np.ones(3),), exc=RuntimeError, match="imag")]


def _view_as_complex_errors():
    return [ErrorCase((Arg(np.ones((3, 3)), ember.float32),), exc=RuntimeError, match="view_as_complex"),
            ErrorCase((Arg(np.ones((2,)), ember.int64),), exc=(RuntimeError, TypeError), match="view_as_complex")]


def _complex_errors():
    return [ErrorCase((Arg(np.ones(2), ember.int64), Arg(np.ones(2), ember.int64)), exc=(RuntimeError, TypeError),
                      match="complex"),
            ErrorCase((Arg(np.ones(2), ember.float32), Arg(np.ones(3), ember.float32)), exc=RuntimeError,
                      match="complex")]


_NOT_DIFF = dict(differentiable=False)  # gradients: test_complex.py (complex gradcheck)

ENTRIES = [
    OpEntry("view_as_real", lambda lib, a: lib.view_as_real(a), _complex_samples, dtypes=COMPLEX_DTYPES,
            reference=lambda a: np.stack([a.real, a.imag], axis=-1), noncontiguous=False, **_NOT_DIFF),
    OpEntry("view_as_complex", lambda lib, a: lib.view_as_complex(a), _pairs_samples, dtypes=COMPLEX_DTYPES,
            reference=lambda a: a[..., 0] + 1j * a[..., 1], noncontiguous=False, errors=_view_as_complex_errors,
            **_NOT_DIFF),
    OpEntry("view_as_real_copy", lambda lib, a: lib.view_as_real_copy(a), _complex_samples, dtypes=COMPLEX_DTYPES,
            reference=lambda a: np.stack([a.real, a.imag], axis=-1), **_NOT_DIFF),
    OpEntry("view_as_complex_copy", lambda lib, a: lib.view_as_complex_copy(a), _pairs_samples,
            dtypes=COMPLEX_DTYPES, reference=lambda a: a[..., 0] + 1j * a[..., 1], noncontiguous=False, **_NOT_DIFF),
    OpEntry("real", lambda lib, a: lib.real(a), _complex_samples, dtypes=COMPLEX_DTYPES,
            reference=lambda a: a.real.copy(), **_NOT_DIFF),
    OpEntry("imag", lambda lib, a: lib.imag(a), _complex_samples, dtypes=COMPLEX_DTYPES,
            reference=lambda a: a.imag.copy(), errors=_imag_errors, **_NOT_DIFF),
    OpEntry("complex", lambda lib, a, b: lib.complex(a, b), _pair_samples, dtypes=COMPLEX_DTYPES,
            reference=lambda a, b: a + 1j * b, errors=_complex_errors, **_NOT_DIFF),
    OpEntry("polar", lambda lib, a, b: lib.polar(a, b), _polar_samples, dtypes=COMPLEX_DTYPES,
            reference=lambda a, b: a * np.cos(b) + 1j * a * np.sin(b), **_NOT_DIFF),
    # torch's conj is lazy (its numpy() refuses the result): numpy alone is the reference
    OpEntry("conj", lambda lib, a: lib.conj(a), _complex_samples, dtypes=COMPLEX_DTYPES, reference=np.conj,
            torch=False, **_NOT_DIFF),
    OpEntry("conj_physical", lambda lib, a: lib.conj_physical(a), _complex_samples, dtypes=COMPLEX_DTYPES,
            reference=np.conj, **_NOT_DIFF),
    OpEntry("resolve_conj", lambda lib, a: lib.resolve_conj(a), _complex_samples, dtypes=COMPLEX_DTYPES,
            reference=lambda a: a.copy(), **_NOT_DIFF),
    OpEntry("resolve_neg", lambda lib, a: lib.resolve_neg(a), _complex_samples, dtypes=COMPLEX_DTYPES,
            reference=lambda a: a.copy(), **_NOT_DIFF),
    OpEntry("angle", lambda lib, a: lib.angle(a), _with_zero, dtypes=COMPLEX_DTYPES, reference=np.angle,
            **_NOT_DIFF),
    OpEntry("angle real", lambda lib, a: lib.angle(a),
            lambda rng, dtype: [Sample((np.array([-2.0, 0.0, 3.0, -0.5]),), name="signs"),
                                Sample((random_data(rng, 3, 4),), name="2-D"), Sample((np.array(-1.0),), name="0-dim")],
            dtypes=_REAL, reference=lambda a: np.where(a < 0, np.pi, 0.0), **_NOT_DIFF),  # a step at 0
    OpEntry("adjoint", lambda lib, a: lib.adjoint(a),
            lambda rng, dtype: [Sample((Arg(_complex_data(rng, 3, 4), dtype),), name="2-D"),
                                Sample((Arg(_complex_data(rng, 2, 3, 4), dtype),), name="batched"),
                                Sample((Arg(np.zeros((0, 2), dtype=np.complex128), dtype),), name="empty")],
            dtypes=COMPLEX_DTYPES, reference=lambda a: np.conj(np.swapaxes(a, -1, -2)), torch=False, **_NOT_DIFF),
    OpEntry("stft", lambda lib, x, w: lib.stft(x, 16, 4, window=w, return_complex=True),
            lambda rng, dtype: [Sample((Arg(random_data(rng, 2, 60), _part_dtype(dtype)),
                                        Arg(np.hanning(16), _part_dtype(dtype))), name="batch of 2")],
            dtypes=COMPLEX_DTYPES, reference=None, **_NOT_DIFF),  # torch is the reference
    OpEntry("istft", lambda lib, s, w: lib.istft(s, 16, 4, window=w, length=60),
            lambda rng, dtype: [Sample((Arg(_complex_data(rng, 2, 9, 16), dtype),
                                        Arg(np.hanning(18)[1:-1], _part_dtype(dtype))), name="batch of 2")],
            dtypes=COMPLEX_DTYPES, reference=None, noncontiguous=False, **_NOT_DIFF),
    OpEntry("sgn complex", lambda lib, a: lib.sgn(a), _with_zero, dtypes=COMPLEX_DTYPES, reference=_sgn, **_NOT_DIFF),
]
