"""Autograd of the matrix products and of ember.linalg: gradients against finite differences
(float64), second derivatives of the products, solves and inverse, and against torch.autograd.

The matrix products are generated from the op database (op_db_linalg.ENTRIES). The
decompositions are checked on inputs where their outputs are unique and smooth: well
conditioned matrices, symmetric ones with distinct eigenvalues, distinct singular values, and
through functions of the factors that do not depend on the signs of eigen- and singular vectors.
Eigh and Cholesky read one triangle of their input, so their gradient is the one of a symmetric
matrix (as in PyTorch); they are checked along symmetric directions.

Some checks differentiate through ops of other families (transpose, unsqueeze, ... in the
backward formulas, or in composite functions); they are skipped, saying so, when those ops are
not differentiable.
"""
import math
import zlib

import numpy as np
import pytest

import ember
import ember.linalg as LA
from ember.autograd import gradcheck, gradgradcheck

import op_db
import op_db_linalg

F64 = ember.float64
RNG_SEED = 1234


# ---- helpers ------------------------------------------------------------------------------------

def _rng(*key):
    """A generator seeded by the test's key (stable across processes, unlike hash())."""
    return np.random.default_rng([RNG_SEED, zlib.crc32(repr(key).encode())])


def leaf(array, layout="contiguous"):
    """A float64 leaf that requires grad, contiguous or laid out non-contiguously."""
    t = ember.tensor(np.asarray(array, dtype=np.float64), dtype=F64)
    if layout == "noncontiguous":
        t = op_db._noncontiguous(t)
    return t.requires_grad_()


def randn(rng, *shape):
    return rng.standard_normal(shape)


def well_conditioned(rng, *shape):
    n = shape[-1]
    return rng.standard_normal(shape) + n * np.eye(n)


def spd(rng, *shape):
    x = rng.standard_normal(shape)
    n = shape[-1]
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def symmetric_distinct(rng, *shape):
    """Symmetric matrices with well-separated eigenvalues."""
    n = shape[-1]
    q, _ = np.linalg.qr(rng.standard_normal(shape))
    w = np.arange(1, n + 1) * 1.5 + rng.uniform(-0.3, 0.3, shape[:-1])
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def distinct_singular(rng, m, n, batch=()):
    k = min(m, n)
    u, _ = np.linalg.qr(rng.standard_normal(batch + (m, k)))
    v, _ = np.linalg.qr(rng.standard_normal(batch + (n, k)))
    s = np.arange(1, k + 1) + 0.5 + rng.uniform(-0.2, 0.2, batch + (k,))
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def _differentiates(fn):
    try:
        x = ember.ones(2, 3, dtype=F64).requires_grad_()
        return bool(fn(x).requires_grad)
    except Exception:
        return False


# Ops of other families that backward formulas or composite functions go through.
_OTHER_OPS = {
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "mT": lambda x: x.mT,
    "unsqueeze": lambda x: x.unsqueeze(0),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0) if _differentiates(lambda y: y.unsqueeze(0)) else None,
    "expand": lambda x: x.unsqueeze(0).expand(2, 2, 3) if _differentiates(lambda y: y.unsqueeze(0)) else None,
    "narrow": lambda x: x.narrow(1, 0, 2),
    "select": lambda x: x.select(1, 0),
    "tril": lambda x: x.tril(),
    "triu": lambda x: x.triu(),
    "diag_embed": lambda x: ember.diag_embed(x),
    "diagonal": lambda x: x.diagonal(0, -2, -1),
    "cat": lambda x: ember.cat([x, x], 0),
    "neg": lambda x: -x,
    "div": lambda x: x / (x + 1),
    "rsub": lambda x: 1 - x,
    "where": lambda x: ember.where(x > 0, x, x.new_zeros(())),
    "pow": lambda x: x.pow(2.5),
    "abs": lambda x: x.abs(),
    "sign": lambda x: x.sign(),
    "amax": lambda x: x.amax(-1),
    "amin": lambda x: x.amin(-1),
    "movedim": lambda x: x.movedim(0, 1),
    "clone": lambda x: x.clone(),
    "contiguous": lambda x: x.t().contiguous() if _differentiates(lambda y: y.t()) else None,
    "to": lambda x: x.to(ember.float32),
    "reciprocal": lambda x: 1.0 / x,
}
_AVAILABLE = {name: _differentiates(fn) for name, fn in _OTHER_OPS.items()}


def needs(*names):
    missing = [n for n in names if not _AVAILABLE[n]]
    return pytest.mark.skipif(bool(missing), reason="needs the autograd rules of " + ", ".join(missing)
                              + " (other op families)")


# What the backward formulas use, for second derivatives.
_BACKWARD_OPS = ("transpose", "t", "unsqueeze", "squeeze", "expand", "neg", "tril", "triu",
                 "diag_embed", "div", "narrow", "cat")
needs_second_order = needs(*_BACKWARD_OPS)


def directional_check(fn, inputs, directions=None, *, eps=1e-6, rtol=1e-5, atol=1e-7, trials=3, seed=0):
    """The vector-Jacobian product of fn against central differences along directions:
    <vjp(w), D> == <w, (fn(x + eps D) - fn(x - eps D)) / 2 eps>. `directions(rng, i, x)` makes a
    direction for input i (default: random of its shape), e.g. symmetric ones for inputs that
    must stay symmetric. Uses no op beyond the one under test."""
    rng = np.random.default_rng(seed)
    outs = [o for o in _as_tuple(fn(*inputs)) if o.is_floating_point()]
    for _ in range(trials):
        ws = [ember.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype) for o in outs]
        diff = [(o, w) for o, w in zip(outs, ws) if o.requires_grad]
        grads = ember.autograd.grad([o for o, _ in diff], list(inputs), [w for _, w in diff], allow_unused=True,
                                    retain_graph=True) if diff else [None] * len(inputs)
        dirs = []
        for i, x in enumerate(inputs):
            d = directions(rng, i, x) if directions is not None else rng.standard_normal(tuple(x.shape))
            dirs.append(np.asarray(d, dtype=np.float64).reshape(tuple(x.shape)))
        analytic = 0.0
        for g, d in zip(grads, dirs):
            if g is not None:
                analytic += float(np.sum(g.detach().numpy() * d))
        base = [x.detach().numpy().copy() for x in inputs]

        def at(sign):
            xs = [ember.tensor(b + sign * eps * d, dtype=F64) for b, d in zip(base, dirs)]
            with ember.no_grad():
                os_ = [o for o in _as_tuple(fn(*xs)) if o.is_floating_point()]
            return sum(float(np.sum(o.numpy() * w.numpy())) for o, w in zip(os_, ws))

        numeric = (at(1) - at(-1)) / (2 * eps)
        assert abs(analytic - numeric) <= atol + rtol * abs(numeric) * 10 + 1e-6 * max(1.0, abs(numeric)), \
            (analytic, numeric)


