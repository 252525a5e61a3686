"""The CUDA backend against the CPU: the same inputs on both devices must give the same
results (within float tolerance; exactly for integers, booleans and random draws).

- every op of the op catalogue (op_catalogue.py: elementwise and reductions) and of the op
  database (op_db_<family>.py), forward in contiguous and non-contiguous layouts and backward;
- nn layers, losses and optimizers; a short training run of an MLP and of the demo's CNN
  giving the CPU's losses step by step; scaled dot-product attention;
- random numbers: the shared Philox generator draws the CPU's numbers on the GPU;
- mixing devices: CPU and CUDA tensors in one op raise an error naming both devices, while a
  0-dim CPU tensor and Python numbers mix freely.

Everything here needs a GPU and is skipped without one. The GPU is EMBER_TEST_DEVICE when it
names one (cuda:N), else cuda. A case the CUDA backend refuses with a clear "not implemented /
not supported on CUDA" error, or an empty kernel slot ("no kernel for device cuda"), is
reported as an expected failure naming the gap (pytest -rx lists them); any other difference
fails.
"""
import copy
import re
import warnings

import numpy as np
import pytest

import ember
from conftest import (DEFAULT_TOLERANCES, TEST_DEVICE, dtype_name, is_float, make_tensor, requires_cuda,
                      gpu_under_test, to_numpy)
from op_catalogue import base_shape, case_id, elementwise_cases, reduction_cases, take_view
from op_db import all_entries, as_tuple, ember_args, tensors_in
from test_autograd_op_db import ENTRIES as AUTOGRAD_ENTRIES, NOT_DIFFERENTIATED, _get, _grad_paths, _uncheckable
from test_autograd_op_db import _op as autograd_op

pytestmark = requires_cuda

DEV = TEST_DEVICE if gpu_under_test() else "cuda"
SEED = 20240607

# A CUDA kernel slot left empty ("op: no kernel for device cuda:0") or refused clearly.
_GAP = re.compile(r"(?i)(no kernel for device cuda|not (yet )?(implemented|supported|available)[^\n]*cuda|"
                  r"cuda[^\n]*not (yet )?(implemented|supported))")


@pytest.fixture(autouse=True)
def _float32_in_float32():
    """TF32 off: CUDA float32 matmuls must give float32 results to compare with the CPU's."""
    previous = ember.get_float32_matmul_precision()
    ember.set_float32_matmul_precision("highest")
    yield
    ember.set_float32_matmul_precision(previous)


# ---- moving values between the devices ------------------------------------------------------------

def to_dev(value, noncontiguous=False, memo=None):
    """A value with every ember tensor copied to the GPU (lists, tuples, dicts walked; a tensor
    met twice gives one copy, recorded in `memo` by the CPU tensor's id). With `noncontiguous`,
    tensors of 2+ dims get transposed storage and 1-dim ones every other element of a larger
    buffer (op_db's layouts), built on the GPU. Tensors that require grad give GPU leaves that do."""
    memo = {} if memo is None else memo
    if isinstance(value, ember.Tensor):
        if id(value) in memo:
            return memo[id(value)]
        t = value.detach().to(DEV)
        if noncontiguous and t.dim() > 0 and t.numel() > 1:
            if t.dim() >= 2:
                dims = list(range(t.dim()))[::-1]
                t = t.permute(dims).contiguous().permute(dims)
            else:
                buffer = ember.zeros((t.shape[0], 2), dtype=t.dtype, device=DEV)
                buffer[:, 0] = t
                t = buffer[:, 0]
        if value.requires_grad:
            t.requires_grad_(True)
        memo[id(value)] = t
        return t
    if isinstance(value, list):
        return [to_dev(v, noncontiguous, memo) for v in value]
    if isinstance(value, tuple):
        items = [to_dev(v, noncontiguous, memo) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, dict):
        return {k: to_dev(v, noncontiguous, memo) for k, v in value.items()}
    return value


def to_host(value):
    if isinstance(value, ember.Tensor):
        return value.detach().cpu()
    if isinstance(value, (list, tuple)):
        return [to_host(v) for v in value]
    return value


def flat(value):
    if isinstance(value, ember.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in flat(v)]
    return []


def assert_on_gpu(result, what):
    for t in flat(result):
        assert t.device.type == "cuda", f"{what}: a result is on {t.device}, expected {DEV}"


