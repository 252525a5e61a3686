"""FFT cases (`run.py --suite fft`): ember.fft beside torch.fft and numpy.fft on the same data,
as ops.Case entries that run.py times like the ops suite's.

The sizes: a 1-D power-of-two complex64 transform (2^20 points), a batch of 8 2-D 256x256
complex64 transforms, a prime length (100,003, which needs Bluestein's algorithm or its like)
and the real transform of 2^20 float32 points. flops is the conventional 5 n log2 n for a
complex transform of n points (2.5 n log2 n for a real one), a rate for comparison, not a count
of what any library executes; bytes is the input read once and the output written once.
numpy.fft computes complex64 and float32 input in single precision (numpy >= 2.0).
"""
import math

import numpy as np

from .ops import Case, _mn, _rng

_SIZES = {
    # scale: (1-D length, 2-D batch, 2-D side, prime length, real length)
    "full": (1 << 20, 8, 256, 100003, 1 << 20),
    "quick": (1 << 18, 4, 128, 10007, 1 << 18),
    "check": (1 << 10, 2, 16, 101, 1 << 10),
}


def _crandn(shape, seed):
    rng = _rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)


def _case(name, what, make, call, np_call, points, batch, real, seed, bytes_in, bytes_out):
    def data():
        return {"x": make(seed)}

    def torchlike(lib, device, d):
        x = lib.from_numpy(d["x"].copy()).to(device)
        return lambda: call(lib.fft, x)

    def numpy(d):
        x = d["x"]
        return lambda: np_call(x)

    flops = batch * (2.5 if real else 5.0) * points * math.log2(points)
    # float32 transforms: errors grow like sqrt(log n) roundings of values of size sqrt(n)
    return Case(name, "fft", what, data, torchlike, numpy, flops=flops, bytes=bytes_in + bytes_out,
                dtype="float32", rtol=1e-3, atol=1e-4 * math.sqrt(points))


def cases(scale="full"):
    if scale not in _SIZES:
        raise ValueError(f"spectral.cases: scale must be one of {sorted(_SIZES)}, not {scale!r}")
    n, batch, side, prime, nr = _SIZES[scale]
    return [
        _case(f"fft {_mn(n)} complex64", f"fft.fft of {n:,} complex64 points",
              lambda s: _crandn(n, s), lambda fft, x: fft.fft(x), np.fft.fft, n, 1, False, 0, 8 * n, 8 * n),
        _case(f"fft2 {batch}x{side}x{side} complex64", f"fft.fft2 of a batch of {batch} {side}x{side} complex64 images",
              lambda s: _crandn((batch, side, side), s), lambda fft, x: fft.fft2(x), np.fft.fft2,
              side * side, batch, False, 1, 8 * batch * side * side, 8 * batch * side * side),
        _case(f"fft prime {prime:,} complex64", f"fft.fft of a prime length, {prime:,} complex64 points",
              lambda s: _crandn(prime, s), lambda fft, x: fft.fft(x), np.fft.fft, prime, 1, False, 2,
              8 * prime, 8 * prime),
        _case(f"rfft {_mn(nr)} float32", f"fft.rfft of {nr:,} float32 points",
              lambda s: _rng(s).standard_normal(nr).astype(np.float32), lambda fft, x: fft.rfft(x), np.fft.rfft,
              nr, 1, True, 3, 4 * nr, 8 * (nr // 2 + 1)),
    ]
