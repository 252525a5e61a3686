"""ember.cuda's runtime API: devices and their properties, streams, events, the caching
allocator's statistics and reuse, out-of-memory errors, seeding, the TF32 switch, pinned
batches.

The first part runs everywhere and checks what a build or machine without a GPU answers (as
torch does there) and the pieces that need no device; the second part needs a GPU and is
skipped cleanly without one.
"""
import collections
import subprocess
import sys

import numpy as np
import pytest

import ember
from conftest import cuda_available, requires_cuda, to_numpy

no_gpu = pytest.mark.skipif(cuda_available(), reason="the answers of a machine without a GPU")

_NEED_DEVICE = {
    "current_device": lambda c: c.current_device(),
    "set_device": lambda c: c.set_device(0),
    "synchronize": lambda c: c.synchronize(),
    "get_device_properties": lambda c: c.get_device_properties(0),
    "get_device_name": lambda c: c.get_device_name(),
    "get_device_capability": lambda c: c.get_device_capability(),
    "Stream": lambda c: c.Stream(),
    "Event": lambda c: c.Event(enable_timing=True),
    "current_stream": lambda c: c.current_stream(),
    "default_stream": lambda c: c.default_stream(),
    "device context": lambda c: c.device(0).__enter__(),
    "mem_get_info": lambda c: c.mem_get_info(),
    "memory_summary": lambda c: c.memory_summary(),
    "init": lambda c: c.init(),
    "initial_seed": lambda c: c.initial_seed(),
}


# ---- without a GPU ----------------------------------------------------------------------------------

@no_gpu
def test_no_gpu_queries_answer_like_torch():
    c = ember.cuda
    assert c.is_available() is False and c.device_count() == 0 and c.is_initialized() is False
    assert c.memory_allocated() == 0 and c.max_memory_allocated() == 0
    assert c.memory_reserved() == 0 and c.max_memory_reserved() == 0
    assert c.memory_stats() == {} and isinstance(c.memory_stats(), collections.OrderedDict)
    assert c.is_bf16_supported() is False and c.get_arch_list() == []
    assert c.is_current_stream_capturing() is False
    c.empty_cache()
    c.reset_peak_memory_stats()
    assert ember.backends.cuda.is_built() is c.is_built()


@no_gpu
def test_no_gpu_seeding_is_a_no_op():
    before = ember.get_rng_state()
    ember.cuda.manual_seed(5)
    ember.cuda.manual_seed_all(6)
    ember.cuda.seed()
    ember.cuda.seed_all()
    assert ember.equal(ember.get_rng_state(), before)


@no_gpu
@pytest.mark.parametrize("name", sorted(_NEED_DEVICE))
def test_no_gpu_device_calls_raise_a_clear_error(name):
    with pytest.raises(RuntimeError) as excinfo:
        _NEED_DEVICE[name](ember.cuda)
    message = str(excinfo.value)
    assert "CUDA" in message and ("not built with CUDA" in message or "no CUDA device" in message), message
    assert isinstance(excinfo.value, AssertionError)  # what torch raises in a build without CUDA


@no_gpu
def test_no_gpu_contexts_that_change_nothing_still_work():
    with ember.cuda.device(None), ember.cuda.device(-1), ember.cuda.stream(None):
        pass
    with ember.cuda.device_of(ember.zeros(2)):
        pass
    ember.cuda.set_stream(None)
    ember.cuda.set_device(-1)


@no_gpu
@pytest.mark.parametrize("make", [
    lambda: ember.zeros(2, device="cuda"),
    lambda: ember.ones(2, 3, device="cuda:0"),
    lambda: ember.tensor([1.0, 2.0], device="cuda"),
    lambda: ember.empty(4, device=ember.device("cuda", 0)),
    lambda: ember.randn(3, device="cuda"),
], ids=["zeros", "ones", "tensor", "empty", "randn"])
def test_no_gpu_creating_a_cuda_tensor_raises(make):
    with pytest.raises(RuntimeError, match="(?i)cuda"):
        make()


