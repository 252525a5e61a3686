"""ember.utils.data in the main process: datasets, samplers, collation and DataLoader
semantics, against torch.utils.data where torch is installed. Worker processes:
test_data_loader_workers.py."""
import collections
import math
import warnings

import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset, IterableDataset,
                              RandomSampler, Sampler, SequentialSampler, StackDataset, Subset, SubsetRandomSampler,
                              TensorDataset, WeightedRandomSampler, default_collate, default_convert,
                              get_worker_info, random_split)


def to_py(x):
    """A batch as nested Python lists/dicts of (value list, dtype name), from ember or torch."""
    if hasattr(x, "numpy") and hasattr(x, "dtype") and not isinstance(x, np.ndarray):
        return ("T", str(x.dtype).rpartition(".")[2], tuple(x.shape), x.detach().numpy().tolist())
    if isinstance(x, dict):
        return {k: to_py(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__,) + tuple(to_py(v) for v in x)
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [to_py(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("np", str(x.dtype), x.tolist())
    return x


def make_xy(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64) % 4
    return x, y


def ember_xy(n=10):
    x, y = make_xy(n)
    return TensorDataset(ember.from_numpy(x), ember.from_numpy(y))


Point = collections.namedtuple("Point", "x y")


class RangeMap(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i

    def __len__(self):
        return self.n


class Stream(IterableDataset):
    def __init__(self, n, length=None):
        self.n = n
        self.length = length

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n if self.length is None else self.length


# ---- DataLoader against torch ---------------------------------------------------------------------
@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 11])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_batches_match_torch(batch_size, drop_last):
    torch = pytest.importorskip("torch")
    x, y = make_xy(10)
    ours = DataLoader(ember_xy(10), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                                         batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    a, b = [to_py(t) for t in ours], [to_py(t) for t in theirs]
    assert a == b
    assert len(a) == len(ours)


def test_batch_size_none_converts_samples_like_torch():
    torch = pytest.importorskip("torch")
    data = [{"a": np.arange(3, dtype=np.int32) + i, "b": (i, float(i))} for i in range(4)]
    ours = list(DataLoader(data, batch_size=None))
    theirs = list(torch.utils.data.DataLoader(data, batch_size=None))
    assert [to_py(o) for o in ours] == [to_py(t) for t in theirs]
    assert len(DataLoader(data, batch_size=None)) == 4


SAMPLES = {
    "ints": [1, 2, 3],
    "floats": [1.5, 2.5, -1.0],
    "bools": [True, False, True],
    "strings": ["a", "bc", "d"],
    "bytes": [b"a", b"b", b"c"],
    "np_f32_arrays": [np.full((2, 2), i, dtype=np.float32) for i in range(3)],
    "np_i16_arrays": [np.arange(4, dtype=np.int16) * i for i in range(3)],
    "np_scalars_f32": [np.float32(i) / 3 for i in range(3)],
    "np_scalars_i16": [np.int16(i) for i in range(3)],
    "np_bool_scalars": [np.bool_(i % 2) for i in range(3)],
    "np_f64_scalars": [np.float64(i) for i in range(3)],
    "tuples": [(i, float(i), "s") for i in range(3)],
    "lists": [[i, i + 1] for i in range(3)],
    "dicts": [{"x": np.ones(2, dtype=np.float64) * i, "y": i, "name": f"n{i}"} for i in range(3)],
    "namedtuples": [Point(np.int64(i), [i, i * 2.0]) for i in range(3)],
    "nested": [{"pair": (np.zeros((1, 2), dtype=np.uint8) + i, {"k": [True, i]})} for i in range(3)],
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_default_collate_matches_torch(name):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    batch = SAMPLES[name]
    assert to_py(default_collate(batch)) == to_py(torch_collate(batch))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_default_convert_matches_torch(name):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_convert as torch_convert
    for sample in SAMPLES[name]:
        assert to_py(default_convert(sample)) == to_py(torch_convert(sample))


def test_default_collate_of_tensors_stacks_and_keeps_dtypes():
    for dtype in (ember.float32, ember.float64, ember.int64, ember.int32, ember.uint8, ember.bool, ember.float16,
                  ember.bfloat16):
        batch = [ember.ones(2, 3, dtype=dtype), ember.zeros(2, 3, dtype=dtype)]
        out = default_collate(batch)
        assert out.dtype == dtype and tuple(out.shape) == (2, 2, 3)
    zero_dim = default_collate([ember.tensor(1.0), ember.tensor(2.0)])
    assert zero_dim.tolist() == [1.0, 2.0]
    # Non-contiguous samples.
    base = ember.arange(12).reshape(3, 4)
    out = default_collate([base.t(), base.t() * 2])
    np.testing.assert_array_equal(out.numpy(), np.stack([base.numpy().T, base.numpy().T * 2]))


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match=r"equal size.*\[3\].*\[2\]"):
        default_collate([ember.ones(3), ember.ones(2)])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1, 2, 3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match=r"equal size"):
        default_collate([np.ones(3), np.ones(4)])
    with pytest.raises(IndexError, match="empty batch"):
        default_collate([])


def test_collate_types_keep_their_class():
    class MyDict(dict):
        pass

    out = default_collate([MyDict(a=1), MyDict(a=2)])
    assert type(out) is MyDict and out["a"].tolist() == [1, 2]
    out = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(out) is Point and out.y.dtype == ember.float64


def test_custom_collate_fn_and_collate_fn_map():
    from ember.utils.data._collate import collate, default_collate_fn_map
    loader = DataLoader(RangeMap(5), batch_size=2, collate_fn=lambda b: sum(b))
    assert list(loader) == [1, 5, 4]

    class Box:
        def __init__(self, v):
            self.v = v

    fn_map = dict(default_collate_fn_map)
    fn_map[Box] = lambda batch, *, collate_fn_map: [b.v for b in batch]
    out = collate([(Box(1), 2), (Box(3), 4)], collate_fn_map=fn_map)
    assert out[0] == [1, 3] and out[1].tolist() == [2, 4]


def test_lengths_and_drop_last():
    ds = RangeMap(10)
    for bs in (1, 3, 5, 10, 11):
        assert len(DataLoader(ds, batch_size=bs)) == math.ceil(10 / bs)
        assert len(DataLoader(ds, batch_size=bs, drop_last=True)) == 10 // bs
        sizes = [len(b) for b in DataLoader(ds, batch_size=bs, drop_last=True)]
        assert all(s == bs for s in sizes) and len(sizes) == 10 // bs


def test_iterable_dataset_batches_and_length():
    loader = DataLoader(Stream(7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(loader) == 3
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Stream(7), batch_size=3, drop_last=True)) == 2
    assert list(DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]  # default_convert keeps ints


def test_iterable_dataset_warns_when_it_yields_more_than_its_length():
    loader = DataLoader(Stream(5, length=2), batch_size=1)
    assert len(loader) == 2
    with pytest.warns(UserWarning, match="was reported to be 2"):
        list(loader)


def test_shuffle_is_reproducible_with_manual_seed():
    ds = RangeMap(20)
    ember.manual_seed(123)
    a = [b.tolist() for b in DataLoader(ds, batch_size=4, shuffle=True)]
    b2 = [b.tolist() for b in DataLoader(ds, batch_size=4, shuffle=True)]
    ember.manual_seed(123)
    c = [b.tolist() for b in DataLoader(ds, batch_size=4, shuffle=True)]
    assert a == c and a != b2
    assert sorted(sum(a, [])) == list(range(20))
    # One loader, two epochs: different orders; the same two after reseeding.
    loader = DataLoader(ds, batch_size=4, shuffle=True)
    ember.manual_seed(7)
    e1, e2 = [[b.tolist() for b in loader] for _ in range(2)]
    ember.manual_seed(7)
    assert [[b.tolist() for b in loader] for _ in range(2)] == [e1, e2]
    assert e1 != e2


def test_shuffle_with_a_generator():
    ds = RangeMap(20)
    g = ember.Generator().manual_seed(5)
    a = [b.tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, generator=g)]
    g.manual_seed(5)
    ember.manual_seed(999)  # the default generator does not matter
    b = [b.tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, generator=g)]
    assert a == b and sorted(sum(a, [])) == list(range(20))


