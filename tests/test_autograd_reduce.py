"""Autograd of the reductions, scans and softmax (autograd/rules/reduce.py).

Generated from the reduction entries of op_catalogue.py: every differentiable reduction gets
gradcheck in float64 on tiny contiguous, transposed, strided, broadcast (expanded), keepdim,
several-dim, zero-dim and zero-size inputs, gradgradcheck on the same, and the gradient of
PyTorch where it is installed. Hand-written tests cover what the catalogue does not: ties
(split evenly, as PyTorch), prod and cumprod with zeros, the dtype= arguments, numpy's
spelling, max/min's three forms, norm's p values, var_mean/std_mean, non-differentiable
outputs.
"""

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from conftest import to_numpy
from op_catalogue import (CONTIGUOUS, EXPANDED, REDUCTION_OPS, STEPPED, TRANSPOSED, Operand, make_operand)

F64 = ember.float64
NOT_DIFFERENTIABLE = {"argmax", "argmin", "all", "any"}
DIFFERENTIABLE_OPS = [op for op in REDUCTION_OPS if op.name not in NOT_DIFFERENTIABLE]


# ---------------------------------------------------------------------------
# Which other families' rules the second derivatives need
# ---------------------------------------------------------------------------

def _probe_rules():
    """The ops the backward formulas are written in, each tried on a tensor that requires
    grad: those whose result does not require grad have no rule yet (another family's)."""
    x = ember.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=F64).requires_grad_()
    probes = {
        "expand": lambda: x.reshape(1, 6).expand(2, 6),
        "truediv": lambda: x / (x.detach() + 3.0),
        "truediv by tensor": lambda: x.detach() / (x + 3.0),
        "div by number": lambda: x / 2.0,
        "mul by number": lambda: x * 2.0,
        "rsub": lambda: 1.0 - x,
        "neg": lambda: -x,
        "where": lambda: ember.where(x.detach() > 0, 1.0, x),
        "to": lambda: x.to(ember.float32),
        "sign": lambda: ember.sign(x),
        "abs": lambda: x.abs(),
        "pow": lambda: x.abs() ** 1.5,
        "flip": lambda: x.flip([1]),
        "movedim": lambda: x.movedim(0, -1),
        "permute": lambda: x.permute(1, 0),
        "unsqueeze": lambda: x.unsqueeze(-2),
        "scatter": lambda: x.detach().new_zeros([2, 3]).scatter(
            1, ember.tensor([[2, 0, 1], [0, 1, 2]]), x),
    }
    missing = []
    for name, fn in probes.items():
        try:
            ok = fn().requires_grad
        except Exception:
            ok = False
        if not ok:
            missing.append(name)
    return missing


MISSING = _probe_rules()
# What every second-derivative test needs; the others name what they need beyond it.
BASE_RULES = ("expand", "truediv", "truediv by tensor", "div by number", "mul by number", "rsub", "neg",
              "where", "to", "sign", "abs", "pow")


def second_order(*extra):
    """Skips a second-derivative test while a rule its backward formulas use is missing."""
    missing = [name for name in BASE_RULES + extra if name in MISSING]
    return pytest.mark.skipif(bool(missing),
                              reason=f"second derivatives need the rules of: {', '.join(missing)}")


def require_second_order(*extra):
    missing = [name for name in BASE_RULES + extra if name in MISSING]
    if missing:
        pytest.skip(f"second derivatives need the rules of: {', '.join(missing)}")