def close(got, want, rtol, atol, what):
    """CUDA result `got` against CPU result `want` (both ember tensors on the CPU, or other values)."""
    if not isinstance(want, ember.Tensor):
        if isinstance(want, (list, tuple)):
            assert isinstance(got, (list, tuple)) and len(got) == len(want), f"{what}: {got!r} vs {want!r}"
            for i, (g, w) in enumerate(zip(got, want)):
                close(g, w, rtol, atol, f"{what}[{i}]")
            return
        if isinstance(want, float) and np.isnan(want):
            assert isinstance(got, float) and np.isnan(got), f"{what}: {got!r}, the CPU gives nan"
        elif isinstance(want, float):
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)
        else:
            assert got == want, f"{what}: {got!r}, the CPU gives {want!r}"
        return
    assert isinstance(got, ember.Tensor), f"{what}: got {type(got).__name__}, the CPU gives a tensor"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, the CPU gives {want.dtype}"
    assert tuple(got.shape) == tuple(want.shape), f"{what}: shape {tuple(got.shape)}, the CPU gives " \
                                                  f"{tuple(want.shape)}"
    g, w = to_numpy(got), to_numpy(want)
    if not is_float(want.dtype):
        mismatch = np.flatnonzero(g.ravel() != w.ravel())
        assert mismatch.size == 0, (f"{what}: {mismatch.size} of {g.size} values differ; first at {mismatch[0]}: "
                                    f"{g.ravel()[mismatch[0]]!r} vs the CPU's {w.ravel()[mismatch[0]]!r}")
        return
    np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True,
                               err_msg=f"{what}: CUDA differs from the CPU ({dtype_name(want.dtype)})")


def tolerance(dtype, own=None, scale=2.0):
    """Twice the tolerance against the exact value (CPU and CUDA each within it), with a floor
    for float32 (CUDA's math functions and reduction orders are not the CPU's)."""
    base = DEFAULT_TOLERANCES.get(dtype, (0.0, 0.0))
    rtol, atol = (own or {}).get(dtype, (None, None))
    rtol = base[0] if rtol is None else rtol
    atol = base[1] if atol is None else atol
    if dtype == ember.float32:
        rtol, atol = max(rtol, 1e-5), max(atol, 1e-5)
    return rtol * scale, atol * scale


