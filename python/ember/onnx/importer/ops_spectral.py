"""Spectral ops: DFT, STFT, the Hann / Hamming / Blackman windows, MelWeightMatrix.

ONNX holds complex values as a trailing dim of 2 (real, imaginary; 1 for real signals). A DFT
here is two matrix products with the cos and sin tables of its length, in float64, so it is
differentiable and exact to float64 rounding (no FFT: signal lengths in models are small).
"""
import math

import numpy as np

import ember

from ..registry import imports
from .common import axis as normalize_axis, scalar
from .dtypes import to_ember_dtype


def _tables(n_in, n_out, length):
    """cos and sin of 2*pi*j*k/length for input index j < n_in and output index k < n_out."""
    j = np.arange(n_in).reshape(-1, 1)
    k = np.arange(n_out).reshape(1, -1)
    angle = 2 * np.pi * ((j * k) % length) / length  # the modulo keeps angles small and exact
    return ember.tensor(np.cos(angle)), ember.tensor(np.sin(angle))


def _fit(x, length):
    """x [..., n] cut or zero-padded to `length` in its last dim."""
    n = x.shape[-1]
    if n > length:
        return x[..., :length]
    if n < length:
        return ember.cat([x, ember.zeros(*x.shape[:-1], length - n, dtype=x.dtype)], dim=-1)
    return x


def _dft_last(real, imag, length, inverse, onesided):
    """The DFT along the last dim of the float64 signal real + i*imag (imag may be None):
    returns (real, imag) parts; the inverse one-sided transform (irfft) returns (real, None)."""
    if inverse and onesided:  # irfft: the bins 0..length/2 stand for the whole Hermitian spectrum
        bins = length // 2 + 1
        real, imag = _fit(real, bins), None if imag is None else _fit(imag, bins)
        cos, sin = _tables(bins, length, length)
        weight = np.full(bins, 2.0)
        weight[0] = 1.0
        if length % 2 == 0:
            weight[-1] = 1.0
        w = ember.tensor(weight).reshape(-1, 1)
        out = ember.matmul(real, cos * w)
        if imag is not None:
            out = out - ember.matmul(imag, sin * w)
        return out / length, None
    real = _fit(real, length)
    imag = None if imag is None else _fit(imag, length)
    bins = length // 2 + 1 if onesided else length
    cos, sin = _tables(length, bins, length)
    sign = 1.0 if inverse else -1.0  # e^(+i...) for the inverse, e^(-i...) forward
    out_real = ember.matmul(real, cos)
    out_imag = sign * ember.matmul(real, sin)
    if imag is not None:
        out_real = out_real - sign * ember.matmul(imag, sin)
        out_imag = out_imag + ember.matmul(imag, cos)
    if inverse:
        out_real, out_imag = out_real / length, out_imag / length
    return out_real, out_imag


@imports("DFT")
def dft(node, x, dft_length=None, axis_input=None):
    if node.opset >= 20:
        a = -2 if axis_input is None else int(scalar(axis_input))
    else:
        a = node.attr("axis", 1)
    a = normalize_axis(a, x.ndim)
    inverse, onesided = bool(node.attr("inverse", 0)), bool(node.attr("onesided", 0))
    n = x.shape[a]
    if dft_length is not None:
        length = int(scalar(dft_length))
    else:
        length = 2 * (n - 1) if inverse and onesided else n
    signal = x.to(ember.float64).movedim(a, -2)  # [..., n, 1 or 2]
    real = signal[..., 0]
    imag = signal[..., 1] if signal.shape[-1] == 2 else None
    out_real, out_imag = _dft_last(real, imag, length, inverse, onesided)
    parts = [out_real] if out_imag is None else [out_real, out_imag]
    return ember.stack(parts, -1).movedim(-2, a).to(x.dtype)


@imports("STFT")
def stft(node, signal, frame_step, window=None, frame_length=None):
    step = int(scalar(frame_step))
    if frame_length is not None:
        length = int(scalar(frame_length))
    else:
        length = window.shape[0] if window is not None else signal.shape[-2]
    frames = 1 + (signal.shape[-2] - length) // step
    x = signal.to(ember.float64)
    pieces = x.unfold(-2, length, step)[:, :frames]  # [B, frames, 1 or 2, length]
    if window is not None:
        pieces = pieces * window.to(ember.float64)
    real = pieces[:, :, 0]
    imag = pieces[:, :, 1] if pieces.shape[2] == 2 else None
    out_real, out_imag = _dft_last(real, imag, length, False, bool(node.attr("onesided", 1)))
    return ember.stack([out_real, out_imag], -1).to(signal.dtype)


def _window(node, size, terms):
    """sum_k terms[k] * cos(2*pi*k*n / N), N = size (periodic) or size - 1 (symmetric)."""
    n = int(scalar(size))
    denominator = n if node.attr("periodic", 1) else n - 1
    steps = ember.arange(n, dtype=ember.float64)
    values = ember.zeros(n, dtype=ember.float64)
    for k, coefficient in enumerate(terms):
        values = values + coefficient * ember.cos(steps * (2 * math.pi * k / denominator))
    return values.to(to_ember_dtype(node.attr("output_datatype", 1), f"{node.describe()}'s output_datatype"))


@imports("HannWindow")
def hann_window(node, size):
    return _window(node, size, [0.5, -0.5])


@imports("HammingWindow")
def hamming_window(node, size):
    alpha = 25.0 / 46.0
    return _window(node, size, [alpha, -(1 - alpha)])


@imports("BlackmanWindow")
def blackman_window(node, size):
    return _window(node, size, [0.42, -0.5, 0.08])


@imports("MelWeightMatrix")
def mel_weight_matrix(node, num_mel_bins, dft_length, sample_rate, lower_edge_hertz, upper_edge_hertz):
    """Triangular filters [dft_length // 2 + 1, num_mel_bins] evenly spaced on the mel scale
    (mel = 2595 log10(1 + hz / 700)), their corners rounded down to spectrogram bins."""
    mels, length, rate = int(scalar(num_mel_bins)), int(scalar(dft_length)), scalar(sample_rate)
    low, high = float(scalar(lower_edge_hertz)), float(scalar(upper_edge_hertz))

    def to_mel(hz):
        return 2595 * math.log10(1 + hz / 700)
    step = (to_mel(high) - to_mel(low)) / (mels + 2)
    corners = []
    for i in range(mels + 2):
        hz = 700 * (10 ** ((to_mel(low) + i * step) / 2595) - 1)
        corners.append(int(((length + 1) * hz) // rate))
    table = np.zeros((length // 2 + 1, mels))
    for i in range(mels):
        left, center, right = corners[i], corners[i + 1], corners[i + 2]
        if center == left:
            table[center, i] = 1
        else:
            for j in range(left, center + 1):
                table[j, i] = (j - left) / (center - left)
        for j in range(center, right):
            table[j, i] = (right - j) / (right - center)
    dtype = to_ember_dtype(node.attr("output_datatype", 1), f"{node.describe()}'s output_datatype")
    return ember.tensor(table).to(dtype)