def noncontiguous_leaf(array):
    """A float64 leaf holding `array`, laid out transposed (or every other element in 1-D)."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim >= 2:
        t = ember.tensor(np.ascontiguousarray(np.swapaxes(array, -1, -2)), dtype=F64).transpose(-1, -2)
    elif array.ndim == 1:
        t = ember.tensor(np.repeat(array, 2), dtype=F64)[::2]
    else:
        t = ember.tensor(array, dtype=F64)
    return t.requires_grad_()


# ---------------------------------------------------------------------------
# Samples: tiny, float64
# ---------------------------------------------------------------------------

class GradSample:
    def __init__(self, name, operand, dim=None, keepdim=False):
        self.name, self.operand, self.dim, self.keepdim = name, operand, dim, keepdim

    def kwargs(self):
        kw = {}
        if self.dim is not None:
            kw["dim"] = self.dim
            if self.keepdim:
                kw["keepdim"] = True
        return kw

    def __repr__(self):
        return self.name


GRAD_SAMPLES = [
    GradSample("all", Operand((2, 3, 2))),
    GradSample("dim1", Operand((2, 3, 2)), dim=1),
    GradSample("dim-1_keepdim", Operand((2, 3, 2)), dim=-1, keepdim=True),
    GradSample("dims0_2", Operand((2, 3, 2)), dim=(0, 2)),
    GradSample("dims0_2_keepdim", Operand((2, 3, 2)), dim=(0, 2), keepdim=True),
    GradSample("dims_list", Operand((2, 3, 2)), dim=[2, 1]),
    GradSample("transposed_dim0", Operand((3, 4), TRANSPOSED), dim=0),
    GradSample("stepped_dim1", Operand((3, 4), STEPPED), dim=1),
    GradSample("expanded_dim0", Operand((3, 4), EXPANDED), dim=0),
    GradSample("expanded_dim1", Operand((3, 4), EXPANDED), dim=1),
    GradSample("zero_dim", Operand(()), dim=0),
    GradSample("zero_dim_all", Operand(())),
    GradSample("empty_dim1", Operand((0, 3)), dim=1),
    GradSample("empty_dim0", Operand((0, 3)), dim=0),
]


CORRECTION = {"var": 1, "var_correction0": 0, "var_unbiased_false": 0, "std": 1, "std_correction2": 2}


def _samples_for(op):
    out = []
    for s in GRAD_SAMPLES:
        if s.dim is None and not op.dim_none:
            continue
        if isinstance(s.dim, (tuple, list)) and not op.dim_tuple:
            continue
        if s.keepdim and not op.keepdim:
            continue
        if s.name == "empty_dim0" and not op.empty_ok:
            continue
        if op.name in CORRECTION and _reduced_count(s) - CORRECTION[op.name] <= 0:
            continue  # N - correction <= 0: the result and its gradient are NaN or infinite
        out.append(s)
    return out


def _reduced_count(sample):
    shape = sample.operand.shape
    if not shape:
        return 1
    dims = range(len(shape)) if sample.dim is None else (
        [sample.dim] if isinstance(sample.dim, int) else sample.dim)
    return int(np.prod([shape[d] for d in dims]))


def _params():
    return [pytest.param(op, s, id=f"{op.name}-{s.name}") for op in DIFFERENTIABLE_OPS
            for s in _samples_for(op)]


def _leaf_and_fn(op, sample, rng):
    """(leaf, fn): fn(leaf) is the reduction of the sample's input. Non-contiguous layouts
    become leaves of their own; the expanded layout is a broadcast of a smaller leaf."""
    t, _ = make_operand(rng, op.domain, F64, sample.operand)
    kw = sample.kwargs()
    if sample.operand.layout == EXPANDED:
        base = t[:1].contiguous().requires_grad_()
        shape = list(sample.operand.shape)
        return base, (lambda b: op.fn(ember, b.expand(*shape), **kw))
    t.requires_grad_()
    return t, (lambda x: op.fn(ember, x, **kw))


def _maybe_skip(sample):
    if sample.operand.layout == EXPANDED and "expand" in MISSING:
        pytest.skip("needs the rule of expand")


@pytest.mark.parametrize("op, sample", _params())
def test_gradcheck(op, sample, rng):
    _maybe_skip(sample)
    x, fn = _leaf_and_fn(op, sample, rng)
    out = fn(x)
    assert out.requires_grad, f"{op.name}: the result does not require grad"
    assert gradcheck(fn, (x,))


def _second_order_params():
    keep = {"all", "dim1", "dims0_2_keepdim", "transposed_dim0", "zero_dim"}
    return [pytest.param(op, s, id=f"{op.name}-{s.name}") for op in DIFFERENTIABLE_OPS
            for s in _samples_for(op) if s.name in keep]


SECOND_ORDER_EXTRA = {"cumsum": ("flip",), "cumprod": ("flip",)}


@pytest.mark.parametrize("op, sample", _second_order_params())
def test_gradgradcheck(op, sample, rng):
    require_second_order(*SECOND_ORDER_EXTRA.get(op.name, ()))
    x, fn = _leaf_and_fn(op, sample, rng)
    assert gradgradcheck(fn, (x,))


def _torch_grad(torch, fn, array, weight):
    t = torch.tensor(array, dtype=torch.float64, requires_grad=True)
    out = fn(t)
    (out * torch.tensor(weight)).sum().backward()
    return t.grad.numpy()


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")  # torch on var/std of zero rows
@pytest.mark.parametrize("op, sample", [p for p in _params()
                                        if p.values[1].operand.layout != EXPANDED])
def test_matches_torch(op, sample, rng):
    torch = pytest.importorskip("torch")
    x, fn = _leaf_and_fn(op, sample, rng)
    out = fn(x)
    weight = rng.uniform(-1, 1, size=tuple(out.shape))
    (out * ember.tensor(weight, dtype=F64)).sum().backward()
    kw = sample.kwargs()
    expected = _torch_grad(torch, lambda t: op.fn(torch, t, **kw), to_numpy(x.detach()), weight)
    np.testing.assert_allclose(to_numpy(x.grad), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", DIFFERENTIABLE_OPS, ids=lambda op: op.name)
def test_method_records_too(op, rng):
    if not op.method:
        pytest.skip("no method form in the catalogue")
    x, _ = make_operand(rng, op.domain, F64, Operand((2, 3)))
    x.requires_grad_()
    out = getattr(x, op.method)(dim=1)
    assert out.requires_grad and out.grad_fn is not None
    assert gradcheck(lambda t: getattr(t, op.method)(dim=1), (x,))


@pytest.mark.parametrize("op", [op for op in DIFFERENTIABLE_OPS if op.method], ids=lambda op: op.name)
def test_method_wrapped_once(op):
    """A method that is the function itself (x.sum is ember.sum) is recorded by one wrapper."""
    method = vars(ember.Tensor)[op.method]
    function = getattr(ember, op.method)
    assert method is function or method.__ember_undifferentiated__ is function.__ember_undifferentiated__


@pytest.mark.parametrize("op", [op for op in REDUCTION_OPS if op.name in NOT_DIFFERENTIABLE],
                         ids=lambda op: op.name)
def test_non_differentiable_outputs(op):
    x = ember.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=F64, requires_grad=True)
    assert not op.fn(ember, x, dim=1).requires_grad
    assert not op.fn(ember, x).requires_grad


# ---------------------------------------------------------------------------
# Ties: the gradient split evenly (PyTorch's rule), or sent to the reported index
# ---------------------------------------------------------------------------

TIES = [1.0, 3.0, 3.0, 2.0, -4.0, -4.0]


def _grad_of(fn, values):
    x = ember.tensor(values, dtype=F64, requires_grad=True)
    out = fn(x)
    out = out[0] if isinstance(out, tuple) else out
    out.sum().backward()
    return to_numpy(x.grad)


TIE_CASES = [
    ("max", lambda m, x: m.max(x), [0, 0.5, 0.5, 0, 0, 0]),
    ("min", lambda m, x: m.min(x), [0, 0, 0, 0, 0.5, 0.5]),
    ("amax", lambda m, x: m.amax(x), [0, 0.5, 0.5, 0, 0, 0]),
    ("amin", lambda m, x: m.amin(x, 0), [0, 0, 0, 0, 0.5, 0.5]),
    ("max_dim", lambda m, x: m.max(x, 0), [0, 1, 0, 0, 0, 0]),
    ("min_dim", lambda m, x: m.min(x, 0), [0, 0, 0, 0, 1, 0]),
    ("norm_inf", lambda m, x: m.norm(x, float("inf")), [0, 0, 0, 0, -0.5, -0.5]),
    ("amax_2d", lambda m, x: m.amax(x.reshape(2, 3), 1), [0, 0.5, 0.5, 1, 0, 0]),
    ("max_2d_dim", lambda m, x: m.max(x.reshape(3, 2), 1).values, [0, 1, 1, 0, 1, 0]),
]


@pytest.mark.parametrize("name, fn, expected", TIE_CASES, ids=[c[0] for c in TIE_CASES])
def test_ties(name, fn, expected):
    np.testing.assert_allclose(_grad_of(lambda x: fn(ember, x), TIES), expected)


@pytest.mark.parametrize("name, fn, expected", TIE_CASES, ids=[c[0] for c in TIE_CASES])
def test_ties_match_torch(name, fn, expected):
    torch = pytest.importorskip("torch")
    t = torch.tensor(TIES, dtype=torch.float64, requires_grad=True)
    out = fn(torch, t)
    out = out[0] if isinstance(out, tuple) else out
    out.sum().backward()
    np.testing.assert_allclose(_grad_of(lambda x: fn(ember, x), TIES), t.grad.numpy())


def test_max_with_nan_goes_to_the_nan():
    g = _grad_of(lambda x: x.max(), [1.0, float("nan"), 2.0])
    np.testing.assert_array_equal(g, [0, 1, 0])


def test_max_dim_indices_do_not_require_grad():
    x = ember.tensor([[1.0, 2.0], [4.0, 3.0]], dtype=F64, requires_grad=True)
    for r in (x.max(1), ember.min(x, 0, keepdim=True)):
        assert r.values.requires_grad
        assert not r.indices.requires_grad
    r = x.max(1)
    (r.values * 2).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [[0, 2], [2, 0]])


# ---------------------------------------------------------------------------
# max / min against a tensor (maximum / minimum)
# ---------------------------------------------------------------------------

BINARY = [
    ("max", [1.0, 2.0, 3.0, -1.0], [3.0, 2.0, 1.0, -1.0]),
    ("min", [1.0, 2.0, 3.0, -1.0], [3.0, 2.0, 1.0, -1.0]),
]


@pytest.mark.parametrize("name, a, b", BINARY, ids=[c[0] for c in BINARY])
def test_binary_form_ties_split(name, a, b):
    x = ember.tensor(a, dtype=F64, requires_grad=True)
    y = ember.tensor(b, dtype=F64, requires_grad=True)
    getattr(ember, name)(x, y).sum().backward()
    if name == "max":
        np.testing.assert_array_equal(to_numpy(x.grad), [0, 0.5, 1, 0.5])
        np.testing.assert_array_equal(to_numpy(y.grad), [1, 0.5, 0, 0.5])
    else:
        np.testing.assert_array_equal(to_numpy(x.grad), [1, 0.5, 0, 0.5])
        np.testing.assert_array_equal(to_numpy(y.grad), [0, 0.5, 1, 0.5])
    torch = pytest.importorskip("torch")
    tx = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    getattr(torch, name)(tx, ty).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), tx.grad.numpy())
    np.testing.assert_array_equal(to_numpy(y.grad), ty.grad.numpy())


@pytest.mark.parametrize("name", ["max", "min"])
def test_binary_form_broadcast_gradcheck(name, rng):
    a = ember.tensor(rng.uniform(-2, 2, (3, 4)), dtype=F64, requires_grad=True)
    b = ember.tensor(rng.uniform(-2, 2, (4,)), dtype=F64, requires_grad=True)
    assert gradcheck(lambda x, y: getattr(ember, name)(x, y), (a, b))
    assert gradcheck(lambda x, y: getattr(x, name)(y), (a, b))


@second_order()
@pytest.mark.parametrize("name", ["max", "min"])
def test_binary_form_gradgradcheck(name, rng):
    a = ember.tensor(rng.uniform(-2, 2, (3, 4)), dtype=F64, requires_grad=True)
    b = ember.tensor(rng.uniform(-2, 2, (4,)), dtype=F64, requires_grad=True)
    assert gradgradcheck(lambda x, y: getattr(ember, name)(x, y) ** 2, (a, b))


# ---------------------------------------------------------------------------
# prod and cumprod with zeros
# ---------------------------------------------------------------------------

PROD_ZEROS = [
    ("one zero", [[2.0, 0.0, 3.0], [1.5, -2.0, 0.5]]),
    ("two zeros in a row", [[0.0, 0.0, 3.0], [1.5, -2.0, 0.5]]),
    ("zeros in two rows", [[0.0, 4.0, 3.0], [1.5, 0.0, 0.5]]),
]


def _prod_forms():
    return [("all", lambda x: x.prod()), ("dim1", lambda x: x.prod(1)),
            ("dim0_keepdim", lambda x: x.prod(0, keepdim=True)),
            ("dim-1_keepdim", lambda x: x.prod(dim=-1, keepdim=True))]


@pytest.mark.parametrize("form, fn", _prod_forms(), ids=[f[0] for f in _prod_forms()])
@pytest.mark.parametrize("name, values", PROD_ZEROS, ids=[c[0] for c in PROD_ZEROS])
def test_prod_with_zeros(form, fn, name, values):
    x = ember.tensor(values, dtype=F64, requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradcheck(fn, (noncontiguous_leaf(np.array(values)),))
    torch = pytest.importorskip("torch")
    fn(x).sum().backward()
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    fn(t).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), t.grad.numpy(), rtol=1e-12, atol=0)


@second_order("permute", "unsqueeze")
@pytest.mark.parametrize("form, fn", _prod_forms(), ids=[f[0] for f in _prod_forms()])
@pytest.mark.parametrize("name, values", PROD_ZEROS, ids=[c[0] for c in PROD_ZEROS])
def test_prod_with_zeros_second_order(form, fn, name, values):
    x = ember.tensor(values, dtype=F64, requires_grad=True)
    assert gradgradcheck(fn, (x,))


def test_prod_with_zeros_large_group_path(monkeypatch):
    """Groups too large for the exact (n, n) path count the zeros instead (first order)."""
    from ember.autograd.rules import reduce as rules
    monkeypatch.setattr(rules, "_PROD_MASKED_LIMIT", 0)
    for _, values in PROD_ZEROS:
        for _, fn in _prod_forms():
            x = ember.tensor(values, dtype=F64, requires_grad=True)
            assert gradcheck(fn, (x,))


CUMPROD_ZEROS = [
    [2.0, 0.0, 3.0, 0.5, 1.5],
    [0.0, 2.0, 0.0, 3.0, -1.0],
    [1.5, -2.0, 0.5, 3.0, 0.0],
    [0.0, 0.0, 0.0, 1.0, 2.0],
]


@pytest.mark.parametrize("values", CUMPROD_ZEROS, ids=[str(i) for i in range(len(CUMPROD_ZEROS))])
def test_cumprod_with_zeros(values, monkeypatch):
    from ember.autograd.rules import reduce as rules
    x = ember.tensor([values, values[::-1]], dtype=F64, requires_grad=True)
    for limit in (rules._CUMPROD_MASKED_LIMIT, 0):
        monkeypatch.setattr(rules, "_CUMPROD_MASKED_LIMIT", limit)
        assert gradcheck(lambda t: t.cumprod(1), (x,))
        assert gradcheck(lambda t: ember.cumprod(t, 0), (noncontiguous_leaf(to_numpy(x.detach()).T),))
    torch = pytest.importorskip("torch")
    x.grad = None
    w = np.arange(10.0).reshape(2, 5) - 3
    (x.cumprod(1) * ember.tensor(w)).sum().backward()
    t = torch.tensor([values, values[::-1]], dtype=torch.float64, requires_grad=True)
    (t.cumprod(1) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), t.grad.numpy(), rtol=1e-12, atol=0)


@second_order("flip", "movedim", "unsqueeze")
@pytest.mark.parametrize("values", CUMPROD_ZEROS, ids=[str(i) for i in range(len(CUMPROD_ZEROS))])
def test_cumprod_with_zeros_second_order(values):
    x = ember.tensor([values], dtype=F64, requires_grad=True)
    assert gradgradcheck(lambda t: t.cumprod(1), (x,))


# ---------------------------------------------------------------------------
# var / std / var_mean / std_mean
# ---------------------------------------------------------------------------

VAR_FORMS = [
    ("var_default", lambda m, x: m.var(x)),
    ("var_unbiased_positional", lambda m, x: m.var(x, 1, False)),
    ("var_bool_only", lambda m, x: m.var(x, False)),
    ("var_correction2", lambda m, x: m.var(x, (0, 1), correction=2, keepdim=True)),
    ("std_dim", lambda m, x: m.std(x, 0)),
    ("std_unbiased_false", lambda m, x: m.std(x, dim=1, unbiased=False, keepdim=True)),
    ("std_correction0", lambda m, x: m.std(x, correction=0)),
    ("var_mean", lambda m, x: m.var_mean(x, 1)),
    ("var_mean_all", lambda m, x: m.var_mean(x, correction=0)),
    ("std_mean", lambda m, x: m.std_mean(x, dim=0, keepdim=True)),
    ("std_mean_unbiased", lambda m, x: m.std_mean(x, 1, unbiased=False)),
]


@pytest.mark.parametrize("name, fn", VAR_FORMS, ids=[f[0] for f in VAR_FORMS])
def test_var_std_forms(name, fn, rng):
    x = ember.tensor(rng.uniform(-2, 2, (3, 4)), dtype=F64, requires_grad=True)
    assert gradcheck(lambda t: fn(ember, t), (x,))
    out = fn(ember, x)
    outs = out if isinstance(out, tuple) else (out,)
    assert all(o.requires_grad for o in outs)
    torch = pytest.importorskip("torch")
    t = torch.tensor(to_numpy(x.detach()), requires_grad=True)
    touts = fn(torch, t)
    touts = touts if isinstance(touts, tuple) else (touts,)
    sum(((o * (k + 1)).sum() for k, o in enumerate(outs)), ember.zeros((), dtype=F64)).backward()
    sum((o * (k + 1)).sum() for k, o in enumerate(touts)).backward()
    np.testing.assert_allclose(to_numpy(x.grad), t.grad.numpy(), rtol=1e-10, atol=1e-12)


@second_order()
@pytest.mark.parametrize("name, fn", VAR_FORMS, ids=[f[0] for f in VAR_FORMS])
def test_var_std_forms_second_order(name, fn, rng):
    x = ember.tensor(rng.uniform(-2, 2, (3, 4)), dtype=F64, requires_grad=True)
    assert gradgradcheck(lambda t: fn(ember, t), (x,))


def test_std_of_constant_rows_has_zero_gradient():
    x = ember.tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]], dtype=F64, requires_grad=True)
    x.std(1).sum().backward()
    g = to_numpy(x.grad)
    np.testing.assert_array_equal(g[0], [0, 0, 0])
    assert np.all(np.isfinite(g))


# ---------------------------------------------------------------------------
# norm
# ---------------------------------------------------------------------------

NORM_FORMS = [
    ("fro", dict()), ("fro_named", dict(p="fro")), ("p2_dim", dict(p=2, dim=1)),
    ("p1", dict(p=1)), ("p1_dim_keepdim", dict(p=1, dim=0, keepdim=True)),
    ("inf_dim", dict(p=float("inf"), dim=1)), ("minus_inf", dict(p=-float("inf"))),
    ("p3", dict(p=3)), ("p1.5_dims", dict(p=1.5, dim=(0, 1))), ("p0.5", dict(p=0.5, dim=1)),
    ("p4_keepdim", dict(p=4.0, dim=0, keepdim=True)), ("p0", dict(p=0, dim=1)),
    ("p-2", dict(p=-2, dim=1)),
]


@pytest.mark.parametrize("name, kw", NORM_FORMS, ids=[f[0] for f in NORM_FORMS])
def test_norm(name, kw, rng):
    x = ember.tensor(rng.uniform(0.2, 2, (3, 4)) * np.sign(rng.uniform(-1, 1, (3, 4))), dtype=F64,
                     requires_grad=True)
    assert gradcheck(lambda t: ember.norm(t, **kw), (x,))
    assert gradcheck(lambda t: t.norm(**kw), (noncontiguous_leaf(to_numpy(x.detach())),))
    torch = pytest.importorskip("torch")
    ember.norm(x, **kw).sum().backward()
    t = torch.tensor(to_numpy(x.detach()), requires_grad=True)
    torch.norm(t, **kw).sum().backward()
    expected = np.zeros((3, 4)) if t.grad is None else t.grad.numpy()  # p=0: torch leaves None
    np.testing.assert_allclose(to_numpy(x.grad), expected, rtol=1e-10, atol=1e-12)


@second_order()
@pytest.mark.parametrize("name, kw", [f for f in NORM_FORMS if "inf" not in f[0]],
                         ids=[f[0] for f in NORM_FORMS if "inf" not in f[0]])
def test_norm_second_order(name, kw, rng):
    x = ember.tensor(rng.uniform(0.2, 2, (3, 4)) * np.sign(rng.uniform(-1, 1, (3, 4))), dtype=F64,
                     requires_grad=True)
    assert gradgradcheck(lambda t: ember.norm(t, **kw), (x,))


def test_norm_at_zero_is_finite():
    """The 2-norm and p-norms of a zero vector get gradient 0 (PyTorch's subgradient)."""
    for p in (2, 3, 1.5, 0.5):
        x = ember.zeros(3, dtype=F64, requires_grad=True)
        ember.norm(x, p).backward()
        np.testing.assert_array_equal(to_numpy(x.grad), [0, 0, 0])
    x = ember.tensor([0.0, 2.0, -1.0], dtype=F64, requires_grad=True)
    ember.norm(x, 0.5).backward()
    assert np.all(np.isfinite(to_numpy(x.grad))) and to_numpy(x.grad)[0] == 0


def test_norm_dtype_argument():
    x = ember.tensor([[1.0, -2.0], [3.0, 0.5]], dtype=ember.float32, requires_grad=True)
    y = ember.norm(x, 2, dim=1, dtype=F64)
    assert y.dtype == F64
    y.sum().backward()
    assert x.grad.dtype == ember.float32
    v = to_numpy(x.detach()).astype(np.float64)
    np.testing.assert_allclose(to_numpy(x.grad), v / np.linalg.norm(v, axis=1, keepdims=True), rtol=1e-6)


# ---------------------------------------------------------------------------
# dtype=, numpy's spelling, scans and softmax forms
# ---------------------------------------------------------------------------

DTYPE_FORMS = [
    ("sum", lambda x: ember.sum(x, 1, dtype=F64)),
    ("mean", lambda x: x.mean(dtype=F64)),
    ("prod", lambda x: ember.prod(x, 0, dtype=F64)),
    ("cumsum", lambda x: x.cumsum(1, dtype=F64)),
    ("cumprod", lambda x: ember.cumprod(x, 0, dtype=F64)),
    ("softmax", lambda x: ember.softmax(x, 1, dtype=F64)),
    ("log_softmax", lambda x: ember.log_softmax(x, 0, F64)),
]


@pytest.mark.parametrize("name, fn", DTYPE_FORMS, ids=[f[0] for f in DTYPE_FORMS])
def test_dtype_argument(name, fn, rng):
    """A float32 input reduced in float64: the gradient comes back in float32, with the
    float64 formula's values."""
    values = rng.uniform(0.5, 1.5, (3, 4))
    x = ember.tensor(values, dtype=ember.float32, requires_grad=True)
    y = fn(x)
    assert y.dtype == F64 and y.requires_grad
    w = rng.uniform(-1, 1, tuple(y.shape))
    (y * ember.tensor(w, dtype=F64)).sum().backward()
    assert x.grad.dtype == ember.float32
    x64 = ember.tensor(to_numpy(x.detach()).astype(np.float64), dtype=F64, requires_grad=True)
    (fn(x64) * ember.tensor(w, dtype=F64)).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), to_numpy(x64.grad), rtol=1e-6, atol=1e-6)
    assert gradcheck(fn, (x64,))