def symmetric_directions(rng, i, x):
    d = rng.standard_normal(tuple(x.shape))
    return d + np.swapaxes(d, -1, -2)


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def torch_grads(torch, fn_torch, arrays, ws_fn, requires):
    ts = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=r) for a, r in zip(arrays, requires)]
    outs = [o for o in _as_tuple(fn_torch(*ts)) if o.is_floating_point()]
    ws = ws_fn(outs)
    loss = sum((o * torch.tensor(w)).sum() for o, w in zip(outs, ws))
    grads = torch.autograd.grad(loss, [t for t in ts if t.requires_grad], allow_unused=True)
    return [None if g is None else g.numpy() for g in grads]


def ember_grads(fn, arrays, ws_fn, requires, layout="contiguous"):
    ts = [leaf(a, layout) if r else ember.tensor(np.asarray(a, dtype=np.float64), dtype=F64)
          for a, r in zip(arrays, requires)]
    outs = [o for o in _as_tuple(fn(*ts)) if o.is_floating_point()]
    ws = ws_fn(outs)
    pairs = [(o, ember.tensor(w, dtype=F64)) for o, w in zip(outs, ws) if o.requires_grad]
    grads = ember.autograd.grad([o for o, _ in pairs], [t for t in ts if t.requires_grad],
                                [w for _, w in pairs], allow_unused=True)
    return [None if g is None else g.detach().numpy() for g in grads]


def assert_torch_parity(fn, fn_torch, arrays, requires=None, layout="contiguous", rtol=1e-7, atol=1e-9):
    torch = pytest.importorskip("torch")
    requires = requires or [True] * len(arrays)
    rng = np.random.default_rng(7)
    cache = {}

    def ws_fn(outs):
        if "ws" not in cache:
            cache["ws"] = [rng.standard_normal(tuple(o.shape)) for o in outs]
        return cache["ws"]

    expected = torch_grads(torch, fn_torch, arrays, ws_fn, requires)
    actual = ember_grads(fn, arrays, ws_fn, requires, layout)
    for a, e in zip(actual, expected):
        if e is None:
            assert a is None or not np.any(a)
            continue
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)


LAYOUTS = ("contiguous", "noncontiguous")


# ---- matrix products from the op database -------------------------------------------------------

_PRODUCTS = [e for e in op_db_linalg.ENTRIES if not e.name.startswith("nn.functional.")]
_MAX_NUMEL = 120


def _product_cases():
    for entry in _PRODUCTS:
        for sample in entry.samples(np.random.default_rng(0), F64):
            size = sum(np.asarray(a).size for a in sample.args if isinstance(a, np.ndarray))
            if size > _MAX_NUMEL:
                continue
            yield pytest.param(entry, sample, id=f"{entry.name}-{sample.name}")


def _call(entry, sample, layout):
    args, kwargs = op_db.ember_args(sample, F64, noncontiguous=layout == "noncontiguous")
    indices = sample.grad_args if sample.grad_args is not None else [
        i for i, a in enumerate(args) if isinstance(a, ember.Tensor) and a.is_floating_point()]
    args = list(args)
    for i in indices:
        args[i] = args[i].detach().requires_grad_()
    diff = [args[i] for i in indices]

    def fn(*xs):
        full = list(args)
        for i, x in zip(indices, xs):
            full[i] = x
        return entry.op(ember, *full, **kwargs)
    return fn, diff


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("entry,sample", list(_product_cases()))
def test_products_gradcheck(entry, sample, layout):
    fn, diff = _call(entry, sample, layout)
    assert gradcheck(fn, diff)


@pytest.mark.parametrize("entry,sample", list(_product_cases()))
def test_products_torch_parity(entry, sample):
    torch = pytest.importorskip("torch")
    args, kwargs = op_db.ember_args(sample, F64)
    indices = [i for i, a in enumerate(args) if isinstance(a, ember.Tensor)]
    arrays = [args[i].numpy() for i in indices]

    def call(lib):
        def fn(*xs):
            full = list(args)
            for i, x in zip(indices, xs):
                full[i] = x
            return entry.op(lib, *full, **kwargs)
        return fn
    assert_torch_parity(call(ember), call(torch), arrays)


def _second_order_cases():
    seen = set()
    for param in _product_cases():
        entry, sample = param.values
        if sample.name.startswith("zero") or entry.name in seen:
            continue
        seen.add(entry.name)
        yield param


@needs_second_order
@pytest.mark.parametrize("entry,sample", list(_second_order_cases()))
def test_products_gradgradcheck(entry, sample):
    fn, diff = _call(entry, sample, "contiguous")
    assert gradgradcheck(fn, diff)


# ---- matmul: the shapes matmul accepts, the operator, the method, in place -----------------------

_MATMUL_SHAPES = [
    ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 3)), ((2, 3, 4), (4,)), ((4,), (2, 4, 3)),
    ((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 2)), ((2, 1, 3, 4), (5, 4, 2)), ((2, 3, 4), (2, 4, 2)),
    ((0, 4), (4, 3)), ((3, 0), (0, 2)), ((2, 0, 3), (3, 2)),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("sa,sb", _MATMUL_SHAPES, ids=str)
def test_matmul_shapes(sa, sb, layout):
    rng = _rng("matmul", sa, sb)
    a, b = leaf(randn(rng, *sa), layout), leaf(randn(rng, *sb), layout)
    assert gradcheck(ember.matmul, (a, b))
    assert gradcheck(lambda x, y: x @ y, (a, b))
    assert gradcheck(lambda x, y: x.matmul(y), (a, b))


@pytest.mark.parametrize("sa,sb", [s for s in _MATMUL_SHAPES if 0 not in s[0] + s[1]], ids=str)
def test_matmul_shapes_torch(sa, sb):
    rng = _rng("matmul-torch", sa, sb)
    assert_torch_parity(lambda x, y: x @ y, lambda x, y: x @ y, [randn(rng, *sa), randn(rng, *sb)])


@pytest.mark.parametrize("sa,sb", [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 3)), ((2, 1, 3, 4), (5, 4, 2)),
                                   ((3, 4), (2, 4, 2))], ids=str)
