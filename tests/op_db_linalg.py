"""op_db entries: matrix products."""
import numpy as np

import ember
from conftest import FLOAT_DTYPES, INT_DTYPES
from op_db import ErrorCase, OpEntry, Sample, random_data


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
