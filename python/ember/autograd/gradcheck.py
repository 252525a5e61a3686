"""gradcheck and gradgradcheck: backward against finite differences.

The analytical Jacobian comes from one vector-Jacobian product per output element (backward
with a one-hot gradient); the numerical one from central differences, one per input element,
computed by perturbing the input's values in place (so non-contiguous inputs are perturbed
where they live). Both are compared with `allclose(rtol, atol)`; inputs should be float64.
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


def _values(t):
    return t.detach().cpu().numpy().astype(np.float64).reshape(-1) if t.numel() else np.zeros(0)


def _numerical_jacobians(fn, inputs, index, eps):
    """Per output: the (numel(input), numel(output)) Jacobian by central differences."""
    x = inputs[index]
    outs = [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor) and o.is_floating_point()]
    jac = [np.zeros((x.numel(), o.numel())) for o in outs]
    flat = x.detach()  # shares storage: writing an element of it perturbs x in place
    shape = flat.shape
    for i in range(x.numel()):
        idx = np.unravel_index(i, shape) if shape else ()
        original = float(flat[idx].item()) if shape else float(flat.item())
        results = []
        for delta in (eps, -eps):
            with no_grad():
                flat[idx] = original + delta
            results.append([_values(o) for o in _as_tuple(fn(*inputs))
                            if isinstance(o, Tensor) and o.is_floating_point()])
        with no_grad():
            flat[idx] = original
        for k in range(len(outs)):
            jac[k][i] = (results[0][k] - results[1][k]) / (2 * eps)
    return jac


def _analytical_jacobians(fn, inputs, index):
    x = inputs[index]
    outs = [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor) and o.is_floating_point()]
    jac = [np.zeros((x.numel(), o.numel())) for o in outs]
    for k, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for j in range(o.numel()):
            g = np.zeros(o.numel())
            g[j] = 1.0
            from .. import tensor
            seed = tensor(g.reshape(tuple(o.shape)), dtype=o.dtype)
            got, = _grad(o, x, seed, retain_graph=True, allow_unused=True)
            if got is not None:
                if tuple(got.shape) != tuple(x.shape):
                    raise GradcheckError(f"gradient of input {index} has shape {tuple(got.shape)}, "
                                         f"expected {tuple(x.shape)}")
                jac[k][:, j] = _values(got)
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
            if x.dtype.name != "float64":
                import warnings
                warnings.warn(f"gradcheck: input {index} is {x.dtype.name}, not float64; the finite "
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
