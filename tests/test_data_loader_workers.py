"""DataLoader with worker processes: the same batches in the same order as in the main
process, worker info and seeding, IterableDataset sharding, persistent workers, timeouts,
errors raised in workers, and tensors of every dtype crossing the process boundary.

Datasets here are small and module-level (the spawn test pickles them)."""
import os
import time

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

class RangeMap(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return i

    def __len__(self):
        return self.n


class WhoAmI(Dataset):
    """Each sample says which process and worker made it."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return {"i": i, "pid": os.getpid(), "id": info.id, "num_workers": info.num_workers, "seed": info.seed,
                "same_dataset": info.dataset is not None and len(info.dataset) == 8,
                "rand": ember.rand(1).item(), "init": getattr(info.dataset, "initialised_by", -1)}


def mark_init(worker_id):
    get_worker_info().dataset.initialised_by = worker_id


class Failing(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 4:
            raise ValueError(f"bad sample {i}")
        return i


class CustomError(Exception):
    pass


class FailingCustom(RangeMap):
    def __getitem__(self, i):
        raise CustomError("custom failure")


class MissingKey(RangeMap):
    def __getitem__(self, i):
        return {}["absent"]


class Dies(RangeMap):
    def __getitem__(self, i):
        if i == 2:
            os._exit(3)
        return i


class Slow(RangeMap):
    def __getitem__(self, i):
        time.sleep(0.5)
        return i


class Stream(IterableDataset):
    def __init__(self, n, shard):
        self.n = n
        self.shard = shard

    def __iter__(self):
        info = get_worker_info()
        if not self.shard or info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class UnevenStream(IterableDataset):
    """Worker k yields k * 3 + 2 items: the workers run dry at different times."""

    def __iter__(self):
        info = get_worker_info()
        k = 0 if info is None else info.id
        return iter([100 * k + j for j in range(k * 3 + 2)])


class AllDtypes(Dataset):
    def __len__(self):
        return 3

    def __getitem__(self, i):
        base = ember.arange(6, dtype=ember.float32).reshape(2, 3) + i
        leaf = ember.ones(2)
        leaf.requires_grad_(True)
        return {"f64": base.double(), "f16": base.half(), "bf16": base.to(ember.bfloat16), "i8": base.to(ember.int8),
                "u8": base.to(ember.uint8), "i32": base.int(), "i64": base.long(), "bool": base > 2,
                "t": base.t(), "scalar": ember.tensor(float(i)), "empty": ember.zeros(0, 4),
                "grad": leaf, "np": np.full(2, i, dtype=np.int16), "s": f"x{i}"}


def xy(n=13):
    x = ember.from_numpy(np.arange(n * 2, dtype=np.float32).reshape(n, 2))
    return TensorDataset(x, ember.arange(n))


def as_lists(loader):
    out = []
    for b in loader:
        out.append([t.tolist() for t in b] if isinstance(b, (list, tuple)) else b.tolist())
    return out


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (5, False)])
def test_two_workers_give_the_batches_of_the_main_process(batch_size, drop_last):
    ds = xy()
    serial = as_lists(DataLoader(ds, batch_size=batch_size, drop_last=drop_last))
    parallel = as_lists(DataLoader(ds, batch_size=batch_size, drop_last=drop_last, num_workers=2))
    assert parallel == serial


def test_shuffled_batches_with_workers_match_the_main_process():
    ds = RangeMap(20)
    ember.manual_seed(11)
    serial = as_lists(DataLoader(ds, batch_size=3, shuffle=True))
    ember.manual_seed(11)
    parallel = as_lists(DataLoader(ds, batch_size=3, shuffle=True, num_workers=2, prefetch_factor=1))
    assert parallel == serial


def test_out_of_order_yields_every_batch():
    out = as_lists(DataLoader(RangeMap(12), batch_size=2, num_workers=2, in_order=False))
    assert sorted(out) == [[i, i + 1] for i in range(0, 12, 2)]


def test_unbatched_loading_with_workers():
    assert list(DataLoader(RangeMap(5), batch_size=None, num_workers=2)) == [0, 1, 2, 3, 4]


def test_worker_info_seeds_and_init_fn():
    ember.manual_seed(0)
    batches = list(DataLoader(WhoAmI(), batch_size=2, num_workers=2, worker_init_fn=mark_init))
    samples = [{k: v[j] for k, v in b.items()} for b in batches for j in range(2)]
    assert [s["i"].item() for s in samples] == list(range(8))
    # Round robin: batch k comes from worker k % 2.
    assert [s["id"].item() for s in samples] == [0, 0, 1, 1, 0, 0, 1, 1]
    assert {s["num_workers"].item() for s in samples} == {2}
    assert all(s["same_dataset"].item() for s in samples)
    assert [s["init"].item() for s in samples] == [s["id"].item() for s in samples]
    pids = {s["id"].item(): s["pid"].item() for s in samples}
    assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()
    seeds = {s["id"].item(): s["seed"].item() for s in samples}
    assert seeds[1] == seeds[0] + 1
    # Each worker's ember generator is seeded with its seed: the workers draw different numbers,
    # and a run seeded the same way draws the same ones.
    rands = [s["rand"].item() for s in samples]
    assert rands[0] != rands[2]
    ember.manual_seed(0)
    again = list(DataLoader(WhoAmI(), batch_size=2, num_workers=2, worker_init_fn=mark_init))
    assert [r for b in again for r in b["rand"].tolist()] == rands
    assert get_worker_info() is None


def test_iterable_dataset_without_sharding_repeats_per_worker():
    out = as_lists(DataLoader(Stream(5, shard=False), batch_size=2, num_workers=2))
    # Each worker yields the whole stream; batches alternate between the workers.
    assert out == [[0, 1], [0, 1], [2, 3], [2, 3], [4], [4]]


def test_iterable_dataset_sharded_with_get_worker_info():
    out = as_lists(DataLoader(Stream(10, shard=True), batch_size=2, num_workers=2))
    assert out == [[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]]
    out = as_lists(DataLoader(Stream(10, shard=True), batch_size=2, num_workers=2, drop_last=True))
    assert out == [[0, 2], [1, 3], [4, 6], [5, 7]]


def test_workers_running_dry_at_different_times():
    # Tasks go round robin; a worker that ran dry is skipped from then on. The expected order
    # is the one torch.utils.data gives for the same dataset (test below).
    ours = as_lists(DataLoader(UnevenStream(), batch_size=2, num_workers=2))
    assert ours == [[0, 1], [100, 101], [102, 103], [104]]


def test_iterable_dataset_order_matches_torch():
    torch = pytest.importorskip("torch")

    class TorchUneven(torch.utils.data.IterableDataset):
        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            k = 0 if info is None else info.id
            return iter([100 * k + j for j in range(k * 3 + 2)])

    theirs = [b.tolist() for b in torch.utils.data.DataLoader(TorchUneven(), batch_size=2, num_workers=2)]
    ours = as_lists(DataLoader(UnevenStream(), batch_size=2, num_workers=2, prefetch_factor=1))
    assert ours == theirs


def test_worker_error_propagates_with_traceback():
    loader = DataLoader(Failing(), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).tolist() == [0, 1]
    assert next(it).tolist() == [2, 3]
    with pytest.raises(ValueError) as info:
        next(it)
    msg = str(info.value)
    assert "Caught ValueError in DataLoader worker process 0" in msg
    assert "Original Traceback" in msg and "bad sample 4" in msg and "__getitem__" in msg
    with pytest.raises(StopIteration):
        next(it)


def test_worker_errors_keep_their_type():
    with pytest.raises(CustomError, match="custom failure"):
        list(DataLoader(FailingCustom(4), num_workers=1))
    with pytest.raises(KeyError, match="absent"):
        list(DataLoader(MissingKey(4), num_workers=1))


def test_worker_init_fn_error_propagates():
    it = iter(DataLoader(RangeMap(4), num_workers=1, worker_init_fn=lambda wid: 1 / 0))
    for _ in range(2):  # every batch of a worker that could not start raises its error
        with pytest.raises(ZeroDivisionError, match="in DataLoader worker process 0"):
            next(it)


def test_a_dead_worker_is_reported():
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(DataLoader(Dies(6), batch_size=1, num_workers=2))
    assert time.monotonic() - t0 < 10


def test_timeout():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.1 seconds"):
        list(DataLoader(Slow(2), num_workers=1, timeout=0.1))


def test_persistent_workers_survive_epochs():
    loader = DataLoader(WhoAmI(), batch_size=4, num_workers=2, persistent_workers=True)
    first = [b["pid"].tolist() for b in loader]
    second = [b["pid"].tolist() for b in loader]
    assert first == second and len({p for b in first for p in b}) == 2
    # An epoch cut short: the next one still starts from the beginning.
    it = iter(loader)
    next(it)
    assert [b["i"].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    it._shutdown_workers()


def test_persistent_workers_with_an_iterable_dataset():
    loader = DataLoader(Stream(6, shard=True), batch_size=2, num_workers=2, persistent_workers=True)
    assert as_lists(loader) == as_lists(loader) == [[0, 2], [1, 3], [4], [5]]
    loader._iterator._shutdown_workers()


def test_workers_stop_when_the_iterator_goes():
    it = iter(DataLoader(RangeMap(100), batch_size=2, num_workers=2))
    next(it)
    workers = list(it._workers)
    assert all(w.is_alive() for w in workers)
    del it
    for w in workers:
        w.join(timeout=5)
    assert not any(w.is_alive() for w in workers)
    it = iter(DataLoader(RangeMap(4), batch_size=2, num_workers=2))
    assert len(list(it)) == 2
    for w in it._workers:
        w.join(timeout=5)
    assert not any(w.is_alive() for w in it._workers)  # an exhausted iterator shuts down


def test_tensors_of_every_dtype_cross_the_process_boundary():
    serial = list(DataLoader(AllDtypes(), batch_size=3))[0]
    parallel = list(DataLoader(AllDtypes(), batch_size=3, num_workers=1))[0]
    assert serial.keys() == parallel.keys()
    for k, a in serial.items():
        b = parallel[k]
        if k == "s":
            assert a == b
            continue
        assert a.dtype == b.dtype and a.shape == b.shape, k
        np.testing.assert_array_equal(a.detach().float().numpy(), b.detach().float().numpy())
    assert serial["grad"].requires_grad == parallel["grad"].requires_grad


def test_spawned_workers():
    ds = xy(6)
    out = as_lists(DataLoader(ds, batch_size=4, num_workers=1, multiprocessing_context="spawn"))
    assert out == as_lists(DataLoader(ds, batch_size=4))


def test_transport_round_trip():
    from ember.utils.data._worker import dumps, loads
    t = ember.arange(12).reshape(3, 4)[:, ::2]
    out = loads(dumps({"a": [t, (t.double(),)], "b": 3}))
    assert out["a"][0].tolist() == t.tolist() and out["a"][1][0].dtype == ember.float64 and out["b"] == 3
