"""Autograd of the neural-network ops (autograd/rules/nn.py): every differentiable entry of the
op database's convolution, pool, interpolate, embedding, normalization, activation and attention
families checked against finite differences in float64, contiguous and not, and against
torch.autograd (all input and parameter gradients) when torch is installed; then the cases
the database does not describe (dropout, in-place activations, pad, linear, running
statistics, the top-level aliases) and a small CNN end to end.

The composite functions of ember.nn.functional (nn/functional/composites.py) need the rules of the
elementwise, reduction and view families; where one of those is missing their gradient check
is skipped and names it.
"""
import numpy as np
import pytest

import ember
from ember._op_layer import op_of
from ember.autograd.recording import RULES, has_rule
import ember.nn.functional as F
import op_db
import op_db_conv
import op_db_nn_extra
import op_db_norm
import op_db_pool
from ember.autograd import gradcheck
from op_db import as_tuple, ember_args, tensors_in

F64 = ember.float64
# gradcheck costs one forward per input element and one backward per output element: the
# database's larger samples are checked against torch only.
MAX_GRADCHECK_NUMEL = 400
# Samples on kinks (relu at 0, hardtanh at +-1, ...) have no derivative to check numerically;
# their one-sided convention is compared with torch's.
_KINK_SAMPLES = ("kinks",)
# Positional arguments (by entry name) and keywords that are never differentiated.
_NOT_DIFFERENTIATED = {"batch_norm": (1, 2), "nn.functional.instance_norm": (1, 2),
                       "nn.functional.soft_margin_loss": (1,)}
_NOT_DIFFERENTIATED_KW = ("running_mean", "running_var")
# Class weights and pos_weight get no gradient, in PyTorch as here.
_NOT_DIFFERENTIATED_KW_BY_ENTRY = {name: ("weight", "pos_weight") for name in (
    "nll_loss", "cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "nn.functional.multi_margin_loss")}


# ---- the generic checks (test_autograd_loss.py uses them too) -----------------------------------

def sample_of(entry, index):
    return list(entry.samples(np.random.default_rng(0), F64))[index]


def cases(modules):
    for mod in modules:
        for entry in mod.ENTRIES:
            if not entry.differentiable or F64 not in entry.dtypes:
                continue
            for i, s in enumerate(entry.samples(np.random.default_rng(0), F64)):
                yield pytest.param(entry, i, id=f"{entry.name}-{i}-{s.name}".replace(" ", "_"))


def grad_inputs(entry, sample, args, kwargs):
    """The tensors of a sample a gradient check differentiates (made to require grad)."""
    if sample.grad_args is not None:
        chosen = [args[i] for i in sample.grad_args]
    else:
        skip = _NOT_DIFFERENTIATED.get(entry.name, ())
        chosen = [t for i, a in enumerate(args) if i not in skip for t in tensors_in(a)]
        skip_kw = _NOT_DIFFERENTIATED_KW + _NOT_DIFFERENTIATED_KW_BY_ENTRY.get(entry.name, ())
        chosen += [t for k, v in kwargs.items() if k not in skip_kw for t in tensors_in(v)]
    chosen = [t for t in chosen if isinstance(t, ember.Tensor) and t.is_floating_point()]
    for t in chosen:
        t.requires_grad_()
    return chosen


def float_outputs(result):
    return [o for o in as_tuple(result) if isinstance(o, ember.Tensor) and o.is_floating_point()]


def seeded(entry, args, kwargs, seed):
    """The op, made deterministic for ops that draw random numbers (dropout in attention)."""
    def fn(*unused):
        if seed is not None:
            ember.manual_seed(seed)
        return entry.op(ember, *args, **kwargs)
    return fn


def _random_seed(sample):
    return 0 if sample.kwargs.get("dropout_p", 0) or sample.kwargs.get("training") and "p" in sample.kwargs else None


def other_family(entry):
    """Entries of the database whose function another family's rules differentiate (F.sigmoid
    is ember.sigmoid): the names of those rules when they are missing."""
    short = entry.name.rsplit(".", 1)[-1]
    if short in ("sigmoid", "tanh"):
        return missing_rules([short]) or None
    return ()


def check_gradcheck(entry, index, noncontiguous, missing=()):
    missing = missing or other_family(entry)
    if missing is None:
        return
    sample = sample_of(entry, index)
    if sample.name.startswith(_KINK_SAMPLES) or (entry.name == "softplus" and sample.name.startswith("0-dim")
                                                 and sample.kwargs.get("threshold") == 3.0):
        # (softplus with beta 2 switches to linear at 1.5, the 0-dim sample's value)
        pytest.skip("no derivative on the kinks: compared with torch instead")
    if entry.name.endswith("embedding") and ({"padding_idx", "scale_grad_by_freq"} & set(sample.kwargs)):
        pytest.skip("padding_idx and scale_grad_by_freq shape the gradient on purpose: compared with torch")
    args, kwargs = ember_args(sample, F64, noncontiguous)
    inputs = grad_inputs(entry, sample, args, kwargs)
    if not inputs:
        pytest.skip("no floating input")
    if sum(t.numel() for t in inputs) > MAX_GRADCHECK_NUMEL:
        pytest.skip("large sample: compared with torch instead")
    fn = seeded(entry, args, kwargs, _random_seed(sample))
    outs = float_outputs(fn())
    try:
        assert outs and all(o.requires_grad for o in outs), "the result does not require grad"
        # backward runs (zero-size included) and gives every input a gradient of its shape
        grads = ember.autograd.grad([o.sum() for o in outs], inputs, allow_unused=True)
        for t, g in zip(inputs, grads):
            assert g is None or tuple(g.shape) == tuple(t.shape)
        assert gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4)
    except (AssertionError, RuntimeError):
        if missing:
            pytest.skip(f"needs the rules of: {', '.join(missing)}")
        raise


def _torch_inputs(torch, value, mapping):
    if isinstance(value, ember.Tensor):
        if id(value) not in mapping:
            arr = value.detach().numpy()
            t = torch.from_numpy(np.array(arr)).to(op_db.torch_dtype(torch, value.dtype))
            mapping[id(value)] = t
        return mapping[id(value)]
    if isinstance(value, (list, tuple)):
        return type(value)(_torch_inputs(torch, v, mapping) for v in value)
    return op_db.to_torch(torch, value)


def check_torch_parity(entry, index, missing=(), rtol=1e-7, atol=1e-9, ignore_torch_nan=False):
    torch = pytest.importorskip("torch")
    missing = missing or other_family(entry)
    if missing:
        pytest.skip(f"needs the rules of: {', '.join(missing)}")
    if missing is None:
        return
    if not entry.torch:
        pytest.skip("no torch counterpart")
    sample = sample_of(entry, index)
    if sample.kwargs.get("dropout_p", 0):
        pytest.skip("random masks differ from torch's")
    args, kwargs = ember_args(sample, F64)
    inputs = grad_inputs(entry, sample, args, kwargs)
    if not inputs:
        pytest.skip("no floating input")
    mapping = {}
    targs = _torch_inputs(torch, args, mapping)
    tkwargs = {k: _torch_inputs(torch, v, mapping) for k, v in kwargs.items()}
    tinputs = [mapping[id(t)].requires_grad_() for t in inputs]
    outs = float_outputs(entry.op(ember, *args, **kwargs))
    touts = [o for o in as_tuple(entry.op(torch, *targs, **tkwargs)) if o.is_floating_point()]
    rng = np.random.default_rng(1)
    cots = [rng.standard_normal(tuple(o.shape)) for o in outs]
    try:
        got = ember.autograd.grad(outs, inputs, [ember.tensor(c, dtype=o.dtype) for c, o in zip(cots, outs)],
                                  allow_unused=True)
    except RuntimeError:
        if missing:
            pytest.skip(f"needs the rules of: {', '.join(missing)}")
        raise
    try:
        want = torch.autograd.grad(touts, tinputs, [torch.from_numpy(c).to(o.dtype) for c, o in zip(cots, touts)],
                                   allow_unused=True)
    except RuntimeError as e:  # group_norm without weight but with bias: "tensor does not have a device"
        pytest.skip(f"torch does not differentiate this sample: {e}")
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None:
            assert g is None or not np.any(g.numpy()), f"gradient {i}: torch gives none"
            continue
        if g is None and missing:
            pytest.skip(f"needs the rules of: {', '.join(missing)}")
        assert g is not None, f"gradient {i}: ember gives none"
        g, w = g.numpy(), w.numpy()
        if ignore_torch_nan:
            g, w = g[~np.isnan(w)], w[~np.isnan(w)]
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"gradient {i}")


