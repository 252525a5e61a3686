"""Autograd of sorting, selection, quantile, einsum, tensordot and kron (autograd/rules/sort.py).

Generated from the op_db entries of op_db_sort.py: every differentiable entry gets gradcheck
in float64 on each of its samples, contiguous and non-contiguous, and PyTorch's gradient where
it is installed; entries marked not differentiable must give outputs that do not require grad.
Samples with ties are untied first (the gradient of a sort is ambiguous at a tie) and samples
with NaN are left to hand-written tests. Hand-written tests cover ties as PyTorch resolves
them, quantile's gradient in q, einsum's forms and second derivatives.
"""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from conftest import to_numpy
from op_db import ember_args, tensors_in, to_torch
from op_db_sort import ENTRIES, EINSUM_CASES
from test_autograd_reduce import MISSING, noncontiguous_leaf, second_order

F64 = ember.float64
DIFFERENTIABLE = [e for e in ENTRIES if e.differentiable and not e.name.endswith("_int")]
NOT_DIFFERENTIABLE = [e for e in ENTRIES if not e.differentiable]


def _untie(value, rng):
    """A float array with the same shape and distinct values (spread by at least 0.1)."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size > 1:
        if np.isnan(value).any():
            return value
        if len(np.unique(value)) < value.size:
            return (rng.permutation(value.size) * 0.25 - value.size * 0.125).reshape(value.shape)
    return value


def _has_nan(sample):
    return any(isinstance(a, np.ndarray) and a.dtype.kind == "f" and np.isnan(a).any()
               for a in list(sample.args) + list(sample.kwargs.values()))


def _grad_indices(entry, sample, args):
    """Positions in args of the tensors differentiated: the sample's grad_args, else every
    float64 tensor (for quantile: the input only; its q is checked by hand, away from the
    kinks at integer ranks and the ends of [0, 1])."""
    if sample.grad_args is not None:
        return list(sample.grad_args)
    if entry.name == "quantile":
        return [0]
    return [i for i, a in enumerate(args) if isinstance(a, ember.Tensor) and a.dtype == F64]


def _cases(nan_ok=False):
    out = []
    for entry in DIFFERENTIABLE:
        rng = np.random.default_rng(0)
        for k, sample in enumerate(entry.samples(rng, F64)):
            name = sample.name or str(k)
            marks = []
            if _has_nan(sample) and not nan_ok:
                marks.append(pytest.mark.skip(reason="NaN sample: finite differences through NaN are "
                                                     "NaN; its gradient is compared with PyTorch's"))
            for layout in ("contiguous", "noncontiguous"):
                if layout == "noncontiguous" and not entry.noncontiguous:
                    continue
                out.append(pytest.param(entry, sample, layout, id=f"{entry.name}-{name}-{layout}",
                                        marks=marks))
    return out


def _prepare(entry, sample, layout, rng):
    args = tuple(_untie(a, rng) for a in sample.args)
    sample = type(sample)(args, dict(sample.kwargs), sample.name, sample.grad_args)
    args, kwargs = ember_args(sample, F64, noncontiguous=(layout == "noncontiguous"))
    idx = _grad_indices(entry, sample, args)
    args = list(args)
    for i in idx:
        args[i] = args[i].detach().requires_grad_()
    return sample, args, kwargs, idx


def _differentiable_outputs(result):
    out = result if isinstance(result, (tuple, list)) else (result,)
    return [o for o in out if isinstance(o, ember.Tensor) and o.is_floating_point()]


@pytest.mark.parametrize("entry, sample, layout", _cases())
def test_gradcheck(entry, sample, layout, rng):
    sample, args, kwargs, idx = _prepare(entry, sample, layout, rng)
    result = entry.op(ember, *args, **kwargs)
    for o in _differentiable_outputs(result):
        assert o.requires_grad, f"{entry.name}: a floating result does not require grad"
    out = result if isinstance(result, (tuple, list)) else (result,)
    for o in out:
        if isinstance(o, ember.Tensor) and not o.is_floating_point():
            assert not o.requires_grad, f"{entry.name}: an integer result requires grad"

    def fn(*xs):
        a = list(args)
        for i, x in zip(idx, xs):
            a[i] = x
        return entry.op(ember, *a, **kwargs)

    assert gradcheck(fn, tuple(args[i] for i in idx))


@pytest.mark.parametrize("entry, sample, layout", [p for p in _cases(nan_ok=True) if p.values[2] == "contiguous"])
def test_matches_torch(entry, sample, layout, rng):
    torch = pytest.importorskip("torch")
    if not entry.torch:
        pytest.skip("no PyTorch reference for this entry")
    sample, args, kwargs, idx = _prepare(entry, sample, layout, rng)
    outs = _differentiable_outputs(entry.op(ember, *args, **kwargs))
    weights = [rng.uniform(-1, 1, tuple(o.shape)) for o in outs]
    total = None
    for o, w in zip(outs, weights):
        term = (o * ember.tensor(w, dtype=F64)).sum()
        total = term if total is None else total + term
    grads = ember.autograd.grad(total, [args[i] for i in idx], allow_unused=True)

    targs = [to_torch(torch, _detached(a)) for a in args]
    for i in idx:
        targs[i] = targs[i].detach().requires_grad_()
    tkwargs = {k: to_torch(torch, v) for k, v in kwargs.items()}
    touts = entry.op(torch, *targs, **tkwargs)
    touts = [o for o in (touts if isinstance(touts, (tuple, list)) else (touts,)) if o.is_floating_point()]
    ttotal = sum((o * torch.tensor(w)).sum() for o, w in zip(touts, weights))
    tgrads = torch.autograd.grad(ttotal, [targs[i] for i in idx], allow_unused=True)
    for g, tg, i in zip(grads, tgrads, idx):
        expected = np.zeros(tuple(targs[i].shape)) if tg is None else tg.numpy()
        got = np.zeros(tuple(args[i].shape)) if g is None else to_numpy(g)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, err_msg=f"gradient of argument {i}")


def _detached(value):
    if isinstance(value, ember.Tensor):
        return value.detach()
    if isinstance(value, (list, tuple)):
        return type(value)(_detached(v) for v in value)
    return value


def _not_differentiable_cases():
    out = []
    for entry in NOT_DIFFERENTIABLE:
        rng = np.random.default_rng(0)
        for k, sample in enumerate(entry.samples(rng, F64)):
            out.append(pytest.param(entry, sample, id=f"{entry.name}-{sample.name or k}"))
    return out


@pytest.mark.parametrize("entry, sample", _not_differentiable_cases())
def test_not_differentiable_outputs(entry, sample):
    args, kwargs = ember_args(sample, F64)
    for t in tensors_in(list(args)) + tensors_in(kwargs):
        if t.dtype == F64:
            t.requires_grad_()
    result = entry.op(ember, *args, **kwargs)
    for o in (result if isinstance(result, (tuple, list)) else (result,)):
        assert not o.requires_grad, f"{entry.name}: an output requires grad"
        assert o.grad_fn is None


# ---------------------------------------------------------------------------
# Ties and NaN, as PyTorch
# ---------------------------------------------------------------------------

def _grad(fn, values, weight=None):
    x = ember.tensor(values, dtype=F64, requires_grad=True)
    out = fn(ember, x)
    out = out[0] if isinstance(out, tuple) else out
    w = np.ones(tuple(out.shape)) if weight is None else np.asarray(weight, dtype=np.float64)
    (out * ember.tensor(w, dtype=F64)).sum().backward()
    return to_numpy(x.grad)


def _torch_grad(fn, values, weight=None):
    torch = pytest.importorskip("torch")
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    out = fn(torch, t)
    out = out[0] if isinstance(out, tuple) else out
    w = torch.ones(out.shape, dtype=torch.float64) if weight is None else torch.tensor(weight)
    (out * w).sum().backward()
    return t.grad.numpy()


TIE_CASES = [
    # the full median splits evenly among the elements equal to it
    ("median_all_ties", lambda m, x: m.median(x), [1.0, 2.0, 2.0, 3.0], None, [0, 0.5, 0.5, 0]),
    ("nanmedian_all_ties", lambda m, x: m.nanmedian(x), [1.0, 2.0, 2.0, 3.0], None, [0, 0.5, 0.5, 0]),
    ("median_all_nan", lambda m, x: m.median(x), [1.0, float("nan"), 2.0, 3.0], None, [0, 1, 0, 0]),
    ("nanmedian_all_nan", lambda m, x: m.nanmedian(x), [1.0, float("nan"), 2.0, 3.0], None, [0, 0, 1, 0]),
    ("quantile_nan", lambda m, x: m.quantile(x, 0.5), [1.0, float("nan"), 2.0, 3.0], None, [0, 1, 0, 0]),
    ("quantile_lower_ties", lambda m, x: m.quantile(x, 0.5, interpolation="lower"),
     [1.0, 2.0, 2.0, 3.0], None, [0, 1, 0, 0]),
    # along a dim the gradient goes to the reported index
    ("median_dim_ties", lambda m, x: m.median(x.reshape(2, 3), 1).values,
     [1.0, 2.0, 2.0, 5.0, 5.0, 5.0], None, [0, 1, 0, 0, 1, 0]),
    ("kthvalue_ties", lambda m, x: m.kthvalue(x, 2).values, [2.0, 1.0, 2.0, 3.0], None, [1, 0, 0, 0]),
    ("sort_stable_ties", lambda m, x: m.sort(x, stable=True).values, [2.0, 1.0, 2.0, 2.0],
     [10.0, 20.0, 30.0, 40.0], [20, 10, 30, 40]),
    ("sort_descending_stable_ties", lambda m, x: m.sort(x, descending=True, stable=True).values,
     [2.0, 1.0, 2.0, 3.0], [10.0, 20.0, 30.0, 40.0], [20, 40, 30, 10]),
]


@pytest.mark.parametrize("name, fn, values, weight, expected", TIE_CASES, ids=[c[0] for c in TIE_CASES])
def test_ties_and_nan(name, fn, values, weight, expected):
    np.testing.assert_allclose(_grad(fn, values, weight), expected)


@pytest.mark.parametrize("name, fn, values, weight, expected", TIE_CASES, ids=[c[0] for c in TIE_CASES])
def test_ties_and_nan_match_torch(name, fn, values, weight, expected):
    np.testing.assert_allclose(_grad(fn, values, weight), _torch_grad(fn, values, weight))


def test_sort_gradient_follows_the_indices(rng):
    x = ember.tensor(rng.integers(-2, 3, (3, 6)).astype(np.float64), dtype=F64, requires_grad=True)
    values, indices = x.sort(1, descending=True)
    w = rng.uniform(-1, 1, (3, 6))
    (values * ember.tensor(w, dtype=F64)).sum().backward()
    expected = np.zeros((3, 6))
    np.put_along_axis(expected, to_numpy(indices), w, 1)
    np.testing.assert_array_equal(to_numpy(x.grad), expected)
    assert not indices.requires_grad


def test_topk_gradient_follows_the_indices(rng):
    x = ember.tensor(rng.permutation(12).reshape(3, 4).astype(np.float64), dtype=F64, requires_grad=True)
    values, indices = ember.topk(x, 2, dim=0, largest=False)
    (values * 3).sum().backward()
    expected = np.zeros((3, 4))
    np.put_along_axis(expected, to_numpy(indices), 3.0, 0)
    np.testing.assert_array_equal(to_numpy(x.grad), expected)


def test_zero_dim_inputs():
    for fn in (lambda x: x.sort().values, lambda x: x.topk(1).values, lambda x: x.kthvalue(1).values,
               lambda x: x.median(), lambda x: x.median(0).values, lambda x: ember.quantile(x, 0.3),
               lambda x: ember.nanmedian(x, 0, keepdim=True).values, lambda x: ember.msort(x.reshape(1))):
        x = ember.tensor(1.5, dtype=F64, requires_grad=True)
        assert gradcheck(fn, (x,))


# ---------------------------------------------------------------------------
# quantile
# ---------------------------------------------------------------------------

# (name, call, q): q "1-D" and "0-D" are tensors that require grad; "number" and "list" are not
QUANTILE_FORMS = [
    ("number_q_all", lambda m, x, q, mode: m.quantile(x, 0.37, interpolation=mode), "number"),
    ("tensor_q_dim", lambda m, x, q, mode: m.quantile(x, q, dim=1, interpolation=mode), "1-D"),
    ("tensor_q_all", lambda m, x, q, mode: m.quantile(x, q, interpolation=mode), "1-D"),
    ("tensor_q_dim_keepdim", lambda m, x, q, mode: m.quantile(x, q, dim=0, keepdim=True, interpolation=mode),
     "1-D"),
    ("0dim_q_dim", lambda m, x, q, mode: m.quantile(x, q, dim=-1, interpolation=mode), "0-D"),
    ("list_q", lambda m, x, q, mode: m.quantile(x, [0.15, 0.85] if m is ember else m.tensor(
        [0.15, 0.85], dtype=m.float64), dim=1, interpolation=mode), "list"),
]
Q_VALUES = {"1-D": [0.13, 0.55, 0.8], "0-D": 0.55}


@pytest.mark.parametrize("mode", ["linear", "lower", "higher", "nearest", "midpoint"])
@pytest.mark.parametrize("name, fn, q_kind", QUANTILE_FORMS, ids=[f[0] for f in QUANTILE_FORMS])
def test_quantile(name, fn, q_kind, mode, rng):
    """The input's gradient, and q's (ranks kept off integers: quantile has kinks there)."""
    values = rng.permutation(15).reshape(3, 5) * 0.5 - 2.0
    x = ember.tensor(values, dtype=F64, requires_grad=True)
    q_values = Q_VALUES.get(q_kind)
    q = None if q_values is None else ember.tensor(q_values, dtype=F64, requires_grad=True)
    if q is not None:
        assert gradcheck(lambda a, b: fn(ember, a, b, mode), (x, q))
    else:
        assert gradcheck(lambda a: fn(ember, a, None, mode), (x,))
    assert gradcheck(lambda a: fn(ember, a, q, mode), (noncontiguous_leaf(values),))
    torch = pytest.importorskip("torch")
    out = fn(ember, x, q, mode)
    w = rng.uniform(-1, 1, tuple(out.shape))
    inputs = [x] if q is None else [x, q]
    grads = ember.autograd.grad((out * ember.tensor(w, dtype=F64)).sum(), inputs, allow_unused=True)
    tx = torch.tensor(values, requires_grad=True)
    tq = None if q is None else torch.tensor(q_values, dtype=torch.float64, requires_grad=True)
    tout = fn(torch, tx, tq, mode)
    tgrads = torch.autograd.grad((tout * torch.tensor(w)).sum(), [tx] if q is None else [tx, tq],
                                 allow_unused=True)
    for g, tg, t in zip(grads, tgrads, inputs):
        np.testing.assert_allclose(np.zeros(tuple(t.shape)) if g is None else to_numpy(g),
                                   np.zeros(tuple(t.shape)) if tg is None else tg.numpy(),
                                   rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------
# einsum, tensordot, kron
# ---------------------------------------------------------------------------

EINSUM_EXTRA = [
    ("iii->", (2, 2, 2)),
    ("iij->j", (3, 3, 2)),
    ("ij,jk->ik", (2, 1), (3, 2)),          # a size-1 dim broadcast against another operand's
    ("...i,...i->...", (2, 3), (1, 3)),     # broadcast ellipsis dims
    ("ij,k->k", (2, 3), (4,)),              # a subscript summed within one operand
    ("bii,bj->bij", (2, 3, 3), (2, 3)),     # a diagonal kept in the output
    ("i...j,j...->i...", (2, 3, 4), (4, 3)),
    ("ijk->kji", (2, 3, 4)),
    ("i,i,i,i->", (3,), (3,), (3,), (3,)),
    ("ab,ba->", (2, 3), (3, 2)),
]


def _einsum_params():
    return [pytest.param(eq, shapes, id=eq) for eq, *shapes in EINSUM_CASES + EINSUM_EXTRA]


@pytest.mark.parametrize("eq, shapes", _einsum_params())
def test_einsum_noncontiguous_operands(eq, shapes, rng):
    xs = tuple(noncontiguous_leaf(rng.uniform(-2, 2, s)) for s in shapes)
    assert gradcheck(lambda *a: ember.einsum(eq, *a), xs)


@pytest.mark.parametrize("eq, shapes", [p for p in _einsum_params() if p.id in [c[0] for c in EINSUM_EXTRA]])
def test_einsum_extra_forms_match_torch(eq, shapes, rng):
    torch = pytest.importorskip("torch")
    arrays = [rng.uniform(-2, 2, s) for s in shapes]
    xs = [ember.tensor(a, dtype=F64, requires_grad=True) for a in arrays]
    out = ember.einsum(eq, *xs)
    w = rng.uniform(-1, 1, tuple(out.shape))
    grads = ember.autograd.grad((out * ember.tensor(w, dtype=F64)).sum(), xs)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    tgrads = torch.autograd.grad((torch.einsum(eq, *ts) * torch.tensor(w)).sum(), ts)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(to_numpy(g), tg.numpy(), rtol=1e-10, atol=1e-12)


def test_einsum_calling_forms(rng):
    a = ember.tensor(rng.uniform(-1, 1, (2, 3)), dtype=F64, requires_grad=True)
    b = ember.tensor(rng.uniform(-1, 1, (3, 4)), dtype=F64, requires_grad=True)
    assert gradcheck(lambda x, y: ember.einsum("ij,jk", [x, y]), (a, b))
    assert gradcheck(lambda x, y: ember.einsum(x, [0, 1], y, [1, 2], [0, 2]), (a, b))
    assert gradcheck(lambda x, y: ember.einsum(x, [0, Ellipsis], y, [Ellipsis, 2]), (a, b))
    # the same tensor twice: both gradients add up
    assert gradcheck(lambda x: ember.einsum("ij,ij->", x, x), (a,))
    # only one operand requires grad
    c = ember.tensor(rng.uniform(-1, 1, (3, 4)), dtype=F64)
    out = ember.einsum("ij,jk->ik", a, c)
    out.sum().backward()
    np.testing.assert_allclose(to_numpy(a.grad), np.tile(to_numpy(c).sum(1), (2, 1)))


SECOND_ORDER_EINSUM = [("ij,jk->ik", (2, 3), (3, 2)), ("ii->i", (3, 3)), ("bij,bjk->bik", (2, 2, 3), (2, 3, 2)),
                       ("...ij,...jk->...ik", (2, 1, 2, 3), (2, 3, 2)), ("i,j->ij", (3,), (2,)),
                       ("iij->j", (2, 2, 3))]


@second_order("permute")
@pytest.mark.parametrize("eq, shapes", [pytest.param(e, s, id=e) for e, *s in SECOND_ORDER_EINSUM])
def test_einsum_second_order(eq, shapes, rng):
    xs = tuple(ember.tensor(rng.uniform(-2, 2, s), dtype=F64, requires_grad=True) for s in shapes)
    assert gradgradcheck(lambda *a: ember.einsum(eq, *a), xs)


TENSORDOT_FORMS = [
    ("dims2", (3, 2, 2), (2, 2, 3), {}), ("dims1", (2, 3), (3, 4), {"dims": 1}),
    ("dims0", (2,), (3, 2), {"dims": 0}), ("lists", (3, 2, 4), (4, 3, 2), {"dims": ([0, 2], [1, 0])}),
    ("negative_dims", (3, 2), (2, 3), {"dims": ([-1], [0])}), ("tuple_of_lists", (2, 3), (3, 2), {"dims": ([1], [0])}),
]


@pytest.mark.parametrize("name, sa, sb, kw", TENSORDOT_FORMS, ids=[f[0] for f in TENSORDOT_FORMS])
def test_tensordot(name, sa, sb, kw, rng):
    a = ember.tensor(rng.uniform(-2, 2, sa), dtype=F64, requires_grad=True)
    b = noncontiguous_leaf(rng.uniform(-2, 2, sb))
    assert gradcheck(lambda x, y: ember.tensordot(x, y, **kw), (a, b))
    torch = pytest.importorskip("torch")
    out = ember.tensordot(a, b, **kw)
    w = rng.uniform(-1, 1, tuple(out.shape))
    ga, gb = ember.autograd.grad((out * ember.tensor(w, dtype=F64)).sum(), [a, b])
    ta = torch.tensor(np.ascontiguousarray(to_numpy(a.detach())), requires_grad=True)
    tb = torch.tensor(np.ascontiguousarray(to_numpy(b.detach())), requires_grad=True)
    tga, tgb = torch.autograd.grad((torch.tensordot(ta, tb, **kw) * torch.tensor(w)).sum(), [ta, tb])
    np.testing.assert_allclose(to_numpy(ga), tga.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_numpy(gb), tgb.numpy(), rtol=1e-10, atol=1e-12)


@second_order("permute")
def test_tensordot_and_kron_second_order(rng):
    a = ember.tensor(rng.uniform(-2, 2, (2, 3)), dtype=F64, requires_grad=True)
    b = ember.tensor(rng.uniform(-2, 2, (3, 2)), dtype=F64, requires_grad=True)
    assert gradgradcheck(lambda x, y: ember.tensordot(x, y, 1), (a, b))
    assert gradgradcheck(lambda x, y: ember.kron(x, y), (a, b))


KRON_FORMS = [((2, 3), (3, 2)), ((3,), (2, 2)), ((2, 1, 2), (2, 3)), ((), (2,)), ((2,), ())]


@pytest.mark.parametrize("sa, sb", KRON_FORMS, ids=[f"{a}x{b}" for a, b in KRON_FORMS])
def test_kron(sa, sb, rng):
    a = noncontiguous_leaf(rng.uniform(-2, 2, sa))
    b = ember.tensor(rng.uniform(-2, 2, sb), dtype=F64, requires_grad=True)
    assert gradcheck(lambda x, y: ember.kron(x, y), (a, b))
    assert gradcheck(lambda x, y: x.kron(y), (a, b))
    torch = pytest.importorskip("torch")
    ember.kron(a, b).sum().backward()
    ta = torch.tensor(np.ascontiguousarray(to_numpy(a.detach())), requires_grad=True)
    tb = torch.tensor(np.ascontiguousarray(to_numpy(b.detach())), requires_grad=True)
    torch.kron(ta, tb).sum().backward()
    np.testing.assert_allclose(to_numpy(a.grad), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_numpy(b.grad), tb.grad.numpy(), rtol=1e-10, atol=1e-12)


@second_order("scatter", "movedim", "unsqueeze")
def test_sort_family_second_order(rng):
    """Selections are linear in the input: their second derivatives flow through the
    scatter / mask of the first (zero for the input, the selection for grad_output)."""
    x = ember.tensor(rng.permutation(12).reshape(3, 4) * 0.5, dtype=F64, requires_grad=True)
    for fn in (lambda t: t.sort(1).values ** 2, lambda t: t.topk(2, 0).values ** 2,
               lambda t: t.kthvalue(2, 1).values ** 2, lambda t: t.median(0).values ** 2,
               lambda t: ember.quantile(t, 0.37, dim=1) ** 2, lambda t: t.median() ** 2):
        assert gradgradcheck(fn, (x,))


@pytest.mark.skipif("expand" in MISSING, reason="needs the rule of expand")
def test_broadcast_inputs(rng):
    """A row broadcast over a dim (stride 0) going through each op: the gradient sums back."""
    b = ember.tensor(rng.permutation(4) * 0.5 + 0.25, dtype=F64).reshape(1, 4).requires_grad_()
    c = ember.tensor(rng.uniform(-1, 1, (4, 3)), dtype=F64, requires_grad=True)
    for fn in (lambda t: t.expand(3, 4).sort(1, descending=True).values,
               lambda t: t.expand(3, 4).topk(2).values, lambda t: t.expand(3, 4).kthvalue(3).values,
               lambda t: t.expand(3, 4).median(1).values, lambda t: ember.quantile(t.expand(3, 4), 0.4, dim=1),
               lambda t: t.expand(3, 4).sort(0).values, lambda t: ember.msort(t.expand(2, 4)),
               lambda t: ember.einsum("ij,jk->ik", t.expand(2, 4), c), lambda t: ember.kron(t.expand(2, 4), c),
               lambda t: ember.tensordot(t.expand(3, 4), c, 1)):
        assert gradcheck(fn, (b,))


INDEX_OPS = [("sort", lambda x: x.sort(1)), ("topk", lambda x: x.topk(1)), ("kthvalue", lambda x: x.kthvalue(1)),
             ("median", lambda x: x.median(1)), ("nanmedian", lambda x: x.nanmedian(0)),
             ("max", lambda x: x.max(1)), ("min", lambda x: ember.min(x, 0))]


@pytest.mark.parametrize("name, fn", INDEX_OPS, ids=[c[0] for c in INDEX_OPS])
def test_saved_indices(name, fn):
    """The saved indices stay integer constants inside backward, and changing the returned
    indices in place before backward is caught."""
    x = ember.tensor([[1.0, 3.0], [4.0, 2.0]], dtype=F64, requires_grad=True)
    values, indices = fn(x)
    saved = [t for t in values.grad_fn.saved_tensors if isinstance(t, ember.Tensor)]
    assert saved and all(not t.requires_grad for t in saved if not t.is_floating_point())
    indices.add_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        values.sum().backward()


LARGE = [
    ("sort", lambda m, x: m.sort(x, 1, descending=True)[0]), ("sort_dim0", lambda m, x: m.sort(x, 0)[0]),
    ("topk", lambda m, x: m.topk(x, 7, 1)[0]), ("kthvalue", lambda m, x: m.kthvalue(x, 40, 1)[0]),
    ("median", lambda m, x: m.median(x, 0)[0]), ("median_all", lambda m, x: m.median(x)),
    ("nanmedian", lambda m, x: m.nanmedian(x, 1, keepdim=True)[0]),
    ("quantile", lambda m, x: m.quantile(x, 0.3, dim=1)), ("msort", lambda m, x: m.msort(x)),
    ("einsum", lambda m, x: m.einsum("ij,ik->jk", x, x)),
]


@pytest.mark.parametrize("name, fn", LARGE, ids=[c[0] for c in LARGE])
def test_large_input_matches_torch(name, fn, rng):
    torch = pytest.importorskip("torch")
    values = (rng.permutation(65 * 300) * 0.01).reshape(300, 65).T  # distinct, non-contiguous
    x = ember.tensor(np.ascontiguousarray(values.T), dtype=F64).t().requires_grad_()
    out = fn(ember, x)
    w = rng.uniform(-1, 1, tuple(out.shape))
    (out * ember.tensor(w, dtype=F64)).sum().backward()
    t = torch.tensor(values, requires_grad=True)
    (fn(torch, t) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), t.grad.numpy(), rtol=1e-10, atol=1e-10)


LOW_PRECISION_FORMS = {
    "sort": lambda t: t.sort(1).values, "topk": lambda t: t.topk(2).values, "kthvalue": lambda t: t.kthvalue(2).values,
    "median": lambda t: t.median(), "median_dim": lambda t: t.median(1).values,
    "nanmedian_dim": lambda t: t.nanmedian(0).values, "msort": lambda t: ember.msort(t),
    "einsum": lambda t: ember.einsum("ij,kj->ik", t, t), "tensordot": lambda t: ember.tensordot(t, t, 2),
    "kron": lambda t: ember.kron(t, t),
}


@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.bfloat16], ids=str)
@pytest.mark.parametrize("name", list(LOW_PRECISION_FORMS))
def test_other_float_dtypes(name, dtype):
    """The gradient comes back in the input's dtype, close to the float64 one."""
    values = np.random.default_rng(0).permutation(12).reshape(3, 4) * 0.25 + 0.5
    fn = LOW_PRECISION_FORMS[name]
    ref = ember.tensor(values, dtype=F64, requires_grad=True)
    fn(ref).sum().backward()
    x = ember.tensor(values, dtype=dtype, requires_grad=True)
    fn(x).sum().backward()
    assert x.grad.dtype == dtype
    tol = 1e-5 if dtype == ember.float32 else 5e-2
    np.testing.assert_allclose(to_numpy(x.grad.to(F64)), to_numpy(ref.grad), rtol=tol, atol=tol)


def test_quantile_float32():
    values = np.random.default_rng(0).permutation(12).reshape(3, 4) * 0.25 + 0.5
    ref = ember.tensor(values, dtype=F64, requires_grad=True)
    ember.quantile(ref, 0.3, dim=1).sum().backward()
    x = ember.tensor(values, dtype=ember.float32, requires_grad=True)
    ember.quantile(x, 0.3, dim=1).sum().backward()
    assert x.grad.dtype == ember.float32
    np.testing.assert_allclose(to_numpy(x.grad), to_numpy(ref.grad), rtol=1e-6, atol=1e-6)
