"""Gradients of the elementwise ops, generated from the op catalogue (op_catalogue.py).

For every differentiable elementwise op: gradcheck (float64, against central differences) on
contiguous, transposed, stepped and broadcast operands and on zero-dim ones, gradgradcheck,
and the first and second derivatives against torch.autograd when torch is installed. Samples
keep away from the points where an op is not differentiable (kinks, domain edges); PyTorch's
conventions at those points (abs at 0, ties of maximum, pow at 0, ...) are checked against
torch by hand. Then: the operators (reflected ones and Python-number operands included), the
methods whose arguments differ from the functions', in-place forms on non-leaf tensors, and
the ops whose outputs must not require grad.
"""
import operator

import numpy as np
import pytest

import ember
from ember._op_layer import op_of
from ember.autograd.recording import has_rule
from ember.autograd import gradcheck, gradgradcheck
from op_catalogue import BOOL, ELEMENTWISE_OPS, TRANSPOSED, STEPPED, Operand, base_shape, take_view


def _is_differentiable(op):
    return op.result != BOOL and ember.float64 in op.dtypes


DIFFERENTIABLE = [op for op in ELEMENTWISE_OPS if _is_differentiable(op)]
NON_DIFFERENTIABLE = [op for op in ELEMENTWISE_OPS if not _is_differentiable(op)]


# ---- sample values away from the points where an op is not differentiable ---------------------------

def _uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def _away_from_integers(lo, hi, offset=0.0, margin=0.1):
    """Uniform in [lo, hi], at least `margin` away from every integer + offset."""
    def sample(rng, shape):
        v = rng.uniform(lo, hi, shape) - offset
        base = np.floor(v)
        return base + np.clip(v - base, margin, 1 - margin) + offset
    return sample


def _away_from(points, lo, hi, margin=0.1):
    def sample(rng, shape):
        v = rng.uniform(lo, hi, shape)
        for p in points:
            near = np.abs(v - p) < margin
            v = np.where(near, p + np.where(v >= p, margin, -margin), v)
        return v
    return sample


def _signed(lo, hi):
    """|v| in [lo, hi], either sign."""
    return lambda rng, shape: rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


_NONZERO = _signed(0.2, 3.0)
_DIVISOR = _signed(0.7, 2.0)

# Per op: one sampler per operand. Ops not named use their catalogue domains.
GRAD_DOMAINS = {
    "abs": (_NONZERO,), "sign": (_NONZERO,), "relu": (_NONZERO,),
    "floor": (_away_from_integers(-3, 3),), "ceil": (_away_from_integers(-3, 3),),
    "trunc": (_away_from_integers(-3, 3),), "frac": (_away_from_integers(-3, 3),),
    "round": (_away_from_integers(-3, 3, offset=0.5),),
    "sqrt": (_uniform(0.2, 5.0),), "rsqrt": (_uniform(0.2, 5.0),), "log": (_uniform(0.2, 5.0),),
    "log2": (_uniform(0.2, 5.0),), "log10": (_uniform(0.2, 5.0),),
    "acosh": (_uniform(1.2, 5.0),), "asin": (_uniform(-0.9, 0.9),), "acos": (_uniform(-0.9, 0.9),),
    "atanh": (_uniform(-0.9, 0.9),), "erfinv": (_uniform(-0.9, 0.9),),
    "lgamma": (_uniform(0.5, 5.0),), "digamma": (_uniform(0.5, 5.0),),
    "reciprocal": (_NONZERO,),
    "clamp": (_away_from((1.0, 5.0), -1.0, 7.0),), "clamp_min": (_away_from((1.0,), -1.0, 3.0),),
    "clamp_max": (_away_from((5.0,), 3.0, 7.0),),
    "div": (_uniform(-3, 3), _NONZERO), "true_divide": (_uniform(-3, 3), _NONZERO),
    "copysign": (_NONZERO, _NONZERO), "atan2": (_NONZERO, _NONZERO),
    "xlogy": (_uniform(-3, 3), _uniform(0.2, 5.0)),
    "pow": (_uniform(0.2, 3.0), _uniform(-2.0, 2.0)),
}
# remainder, fmod, floor_divide: a / b must keep away from integers (the kinks of a % b).
_QUOTIENT_OPS = ("remainder", "fmod", "floor_divide")


def _domains(op):
    if op.name in GRAD_DOMAINS:
        return GRAD_DOMAINS[op.name]
    return tuple(d.floats for d in op.operand_domains())


def _values(op, rng, shapes):
    """float64 arrays, one per operand, of the given (base) shapes."""
    if op.name in _QUOTIENT_OPS:
        if shapes[0] == shapes[1]:  # elementwise pairs: a / b = q, away from integers
            b = _DIVISOR(rng, shapes[1])
            return [_away_from_integers(-3, 3)(rng, shapes[0]) * b, b]
        # broadcast pairs: 0.025 < |a / b| < 0.6 for every pair
        return [_signed(0.05, 0.6)(rng, shapes[0]), _signed(1.0, 2.0)(rng, shapes[1])]
    return [sampler(rng, shape) for sampler, shape in zip(_domains(op), shapes)]


# ---- layouts: leaf tensors laid out as the catalogue's samples --------------------------------------

def _leaf(array, operand):
    """A float64 leaf that requires grad, laid out as operand says (a view of a larger tensor
    for the strided layouts, detached so that it is a leaf)."""
    base = ember.tensor(np.ascontiguousarray(array), dtype=ember.float64)
    view, _ = take_view(base, array, operand)
    return view.detach().requires_grad_()


