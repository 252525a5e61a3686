"""ember.autograd.functional (vjp, jvp, jacobian, hessian, vhp, hvp): return structures and
values against torch.autograd.functional when it is installed, analytic cases without it
(the Jacobian of an elementwise function is diagonal, the Hessian of x.Ax is A + A^T), the
create_graph and strict modes, and bad arguments.

The functions differentiated are built from a few ops only (add, mul, exp, sum, view and
reshape), so that the tests exercise the functional layer rather than the backward rules of
every op family.
"""
import numpy as np
import pytest

import ember
from ember.autograd.recording import has_rule
from conftest import backend_is_torch, to_numpy
from ember.autograd import functional as AF

FUNCS = ("vjp", "jvp", "jacobian", "hessian", "vhp", "hvp")


def _needs_rules(*names):
    """jvp, hvp and forward-mode jacobians differentiate backward formulas with respect to their
    incoming gradient: sum's backward expands it (Tensor.expand, unsqueeze), a Jacobian of
    several rows with create_graph stacks them (ember.stack). Fails, naming the missing rules,
    when those ops are not differentiable yet."""
    if backend_is_torch():
        return
    missing = [n for n in names if not has_rule(getattr(ember.Tensor, n, None) or getattr(ember, n))]
    if missing:
        pytest.fail(f"needs the autograd rules of {missing}")


DOUBLE_BACKWARD_OF_SUM = ("expand", "unsqueeze")


@pytest.fixture(autouse=True)
def grad_enabled_after():
    yield
    assert ember.is_grad_enabled(), "a test left gradients disabled"


# ---- test functions, written for a module `lib` (ember or torch) ---------------------------------

def _w(lib, like, values):
    return lib.tensor(values, dtype=like.dtype)


W3 = np.array([0.5, -0.25, 0.75])
A3 = np.array([[1.0, 2.0, -1.0], [0.5, -3.0, 0.25], [2.0, 0.0, 1.5]])


def scalar_one(lib):
    """R^3 -> R: sum(exp(x * x * w))."""
    return lambda x: (x * x * _w(lib, x, W3)).exp().sum()


def scalar_two(lib):
    """R^3 x R^(2,3) -> R, mixing both inputs."""
    return lambda x, y: ((x * y).exp() * x + y * y * _w(lib, x, W3)).sum()


def vector_one(lib):
    """R^3 -> R^3, elementwise: exp(x * x * w) + x."""
    return lambda x: (x * x * _w(lib, x, W3)).exp() + x


def vector_two_out(lib):
    """R^3 x R^(2,3) -> (R^(2,3), R^3)."""
    return lambda x, y: ((x * y).exp(), (x * x).exp() * 2.0)


def quadratic(lib, a):
    """x -> x . A x, as a sum of broadcast products."""
    n = a.shape[0]
    return lambda x: (x.view(n, 1) * _w(lib, x, a) * x.view(1, n)).sum()


