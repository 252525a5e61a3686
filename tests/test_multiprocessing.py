"""ember.multiprocessing: shared-memory tensors across fork and spawn (Queue, Process arguments),
spawn with its failure reporting, Pool, and Hogwild training of one shared model by two processes."""
import os
import pickle
import sys

import numpy as np
import pytest

import ember
import ember.multiprocessing as mp

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX shared memory")
DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "uint8", "int16", "int32", "int64", "bool"]
TIMEOUT = 60


def test_share_memory_keeps_values_and_geometry():
    for name in DTYPES:
        t = (ember.arange(12) % 3 == 0) if name == "bool" else ember.arange(12).to(getattr(ember, name))
        view = t.reshape(3, 4).t()[1:]  # non-contiguous, offset
        expected = view.to(ember.float64).numpy().copy()
        assert not view.is_shared()
        assert view.share_memory_() is view and view.is_shared()
        assert view.stride() == (1, 4) and view.storage_offset() == 1
        np.testing.assert_array_equal(view.to(ember.float64).numpy(), expected)
        ptr = view.data_ptr()
        view.share_memory_()  # already shared: nothing moves
        assert view.data_ptr() == ptr
    empty = ember.zeros(0, 3).share_memory_()
    assert empty.is_shared() and tuple(empty.shape) == (0, 3)
    scalar = ember.tensor(2.5).share_memory_()
    assert scalar.is_shared() and scalar.item() == 2.5
    # views taken after sharing share the segment; plain pickle still copies
    base = ember.ones(4).share_memory_()
    assert base[1:].is_shared()
    copy = pickle.loads(pickle.dumps(base))
    assert not copy.is_shared() and copy.data_ptr() != base.data_ptr()


def test_untyped_storage_reports_sharing():
    base = ember.arange(6.0)
    view = base[2:]
    storage = view.untyped_storage()
    assert storage.nbytes() == len(storage) == 24 and storage.data_ptr() == base.data_ptr()
    assert not storage.is_shared()
    assert storage.share_memory_() is storage and storage.is_shared() and view.is_shared()
    assert view.tolist() == [2.0, 3.0, 4.0, 5.0] and not base.is_shared()  # base keeps its buffer


def test_module_share_memory_keeps_parameter_objects():
    model = ember.nn.Linear(3, 2)
    params = list(model.parameters())
    before = [p.detach().numpy().copy() for p in params]
    assert model.share_memory() is model
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(p.is_shared() and p.requires_grad for p in params)
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.detach().numpy(), b)


def _writer(q, results, done, arg_shared, arg_copy):
    arg_shared.add_(1)
    arg_copy.add_(1)
    received = q.get()
    received.mul_(10)
    fresh = ember.full((2,), 7.0).share_memory_()
    results.put((received.is_shared(), arg_shared.is_shared(), fresh, received))
    done.wait(TIMEOUT)  # the parent must fetch `fresh` and `received` before this process exits


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_queue_and_process_arguments_share_writes(method):
    ctx = mp.get_context(method)
    arg_shared = ember.zeros(3).share_memory_()
    arg_copy = ember.zeros(3)
    sent = ember.ones(2, 3, dtype=ember.bfloat16).share_memory_()
    q, results, done = ctx.Queue(), ctx.Queue(), ctx.Event()
    p = ctx.Process(target=_writer, args=(q, results, done, arg_shared, arg_copy))
    p.start()
    try:
        q.put(sent[:, 1:])
        received_shared, arg_was_shared, fresh, back = results.get(timeout=TIMEOUT)
        done.set()
        p.join(TIMEOUT)
    finally:
        if p.is_alive():
            p.kill()
    assert p.exitcode == 0
    assert received_shared and arg_was_shared
    np.testing.assert_array_equal(arg_shared.numpy(), [1.0, 1.0, 1.0])  # shared: the child's write
    np.testing.assert_array_equal(arg_copy.numpy(), [0.0, 0.0, 0.0])  # not shared: the child had a copy
    np.testing.assert_array_equal(sent.float().numpy(), [[1, 10, 10], [1, 10, 10]])
    # a tensor sent back is the same memory as the one sent (one mapping per segment)
    assert back.data_ptr() == sent[:, 1:].data_ptr() and back.dtype == ember.bfloat16
    assert fresh.is_shared() and fresh.tolist() == [7.0, 7.0]  # outlives its sender's reference