def run_on_gpu(fn, *args, **kwargs):
    """fn(*args, **kwargs) on GPU values; a clear 'not implemented on CUDA' error is an xfail."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    except (RuntimeError, NotImplementedError, TypeError) as e:
        if _GAP.search(str(e)):
            pytest.xfail(f"CUDA gap: {e}")
        raise


def quietly(fn, *args, **kwargs):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# ---- the op catalogue: elementwise ops and reductions ---------------------------------------------

def _catalogue_params(cases):
    return [pytest.param(op, dtype, sample, id=case_id(op.name, dtype, sample.name)) for op, dtype, sample in cases]


def _operand_pair(rng, domain, dtype, operand):
    """The same view of the same values on the CPU and on the GPU."""
    base = make_tensor(domain.sample(rng, base_shape(operand), dtype), dtype)
    array = to_numpy(base)
    cpu, _ = take_view(base, array, operand)
    gpu, _ = take_view(base.to(DEV), array, operand)
    return cpu, gpu


@pytest.mark.parametrize("op, dtype, sample", _catalogue_params(elementwise_cases()))
def test_elementwise_forward(op, dtype, sample, rng):
    pairs = [_operand_pair(rng, d, dtype, o) for d, o in zip(op.operand_domains(), sample.operands)]
    want = quietly(op.fn, ember, *[c for c, _ in pairs])
    got = run_on_gpu(op.fn, ember, *[g for _, g in pairs])
    assert_on_gpu(got, op.name)
    rtol, atol = tolerance(want.dtype, op.tol)
    close(got.cpu(), want, rtol, atol, f"{op.name} {sample.name}")


def _differentiable_elementwise():
    for op, dtype, sample in elementwise_cases():
        if dtype == ember.float64 and sample.name in ("contiguous", "broadcast_3x1_1x4", "stepped", "zero_dim"):
            yield op, dtype, sample


@pytest.mark.parametrize("op, dtype, sample", _catalogue_params(_differentiable_elementwise()))
def test_elementwise_backward(op, dtype, sample, rng):
    pairs = [_operand_pair(rng, d, dtype, o) for d, o in zip(op.operand_domains(), sample.operands)]
    cpu_in = [c.detach().clone().requires_grad_(True) for c, _ in pairs]
    gpu_in = [g.detach().clone().requires_grad_(True) for _, g in pairs]
    out = quietly(op.fn, ember, *cpu_in)
    if not out.requires_grad:
        pytest.skip(f"{op.name} is not differentiable")
    grad = ember.tensor(rng.standard_normal(tuple(out.shape)), dtype=out.dtype)
    want = quietly(ember.autograd.grad, out, cpu_in, grad, allow_unused=True)
    out_gpu = run_on_gpu(op.fn, ember, *gpu_in)
    got = run_on_gpu(ember.autograd.grad, out_gpu, gpu_in, grad.to(DEV), allow_unused=True)
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None:
            assert g is None
            continue
        close(g.cpu(), w, 1e-9, 1e-10, f"{op.name} {sample.name}: gradient of operand {i}")


@pytest.mark.parametrize("op, dtype, sample", _catalogue_params(reduction_cases()))
def test_reduction_forward(op, dtype, sample, rng):
    cpu, gpu = _operand_pair(rng, op.domain, dtype, sample.operand)
    kwargs = sample.kwargs(op)
    want = quietly(op.fn, ember, cpu, **kwargs)
    got = run_on_gpu(op.fn, ember, gpu, **kwargs)
    assert_on_gpu(got, op.name)
    rtol, atol = tolerance(want.dtype, op.tol)
    close(got.cpu(), want, rtol, atol, f"{op.name} {sample.name}")


def _reduction_backward_cases():
    for op, dtype, sample in reduction_cases():
        if dtype == ember.float64 and sample.name in ("all", "dim1", "dims0_2", "transposed_dim0", "parallel_dim0"):
            yield op, dtype, sample


@pytest.mark.parametrize("op, dtype, sample", _catalogue_params(_reduction_backward_cases()))
def test_reduction_backward(op, dtype, sample, rng):
    cpu, gpu = _operand_pair(rng, op.domain, dtype, sample.operand)
    kwargs = sample.kwargs(op)
    x_cpu = cpu.detach().clone().requires_grad_(True)
    x_gpu = gpu.detach().clone().requires_grad_(True)
    out = quietly(op.fn, ember, x_cpu, **kwargs)
    if not out.requires_grad:
        pytest.skip(f"{op.name} is not differentiable")
    grad = ember.tensor(rng.standard_normal(tuple(out.shape)), dtype=out.dtype)
    (want,) = ember.autograd.grad(out, [x_cpu], grad)
    out_gpu = run_on_gpu(op.fn, ember, x_gpu, **kwargs)
    (got,) = run_on_gpu(ember.autograd.grad, out_gpu, [x_gpu], grad.to(DEV))
    close(got.cpu(), want, 1e-9, 1e-10, f"{op.name} {sample.name}: gradient")


# ---- the op database -----------------------------------------------------------------------------

ENTRIES = all_entries()


def _entry_params(entries, dtypes=None):
    out = []
    for e in entries:
        for d in e.dtypes:
            if dtypes is None or d in dtypes:
                out.append(pytest.param(e, d, id=f"{e.name}-{dtype_name(d)}"))
    return out


def _call_seeded(entry, args, kwargs):
    ember.manual_seed(SEED)  # random ops draw the same numbers on both devices
    return entry.op(ember, *args, **kwargs)


@pytest.mark.parametrize("entry, dtype", _entry_params(ENTRIES))
def test_op_db_forward(entry, dtype):
    rng = np.random.default_rng(0)
    rtol, atol = tolerance(dtype, entry.tolerances)
    layouts = (False, True) if entry.noncontiguous else (False,)
    for sample in entry.samples(rng, dtype):
        for noncontiguous in layouts:
            cpu_args, cpu_kwargs = ember_args(sample, dtype)
            gpu_args, gpu_kwargs = to_dev(cpu_args, noncontiguous), to_dev(cpu_kwargs, noncontiguous)
            args, kwargs = ember_args(sample, dtype)  # fresh CPU inputs (some ops update theirs)
            want = quietly(_call_seeded, entry, args, kwargs)
            got = run_on_gpu(_call_seeded, entry, gpu_args, gpu_kwargs)
            what = f"{entry.name} sample {sample.name!r} ({'non-' if noncontiguous else ''}contiguous)"
            assert_on_gpu(got, what)
            want_t, got_t = as_tuple(want), as_tuple(to_host(got))
            assert len(got_t) == len(want_t), f"{what}: {len(got_t)} results, the CPU gives {len(want_t)}"
            for i, (g, w) in enumerate(zip(got_t, want_t)):
                if entry.compare is not None and isinstance(w, ember.Tensor):
                    # results right in more than one way (tied indices, eigenvector signs)
                    entry.compare(g, to_numpy(w).astype(np.float64) if is_float(w.dtype) else to_numpy(w),
                                  dtype, sample)
                    continue
                close(g, w, rtol, atol, f"{what}, result {i}")
            if entry.updates_inputs:  # running statistics
                for i, (g, w) in enumerate(zip(tensors_in((gpu_args, gpu_kwargs)), tensors_in((args, kwargs)))):
                    close(g.detach().cpu(), w.detach(), rtol, atol, f"{what}, updated input {i}")


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in AUTOGRAD_ENTRIES])
def test_op_db_backward(entry):
    """Gradients (float64) for a fixed random grad_output, CUDA against CPU, of the tensors the
    autograd tests differentiate (test_autograd_op_db's choice of arguments and samples)."""
    op = autograd_op(entry)
    rng = np.random.default_rng(2)
    checked = 0
    for sample in entry.samples(np.random.default_rng(0), ember.float64):
        if _uncheckable(entry, sample, for_torch=True):
            continue
        args, kwargs = ember_args(sample, ember.float64)
        paths = _grad_paths(sample, args, kwargs, NOT_DIFFERENTIATED.get(entry.name, ()))
        leaves = [_get(args, kwargs, p).requires_grad_(True) for p in paths]
        if not leaves:
            continue
        memo = {}
        gpu_args, gpu_kwargs = to_dev(args, memo=memo), to_dev(kwargs, memo=memo)
        gpu_leaves = [memo[id(t)] for t in leaves]
        ember.manual_seed(SEED)
        out = [o for o in flat(as_tuple(quietly(op, ember, *args, **kwargs)))
               if o.requires_grad and o.is_floating_point()]
        if not out or sum(o.numel() for o in out) == 0:
            continue
        grads = [ember.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype) for o in out]
        try:
            want = quietly(ember.autograd.grad, out, leaves, grads, allow_unused=True)
        except RuntimeError:
            continue  # not differentiable at this sample on the CPU either
        ember.manual_seed(SEED)
        gpu_out = [o for o in flat(as_tuple(run_on_gpu(op, ember, *gpu_args, **gpu_kwargs)))
                   if o.requires_grad and o.is_floating_point()]
        assert len(gpu_out) == len(out), f"{entry.name} sample {sample.name!r}: differentiable results differ"
        got = run_on_gpu(ember.autograd.grad, gpu_out, gpu_leaves, [g.to(DEV) for g in grads], allow_unused=True)
        for i, (g, w) in enumerate(zip(got, want)):
            what = f"{entry.name} sample {sample.name!r}: gradient of input {i}"
            if w is None:
                assert g is None, what
                continue
            assert g is not None, f"{what}: None on CUDA"
            assert g.device.type == "cuda", what
            close(g.cpu(), w, 1e-8, 1e-9, what)
        checked += 1
    if checked == 0:
        pytest.skip(f"{entry.name}: no sample with differentiable results")