# ---- the database's entries -------------------------------------------------------------------------

NN_MODULES = (op_db_conv, op_db_pool, op_db_norm)


@pytest.mark.parametrize("entry,index", list(cases(NN_MODULES)))
@pytest.mark.parametrize("layout", ["contiguous", "noncontiguous"])
def test_gradcheck(entry, index, layout):
    check_gradcheck(entry, index, layout == "noncontiguous")


@pytest.mark.parametrize("entry,index", list(cases(NN_MODULES)))
def test_torch_parity(entry, index):
    check_torch_parity(entry, index)


def missing_rules(names):
    """The functions / Tensor methods among `names` that no rule differentiates yet."""
    missing = []
    for name in names:
        if name.startswith("Tensor."):
            obj = vars(ember.Tensor).get(name[len("Tensor."):])
        else:
            obj = getattr(ember, name, None)
        if obj is None or not has_rule(obj):
            missing.append(name)
    return missing


# What the composites of nn/functional/composites.py are built from (other families' rules).
_COMPOSITE_OPS = ("where", "clamp", "log", "exp", "sigmoid", "rsqrt", "minimum", "index_add", "cat", "sum", "mean",
                  "abs", "pow", "sqrt", "gather", "amax", "amin", "softmax", "Tensor.unsqueeze", "Tensor.narrow",
                  "Tensor.squeeze", "Tensor.permute", "Tensor.expand", "Tensor.transpose", "Tensor.repeat",
                  "Tensor.chunk", "Tensor.max", "Tensor.min", "Tensor.reshape", "Tensor._copy_out_of_place",
                  "Tensor.__truediv__", "Tensor.__neg__", "Tensor.__rsub__", "Tensor.__pow__")


# Composite samples where finite differences can't judge the gradient: a clamp at eps far below
# the differencing step (zero vectors), the Stirling term's switch at target 1, a variance of
# 0 that the step makes negative. They are compared with torch.
_COMPOSITE_NO_GRADCHECK = ("zero rows", "zero vector", "full", "clamped var")
# Where torch's target gradient is nan (log of a zero count) and the composite's finite.
_COMPOSITE_TORCH_NAN = ("full",)


@pytest.mark.parametrize("entry,index", list(cases([op_db_nn_extra])))
@pytest.mark.parametrize("layout", ["contiguous", "noncontiguous"])
def test_composite_gradcheck(entry, index, layout):
    if sample_of(entry, index).name.startswith(_COMPOSITE_NO_GRADCHECK):
        pytest.skip("finite differences can't judge this sample: compared with torch")
    check_gradcheck(entry, index, layout == "noncontiguous", missing_rules(_COMPOSITE_OPS))


@pytest.mark.parametrize("entry,index", list(cases([op_db_nn_extra])))
def test_composite_torch_parity(entry, index):
    nan_ok = sample_of(entry, index).name.startswith(_COMPOSITE_TORCH_NAN)
    check_torch_parity(entry, index, missing_rules(_COMPOSITE_OPS), ignore_torch_nan=nan_ok)


def test_composites_run_with_every_rule_present():
    """Reminder in the report when other families' rules are absent from this tree."""
    missing = missing_rules(_COMPOSITE_OPS)
    if missing:
        pytest.skip(f"composites' gradient checks skip where they fail: no rule yet for {', '.join(missing)}")


# ---- helpers ---------------------------------------------------------------------------------------