UNARY_LAYOUTS = {
    "contiguous": (Operand((2, 3)),),
    "transposed": (Operand((2, 3), TRANSPOSED),),
    "stepped": (Operand((2, 2), STEPPED),),
    "zero_dim": (Operand(()),),
}
BINARY_LAYOUTS = {
    "contiguous": (Operand((2, 3)), Operand((2, 3))),
    "transposed": (Operand((2, 3), TRANSPOSED), Operand((2, 3), TRANSPOSED)),
    "stepped": (Operand((2, 3), STEPPED), Operand((2, 3), TRANSPOSED)),
    "broadcast_3x1_1x2": (Operand((3, 1)), Operand((1, 2))),
    "broadcast_3_2x3": (Operand((3,)), Operand((2, 3))),
    "broadcast_zero_dim": (Operand((2, 3)), Operand(())),
    "zero_dim": (Operand(()), Operand(())),
}


def _layouts(op):
    return UNARY_LAYOUTS if op.arity == 1 else BINARY_LAYOUTS


def _make_inputs(op, layout, rng):
    operands = _layouts(op)[layout]
    arrays = _values(op, rng, [base_shape(o) for o in operands])
    return [_leaf(a, o) for a, o in zip(arrays, operands)]


def _cases(layouts=None):
    for op in DIFFERENTIABLE:
        for layout in _layouts(op):
            if layouts is None or layout in layouts:
                yield pytest.param(op, layout, id=f"{op.name}-{layout}")


def _call(op, module=ember):
    return lambda *xs: op.fn(module, *xs)


@pytest.mark.parametrize("op, layout", list(_cases()))
def test_gradcheck(op, layout, rng):
    inputs = _make_inputs(op, layout, rng)
    out = _call(op)(*inputs)
    assert out.requires_grad and out.grad_fn is not None
    assert gradcheck(_call(op), inputs)


@pytest.mark.parametrize("op, layout",
                         list(_cases({"contiguous", "broadcast_3x1_1x2", "stepped"})))
def test_gradgradcheck(op, layout, rng):
    inputs = _make_inputs(op, layout, rng)
    assert gradgradcheck(_call(op), inputs)


_NOT_DIFFERENTIABLE_FUNCTIONS = {
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
    "isnan", "isinf", "isfinite", "signbit"}


def test_every_differentiable_function_records_and_is_tested():
    """Every function of _elementwise records unless it is non-differentiable, and each that
    records is in the catalogue or tested by hand below."""
    from ember._ops import elementwise as _elementwise
    tested_by_hand = {"where", "clamp", "clip", "round", "div", "divide", "true_divide", "sub",
                      "subtract", "mul", "multiply", "add"}
    names = {op.name for op in DIFFERENTIABLE}
    for name in _elementwise.__all__:
        fn = getattr(ember, name)
        records = has_rule(fn)
        assert records == (name not in _NOT_DIFFERENTIABLE_FUNCTIONS), name
        if records:
            canonical = op_of(fn).name
            assert canonical in names or name in tested_by_hand or canonical in tested_by_hand, name


def test_inplace_with_itself_as_operand_matches_torch():
    """y.add_(y) works; y.mul_(y) needs y's old value, which the write replaced: both refuse."""
    a = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    y = a * 1
    y.add_(y)
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0])
    y = a * 1
    y.mul_(y)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ---- against torch.autograd -----------------------------------------------------------------------

def _torch():
    return pytest.importorskip("torch")


def _torch_leaves(torch, inputs):
    return [torch.tensor(x.detach().numpy(), dtype=torch.float64, requires_grad=True) for x in inputs]


def _first_and_second(module, fn, inputs, seed, direction):
    """(d out/d inputs . seed, d/d inputs (first . direction)) with module's autograd."""
    out = fn(*inputs)
    grads = module.autograd.grad(out, inputs, seed, create_graph=True, allow_unused=True)
    grads = [module.zeros_like(x) if g is None else g for x, g in zip(inputs, grads)]
    total = sum((g * d).sum() for g, d in zip(grads, direction))
    if not total.requires_grad:
        return grads, [module.zeros_like(x) for x in inputs]
    second = module.autograd.grad(total, inputs, allow_unused=True)
    second = [module.zeros_like(x) if g is None else g for x, g in zip(inputs, second)]
    return grads, second


def _compare_with_torch(fn_ember, fn_torch, inputs, rng, rtol=1e-7, atol=1e-9):
    torch = _torch()
    t_inputs = _torch_leaves(torch, inputs)
    out = fn_ember(*inputs)
    seed_np = rng.standard_normal(tuple(out.shape))
    direction_np = [rng.standard_normal(tuple(x.shape)) for x in inputs]
    e = _first_and_second(ember, fn_ember, inputs, ember.tensor(seed_np, dtype=ember.float64),
                          [ember.tensor(d, dtype=ember.float64) for d in direction_np])
    t = _first_and_second(torch, fn_torch, t_inputs, torch.tensor(seed_np, dtype=torch.float64),
                          [torch.tensor(d, dtype=torch.float64) for d in direction_np])
    for order, (ge, gt) in enumerate(zip(e, t), 1):
        for i, (a, b) in enumerate(zip(ge, gt)):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(force=True), rtol=rtol, atol=atol,
                                       err_msg=f"derivative {order} wrt input {i}")


# torch has no derivative of floor_divide (its backward raises); ember gives zeros.
_NO_TORCH_DERIVATIVE = {"floor_divide"}


@pytest.mark.parametrize("op, layout", [p for p in _cases() if p.values[0].name not in
                                        _NO_TORCH_DERIVATIVE])