# ---- nn layers ------------------------------------------------------------------------------------

nn, F = ember.nn, ember.nn.functional

LAYERS = {
    "Linear": (lambda: nn.Linear(13, 7), (5, 13)),
    "Bilinear": (lambda: nn.Bilinear(4, 4, 3), None),
    "Conv1d": (lambda: nn.Conv1d(3, 5, 3, padding=1), (2, 3, 17)),
    "Conv2d": (lambda: nn.Conv2d(3, 8, 3, stride=2, padding=1), (2, 3, 15, 13)),
    "Conv2d_groups_dilation": (lambda: nn.Conv2d(4, 8, 3, groups=2, dilation=2), (2, 4, 12, 12)),
    "Conv3d": (lambda: nn.Conv3d(2, 4, 3, padding=1), (1, 2, 6, 7, 5)),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), (2, 4, 6, 5)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(6), (8, 6)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), (4, 3, 5, 5)),
    "BatchNorm2d_eval": (lambda: nn.BatchNorm2d(3).eval(), (4, 3, 5, 5)),
    "LayerNorm": (lambda: nn.LayerNorm(32), (4, 9, 32)),
    "GroupNorm": (lambda: nn.GroupNorm(2, 6), (3, 6, 4, 4)),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(3, affine=True), (2, 3, 6, 6)),
    "RMSNorm": (lambda: nn.RMSNorm(16), (3, 16)),
    "MaxPool2d": (lambda: nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 11, 9)),
    "AvgPool2d": (lambda: nn.AvgPool2d(2), (2, 3, 8, 8)),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    "Upsample_bilinear": (lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), (1, 2, 4, 5)),
    "Embedding": (lambda: nn.Embedding(20, 6, padding_idx=0), "indices"),
    "EmbeddingBag": (lambda: nn.EmbeddingBag(20, 6, mode="mean"), "bag"),
    "LSTM": (lambda: nn.LSTM(5, 8, num_layers=2, batch_first=True), (3, 7, 5)),
    "GRU": (lambda: nn.GRU(5, 8, bidirectional=True), (7, 3, 5)),
    "RNN": (lambda: nn.RNN(5, 8, nonlinearity="relu"), (7, 3, 5)),
    "MultiheadAttention": (lambda: nn.MultiheadAttention(16, 4, batch_first=True), "mha"),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0,
                                                                   batch_first=True), (2, 6, 16)),
    "PReLU": (lambda: nn.PReLU(3), (2, 3, 4)),
    "GELU_tanh": (lambda: nn.GELU(approximate="tanh"), (4, 10)),
    "SiLU": (lambda: nn.SiLU(), (4, 10)),
    "Softmax": (lambda: nn.Softmax(dim=-1), (4, 10)),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=1), (4, 10)),
    "Dropout": (lambda: nn.Dropout(0.3), (6, 40)),
    "Flatten_Linear": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(12, 3)), (5, 3, 4)),
}


