"""Gradients of every differentiable op of the op database (op_db.py, op_db_<family>.py).

For each entry with `differentiable=True` that runs in float64, and each of its samples
(within a cost budget, see `_selected_samples`):

- test_gradcheck: ember.autograd.gradcheck (backward against central differences) with
  respect to the tensors named by `Sample.grad_args` (None: every float tensor argument,
  those inside list arguments such as cat's included), with contiguous and with
  non-contiguous inputs;
- test_grad_matches_torch: when PyTorch is installed and the entry runs there, the
  gradients for a fixed random grad_output are PyTorch's (where the forward values agree:
  results right in more than one way, like eigenvector signs, have gradients that differ
  with them).

An op whose outputs do not require grad when its inputs do has no autograd rule (ops
without one are recorded as constants): the tests say so ("no autograd rule for <op>"), and
a gradient that is wrong because the graph does not reach an input says that too.
Ops whose gradients cannot be checked at all (random, integer or boolean results) carry
`differentiable=False` in their entry; samples at points where the op is not differentiable
(kinks, ties, rank drops) are listed in UNCHECKABLE_SAMPLES with the reason, tensor
arguments that are not differentiable by definition (class weights, running statistics,
labels) in NOT_DIFFERENTIATED, and ops that read one triangle of a matrix are differentiated
through the input transformation of WRAPPERS. Zero-size samples run backward and check the
gradients' shapes. The elementwise and reduction ops of op_catalogue.py have their own
autograd tests.
"""
import numpy as np
import pytest

import ember
from op_db import all_entries, as_tuple, ember_args, to_torch

DTYPE = ember.float64

# Each sample costs about (2 forward calls per input element + one backward per output
# element per input): samples above MAX_SAMPLE_COST are left out unless an entry has no
# cheaper one, and an entry stops taking samples past ENTRY_BUDGET.
MAX_SAMPLE_COST = 1000
ENTRY_BUDGET = 1200

# Samples whose gradient is not defined at the sample's point: {entry: {sample name: reason}}
# (a name ending in '*' matches every sample name it starts). Central differences across a
# kink, a tie, a rank drop or a domain boundary do not measure a derivative.
_KINKS = "values on the op's kinks, where the derivative is one-sided"
_TIES = "ties: the selected element switches between equal values"
UNCHECKABLE_SAMPLES = {
    **{name: {"kinks*": _KINKS} for name in ("softplus", "selu", "leaky_relu", "hardtanh", "relu6", "hardswish",
                                                "hardsigmoid", "relu", "elu", "celu", "gelu", "silu", "mish",
                                                "threshold")},
    "softplus": {"kinks*": _KINKS, "0-dim {'beta': 2.0, 'threshold': 3.0}": "beta * x is the threshold: the "
                 "switch to the linear branch"},
    "cummax": {"ties along rows": _TIES, "NaN propagates": "NaN values"},
    "cummin": {"ties along rows": _TIES, "NaN propagates": "NaN values"},
    "sort": {"ties*": _TIES, "nan*": "NaN values"},
    "msort": {"": _TIES},
    "median": {"nan rows": "NaN values", "all values with nan": "NaN values"},
    "nanmedian": {"nan rows": "NaN values", "all values with nan": "NaN values"},
    "quantile": {"nan row": "NaN values"},
    "logcumsumexp": {"infinities": "infinite values: no finite differences"},
    "nn.functional.normalize": {"zero rows (eps)": "zero rows sit on the max(norm, eps) kink"},
    "nn.functional.cosine_similarity": {"zero vector": "a zero vector sits on the max(norm, eps) kink"},
    "nn.functional.gaussian_nll_loss": {"clamped var": "zero variances sit on the clamp to eps"},
    "binary_cross_entropy": {"clamped logs": "probabilities 0 and 1 sit on the domain's boundary"},
    "linalg.eigh": {"repeated eigenvalues": "eigenvectors of a repeated eigenvalue are not unique"},
    "linalg.eigvalsh": {"repeated eigenvalues": "a repeated eigenvalue is not differentiable"},
    "linalg.svdvals": {"singular": "a repeated (zero) singular value"},
    "linalg.pinv": {"rank 1": "pinv is discontinuous at a rank-deficient matrix",
                    "hermitian": "hermitian=True reads one triangle of the input"},
    "linalg.svd": {"rank 1*": "repeated zero singular values", "zeros*": "repeated zero singular values",
                   "tall full=True": "the extra columns of U are not unique",
                   "wide full=True": "the extra rows of Vh are not unique"},
    "linalg.qr": {"tall complete": "the extra columns of Q are not unique (mode='complete', more rows than "
                  "columns)", "tall r": "mode='r' does not compute Q, which the derivative needs",
                  "wide r": "mode='r' does not compute Q, which the derivative needs",
                  "rank-deficient": "R has a zero on its diagonal: QR is not differentiable there"},
    "logdet": {"negative determinant": "the result is NaN", "singular": "the result is -inf"},
    "kl_div": {"zero target": "target 0 sits on the kink of xlogy(target, target)"},
    "nn.functional.poisson_nll_loss": {"full rate": "integer counts sit on the switch (target > 1) of the "
                                       "Stirling term", "full": "integer counts sit on the switch (target > 1) "
                                       "of the Stirling term"},
    "nn.functional.embedding": {"padding_idx": "the padding row gets no gradient by definition"},
}


