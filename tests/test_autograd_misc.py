"""Gradients of the miscellaneous ops (ember/_misc_ops.py): gradcheck (float64) of each
differentiable op in its forms, on contiguous, non-contiguous and broadcast inputs, gradgradcheck
where the ops involved are twice differentiable, and the gradients against torch.autograd when
torch is installed. The composites (lerp, diff, cov, rot90, ...) get their gradients from the
ops they call; a test whose composite calls ops of another family skips, naming the rules it
needs, until that family's rules are in. Non-differentiable ops (isclose, bincount, histc, ...)
give outputs that do not require grad.
"""
import math

import numpy as np
import pytest

import ember
from ember.autograd.recording import has_rule
from ember.autograd import gradcheck, gradgradcheck


def _has_rule(name):
    """Whether `name` (ember.name, or Tensor.name for "Tensor.name") records a node."""
    if name.startswith("Tensor."):
        fn = vars(ember.Tensor).get(name[len("Tensor."):])
    else:
        fn = getattr(ember, name, None)
    return fn is not None and has_rule(fn)


def _needs(*names):
    missing = [n for n in names if not _has_rule(n)]
    if missing:
        pytest.skip(f"needs the autograd rules of {', '.join(missing)} (other op families)")


def _leaf(array):
    return ember.tensor(np.asarray(array, dtype=np.float64), dtype=ember.float64).requires_grad_()


def _randn(rng, *shape):
    return _leaf(rng.standard_normal(shape))


def _transposed(rng, *shape):
    """A non-contiguous leaf: the transpose of a contiguous tensor of the reversed last dims."""
    base = ember.tensor(rng.standard_normal(shape[:-2] + (shape[-1], shape[-2])), dtype=ember.float64)
    return base.transpose(-2, -1).detach().requires_grad_()


def _torch():
    return pytest.importorskip("torch")


def _compare_with_torch(fn, inputs, rng, torch_fn=None, rtol=1e-7, atol=1e-9):
    """First derivatives of fn (a function of module, *inputs) against torch.autograd."""
    torch = _torch()
    torch_fn = torch_fn or fn
    t_inputs = [torch.tensor(x.detach().numpy(), dtype=torch.float64, requires_grad=True)
                for x in inputs]
    out = fn(ember, *inputs)
    t_out = torch_fn(torch, *t_inputs)
    seed = rng.standard_normal(tuple(out.shape))
    grads = ember.autograd.grad(out, list(inputs), ember.tensor(seed, dtype=ember.float64),
                                allow_unused=True)
    t_grads = torch.autograd.grad(t_out, t_inputs, torch.tensor(seed, dtype=torch.float64),
                                  allow_unused=True)
    for i, (g, tg) in enumerate(zip(grads, t_grads)):
        expected = np.zeros(tuple(inputs[i].shape)) if tg is None else tg.numpy(force=True)
        got = np.zeros(expected.shape) if g is None else g.numpy()
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=f"input {i}")


# ---- lerp, addcmul, addcdiv, clamp_min/clamp_max, nan_to_num (elementwise composites) ----------------

def _elementwise_cases(rng):
    a, b = _randn(rng, 2, 3), _transposed(rng, 2, 3)
    row, col = _randn(rng, 3), _randn(rng, 2, 1)
    w = _leaf(rng.uniform(-0.2, 1.2, (2, 3)))  # both sides of lerp's 0.5 switch
    nz = _leaf(rng.uniform(0.5, 2.0, (3,)) * rng.choice([-1.0, 1.0], 3))
    lo = _leaf(rng.uniform(-1.5, -0.5, (2, 3)))
    away = _leaf(np.where(rng.random((2, 3)) < 0.5, -2.0, 1.0) + rng.uniform(-0.3, 0.3, (2, 3)))
    return [
        ("lerp_number_weight", lambda m, x, y: m.lerp(x, y, 0.3), (a, b)),
        ("lerp_number_weight_high", lambda m, x, y: m.lerp(x, y, 0.8), (a, row)),
        ("lerp_tensor_weight", lambda m, x, y, w: m.lerp(x, y, w), (a, b, w)),
        ("lerp_broadcast", lambda m, x, y, w: m.lerp(x, y, w), (col, row, w)),
        ("lerp_method", lambda m, x, y: x.lerp(y, 0.6), (b, a)),
        ("addcmul", lambda m, x, y, z: m.addcmul(x, y, z, value=0.5), (a, b, row)),
        ("addcmul_broadcast", lambda m, x, y, z: m.addcmul(x, y, z), (row, col, a)),
        ("addcmul_method", lambda m, x, y, z: x.addcmul(y, z, value=-2), (a, b, col)),
        ("addcdiv", lambda m, x, y, z: m.addcdiv(x, y, z, value=2.0), (a, b, nz)),
        ("addcdiv_method", lambda m, x, y, z: x.addcdiv(y, z), (col, a, nz)),
        ("clamp_min", lambda m, x: m.clamp_min(x, -0.5), (away,)),
        ("clamp_max_method", lambda m, x: x.clamp_max(0.0), (away,)),
        ("clamp_min_tensor", lambda m, x, l: m.clamp_min(x, l), (away, lo)),
        ("nan_to_num_finite", lambda m, x: m.nan_to_num(x), (b,)),
    ]