def _layer_inputs(kind, rng):
    if kind == "indices":
        return (ember.tensor(rng.integers(0, 20, size=(4, 5))),)
    if kind == "bag":
        return (ember.tensor(rng.integers(0, 20, size=(10,))), ember.tensor([0, 3, 3, 7]))
    if kind == "mha":
        q = ember.tensor(rng.standard_normal((2, 5, 16)), dtype=ember.float32)
        k = ember.tensor(rng.standard_normal((2, 7, 16)), dtype=ember.float32)
        return (q, k, k)
    if kind is None:
        return tuple(ember.tensor(rng.standard_normal((5, 4)), dtype=ember.float32) for _ in range(2))
    return (ember.tensor(rng.standard_normal(kind), dtype=ember.float32),)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_nn_layer(name, rng):
    make, kind = LAYERS[name]
    ember.manual_seed(SEED)
    layer = make()
    gpu_layer = copy.deepcopy(layer).to(DEV)
    for p in gpu_layer.parameters():
        assert p.device.type == "cuda", f"{name}: a parameter stayed on {p.device}"
    inputs = [x.requires_grad_(True) if x.is_floating_point() else x for x in _layer_inputs(kind, rng)]
    gpu_inputs = to_dev(inputs)
    ember.manual_seed(SEED)
    out = [o for o in flat(layer(*inputs)) if o.is_floating_point()]
    ember.manual_seed(SEED)
    gpu_out = [o for o in flat(run_on_gpu(gpu_layer, *gpu_inputs)) if o.is_floating_point()]
    assert len(gpu_out) == len(out)
    for i, (g, w) in enumerate(zip(gpu_out, out)):
        assert g.device.type == "cuda"
        close(g.detach().cpu(), w.detach(), 1e-4, 1e-5, f"{name}: output {i}")
    grads = [ember.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype) for o in out]
    ember.autograd.backward([o for o in out if o.requires_grad], [g for o, g in zip(out, grads) if o.requires_grad])
    run_on_gpu(ember.autograd.backward, [o for o in gpu_out if o.requires_grad],
               [g.to(DEV) for o, g in zip(gpu_out, grads) if o.requires_grad])
    for (pname, p), gp in zip(layer.named_parameters(), gpu_layer.parameters()):
        if p.grad is None:
            assert gp.grad is None, f"{name}: {pname} has a CUDA gradient only"
            continue
        close(gp.grad.cpu(), p.grad, 1e-4, 1e-5, f"{name}: gradient of {pname}")
    for i, (x, gx) in enumerate(zip(inputs, gpu_inputs)):
        if isinstance(x, ember.Tensor) and x.grad is not None:
            close(gx.grad.cpu(), x.grad, 1e-4, 1e-5, f"{name}: gradient of input {i}")
    for (bname, b), gb in zip(layer.named_buffers(), gpu_layer.buffers()):
        close(gb.cpu(), b, 1e-5, 1e-6, f"{name}: buffer {bname}")


# ---- losses -----------------------------------------------------------------------------------------

def _logits(rng, *shape):
    return ember.tensor(rng.standard_normal(shape), dtype=ember.float32)


