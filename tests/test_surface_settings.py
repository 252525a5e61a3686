"""The settings, backends and import paths training scripts touch at start-up: determinism,
matmul precision, finfo/iinfo, ember.backends, compile and jit (eager), distributed and
nn.parallel, the cuda queries, and the predicates; torch 2.13 (CPU) is the oracle."""
import warnings

import pytest

import ember
import ember.nn as nn


def _torch():
    try:
        import torch
        return torch
    except ImportError:
        return None


def _libs():
    torch = _torch()
    return (ember,) if torch is None else (ember, torch)


# ---- determinism, matmul precision, threads ------------------------------------------------------

@pytest.fixture
def restore_settings():
    yield
    for m in _libs():
        m.use_deterministic_algorithms(False)
        m.set_float32_matmul_precision("highest")


def test_deterministic_algorithms_like_torch(restore_settings):
    for m in _libs():
        assert m.are_deterministic_algorithms_enabled() is False and m.get_deterministic_debug_mode() == 0
        m.use_deterministic_algorithms(True)
        assert m.are_deterministic_algorithms_enabled() and not m.is_deterministic_algorithms_warn_only_enabled()
        assert m.get_deterministic_debug_mode() == 2
        m.use_deterministic_algorithms(True, warn_only=True)
        assert m.get_deterministic_debug_mode() == 1 and m.is_deterministic_algorithms_warn_only_enabled()
        m.set_deterministic_debug_mode("error")
        assert m.get_deterministic_debug_mode() == 2
        m.set_deterministic_debug_mode(0)
        assert not m.are_deterministic_algorithms_enabled()
        with pytest.raises(RuntimeError, match="debug_mode"):
            m.set_deterministic_debug_mode("x")
        with pytest.raises(TypeError, match="mode"):
            m.use_deterministic_algorithms(1)


def test_deterministic_mode_gives_repeatable_scatter_add(restore_settings):
    ember.use_deterministic_algorithms(True)
    index = ember.randint(0, 4, (10000,))
    src = ember.randn(10000)
    a = ember.zeros(4).scatter_add(0, index, src)
    b = ember.zeros(4).scatter_add(0, index, src)
    assert ember.equal(a, b)


def test_float32_matmul_precision_like_torch(restore_settings):
    for m in _libs():
        assert m.get_float32_matmul_precision() == "highest" and m.backends.cuda.matmul.allow_tf32 is False
        m.set_float32_matmul_precision("high")
        assert m.get_float32_matmul_precision() == "high" and m.backends.cuda.matmul.allow_tf32 is True
        m.set_float32_matmul_precision("highest")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.set_float32_matmul_precision("bogus")
        assert caught and m.get_float32_matmul_precision() == "highest"
        with pytest.raises(AttributeError, match="Unknown attribute"):
            m.backends.cuda.matmul.no_such_switch = 1
    ember.backends.cuda.matmul.allow_tf32 = True  # torch refuses to mix this with the call above
    assert ember.get_float32_matmul_precision() == "high"
    ember.backends.cuda.matmul.allow_tf32 = False
    assert ember.get_float32_matmul_precision() == "highest"
    a, b = ember.randn(8, 8), ember.randn(8, 8)
    ember.set_float32_matmul_precision("medium")
    assert ember.equal(a @ b, ember.matmul(a, b))  # float32 arithmetic whatever the setting


def test_interop_threads():
    assert ember.get_num_interop_threads() >= 1
    ember.set_num_interop_threads(3)
    assert ember.get_num_interop_threads() == 3
    with pytest.raises(TypeError):
        ember.set_num_interop_threads(2.0)


# ---- finfo / iinfo -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["float32", "float64", "float16", "bfloat16"])
def test_finfo_matches_torch(name):
    f = ember.finfo(getattr(ember, name))
    assert f.dtype == name and f.min == -f.max and f.tiny == f.smallest_normal
    assert 1.0 + f.eps != 1.0
    torch = _torch()
    if torch is None:
        return
    g = torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(f, field) == getattr(g, field), field
        # dtype: torch's name, a str (ember's also compares equal to the dtype, as the array API asks)
        assert isinstance(getattr(f, field), type(getattr(g, field))), field
    assert repr(f) == repr(g)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    i = ember.iinfo(getattr(ember, name))
    assert i.dtype == name and i.max > 0
    torch = _torch()
    if torch is None:
        return
    j = torch.iinfo(getattr(torch, name))
    assert (i.bits, i.min, i.max, i.dtype, repr(i)) == (j.bits, j.min, j.max, j.dtype, repr(j))