def test_sampler_and_batch_sampler_arguments():
    ds = RangeMap(10)
    assert [b.tolist() for b in DataLoader(ds, batch_size=2, sampler=[9, 8, 7, 1])] == [[9, 8], [7, 1]]
    batches = [[0, 5], [2], [9, 9, 9]]
    loader = DataLoader(ds, batch_sampler=batches)
    assert [b.tolist() for b in loader] == batches
    assert len(loader) == 3 and loader.batch_size is None and loader.drop_last is False
    bs = BatchSampler(SequentialSampler(ds), 4, True)
    assert [b.tolist() for b in DataLoader(ds, batch_sampler=bs)] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_argument_errors_like_torch():
    ds = RangeMap(4)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    for kw in ({"batch_size": 2}, {"shuffle": True}, {"sampler": [0]}, {"drop_last": True}):
        with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
            DataLoader(ds, batch_sampler=[[0]], **kw)
    with pytest.raises(ValueError, match="disables auto-batching"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="expected unspecified shuffle"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler"):
        DataLoader(Stream(3), sampler=[0])
    with pytest.raises(ValueError, match="expected unspecified batch_sampler"):
        DataLoader(Stream(3), batch_sampler=[[0]])
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="timeout option should be non-negative"):
        DataLoader(ds, timeout=-1)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="multiprocessing_context can only be used"):
        DataLoader(ds, multiprocessing_context="fork")
    with pytest.raises(ValueError, match="valid start method"):
        DataLoader(ds, num_workers=1, multiprocessing_context="no-such-method")
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(TypeError, match="generator"):
        DataLoader(ds, shuffle=True, generator=np.random.default_rng())
    loader = DataLoader(ds, shuffle=False)
    shuffle_none = DataLoader(Stream(3), shuffle=False)  # False is allowed for an iterable
    assert len(list(shuffle_none)) == 3
    for attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers"):
        with pytest.raises(ValueError, match=f"{attr} attribute should not be set"):
            setattr(loader, attr, None)
    loader.num_workers = 0  # other attributes may change