def test_numpy_spelling():
    x = ember.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=F64, requires_grad=True)
    y = x.sum(axis=1, keepdims=True)
    assert list(y.shape) == [2, 1]
    (y * ember.tensor([[1.0], [2.0]], dtype=F64)).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [[1, 1, 1], [2, 2, 2]])
    x.grad = None
    np.mean(x, axis=0).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), np.full((2, 3), 0.5))
    x.grad = None
    ember.amax(x, axis=0).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [[0, 0, 0], [1, 1, 1]])
    x.grad = None
    ember.var(x, axis=1).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [[-1, 0, 1], [-1, 0, 1]])


def test_sum_empty_dim_list_is_every_dim():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=F64, requires_grad=True)
    ember.sum(x, dim=[]).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), np.ones((2, 2)))
    assert gradcheck(lambda t: ember.amax(t, dim=()), (x,))


def _scan_input(name, rng):
    values = rng.uniform(0.5, 1.5, (3, 4))
    if name.endswith("noncontiguous"):
        return noncontiguous_leaf(values)
    return ember.tensor(values, dtype=F64, requires_grad=True)


SCAN_FORMS = [
    ("cumsum_dim0", lambda x: x.cumsum(0)), ("cumsum_neg", lambda x: ember.cumsum(x, -1)),
    ("cumsum_noncontiguous", lambda x: x.cumsum(1)),
    ("cumprod_dim1", lambda x: x.cumprod(1)), ("cumprod_noncontiguous", lambda x: x.cumprod(0)),
    ("softmax_dim0", lambda x: ember.softmax(x, 0)), ("softmax_neg", lambda x: x.softmax(-1)),
    ("softmax_nn", lambda x: ember.nn.functional.softmax(x, dim=1)),
    ("log_softmax_nn", lambda x: ember.nn.functional.log_softmax(x, dim=0)),
    ("log_softmax_noncontiguous", lambda x: x.log_softmax(1)),
    ("softmax_noncontiguous", lambda x: x.softmax(0)),
    ("logsumexp_dims", lambda x: ember.logsumexp(x, (0, 1))),
    ("logsumexp_keepdim", lambda x: x.logsumexp(1, keepdim=True)),
]