def _case_ids(factory):
    return [c[0] for c in factory(np.random.default_rng(0))]


@pytest.mark.parametrize("index", range(len(_case_ids(_elementwise_cases))),
                         ids=_case_ids(_elementwise_cases))
def test_elementwise_composites(index):
    name, fn, inputs = _elementwise_cases(np.random.default_rng(3))[index]
    assert fn(ember, *inputs).requires_grad
    f = lambda *xs: fn(ember, *xs)  # noqa: E731
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)
    if not name.endswith("_tensor"):  # torch's clamp_min takes no tensor bound
        _compare_with_torch(fn, inputs, np.random.default_rng(4))


def test_one_node_each():
    x = ember.ones(3, dtype=ember.float64, requires_grad=True)
    assert ember.lerp(x, x, 0.5).grad_fn.name() == "LerpBackward0"
    assert ember.addcdiv(x, x, x).grad_fn.name() == "AddcdivBackward0"
    assert ember.clamp_min(x, 0).grad_fn.name() == "ClampMinBackward0"
    assert ember.nan_to_num(x).grad_fn.name() == "NanToNumBackward0"


def test_nan_to_num_gradient_is_zero_at_replaced_values():
    x = ember.tensor([1.0, math.nan, math.inf, -math.inf, -2.0], dtype=ember.float64,
                     requires_grad=True)
    ember.nan_to_num(x, nan=0.5).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 0.0, 0.0, 1.0])


@pytest.mark.parametrize("name, call", [
    ("lerp_", lambda y, z: y.lerp_(z, 0.25)), ("addcmul_", lambda y, z: y.addcmul_(z, z, value=2)),
    ("addcdiv_", lambda y, z: y.addcdiv_(z, z * z + 1)), ("clamp_min_", lambda y, z: y.clamp_min_(-0.5)),
    ("clamp_max_", lambda y, z: y.clamp_max_(0.5)), ("nan_to_num_", lambda y, z: y.nan_to_num_()),
], ids=lambda v: v if isinstance(v, str) else "")
def test_inplace_forms_on_non_leaf(name, call, rng):
    x = _leaf(rng.uniform(-2, 2, (2, 3)))
    x = _leaf(np.where(np.abs(x.detach().numpy() - 0.5) < 0.1, 0.2, x.detach().numpy()))
    z = _randn(rng, 2, 3)

    def f(x, z):
        y = x * 1
        assert call(y, z) is y
        return y

    assert gradcheck(f, (x, z))


# ---- scans: cummax, cummin, logcumsumexp (rules) -------------------------------------------------------

_SCAN_INPUTS = {
    "contiguous": lambda rng: _randn(rng, 3, 4),
    "transposed": lambda rng: _transposed(rng, 3, 4),
    "three_dims": lambda rng: _randn(rng, 2, 3, 2),
    "one_dim": lambda rng: _randn(rng, 5),
    "zero_dim": lambda rng: _randn(rng),
}


def _scan_params():
    for op in ("cummax", "cummin", "logcumsumexp"):
        for layout in _SCAN_INPUTS:
            dims = (0,) if layout in ("one_dim", "zero_dim") else (0, -1)
            for dim in dims:
                yield pytest.param(op, layout, dim, id=f"{op}-{layout}-dim{dim}")


def _scan(op):
    if op == "logcumsumexp":
        return lambda m, x, dim: m.logcumsumexp(x, dim)
    return lambda m, x, dim: getattr(m, op)(x, dim).values


@pytest.mark.parametrize("op, layout, dim", list(_scan_params()))
def test_scans(op, layout, dim, rng):
    x = _SCAN_INPUTS[layout](rng)
    fn = _scan(op)
    out = fn(ember, x, dim)
    assert out.requires_grad and out.grad_fn is not None
    assert gradcheck(lambda x: fn(ember, x, dim), (x,))
    _compare_with_torch(lambda m, x: fn(m, x, dim), (x,), rng)