def _fill_row(i, table, scale):
    table[i] = float((i + 1) * scale)


def _fail_in_one(i):
    if i == 1:
        raise ValueError("process one could not go on")


def _exit_badly(i):
    os._exit(3)


def test_spawn_runs_each_index_in_a_new_process():
    table = ember.zeros(2, 3).share_memory_()
    assert mp.spawn(_fill_row, args=(table, 2.0), nprocs=2) is None
    np.testing.assert_array_equal(table.numpy(), [[2.0] * 3, [4.0] * 3])


def test_spawn_reports_a_child_failure():
    with pytest.raises(mp.ProcessRaisedException, match="ValueError: process one could not go on") as info:
        mp.spawn(_fail_in_one, nprocs=2, start_method="fork")
    assert info.value.error_index == 1 and "Process 1 terminated" in str(info.value)
    with pytest.raises(mp.ProcessExitedException, match="exit code 3") as info:
        mp.start_processes(_exit_badly, nprocs=1, start_method="fork")
    assert info.value.exit_code == 3
    context = mp.start_processes(_fill_row, args=(ember.zeros(1, 1).share_memory_(), 1.0), nprocs=1,
                                 join=False, start_method="fork")
    assert isinstance(context, mp.ProcessContext) and len(context.pids()) == 1
    while not context.join(timeout=TIMEOUT):
        pass


def _sum(t):
    return float(t.sum().item())


def test_pool_and_the_multiprocessing_surface():
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        assert pool.map(_sum, [ember.ones(3), ember.arange(4.0)]) == [3.0, 6.0]
    assert mp.cpu_count() >= 1 and callable(mp.set_start_method) and mp.SimpleQueue is not None
    assert mp.get_all_sharing_strategies() == {"file_descriptor", "file_system"}
    mp.set_sharing_strategy("file_system")
    assert mp.get_sharing_strategy() == "file_system"
    mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(ValueError, match="strategy"):
        mp.set_sharing_strategy("carrier pigeon")


def test_non_leaf_requiring_grad_is_refused():
    q = mp.get_context("fork").SimpleQueue()
    with pytest.raises(RuntimeError, match="non-leaf tensor which requires_grad"):
        q.put(ember.ones(2, requires_grad=True) * 2)


# ---- Hogwild: two processes train one shared model ---------------------------------------------------
def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32") + 0.25
    return ember.tensor(x), ember.tensor(y)


def _loss(model):
    x, y = _data()
    with ember.no_grad():
        return float(ember.nn.functional.mse_loss(model(x), y).item())


def _hogwild_worker(rank, model, steps, progress):
    ember.manual_seed(rank)
    x, y = _data()
    opt = ember.optim.SGD(model.parameters(), lr=0.05)
    for step in range(steps):
        idx = ember.randint(0, 64, (16,))
        loss = ember.nn.functional.mse_loss(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        progress[rank] += 1


def test_hogwild_training_updates_the_shared_model():
    ember.manual_seed(0)
    model = ember.nn.Linear(4, 1)
    model.share_memory()
    progress = ember.zeros(2, dtype=ember.int64).share_memory_()
    start = _loss(model)
    mp.spawn(_hogwild_worker, args=(model, 40, progress), nprocs=2, start_method="fork")
    end = _loss(model)
    assert progress.tolist() == [40, 40]  # both processes trained
    assert end < 0.1 * start, (start, end)