@pytest.mark.parametrize("name, fn", SCAN_FORMS, ids=[f[0] for f in SCAN_FORMS])
def test_scan_and_softmax_forms(name, fn, rng):
    x = _scan_input(name, rng)
    assert gradcheck(fn, (x,))


@second_order("flip")
@pytest.mark.parametrize("name, fn", SCAN_FORMS, ids=[f[0] for f in SCAN_FORMS])
def test_scan_and_softmax_forms_second_order(name, fn, rng):
    x = _scan_input(name, rng)
    assert gradgradcheck(fn, (x,))


def test_softmax_of_large_logits_has_finite_gradient():
    x = ember.tensor([[1000.0, 0.0, -1000.0]], dtype=F64, requires_grad=True)
    y = ember.log_softmax(x, 1)
    (y * ember.tensor([[0.0, 1.0, 0.0]], dtype=F64)).sum().backward()
    assert np.all(np.isfinite(to_numpy(x.grad)))


def test_chain_through_several_reductions(rng):
    """A small loss built of several reductions: gradcheck through the whole chain."""
    x = ember.tensor(rng.uniform(-1, 1, (3, 4)), dtype=F64, requires_grad=True)

    def loss(t):
        p = ember.softmax(t, 1)
        return (p.cumsum(1).amax(1) * t.std(1)).sum() + ember.logsumexp(t, 0).mean()

    assert gradcheck(loss, (x,))