def test_against_torch(op, layout, rng):
    torch = _torch()
    inputs = _make_inputs(op, layout, rng)
    _compare_with_torch(_call(op), _call(op, torch), inputs, rng)


def test_floor_divide_has_zero_gradients():
    a = ember.tensor([1.5, -2.7, 3.2], dtype=ember.float64, requires_grad=True)
    b = ember.tensor([0.7, 1.1, -2.0], dtype=ember.float64, requires_grad=True)
    for out in (ember.floor_divide(a, b), a // b, a // 2, 7.0 // a, a.floor_divide(b),
                a.div(b, rounding_mode="floor"), ember.div(a, b, rounding_mode="trunc")):
        assert out.requires_grad
        for g in ember.autograd.grad(out.sum(), [a, b], allow_unused=True):
            assert g is None or not g.numpy().any()


_DIFFERENTIABLE_METHODS = sorted(
    {op.name for op in DIFFERENTIABLE if op.method} - {"clamp_min", "clamp_max"}
    | {"add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "clamp",
       "clip", "where", "round", "negative", "absolute", "fix", "arcsin", "arccos", "arctan",
       "arcsinh", "arccosh", "arctanh", "arctan2", "__add__", "__radd__", "__sub__",
       "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__", "__pow__", "__rpow__",
       "__neg__", "__abs__", "__mod__", "__rmod__", "__floordiv__", "__rfloordiv__"})
_IN_PLACE = {"__add__": "__iadd__", "__sub__": "__isub__", "__mul__": "__imul__",
             "__truediv__": "__itruediv__", "__pow__": "__ipow__", "__mod__": "__imod__",
             "__floordiv__": "__ifloordiv__"}


@pytest.mark.parametrize("name", _DIFFERENTIABLE_METHODS)
def test_methods_and_their_inplace_forms_are_recorded(name):
    method = vars(ember.Tensor)[name]
    assert has_rule(method), name
    inplace = _IN_PLACE.get(name, None if name.startswith("__") else name + "_")
    if inplace is not None and inplace in vars(ember.Tensor) and inplace not in (
            "logaddexp_", "logaddexp2_"):
        assert has_rule(vars(ember.Tensor)[inplace]), inplace


# ---- PyTorch's conventions at non-differentiable points ----------------------------------------------

_SPECIAL_POINTS = [
    ("abs_at_0", lambda m, a: m.abs(a), [[0.0, -0.0, 1.5, -2.0]]),
    ("sign_at_0", lambda m, a: m.sign(a), [[0.0, 1.5, -2.0]]),
    ("relu_at_0", lambda m, a: m.relu(a), [[0.0, 1.5, -2.0]]),
    ("sqrt_at_0", lambda m, a: m.sqrt(a), [[0.0, 4.0]]),
    ("maximum_ties", lambda m, a, b: m.maximum(a, b), [[1.0, 2.0, 3.0], [1.0, 1.0, 4.0]]),
    ("minimum_ties", lambda m, a, b: m.minimum(a, b), [[1.0, 2.0, 3.0], [1.0, 1.0, 4.0]]),
    ("pow_at_0", lambda m, a, b: m.pow(a, b), [[0.0, 0.0, 0.0, 2.0, 0.0], [0.0, 2.0, 0.5, 0.0, -1.0]]),
    ("pow_number_exponent_0", lambda m, a: m.pow(a, 0), [[0.0, 2.0]]),
    ("pow_number_exponent_at_0", lambda m, a: m.pow(a, 2.0), [[0.0, 2.0]]),
    ("pow_number_base_0", lambda m, b: 0.0 ** b, [[0.0, 1.0, 2.5]]),
    ("pow_number_base", lambda m, b: 2.5 ** b, [[0.0, 1.0, -2.5]]),
    ("copysign_at_0", lambda m, a, b: m.copysign(a, b), [[0.0, 1.0, -2.0], [-1.0, 1.0, 1.0]]),
    ("xlogy_at_0", lambda m, a, b: m.xlogy(a, b), [[0.0, 0.0, 2.0], [0.0, 2.0, 3.0]]),
    ("clamp_at_bounds", lambda m, a: m.clamp(a, 1.0, 5.0), [[1.0, 5.0, 0.0, 3.0, 6.0]]),
    ("clamp_tensor_bounds_ties", lambda m, a, lo, hi: m.clamp(a, lo, hi),
     [[1.0, 5.0, 0.0, 3.0, 6.0], [1.0, 1.0, 1.0, 4.0, 2.0], [5.0, 5.0, 0.5, 2.0, 6.0]]),
    ("clamp_min_above_max", lambda m, a, lo, hi: m.clamp(a, lo, hi),
     [[0.0, 3.0, 9.0], [4.0, 4.0, 4.0], [2.0, 2.0, 2.0]]),
    ("hypot_large", lambda m, a, b: m.hypot(a, b), [[3.0, -1e200], [4.0, 1.0]]),
    ("logaddexp_far", lambda m, a, b: m.logaddexp(a, b), [[0.0, 800.0], [1.0, -800.0]]),
    ("remainder_negative", lambda m, a, b: m.remainder(a, b), [[-3.5, 3.5, 2.25], [2.0, -2.0, 1.0]]),
    ("fmod_negative", lambda m, a, b: m.fmod(a, b), [[-3.5, 3.5, 2.25], [2.0, -2.0, 1.0]]),
    ("floor_at_integers", lambda m, a: m.floor(a), [[1.0, -2.0, 0.5]]),
    ("round_half", lambda m, a: m.round(a), [[0.5, 1.5, -2.5]]),
    ("div_by_zero", lambda m, a, b: m.div(a, b), [[1.0, 0.0], [0.0, 2.0]]),
]