def test_matmul_gradgradcheck(sa, sb):
    if len(sa) > 1 or len(sb) > 1:
        for name in ("transpose", "unsqueeze", "squeeze"):
            if not _AVAILABLE[name]:
                pytest.skip(f"needs the autograd rule of {name} (another op family)")
    rng = _rng("matmul-gg", sa, sb)
    assert gradgradcheck(ember.matmul, (leaf(randn(rng, *sa)), leaf(randn(rng, *sb))))


def test_rmatmul_with_a_list():
    # a nested list on the left becomes a float32 tensor: the right operand is float32 too
    rng = _rng("rmatmul")
    left = [[1.0, -2.0], [0.5, 3.0], [2.0, 1.0]]
    b = ember.tensor(randn(rng, 2, 3), dtype=ember.float32).requires_grad_()
    out = left @ b
    assert out.requires_grad
    (out * ember.tensor(np.arange(9.0).reshape(3, 3), dtype=ember.float32)).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), np.asarray(left).T @ np.arange(9.0).reshape(3, 3), rtol=1e-6)
    v = ember.tensor(randn(rng, 2), dtype=ember.float32).requires_grad_()
    (left @ v).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), np.asarray(left).sum(0), rtol=1e-6)


_PRODUCT_METHODS = [
    ("mm", ((3, 4), (4, 2))), ("bmm", ((2, 3, 4), (2, 4, 2))), ("mv", ((3, 4), (4,))), ("dot", ((4,), (4,))),
    ("vdot", ((4,), (4,))), ("outer", ((3,), (2,))), ("ger", ((3,), (2,))), ("matmul", ((2, 3, 4), (4,))),
    ("addmm", ((3, 2), (3, 4), (4, 2))), ("addmv", ((3,), (3, 4), (4,))), ("addbmm", ((3, 2), (2, 3, 4), (2, 4, 2))),
    ("baddbmm", ((2, 3, 2), (2, 3, 4), (2, 4, 2))),
]


@pytest.mark.parametrize("name,shapes", _PRODUCT_METHODS, ids=[m[0] for m in _PRODUCT_METHODS])
def test_product_methods(name, shapes):
    rng = _rng("method", name)
    ts = [leaf(randn(rng, *s)) for s in shapes]
    kwargs = dict(beta=0.5, alpha=-2.0) if name.startswith(("add", "badd")) else {}
    out = getattr(ts[0], name)(*ts[1:], **kwargs)
    assert out.grad_fn is not None
    assert gradcheck(lambda *xs: getattr(xs[0], name)(*xs[1:], **kwargs), ts)


@pytest.mark.parametrize("name,shapes", [("addmv_", ((3,), (3, 4), (4,))),
                                         ("baddbmm_", ((2, 3, 2), (2, 3, 4), (2, 4, 2)))])
def test_inplace_products(name, shapes):
    rng = _rng("inplace", name)
    ts = [leaf(randn(rng, *s)) for s in shapes]

    def fn(x, a, b):
        out = x * 1.0
        getattr(out, name)(a, b, beta=2.0, alpha=0.5)
        return out
    assert gradcheck(fn, ts)


def test_linalg_matmul_and_out():
    rng = _rng("linalg.matmul")
    a, b = leaf(randn(rng, 2, 3)), leaf(randn(rng, 3))
    assert gradcheck(LA.matmul, (a, b))
    with pytest.raises(RuntimeError, match="out="):
        ember.matmul(a, b, out=ember.empty(2, dtype=F64))
    with ember.no_grad():
        out = ember.empty(2, dtype=F64)
        ember.matmul(a, b, out=out)
        assert not out.requires_grad


def test_float32_gradients_keep_the_dtype():
    rng = _rng("f32")
    a = ember.tensor(well_conditioned(rng, 3, 3), dtype=ember.float32).requires_grad_()
    for fn in (lambda x: x @ x, LA.inv, LA.det, lambda x: LA.svdvals(x), lambda x: LA.qr(x)[1],
               lambda x: LA.vector_norm(x)):
        a.grad = None
        fn(a).sum().backward()
        assert a.grad.dtype == ember.float32


class _Reflected:
    def __rmatmul__(self, other):
        return "reflected"


def test_matmul_returns_not_implemented_when_recording():
    t = ember.ones(2, 2, dtype=F64)
    assert t @ _Reflected() == "reflected"  # without grad: Python's reflected method
    t.requires_grad_()
    assert t @ _Reflected() == "reflected"


def test_one_operand_requires_grad():
    rng = _rng("one")
    a = leaf(randn(rng, 3, 4))
    b = ember.tensor(randn(rng, 4, 2), dtype=F64)
    out = ember.mm(a, b)
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.ones((3, 2)) @ b.numpy().T)
    assert not b.requires_grad and b.grad is None
    assert out.grad_fn.name() == "MmBackward0"


def test_addmm_inplace_records():
    rng = _rng("addmm_")
    base = leaf(randn(rng, 3, 2))
    a, b = leaf(randn(rng, 3, 4)), leaf(randn(rng, 4, 2))

    def fn(x, y, z):
        out = x * 1.0
        out.addmm_(y, z, beta=0.5, alpha=2.0)
        return out
    assert gradcheck(fn, (base, a, b))


def test_baddbmm_beta_zero_ignores_input():
    rng = _rng("baddbmm0")
    inp = leaf(np.full((2, 3, 2), np.nan))
    a, b = leaf(randn(rng, 2, 3, 4)), leaf(randn(rng, 2, 4, 2))
    ember.baddbmm(inp, a, b, beta=0).sum().backward()
    assert np.all(inp.grad.numpy() == 0)
    assert np.all(np.isfinite(a.grad.numpy()))


def test_integer_products_do_not_require_grad():
    a = ember.ones(2, 2, dtype=ember.int64)
    b = ember.ones(2, 2, dtype=F64).requires_grad_()
    assert not ember.mm(a, a).requires_grad
    assert ember.mm(b, b).requires_grad


@needs("unsqueeze", "squeeze")
@pytest.mark.parametrize("shapes", [((3,), (3, 4), (4, 2), (2,)), ((2, 3), (3, 4), (4, 2)),
                                    ((3, 4), (4, 2), (2,))], ids=str)
def test_multi_dot(shapes):
    rng = _rng("multi_dot", shapes)
    ts = [leaf(randn(rng, *s)) for s in shapes]
    assert gradcheck(lambda *xs: LA.multi_dot(xs), ts)
    assert_torch_parity(lambda *xs: LA.multi_dot(xs), lambda *xs: __import__("torch").linalg.multi_dot(xs),
                        [t.detach().numpy() for t in ts])


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -2])
def test_matrix_power(n):
    rng = _rng("matrix_power", n)
    A = leaf(well_conditioned(rng, 2, 3, 3) / 3)
    assert gradcheck(lambda x: LA.matrix_power(x, n), (A,))
    assert gradcheck(lambda x: ember.matrix_power(x, n), (A,))
    assert_torch_parity(lambda x: LA.matrix_power(x, n), lambda x: __import__("torch").linalg.matrix_power(x, n),
                        [A.detach().numpy()])