@pytest.mark.parametrize("zeros", [0, 1, 2])
def test_prod_over_several_dims(zeros, rng):
    """ember's prod also takes a tuple of dims (an extension over PyTorch)."""
    values = rng.uniform(0.5, 1.5, (2, 3, 2)) * np.sign(rng.uniform(-1, 1, (2, 3, 2)))
    values.reshape(-1)[[1, 9][:zeros]] = 0.0
    x = ember.tensor(values, dtype=F64, requires_grad=True)
    for fn in (lambda t: ember.prod(t, (0, 2)), lambda t: t.prod(dim=(2, 1), keepdim=True)):
        assert gradcheck(fn, (x,))
    expected = np.zeros_like(values)
    for j in range(3):
        for idx in np.ndindex(2, 2):
            i = (idx[0], j, idx[1])
            others = [values[a, j, b] for a, b in np.ndindex(2, 2) if (a, b) != idx]
            expected[i] = np.prod(others)
    ember.prod(x, (0, 2)).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), expected, rtol=1e-12)


def test_logsumexp_over_every_dim(rng):
    x = ember.tensor(rng.uniform(-1, 1, (2, 3)), dtype=F64, requires_grad=True)
    assert gradcheck(lambda t: ember.logsumexp(t, ()), (x,))
    assert gradcheck(lambda t: t.logsumexp([0, 1], keepdim=True), (x,))


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")
@pytest.mark.parametrize("op", DIFFERENTIABLE_OPS, ids=lambda op: op.name)
@pytest.mark.parametrize("layout", [CONTIGUOUS, TRANSPOSED])
def test_large_input_matches_torch(op, layout, rng):
    """Inputs large enough for the parallel kernels, in float64: PyTorch's gradient."""
    torch = pytest.importorskip("torch")
    operand = Operand((257, 273), layout)
    x, _ = make_operand(rng, op.domain, F64, operand)
    x.requires_grad_()
    kw = {"dim": 0}
    out = op.fn(ember, x, **kw)
    weight = rng.uniform(-1, 1, size=tuple(out.shape))
    (out * ember.tensor(weight, dtype=F64)).sum().backward()
    expected = _torch_grad(torch, lambda t: op.fn(torch, t, **kw), np.array(to_numpy(x.detach())), weight)
    np.testing.assert_allclose(to_numpy(x.grad), expected, rtol=1e-9, atol=1e-12)