def rand(*shape, low=-1.0, high=1.0, seed=0, requires_grad=True):
    rng = np.random.default_rng(seed + sum(shape))
    t = ember.tensor(rng.uniform(low, high, size=shape), dtype=F64)
    return t.requires_grad_() if requires_grad else t


def noncontig(t):
    """The same values, every other element of a larger buffer along the last dim."""
    buf = ember.zeros(list(t.shape[:-1]) + [2 * t.shape[-1]], dtype=t.dtype)
    with ember.no_grad():
        buf[..., ::2] = t.detach()
    v = buf[..., ::2]
    assert not v.is_contiguous()
    return v.requires_grad_() if t.requires_grad else v


def torch_grads(fn_torch, arrays, cot):
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = fn_torch(torch, *ts)
    out.backward(torch.tensor(cot))
    return [t.grad.numpy() if t.grad is not None else None for t in ts]


def ember_grads(fn, tensors, cot):
    out = fn(*tensors)
    grads = ember.autograd.grad(out, tensors, ember.tensor(cot, dtype=out.dtype), allow_unused=True)
    return [None if g is None else g.numpy() for g in grads]


# ---- convolutions: the brief's variants, one input needing grad, non-contiguous ------------------------

CONV2D = [dict(), dict(stride=2), dict(padding=1), dict(dilation=2), dict(padding="same"),
          dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2)), dict(groups=2), dict(padding="valid")]


@pytest.mark.parametrize("kw", CONV2D, ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_variants(kw, bias):
    cin = 2
    x, w = rand(1, cin, 5, 5), rand(4 if kw.get("groups") else 3, cin // kw.get("groups", 1), 3, 3)
    b = rand(w.shape[0]) if bias else None
    inputs = (x, w, b) if bias else (x, w)
    assert gradcheck(lambda *a: F.conv2d(*a, **kw), inputs)


@pytest.mark.parametrize("which", [0, 1, 2])
def test_conv2d_only_one_input_requires_grad(which):
    x, w, b = (rand(1, 2, 5, 5, requires_grad=which == 0), rand(3, 2, 3, 3, requires_grad=which == 1),
               rand(3, requires_grad=which == 2))
    out = F.conv2d(x, w, b, padding=1)
    out.sum().backward()
    for i, t in enumerate((x, w, b)):
        assert (t.grad is not None) == (i == which)
    assert gradcheck(lambda t: F.conv2d(*[t if i == which else a for i, a in enumerate((x, w, b))], padding=1),
                     ((x, w, b)[which],))


def test_conv_noncontiguous_and_unbatched():
    x, w = noncontig(rand(2, 5, 5)), noncontig(rand(3, 2, 3, 3))
    assert gradcheck(lambda x, w: F.conv2d(x, w, padding=1), (x, w))
    x1, w1 = noncontig(rand(2, 7)), rand(3, 2, 3)
    assert gradcheck(lambda x, w: F.conv1d(x, w, stride=2), (x1, w1))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, output_padding=1), dict(padding=1, dilation=2),
                                dict(groups=2)], ids=str)
def test_conv_transpose_variants(kw):
    x, w = rand(1, 2, 3, 3), rand(2, 1 if kw.get("groups") else 2, 2, 2)
    b = rand(w.shape[1] * kw.get("groups", 1))
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw), (x, w, b))
    x1, w1 = rand(1, 2, 4), rand(2, 1 if kw.get("groups") else 3, 3)
    assert gradcheck(lambda x, w: F.conv_transpose1d(x, w, **kw), (x1, w1))


def test_top_level_convs_are_the_functional_ones():
    for name in ("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d",
                 "avg_pool1d", "adaptive_avg_pool1d"):
        assert getattr(ember, name) is getattr(F, name)
    for name in ("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "avg_pool1d", "adaptive_avg_pool1d",
                 "_max_pool1d_with_indices", "_max_pool2d_with_indices"):  # max pools: through these
        assert op_of(getattr(F, name)).lookup(RULES) is not None


# ---- pools -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=2, dilation=2), dict(kernel_size=2, ceil_mode=True)], ids=str)
def test_max_pool_with_and_without_indices(kw):
    x = rand(1, 2, 5, 5)
    assert gradcheck(lambda x: F.max_pool2d(x, **kw), (x,))
    assert gradcheck(lambda x: F.max_pool2d(x, return_indices=True, **kw)[0], (x,))
    x1 = noncontig(rand(2, 2, 7))
    assert gradcheck(lambda x: F.max_pool1d(x, **kw), (x1,))
    out, idx = F.max_pool2d(x, return_indices=True, **kw)
    assert out.requires_grad and not idx.requires_grad


def test_max_pool_positional_return_indices():
    x = rand(1, 1, 4, 4)
    out = F.max_pool2d(x, 2, 2, 0, 1, False, False)
    g, = ember.autograd.grad(out.sum(), x)
    assert g.sum().item() == 4.0
    assert gradcheck(lambda x: F.adaptive_max_pool2d(x, (2, 3)), (x,))
    x1 = rand(1, 5)
    assert gradcheck(lambda x: F.adaptive_max_pool1d(x, 3, True)[0], (x1,))


@pytest.mark.parametrize("kw", [dict(count_include_pad=False), dict(ceil_mode=True), dict(divisor_override=3)],
                         ids=str)
def test_avg_pool_options(kw):
    x = rand(1, 2, 5, 5)
    assert gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, **kw), (x,))
    if "divisor_override" not in kw:
        assert gradcheck(lambda x: F.avg_pool1d(x, 3, 2, 1, **kw), (rand(2, 5),))


@pytest.mark.parametrize("mode,kw", [("nearest", {}), ("nearest-exact", {}), ("bilinear", dict(align_corners=True)),
                                     ("bilinear", dict(align_corners=False)), ("area", {})])
def test_interpolate_modes(mode, kw):
    x = noncontig(rand(1, 2, 3, 4))
    assert gradcheck(lambda x: F.interpolate(x, size=(5, 3), mode=mode, **kw), (x,))
    assert gradcheck(lambda x: F.interpolate(x, scale_factor=1.5, mode=mode, **kw), (x,))
    if mode in ("nearest", "bilinear"):
        up = F.upsample_nearest if mode == "nearest" else F.upsample_bilinear
        assert gradcheck(lambda x: up(x, scale_factor=2), (x,))