def _uncheckable(entry, sample, for_torch=False):
    """Whether the sample is left out; the kinks are still compared with PyTorch, whose
    one-sided choices there ember follows."""
    for pattern, reason in UNCHECKABLE_SAMPLES.get(entry.name, {}).items():
        if sample.name == pattern or (pattern.endswith("*") and sample.name.startswith(pattern[:-1])):
            return not (for_torch and reason == _KINKS)
    return False


# Tensor arguments that are not differentiable by definition (as in PyTorch): {entry: keyword
# names and positions}. Class weights of the losses, running statistics, labels.
NOT_DIFFERENTIATED = {
    "nll_loss": ("weight",),
    "cross_entropy": ("weight",),
    "binary_cross_entropy": ("weight",),
    "binary_cross_entropy_with_logits": ("weight", "pos_weight"),
    "nn.functional.multi_margin_loss": ("weight",),
    "quantile": (1, "q"),
    "nanquantile": (1, "q"),
    "batch_norm": (1, 2, "running_mean", "running_var"),
    "nn.functional.instance_norm": ("running_mean", "running_var"),
    "nn.functional.soft_margin_loss": (1,),
    "nn.functional.hinge_embedding_loss": (1,),
}


def _symmetrized(op):
    """The op of a symmetric matrix built from any (PyTorch's gradcheck wrapper for Hermitian
    input): these ops read one triangle, so a perturbation of a single element is not
    symmetric and finite differences do not measure the gradient of the op."""
    def wrapped(lib, A, *args, **kwargs):
        return op(lib, (A + A.transpose(-2, -1)) * 0.5, *args, **kwargs)
    return wrapped


def _triangular_factor(op):
    """cholesky_solve(B, L) reads one triangle of L: differentiate the triangle only."""
    def wrapped(lib, B, L, *args, **kwargs):
        return op(lib, B, L.triu() if kwargs.get("upper", False) else L.tril(), *args, **kwargs)
    return wrapped


# Entries differentiated through an input transformation: {entry: op -> wrapped op}.
WRAPPERS = {
    "linalg.eigh": _symmetrized,
    "linalg.eigvalsh": _symmetrized,
    "linalg.cholesky": _symmetrized,
    "linalg.cholesky_ex": _symmetrized,
    "cholesky_solve": _triangular_factor,
}


ENTRIES = [e for e in all_entries() if e.differentiable and DTYPE in e.dtypes]


# ---- the differentiated arguments -----------------------------------------------------------------

def _float_tensor(v):
    return isinstance(v, ember.Tensor) and v.dtype == DTYPE