def test_defaults_and_attributes_like_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = DataLoader(RangeMap(3)), torch.utils.data.DataLoader(RangeMap(3))
    for attr in ("batch_size", "drop_last", "num_workers", "pin_memory", "timeout", "prefetch_factor",
                 "persistent_workers", "worker_init_fn", "generator", "multiprocessing_context",
                 "pin_memory_device", "in_order"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert type(ours.sampler).__name__ == type(theirs.sampler).__name__
    assert type(ours.batch_sampler).__name__ == type(theirs.batch_sampler).__name__
    assert DataLoader(RangeMap(3), num_workers=2).prefetch_factor == 2
    assert isinstance(DataLoader(RangeMap(3), shuffle=True).sampler, RandomSampler)


def test_pin_memory_is_accepted():
    out = [b.tolist() for b in DataLoader(RangeMap(4), batch_size=2, pin_memory=True)]
    assert out == [[0, 1], [2, 3]]


def test_dataset_getitems_fetches_whole_batches():
    class Batched(RangeMap):
        calls = []

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [i * 10 for i in indices]

    ds = Batched(5)
    assert [b.tolist() for b in DataLoader(ds, batch_size=2)] == [[0, 10], [20, 30], [40]]
    assert ds.calls == [[0, 1], [2, 3], [4]]


def test_get_worker_info_is_none_in_the_main_process():
    assert get_worker_info() is None


def test_import_paths():
    import ember.utils.data
    from ember.utils.data.dataloader import default_collate as from_dataloader
    assert ember.utils.data.DataLoader is DataLoader
    assert from_dataloader is default_collate


def test_iterator_len_and_reuse():
    loader = DataLoader(RangeMap(5), batch_size=2)
    it = iter(loader)
    assert len(it) == 3
    assert next(it).tolist() == [0, 1]
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4]]  # a fresh epoch
    assert [b.tolist() for b in it] == [[2, 3], [4]]


