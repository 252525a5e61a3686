"""torch.stft and torch.istft, as composites of ember ops: frames by unfold, the window, and a
one-sided (rfft) or full (fft) transform per frame; the inverse transforms each frame back,
windows it and overlap-adds the frames with fold, dividing by the overlap-added squared window
(the envelope). Being composites, both differentiate through the ops they call."""
import warnings

from .. import _C
from .._op_layer import install_methods, op
from .._tensor import Tensor

__all__ = ["stft", "istft"]


def _ember():
    import ember
    return ember


def _check_lengths(op, n_fft, hop_length, win_length, window, size=None):
    if not isinstance(n_fft, int) or n_fft <= 0:
        raise _C.ArgumentError(f"{op}: expected 0 < n_fft, but got n_fft={n_fft!r}")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if not isinstance(hop, int) or hop <= 0:
        raise _C.ArgumentError(f"{op}: expected hop_length > 0, but got hop_length={hop}")
    if not isinstance(win, int) or not 0 < win <= n_fft:
        raise _C.ArgumentError(f"{op}: expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None:
        if not isinstance(window, Tensor):
            raise TypeError(f"{op}: window must be a Tensor, not {type(window).__name__}")
        if window.dim() != 1 or window.shape[0] != win:
            raise _C.ArgumentError(f"{op}: expected a 1-D window tensor of size equal to win_length={win}, "
                                   f"but got window with size {list(window.shape)}")
    return hop, win


def _full_window(window, win, n_fft, dtype, device):
    """The window, or ones, centred in n_fft samples (zeros on both sides)."""
    e = _ember()
    if window is None:
        window = e.ones(win, dtype=dtype, device=device)
    if win < n_fft:
        left = (n_fft - win) // 2
        window = e.nn.functional.pad(window, (left, n_fft - win - left))
    return window


def _real_dtype(dtype):
    return {_C.dtype.complex64: _C.dtype.float32, _C.dtype.complex128: _C.dtype.float64}.get(dtype, dtype)


@op
def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
         normalized=False, onesided=None, return_complex=None, align_to_window=None):
    """The short-time Fourier transform of a 1-D signal or a 2-D batch of them: (B?, N, T)
    complex, N = n_fft // 2 + 1 one-sided (real input and window) else n_fft, T frames."""
    e = _ember()
    if not isinstance(input, Tensor):
        raise TypeError(f"stft(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() not in (1, 2):
        raise _C.ShapeError(f"stft: expected a 1D or 2D tensor, but got shape {list(input.shape)}")
    if not (input.dtype.is_floating_point or input.dtype.is_complex) or input.dtype in (e.float16, e.bfloat16):
        raise _C.DTypeError(f"stft: expected a float32, float64 or complex input, but got {input.dtype}")
    complex_in = input.dtype.is_complex or (window is not None and window.dtype.is_complex)
    if return_complex is None:
        if not complex_in:
            raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will "
                               "further require that return_complex=True in a future PyTorch release.")
        return_complex = True
    if align_to_window:
        raise NotImplementedError("stft: align_to_window=True is not supported; frames start at the padded "
                                  "signal's multiples of hop_length")
    hop, win = _check_lengths("stft", n_fft, hop_length, win_length, window)
    if onesided is None:
        onesided = not complex_in
    elif onesided and complex_in:
        raise _C.ArgumentError("stft: cannot have onesided output if window or input is complex")
    x = input if input.dim() == 2 else input.unsqueeze(0)
    if center:
        pad = n_fft // 2
        x = e.nn.functional.pad(x.unsqueeze(1), (pad, pad), mode=pad_mode).squeeze(1)
    if x.shape[-1] < n_fft:
        raise _C.ArgumentError(f"stft: expected 0 < n_fft <= {x.shape[-1]} (the padded signal's length), "
                               f"but got n_fft={n_fft}")
    frames = x.unfold(-1, n_fft, hop)  # (B, T, n_fft)
    frames = frames * _full_window(window, win, n_fft, _real_dtype(input.dtype), input.device)
    norm = "ortho" if normalized else "backward"
    spectrum = e.fft.rfft(frames, dim=-1, norm=norm) if onesided else e.fft.fft(frames, dim=-1, norm=norm)
    spectrum = spectrum.transpose(1, 2)  # (B, N, T)
    if input.dim() == 1:
        spectrum = spectrum.squeeze(0)
    if not return_complex:
        warnings.warn("stft with return_complex=False is deprecated (as in torch): use return_complex=True and "
                      "view_as_real", UserWarning, stacklevel=3)
        return e.view_as_real(spectrum)
    return spectrum


@op
def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
          onesided=None, length=None, return_complex=False):
    """The inverse of stft: each frame transformed back, windowed and overlap-added, divided by
    the overlap-added squared window; `length` trims or zero-pads the result."""
    e = _ember()
    if not isinstance(input, Tensor):
        raise TypeError(f"istft(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not input.dtype.is_complex:
        raise _C.DTypeError(f"istft: expected a complex input (stft's return_complex=True), but got {input.dtype}")
    if input.dim() not in (2, 3):
        raise _C.ShapeError(f"istft: expected a tensor of 2 or 3 dims (B?, N, T), but got shape {list(input.shape)}")
    hop, win = _check_lengths("istft", n_fft, hop_length, win_length, window)
    spectrum = input if input.dim() == 3 else input.unsqueeze(0)
    bins, n_frames = spectrum.shape[1], spectrum.shape[2]
    if onesided is None:
        onesided = bins != n_fft
    expected = n_fft // 2 + 1 if onesided else n_fft
    if bins != expected:
        raise _C.ShapeError(f"istft: expected the frequency dim to have size {expected} "
                            f"({'one-sided' if onesided else 'full'} n_fft={n_fft}), but got shape "
                            f"{list(input.shape)}")
    if n_frames == 0:
        raise _C.ShapeError(f"istft: expected at least one frame, but got shape {list(input.shape)}")
    if onesided and return_complex:
        raise _C.ArgumentError("istft: cannot have onesided output if the result is complex (return_complex=True)")
    norm = "ortho" if normalized else "backward"
    columns = spectrum.transpose(1, 2)  # (B, T, N)
    if onesided:
        frames = e.fft.irfft(columns, n=n_fft, dim=-1, norm=norm)
    else:
        frames = e.fft.ifft(columns, n=n_fft, dim=-1, norm=norm)
        if not return_complex:
            frames = frames.real
    w = _full_window(window, win, n_fft, _real_dtype(input.dtype), input.device)
    frames = frames * w
    total = n_fft + hop * (n_frames - 1)
    fold = e.nn.functional.fold
    signal = fold(frames.transpose(1, 2), output_size=(1, total), kernel_size=(1, n_fft), stride=(1, hop))
    signal = signal.reshape(signal.shape[0], total)
    envelope = fold((w * w).reshape(1, n_fft, 1).expand(1, n_fft, n_frames).contiguous(), output_size=(1, total),
                    kernel_size=(1, n_fft), stride=(1, hop)).reshape(total)
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = total - n_fft // 2
    else:
        end = total
    end_in = min(end, total)
    signal, envelope = signal[:, start:end_in], envelope[start:end_in]
    if bool((envelope.abs() < 1e-11).any()):
        raise RuntimeError("istft: window overlap add min is below 1e-11: the window and hop_length do not satisfy "
                           "the nonzero overlap-add (NOLA) condition")
    signal = signal / envelope
    if length is not None and end > total:
        signal = e.nn.functional.pad(signal, (0, end - total))
    return signal.squeeze(0) if input.dim() == 2 else signal


install_methods({"stft": stft, "istft": istft})