def test_inplace_change_of_a_saved_result_is_caught():
    """softmax, std, cumprod... save their result: changing it in place before backward raises,
    as in PyTorch; sum saves nothing, so its result may change."""
    for fn in (lambda t: t.softmax(1), lambda t: t.std(1), lambda t: t.cumprod(1), lambda t: t.amax(1),
               lambda t: ember.logsumexp(t, 1), lambda t: t.norm(dim=1)):
        x = ember.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=F64, requires_grad=True)
        y = fn(x)
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    x = ember.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=F64, requires_grad=True)
    y = x.sum(1)
    y.mul_(2)
    y.sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), np.full((2, 2), 2.0))


LOW_PRECISION_FORMS = {
    "sum": lambda t: t.sum(1), "mean": lambda t: t.mean(), "prod": lambda t: t.prod(1),
    "prod_zero": lambda t: t.prod(1), "var": lambda t: t.var(1), "std": lambda t: t.std(),
    "amax": lambda t: t.amax(1), "max": lambda t: t.max(), "max_dim": lambda t: t.max(1).values,
    "max_binary": lambda t: ember.max(t, t * 0.9), "logsumexp": lambda t: t.logsumexp(1),
    "norm": lambda t: t.norm(), "norm3": lambda t: t.norm(3, dim=1), "norm_inf": lambda t: t.norm(float("inf")),
    "cumsum": lambda t: t.cumsum(1), "cumprod": lambda t: t.cumprod(1), "cumprod_zero": lambda t: t.cumprod(1),
    "softmax": lambda t: t.softmax(1), "log_softmax": lambda t: t.log_softmax(0),
}


@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.bfloat16], ids=str)
@pytest.mark.parametrize("name", list(LOW_PRECISION_FORMS))
def test_other_float_dtypes(name, dtype, rng):
    """The gradient comes back in the input's dtype, close to the float64 one."""
    values = np.random.default_rng(0).permutation(12).reshape(3, 4) * 0.25 + 0.5
    if name.endswith("zero"):
        values[0, 1] = 0.0
    fn = LOW_PRECISION_FORMS[name]
    ref = ember.tensor(values, dtype=F64, requires_grad=True)
    fn(ref).sum().backward()
    x = ember.tensor(values, dtype=dtype, requires_grad=True)
    fn(x).sum().backward()
    assert x.grad.dtype == dtype
    tol = 1e-5 if dtype == ember.float32 else 5e-2
    np.testing.assert_allclose(to_numpy(x.grad.to(F64)), to_numpy(ref.grad), rtol=tol, atol=tol)