# ---- datasets -------------------------------------------------------------------------------------
def test_tensor_dataset():
    ds = ember_xy(6)
    x, y = ds[2]
    assert x.tolist() == [6.0, 7.0, 8.0] and y.item() == 2
    assert len(ds) == 6
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(ember.ones(3), ember.ones(4))


def test_concat_and_chain_datasets():
    ds = ConcatDataset([RangeMap(3), RangeMap(2)])
    assert len(ds) == 5 and [ds[i] for i in range(5)] == [0, 1, 2, 0, 1]
    assert ds[-1] == 1 and ds[-5] == 0
    assert ds.cumulative_sizes == [3, 5]
    with pytest.raises(ValueError):
        ds[-6]
    assert len(RangeMap(2) + RangeMap(4)) == 6
    with pytest.raises(ValueError):
        ConcatDataset([])
    with pytest.raises(TypeError):
        ConcatDataset([Stream(2)])
    chain = ChainDataset([Stream(2), Stream(3)])
    assert list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5
    assert list(Stream(1) + Stream(2)) == [0, 0, 1]
    assert [b.tolist() for b in DataLoader(chain, batch_size=2)] == [[0, 1], [0, 1], [2]]


def test_stack_dataset():
    a, b = RangeMap(3), ember_xy(3)
    ds = StackDataset(a, b)
    assert len(ds) == 3 and ds[1][0] == 1 and ds[1][1][1].item() == 1
    named = StackDataset(idx=a, xy=b)
    batch = next(iter(DataLoader(named, batch_size=3)))
    assert batch["idx"].tolist() == [0, 1, 2] and tuple(batch["xy"][0].shape) == (3, 3)
    with pytest.raises(ValueError):
        StackDataset(RangeMap(2), RangeMap(3))
    with pytest.raises(ValueError):
        StackDataset(a, xy=b)
    with pytest.raises(ValueError):
        StackDataset()


def test_subset():
    s = Subset(RangeMap(10), [7, 3, 5])
    assert len(s) == 3 and [s[i] for i in range(3)] == [7, 3, 5]
    assert [b.tolist() for b in DataLoader(s, batch_size=2)] == [[7, 3], [5]]


def test_dataset_base_class():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(IterableDataset())