@pytest.mark.parametrize("name, fn, values", [pytest.param(*c, id=c[0]) for c in _SPECIAL_POINTS])
def test_conventions_at_special_points_match_torch(name, fn, values):
    torch = _torch()
    inputs = [ember.tensor(v, dtype=ember.float64, requires_grad=True) for v in values]
    t_inputs = _torch_leaves(torch, inputs)
    out, t_out = fn(ember, *inputs), fn(torch, *t_inputs)
    seed = np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape))
    grads = ember.autograd.grad(out, inputs, ember.tensor(seed, dtype=ember.float64), allow_unused=True)
    t_grads = torch.autograd.grad(t_out, t_inputs, torch.tensor(seed, dtype=torch.float64),
                                  allow_unused=True)
    for g, tg in zip(grads, t_grads):
        expected = np.zeros(tuple(g.shape)) if tg is None else tg.numpy(force=True)
        got = np.zeros(expected.shape) if g is None else g.numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0, equal_nan=True)


def test_digamma_gradient_below_zero(rng):
    x = ember.tensor([-2.7, -1.3, -0.4, 0.2, 0.45], dtype=ember.float64, requires_grad=True)
    assert gradcheck(ember.digamma, (x,))
    assert gradgradcheck(ember.digamma, (x,))
    torch = _torch()
    g, = ember.autograd.grad(ember.digamma(x).sum(), x)
    np.testing.assert_allclose(g.numpy(), torch.polygamma(1, torch.tensor(x.detach().numpy())).numpy(),
                               rtol=1e-8)


def test_trigamma_against_torch():
    torch = _torch()
    from ember.autograd.rules.elementwise import trigamma
    v = np.concatenate([np.linspace(0.05, 40, 200), np.linspace(-5.9, 0.45, 200) + 1e-3, [1e4, 1e8]])
    got = trigamma(ember.tensor(v)).numpy()
    np.testing.assert_allclose(got, torch.polygamma(1, torch.tensor(v)).numpy(), rtol=1e-8)


# ---- ops and forms outside the catalogue ----------------------------------------------------------

def _t(rng, shape, lo=-2.0, hi=2.0):
    return ember.tensor(rng.uniform(lo, hi, shape), dtype=ember.float64).requires_grad_()


def _nonzero(rng, shape):
    return ember.tensor(_NONZERO(rng, shape), dtype=ember.float64).requires_grad_()


def _extra_cases(rng):
    """(name, fn, inputs): ops, keyword forms, methods and operators not in the catalogue."""
    a, b = _t(rng, (2, 3)), _t(rng, (2, 3))
    col, row = _t(rng, (2, 1)), _t(rng, (3,))
    nz, nz_row = _nonzero(rng, (2, 3)), _nonzero(rng, (3,))
    pos = _t(rng, (2, 3), 0.3, 2.0)
    cond = ember.tensor(rng.random((2, 3)) < 0.5)
    lo = _t(rng, (2, 3), -1.5, -0.5)
    hi = _t(rng, (2, 3), 0.5, 1.5)
    wide = _t(rng, (2, 3), -3.0, 3.0)
    # clamp with tensor bounds: x away from the bounds
    lo_np, hi_np = lo.detach().numpy(), hi.detach().numpy()
    x_np = np.where(rng.random((2, 3)) < 0.5, lo_np - 0.4, hi_np + 0.4)
    x_np[0, 0] = (lo_np[0, 0] + hi_np[0, 0]) / 2
    xc = ember.tensor(x_np, dtype=ember.float64).requires_grad_()
    half = ember.tensor(_away_from_integers(-3, 3, offset=0.5)(rng, (2, 3)) / 10,
                        dtype=ember.float64).requires_grad_()
    return [
        ("add_alpha_kw", lambda x, y: ember.add(x, y, alpha=2.5), (a, b)),
        ("add_method_alpha", lambda x, y: x.add(y, alpha=-1.5), (a, col)),
        ("sub_method_alpha", lambda x, y: x.sub(y, alpha=2), (a, row)),
        ("subtract", lambda x, y: ember.subtract(x, y, alpha=3), (col, row)),
        ("multiply", lambda x, y: ember.multiply(x, y), (col, row)),
        ("mul_method_number", lambda x: x.mul(2.5), (a,)),
        ("div_method", lambda x, y: x.div(y), (a, nz)),
        ("divide", lambda x, y: ember.divide(x, y), (col, nz_row)),
        ("true_divide_method", lambda x, y: x.true_divide(y), (a, nz_row)),
        ("div_trunc", lambda x, y: ember.div(x, y, rounding_mode="trunc"), (a, nz)),
        ("div_floor_method", lambda x, y: x.div(y, rounding_mode="floor"), (a, nz)),
        ("div_number", lambda x: ember.div(x, 3.0), (a,)),
        ("where", lambda x, y: ember.where(cond, x, y), (a, b)),
        ("where_broadcast", lambda x, y: ember.where(cond, x, y), (col, row)),
        ("where_number_other", lambda x: ember.where(cond, x, 0.5), (a,)),
        ("where_number_input", lambda y: ember.where(cond, 2.0, y), (b,)),
        ("where_method", lambda x, y: x.where(cond, y), (a, row)),
        ("where_method_number", lambda x: x.where(cond, -1.0), (a,)),
        ("clamp_tensor_bounds", lambda x, l, h: ember.clamp(x, l, h), (xc, lo, hi)),
        ("clamp_tensor_min", lambda x, l: ember.clamp(x, min=l), (xc, lo)),
        ("clamp_tensor_max", lambda x, h: ember.clamp(x, max=h), (xc, hi)),
        ("clamp_method_tensor_bounds", lambda x, l, h: x.clamp(l, h), (xc, lo, hi)),
        ("clamp_tensor_min_number_max", lambda x, l: x.clamp(l, 0.2), (xc, lo)),
        ("clip", lambda x: ember.clip(x, -0.5, 0.5), (half,)),
        ("clip_method", lambda x, h: x.clip(max=h), (xc, hi)),
        ("round_decimals", lambda x: ember.round(x, decimals=1), (half,)),
        ("round_method_decimals", lambda x: x.round(1), (half,)),
        ("round_method", lambda x: x.round(), (half,)),
        ("pow_method_number", lambda x: x.pow(3), (a,)),
        ("pow_method_tensor", lambda x, y: x.pow(y), (pos, b)),
        ("pow_number_base_function", lambda y: ember.pow(2.5, y), (b,)),
        ("remainder_number_input", lambda y: ember.remainder(0.25, y), (_signed_t(rng, (4,)),)),
        ("fmod_number", lambda x: ember.fmod(x, 0.7), (a,)),
        ("xlogy_number_other", lambda x: ember.xlogy(x, 2.5), (a,)),
        ("xlogy_number_input", lambda y: ember.xlogy(1.5, y), (pos,)),
        ("atan2_number_other", lambda x: ember.atan2(x, 0.5), (a,)),
        ("maximum_broadcast_method", lambda x, y: x.maximum(y), (col, row)),
        ("logaddexp_method", lambda x, y: x.logaddexp2(y), (wide, row)),
        ("arctan2_alias", lambda x, y: ember.arctan2(x, y), (nz, nz_row)),
        ("negative_alias", lambda x: ember.negative(x), (a,)),
        ("absolute_alias", lambda x: ember.absolute(x), (nz,)),
        ("arcsinh_alias_method", lambda x: x.arcsinh(), (a,)),
        ("fix_alias", lambda x: ember.fix(x), (half,)),
        ("chain", lambda x, y: ((x * y).sin() + x.exp() / (y * y + 1) + 2).sqrt(), (pos, b)),
    ]