def test_finfo_iinfo_defaults_and_errors():
    assert ember.finfo() == ember.finfo(ember.float32)
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.finfo().dtype == "float64"
    finally:
        ember.set_default_dtype(ember.float32)
    for m in _libs():
        with pytest.raises(TypeError, match="iinfo"):
            m.iinfo(m.float32)
        with pytest.raises(TypeError, match="finfo"):
            m.finfo(m.int32)
        with pytest.raises(TypeError, match="bool"):
            m.iinfo(m.bool)


# ---- backends -------------------------------------------------------------------------------------

def test_backends_answers():
    b = ember.backends
    assert b.cuda.is_built() is ember.cuda.is_built()
    assert b.cudnn.is_available() is False and b.cudnn.version() is None
    assert (b.cudnn.enabled, b.cudnn.benchmark, b.cudnn.deterministic, b.cudnn.allow_tf32) == (True, False, False, True)
    assert b.mps.is_available() is False and b.mps.is_built() is False
    assert b.mkldnn.is_available() is False and b.mkl.is_available() is False
    assert b.openmp.is_available() is True
    assert (b.opt_einsum.is_available(), b.opt_einsum.enabled, b.opt_einsum.strategy) == (False, False, None)
    assert b.cpu.get_cpu_capability() in ("AVX512", "AVX2", "DEFAULT")


def test_backend_switches_keep_assignments():
    cudnn = ember.backends.cudnn
    cudnn.benchmark = True
    cudnn.deterministic = True
    try:
        assert cudnn.benchmark and cudnn.deterministic
        with cudnn.flags(enabled=False):
            assert cudnn.enabled is False and cudnn.benchmark is False
        assert cudnn.enabled is True and cudnn.benchmark is True
    finally:
        cudnn.benchmark = cudnn.deterministic = False
    cuda = ember.backends.cuda
    assert cuda.flash_sdp_enabled()
    with cuda.sdp_kernel(enable_flash=False):
        assert not cuda.flash_sdp_enabled() and cuda.math_sdp_enabled()
    assert cuda.flash_sdp_enabled()


def test_cpu_capability_follows_the_kernel_choice():
    torch = _torch()
    if torch is not None and ember._C.build_info()["cpu_capability"] == "avx512":
        assert ember.backends.cpu.get_cpu_capability() == torch.backends.cpu.get_cpu_capability()


# ---- compile and jit -----------------------------------------------------------------------------

def _fresh_warnings():
    from ember import _compile
    _compile._warned.clear()


def test_compile_returns_the_model_and_warns_once():
    _fresh_warnings()
    model = nn.Linear(3, 2)
    with pytest.warns(UserWarning, match="eagerly"):
        compiled = ember.compile(model)
    assert compiled is model
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ember.compile(model, mode="max-autotune") is model  # warned once already

    @ember.compile
    def f(x):
        return x * 2

    @ember.compile(fullgraph=True, dynamic=False)
    def g(x):
        return x + 1

    assert f(ember.tensor(2.0)).item() == 4.0 and g(ember.tensor(2.0)).item() == 3.0
    with pytest.raises(RuntimeError, match="mode or options"):
        ember.compile(f, mode="default", options={})


def test_warn_always_repeats_the_warning():
    _fresh_warnings()
    ember.set_warn_always(True)
    try:
        for _ in range(2):
            with pytest.warns(UserWarning, match="eagerly"):
                ember.compile(lambda x: x)
    finally:
        ember.set_warn_always(False)
    assert ember.is_warn_always_enabled() is False


def test_jit_runs_eagerly():
    _fresh_warnings()
    jit = ember.jit
    model = nn.Linear(3, 2)
    with pytest.warns(UserWarning, match="TorchScript"):
        assert jit.script(model) is model
    assert jit.trace(model, ember.randn(1, 3)) is model

    @jit.script
    def h(x):
        return x.relu()

    @jit.ignore
    def skipped(x):
        return x

    @jit.ignore(drop=True)
    def dropped(x):
        return x

    assert h(ember.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]
    assert skipped(1) == 1 and dropped(2) == 2 and jit.unused(h) is h and jit.export(h) is h
    assert jit.is_scripting() is False and jit.is_tracing() is False
    assert issubclass(jit.ScriptModule, nn.Module) and not isinstance(model, jit.ScriptModule)
    assert jit.annotate(list, [1]) == [1]
    with pytest.raises(NotImplementedError, match="ember.save"):
        jit.save(model, "model.pt")


# ---- distributed and nn.parallel -----------------------------------------------------------------