# ---- normalizations ------------------------------------------------------------------------------------

def test_batch_norm_training_updates_running_stats_in_forward_only():
    x, w, b = rand(4, 3, 2), rand(3), rand(3)
    rm, rv = ember.zeros(3, dtype=F64), ember.ones(3, dtype=F64)
    out = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.5)
    mean_after = rm.numpy().copy()
    assert not np.allclose(mean_after, 0)
    assert not rm.requires_grad and not rv.requires_grad
    out.sum().backward()
    np.testing.assert_array_equal(rm.numpy(), mean_after)
    assert rm.grad is None and rv.grad is None
    assert x.grad is not None and w.grad is not None and b.grad is not None
    assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=True), (x, w, b))


def test_batch_norm_eval_and_parity():
    x, w, b = rand(3, 2, 4), rand(2), rand(2)
    rm, rv = ember.tensor([0.1, -0.2], dtype=F64), ember.tensor([0.5, 2.0], dtype=F64)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), (x, w, b))
    cot = np.random.default_rng(2).standard_normal((3, 2, 4))
    for training in (True, False):
        got = ember_grads(lambda x, w, b: F.batch_norm(x, ember.tensor([0.1, -0.2], dtype=F64),
                                                       ember.tensor([0.5, 2.0], dtype=F64), w, b, training), (x, w, b),
                          cot)
        want = torch_grads(lambda torch, x, w, b: torch.nn.functional.batch_norm(
            x, torch.tensor([0.1, -0.2], dtype=torch.float64), torch.tensor([0.5, 2.0], dtype=torch.float64), w, b,
            training), [x.detach().numpy(), w.detach().numpy(), b.detach().numpy()], cot)
        for g, e in zip(got, want):
            np.testing.assert_allclose(g, e, rtol=1e-8, atol=1e-10)


def test_top_level_norms_embedding_dropout_are_recorded():
    """ember.batch_norm / layer_norm / group_norm / embedding / dropout take torch's argument
    order and call the nn.functional functions, whose rules record them."""
    for name in ("batch_norm", "layer_norm", "group_norm", "embedding", "dropout"):
        assert getattr(ember, name) is not getattr(F, name)
    x, w, b = rand(2, 4, 3), rand(4), rand(4)
    rm, rv = ember.zeros(4, dtype=F64), ember.ones(4, dtype=F64)
    assert gradcheck(lambda x, w, b: ember.batch_norm(x, w, b, rm, rv, True, 0.1, 1e-5, False), (x, w, b))
    assert ember.batch_norm(x, w, b, rm, rv, True, 0.1, 1e-5, False).grad_fn.name() == "BatchNormBackward0"
    assert gradcheck(lambda x, w, b: ember.layer_norm(x, [3], w, b), (x, rand(3), rand(3)))
    assert gradcheck(lambda x, w, b: ember.group_norm(x, 2, w, b), (x, w, b))
    weight = rand(5, 2)
    idx = ember.tensor([[0, 4], [4, 1]])
    assert gradcheck(lambda w: ember.embedding(w, idx), (weight,))
    g, = ember.autograd.grad(ember.embedding(weight, idx, 1).sum(), weight)
    np.testing.assert_array_equal(g.numpy()[:, 0], [1, 0, 0, 0, 2])
    ember.manual_seed(3)
    out = ember.dropout(x, 0.5, True)
    out.sum().backward()
    kept = (out.detach().numpy() != 0)
    np.testing.assert_allclose(x.grad.numpy(), kept * 2.0)


@pytest.mark.parametrize("shape,norm", [((2, 3, 4), [4]), ((2, 3, 4), [3, 4]), ((3, 5), 5)])
def test_layer_norm_noncontiguous(shape, norm):
    x = noncontig(rand(*shape))
    ns = [norm] if isinstance(norm, int) else norm
    w = rand(*ns)
    assert gradcheck(lambda x, w: F.layer_norm(x, norm, w, w * 0.5), (x, w))


def test_group_norm_without_affine_and_unbatched_channels():
    x = rand(2, 4)
    assert gradcheck(lambda x: F.group_norm(x, 2), (x,))
    w = rand(4)
    assert gradcheck(lambda x, w: F.group_norm(x, 4, w), (noncontig(rand(1, 4, 3)), w))


# ---- activations -------------------------------------------------------------------------------------

ACTIVATION_CALLS = {
    "gelu": dict(approximate="tanh"), "softplus": dict(beta=2.0, threshold=1.0), "elu": dict(alpha=0.5),
    "celu": dict(alpha=2.0), "leaky_relu": dict(negative_slope=0.2), "hardtanh": dict(min_val=-0.5, max_val=0.7),
    "threshold": dict(threshold=0.1, value=-2.0),
}


@pytest.mark.parametrize("name", sorted(op_db_norm.ACTIVATIONS))
def test_activation_noncontiguous_and_parameters(name):
    if missing_rules([name]) and name in ("sigmoid", "tanh"):
        pytest.skip(f"ember.{name}: the elementwise family's rule")
    x = noncontig(rand(3, 4, low=-3, high=3))
    kw = ACTIVATION_CALLS.get(name, {})
    fn = getattr(F, name)
    assert gradcheck(lambda x: fn(x, **kw), (x,))
    if name in ("gelu", "softplus", "elu", "celu", "leaky_relu", "hardtanh", "threshold"):
        torch = pytest.importorskip("torch")
        cot = np.random.default_rng(0).standard_normal((3, 4))
        got = ember_grads(lambda x: fn(x, **kw), [x], cot)
        want = torch_grads(lambda torch, x: getattr(torch.nn.functional, name)(x, **kw), [x.detach().numpy()], cot)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-10, atol=1e-12)


INPLACE = [("relu", {}), ("relu6", {}), ("leaky_relu", dict(negative_slope=0.1)), ("elu", dict(alpha=0.7)),
           ("celu", dict(alpha=1.5)), ("selu", {}), ("hardtanh", dict(min_val=-0.5, max_val=0.5)),
           ("hardsigmoid", {}), ("threshold", dict(threshold=0.2, value=0.0))]