def _signed_t(rng, shape):
    # 0.25 % y with y in (0.3, 1): 0.25 / y away from integers
    return ember.tensor(rng.uniform(0.3, 1.0, shape) * rng.choice([-1.0, 1.0], shape),
                        dtype=ember.float64).requires_grad_()


def _extra_params():
    cases = _extra_cases(np.random.default_rng(7))
    return [pytest.param(i, id=name) for i, (name, _, _) in enumerate(cases)]


@pytest.mark.parametrize("index", _extra_params())
def test_extra_forms_gradcheck(index):
    name, fn, inputs = _extra_cases(np.random.default_rng(7))[index]
    out = fn(*inputs)
    assert out.requires_grad, name
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


# ---- operators --------------------------------------------------------------------------------------

_OPERATORS = [
    ("add", operator.add, "tt"), ("radd_number", lambda x: 2.5 + x, "t"),
    ("add_number", lambda x: x + 2, "t"),
    ("sub", operator.sub, "tt"), ("rsub_number", lambda x: 2.5 - x, "t"),
    ("sub_number", lambda x: x - 1.5, "t"),
    ("mul", operator.mul, "tt"), ("rmul_number", lambda x: 3 * x, "t"),
    ("mul_number", lambda x: x * -0.5, "t"),
    ("truediv", operator.truediv, "tn"), ("rtruediv_number", lambda x: 2.0 / x, "n"),
    ("truediv_number", lambda x: x / 4, "t"),
    ("pow", operator.pow, "pt"), ("pow_number", lambda x: x ** 2, "t"),
    ("pow_half", lambda x: x ** 0.5, "p"), ("pow_negative", lambda x: x ** -1.5, "p"),
    ("rpow_number", lambda x: 2 ** x, "t"), ("rpow_float", lambda x: 0.5 ** x, "t"),
    ("neg", operator.neg, "t"), ("abs", abs, "n"), ("pos", operator.pos, "t"),
    ("mod", operator.mod, "tq"), ("mod_number", lambda x: x % 0.7, "t"),
    ("rmod_number", lambda x: 0.25 % x, "q"),
    ("floordiv", operator.floordiv, "tq"), ("floordiv_number", lambda x: x // 0.7, "t"),
    ("rfloordiv_number", lambda x: 0.25 // x, "q"),
]


def _operator_inputs(kinds, rng):
    out = []
    for k in kinds:
        if k == "t":
            values = _away_from_integers(-2, 2, offset=0.5)(rng, (2, 3)) * 0.7 + 0.01
        elif k == "n":
            values = _NONZERO(rng, (2, 3))
        elif k == "p":
            values = rng.uniform(0.3, 2.0, (2, 3))
        elif k == "q":  # divisors in (0.3, 1) either sign, for which 0.25 / q and t / q...
            values = rng.uniform(0.3, 1.0, (3,)) * rng.choice([-1.0, 1.0], (3,))
        out.append(ember.tensor(values, dtype=ember.float64).requires_grad_())
    return out


def _operator_cases():
    for name, fn, kinds in _OPERATORS:
        yield pytest.param(name, fn, kinds, id=name)


def _quotient_safe(name, inputs):
    """For a % b and a // b: nudge a so that a / b keeps away from integers."""
    if name in ("mod", "floordiv"):
        a, b = inputs
        q = a.detach().numpy() / b.detach().numpy()
        frac = q - np.floor(q)
        q = np.floor(q) + np.clip(frac, 0.1, 0.9)
        inputs[0] = ember.tensor(q * b.detach().numpy(), dtype=ember.float64).requires_grad_()
    if name in ("mod_number", "floordiv_number"):
        x = inputs[0].detach().numpy()
        q = x / 0.7
        q = np.floor(q) + np.clip(q - np.floor(q), 0.1, 0.9)
        inputs[0] = ember.tensor(q * 0.7, dtype=ember.float64).requires_grad_()
    return inputs


@pytest.mark.parametrize("name, fn, kinds", list(_operator_cases()))
def test_operator_gradcheck(name, fn, kinds, rng):
    inputs = _quotient_safe(name, _operator_inputs(kinds, rng))
    out = fn(*inputs)
    assert out.requires_grad
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("name, fn, kinds", [p for p in _operator_cases()
                                             if "floordiv" not in p.values[0]
                                             and p.values[0] != "rmod_number"])
def test_operator_against_torch(name, fn, kinds, rng):
    """torch has no derivative of floor_divide nor of remainder(number, tensor)."""
    inputs = _quotient_safe(name, _operator_inputs(kinds, rng))
    _compare_with_torch(fn, fn, inputs, rng)


def test_operator_node_names():
    x = ember.ones(3, dtype=ember.float64, requires_grad=True)
    assert (x + x).grad_fn.name() == "AddBackward0"
    assert (x * 2).grad_fn.name() == "MulBackward0"
    assert (2 - x).grad_fn.name() == "RsubBackward0"
    assert (x ** 2).grad_fn.name() == "PowBackward0"
    assert ember.sin(x).grad_fn.name() == "SinBackward0"
    assert (-x).grad_fn.name() == "NegBackward0"


def test_mixed_dtypes_give_gradients_of_each_input_dtype(rng):
    a = ember.tensor(rng.standard_normal((2, 3)), dtype=ember.float32, requires_grad=True)
    b = ember.tensor(rng.standard_normal((3,)), dtype=ember.float64, requires_grad=True)
    (a * b + ember.atan2(a, b)).sum().backward()
    assert a.grad.dtype == ember.float32 and tuple(a.grad.shape) == (2, 3)
    assert b.grad.dtype == ember.float64 and tuple(b.grad.shape) == (3,)


def test_integer_operands_get_no_gradient(rng):
    a = ember.tensor(rng.standard_normal((2, 3)), dtype=ember.float64, requires_grad=True)
    i = ember.tensor([1, 2, 3])
    out = a * i + a.pow(i) + ember.where(i > 1, a, i)
    out.sum().backward()
    expected = i.numpy() + i.numpy() * a.detach().numpy() ** (i.numpy() - 1) + (i.numpy() > 1)
    np.testing.assert_allclose(a.grad.numpy(), expected, rtol=1e-12)


# ---- empty tensors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in DIFFERENTIABLE])
def test_empty(op):
    shapes = [(0, 3)] if op.arity == 1 else [(0, 3), (1, 3)]
    inputs = [ember.zeros(s, dtype=ember.float64).requires_grad_() for s in shapes]
    out = _call(op)(*inputs)
    assert out.requires_grad
    out.sum().backward()
    for x, s in zip(inputs, shapes):
        assert tuple(x.grad.shape) == s
        assert not x.grad.numpy().any()


# ---- in-place forms on non-leaf tensors -------------------------------------------------------------

def _inplace_cases():
    """(name, in-place fn of (y, *others), domain kinds of (x, *others)): y = x * 1 first."""
    unary = {
        "neg_": "t", "abs_": "n", "sign_": "n", "exp_": "t", "exp2_": "t", "expm1_": "t",
        "log_": "p", "log2_": "p", "log10_": "p", "log1p_": "p", "sqrt_": "p", "rsqrt_": "p",
        "sin_": "t", "cos_": "t", "tan_": "u", "tanh_": "t", "sigmoid_": "t", "relu_": "n",
        "erf_": "t", "erfc_": "t", "erfinv_": "u", "floor_": "t", "ceil_": "t", "trunc_": "t",
        "round_": "t", "frac_": "t", "reciprocal_": "n", "square_": "t", "sinh_": "t",
        "cosh_": "t", "asin_": "u", "acos_": "u", "atan_": "t", "asinh_": "t", "acosh_": "a",
        "atanh_": "u", "lgamma_": "p", "digamma_": "p", "deg2rad_": "t", "rad2deg_": "t",
        "negative_": "t", "absolute_": "n", "arctan_": "t", "fix_": "t",
    }
    for name, kind in unary.items():
        yield name, (lambda name: lambda y: getattr(y, name)())(name), kind
    binary = {
        "add_": "tt", "sub_": "tt", "subtract_": "tt", "mul_": "tt", "multiply_": "tt",
        "div_": "tn", "divide_": "tn", "true_divide_": "tn", "pow_": "pt", "maximum_": "tt",
        "minimum_": "tt", "atan2_": "nn", "arctan2_": "nn", "hypot_": "tt", "copysign_": "nn",
        "xlogy_": "tp", "remainder_": "tq", "fmod_": "tq", "floor_divide_": "tq",
    }
    for name, kinds in binary.items():
        yield name, (lambda name: lambda y, z: getattr(y, name)(z))(name), kinds
    yield "add_alpha_", lambda y, z: y.add_(z, alpha=2), "tt"
    yield "sub_alpha_broadcast_", lambda y, z: y.sub_(z.sum(0), alpha=0.5), "tt"
    yield "div_floor_", lambda y, z: y.div_(z, rounding_mode="floor"), "tn"
    yield "mul_number_", lambda y: y.mul_(3.0), "t"
    yield "pow_number_", lambda y: y.pow_(2), "t"
    yield "clamp_", lambda y: y.clamp_(-0.5, 0.5), "t"
    yield "clamp_tensor_", lambda y, lo: y.clamp_(min=lo), "tt"
    yield "clip_", lambda y: y.clip_(max=0.3), "t"
    yield "round_decimals_", lambda y: y.round_(decimals=1), "h"
    for op, fn in (("iadd", operator.iadd), ("isub", operator.isub), ("imul", operator.imul),
                   ("itruediv", operator.itruediv), ("ipow", operator.ipow), ("imod", operator.imod),
                   ("ifloordiv", operator.ifloordiv)):
        kinds = {"itruediv": "tn", "ipow": "pt", "imod": "tq", "ifloordiv": "tq"}.get(op, "tt")
        yield op, (lambda fn: lambda y, z: fn(y, z))(fn), kinds
    yield "iadd_number", lambda y: operator.iadd(y, 2.0), "t"
    yield "ipow_number", lambda y: operator.ipow(y, 3), "t"


_KIND_SAMPLERS = {
    "t": _away_from_integers(-2, 2, offset=0.5, margin=0.15),
    "h": lambda rng, shape: _away_from_integers(-20, 20, offset=0.5)(rng, shape) / 10,
    "n": _NONZERO, "p": _uniform(0.5, 2.0), "u": _uniform(-0.8, 0.8), "a": _uniform(1.3, 3.0),
    "q": lambda rng, shape: rng.uniform(0.45, 0.55, shape) * rng.choice([-1.0, 1.0], shape),
}


@pytest.mark.parametrize("name, fn, kinds", [pytest.param(*c, id=c[0]) for c in _inplace_cases()])
def test_inplace_on_non_leaf(name, fn, kinds, rng):
    inputs = [ember.tensor(_KIND_SAMPLERS[k](rng, (2, 3)), dtype=ember.float64).requires_grad_()
              for k in kinds]
    if kinds.endswith("q"):  # keep x / q away from integers: |x| < 0.4 < |q|, x away from 0
        x = inputs[0].detach().numpy()
        inputs[0] = ember.tensor(np.sign(x) * (0.1 + np.abs(x) / 10), dtype=ember.float64).requires_grad_()

    def f(x, *others):
        y = x * 1
        out = fn(y, *others)
        assert out is y
        return y

    y = f(*inputs)
    assert y.requires_grad and y.grad_fn is not None
    y.sum().backward()
    assert inputs[0].grad is not None
    assert gradcheck(f, inputs)


def test_inplace_example_from_the_issue(rng):
    x = ember.tensor(rng.standard_normal((2, 3)), dtype=ember.float64, requires_grad=True)
    z = ember.tensor(rng.standard_normal((2, 3)), dtype=ember.float64, requires_grad=True)
    y = x * 1
    y.add_(z)
    y.mul_(y.detach() + 1)
    y.sum().backward()
    factor = x.detach().numpy() + z.detach().numpy() + 1
    np.testing.assert_allclose(x.grad.numpy(), factor, rtol=1e-12)
    np.testing.assert_allclose(z.grad.numpy(), factor, rtol=1e-12)


def test_inplace_on_leaf_is_refused():
    x = ember.ones(3, dtype=ember.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.exp_()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x += 1


def test_inplace_after_save_is_caught():
    x = ember.tensor([0.5, 1.0], dtype=ember.float64, requires_grad=True)
    y = x * 1
    z = y.sin()  # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_inplace_on_saved_output_is_caught():
    x = ember.tensor([0.5, 1.0], dtype=ember.float64, requires_grad=True)
    y = x.exp()  # saves its result
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_into_view_of_non_leaf(rng):
    x = ember.tensor(rng.standard_normal((2, 3)), dtype=ember.float64, requires_grad=True)

    def f(x):
        y = x * 1
        y.view(3, 2).mul_(3)
        y.view(6).exp_()
        return y

    assert gradcheck(f, (x,))


def _has_rule(method):
    return has_rule(vars(ember.Tensor)[method])


@pytest.mark.skipif(not _has_rule("__getitem__"), reason="needs the rule of Tensor.__getitem__ "
                    "(indexing family)")
def test_inplace_into_part_of_non_leaf(rng):
    x = ember.tensor(rng.standard_normal((2, 3)), dtype=ember.float64, requires_grad=True)

    def f(x):
        y = x * 1
        y[0].mul_(3)
        y[1].exp_()
        return y

    assert gradcheck(f, (x,))


def test_inplace_with_grad_operand_into_constant(rng):
    """A tensor that does not require grad becomes part of the graph when an operand does."""
    z = ember.tensor(rng.standard_normal(3), dtype=ember.float64, requires_grad=True)
    y = ember.zeros(3, dtype=ember.float64)
    y.add_(z, alpha=2)
    y.mul_(z)
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), 4 * z.detach().numpy(), rtol=1e-12)


# ---- outputs that must not require grad -------------------------------------------------------------

@pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in NON_DIFFERENTIABLE
                                if ember.float64 in op.dtypes])