# ---- inverse and determinants ---------------------------------------------------------------------

_SQUARE_SHAPES = [(3, 3), (2, 3, 3), (1, 1), (2, 0, 3, 3), (0, 0)]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", _SQUARE_SHAPES, ids=str)
@pytest.mark.parametrize("name", ["linalg.inv", "inverse", "linalg.inv_ex", "linalg.det", "det",
                                  "linalg.slogdet", "slogdet", "logdet"])
def test_inverse_and_determinants(name, shape, layout):
    rng = _rng(name, shape)
    A = leaf(well_conditioned(rng, *shape), layout)
    fns = {
        "linalg.inv": LA.inv, "inverse": ember.inverse, "linalg.inv_ex": lambda x: LA.inv_ex(x),
        "linalg.det": LA.det, "det": ember.det, "linalg.slogdet": lambda x: LA.slogdet(x),
        "slogdet": lambda x: ember.slogdet(x), "logdet": ember.logdet,
    }
    fn = fns[name]
    if name == "logdet":
        A = leaf(spd(rng, *shape) if shape[-1] else np.zeros(shape), layout)
    assert gradcheck(fn, (A,))


def test_aliases_are_the_same_functions():
    assert ember.inverse is LA.inv and ember.det is LA.det and ember.slogdet is LA.slogdet
    assert ember.Tensor.det is LA.det and ember.Tensor.inverse is LA.inv
    assert ember.matrix_power is LA.matrix_power


def test_tensor_methods_record():
    rng = _rng("methods")
    A = leaf(well_conditioned(rng, 3, 3))
    assert A.det().grad_fn.name() == "DetBackward0"
    assert A.inverse().grad_fn is not None
    assert A.logdet().grad_fn is not None if np.linalg.det(A.detach().numpy()) > 0 else True
    assert A.slogdet()[1].grad_fn is not None
    assert A.slogdet()[0].requires_grad  # as in PyTorch: sign requires grad with a zero gradient


def test_slogdet_sign_has_no_gradient():
    rng = _rng("slogdet-sign")
    A = leaf(well_conditioned(rng, 3, 3))
    sign, logabs = LA.slogdet(A)
    g, = ember.autograd.grad(sign.sum(), A, allow_unused=True)
    assert g is None or not np.any(g.numpy())


def test_det_negative_and_batched_torch():
    rng = _rng("det-torch")
    a = randn(rng, 2, 4, 4) + 2 * np.eye(4)
    torch = pytest.importorskip("torch")
    for fn, tfn in ((LA.det, torch.linalg.det), (LA.inv, torch.linalg.inv),
                    (lambda x: LA.slogdet(x)[1], lambda x: torch.linalg.slogdet(x)[1])):
        assert_torch_parity(fn, tfn, [a])
        assert_torch_parity(fn, tfn, [a], layout="noncontiguous")
    s = spd(rng, 2, 3, 3)
    assert_torch_parity(ember.logdet, torch.logdet, [s])


def test_logdet_and_slogdet_at_nonpositive_determinants():
    torch = pytest.importorskip("torch")
    rng = _rng("logdet-neg")
    negative = np.array([[0.0, 1.0], [1.0, 0.0]])
    mixed = np.stack([spd(rng, 2, 2), negative])
    for a in (negative, mixed):
        assert_torch_parity(ember.logdet, torch.logdet, [a])  # zero gradient where det < 0
        assert_torch_parity(lambda x: LA.slogdet(x)[1], lambda x: torch.linalg.slogdet(x)[1], [a])
    A = leaf(np.array([[1.0, 2.0], [2.0, 4.0]]))  # singular: an infinite gradient, no error
    LA.slogdet(A)[1].backward()
    assert np.all(np.isinf(A.grad.numpy()))


def test_matrix_power_zero_requires_grad():
    A = leaf(np.eye(3) * 2)
    out = LA.matrix_power(A, 0)
    assert out.requires_grad  # as in PyTorch, with a zero gradient
    out.sum().backward()
    assert np.all(A.grad.numpy() == 0)


