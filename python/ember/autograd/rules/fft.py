"""Backward rules of the ember.fft transforms.

Each transform is linear over the reals, so its gradient is its adjoint applied to the
gradient (PyTorch's convention: dL/dx + i dL/dy for complex values). The adjoint of an
unnormalized transform is the unnormalized transform of the opposite direction, and a norm's
scale on one direction is the dual norm's scale on the other ("backward" <-> "forward",
"ortho" <-> "ortho"); the input's crop to the transform sizes has the zero-pad back to the
input's sizes as adjoint and the zero-pad has the crop. The one-sided transforms add weights
along the last transformed dim:

- rfft keeps bins 0 .. n // 2 of the full spectrum: its adjoint zero-pads the gradient to the
  full spectrum and takes the real part of the inverse transform, which is irfft of the
  gradient with the interior bins (those with a mirror image) halved;
- irfft counts each interior bin twice (it and its mirror) and bins 0 and n / 2 once: its
  adjoint is rfft of the gradient with the interior bins doubled;
- hfft* is irfft* of the conjugate and ihfft* the conjugate of rfft*, with the conjugate's
  adjoint the conjugate.

A real input of a transform with a complex result (fft of a real signal) takes the real part.
The backward formulas are ember.fft transforms themselves, so they differentiate again.
"""
import numpy as np

from ..recording import register

_C2C = ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn")
_R2C = ("rfft", "rfft2", "rfftn", "ihfft", "ihfft2", "ihfftn")
_C2R = ("irfft", "irfft2", "irfftn", "hfft", "hfft2", "hfftn")


def _fft():
    import ember.fft
    return ember.fft


def _save_plan(ctx, name, input, s, dim, norm, out, one_dim):
    """Saves the call's transform dims, transform sizes and norm (as the op resolved them) and the
    input's sizes along those dims."""
    from ...fft import _c2c, _real
    if out is not None:
        raise RuntimeError(f"fft.{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad")
    plan = _c2c.plan if name in _C2C else _real.r2c_plan if name in _R2C else _real.c2r_plan
    ctx.dims, ctx.sizes, ctx.norm = plan(name, input, s, dim, norm, one_dim)
    ctx.in_sizes = [input.shape[d] for d in ctx.dims]
    ctx.ndim = input.dim()
    ctx.complex_input = input.dtype.is_complex
    ctx.forward = not name.startswith("i")  # ifft*, irfft*, ihfft*: the inverse direction
    return (input,)


def _setups(name):
    """The rule's setup, with the op's own signature (n= for the 1-D transforms, s= otherwise)."""
    if not name.endswith(("2", "n")):
        def setup_1d(ctx, result, input, n=None, dim=-1, norm=None, *, out=None):
            return _save_plan(ctx, name, input, n, dim, norm, out, True)
        return setup_1d
    default_dim = (-2, -1) if name.endswith("2") else None

    def setup(ctx, result, input, s=None, dim=default_dim, norm=None, *, out=None):
        return _save_plan(ctx, name, input, s, dim, norm, out, False)
    return setup


def _last_dim_weights(ctx, interior, dtype):
    """Weights of the one-sided bins along the last transformed dim (of the real size n): 1 for
    bin 0 and, for even n, bin n / 2; `interior` for the others. Shaped to broadcast."""
    n = ctx.sizes[-1]
    w = np.full(n // 2 + 1, interior)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    from ..._ops.creation import from_numpy
    shape = [n // 2 + 1] + [1] * (ctx.ndim - 1 - ctx.dims[-1])
    return from_numpy(w.reshape(shape)).to(dtype)


def _to_input(ctx, grad):
    """The gradient at the input's sizes along the transform dims, real for a real input."""
    from ...fft._args import resize
    grad = resize(grad, ctx.dims, ctx.in_sizes)
    return grad if ctx.complex_input else grad.real


def _real_dtype(t):
    import ember
    return ember.float64 if t.dtype in (ember.complex128, ember.float64) else ember.float32


def _c2c_backward(ctx, grad):
    from ...fft._args import DUAL_NORM
    fft = _fft()
    opposite = fft.ifftn if ctx.forward else fft.fftn
    return _to_input(ctx, opposite(grad, dim=ctx.dims, norm=DUAL_NORM[ctx.norm]))


def _r2c_backward(ctx, grad):
    """rfft* (forward) and ihfft* = conj(rfft*) with the dual norm."""
    from ...fft._args import DUAL_NORM
    norm = DUAL_NORM[ctx.norm]
    if not ctx.forward:
        grad, norm = grad.conj(), ctx.norm
    grad = grad * _last_dim_weights(ctx, 0.5, _real_dtype(grad))
    return _to_input(ctx, _fft().irfftn(grad, s=ctx.sizes, dim=ctx.dims, norm=norm))


def _c2r_backward(ctx, grad):
    """irfft* (inverse) and hfft* = irfft*(conj) with the dual norm."""
    from ...fft._args import DUAL_NORM
    if ctx.forward:
        spectrum = _fft().rfftn(grad, dim=ctx.dims, norm=ctx.norm).conj()
    else:
        spectrum = _fft().rfftn(grad, dim=ctx.dims, norm=DUAL_NORM[ctx.norm])
    return _to_input(ctx, spectrum * _last_dim_weights(ctx, 2.0, _real_dtype(grad)))


for _name in _C2C:
    register(f"fft.{_name}", _setups(_name), _c2c_backward)
for _name in _R2C:
    register(f"fft.{_name}", _setups(_name), _r2c_backward)
for _name in _C2R:
    register(f"fft.{_name}", _setups(_name), _c2r_backward)