def test_non_differentiable_ops_do_not_require_grad(op):
    inputs = [ember.tensor([[0.5, -1.0, 2.0]], dtype=ember.float64, requires_grad=True)
              for _ in range(op.arity)]
    out = op.fn(ember, *inputs)
    assert not out.requires_grad and out.grad_fn is None


@pytest.mark.parametrize("fn", [
    lambda x: x == x, lambda x: x != 1, lambda x: x < 0, lambda x: x <= x, lambda x: 0 < x,
    lambda x: x >= 1.5, lambda x: ember.isclose(x, x), lambda x: x.signbit(),
    lambda x: ember.logical_and(x, x), lambda x: ~(x > 0), lambda x: (x > 0) & (x < 1),
    lambda x: ember.isnan(x), lambda x: x.isfinite(), lambda x: ember.eq(x, 2.0),
], ids=["eq", "ne", "lt", "le", "gt_reflected", "ge", "isclose", "signbit", "logical_and",
        "invert", "and", "isnan", "isfinite", "eq_fn"])
def test_comparisons_do_not_require_grad(fn):
    x = ember.tensor([0.5, -1.0, 2.0], dtype=ember.float64, requires_grad=True)
    out = fn(x)
    assert out.dtype == ember.bool
    assert not out.requires_grad and out.grad_fn is None