@pytest.mark.parametrize("op", ["cummax", "cummin", "logcumsumexp"])
def test_scans_gradgradcheck(op, rng):
    _needs("scatter_add") if op != "logcumsumexp" else _needs("Tensor.flip")
    x = _randn(rng, 3, 4)
    fn = _scan(op)
    assert gradgradcheck(lambda x: fn(ember, x, 1), (x,))


@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cumulative_extremes_with_ties_match_torch(op, rng):
    x = _leaf([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 2.0, 1.0, 1.0, 0.0]])
    _compare_with_torch(lambda m, x: getattr(m, op)(x, 1).values, (x,), rng)
    _compare_with_torch(lambda m, x: getattr(m, op)(x, 0).values, (x,), rng)


def test_cummax_method_and_indices_do_not_require_grad(rng):
    x = _randn(rng, 2, 3)
    values, indices = x.cummax(1)
    assert values.requires_grad and not indices.requires_grad
    values.sum().backward()
    assert tuple(x.grad.shape) == (2, 3)


def test_logcumsumexp_large_and_infinite_values(rng):
    x = _leaf([-math.inf, 800.0, 1.0, -800.0, 700.0])
    _compare_with_torch(lambda m, x: m.logcumsumexp(x, 0), (x,), rng)


def test_logcumsumexp_method(rng):
    x = _randn(rng, 2, 3)
    assert gradcheck(lambda x: x.logcumsumexp(1), (x,))


@pytest.mark.parametrize("op", ["cummax", "cummin", "logcumsumexp"])
def test_scans_empty(op):
    x = ember.zeros((0, 3), dtype=ember.float64, requires_grad=True)
    _scan(op)(ember, x, 0).sum().backward()
    assert tuple(x.grad.shape) == (0, 3)


# ---- cdist (rule) -------------------------------------------------------------------------------

_CDIST_P = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, math.inf]


@pytest.mark.parametrize("p", _CDIST_P, ids=lambda p: f"p{p}")
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "batch_broadcast"])
def test_cdist(p, layout, rng):
    if layout == "contiguous":
        x1, x2 = _randn(rng, 3, 2), _randn(rng, 4, 2)
    elif layout == "transposed":
        x1, x2 = _transposed(rng, 3, 2), _transposed(rng, 2, 2)
    else:
        x1, x2 = _randn(rng, 2, 1, 3, 2), _randn(rng, 3, 2, 2)
    fn = lambda m, a, b: m.cdist(a, b, p=p)  # noqa: E731
    assert gradcheck(lambda a, b: fn(ember, a, b), (x1, x2))
    _compare_with_torch(fn, (x1, x2), rng)