# ---- random_split -----------------------------------------------------------------------------------
def test_random_split_lengths_and_reproducibility():
    ds = RangeMap(10)
    a, b = random_split(ds, [7, 3], generator=ember.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3
    assert sorted([a[i] for i in range(7)] + [b[i] for i in range(3)]) == list(range(10))
    a2, _ = random_split(ds, [7, 3], generator=ember.Generator().manual_seed(0))
    assert a.indices == a2.indices
    ember.manual_seed(1)
    c, _ = random_split(ds, [5, 5])
    ember.manual_seed(1)
    d, _ = random_split(ds, [5, 5])
    assert c.indices == d.indices


@pytest.mark.parametrize("fractions,n", [([0.7, 0.3], 10), ([0.5, 0.5], 5), ([0.3, 0.3, 0.4], 11),
                                         ([1 / 3] * 3, 10), ([0.25, 0.75], 1797)])
def test_random_split_fractions_match_torch(fractions, n):
    torch = pytest.importorskip("torch")
    ours = [len(s) for s in random_split(RangeMap(n), fractions)]
    theirs = [len(s) for s in torch.utils.data.random_split(RangeMap(n), fractions)]
    assert ours == theirs and sum(ours) == n


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(RangeMap(10), [3, 3])
    with pytest.raises(ValueError):
        random_split(RangeMap(10), [0.5, 0.6])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(RangeMap(1), [0.5, 0.5])


# ---- samplers -------------------------------------------------------------------------------------
def test_sequential_and_random_samplers():
    ds = RangeMap(6)
    assert list(SequentialSampler(ds)) == list(range(6)) and len(SequentialSampler(ds)) == 6
    g = ember.Generator().manual_seed(3)
    perm = list(RandomSampler(ds, generator=g))
    assert sorted(perm) == list(range(6)) and len(RandomSampler(ds)) == 6
    more = list(RandomSampler(ds, num_samples=15, generator=g))
    assert len(more) == 15 and sorted(more[:6]) == list(range(6)) and sorted(more[6:12]) == list(range(6))
    assert len(set(more[12:])) == 3
    draws = list(RandomSampler(ds, replacement=True, num_samples=100, generator=g))
    assert len(draws) == 100 and set(draws) <= set(range(6)) and len(set(draws)) == 6
    assert len(RandomSampler(ds, replacement=True, num_samples=70)) == 70
    ember.manual_seed(4)
    a = list(RandomSampler(ds))
    ember.manual_seed(4)
    assert list(RandomSampler(ds)) == a


def test_random_sampler_errors():
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(RangeMap(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(RangeMap(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(RangeMap(0))
    with pytest.raises(TypeError, match="generator"):
        RandomSampler(RangeMap(3), generator=1)


def test_subset_random_sampler():
    s = SubsetRandomSampler([10, 20, 30, 40], generator=ember.Generator().manual_seed(0))
    out = list(s)
    assert sorted(out) == [10, 20, 30, 40] and len(s) == 4


def test_weighted_random_sampler():
    g = ember.Generator().manual_seed(0)
    w = [0.0, 1.0, 3.0, 0.0]
    s = WeightedRandomSampler(w, 4000, generator=g)
    draws = np.array(list(s))
    assert len(s) == 4000 and draws.shape == (4000,)
    counts = np.bincount(draws, minlength=4)
    assert counts[0] == 0 and counts[3] == 0
    assert abs(counts[2] / 4000 - 0.75) < 0.04
    no_rep = list(WeightedRandomSampler(ember.tensor([1.0, 5.0, 0.0, 2.0]), 3, replacement=False, generator=g))
    assert sorted(no_rep) == [0, 1, 3]
    # Without replacement the heavy item comes first most of the time.
    firsts = [next(iter(WeightedRandomSampler([1.0, 100.0], 1, replacement=False, generator=g)))
              for _ in range(50)]
    assert firsts.count(1) > 40
    assert isinstance(s.weights, ember.Tensor) and s.weights.dtype == ember.float64


def test_weighted_random_sampler_errors():
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement"):
        WeightedRandomSampler([1.0], 1, replacement=0)
    with pytest.raises(ValueError, match="1d"):
        WeightedRandomSampler([[1.0, 2.0]], 1)
    with pytest.raises(RuntimeError):
        WeightedRandomSampler([1.0, -1.0], 1)
    with pytest.raises(RuntimeError):
        WeightedRandomSampler([0.0, 0.0], 1)
    with pytest.raises(RuntimeError, match="not enough"):
        WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False)


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, False), (2, 5, False), (2, 5, True)])
def test_batch_sampler_matches_torch(n, bs, drop):
    torch = pytest.importorskip("torch")
    ours = BatchSampler(range(n), bs, drop)
    theirs = torch.utils.data.BatchSampler(range(n), bs, drop)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_batch_sampler_errors():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError, match="drop_last"):
        BatchSampler(range(3), 2, 1)


def test_custom_sampler_subclass():
    class Reverse(Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

        def __len__(self):
            return self.n

    loader = DataLoader(RangeMap(5), batch_size=2, sampler=Reverse(5))
    assert [b.tolist() for b in loader] == [[4, 3], [2, 1], [0]] and len(loader) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Sampler(RangeMap(2))


def test_classes_take_type_parameters_like_torch():
    from typing import Tuple

    class Typed(Dataset[Tuple[int, int]]):
        def __getitem__(self, i):
            return i, i

        def __len__(self):
            return 2

    class TypedSampler(Sampler[int]):
        def __iter__(self):
            return iter([1, 0])

        def __len__(self):
            return 2

    loader: DataLoader[int] = DataLoader(Typed(), batch_size=2, sampler=TypedSampler())
    assert [b.tolist() for b in next(iter(loader))] == [[1, 0], [1, 0]]
    assert IterableDataset[int] is not None