def test_rounding_ops_require_grad_as_torch():
    x = ember.tensor([0.5, -1.2], dtype=ember.float64, requires_grad=True)
    for out in (x.floor(), x.ceil(), x.round(), x.trunc(), x.sign(), x // 1, x.div(2, rounding_mode="floor")):
        assert out.requires_grad


def test_no_grad_records_nothing():
    x = ember.tensor([0.5, -1.2], dtype=ember.float64, requires_grad=True)
    with ember.no_grad():
        for out in (x + 1, x * x, x.sin(), ember.where(x > 0, x, 0.0), x.clamp(0, 1), 2 ** x):
            assert not out.requires_grad and out.grad_fn is None


# ---- other floating dtypes ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [ember.float32, ember.float16, ember.bfloat16],
                         ids=["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in DIFFERENTIABLE])
def test_gradients_in_lower_precision(op, dtype, rng):
    """The gradients keep the input's dtype and agree with float64's (float32 against torch's)."""
    inputs64 = _make_inputs(op, "broadcast_3x1_1x2" if op.arity == 2 else "contiguous", rng)
    inputs = [x.detach().to(dtype).requires_grad_() for x in inputs64]
    out = _call(op)(*inputs)
    grads = ember.autograd.grad(out.sum(), inputs)
    rounded = [x.detach().to(ember.float64).requires_grad_() for x in inputs]
    exact = ember.autograd.grad(_call(op)(*rounded).sum(), rounded)
    tol = {ember.float32: 1e-4, ember.float16: 3e-2, ember.bfloat16: 1e-1}[dtype]
    for g, e in zip(grads, exact):
        assert g.dtype == dtype
        np.testing.assert_allclose(g.to(ember.float64).numpy(), e.numpy(), rtol=tol, atol=tol)


# ---- keyword forms and methods against torch ---------------------------------------------------------

def _torch_extra_cases(rng):
    cond = rng.random((2, 3)) < 0.5
    lo, hi = rng.uniform(-1.5, -0.5, (2, 3)), rng.uniform(0.5, 1.5, (2, 3))
    x = np.where(rng.random((2, 3)) < 0.5, lo - 0.4, hi + 0.4)
    x[0, 0] = (lo[0, 0] + hi[0, 0]) / 2
    a, b = rng.uniform(-2, 2, (2, 3)), rng.uniform(-2, 2, (3,))
    nz = _NONZERO(rng, (2, 3))
    pos = rng.uniform(0.3, 2.0, (2, 3))

    def c(m):
        return m.tensor(cond)

    return [
        ("where", lambda m, x, y: m.where(c(m), x, y), (a, b)),
        ("where_method", lambda m, x, y: x.where(c(m), y), (a, b)),
        ("where_number", lambda m, x: m.where(c(m), x, 0.5), (a,)),
        ("clamp_tensor_bounds", lambda m, x, l, h: m.clamp(x, l, h), (x, lo, hi)),
        ("clamp_tensor_min", lambda m, x, l: x.clamp(min=l), (x, lo)),
        ("clip_tensor_max", lambda m, x, h: m.clip(x, max=h), (x, hi)),
        ("add_alpha", lambda m, x, y: m.add(x, y, alpha=2.5), (a, b)),
        ("sub_method_alpha", lambda m, x, y: x.sub(y, alpha=-1.5), (a, b)),
        ("div_trunc", lambda m, x, y: m.div(x, y, rounding_mode="trunc"), (a, nz)),
        ("div_floor_method", lambda m, x, y: x.div(y, rounding_mode="floor"), (a, nz)),
        ("round_decimals", lambda m, x: m.round(x, decimals=1), (a,)),
        ("pow_number_base", lambda m, y: m.pow(2.5, y), (b,)),
        ("xlogy_number_input", lambda m, y: m.xlogy(1.5, y), (pos,)),
        ("xlogy_number_other", lambda m, x: m.xlogy(x, 2.5), (a,)),
        ("true_divide_method", lambda m, x, y: x.true_divide(y), (a, nz)),
    ]


def _torch_extra_ids():
    return [c[0] for c in _torch_extra_cases(np.random.default_rng(0))]


@pytest.mark.parametrize("index", range(len(_torch_extra_ids())), ids=_torch_extra_ids())
def test_extra_forms_against_torch(index, rng):
    name, fn, arrays = _torch_extra_cases(np.random.default_rng(11))[index]
    inputs = [ember.tensor(a, dtype=ember.float64).requires_grad_() for a in arrays]
    torch = _torch()
    _compare_with_torch(lambda *xs: fn(ember, *xs), lambda *xs: fn(torch, *xs), inputs, rng)