@pytest.mark.parametrize("name,kw", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_activations(name, kw):
    x = rand(3, 4, low=-3, high=3)
    fn = getattr(F, name)
    expected = ember_grads(lambda x: fn(x * 1.0, **kw), [x], np.ones((3, 4)))[0]
    y = x * 1.0
    out = fn(y, inplace=True, **kw)
    assert out is y and y.requires_grad
    g, = ember.autograd.grad(out.sum(), x)
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-12)
    if hasattr(F, name + "_"):
        y = x * 1.0
        out = getattr(F, name + "_")(y, *kw.values())
        g, = ember.autograd.grad(out.sum(), x)
        np.testing.assert_allclose(g.numpy(), expected, rtol=1e-12)
    with pytest.raises(RuntimeError, match="leaf"):
        fn(rand(2, 2), inplace=True, **kw)


@pytest.mark.parametrize("name", ["silu", "mish", "hardswish", "relu", "elu", "leaky_relu", "hardtanh"])
def test_inplace_activation_matches_out_of_place(name):
    x = rand(3, 4, low=-2, high=2)
    fn = getattr(F, name)
    g_ref, = ember.autograd.grad(fn(x * 2.0).sum(), x)
    h = x * 2.0
    out = fn(h, inplace=True)
    assert out is h
    g, = ember.autograd.grad(h.sum(), x)
    np.testing.assert_allclose(g.numpy(), g_ref.numpy(), rtol=1e-12)


def test_inplace_activation_on_a_leaf_refuses_before_writing():
    x = rand(3)
    before = x.detach().clone()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.relu(x, inplace=True)
    np.testing.assert_array_equal(x.detach().numpy(), before.numpy())


def test_inplace_activation_bumps_version_of_saved_tensor():
    x = rand(3)
    y = x.exp()
    F.relu_(y)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# ---- attention ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [dict(), dict(is_causal=True), dict(scale=0.3), dict(enable_gqa=True)], ids=str)
def test_sdpa_variants(kw):
    q, k, v = rand(1, 2, 3, 4), rand(1, 1 if kw.get("enable_gqa") else 2, 3, 4), rand(1, 1 if kw.get("enable_gqa") else 2, 3, 2)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw), (q, k, v))


def test_sdpa_float_mask_gets_a_gradient():
    q, k, v = rand(2, 3, 4), rand(2, 4, 4), noncontig(rand(2, 4, 3))
    mask = rand(3, 4)
    assert gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), (q, k, v, mask))
    gqa_mask = rand(1, 3, 4)
    q2, k2, v2 = rand(1, 2, 3, 2), rand(1, 1, 4, 2), rand(1, 1, 4, 2)
    assert gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m, enable_gqa=True),
                     (q2, k2, v2, gqa_mask))
    bool_mask = ember.tensor(np.random.default_rng(0).uniform(size=(3, 4)) > 0.3)
    bool_mask[:, 0] = True
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=bool_mask), (q, k, v))


def test_sdpa_dropout_uses_the_results_mask():
    q, k, v = rand(2, 3, 4), rand(2, 4, 4), rand(2, 4, 3)
    mask = rand(3, 4)

    def fn(q, k, v, m):
        ember.manual_seed(5)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m, dropout_p=0.4)
    assert gradcheck(fn, (q, k, v, mask))
    # with dropout_p = 1 everything is dropped: output and gradients zero
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    out.sum().backward()
    assert not np.any(out.detach().numpy()) and not np.any(q.grad.numpy())


def test_sdpa_parity_with_mask_gradient():
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3), (3, 5))]
    cot = rng.standard_normal((2, 3, 3))
    got = ember_grads(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                      [ember.tensor(a, dtype=F64).requires_grad_() for a in arrays], cot)
    want = torch_grads(lambda torch, q, k, v, m: torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
                       arrays, cot)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12)


# ---- embedding ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [dict(), dict(padding_idx=1), dict(padding_idx=-1), dict(scale_grad_by_freq=True)],
                         ids=str)
def test_embedding(kw):
    idx = ember.tensor([[0, 1, 1], [3, 1, 4]])
    w = rand(5, 3)
    if not kw:  # padding_idx and scale_grad_by_freq shape the gradient on purpose
        assert gradcheck(lambda w: F.embedding(idx, w, **kw), (w,))
    cot = np.random.default_rng(0).standard_normal((2, 3, 3))
    got = ember_grads(lambda w: F.embedding(idx, w, **kw), [w], cot)[0]
    if "padding_idx" in kw:
        assert not np.any(got[kw["padding_idx"]])
    torch = pytest.importorskip("torch")
    want = torch_grads(lambda torch, w: torch.nn.functional.embedding(torch.tensor(idx.numpy()), w, **kw),
                       [w.detach().numpy()], cot)[0]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_embedding_max_norm_renormalises_and_differentiates():
    idx = ember.tensor([0, 2, 2])
    w = ember.tensor(np.arange(12.0).reshape(4, 3), dtype=F64).requires_grad_()
    out = F.embedding(idx, w, max_norm=1.0)
    np.testing.assert_allclose(np.linalg.norm(w.detach().numpy()[[0, 2]], axis=1) <= 1.0 + 1e-12, True)
    out.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [[1, 1, 1], [0, 0, 0], [2, 2, 2], [0, 0, 0]])


# ---- dropout --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,shape", [("dropout", (3, 4)), ("dropout1d", (2, 3, 4)), ("dropout1d", (3, 4)),
                                        ("dropout2d", (2, 3, 2, 2)), ("alpha_dropout", (3, 4))])