def test_det_of_singular_matrices():
    torch = pytest.importorskip("torch")
    rng = _rng("det-singular")
    rank2 = randn(rng, 3, 2) @ randn(rng, 2, 3)  # adj(A) != 0
    rank1 = np.outer(randn(rng, 3), randn(rng, 3))  # adj(A) == 0
    batch = np.stack([rank2, well_conditioned(rng, 3, 3)])
    for a in (rank2, rank1, batch, np.zeros((2, 2))):
        assert_torch_parity(LA.det, torch.linalg.det, [a], rtol=1e-6, atol=1e-8)
    assert gradcheck(LA.det, (leaf(rank2),))
    # det exactly 0: the gradient is adj(A)^T (PyTorch answers 0 here)
    exact = np.array([[1.0, 2.0], [2.0, 4.0]])
    A = leaf(exact)
    LA.det(A).backward()
    np.testing.assert_allclose(A.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    assert gradcheck(LA.det, (leaf(np.stack([exact, np.eye(2)])),))


@needs_second_order
def test_matrix_power_gradgradcheck():
    rng = _rng("mp-gg")
    A = leaf(well_conditioned(rng, 3, 3) / 3)
    assert gradgradcheck(lambda x: LA.matrix_power(x, 3), (A,))
    assert gradgradcheck(lambda x: LA.matrix_power(x, -2), (A,))


@needs_second_order
@pytest.mark.parametrize("fn", [LA.inv, LA.det, lambda x: LA.slogdet(x)[1], ember.logdet],
                         ids=["inv", "det", "slogdet", "logdet"])
def test_inverse_and_determinants_gradgradcheck(fn):
    rng = _rng("inv-gg")
    assert gradgradcheck(fn, (leaf(spd(rng, 2, 3, 3)),))


# ---- solves ------------------------------------------------------------------------------------------

_SOLVE_CASES = [
    ((3, 3), (3, 2), True), ((3, 3), (3,), True), ((2, 3, 3), (2, 3), True),
    ((2, 1, 3, 3), (4, 3, 2), True), ((3, 3), (2, 3, 2), True), ((3, 3), (2, 3), False),
    ((2, 3, 3), (4, 3), False), ((0, 3, 3), (0, 3, 2), True), ((0, 0), (0, 2), True),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("sa,sb,left", _SOLVE_CASES, ids=str)
def test_solve(sa, sb, left, layout):
    rng = _rng("solve", sa, sb, left)
    A, B = leaf(well_conditioned(rng, *sa), layout), leaf(randn(rng, *sb), layout)
    assert gradcheck(lambda a, b: LA.solve(a, b, left=left), (A, B))


@pytest.mark.parametrize("sa,sb,left", [c for c in _SOLVE_CASES if 0 not in c[0]], ids=str)
def test_solve_torch(sa, sb, left):
    torch = pytest.importorskip("torch")
    rng = _rng("solve-torch", sa, sb, left)
    assert_torch_parity(lambda a, b: LA.solve(a, b, left=left), lambda a, b: torch.linalg.solve(a, b, left=left),
                        [well_conditioned(rng, *sa), randn(rng, *sb)])


@needs_second_order
@pytest.mark.parametrize("sa,sb,left", [((3, 3), (3, 2), True), ((3, 3), (3,), True), ((2, 3, 3), (3, 3), False)],
                         ids=str)
def test_solve_gradgradcheck(sa, sb, left):
    rng = _rng("solve-gg", sa, sb)
    assert gradgradcheck(lambda a, b: LA.solve(a, b, left=left),
                         (leaf(well_conditioned(rng, *sa)), leaf(randn(rng, *sb))))


_TRI_CASES = [(upper, left, unit) for upper in (True, False) for left in (True, False) for unit in (False, True)]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("upper,left,unit", _TRI_CASES)
def test_solve_triangular(upper, left, unit, layout):
    rng = _rng("tri", upper, left, unit)
    A = leaf(well_conditioned(rng, 3, 3), layout)  # the other triangle is ignored (zero gradient)
    B = leaf(randn(rng, 3, 2) if left else randn(rng, 2, 3), layout)
    fn = lambda a, b: LA.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit)
    assert gradcheck(fn, (A, B))
    torch = pytest.importorskip("torch")
    assert_torch_parity(fn, lambda a, b: torch.linalg.solve_triangular(a, b, upper=upper, left=left,
                                                                       unitriangular=unit),
                        [A.detach().numpy(), B.detach().numpy()])


def test_solve_triangular_broadcast_and_empty():
    rng = _rng("tri-b")
    A, B = leaf(well_conditioned(rng, 2, 1, 3, 3)), leaf(randn(rng, 4, 3, 2))
    assert gradcheck(lambda a, b: LA.solve_triangular(a, b, upper=False), (A, B))
    A0, B0 = leaf(np.zeros((0, 3, 3))), leaf(np.zeros((0, 3, 2)))
    assert gradcheck(lambda a, b: LA.solve_triangular(a, b, upper=True), (A0, B0))


@needs_second_order
def test_solve_triangular_gradgradcheck():
    rng = _rng("tri-gg")
    assert gradgradcheck(lambda a, b: LA.solve_triangular(a, b, upper=True),
                         (leaf(well_conditioned(rng, 3, 3)), leaf(randn(rng, 3, 2))))


@pytest.mark.parametrize("upper,transpose,unit", [(u, t, n) for u in (True, False) for t in (False, True)
                                                  for n in (False, True)])
def test_triangular_solve(upper, transpose, unit):
    rng = _rng("triangular_solve", upper, transpose, unit)
    b, A = leaf(randn(rng, 2, 3, 2)), leaf(well_conditioned(rng, 3, 3))
    fn = lambda x, a: tuple(ember.triangular_solve(x, a, upper=upper, transpose=transpose, unitriangular=unit))
    assert gradcheck(fn, (b, A))
    torch = pytest.importorskip("torch")
    assert_torch_parity(fn, lambda x, a: tuple(torch.triangular_solve(x, a, upper=upper, transpose=transpose,
                                                                      unitriangular=unit)),
                        [b.detach().numpy(), A.detach().numpy()])


# ---- Cholesky ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)], ids=str)
def test_cholesky_symmetric_directions(shape, upper):
    rng = _rng("cholesky", shape, upper)
    A = leaf(spd(rng, *shape))
    for fn in (lambda a: LA.cholesky(a, upper=upper), lambda a: LA.cholesky_ex(a, upper=upper)[0],
               lambda a: ember.cholesky(a, upper=upper)):
        directional_check(fn, [A], symmetric_directions)


@needs("transpose")
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_gradcheck(upper, layout):
    rng = _rng("cholesky-gc", upper)
    X = leaf(spd(rng, 2, 3, 3), layout)
    assert gradcheck(lambda x: LA.cholesky(x + x.transpose(-2, -1), upper=upper), (X,))


@needs("transpose", *_BACKWARD_OPS)
def test_cholesky_gradgradcheck():
    rng = _rng("cholesky-gg")
    X = leaf(spd(rng, 3, 3))
    assert gradgradcheck(lambda x: LA.cholesky(x + x.transpose(-2, -1)), (X,))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_torch(upper):
    torch = pytest.importorskip("torch")
    rng = _rng("cholesky-torch", upper)
    a = spd(rng, 2, 4, 4)
    assert_torch_parity(lambda x: LA.cholesky(x, upper=upper), lambda x: torch.linalg.cholesky(x, upper=upper), [a])


def test_cholesky_zero_size():
    A = leaf(np.zeros((2, 0, 0)))
    LA.cholesky(A).sum().backward()
    assert A.grad.shape == (2, 0, 0)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve(upper, layout):
    rng = _rng("cholesky_solve", upper)
    L = np.linalg.cholesky(spd(rng, 3, 3))
    L = L.T if upper else L
    Lt, B = leaf(L, layout), leaf(randn(rng, 2, 3, 2), layout)
    fn = lambda b, l: ember.cholesky_solve(b, l, upper=upper)
    assert gradcheck(fn, (B, Lt))
    torch = pytest.importorskip("torch")
    # ember reads only L's triangle, so its gradient is zero outside it; PyTorch's formula
    # treats the whole of L as the factor: compare on the triangle
    assert_torch_parity(fn, lambda b, l: torch.cholesky_solve(b, l.triu() if upper else l.tril(), upper=upper),
                        [B.detach().numpy(), L])


# ---- QR ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape,mode", [((4, 3), "reduced"), ((3, 3), "reduced"), ((3, 4), "reduced"),
                                        ((2, 4, 2), "reduced"), ((3, 3), "complete"), ((2, 4), "complete"),
                                        ((0, 3, 2), "reduced"), ((3, 0), "complete"), ((2, 0, 0), "reduced")],
                         ids=str)