def _grad_paths(sample, args, kwargs, excluded=()):
    """Where the differentiated tensors are: ('a', i) for args[i], ('a', i, j) for element j
    of a list argument, ('k', name[, j]) for keyword arguments."""
    paths = []
    positions = range(len(args)) if sample.grad_args is None else sample.grad_args
    positions = [i for i in positions if i not in excluded]
    for i in positions:
        a = args[i]
        if _float_tensor(a):
            paths.append(("a", i))
        elif isinstance(a, (list, tuple)):
            paths.extend(("a", i, j) for j, t in enumerate(a) if _float_tensor(t))
    if sample.grad_args is None:
        for k, v in kwargs.items():
            if k in excluded:
                continue
            if _float_tensor(v):
                paths.append(("k", k))
            elif isinstance(v, (list, tuple)):
                paths.extend(("k", k, j) for j, t in enumerate(v) if _float_tensor(t))
    return paths


def _get(args, kwargs, path):
    container = args if path[0] == "a" else kwargs
    v = container[path[1]]
    return v[path[2]] if len(path) == 3 else v


def _substitute(args, kwargs, paths, values):
    """args and kwargs with the tensors at `paths` replaced by `values`."""
    args, kwargs = list(args), dict(kwargs)
    for path, value in zip(paths, values):
        container = args if path[0] == "a" else kwargs
        if len(path) == 2:
            container[path[1]] = value
        else:
            seq = list(container[path[1]])
            seq[path[2]] = value
            container[path[1]] = type(container[path[1]])(seq)
    return tuple(args), kwargs


def _flat_outputs(result, tensor_type):
    """The tensors of a result, lists of tensors (split, unbind) flattened."""
    out = []
    for r in as_tuple(result):
        if isinstance(r, (list, tuple)):
            out.extend(_flat_outputs(r, tensor_type))
        elif isinstance(r, tensor_type):
            out.append(r)
    return out


def _float_outputs(result, tensor_type=ember.Tensor):
    return [o for o in _flat_outputs(result, tensor_type) if o.is_floating_point()]


def _cost(entry, sample):
    args, kwargs = ember_args(sample, DTYPE)
    paths = _grad_paths(sample, args, kwargs, NOT_DIFFERENTIATED.get(entry.name, ()))
    inputs = [_get(args, kwargs, p) for p in paths]
    outputs = _float_outputs(_op(entry)(ember, *args, **kwargs))
    n_out = sum(o.numel() for o in outputs)
    return sum(2 * x.numel() + n_out for x in inputs)


_SELECTED = {}


def _selected_samples(entry, for_torch=False):
    """The entry's float64 samples within the cost budget (at least its cheapest one)."""
    key = (entry.name, for_torch)
    if key not in _SELECTED:
        _SELECTED[key] = _select(entry, for_torch)
    return _SELECTED[key]


def _select(entry, for_torch):
    samples = list(entry.samples(np.random.default_rng(0), DTYPE))
    samples = [s for s in samples if not _uncheckable(entry, s, for_torch)]
    costs = [_cost(entry, s) for s in samples]
    chosen, total = [], 0
    for s, c in zip(samples, costs):
        if c <= MAX_SAMPLE_COST and total + c <= ENTRY_BUDGET:
            chosen.append(s)
            total += c
    if not chosen and samples:
        chosen.append(samples[int(np.argmin(costs))])
    return chosen


def _leaves(inputs):
    """Leaf tensors requiring grad with the inputs' values and layouts (a detached view
    shares the storage and strides)."""
    return [x.detach().requires_grad_() for x in inputs]


def _describe(entry, sample, layout=None):
    where = f"{entry.name} sample {sample.name!r}"
    return f"{where} ({layout})" if layout else where


def _check_has_rule(entry, sample, fn, inputs, layout):
    outputs = fn(*inputs)
    if not outputs:
        return False  # nothing to differentiate (unbind of an empty dim)
    if not any(o.requires_grad for o in outputs):
        raise AssertionError(f"no autograd rule for {entry.name}: its output does not require grad when its "
                             f"inputs do ({_describe(entry, sample, layout)})")
    return True