def test_distributed_without_a_process_group():
    import importlib.util
    dist = ember.distributed
    assert dist.is_available() is (importlib.util.find_spec("mpi4py") is not None)
    assert dist.is_initialized() is False
    assert dist.is_nccl_available() is False
    if not ember.cuda.is_available():
        with pytest.raises(RuntimeError, match="no GPUs found"):
            dist.init_process_group("nccl")
    for fn in (dist.get_rank, dist.get_world_size, dist.barrier, lambda: dist.all_reduce(ember.ones(1))):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            fn()
    assert dist.ReduceOp.SUM.name == "SUM"
    from ember.nn.parallel import DistributedDataParallel
    with pytest.raises(ValueError, match="process group"):
        DistributedDataParallel(nn.Linear(2, 2))


def test_data_parallel_runs_the_module_like_torch_without_gpus():
    ember.manual_seed(0)
    model = nn.Linear(4, 3)
    dp = nn.DataParallel(model)
    x = ember.randn(5, 4)
    assert dp.module is model and dp.device_ids == []
    assert ember.equal(dp(x), model(x))
    assert list(dp.state_dict()) == ["module.weight", "module.bias"]
    assert ember.nn.parallel.DataParallel is nn.DataParallel
    assert ember.equal(ember.nn.parallel.data_parallel(model, x), model(x))
    loss = dp(x).sum()
    loss.backward()
    assert model.weight.grad is not None
    with pytest.raises(RuntimeError, match="device_ids"):
        nn.DataParallel(model, device_ids=[0, 1])
    torch = _torch()
    if torch is not None:
        assert list(torch.nn.DataParallel(torch.nn.Linear(4, 3)).state_dict()) == list(dp.state_dict())


# ---- cuda queries --------------------------------------------------------------------------------

@pytest.mark.skipif(ember.cuda.is_available(), reason="the answers of a machine without a GPU")
def test_cuda_queries_without_a_gpu_match_torch():
    for m in _libs():
        c = m.cuda
        assert c.is_available() is False and c.device_count() == 0
        c.manual_seed_all(1)
        c.manual_seed(1)
        c.empty_cache()
        assert c.memory_allocated() == 0 and c.max_memory_allocated() == 0 and c.memory_reserved() == 0
        assert c.is_bf16_supported() is False and c.is_initialized() is False
        with pytest.raises((AssertionError, RuntimeError)):
            c.get_device_name(0)
        with pytest.raises((AssertionError, RuntimeError)):
            c.get_device_properties(0)
    assert issubclass(ember.OutOfMemoryError, RuntimeError) and ember.cuda.OutOfMemoryError is ember.OutOfMemoryError


# ---- predicates ----------------------------------------------------------------------------------

PREDICATES = [
    lambda m: m.is_nonzero(m.tensor([0.0])),
    lambda m: m.is_nonzero(m.tensor([[3]])),
    lambda m: m.is_nonzero(m.tensor(float("nan"))),
    lambda m: m.is_same_size(m.ones(2), m.ones(2)),
    lambda m: m.ones(2).is_same_size(m.ones(3)),
    lambda m: [m.ones(1, dtype=d).is_signed() for d in (m.uint8, m.bool, m.int8, m.int64, m.float16, m.float32)],
    lambda m: m.is_signed(m.ones(1, dtype=m.uint8)),
    lambda m: (m.ones(2).get_device(), m.get_device(m.ones(2))),
    lambda m: (m.ones(2).is_cpu, m.ones(2).is_meta, m.ones(2).is_quantized, m.ones(2).is_nested,
               m.ones(2).is_mkldnn, m.ones(2).is_sparse_csr, m.ones(2).is_mps, m.ones(2).is_xpu),
    lambda m: (m.ones(2).is_shared(), m.ones(2).is_pinned(), m.ones(2).is_conj(), m.ones(2).is_neg()),
    lambda m: (m.is_conj(m.ones(2)), m.is_neg(m.ones(2)), m.is_floating_point(m.ones(2, dtype=m.int32))),
    lambda m: (m.is_storage(3), m.typename(3), m.typename(m.ones(2)).split(".")[-1],
               m.typename(m.ones(2, dtype=m.long)).split(".")[-1]),
]


@pytest.mark.parametrize("case", range(len(PREDICATES)))
def test_predicates_match_torch(case):
    results = [PREDICATES[case](m) for m in _libs()]
    assert all(r == results[0] for r in results), results


@pytest.mark.parametrize("make,exc", [
    (lambda m: m.is_nonzero(m.tensor([1, 2])), RuntimeError),
    (lambda m: m.is_nonzero(m.tensor([])), RuntimeError),
    (lambda m: m.is_floating_point(2.0), TypeError),
    (lambda m: m.is_signed(2), TypeError),
])
def test_predicate_errors_match_torch(make, exc):
    for m in _libs():
        with pytest.raises(exc):
            make(m)