def test_dropout_backward_reuses_the_mask(name, shape):
    if name == "dropout1d" and len(shape) == 2 and missing_rules(["Tensor.unsqueeze", "Tensor.squeeze"]):
        pytest.skip("unbatched dropout1d needs the rules of unsqueeze and squeeze")
    x = rand(*shape, low=0.5, high=1.5)  # no zeros: a zero result is a dropped element
    fn = getattr(F, name)

    def run(x):
        ember.manual_seed(7)
        return fn(x, p=0.4, training=True)
    assert gradcheck(run, (x,))
    out = run(x)
    g, = ember.autograd.grad(out.sum(), x)
    if name != "alpha_dropout":
        kept = out.detach().numpy() != 0
        np.testing.assert_allclose(g.numpy(), kept / 0.6)
        assert 0 < kept.sum() < kept.size
    # the mask of the result, not a new draw: the same seed, the same mask
    ember.manual_seed(7)
    again = fn(x.detach(), p=0.4, training=True)
    np.testing.assert_array_equal(again.numpy(), out.detach().numpy())


def test_dropout_identity_cases():
    x = rand(3, 4)
    for out in (F.dropout(x, 0.5, training=False), F.dropout(x, 0.0), F.alpha_dropout(x, 0.5, training=False)):
        g, = ember.autograd.grad(out.sum(), x)
        np.testing.assert_array_equal(g.numpy(), np.ones((3, 4)))
    out = F.dropout(x, 1.0)
    g, = ember.autograd.grad(out.sum(), x)
    assert not np.any(g.numpy())


def test_dropout_inplace():
    if missing_rules(["Tensor._copy_out_of_place"]):
        pytest.skip("needs the rule of copy_ (views family)")
    x = rand(3, 4, low=0.5, high=1.5)
    y = x * 1.0
    ember.manual_seed(1)
    out = F.dropout(y, 0.5, inplace=True)
    assert out is y
    g, = ember.autograd.grad(out.sum(), x)
    np.testing.assert_allclose(g.numpy(), (out.detach().numpy() != 0) * 2.0)


# ---- pad and linear ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode,pad", [("constant", (1, 2)), ("constant", (1, 0, 2, 1)), ("constant", (-1, 2)),
                                      ("reflect", (2, 1)), ("reflect", (1, 1, 2, 0)), ("replicate", (2, 1, 0, 3)),
                                      ("replicate", (1, 2)), ("circular", (1, 2)), ("circular", (1, 1, 2, 1))],
                         ids=str)
def test_pad(mode, pad):
    x = noncontig(rand(1, 2, 3, 4) if len(pad) == 4 or mode == "constant" else rand(2, 3, 4))
    assert gradcheck(lambda x: F.pad(x, pad, mode=mode), (x,))
    cot = np.random.default_rng(0).standard_normal(tuple(F.pad(x.detach(), pad, mode=mode).shape))
    got = ember_grads(lambda x: F.pad(x, pad, mode=mode), [x], cot)[0]
    want = torch_grads(lambda torch, x: torch.nn.functional.pad(x, pad, mode=mode), [x.detach().numpy()], cot)[0]
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("xshape,wshape,bias", [((3, 4), (2, 4), True), ((4,), (2, 4), True),
                                                ((2, 3, 4), (5, 4), False), ((0, 4), (2, 4), True)], ids=str)
def test_linear(xshape, wshape, bias):
    x, w = rand(*xshape), rand(*wshape)
    b = rand(wshape[0]) if bias else None
    inputs = (x, w, b) if bias else (x, w)
    assert gradcheck(lambda *a: F.linear(*a), inputs)
    out = F.linear(*inputs)
    cot = np.random.default_rng(0).standard_normal(tuple(out.shape))
    got = ember_grads(lambda *a: F.linear(*a), list(inputs), cot)
    want = torch_grads(lambda torch, *a: torch.nn.functional.linear(*a), [t.detach().numpy() for t in inputs], cot)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


def test_linear_noncontiguous_weight():
    x = rand(3, 4)
    w = rand(4, 2).t()
    w = ember.tensor(w.detach().numpy(), dtype=F64)
    wt = w.t().contiguous().t().requires_grad_()
    assert not wt.is_contiguous()
    assert gradcheck(lambda x, w: F.linear(x, w), (noncontig(x), wt))


def test_bilinear_composite():
    missing = missing_rules(["Tensor.permute", "matmul", "Tensor.unsqueeze", "Tensor.__matmul__"])
    x1, x2, w, b = rand(3, 2), rand(3, 4), rand(2, 2, 4), rand(2)
    try:
        assert gradcheck(F.bilinear, (x1, x2, w, b))
    except (AssertionError, RuntimeError):
        if missing:
            pytest.skip(f"needs the rules of: {', '.join(missing)}")
        raise


# ---- a small CNN, end to end -----------------------------------------------------------------------------------

def _cnn(lib, x, target, params, running):
    Fn = lib.nn.functional
    conv_w, conv_b, bn_w, bn_b, fc_w, fc_b = params
    h = Fn.conv2d(x, conv_w, conv_b, padding=1)
    h = Fn.batch_norm(h, running[0], running[1], bn_w, bn_b, training=True)
    h = Fn.relu(h)
    h = Fn.max_pool2d(h, 2)
    h = Fn.linear(h.reshape(h.shape[0], -1), fc_w, fc_b)
    return Fn.cross_entropy(h, target)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_small_cnn_parameter_gradients_match_torch(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    shapes = [(4, 2, 3, 3), (4,), (4,), (4,), (3, 16), (3,)]
    values = [rng.standard_normal(s) * 0.5 for s in shapes]
    x = rng.standard_normal((2, 2, 4, 4))
    target = np.array([0, 2])
    edt = getattr(ember, dtype)
    tdt = getattr(torch, dtype)
    params = [ember.tensor(v, dtype=edt).requires_grad_() for v in values]
    running = [ember.zeros(4, dtype=edt), ember.ones(4, dtype=edt)]
    loss = _cnn(ember, ember.tensor(x, dtype=edt), ember.tensor(target), params, running)
    loss.backward()
    tparams = [torch.tensor(v, dtype=tdt, requires_grad=True) for v in values]
    trunning = [torch.zeros(4, dtype=tdt), torch.ones(4, dtype=tdt)]
    tloss = _cnn(torch, torch.tensor(x, dtype=tdt), torch.tensor(target), tparams, trunning)
    tloss.backward()
    tol = dict(rtol=1e-9, atol=1e-11) if dtype == "float64" else dict(rtol=2e-4, atol=1e-5)
    np.testing.assert_allclose(loss.item(), tloss.item(), **tol)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), **tol)
    for r, tr in zip(running, trunning):
        np.testing.assert_allclose(r.numpy(), tr.numpy(), **tol)


