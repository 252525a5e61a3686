"""Backward rules of the complex-number ops (ember/_ops/complex.py).

Gradients follow PyTorch's convention: for a real loss L of z = x + iy the gradient carried for
z is dL/dx + i dL/dy (the conjugate Wirtinger derivative, doubled). So a holomorphic f has
grad_z = grad * conj(f'(z)) (the elementwise rules apply conj to their derivative for complex
inputs), and the part functions move gradients between the real and imaginary parts:
real(z) sends g to g + 0i, imag(z) sends g to 0 + ig, complex(a, b) sends g to (Re g, Im g).
A real input of an op with a complex result takes the real part of its gradient (the engine
casts the gradient to the input's dtype).
"""
import ember
from ..recording import register


def _save_input(ctx, result, input, *args, **kwargs):
    ctx.save_for_backward(input)
    return (input,)


def _pass_input(ctx, result, input, *args, **kwargs):
    ctx.complex_input = input.dtype.is_complex
    return (input,)


def _real_backward(ctx, grad):
    # a real tensor's real() is the tensor itself: its gradient passes unchanged
    return ember.complex(grad, ember.zeros_like(grad)) if ctx.complex_input else grad


def _imag_backward(ctx, grad):
    return ember.complex(ember.zeros_like(grad), grad)


register("real", _pass_input, _real_backward)
register("imag", _pass_input, _imag_backward)
register("view_as_real", _pass_input, lambda ctx, grad: ember.view_as_complex(grad.contiguous()))
register("view_as_complex", _pass_input, lambda ctx, grad: ember.view_as_real(grad))


def _conj_backward(ctx, grad):
    return grad.conj()


register(("conj", "conj_physical"), _pass_input, _conj_backward)
register(("resolve_conj", "resolve_neg"), _pass_input, lambda ctx, grad: grad)


def _complex_setup(ctx, result, real, imag, **kwargs):
    return real, imag


def _complex_backward(ctx, grad):
    return ((ember.real(grad) if ctx.needs_input_grad[0] else None),
            (ember.imag(grad) if ctx.needs_input_grad[1] else None))


register("complex", _complex_setup, _complex_backward)


def _polar_setup(ctx, result, abs, angle, **kwargs):
    ctx.save_for_backward(angle, result)
    return abs, angle


def _polar_backward(ctx, grad):
    # z = r e^{i theta}: dL/dr = Re(grad conj(e^{i theta})), dL/dtheta = Im(grad conj(z))
    theta, z = ctx.saved_tensors
    grad_abs = grad_angle = None
    if ctx.needs_input_grad[0]:  # e^{i theta} from theta: z / |z| loses it where r == 0
        grad_abs = ember.real(grad * ember.polar(ember.ones_like(theta), theta).conj())
    if ctx.needs_input_grad[1]:
        grad_angle = ember.imag(grad * z.conj())
    return grad_abs, grad_angle


register("polar", _polar_setup, _polar_backward)


def _angle_backward(ctx, grad):
    z, = ctx.saved_tensors
    if not z.dtype.is_complex:  # piecewise constant on the reals
        return ember.zeros_like(z)
    # theta = atan2(y, x): dL/dx + i dL/dy = grad (-y + ix) / |z|^2 = grad * i z / |z|^2
    magnitude2 = (z * z.conj()).real
    safe = ember.where(magnitude2 == 0, 1.0, magnitude2)
    return ember.where(magnitude2 == 0, 0.0, grad * (z * 1j) / safe)


register("angle", _save_input, _angle_backward)


def _sgn_backward(ctx, grad):
    z, result = ctx.saved_tensors
    if not z.dtype.is_complex:  # sign(): zero gradient
        return ember.zeros_like(z)
    # s = z / |z|: grad_z = (grad - Re(grad conj(s)) s) / |z|, and 0 at 0 (as torch has it)
    a = z.abs()
    safe = ember.where(a == 0, 1.0, a)
    value = (grad - ember.real(grad * result.conj()) * result) / safe
    return ember.where(a == 0, 0.0, value)


def _sgn_setup(ctx, result, input, *args, **kwargs):
    ctx.save_for_backward(input, result)
    return (input,)


register("sgn", _sgn_setup, _sgn_backward)
