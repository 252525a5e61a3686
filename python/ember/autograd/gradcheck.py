"""gradcheck and gradgradcheck: backward against finite differences.

The analytical Jacobian comes from one vector-Jacobian product per output element (backward
with a one-hot gradient); the numerical one from central differences, one per input element,
computed by perturbing the input's values in place (so non-contiguous inputs are perturbed
where they live). Both are compared with `allclose(rtol, atol)`; inputs should be float64 or
complex128.

A complex tensor counts as its real and imaginary parts, as PyTorch's gradcheck takes it: an
input's element is perturbed along 1 and along i, an output's element is seeded with 1 (the
gradient of its real part) and with 1j (of its imaginary part), and the backward's gradient
dL/dx + i dL/dy supplies both partial derivatives of each.
"""
import numpy as np

from .._tensor import Tensor
from .api import grad as _grad
from .grad_mode import no_grad


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) or not isinstance(x, (tuple, list)) else tuple(x)


def _differentiable_outputs(fn, inputs):
    out = _as_tuple(fn(*inputs))
    return [o for o in out if isinstance(o, Tensor) and o.requires_grad]


def _is_differentiable(o):
    return isinstance(o, Tensor) and (o.is_floating_point() or o.dtype.is_complex)


def _real_size(t):
    return t.numel() * (2 if t.dtype.is_complex else 1)


def _values(t):
    """The values as float64, a complex tensor's as (real, imag) pairs."""
    if not t.numel():
        return np.zeros(0)
    array = t.detach().cpu().numpy()
    if t.dtype.is_complex:
        return array.astype(np.complex128).reshape(-1).view(np.float64)
    return array.astype(np.float64).reshape(-1)


def _numerical_jacobians(fn, inputs, index, eps):
    """Per output: the (numel(input), numel(output)) Jacobian by central differences."""
    x = inputs[index]
    outs = [o for o in _as_tuple(fn(*inputs)) if _is_differentiable(o)]
    jac = [np.zeros((_real_size(x), _real_size(o))) for o in outs]
    flat = x.detach()  # shares storage: writing an element of it perturbs x in place
    shape = flat.shape
    directions = (1.0, 1j) if x.dtype.is_complex else (1.0,)
    for i in range(x.numel()):
        idx = np.unravel_index(i, shape) if shape else ()
        original = flat[idx].item() if shape else flat.item()
        for part, direction in enumerate(directions):
            results = []
            for delta in (eps, -eps):
                with no_grad():
                    flat[idx] = original + delta * direction
                results.append([_values(o) for o in _as_tuple(fn(*inputs)) if _is_differentiable(o)])
            with no_grad():
                flat[idx] = original
            for k in range(len(outs)):
                jac[k][i * len(directions) + part] = (results[0][k] - results[1][k]) / (2 * eps)
    return jac


def _analytical_jacobians(fn, inputs, index):
    from .. import tensor
    x = inputs[index]
    outs = [o for o in _as_tuple(fn(*inputs)) if _is_differentiable(o)]
    jac = [np.zeros((_real_size(x), _real_size(o))) for o in outs]
    for k, o in enumerate(outs):
        if not o.requires_grad:
            continue
        seeds = (1.0, 1j) if o.dtype.is_complex else (1.0,)
        for j in range(o.numel()):
            for part, value in enumerate(seeds):
                g = np.zeros(o.numel(), dtype=np.complex128 if o.dtype.is_complex else np.float64)
                g[j] = value
                seed = tensor(g.reshape(tuple(o.shape)), dtype=o.dtype)
                got, = _grad(o, x, seed, retain_graph=True, allow_unused=True)
                if got is None:
                    continue
                if tuple(got.shape) != tuple(x.shape):
                    raise GradcheckError(f"gradient of input {index} has shape {tuple(got.shape)}, "
                                         f"expected {tuple(x.shape)}")
                if x.dtype.is_complex and not got.dtype.is_complex:
                    got = got.to(x.dtype)
                jac[k][:, j * len(seeds) + part] = _values(got)
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, fast_mode=False, masked=None, **unused):
    """True when the gradients of `func` at `inputs` (float64 tensors with requires_grad)
    match finite differences; otherwise raises GradcheckError (or returns False)."""
    inputs = _as_tuple(inputs)
    try:
        for index, x in enumerate(inputs):
            if not (isinstance(x, Tensor) and x.requires_grad):
                continue
            if x.dtype.name not in ("float64", "complex128"):
                import warnings
                warnings.warn(f"gradcheck: input {index} is {x.dtype.name}, not float64 or complex128; the finite "
                              "differences will be inaccurate", stacklevel=2)
            numerical = _numerical_jacobians(func, inputs, index, eps)
            analytical = _analytical_jacobians(func, inputs, index)
            for k, (n, a) in enumerate(zip(numerical, analytical)):
                if not np.allclose(a, n, rtol=rtol, atol=atol):
                    raise GradcheckError(
                        f"Jacobian mismatch for output {k} with respect to input {index},\n"
                        f"numerical:{n}\nanalytical:{a}\n")
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, **unused):
    """gradcheck of the first derivatives: the map (inputs, grad_outputs) -> vector-Jacobian
    products, built with create_graph=True, checked against finite differences."""
    from .. import randn
    inputs = _as_tuple(inputs)
    outputs = _differentiable_outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = tuple(randn(*o.shape, dtype=o.dtype).requires_grad_() for o in outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)
    diff_index = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_derivatives(*args):
        xs, gs = args[:n], args[n:]
        outs = _differentiable_outputs(func, xs)
        grads = _grad(outs, [xs[i] for i in diff_index], gs, create_graph=True, allow_unused=True)
        from .. import zeros_like
        return tuple(zeros_like(xs[i]) if g is None else g for i, g in zip(diff_index, grads))

    return gradcheck(first_derivatives, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