# ---- create_graph: derivatives of derivatives ---------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda x: F.pad(x, (1, 2, 0, 1)), lambda x: F.pad(x, (1, 1, 2, 0), mode="reflect"),
    lambda x: F.avg_pool2d(x, 2, 1, 1), lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
    lambda x: F.avg_pool1d(x.reshape(2, 3, 4), 3, 2, 1),
    lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), lambda x: F.interpolate(x, size=(3, 5)),
    lambda x: F.relu(x), lambda x: F.leaky_relu(x, 0.2), lambda x: F.hardtanh(x, -0.5, 0.5), lambda x: F.relu6(x * 4),
    lambda x: F.threshold(x, 0.1, 2.0), lambda x: F.max_pool2d(x, 2, 1), lambda x: F.max_pool1d(x.reshape(2, 3, 4), 2),
    lambda x: F.adaptive_max_pool2d(x, (2, 2)),
], ids=["pad", "pad_reflect", "avg_pool2d", "adaptive_avg_pool2d", "avg_pool1d", "bilinear", "nearest", "relu",
        "leaky_relu", "hardtanh", "relu6", "threshold", "max_pool2d", "max_pool1d", "adaptive_max_pool2d"])
def test_gradgradcheck_linear_backward(fn):
    x = rand(1, 2, 3, 4, low=-2, high=2)
    assert ember.autograd.gradgradcheck(fn, (x,))


def test_nll_loss_gradgradcheck():
    x = rand(4, 3)
    t = ember.tensor([0, 2, 1, 2])
    w = ember.tensor([0.5, 1.0, 2.0], dtype=F64)
    assert ember.autograd.gradgradcheck(lambda x: F.nll_loss(x, t, weight=w), (x,))
    assert ember.autograd.gradgradcheck(lambda x: F.nll_loss(x, t, reduction="none"), (x,))


@pytest.mark.parametrize("fn", [
    lambda x, w: F.conv_transpose2d(x, w[:, :, :2, :2], padding=1),
    lambda x, w: F.scaled_dot_product_attention(x, x, x) * w.sum(),
    lambda x, w: F.kl_div(x * w.sum(), x.detach().abs() / 4, reduction="sum"),
    lambda x, w: F.binary_cross_entropy(x * 0.2 + 0.5, x.detach() * 0.1 + 0.5) * w.sum(),
], ids=["conv_transpose2d", "sdpa", "kl_div", "binary_cross_entropy"])
def test_second_derivative_through_a_kernel_raises(fn):
    """The C++ backward kernels are differentiable once: a second backward that reaches one
    raises instead of leaving its terms out."""
    x, w = rand(1, 2, 3, 4), rand(2, 2, 3, 4)
    g, = ember.autograd.grad(fn(x, w).sum(), x, create_graph=True)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="differentiable once"):
        ember.autograd.grad((g * g).sum(), [x, w], allow_unused=True)
    # first derivatives are unchanged by create_graph
    g0, = ember.autograd.grad(fn(x, w).sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), g0.numpy())


_SMOOTH_ACTIVATIONS = [("gelu", {}), ("gelu", dict(approximate="tanh")), ("silu", {}),
                       ("softplus", dict(beta=2.0, threshold=3.0)), ("elu", dict(alpha=0.7)), ("selu", {}),
                       ("celu", dict(alpha=1.3)), ("logsigmoid", {}), ("softsign", {}), ("tanhshrink", {}),
                       ("mish", {}), ("hardswish", {}), ("hardsigmoid", {})]


@pytest.mark.parametrize("name,kw", _SMOOTH_ACTIVATIONS, ids=[f"{n}{kw}" for n, kw in _SMOOTH_ACTIVATIONS])
def test_activation_gradgradcheck(name, kw):
    """Under create_graph the activations' derivatives are ember ops: second derivatives against
    finite differences, and against torch's."""
    missing = missing_rules(["sigmoid", "tanh", "exp", "erf", "where", "abs", "Tensor.__truediv__",
                             "Tensor.__rtruediv__", "Tensor.__neg__", "Tensor.__rsub__"])
    # values away from the kinks (hardswish at +-3, softplus's switch at 1.5, elu & co. at 0)
    x = ember.tensor([[-3.7, -2.1, -0.6, 0.4], [1.1, 2.6, 3.4, -1.3]], dtype=F64).requires_grad_()
    fn = getattr(F, name)
    try:
        assert ember.autograd.gradgradcheck(lambda x: fn(x, **kw), (x,))
    except (AssertionError, RuntimeError):
        if missing:
            pytest.skip(f"needs the rules of: {', '.join(missing)}")
        raise
    torch = pytest.importorskip("torch")
    if name == "hardsigmoid":
        return  # torch has no second derivative of hardsigmoid
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    g, = torch.autograd.grad(getattr(torch.nn.functional, name)(tx, **kw).sum(), tx, create_graph=True)
    want, = torch.autograd.grad((g * g).sum(), tx)
    eg, = ember.autograd.grad(fn(x, **kw).sum(), x, create_graph=True)
    got, = ember.autograd.grad((eg * eg).sum(), x)
    # (torch's celu takes 1 / alpha in single precision)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6 if name == "celu" else 1e-10, atol=1e-12)


def test_shape_only_rules_ignore_later_inplace_changes_of_the_input():
    """pad, interpolate and the average pools need only the input's shape: an in-place change
    of the input after the op must not make their backward refuse."""
    x = rand(1, 2, 3, 4)
    for fn in (lambda h: F.interpolate(h, scale_factor=2), lambda h: F.pad(h, (1, 1)),
               lambda h: F.avg_pool2d(h, 2), lambda h: F.adaptive_avg_pool2d(h, 2)):
        h = x * 2.0
        out = fn(h)
        F.relu_(h)
        g, = ember.autograd.grad(out.sum(), x)
        assert tuple(g.shape) == (1, 2, 3, 4)