def test_qr(shape, mode, layout):
    rng = _rng("qr", shape, mode)
    A = leaf(randn(rng, *shape) + np.eye(*shape[-2:]), layout)
    assert gradcheck(lambda a: tuple(LA.qr(a, mode)), (A,))
    assert gradcheck(lambda a: tuple(ember.qr(a, some=mode == "reduced")), (A,))


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 4)], ids=str)
def test_qr_torch(shape):
    torch = pytest.importorskip("torch")
    rng = _rng("qr-torch", shape)
    assert_torch_parity(lambda a: tuple(LA.qr(a)), lambda a: tuple(torch.linalg.qr(a)),
                        [randn(rng, *shape) + np.eye(*shape[-2:])])


def test_qr_modes_not_differentiable():
    rng = _rng("qr-r")
    A = leaf(randn(rng, 4, 3))
    Q, R = LA.qr(A, "r")
    with pytest.raises(RuntimeError, match="mode='r'"):
        R.sum().backward()
    Q, R = LA.qr(A, "complete")
    with pytest.raises(RuntimeError, match="complete"):
        (Q.sum() + R.sum()).backward()


@needs_second_order
def test_qr_gradgradcheck():
    rng = _rng("qr-gg")
    assert gradgradcheck(lambda a: tuple(LA.qr(a)), (leaf(randn(rng, 3, 2) + np.eye(3, 2)),))


# ---- eigh ------------------------------------------------------------------------------------------------

def _eigh_invariants(A, UPLO="L"):
    w, V = LA.eigh(A, UPLO)
    return w, V * V  # V's columns are defined up to sign


@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)], ids=str)
def test_eigh_symmetric_directions(shape, uplo):
    rng = _rng("eigh", shape, uplo)
    A = leaf(symmetric_distinct(rng, *shape))
    directional_check(lambda a: _eigh_invariants(a, uplo), [A], symmetric_directions)
    directional_check(lambda a: LA.eigvalsh(a, uplo), [A], symmetric_directions)


@needs("transpose")
@pytest.mark.parametrize("layout", LAYOUTS)
def test_eigh_gradcheck(layout):
    rng = _rng("eigh-gc")
    X = leaf(symmetric_distinct(rng, 2, 3, 3) / 2, layout)
    assert gradcheck(lambda x: _eigh_invariants(x + x.transpose(-2, -1)), (X,))
    assert gradcheck(lambda x: LA.eigvalsh(x + x.transpose(-2, -1)), (X,))


@needs("transpose", *_BACKWARD_OPS)
def test_eigh_gradgradcheck():
    rng = _rng("eigh-gg")
    X = leaf(symmetric_distinct(rng, 3, 3) / 2)
    assert gradgradcheck(lambda x: LA.eigvalsh(x + x.transpose(-2, -1)), (X,))
    assert gradgradcheck(lambda x: _eigh_invariants(x + x.transpose(-2, -1)), (X,))


def test_eigh_torch():
    torch = pytest.importorskip("torch")
    rng = _rng("eigh-torch")
    a = symmetric_distinct(rng, 2, 4, 4)
    assert_torch_parity(lambda x: _eigh_invariants(x),
                        lambda x: (torch.linalg.eigh(x)[0], torch.linalg.eigh(x)[1] ** 2), [a])
    assert_torch_parity(LA.eigvalsh, torch.linalg.eigvalsh, [a])


def test_eigh_zero_size():
    A = leaf(np.zeros((2, 0, 0)))
    w, V = LA.eigh(A)
    (w.sum() + V.sum()).backward()
    assert A.grad.shape == (2, 0, 0)


# ---- SVD ----------------------------------------------------------------------------------------------------

def _svd_invariants(A, full_matrices=False):
    U, S, Vh = LA.svd(A, full_matrices=full_matrices)
    return U * U, S, Vh * Vh, U.matmul(Vh)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("m,n,batch", [(3, 3, ()), (4, 2, ()), (2, 4, ()), (3, 2, (2,)), (1, 1, ())], ids=str)
def test_svd(m, n, batch, layout):
    rng = _rng("svd", m, n, batch)
    A = leaf(distinct_singular(rng, m, n, batch), layout)
    assert gradcheck(_svd_invariants, (A,))
    assert gradcheck(LA.svdvals, (A,))
    if m == n:
        assert gradcheck(lambda a: _svd_invariants(a, True), (A,))


def test_svd_zero_size():
    A = leaf(np.zeros((0, 3, 2)))
    assert gradcheck(_svd_invariants, (A,))
    B = leaf(np.zeros((3, 0)))
    LA.svdvals(B).sum().backward()
    assert B.grad.shape == (3, 0)


@pytest.mark.parametrize("m,n", [(3, 3), (4, 2), (2, 4)])
def test_torch_svd_returns_v(m, n):
    rng = _rng("torch-svd", m, n)
    A = leaf(distinct_singular(rng, m, n))

    def fn(a):
        U, S, V = ember.svd(a)
        return U * U, S, V * V, U.matmul(V.transpose(-2, -1)) if _AVAILABLE["transpose"] else S
    assert gradcheck(fn, (A,))
    assert gradcheck(lambda a: ember.svd(a, compute_uv=False)[1], (A,))
    torch = pytest.importorskip("torch")
    assert_torch_parity(lambda a: tuple(x * x for x in ember.svd(a)),
                        lambda a: tuple(x * x for x in torch.svd(a)), [A.detach().numpy()])


@pytest.mark.parametrize("m,n,batch", [(3, 3, ()), (4, 2, (2,)), (2, 4, ())], ids=str)
def test_svd_torch(m, n, batch):
    torch = pytest.importorskip("torch")
    rng = _rng("svd-torch", m, n, batch)
    a = distinct_singular(rng, m, n, batch)

    def tsvd(x):
        U, S, Vh = torch.linalg.svd(x, full_matrices=False)
        return U * U, S, Vh * Vh, U @ Vh
    assert_torch_parity(_svd_invariants, tsvd, [a])
    assert_torch_parity(LA.svdvals, torch.linalg.svdvals, [a])


@needs("transpose", *_BACKWARD_OPS)
def test_svd_gradgradcheck():
    rng = _rng("svd-gg")
    A = leaf(distinct_singular(rng, 3, 2))
    assert gradgradcheck(LA.svdvals, (A,))
    assert gradgradcheck(lambda a: LA.svd(a, full_matrices=False)[1], (A,))


# ---- pseudo-inverse, least squares, rank -----------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)], ids=str)
def test_pinv(shape, layout):
    rng = _rng("pinv", shape)
    A = leaf(distinct_singular(rng, *shape[-2:], tuple(shape[:-2])), layout)
    assert gradcheck(LA.pinv, (A,))
    assert gradcheck(ember.pinverse, (A,))
    torch = pytest.importorskip("torch")
    assert_torch_parity(LA.pinv, torch.linalg.pinv, [A.detach().numpy()])