def _unconnected(fn, inputs):
    """The indices of the inputs that no path of the graph joins to the outputs."""
    outputs = [o for o in fn(*inputs) if o.requires_grad]
    grads = ember.autograd.grad(outputs, inputs, [ember.ones_like(o) for o in outputs], allow_unused=True)
    return [i for i, g in enumerate(grads) if g is None]


def _hint(entry, fn, inputs):
    """Why a gradient may be wrong: inputs the graph does not reach (an op on their way has no
    rule and was recorded as a constant)."""
    try:
        unconnected = _unconnected(fn, inputs)
    except Exception as e:  # noqa: BLE001 - the hint must not hide the failure
        return f" (backward itself fails: {type(e).__name__}: {e})"
    if not unconnected:
        return ""
    return (f" (differentiated inputs {unconnected} are not connected to the outputs in the graph: no autograd "
            f"rule for {entry.name}, or for an op it is composed of, on their path)")


def _op(entry):
    wrapper = WRAPPERS.get(entry.name)
    return entry.op if wrapper is None else wrapper(entry.op)


def _function(entry, args, kwargs, paths):
    op = _op(entry)

    def fn(*xs):
        a, k = _substitute(args, kwargs, paths, xs)
        return tuple(_float_outputs(op(ember, *a, **k)))
    return fn


def _check_empty(entry, sample, fn, inputs, layout):
    """Zero-size inputs or outputs: nothing to differentiate numerically; backward must still
    run and give gradients of the inputs' shapes."""
    outputs = [o for o in fn(*inputs) if o.requires_grad]
    try:
        grads = ember.autograd.grad(outputs, inputs, [ember.zeros_like(o) for o in outputs], allow_unused=True)
    except Exception as e:  # noqa: BLE001 - any error of backward is the finding
        raise AssertionError(f"{_describe(entry, sample, layout)}: backward fails: {type(e).__name__}: {e}") from e
    for n, (g, x) in enumerate(zip(grads, inputs)):
        assert g is None or tuple(g.shape) == tuple(x.shape), (
            f"{_describe(entry, sample, layout)}: gradient {n} has shape {tuple(g.shape)}, expected "
            f"{tuple(x.shape)}")


# ---- gradcheck ------------------------------------------------------------------------------------

def _gradcheck_cases():
    cases = []
    for e in ENTRIES:
        layouts = ("contiguous", "non-contiguous") if e.noncontiguous else ("contiguous",)
        cases.extend(pytest.param(e, layout, id=f"{e.name}-{layout}") for layout in layouts)
    return cases


@pytest.mark.parametrize("entry,layout", _gradcheck_cases())
def test_gradcheck(entry, layout):
    checked = 0
    for sample in _selected_samples(entry):
        args, kwargs = ember_args(sample, DTYPE, noncontiguous=layout == "non-contiguous")
        paths = _grad_paths(sample, args, kwargs, NOT_DIFFERENTIATED.get(entry.name, ()))
        if not paths:
            continue
        inputs = _leaves([_get(args, kwargs, p) for p in paths])
        fn = _function(entry, args, kwargs, paths)
        if not _check_has_rule(entry, sample, fn, inputs, layout):
            continue
        if any(x.numel() == 0 for x in inputs) or all(o.numel() == 0 for o in fn(*inputs)):
            _check_empty(entry, sample, fn, inputs, layout)
            checked += 1
            continue
        try:
            ember.autograd.gradcheck(fn, inputs)
        except RuntimeError as e:  # GradcheckError, or an error of backward itself
            raise AssertionError(f"{_describe(entry, sample, layout)}{_hint(entry, fn, inputs)}: {e}") from None
        checked += 1
    if not checked:
        pytest.skip(f"{entry.name}: no sample with a float64 tensor to differentiate")


# ---- against PyTorch ------------------------------------------------------------------------------