@no_gpu
@pytest.mark.parametrize("move", [lambda t: t.to("cuda"), lambda t: t.cuda(), lambda t: t.to(ember.device("cuda")),
                                  lambda t: t.to(device="cuda:0", dtype=ember.float64)],
                         ids=["to", "cuda", "to_device", "to_kwargs"])
def test_no_gpu_moving_to_cuda_raises_and_leaves_the_tensor(move):
    t = ember.arange(6, dtype=ember.float32).reshape(2, 3)
    with pytest.raises(RuntimeError, match="(?i)cuda"):
        move(t)
    assert t.device.type == "cpu" and not t.is_cuda
    np.testing.assert_array_equal(to_numpy(t), np.arange(6, dtype=np.float32).reshape(2, 3))


@no_gpu
def test_no_gpu_demo_refuses_cuda_with_a_clear_message():
    from ember import demo
    with pytest.raises(RuntimeError, match="--device cuda asked for a GPU"):
        demo.train(epochs=1, device="cuda", quiet=True)
    r = subprocess.run([sys.executable, "-m", "ember.demo", "--device", "cuda", "--epochs", "1", "--out", ""],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "asked for a GPU" in r.stderr


def test_out_of_memory_error_class():
    assert issubclass(ember.cuda.OutOfMemoryError, RuntimeError)
    assert ember.OutOfMemoryError is ember.cuda.OutOfMemoryError


@pytest.mark.parametrize("arg, index", [(0, 0), (3, 3), ("cuda:1", 1), (ember.device("cuda", 2), 2),
                                        ("cuda:0", 0)])
def test_device_arguments_name_an_index(arg, index):
    from ember.cuda._runtime import device_index
    assert device_index(arg) == index


@no_gpu
def test_a_cuda_device_without_an_index_is_the_current_one():
    from ember.cuda._runtime import device_index
    with pytest.raises(RuntimeError, match="current_device"):
        device_index("cuda")
    with pytest.raises(RuntimeError, match="current_device"):
        device_index(None)


@pytest.mark.parametrize("arg, exc", [("cpu", ValueError), (ember.device("cpu"), ValueError), (1.5, TypeError),
                                      (True, TypeError)])
def test_device_arguments_that_are_not_cuda_devices(arg, exc):
    from ember.cuda._runtime import device_index
    with pytest.raises(exc):
        device_index(arg)


def test_matmul_precision_and_allow_tf32_drive_the_cuda_switch(monkeypatch):
    calls = []
    monkeypatch.setattr(ember._C.cuda, "set_allow_tf32", calls.append, raising=False)
    previous = ember.get_float32_matmul_precision()
    try:
        ember.set_float32_matmul_precision("high")
        ember.set_float32_matmul_precision("highest")
        ember.backends.cuda.matmul.allow_tf32 = True
        assert ember.get_float32_matmul_precision() == "high"
        ember.backends.cuda.matmul.allow_tf32 = False
        ember.set_float32_matmul_precision("medium")
        assert ember.backends.cuda.matmul.allow_tf32 is True
    finally:
        ember.set_float32_matmul_precision(previous)
    assert calls[:5] == [True, False, True, False, True]


class _Pinnable:
    def __init__(self):
        self.pinned = False

    def pin_memory(self):
        p = _Pinnable()
        p.pinned = True
        return p


def test_pin_memory_walks_a_batch():
    from ember.utils.data._pin_memory import pin_memory
    Pair = collections.namedtuple("Pair", "a b")
    batch = {"x": [_Pinnable(), (_Pinnable(), "text")], "y": Pair(_Pinnable(), 3),
             "z": collections.OrderedDict(w=_Pinnable())}
    out = pin_memory(batch)
    assert out["x"][0].pinned and out["x"][1][0].pinned and out["x"][1][1] == "text"
    assert isinstance(out["y"], Pair) and out["y"].a.pinned and out["y"].b == 3
    assert isinstance(out["z"], collections.OrderedDict) and out["z"]["w"].pinned
    assert not batch["x"][0].pinned  # the originals are left alone


def test_loader_pins_batches_only_when_a_gpu_is_there(monkeypatch):
    from ember.utils.data import DataLoader, TensorDataset
    x, y = ember.arange(12.0).reshape(6, 2), ember.arange(6)
    pinned = []

    def fake_pin(self):
        pinned.append(tuple(self.shape))
        return self.clone()

    if not cuda_available():
        monkeypatch.setattr(ember.Tensor, "pin_memory", fake_pin, raising=False)
        batches = list(DataLoader(TensorDataset(x, y), batch_size=4, pin_memory=True))
        assert pinned == []  # no GPU: the batches stay as they were
        monkeypatch.setattr(ember.cuda, "is_available", lambda: True)
    else:
        monkeypatch.setattr(ember.Tensor, "pin_memory", fake_pin)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=4, pin_memory=True))
    assert pinned == [(4, 2), (4,), (2, 2), (2,)]
    np.testing.assert_array_equal(to_numpy(batches[1][0]), np.arange(8.0, 12.0).reshape(2, 2))
    pinned.clear()
    list(DataLoader(TensorDataset(x, y), batch_size=4, pin_memory=False))
    assert pinned == []