def _inputs(lib, *shapes, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(lib.tensor(rng.uniform(-1, 1, s), dtype=lib.float64) for s in shapes)


def _np(value):
    if isinstance(value, tuple):
        return tuple(_np(v) for v in value)
    if isinstance(value, ember.Tensor):
        return to_numpy(value)
    return value.detach().numpy()  # torch


def _structure(value):
    """The nesting of a result: 'T' for a tensor, tuples of those."""
    if isinstance(value, tuple):
        return tuple(_structure(v) for v in value)
    assert not isinstance(value, list), "results are tuples, never lists"
    return ("T", tuple(value.shape))


def _assert_same(actual, expected, rtol=1e-10, atol=1e-12):
    assert _structure(actual) == _structure(expected)
    if isinstance(actual, tuple):
        for a, e in zip(actual, expected):
            _assert_same(a, e, rtol, atol)
        return
    np.testing.assert_allclose(_np(actual), _np(expected), rtol=rtol, atol=atol)


# ---- the cases: (name, function maker, input shapes, v shapes per function) -----------------------

CASES = {
    # name: (maker, input shapes, tuple inputs?)
    "scalar, one input": (scalar_one, [(3,)], False),
    "scalar, one input in a tuple": (scalar_one, [(3,)], True),
    "scalar, two inputs": (scalar_two, [(3,), (2, 3)], True),
    "vector, one input": (vector_one, [(3,)], False),
    "two outputs, two inputs": (vector_two_out, [(3,), (2, 3)], True),
}


def _call(lib_functional, lib, fname, case, seed=0, **kwargs):
    maker, shapes, as_tuple = CASES[case]
    func = maker(lib)
    inputs = _inputs(lib, *shapes, seed=seed)
    arg = inputs if as_tuple else inputs[0]
    fn = getattr(lib_functional, fname)
    if fname in ("vjp",):
        outs = func(*inputs)
        outs = outs if isinstance(outs, tuple) else (outs,)
        rng = np.random.default_rng(seed + 1)
        v = tuple(lib.tensor(rng.uniform(-1, 1, tuple(o.shape)), dtype=lib.float64) for o in outs)
        v = v if isinstance(func(*inputs), tuple) else v[0]
        return fn(func, arg, v, **kwargs)
    if fname in ("jvp", "vhp", "hvp"):
        rng = np.random.default_rng(seed + 2)
        v = tuple(lib.tensor(rng.uniform(-1, 1, s), dtype=lib.float64) for s in shapes)
        return fn(func, arg, v if as_tuple else v[0], **kwargs)
    return fn(func, arg, **kwargs)


def _applicable(fname, case):
    scalar = case.startswith("scalar")
    return scalar or fname not in ("hessian", "vhp", "hvp")


PARITY = [pytest.param(f, c, id=f"{f}-{c}") for f in FUNCS for c in CASES if _applicable(f, c)]


@pytest.mark.parametrize("fname,case", PARITY)
def test_matches_torch(fname, case):
    torch = pytest.importorskip("torch")
    import torch.autograd.functional as TF
    if (fname, case) in (("jvp", "scalar, one input"), ("jvp", "scalar, one input in a tuple"),
                         ("jvp", "scalar, two inputs"), ("hvp", "scalar, two inputs")):
        _needs_rules(*DOUBLE_BACKWARD_OF_SUM)
    actual = _call(AF, ember, fname, case)
    expected = _call(TF, torch, fname, case)
    _assert_same(actual, expected)


@pytest.mark.parametrize("fname,case", PARITY)
def test_results_do_not_require_grad_and_leave_inputs_alone(fname, case):
    maker, shapes, as_tuple = CASES[case]
    inputs = tuple(x.requires_grad_() for x in _inputs(ember, *shapes))
    before = [to_numpy(x.detach()) for x in inputs]
    func = maker(ember)
    fn = getattr(AF, fname)
    if fname in ("jvp", "vhp", "hvp"):
        v = tuple(ember.ones(s, dtype=ember.float64) for s in shapes)
        result = fn(func, inputs if as_tuple else inputs[0], v if as_tuple else v[0])
    elif fname == "vjp":
        outs = func(*inputs)
        v = tuple(ember.ones_like(o) for o in outs) if isinstance(outs, tuple) else ember.ones_like(outs)
        result = fn(func, inputs if as_tuple else inputs[0], v)
    else:
        result = fn(func, inputs if as_tuple else inputs[0])

    def walk(r):
        if isinstance(r, tuple):
            for x in r:
                walk(x)
        else:
            assert not r.requires_grad and r.grad_fn is None

    walk(result)
    for x, b in zip(inputs, before):
        assert x.grad is None, "functional must not accumulate into .grad"
        np.testing.assert_array_equal(to_numpy(x.detach()), b)


# ---- return structures (without torch) ------------------------------------------------------------

def test_jacobian_structures():
    x, y = _inputs(ember, (3,), (2, 3))
    j = AF.jacobian(vector_one(ember), x)
    assert isinstance(j, ember.Tensor) and tuple(j.shape) == (3, 3)
    j = AF.jacobian(vector_one(ember), (x,))
    assert isinstance(j, tuple) and len(j) == 1 and tuple(j[0].shape) == (3, 3)
    j = AF.jacobian(lambda a, b: (a * b).exp(), (x, y))
    assert isinstance(j, tuple) and [tuple(t.shape) for t in j] == [(2, 3, 3), (2, 3, 2, 3)]
    j = AF.jacobian(lambda a: (a.exp(), a * a), x)
    assert isinstance(j, tuple) and [tuple(t.shape) for t in j] == [(3, 3), (3, 3)]
    j = AF.jacobian(vector_two_out(ember), (x, y))
    assert isinstance(j, tuple) and len(j) == 2 and all(isinstance(r, tuple) and len(r) == 2 for r in j)
    assert [[tuple(t.shape) for t in row] for row in j] == [[(2, 3, 3), (2, 3, 2, 3)], [(3, 3), (3, 2, 3)]]


def test_hessian_structures():
    x, y = _inputs(ember, (3,), (2, 3))
    h = AF.hessian(scalar_one(ember), x)
    assert isinstance(h, ember.Tensor) and tuple(h.shape) == (3, 3)
    h = AF.hessian(scalar_one(ember), (x,))
    assert isinstance(h, tuple) and len(h) == 1 and isinstance(h[0], tuple) and tuple(h[0][0].shape) == (3, 3)
    h = AF.hessian(scalar_two(ember), (x, y))
    assert [[tuple(t.shape) for t in row] for row in h] == [[(3, 3), (3, 2, 3)], [(2, 3, 3), (2, 3, 2, 3)]]


def test_vjp_jvp_structures():
    x, y = _inputs(ember, (3,), (2, 3))
    out, g = AF.vjp(scalar_one(ember), x)
    assert isinstance(out, ember.Tensor) and isinstance(g, ember.Tensor) and tuple(g.shape) == (3,)
    out, g = AF.vjp(scalar_two(ember), (x, y))
    assert isinstance(out, ember.Tensor) and isinstance(g, tuple) and [tuple(t.shape) for t in g] == [(3,), (2, 3)]
    out, jv = AF.jvp(vector_two_out(ember), (x, y), (ember.ones(3, dtype=ember.float64),
                                                        ember.ones(2, 3, dtype=ember.float64)))
    assert isinstance(out, tuple) and isinstance(jv, tuple) and [tuple(t.shape) for t in jv] == [(2, 3), (3,)]
    out, jv = AF.jvp(lambda a: a.exp(), ember.tensor([0.5], dtype=ember.float64))  # v None: one element
    np.testing.assert_allclose(to_numpy(jv), np.exp([0.5]))


# ---- analytic values ------------------------------------------------------------------------------

def test_jacobian_of_elementwise_function_is_diagonal():
    x, = _inputs(ember, (4,), seed=3)
    w = np.array([0.5, -0.25, 0.75, 1.0])
    j = AF.jacobian(lambda a: (a * a * ember.tensor(w, dtype=a.dtype)).exp(), x)
    xv = to_numpy(x)
    np.testing.assert_allclose(to_numpy(j), np.diag(2 * w * xv * np.exp(w * xv * xv)), rtol=1e-12)
    jf = AF.jacobian(lambda a: (a * a * ember.tensor(w, dtype=a.dtype)).exp(), x, vectorize=True,
                     strategy="forward-mode")
    np.testing.assert_allclose(to_numpy(jf), to_numpy(j), rtol=1e-12)


def test_hessian_of_quadratic_form_is_a_plus_a_transpose():
    x, = _inputs(ember, (3,), seed=4)
    h = AF.hessian(quadratic(ember, A3), x)
    np.testing.assert_allclose(to_numpy(h), A3 + A3.T, rtol=1e-12, atol=1e-12)
    v = ember.tensor([1.0, -2.0, 0.5], dtype=ember.float64)
    _, vh = AF.vhp(quadratic(ember, A3), x, v)
    np.testing.assert_allclose(to_numpy(vh), to_numpy(v) @ (A3 + A3.T), rtol=1e-12)
    out, g = AF.vjp(quadratic(ember, A3), x)
    xv = to_numpy(x)
    np.testing.assert_allclose(float(out.item()), xv @ A3 @ xv, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(g), (A3 + A3.T) @ xv, rtol=1e-12)


def test_forward_over_reverse_hessian_and_hvp_of_quadratic_form():
    _needs_rules(*DOUBLE_BACKWARD_OF_SUM)
    x, = _inputs(ember, (3,), seed=4)
    hf = AF.hessian(quadratic(ember, A3), x, vectorize=True, outer_jacobian_strategy="forward-mode")
    np.testing.assert_allclose(to_numpy(hf.detach()), A3 + A3.T, rtol=1e-12, atol=1e-12)
    v = ember.tensor([1.0, -2.0, 0.5], dtype=ember.float64)
    _, hv = AF.hvp(quadratic(ember, A3), x, v)
    np.testing.assert_allclose(to_numpy(hv), (A3 + A3.T) @ to_numpy(v), rtol=1e-12)


def test_jvp_of_a_reduction():
    _needs_rules(*DOUBLE_BACKWARD_OF_SUM)
    x, = _inputs(ember, (3,), seed=4)
    v = ember.tensor([1.0, -2.0, 0.5], dtype=ember.float64)
    _, jv = AF.jvp(lambda a: a.sum(), x, v)
    np.testing.assert_allclose(float(jv.item()), -0.5, rtol=1e-12)


def test_jvp_of_linear_map_is_the_map():
    x, = _inputs(ember, (3,), seed=5)
    v = ember.tensor([0.25, 1.0, -1.0], dtype=ember.float64)
    a = ember.tensor(A3, dtype=ember.float64)
    out, jv = AF.jvp(lambda t: a * t.view(1, 3), x, v)
    np.testing.assert_allclose(to_numpy(jv), A3 * to_numpy(v).reshape(1, 3), rtol=1e-12)


def test_unused_input_gives_zeros():
    x, y = _inputs(ember, (3,), (2,))
    j = AF.jacobian(lambda a, b: a.exp(), (x, y))
    np.testing.assert_array_equal(to_numpy(j[1]), np.zeros((3, 2)))
    _, g = AF.vjp(lambda a, b: a.exp().sum(), (x, y))
    np.testing.assert_array_equal(to_numpy(g[1]), np.zeros(2))
    h = AF.hessian(lambda a, b: a.exp().sum(), (x, y))
    np.testing.assert_array_equal(to_numpy(h[1][1]), np.zeros((2, 2)))
    np.testing.assert_array_equal(to_numpy(h[0][1]), np.zeros((3, 2)))


def test_constant_function_gives_zeros():
    x, = _inputs(ember, (3,))
    c = ember.ones(3, dtype=ember.float64)
    j = AF.jacobian(lambda a: c * 2.0, x)
    np.testing.assert_array_equal(to_numpy(j), np.zeros((3, 3)))
    _, jv = AF.jvp(lambda a: c * 2.0, x, ember.ones(3, dtype=ember.float64))
    np.testing.assert_array_equal(to_numpy(jv), np.zeros(3))


def test_works_under_no_grad():
    x, = _inputs(ember, (3,))
    with ember.no_grad():
        h = AF.hessian(quadratic(ember, A3), x)
        _, g = AF.vjp(scalar_one(ember), x)
        assert not ember.is_grad_enabled()
    np.testing.assert_allclose(to_numpy(h), A3 + A3.T, rtol=1e-12)
    assert not g.requires_grad


@pytest.mark.ember_only
def test_jacobian_of_empty_output_is_empty():
    # PyTorch raises here (stack of no rows); ember gives the empty Jacobian.
    x, = _inputs(ember, (3,))
    j = AF.jacobian(lambda a: a.view(1, 3).exp() * ember.ones(0, 1, dtype=a.dtype), x)
    assert tuple(j.shape) == (0, 3, 3)


# ---- create_graph ---------------------------------------------------------------------------------

def test_vjp_create_graph_gives_differentiable_result():
    x, = _inputs(ember, (3,), seed=6)
    x.requires_grad_()
    out, g = AF.vjp(quadratic(ember, A3), x, create_graph=True)
    assert g.requires_grad and out.requires_grad
    # d/dx sum(g * u) = (A + A^T) u
    u = ember.tensor([1.0, 0.5, -1.0], dtype=ember.float64)
    dx, = ember.autograd.grad((g * u).sum(), x)
    np.testing.assert_allclose(to_numpy(dx), (A3 + A3.T) @ to_numpy(u), rtol=1e-12)


def test_jacobian_create_graph_of_gradient_gives_the_third_derivative():
    x, = _inputs(ember, (3,), seed=7)
    x.requires_grad_()
    w = ember.tensor(W3, dtype=ember.float64)
    # f(x) = sum(exp(w x)); gradient w exp(w x); its Jacobian diag(w^2 exp(w x)), one element
    # at a time, with a graph: d/dx of the diagonal is w^3 exp(w x).
    _needs_rules("stack")
    j = AF.jacobian(lambda a: (a * w).exp() * w, x, create_graph=True)
    assert j.requires_grad
    d, = ember.autograd.grad((j * ember.eye(3, dtype=ember.float64)).sum(), x)
    np.testing.assert_allclose(to_numpy(d), W3 ** 3 * np.exp(W3 * to_numpy(x.detach())), rtol=1e-12)


def test_create_graph_with_torch():
    torch = pytest.importorskip("torch")
    import torch.autograd.functional as TF
    _needs_rules(*DOUBLE_BACKWARD_OF_SUM)
    results = []
    for lib, F in ((ember, AF), (torch, TF)):
        x, = _inputs(lib, (3,), seed=8)
        x.requires_grad_()
        v = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64)
        _, hv = F.hvp(scalar_one(lib), x, v, create_graph=True)
        _, vh = F.vhp(scalar_one(lib), x, v, create_graph=True)
        _, jv = F.jvp(vector_one(lib), x, v, create_graph=True)
        results.append([_np(t) for t in lib.autograd.grad((hv * vh).sum() + jv.sum(), x)])
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)