def _torch_setup(torch, entry, sample):
    """The sample's ember arguments and differentiated paths, the PyTorch function of the
    differentiated tensors and its leaf inputs."""
    args, kwargs = ember_args(sample, DTYPE)
    paths = _grad_paths(sample, args, kwargs, NOT_DIFFERENTIATED.get(entry.name, ()))
    t_args = to_torch(torch, args)
    t_kwargs = {k: to_torch(torch, v) for k, v in kwargs.items()}
    t_inputs = [_get(t_args, t_kwargs, p).detach().clone().requires_grad_() for p in paths]

    op = _op(entry)

    def fn(*xs):
        a, k = _substitute(t_args, t_kwargs, paths, xs)
        return _float_outputs(op(torch, *a, **k), torch.Tensor)

    return args, kwargs, paths, fn, t_inputs


def _np(t):
    return t.detach().numpy() if not isinstance(t, ember.Tensor) else t.detach().numpy().copy()


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in ENTRIES if e.torch])
def test_grad_matches_torch(entry):
    torch = pytest.importorskip("torch")
    compared = 0
    for sample in _selected_samples(entry, for_torch=True):
        args, kwargs, paths, t_fn, t_inputs = _torch_setup(torch, entry, sample)
        if not paths:
            continue
        try:
            t_outputs = t_fn(*t_inputs)
        except (RuntimeError, NotImplementedError, TypeError):
            continue  # PyTorch does not run this sample
        inputs = _leaves([_get(args, kwargs, p) for p in paths])
        fn = _function(entry, args, kwargs, paths)
        if not _check_has_rule(entry, sample, fn, inputs, None):
            continue
        outputs = fn(*inputs)
        assert len(outputs) == len(t_outputs), f"{_describe(entry, sample)}: {len(outputs)} floating outputs, " \
                                               f"PyTorch gives {len(t_outputs)}"
        # Results that are right in more than one way (the signs of eigenvectors, indices of
        # ties) have gradients that differ with them: compare only where the values agree.
        if not all(tuple(o.shape) == tuple(t.shape) and np.allclose(_np(o), _np(t), rtol=1e-7, atol=1e-9)
                   for o, t in zip(outputs, t_outputs)):
            continue
        rng = np.random.default_rng(7)
        keep = [i for i, t in enumerate(t_outputs) if t.requires_grad]
        if not keep:
            continue
        seeds = [rng.uniform(-1, 1, tuple(t_outputs[i].shape)) for i in keep]
        try:
            expected = torch.autograd.grad([t_outputs[i] for i in keep], t_inputs,
                                           [torch.tensor(s) for s in seeds], allow_unused=True)
        except (RuntimeError, NotImplementedError):
            continue  # PyTorch does not differentiate this sample
        e_keep = [i for i in keep if outputs[i].requires_grad]
        if e_keep:
            try:
                actual = ember.autograd.grad([outputs[i] for i in e_keep], inputs,
                                             [ember.tensor(seeds[keep.index(i)], dtype=DTYPE) for i in e_keep],
                                             allow_unused=True)
            except Exception as e:  # noqa: BLE001 - any error of backward is the finding
                raise AssertionError(f"{_describe(entry, sample)}: backward fails: {type(e).__name__}: {e}") from e
        else:
            actual = [None] * len(inputs)
        missing = [i for i in keep if i not in e_keep]
        for n, (a, e) in enumerate(zip(actual, expected)):
            a = np.zeros(tuple(inputs[n].shape)) if a is None else _np(a)
            e = np.zeros(tuple(inputs[n].shape)) if e is None else _np(e)
            assert a.shape == e.shape, f"{_describe(entry, sample)}: gradient {n} has shape {a.shape}, " \
                                       f"PyTorch's {e.shape}"
            np.testing.assert_allclose(
                a, e, rtol=1e-6, atol=1e-8,
                err_msg=f"{_describe(entry, sample)}: gradient of differentiated input {n} differs from "
                        f"PyTorch's" + (f" (outputs {missing} do not require grad in ember)" if missing else "")
                        + _hint(entry, fn, inputs))
        compared += 1
    if not compared:
        pytest.skip(f"no sample of {entry.name} to compare with PyTorch")