def test_pinv_hermitian():
    rng = _rng("pinv-h")
    A = leaf(symmetric_distinct(rng, 3, 3))
    directional_check(lambda a: LA.pinv(a, hermitian=True), [A], symmetric_directions)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("sa,sb", [((4, 2), (4, 3)), ((4, 2), (4,)), ((3, 3), (3, 2)), ((2, 4, 3), (2, 4, 2))],
                         ids=str)
def test_lstsq(sa, sb, layout):
    rng = _rng("lstsq", sa, sb)
    A = leaf(distinct_singular(rng, *sa[-2:], tuple(sa[:-2])), layout)
    B = leaf(randn(rng, *sb), layout)
    assert gradcheck(lambda a, b: LA.lstsq(a, b).solution, (A, B))
    torch = pytest.importorskip("torch")
    assert_torch_parity(lambda a, b: LA.lstsq(a, b).solution,
                        lambda a, b: torch.linalg.lstsq(a, b if b.dim() > 1 else b.unsqueeze(-1)).solution
                        .reshape(tuple(a.shape[:-2]) + (a.shape[-1],) + tuple(b.shape[a.dim() - 1:])),
                        [A.detach().numpy(), B.detach().numpy()])


@needs_second_order
def test_pinv_and_lstsq_gradgradcheck():
    rng = _rng("pinv-gg")
    A, B = leaf(distinct_singular(rng, 3, 2)), leaf(randn(rng, 3, 2))
    assert gradgradcheck(LA.pinv, (A,))
    assert gradgradcheck(lambda a, b: LA.lstsq(a, b).solution, (A, B))


@needs_second_order
def test_triangular_and_cholesky_solve_gradgradcheck():
    rng = _rng("tri-chol-gg")
    A, B = leaf(well_conditioned(rng, 3, 3)), leaf(randn(rng, 3, 2))
    assert gradgradcheck(lambda b, a: tuple(ember.triangular_solve(b, a)), (B, A))
    L = leaf(np.linalg.cholesky(spd(rng, 3, 3)))
    assert gradgradcheck(ember.cholesky_solve, (B, L))


def test_matrix_rank_is_not_differentiable():
    A = leaf(np.eye(3))
    r = LA.matrix_rank(A)
    assert r.dtype == ember.int64 and not r.requires_grad


# ---- LU --------------------------------------------------------------------------------------------------

_LU_SHAPES = [(3, 3), (4, 2), (2, 4), (2, 3, 3), (0, 3, 3), "pivots"]


def _lu_input(rng, shape):
    if shape == "pivots":  # row exchanges at every step
        return np.array([[0.0, 1, 2], [1, 0, 3], [4, -3, 8]])
    return randn(rng, *shape) + 2 * np.eye(*shape[-2:])


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", _LU_SHAPES, ids=str)
def test_lu(shape, layout):
    rng = _rng("lu", shape)
    A = leaf(_lu_input(rng, shape), layout)
    assert gradcheck(lambda a: tuple(LA.lu(a))[1:], (A,))
    assert gradcheck(lambda a: LA.lu_factor(a).LU, (A,))
    assert gradcheck(lambda a: LA.lu_factor_ex(a).LU, (A,))
    assert gradcheck(lambda a: tuple(ember.lu_unpack(*LA.lu_factor(a)))[1:], (A,))


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 3), "pivots"], ids=str)
def test_lu_torch(shape):
    torch = pytest.importorskip("torch")
    rng = _rng("lu-torch", shape)
    a = _lu_input(rng, shape)
    assert_torch_parity(lambda x: tuple(LA.lu(x))[1:], lambda x: tuple(torch.linalg.lu(x))[1:], [a])
    assert_torch_parity(lambda x: LA.lu_factor(x).LU, lambda x: torch.linalg.lu_factor(x).LU, [a])
    assert_torch_parity(lambda x: tuple(ember.lu_unpack(*LA.lu_factor(x)))[1:],
                        lambda x: tuple(torch.lu_unpack(*torch.linalg.lu_factor(x)))[1:], [a])


@needs_second_order
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4)], ids=str)
def test_lu_gradgradcheck(shape):
    rng = _rng("lu-gg", shape)
    assert gradgradcheck(lambda a: LA.lu_factor(a).LU, (leaf(_lu_input(rng, shape)),))


@pytest.mark.parametrize("left,adjoint", [(True, False), (True, True), (False, False), (False, True)])
def test_lu_solve(left, adjoint):
    rng = _rng("lu_solve", left, adjoint)
    A = leaf(well_conditioned(rng, 3, 3))
    B = leaf(randn(rng, 2, 3, 2) if left else randn(rng, 2, 2, 3))

    def fn(a, b):
        LU, piv = LA.lu_factor(a)
        return LA.lu_solve(LU, piv, b, left=left, adjoint=adjoint)

    def fn_lu(lu, b):
        return LA.lu_solve(lu, piv, b, left=left, adjoint=adjoint)
    assert gradcheck(fn, (A, B))
    LU0, piv = LA.lu_factor(A.detach())
    assert gradcheck(fn_lu, (LU0.requires_grad_(), B))
    torch = pytest.importorskip("torch")

    def tfn(a, b):
        LU, p = torch.linalg.lu_factor(a)
        return torch.linalg.lu_solve(LU, p, b, left=left, adjoint=adjoint)
    assert_torch_parity(fn, tfn, [A.detach().numpy(), B.detach().numpy()])


# ---- norms -------------------------------------------------------------------------------------------

def _no_ties(rng, *shape):
    """Values with distinct, non-zero magnitudes (norms are smooth there)."""
    n = int(np.prod(shape)) if shape else 1
    mags = rng.permutation(np.arange(1, n + 1)) * 0.37 + 0.5 + rng.uniform(0, 0.2, n)
    return (mags * rng.choice([-1.0, 1.0], n)).reshape(shape)