# ---- with a GPU ---------------------------------------------------------------------------------------

@requires_cuda
def test_device_queries():
    c = ember.cuda
    assert c.is_available() and c.device_count() >= 1
    assert 0 <= c.current_device() < c.device_count()
    p = c.get_device_properties(0)
    assert isinstance(p.name, str) and p.name and p.name == c.get_device_name(0) == c.get_device_name("cuda:0")
    assert p.total_memory > 2 ** 30 and p.multi_processor_count > 0 and p.warp_size == 32
    assert p.max_threads_per_block >= 1024 and p.L2_cache_size > 0 and p.shared_memory_per_block_optin >= 48 * 1024
    assert c.get_device_capability() == (p.major, p.minor) == c.get_device_capability(ember.device("cuda", 0))
    assert p.name in repr(p) and "multi_processor_count" in repr(p)
    assert c.is_bf16_supported() == (p.major >= 8)
    assert c.get_arch_list() and all(a.startswith(("sm_", "compute_")) for a in c.get_arch_list())
    c.init()
    assert c.is_initialized()
    with pytest.raises(AssertionError):
        c.get_device_properties(c.device_count())


@requires_cuda
def test_device_context_and_device_of():
    c = ember.cuda
    start = c.current_device()
    for arg in (0, "cuda:0", ember.device("cuda", 0), "cuda", None):
        with c.device(arg):
            assert c.current_device() == (start if arg in (None, "cuda") else 0)
        assert c.current_device() == start
    t = ember.zeros(2, device="cuda:0")
    with c.device_of(t) as d:
        assert d.idx == 0 and c.current_device() == 0
    last = c.device_count() - 1
    with c.device(last):
        assert c.current_device() == last
        u = ember.ones(3, device="cuda")
        assert u.device.index == last
    assert c.current_device() == start
    c.set_device(start)
    for arg in (None, 0, "cuda", "cuda:0", ember.device("cuda", 0)):
        c.synchronize(arg)