LOSSES = {
    "cross_entropy": lambda r: (F.cross_entropy, (_logits(r, 8, 5), ember.tensor(r.integers(0, 5, 8))), {}),
    "cross_entropy_weight_ignore_smooth": lambda r: (
        F.cross_entropy, (_logits(r, 8, 5), ember.tensor(np.r_[r.integers(0, 5, 7), -100])),
        dict(weight=ember.tensor(r.uniform(0.5, 2, 5), dtype=ember.float32), label_smoothing=0.1)),
    "cross_entropy_2d_probs": lambda r: (
        F.cross_entropy, (_logits(r, 2, 4, 3, 3), F.softmax(_logits(r, 2, 4, 3, 3), dim=1)), {}),
    "nll_loss": lambda r: (F.nll_loss, (F.log_softmax(_logits(r, 6, 4), 1), ember.tensor(r.integers(0, 4, 6))),
                           dict(reduction="sum")),
    "mse_loss": lambda r: (F.mse_loss, (_logits(r, 4, 6), _logits(r, 4, 6)), {}),
    "l1_loss": lambda r: (F.l1_loss, (_logits(r, 4, 6), _logits(r, 4, 6)), dict(reduction="none")),
    "smooth_l1_loss": lambda r: (F.smooth_l1_loss, (_logits(r, 4, 6), _logits(r, 4, 6)), dict(beta=0.5)),
    "huber_loss": lambda r: (F.huber_loss, (_logits(r, 4, 6), _logits(r, 4, 6)), dict(delta=0.7)),
    "binary_cross_entropy": lambda r: (
        F.binary_cross_entropy, (F.sigmoid(_logits(r, 5, 3)), ember.tensor(r.uniform(0, 1, (5, 3)),
                                                                             dtype=ember.float32)), {}),
    "binary_cross_entropy_with_logits": lambda r: (
        F.binary_cross_entropy_with_logits, (_logits(r, 5, 3), ember.tensor(r.uniform(0, 1, (5, 3)),
                                                                             dtype=ember.float32)),
        dict(pos_weight=ember.tensor([1.0, 2.0, 0.5]))),
    "kl_div": lambda r: (F.kl_div, (F.log_softmax(_logits(r, 4, 5), 1), F.softmax(_logits(r, 4, 5), 1)),
                         dict(reduction="batchmean")),
    "ctc_loss": lambda r: (
        F.ctc_loss, (F.log_softmax(_logits(r, 12, 2, 6), 2), ember.tensor(r.integers(1, 6, (2, 4))),
                     ember.tensor([12, 10]), ember.tensor([4, 3])), {}),
    "margin_ranking_loss": lambda r: (F.margin_ranking_loss, (_logits(r, 7), _logits(r, 7),
                                                              ember.tensor(np.sign(r.standard_normal(7)),
                                                                           dtype=ember.float32)), dict(margin=0.2)),
    "triplet_margin_loss": lambda r: (F.triplet_margin_loss, (_logits(r, 4, 8), _logits(r, 4, 8), _logits(r, 4, 8)),
                                      {}),
    "cosine_embedding_loss": lambda r: (F.cosine_embedding_loss, (_logits(r, 4, 8), _logits(r, 4, 8),
                                                                  ember.tensor([1, -1, 1, -1])), {}),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss(name, rng):
    fn, args, kwargs = LOSSES[name](rng)
    args = [a.requires_grad_(True) if isinstance(a, ember.Tensor) and a.is_floating_point() and i == 0 else a
            for i, a in enumerate(args)]
    gpu_args, gpu_kwargs = to_dev(args), to_dev(kwargs)
    want = fn(*args, **kwargs)
    got = run_on_gpu(fn, *gpu_args, **gpu_kwargs)
    assert got.device.type == "cuda"
    close(got.detach().cpu(), want.detach(), 1e-4, 1e-5, f"{name}: value")
    grad = ember.ones_like(want)
    want.backward(grad)
    got.backward(grad.to(DEV))
    close(gpu_args[0].grad.cpu(), args[0].grad, 1e-4, 1e-5, f"{name}: gradient")


# ---- optimizers ----------------------------------------------------------------------------------

OPTIMIZERS = {
    "SGD": lambda p: ember.optim.SGD(p, lr=0.1),
    "SGD_momentum_nesterov_wd": lambda p: ember.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2),
    "Adam": lambda p: ember.optim.Adam(p, lr=1e-2),
    "Adam_amsgrad": lambda p: ember.optim.Adam(p, lr=1e-2, amsgrad=True, weight_decay=1e-3),
    "AdamW": lambda p: ember.optim.AdamW(p, lr=1e-2, weight_decay=0.1),
    "RMSprop": lambda p: ember.optim.RMSprop(p, lr=1e-2, momentum=0.5, centered=True),
    "Adagrad": lambda p: ember.optim.Adagrad(p, lr=0.1),
    "Adadelta": lambda p: ember.optim.Adadelta(p),
    "Adamax": lambda p: ember.optim.Adamax(p, lr=1e-2),
    "NAdam": lambda p: ember.optim.NAdam(p, lr=1e-2),
    "RAdam": lambda p: ember.optim.RAdam(p, lr=1e-2),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_steps(name, rng):
    start = [rng.standard_normal((6, 5)), rng.standard_normal(5)]
    grads = [[rng.standard_normal(s.shape) for s in start] for _ in range(6)]
    finals = []
    for device in ("cpu", DEV):
        params = [ember.tensor(s, dtype=ember.float32, device=device).requires_grad_(True) for s in start]
        opt = OPTIMIZERS[name](params)
        for step in grads:
            opt.zero_grad()
            for p, g in zip(params, step):
                p.grad = ember.tensor(g, dtype=ember.float32, device=device)
            run_on_gpu(opt.step) if device != "cpu" else opt.step()
        finals.append([p.detach().cpu() for p in params])
        if device != "cpu":
            for state in opt.state.values():
                for v in state.values():
                    if isinstance(v, ember.Tensor) and v.dim() > 0:
                        assert v.device.type == "cuda", f"{name}: optimizer state on {v.device}"
    for i, (w, g) in enumerate(zip(*finals)):
        close(g, w, 1e-5, 1e-6, f"{name}: parameter {i} after 6 steps")


# ---- short training runs -------------------------------------------------------------------------

def _mlp():
    return nn.Sequential(nn.Linear(64, 48), nn.ReLU(), nn.Linear(48, 32), nn.Tanh(), nn.Linear(32, 10))


def _train_losses(make_model, images, labels, device, steps, optimizer):
    ember.manual_seed(SEED)
    model = make_model().to(device)
    opt = optimizer(model.parameters())
    losses = []
    for step in range(steps):
        lo = (step * 32) % (len(labels) - 32)
        x, y = images[lo:lo + 32].to(device), labels[lo:lo + 32].to(device)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_training_gives_the_cpu_losses(kind):
    from ember import demo
    images, labels = ember.datasets.load_digits()
    if kind == "mlp":
        make, x = _mlp, images.reshape(len(labels), -1)
        optimizer = lambda p: ember.optim.SGD(p, lr=0.05, momentum=0.9)  # noqa: E731
    else:
        make, x = demo.DigitsNet, images.unsqueeze(1)
        optimizer = lambda p: ember.optim.Adam(p, lr=3e-3)  # noqa: E731
    steps = 25
    cpu = _train_losses(make, x, labels, "cpu", steps, optimizer)
    gpu = run_on_gpu(_train_losses, make, x, labels, DEV, steps, optimizer)
    np.testing.assert_allclose(gpu, cpu, rtol=2e-3, atol=1e-4, err_msg=f"{kind}: losses per step")
    assert cpu[-1] < cpu[0]


def test_demo_trains_on_the_gpu():
    from ember import demo
    model, accuracy = demo.train(epochs=2, device=DEV, quiet=True)
    assert accuracy > 0.5 and next(model.parameters()).device.type == "cuda"


# ---- attention ------------------------------------------------------------------------------------

ATTENTION = [
    # (batch, heads, query length, key length, head dim, causal, mask, dtype)
    (2, 4, 16, 16, 64, False, None, ember.float32),
    (2, 4, 33, 33, 64, True, None, ember.float32),
    (1, 3, 8, 40, 80, False, "bool", ember.float32),
    (2, 2, 17, 9, 128, False, "float", ember.float32),
    (1, 2, 64, 64, 32, True, None, ember.float32),
    (2, 4, 128, 128, 64, True, None, ember.float16),
    (2, 4, 96, 96, 128, False, None, ember.bfloat16),
    (1, 1, 1, 5, 16, False, None, ember.float64),
]


@pytest.mark.parametrize("case", ATTENTION, ids=lambda c: f"b{c[0]}h{c[1]}q{c[2]}k{c[3]}d{c[4]}"
                         f"{'-causal' if c[5] else ''}{'-' + c[6] if c[6] else ''}-{dtype_name(c[7])}")
def test_scaled_dot_product_attention(case, rng):
    b, h, lq, lk, d, causal, mask_kind, dtype = case
    q, k, v = (ember.tensor(rng.standard_normal((b, h, n, d)) * 0.5, dtype=ember.float32).to(dtype)
               for n in (lq, lk, lk))
    mask = None
    if mask_kind == "bool":
        keep = rng.random((lq, lk)) < 0.7
        keep[:, 0] = True
        mask = ember.tensor(keep)
    elif mask_kind == "float":
        mask = ember.tensor(rng.standard_normal((b, 1, lq, lk)), dtype=dtype)
    inputs = [t.requires_grad_(True) for t in (q, k, v)]
    gpu_inputs = to_dev(inputs)
    kwargs = dict(attn_mask=mask, is_causal=causal)
    want = F.scaled_dot_product_attention(*inputs, **kwargs)
    got = run_on_gpu(F.scaled_dot_product_attention, *gpu_inputs, **to_dev(kwargs))
    assert got.device.type == "cuda"
    low = dtype in (ember.float16, ember.bfloat16)
    rtol, atol = {ember.float16: (5e-3, 5e-3), ember.bfloat16: (3e-2, 3e-2), ember.float64: (1e-10, 1e-12)}.get(
        dtype, (1e-4, 1e-5))
    close(got.detach().cpu(), want.detach(), rtol, atol, "attention output")
    grad = ember.tensor(rng.standard_normal(tuple(want.shape)), dtype=ember.float32).to(dtype)
    want.backward(grad)
    got.backward(grad.to(DEV))
    for name, x, gx in zip("qkv", inputs, gpu_inputs):
        close(gx.grad.cpu(), x.grad, rtol * (4 if low else 10), atol * (4 if low else 10), f"gradient of {name}")


# ---- random numbers ------------------------------------------------------------------------------

RANDOM = {
    "rand": lambda d: ember.rand(1000, device=d),
    "rand_float64": lambda d: ember.rand(300, dtype=ember.float64, device=d),
    "rand_half": lambda d: ember.rand(300, dtype=ember.float16, device=d),
    "randn": lambda d: ember.randn(33, 31, device=d),
    "randint": lambda d: ember.randint(-5, 17, (500,), device=d),
    "randperm": lambda d: ember.randperm(257, device=d),
    "bernoulli": lambda d: ember.bernoulli(ember.full((400,), 0.3, device=d)),
    "normal": lambda d: ember.normal(ember.zeros(100, device=d), ember.ones(100, device=d) * 2),
    "uniform_": lambda d: ember.empty(300, device=d).uniform_(-2, 3),
    "normal_": lambda d: ember.empty(300, device=d).normal_(1, 0.5),
    "exponential_": lambda d: ember.empty(300, device=d).exponential_(),
    "multinomial": lambda d: ember.multinomial(ember.tensor([0.1, 0.2, 0.3, 0.4], device=d), 50, replacement=True),
    "dropout": lambda d: F.dropout(ember.ones(1000, device=d), 0.4),
    "rand_like": lambda d: ember.rand_like(ember.zeros(7, 9, device=d)),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_numbers_equal_the_cpus(name):
    draws = []
    for device in ("cpu", DEV):
        ember.manual_seed(SEED)
        first = run_on_gpu(RANDOM[name], device) if device != "cpu" else RANDOM[name](device)
        second = ember.rand(8)  # the generator advanced by the same amount on either device
        draws.append((first.cpu(), second))
    (cpu, cpu_next), (gpu, gpu_next) = draws
    if is_float(cpu.dtype) and name not in ("rand", "rand_float64", "rand_half", "uniform_", "dropout", "rand_like"):
        close(gpu, cpu, 1e-5, 1e-6, name)  # transcendental transforms: a few ulp apart
    else:
        close(gpu, cpu, 0.0, 0.0, name)
    close(gpu_next, cpu_next, 0.0, 0.0, f"{name}: the draw after it")


def test_generator_objects_draw_the_same_numbers_on_both_devices():
    a = ember.randn(50, generator=ember.Generator().manual_seed(7))
    b = ember.randn(50, generator=ember.Generator().manual_seed(7), device=DEV)
    close(b.cpu(), a, 1e-5, 1e-6, "randn with a generator")


# ---- mixing devices -------------------------------------------------------------------------------

_MIXED = {
    "add": lambda a, b: a + b,
    "mul_": lambda a, b: a.mul_(b),
    "matmul": lambda a, b: a @ b,
    "cat": lambda a, b: ember.cat([a, b]),
    "where": lambda a, b: ember.where(a > 0, a, b),
    "maximum": lambda a, b: ember.maximum(a, b),
    "linear": lambda a, b: F.linear(a, b),
}


@pytest.mark.parametrize("name", sorted(_MIXED))
@pytest.mark.parametrize("order", ["cuda_first", "cpu_first"])
def test_mixing_devices_raises_naming_both(name, order):
    g = ember.ones(3, 3, device=DEV)
    c = ember.ones(3, 3)
    a, b = (g, c) if order == "cuda_first" else (c, g)
    with pytest.raises(RuntimeError) as excinfo:
        _MIXED[name](a, b)
    message = str(excinfo.value)
    assert "cpu" in message and "cuda" in message, message


def test_zero_dim_cpu_tensors_and_python_numbers_mix_freely():
    g = ember.arange(6, dtype=ember.float32, device=DEV).reshape(2, 3)
    s = ember.tensor(2.5)
    for out, want in [(g * s, np.arange(6).reshape(2, 3) * 2.5), (s + g, np.arange(6).reshape(2, 3) + 2.5),
                      (g - 1, np.arange(6).reshape(2, 3) - 1.0), (3 * g, np.arange(6).reshape(2, 3) * 3.0),
                      (ember.where(g > 2, g, s), np.where(np.arange(6).reshape(2, 3) > 2,
                                                          np.arange(6).reshape(2, 3), 2.5)),
                      (g.clamp(min=ember.tensor(1.0)), np.clip(np.arange(6).reshape(2, 3), 1.0, None)),
                      (g / ember.tensor(2), np.arange(6).reshape(2, 3) / 2.0)]:
        assert out.device.type == "cuda"
        np.testing.assert_allclose(to_numpy(out.cpu()), want, rtol=1e-6)
    g.add_(ember.tensor(1.0))
    g.mul_(2)
    np.testing.assert_allclose(to_numpy(g.cpu()), (np.arange(6).reshape(2, 3) + 1) * 2.0)
    assert (ember.tensor(True) & (g > 3)).device.type == "cuda"


def test_copies_across_devices_are_allowed():
    g = ember.zeros(4, device=DEV)
    g.copy_(ember.arange(4.0))
    c = ember.zeros(4)
    c.copy_(g * 2)
    np.testing.assert_array_equal(to_numpy(c), [0.0, 2.0, 4.0, 6.0])
    assert float(g.sum().item()) == 6.0