_VECTOR_NORM_CASES = [
    dict(ord=2), dict(ord=1), dict(ord=3), dict(ord=0.5), dict(ord=-1), dict(ord=math.inf), dict(ord=-math.inf),
    dict(ord=0), dict(ord=2, dim=1, keepdim=True), dict(ord=3, dim=(0, 2)), dict(ord=math.inf, dim=-1),
    dict(ord=1.5, dim=0), dict(ord=2, keepdim=True), dict(ord=2, dim=()),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kw", _VECTOR_NORM_CASES, ids=str)
def test_vector_norm(kw, layout):
    rng = _rng("vector_norm", str(kw))
    x = leaf(_no_ties(rng, 2, 3, 2), layout)
    assert gradcheck(lambda t: LA.vector_norm(t, **kw), (x,))
    torch = pytest.importorskip("torch")
    assert_torch_parity(lambda t: LA.vector_norm(t, **kw), lambda t: torch.linalg.vector_norm(t, **kw),
                        [x.detach().numpy()])


def test_vector_norm_at_zero_and_ties():
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 0.0], [3.0, -3.0]])
    for kw in (dict(ord=2), dict(ord=2, dim=1), dict(ord=math.inf), dict(ord=1), dict(ord=3, dim=1)):
        assert_torch_parity(lambda t: LA.vector_norm(t, **kw), lambda t: torch.linalg.vector_norm(t, **kw), [x])


def test_vector_norm_zero_size_and_dtype():
    x = leaf(np.zeros((0, 3)))
    out = LA.vector_norm(x, 2, dim=0)
    out.sum().backward()
    assert x.grad.shape == (0, 3)
    y = ember.tensor(_no_ties(_rng("vn32"), 4), dtype=ember.float32).requires_grad_()
    LA.vector_norm(y, dtype=F64).backward()
    assert y.grad.dtype == ember.float32
    np.testing.assert_allclose(y.grad.numpy(), y.detach().numpy() / np.linalg.norm(y.detach().numpy()), rtol=1e-6)


@needs_second_order
def test_vector_norm_gradgradcheck():
    rng = _rng("vn-gg")
    x = leaf(_no_ties(rng, 2, 3))
    assert gradgradcheck(lambda t: LA.vector_norm(t, 2, dim=1), (x,))
    assert gradgradcheck(lambda t: LA.vector_norm(t, 3), (x,))


_MATRIX_NORM_ORDS = ["fro", "nuc", 2, -2, math.inf, -math.inf, 1, -1]


@needs("abs", "amax", "amin", "squeeze", "unsqueeze", "movedim")
@pytest.mark.parametrize("ord", _MATRIX_NORM_ORDS, ids=str)
@pytest.mark.parametrize("kw", [dict(), dict(keepdim=True), dict(dim=(0, 2))], ids=str)
def test_matrix_norm(ord, kw):
    rng = _rng("matrix_norm", str(ord), str(kw))
    A = leaf(_no_ties(rng, 2, 3, 2))  # distinct singular values and row/column sums, with probability 1
    assert gradcheck(lambda a: LA.matrix_norm(a, ord, **kw), (A,))
    torch = pytest.importorskip("torch")
    assert_torch_parity(lambda a: LA.matrix_norm(a, ord, **kw), lambda a: torch.linalg.matrix_norm(a, ord, **kw),
                        [A.detach().numpy()])


@needs("abs", "amax", "amin", "squeeze", "unsqueeze", "movedim")
@pytest.mark.parametrize("kw", [dict(), dict(ord="nuc"), dict(ord=math.inf), dict(ord=1, dim=1),
                                dict(ord=-2, dim=(1, 0)), dict(ord=3, dim=0), dict(dim=(0, 1), keepdim=True)],
                         ids=str)
def test_norm(kw):
    rng = _rng("norm", str(kw))
    A = leaf(_no_ties(rng, 3, 2))
    assert gradcheck(lambda a: LA.norm(a, **kw), (A,))
    torch = pytest.importorskip("torch")
    assert_torch_parity(lambda a: LA.norm(a, **kw), lambda a: torch.linalg.norm(a, **kw), [A.detach().numpy()])


# ---- cross and vecdot ----------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("sa,sb,dim", [((3,), (3,), -1), ((2, 3), (2, 3), -1), ((3, 2), (3, 1), 0),
                                       ((2, 1, 3), (1, 4, 3), -1), ((0, 3), (0, 3), -1)], ids=str)
def test_cross(sa, sb, dim, layout):
    rng = _rng("cross", sa, sb)
    a, b = leaf(randn(rng, *sa), layout), leaf(randn(rng, *sb), layout)
    assert gradcheck(lambda x, y: LA.cross(x, y, dim=dim), (a, b))
    assert gradcheck(lambda x, y: ember.cross(x, y, dim=dim), (a, b))
    if 0 not in sa:
        torch = pytest.importorskip("torch")
        assert_torch_parity(lambda x, y: LA.cross(x, y, dim=dim), lambda x, y: torch.linalg.cross(x, y, dim=dim),
                            [a.detach().numpy(), b.detach().numpy()])


def test_cross_gradgradcheck():
    rng = _rng("cross-gg")
    assert gradgradcheck(LA.cross, (leaf(randn(rng, 2, 3)), leaf(randn(rng, 2, 3))))


@pytest.mark.parametrize("sa,sb,dim", [((3,), (3,), -1), ((2, 3), (3,), -1), ((2, 3), (2, 3), 0)], ids=str)
def test_vecdot(sa, sb, dim):
    rng = _rng("vecdot", sa, sb)
    a, b = leaf(randn(rng, *sa)), leaf(randn(rng, *sb))
    assert gradcheck(lambda x, y: LA.vecdot(x, y, dim=dim), (a, b))
    torch = pytest.importorskip("torch")
    assert_torch_parity(lambda x, y: LA.vecdot(x, y, dim=dim), lambda x, y: torch.linalg.vecdot(x, y, dim=dim),
                        [a.detach().numpy(), b.detach().numpy()])


# ---- zero-size inputs ------------------------------------------------------------------------------

_ZERO_SIZE_OPS = {
    "lu": lambda a: tuple(LA.lu(a))[1:], "lu_factor": lambda a: LA.lu_factor(a).LU,
    "lu_unpack": lambda a: tuple(ember.lu_unpack(*LA.lu_factor(a)))[1:], "qr": lambda a: tuple(LA.qr(a)),
    "svd": lambda a: tuple(LA.svd(a, full_matrices=False)), "svdvals": LA.svdvals, "pinv": LA.pinv,
    "vector_norm": LA.vector_norm,
}


@pytest.mark.parametrize("shape", [(2, 0, 3), (3, 0), (0, 0)], ids=str)
@pytest.mark.parametrize("name", list(_ZERO_SIZE_OPS))
def test_zero_size_decompositions(name, shape):
    A = leaf(np.zeros(shape))
    outs = [o for o in _as_tuple(_ZERO_SIZE_OPS[name](A)) if o.requires_grad]
    grads = ember.autograd.grad([o.sum() for o in outs], A, allow_unused=True)
    assert grads[0] is None or tuple(grads[0].shape) == shape