def test_inplace_activation_on_a_view_reaches_the_base():
    x = rand(3, 4, low=-2, high=2)
    h = x * 1.0
    F.silu(h[1], inplace=True)
    g, = ember.autograd.grad(h.sum(), x)
    xs = x.detach().numpy()
    sig = 1 / (1 + np.exp(-xs[1]))
    expected = np.ones_like(xs)
    expected[1] = sig * (1 + xs[1] * (1 - sig))
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-10)


def test_inplace_activation_under_create_graph():
    x = rand(3, 4, low=-2, high=2)
    h = x * 3.0
    out = F.leaky_relu(h, 0.2, inplace=True)
    g, = ember.autograd.grad(out.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), np.where(x.detach().numpy() > 0, 3.0, 0.6))


def test_max_pool_with_indices_needs_only_the_input_shape():
    x = rand(1, 1, 4, 4)
    h = x * 1.0
    out, idx = F.max_pool2d(h, 2, return_indices=True)
    F.relu_(h)
    g, = ember.autograd.grad(out.sum(), x)
    assert g.sum().item() == 4.0


_CONV_GRADGRAD = [("conv2d", dict(padding=1)), ("conv2d", dict(stride=2)), ("conv2d", dict(dilation=2, padding=1)),
                  ("conv2d", dict(padding="same")), ("conv2d", dict(groups=2, stride=(2, 1))),
                  ("conv1d", dict(stride=2, padding=1)), ("conv1d", dict(padding="same", dilation=2))]


@pytest.mark.parametrize("name,kw", _CONV_GRADGRAD, ids=[f"{n}{kw}" for n, kw in _CONV_GRADGRAD])
def test_conv_second_derivative(name, kw):
    """Under create_graph conv1d / conv2d's gradients are convolutions: a gradient penalty
    through a convolution works, checked with gradgradcheck and against torch."""
    missing = missing_rules(["Tensor.transpose", "Tensor.narrow", "cat", "Tensor.unsqueeze", "Tensor.squeeze"])
    if missing:
        pytest.skip(f"needs the rules of: {', '.join(missing)}")
    nd = 2 if name == "conv2d" else 1
    spatial = (5, 4) if nd == 2 else (6,)
    x = rand(1, 2, *spatial)
    w = rand(2, 1 if kw.get("groups") else 2, *(3,) * nd, seed=1)
    b = rand(2, seed=2)
    fn = getattr(F, name)
    assert ember.autograd.gradgradcheck(lambda x, w, b: fn(x, w, b, **kw), (x, w, b))
    torch = pytest.importorskip("torch")
    tx, tw, tb = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (x, w, b))
    tfn = getattr(torch.nn.functional, name)
    tg = torch.autograd.grad((tfn(tx, tw, tb, **kw) ** 2).sum(), [tx, tw], create_graph=True)
    want = torch.autograd.grad(sum((g * g).sum() for g in tg), [tx, tw, tb])
    eg = ember.autograd.grad((fn(x, w, b, **kw) * fn(x, w, b, **kw)).sum(), [x, w], create_graph=True)
    got = ember.autograd.grad((eg[0] * eg[0]).sum() + (eg[1] * eg[1]).sum(), [x, w, b])
    for g, e in zip(got, want):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-9, atol=1e-11)


def test_conv_gradient_penalty_unbatched():
    missing = missing_rules(["Tensor.transpose", "Tensor.narrow", "cat", "Tensor.unsqueeze", "Tensor.squeeze"])
    if missing:
        pytest.skip(f"needs the rules of: {', '.join(missing)}")
    x, w = rand(2, 4, 4), rand(3, 2, 2, 2, seed=1)
    assert ember.autograd.gradgradcheck(lambda x, w: F.conv2d(x, w, stride=2), (x, w))


_NORM_GRADGRAD = {
    "layer_norm": lambda x, w, b: F.layer_norm(x, [4], w, b),
    "layer_norm_2d": lambda x, w, b: F.layer_norm(x, [3, 4], w.reshape(1, 4).expand(3, 4), None),
    "group_norm": lambda x, w, b: F.group_norm(x, 1) + F.group_norm(x, 3) * w.sum() + b.sum(),
    "group_norm_affine": lambda x, w, b: F.group_norm(x.reshape(2, 4, 3), 2, w, b),
    "batch_norm_train": lambda x, w, b: F.batch_norm(x.reshape(2, 4, 3), None, None, w, b, training=True),
    "batch_norm_eval": lambda x, w, b: F.batch_norm(x.reshape(2, 4, 3), ember.tensor([0.1, 0.2, -0.3, 0.0], dtype=F64),
                                                    ember.tensor([1.5, 0.5, 1.0, 2.0], dtype=F64), w, b),
}


@pytest.mark.parametrize("name", sorted(_NORM_GRADGRAD))
def test_norm_second_derivative(name):
    """Under create_graph the normalizations' gradients are ember ops (mean, var, rsqrt):
    second derivatives against finite differences."""
    missing = missing_rules(["mean", "var", "rsqrt", "sum", "Tensor.reshape", "Tensor.expand"])
    if missing:
        pytest.skip(f"needs the rules of: {', '.join(missing)}")
    x, w, b = rand(2, 3, 4), rand(4, seed=1), rand(4, seed=2)
    assert ember.autograd.gradgradcheck(_NORM_GRADGRAD[name], (x, w, b))


@pytest.mark.parametrize("kw", [dict(), dict(padding_idx=2), dict(padding_idx=-1)], ids=str)
def test_embedding_second_derivative(kw):
    """embedding's weight gradient is linear in grad: differentiable again (a penalty on it)."""
    idx = ember.tensor([[0, 2, 2], [4, 1, 0]])
    w = rand(5, 3)
    assert ember.autograd.gradgradcheck(lambda w: F.embedding(idx, w, **kw) * F.embedding(idx, w, **kw), (w,))