# ---- strict mode and errors ------------------------------------------------------------------------

def test_strict_refuses_output_independent_of_input():
    x, = _inputs(ember, (3,))
    c = ember.ones(3, dtype=ember.float64)
    const = lambda a: c * 2.0  # noqa: E731
    with pytest.raises(RuntimeError, match="does not require gradients"):
        AF.vjp(const, x, c, strict=True)
    with pytest.raises(RuntimeError, match="does not require gradients"):
        AF.jvp(const, x, c, strict=True)
    with pytest.raises(RuntimeError, match="does not require gradients"):
        AF.jacobian(const, x, strict=True)
    with pytest.raises(RuntimeError, match="does not require gradients"):
        AF.hessian(lambda a: c.sum(), x, strict=True)


def test_strict_refuses_unused_input():
    x, y = _inputs(ember, (3,), (2,))
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.vjp(lambda a, b: a.exp().sum(), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(lambda a, b: a.exp(), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.vhp(lambda a, b: a.exp().sum(), (x, y), (x, y), strict=True)


def test_strict_refuses_linear_function_in_hessian():
    x, = _inputs(ember, (3,))
    w = ember.tensor(W3, dtype=ember.float64)
    linear = lambda a: (a * w).sum()  # noqa: E731
    with pytest.raises(RuntimeError, match="jacobian of the user-provided function"):
        AF.hessian(linear, x, strict=True)
    with pytest.raises(RuntimeError, match="jacobian of the user-provided function"):
        AF.vhp(linear, x, ember.ones(3, dtype=ember.float64), strict=True)
    np.testing.assert_array_equal(to_numpy(AF.hessian(linear, x)), np.zeros((3, 3)))
    _, hv = AF.hvp(linear, x, ember.ones(3, dtype=ember.float64))
    np.testing.assert_array_equal(to_numpy(hv), np.zeros(3))


def test_strict_with_forward_mode_or_vectorize_is_refused():
    x, = _inputs(ember, (3,))
    with pytest.raises(RuntimeError, match="strict=True"):
        AF.jacobian(vector_one(ember), x, strict=True, vectorize=True)
    with pytest.raises(RuntimeError, match="strict=True"):
        AF.jacobian(vector_one(ember), x, strict=True, vectorize=True, strategy="forward-mode")
    with pytest.raises(NotImplementedError):
        AF.jacobian(vector_one(ember), x, strategy="forward-mode")  # needs vectorize=True
    with pytest.raises(NotImplementedError):
        AF.jacobian(vector_one(ember), x, strategy="forward-mode", vectorize=True, create_graph=True)
    with pytest.raises((ValueError, AssertionError)):
        AF.jacobian(vector_one(ember), x, strategy="sideways")


@pytest.mark.parametrize("fname", FUNCS)
def test_non_tensor_inputs_are_refused(fname):
    fn = getattr(AF, fname)
    f = scalar_one(ember)
    for bad in ([ember.ones(3, dtype=ember.float64)], 3.0, np.ones(3),
                (ember.ones(3, dtype=ember.float64), 2.0)):
        with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
            if fname in ("vjp", "hessian", "jacobian"):
                fn(f, bad)
            else:
                fn(f, bad, ember.ones(3, dtype=ember.float64))


def test_non_tensor_outputs_are_refused():
    x, = _inputs(ember, (3,))
    with pytest.raises(TypeError, match="outputs of the user-provided function"):
        AF.vjp(lambda a: 3.0, x)
    with pytest.raises(TypeError, match="outputs of the user-provided function"):
        AF.jacobian(lambda a: (a.exp(), 1), x)


def test_bad_v():
    x, y = _inputs(ember, (3,), (2,))
    ones = lambda *s: ember.ones(*s, dtype=ember.float64)  # noqa: E731
    with pytest.raises(RuntimeError, match="v has invalid size"):
        AF.vjp(vector_one(ember), x, ones(4))
    with pytest.raises(RuntimeError, match="Entry 1 in v has invalid size"):
        AF.jvp(lambda a, b: a.exp(), (x, y), (ones(3), ones(3)))
    with pytest.raises(RuntimeError, match="v is a tuple of invalid length"):
        AF.jvp(lambda a, b: a.exp(), (x, y), (ones(3),))
    with pytest.raises(RuntimeError, match="should contain a single Tensor"):
        AF.vjp(vector_one(ember), x, (ones(3), ones(3)))
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.vjp(vector_one(ember), x)
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.jvp(vector_one(ember), x)
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.hvp(scalar_one(ember), x)
    with pytest.raises(TypeError, match="The v given to vjp"):
        AF.vjp(vector_one(ember), x, [ones(3)])


def test_hessian_needs_a_single_element_output():
    x, = _inputs(ember, (3,))
    with pytest.raises(RuntimeError, match="should contain a single element"):
        AF.hessian(vector_one(ember), x)
    with pytest.raises(RuntimeError, match="should return a single Tensor"):
        AF.hessian(lambda a: (a.exp().sum(),), x)
    with pytest.raises(RuntimeError, match="should contain a single element"):
        AF.vhp(vector_one(ember), x, ember.ones(3, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="should return a single Tensor"):
        AF.hvp(lambda a: (a.exp().sum(),), x, ember.ones(3, dtype=ember.float64))


def test_errors_match_torch():
    """The same bad calls raise the same exception types with the same messages in PyTorch."""
    torch = pytest.importorskip("torch")
    import torch.autograd.functional as TF
    if backend_is_torch():
        pytest.skip("ember is PyTorch")

    def calls(lib, F):
        x = lib.ones(3, dtype=lib.float64)
        y = lib.ones(2, dtype=lib.float64)
        const = lambda a: lib.ones(3, dtype=lib.float64) * 2.0  # noqa: E731
        return [
            lambda: F.vjp(const, x, x, strict=True),
            lambda: F.vjp(lambda a, b: a.exp().sum(), (x, y), strict=True),
            lambda: F.jacobian(lambda a, b: a.exp(), (x, y), strict=True),
            lambda: F.hessian(lambda a: (a * x).sum(), x, strict=True),
            lambda: F.vjp(lambda a: a.exp(), x, y),
            lambda: F.jvp(lambda a, b: a.exp(), (x, y), (x,)),
            lambda: F.jvp(lambda a, b: a.exp(), (x, y), (x, x)),
            lambda: F.vjp(lambda a: a.exp(), [x]),
            lambda: F.vjp(lambda a: a.exp(), x),
            lambda: F.hessian(lambda a: a.exp(), x),
            lambda: F.jacobian(lambda a: a.exp(), x, strict=True, vectorize=True),
        ]

    for i, (e_call, t_call) in enumerate(zip(calls(ember, AF), calls(torch, TF))):
        with pytest.raises(Exception) as t_info:
            t_call()
        with pytest.raises(Exception) as e_info:
            e_call()
        assert type(e_info.value).__name__ == type(t_info.value).__name__, f"call {i}"
        t_msg = str(t_info.value).replace("torch.autograd.functional.", "").replace("torch.Size", "ember.Size")
        assert str(e_info.value).split(". ")[0].replace("<class 'ember._tensor.Tensor'>", "") == \
            t_msg.split(". ")[0].replace("<class 'list'>", "<class 'list'>").replace(
                "<class 'torch.Tensor'>", ""), f"call {i}"