@requires_cuda
def test_memory_statistics_follow_allocations():
    c = ember.cuda
    c.synchronize()
    base = c.memory_allocated()
    nbytes = 4 << 20
    x = ember.empty(nbytes // 4, dtype=ember.float32, device="cuda")
    assert c.memory_allocated() >= base + nbytes
    assert c.memory_reserved() >= c.memory_allocated()
    assert c.max_memory_allocated() >= c.memory_allocated()
    stats = c.memory_stats()
    for key in ("allocated_bytes.all.current", "allocated_bytes.all.peak", "reserved_bytes.all.current",
                "reserved_bytes.all.peak", "allocation.all.current", "allocation.all.allocated",
                "allocation.all.freed", "num_alloc_retries", "num_ooms"):
        assert key in stats and isinstance(stats[key], int)
    assert list(stats) == sorted(stats)
    assert stats["allocated_bytes.all.current"] == c.memory_allocated()
    del x
    assert c.memory_allocated() == base
    assert c.max_memory_allocated() >= base + nbytes
    c.reset_peak_memory_stats()
    assert c.max_memory_allocated() == c.memory_allocated()
    assert c.max_memory_reserved() == c.memory_reserved()
    summary = c.memory_summary()
    assert "Allocated memory" in summary and "Reserved memory" in summary
    free, total = c.mem_get_info()
    assert 0 < free <= total == c.get_device_properties(c.current_device()).total_memory


@requires_cuda
def test_allocator_reuses_freed_blocks():
    c = ember.cuda
    n = (8 << 20) // 4
    x = ember.empty(n, device="cuda")
    del x
    reserved = c.memory_reserved()
    allocated = c.memory_stats()["allocation.all.allocated"]
    for _ in range(5):
        y = ember.empty(n, device="cuda")
        del y
    assert c.memory_reserved() == reserved  # the cached block served every request
    stats = c.memory_stats()
    assert stats["allocation.all.allocated"] == allocated + 5 and stats["allocation.all.current"] >= 0
    c.empty_cache()
    assert c.memory_reserved() <= reserved


@requires_cuda
def test_out_of_memory_raises_the_error_class_and_recovers():
    c = ember.cuda
    ooms = c.memory_stats()["num_ooms"]
    too_much = c.get_device_properties(c.current_device()).total_memory * 4
    with pytest.raises(ember.cuda.OutOfMemoryError) as excinfo:
        ember.empty(too_much // 4, dtype=ember.float32, device="cuda")
    assert isinstance(excinfo.value, RuntimeError)
    assert "out of memory" in str(excinfo.value).lower(), str(excinfo.value)
    assert c.memory_stats()["num_ooms"] == ooms + 1
    y = ember.ones(1000, device="cuda")  # the allocator still works
    assert float(y.sum()) == 1000.0


@requires_cuda
def test_streams_and_the_stream_context():
    c = ember.cuda
    default = c.default_stream()
    assert default.cuda_stream == 0 and c.current_stream() == default
    s = c.Stream()
    assert s.cuda_stream != 0 and s.device_index == c.current_device() and s.query()
    assert s.device == ember.device("cuda", c.current_device())
    x = ember.arange(1 << 20, dtype=ember.float32, device="cuda")
    s.wait_stream(c.current_stream())  # x is made on the default stream
    with c.stream(s):
        assert c.current_stream() == s
        y = x * 2 + 1
    assert c.current_stream() == default
    s.synchronize()
    assert s.query()
    np.testing.assert_array_equal(to_numpy(y.cpu()), np.arange(1 << 20, dtype=np.float32) * 2 + 1)
    with c.StreamContext(s):
        assert c.current_stream() == s
    c.set_stream(s)
    assert c.current_stream() == s
    c.set_stream(default)
    assert c.current_stream() == default
    high = c.Stream(priority=-1)
    assert high.priority == -1
    high.synchronize()
    assert isinstance(repr(s), str) and hash(s) == hash(c.Stream._wrap(s.cuda_stream, s.device_index))


@requires_cuda
def test_stream_ordering_with_events():
    c = ember.cuda
    s1, s2 = c.Stream(), c.Stream()
    x = ember.zeros(1 << 22, device="cuda")
    s1.wait_stream(c.current_stream())
    with c.stream(s1):
        x.add_(1)
        done = s1.record_event()
    s2.wait_event(done)
    with c.stream(s2):
        y = x * 3
    s2.synchronize()
    assert float(y[0]) == 3.0 and float(y[-1]) == 3.0
    with c.stream(s1):
        x.add_(1)
    s2.wait_stream(s1)
    with c.stream(s2):
        z = x + 0
    c.synchronize()
    assert float(z[-1]) == 2.0
    e = c.Event()
    e.record(s1)
    e.wait(s2)
    e.synchronize()
    assert e.query()


@requires_cuda
def test_event_timing():
    c = ember.cuda
    start, end = c.Event(enable_timing=True), c.Event(enable_timing=True)
    assert start.query()  # never recorded
    a = ember.randn(1024, 1024, device="cuda")
    start.record()
    for _ in range(5):
        a = a @ a * 1e-3
    end.record()
    end.synchronize()
    assert end.query()
    ms = start.elapsed_time(end)
    assert isinstance(ms, float) and ms > 0
    with pytest.raises(RuntimeError):
        c.Event().elapsed_time(c.Event())
    with pytest.raises(RuntimeError):
        c.Event(interprocess=True)
    blocking = c.Event(blocking=True)
    blocking.record()
    blocking.synchronize()


@requires_cuda
def test_seeding_through_cuda_seeds_the_shared_generator():
    c = ember.cuda
    c.manual_seed(3)
    assert c.initial_seed() == 3 == ember.initial_seed()
    a = ember.rand(100, device="cuda")
    ember.manual_seed(3)
    b = ember.rand(100)
    np.testing.assert_array_equal(to_numpy(a.cpu()), to_numpy(b))
    state = c.get_rng_state()
    u = ember.randn(10, device="cuda")
    c.set_rng_state(state)
    np.testing.assert_array_equal(to_numpy(ember.randn(10, device="cuda").cpu()), to_numpy(u.cpu()))
    c.manual_seed_all(4)
    assert ember.initial_seed() == 4
    c.seed()


@requires_cuda
def test_tf32_switch_follows_the_matmul_precision():
    previous = ember.get_float32_matmul_precision()
    try:
        ember.set_float32_matmul_precision("high")
        assert ember._C.cuda.allow_tf32() is True
        ember.backends.cuda.matmul.allow_tf32 = False
        assert ember._C.cuda.allow_tf32() is False and ember.get_float32_matmul_precision() == "highest"
    finally:
        ember.set_float32_matmul_precision(previous)


@requires_cuda
def test_copies_between_host_and_device():
    a = np.random.default_rng(0).standard_normal((64, 33)).astype(np.float32)
    t = ember.tensor(a)
    g = t.to("cuda")
    assert g.is_cuda and g.device.type == "cuda" and not t.is_cuda
    np.testing.assert_array_equal(to_numpy(g.cpu()), a)
    np.testing.assert_array_equal(to_numpy(t.cuda().to("cpu")), a)
    pinned = t.pin_memory()
    assert pinned.is_pinned() and not t.is_pinned()
    h = pinned.to("cuda", non_blocking=True)
    back = h.to("cpu", non_blocking=True)
    ember.cuda.synchronize()
    np.testing.assert_array_equal(to_numpy(back), a)
    np.testing.assert_array_equal(to_numpy(t.T.cuda().cpu()), a.T)  # a non-contiguous source


@requires_cuda
def test_loader_batches_are_pinned_on_a_gpu_machine():
    from ember.utils.data import DataLoader, TensorDataset
    data = TensorDataset(ember.randn(10, 3), ember.arange(10))
    for x, y in DataLoader(data, batch_size=4, pin_memory=True):
        assert x.is_pinned() and y.is_pinned()
    for x, y in DataLoader(data, batch_size=4):
        assert not x.is_pinned()


# ---- on the device under test (EMBER_TEST_DEVICE; the CPU by default) -----------------------------

def test_tensors_on_the_device_under_test(device):
    a = ember.arange(12, dtype=ember.float32, device=device).reshape(3, 4)
    assert a.device.type == ember.device(device).type and a.is_cuda == device.startswith("cuda")
    b = (a * 2 + 1).sum(dim=1)
    np.testing.assert_array_equal(to_numpy(b.cpu()), (np.arange(12).reshape(3, 4) * 2 + 1).sum(1))
    assert (a @ a.T).device == a.device
    np.testing.assert_array_equal(to_numpy(a.to("cpu")), np.arange(12, dtype=np.float32).reshape(3, 4))


def test_modules_move_to_the_device_under_test(device):
    ember.manual_seed(0)
    layer = ember.nn.Linear(4, 2).to(device)
    assert all(p.device.type == ember.device(device).type for p in layer.parameters())
    x = ember.ones(3, 4, device=device, requires_grad=True)
    layer(x).sum().backward()
    assert x.grad.device == x.device and layer.weight.grad.device == layer.weight.device


def test_nvtx_ranges_nest_and_record_nothing():
    from ember.cuda import nvtx
    assert nvtx.range_push("outer") == 0
    assert nvtx.range_push("inner") == 1
    assert nvtx.range_pop() == 1
    assert nvtx.range_pop() == 0
    assert nvtx.range_pop() == -1  # nothing left to pop
    with nvtx.range("step {}", 3):
        assert nvtx.range_push("x") == 1
        nvtx.range_pop()
    nvtx.mark("done")