@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist", "use_mm_for_euclid_dist_if_necessary"])
def test_cdist_matrix_product_path(mode, rng):
    rows = 3 if mode == "use_mm_for_euclid_dist" else 26
    x1, x2 = _randn(rng, rows, 2), _randn(rng, 2, 2)
    fn = lambda m, a, b: m.cdist(a, b, compute_mode=mode)  # noqa: E731
    assert gradcheck(lambda a, b: fn(ember, a, b), (x1, x2))
    _compare_with_torch(fn, (x1, x2), rng, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("p", _CDIST_P, ids=lambda p: f"p{p}")
def test_cdist_subgradients_at_zero_match_torch(p, rng):
    """Equal rows (distance 0) and equal coordinates (difference 0), and ties of the largest
    difference for p = inf."""
    x1 = _leaf([[0.0, 1.0], [2.0, 3.0], [1.0, 1.0]])
    x2 = _leaf([[0.0, 1.0], [2.0, 0.0], [0.0, 0.0]])
    _compare_with_torch(lambda m, a, b: m.cdist(a, b, p=p), (x1, x2), rng)


def test_cdist_double_backward(rng):
    _needs("Tensor.unsqueeze")
    x1, x2 = _randn(rng, 3, 2), _randn(rng, 2, 2)
    for p in (1.0, 1.5, 2.0, 3.0):
        assert gradgradcheck(lambda a, b: ember.cdist(a, b, p=p), (x1, x2))


# ---- composites of other families' ops -----------------------------------------------------------

def _composite_cases(rng):
    """(name, fn of (module, *inputs), inputs, rules needed)."""
    a, b = _randn(rng, 3, 4), _transposed(rng, 3, 4)
    v = _randn(rng, 5)
    x_points = _leaf(np.cumsum(rng.uniform(0.2, 1.0, 4)))
    x_grid = _leaf(np.cumsum(rng.uniform(0.2, 1.0, (3, 4)), axis=1))
    obs = _randn(rng, 2, 5)
    aw = rng.uniform(0.5, 2.0, 5)

    def weighted_cov(m, x):
        return m.cov(x, fweights=m.tensor([1, 2, 1, 3, 1]), aweights=m.tensor(aw, dtype=m.float64))
    narrow = ("Tensor.narrow",)
    return [
        ("diff", lambda m, x: m.diff(x), (a,), narrow),
        ("diff_dim0_n2", lambda m, x: m.diff(x, n=2, dim=0), (b,), narrow),
        ("diff_prepend_append", lambda m, x, p, q: m.diff(x, dim=1, prepend=p, append=q),
         (a, _randn(rng, 3, 1), _randn(rng, 3, 2)), narrow + ("cat",)),
        ("diff_method", lambda m, x: x.diff(), (v,), narrow),
        ("trapezoid", lambda m, y: m.trapezoid(y), (a,), narrow),
        ("trapezoid_dx", lambda m, y: m.trapezoid(y, dx=0.5, dim=0), (b,), narrow),
        ("trapezoid_x_1d", lambda m, y, x: m.trapezoid(y, x), (a, x_points), narrow),
        ("trapezoid_x_full", lambda m, y, x: m.trapezoid(y, x), (a, x_grid), narrow),
        ("cov", lambda m, x: m.cov(x), (obs,), ("mean", "Tensor.transpose", "Tensor.__matmul__")),
        ("cov_1d", lambda m, x: m.cov(x), (v,), ("mean", "Tensor.transpose", "Tensor.__matmul__")),
        ("cov_correction", lambda m, x: m.cov(x, correction=0), (b,),
         ("mean", "Tensor.transpose", "Tensor.__matmul__")),
        ("cov_weights", weighted_cov, (obs,),
         ("Tensor.transpose", "Tensor.__matmul__")),
        ("corrcoef", lambda m, x: m.corrcoef(x), (obs,),
         ("mean", "Tensor.transpose", "Tensor.__matmul__", "Tensor.diagonal", "Tensor.unsqueeze")),
        ("rot90", lambda m, x: m.rot90(x), (b,), ("Tensor.flip", "Tensor.transpose", "Tensor.contiguous")),
        ("rot90_k2", lambda m, x: m.rot90(x, 2, [1, 0]), (a,), ("Tensor.flip",)),
        ("rot90_k3_method", lambda m, x: x.rot90(-1, [0, 1]), (a,),
         ("Tensor.flip", "Tensor.transpose", "Tensor.contiguous")),
        ("rot90_k4", lambda m, x: m.rot90(x, 4), (a,), ("Tensor.clone",)),
    ]


@pytest.mark.parametrize("index", range(len(_case_ids(_composite_cases))),
                         ids=_case_ids(_composite_cases))
def test_composites(index):
    name, fn, inputs, needs = _composite_cases(np.random.default_rng(5))[index]
    _needs(*needs)
    assert fn(ember, *inputs).requires_grad
    f = lambda *xs: fn(ember, *xs)  # noqa: E731
    assert gradcheck(f, inputs)
    _compare_with_torch(fn, inputs, np.random.default_rng(6))


# ---- non-differentiable ops ------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda x: ember.isclose(x, x * 2), lambda x: x.isclose(x),
    lambda x: ember.histc(x, bins=4), lambda x: x.histc(bins=3),
    lambda x: ember.bincount(ember.tensor([0, 2, 2, 1, 0, 1]), weights=x.reshape(-1).detach()),
], ids=["isclose", "isclose_method", "histc", "histc_method", "bincount"])
def test_non_differentiable_outputs(fn, rng):
    x = _randn(rng, 2, 3)
    out = fn(x)
    assert not out.requires_grad and out.grad_fn is None


def test_cdist_p0_records_with_zero_gradients(rng):
    """p = 0 counts the nonzero differences: as in PyTorch it records, with zero gradients."""
    x, y = _randn(rng, 2, 3), _randn(rng, 4, 3)
    out = ember.cdist(x, y, p=0)
    assert out.requires_grad
    for g in ember.autograd.grad(out.sum(), [x, y]):
        assert not g.numpy().any()


def test_equal_and_allclose_are_python_bools(rng):
    x = _randn(rng, 2, 3)
    assert ember.equal(x, x) is True
    assert ember.allclose(x, x * 1) is True
