"""ember.utils.data.DistributedSampler: its layout (padding, drop_last, the split across
replicas) against torch's DistributedSampler where torch is installed, and the properties of
its shuffle, whose permutations come from ember's Philox generator and so differ from torch's."""
import itertools

import numpy as np
import pytest

import ember
import ember.distributed
from ember.utils.data import DataLoader, DistributedSampler, Sampler, TensorDataset
from ember.utils.data import distributed as distributed_module

SIZES = [0, 1, 2, 3, 5, 7, 10, 12, 13, 31]
REPLICAS = [1, 2, 3, 4, 7, 16]


class Sized:
    """A dataset of which the sampler reads only the length."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


def all_ranks(n, num_replicas, **kwargs):
    """Each rank's index list, for one epoch."""
    epoch = kwargs.pop("epoch", 0)
    lists = []
    for rank in range(num_replicas):
        sampler = DistributedSampler(Sized(n), num_replicas=num_replicas, rank=rank, **kwargs)
        sampler.set_epoch(epoch)
        lists.append(list(sampler))
    return lists


def interleave(lists):
    """The ranks' lists put back in the order the sampler split them from (rank r took
    positions r, r + R, r + 2R, ...)."""
    return [i for group in zip(*lists) for i in group]


def torch_ranks(torch, n, num_replicas, **kwargs):
    from torch.utils.data.distributed import DistributedSampler as TorchDistributedSampler
    epoch = kwargs.pop("epoch", 0)
    lists = []
    for rank in range(num_replicas):
        sampler = TorchDistributedSampler(Sized(n), num_replicas=num_replicas, rank=rank, **kwargs)
        sampler.set_epoch(epoch)
        lists.append(list(sampler))
    return lists


def ember_permutation(n, seed):
    return ember.randperm(n, generator=ember.Generator().manual_seed(seed)).tolist()


# ---- torch parity ----

@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_lists_equal_torch(drop_last):
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchDistributedSampler
    for n, num_replicas in itertools.product(SIZES, REPLICAS):
        for rank in range(num_replicas):
            ours = DistributedSampler(Sized(n), num_replicas=num_replicas, rank=rank, shuffle=False,
                                      drop_last=drop_last)
            theirs = TorchDistributedSampler(Sized(n), num_replicas=num_replicas, rank=rank, shuffle=False,
                                             drop_last=drop_last)
            assert list(ours) == list(theirs), (n, num_replicas, rank)
            for attr in ("num_replicas", "rank", "epoch", "num_samples", "total_size", "shuffle", "seed",
                         "drop_last"):
                assert getattr(ours, attr) == getattr(theirs, attr), (attr, n, num_replicas, rank)
            assert len(ours) == len(theirs)


@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_lists_equal_torch_given_the_same_permutation(monkeypatch, drop_last):
    """torch's own sampler, its randperm swapped for ember's permutation of the same seed:
    then everything around the permutation (padding, truncation, split) must agree exactly."""
    torch = pytest.importorskip("torch")
    real_randperm = torch.randperm

    def randperm_like_ember(n, generator=None, **kwargs):
        return real_randperm(0).new_tensor(ember_permutation(n, generator.initial_seed()))

    monkeypatch.setattr(torch, "randperm", randperm_like_ember)
    for n, num_replicas in itertools.product(SIZES, REPLICAS):
        for seed, epoch in [(0, 0), (0, 3), (17, 1)]:
            kwargs = dict(shuffle=True, seed=seed, drop_last=drop_last, epoch=epoch)
            assert all_ranks(n, num_replicas, **kwargs) == torch_ranks(torch, n, num_replicas, **kwargs), \
                (n, num_replicas, seed, epoch)


def test_randperm_differs_from_torch():
    """Documents why the shuffled orders are not compared with torch's directly: ember's
    generator is Philox, torch's CPU generator a Mersenne Twister."""
    torch = pytest.importorskip("torch")
    n, seed = 100, 0
    assert ember_permutation(n, seed) != torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()


def test_error_messages_equal_torch():
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchDistributedSampler
    for num_replicas, rank in [(4, 4), (4, -1), (1, 2)]:
        with pytest.raises(ValueError) as theirs:
            TorchDistributedSampler(Sized(10), num_replicas=num_replicas, rank=rank)
        with pytest.raises(ValueError, match=f"^{__import__('re').escape(str(theirs.value))}$"):
            DistributedSampler(Sized(10), num_replicas=num_replicas, rank=rank)


# ---- layout ----

@pytest.mark.parametrize("n,num_replicas,drop_last,expected", [
    (10, 3, False, [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]),
    (10, 3, True, [[0, 3, 6], [1, 4, 7], [2, 5, 8]]),
    (9, 3, True, [[0, 3, 6], [1, 4, 7], [2, 5, 8]]),
    # Fewer items than replicas: the list repeats whole, then in part.
    (2, 5, False, [[0], [1], [0], [1], [0]]),
    (1, 4, False, [[0], [0], [0], [0]]),
    (2, 5, True, [[], [], [], [], []]),
    (0, 3, False, [[], [], []]),
    (0, 3, True, [[], [], []]),
])
def test_unshuffled_layout(n, num_replicas, drop_last, expected):
    assert all_ranks(n, num_replicas, shuffle=False, drop_last=drop_last) == expected


@pytest.mark.parametrize("n,num_replicas,drop_last,num_samples", [
    (10, 3, False, 4), (10, 3, True, 3), (9, 3, False, 3), (9, 3, True, 3), (2, 5, False, 1), (2, 5, True, 0),
    (0, 4, False, 0), (0, 4, True, 0), (1, 1, False, 1),
])
def test_sizes(n, num_replicas, drop_last, num_samples):
    sampler = DistributedSampler(Sized(n), num_replicas=num_replicas, rank=0, drop_last=drop_last)
    assert sampler.num_samples == num_samples == len(sampler)
    assert sampler.total_size == num_samples * num_replicas


def test_attributes_and_defaults():
    dataset = Sized(8)
    sampler = DistributedSampler(dataset, num_replicas=2, rank=1)
    assert isinstance(sampler, Sampler)
    assert sampler.dataset is dataset
    assert (sampler.num_replicas, sampler.rank, sampler.epoch) == (2, 1, 0)
    assert (sampler.shuffle, sampler.seed, sampler.drop_last) == (True, 0, False)
    sampler.set_epoch(5)
    assert sampler.epoch == 5


@pytest.mark.parametrize("rank", [3, 7, -1])
def test_rank_outside_the_replicas(rank):
    with pytest.raises(ValueError, match=r"Invalid rank .*, rank should be in the interval \[0, 2\]"):
        DistributedSampler(Sized(10), num_replicas=3, rank=rank)


# ---- shuffle ----

@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n,num_replicas", [(0, 3), (1, 4), (2, 5), (7, 1), (10, 3), (12, 4), (13, 4), (31, 7)])
def test_each_epoch_splits_the_evened_permutation(n, num_replicas, drop_last):
    for epoch in range(3):
        lists = all_ranks(n, num_replicas, drop_last=drop_last, epoch=epoch, seed=11)
        assert len({len(own) for own in lists}) <= 1
        joined = interleave(lists)
        perm = ember_permutation(n, 11 + epoch)
        assert sorted(perm) == list(range(n))
        if drop_last:
            # Only the tail of the permutation is dropped, never an index repeated.
            assert joined == perm[:len(joined)]
            assert len(joined) == n - n % num_replicas
        else:
            # Every index appears; the padding repeats the permutation from its start.
            total = len(joined)
            assert total == -(-n // num_replicas) * num_replicas
            assert joined == (perm * (total // max(n, 1) + 1))[:total]
            assert set(joined) == set(range(n))


def test_deterministic_per_seed_and_epoch():
    first = all_ranks(50, 4, seed=3, epoch=2)
    again = all_ranks(50, 4, seed=3, epoch=2)
    assert first == again
    # Only seed + epoch keys the shuffle.
    assert all_ranks(50, 4, seed=1, epoch=4) == first


def test_set_epoch_changes_the_order():
    sampler = DistributedSampler(Sized(50), num_replicas=2, rank=0, seed=0)
    orders = []
    for epoch in range(4):
        sampler.set_epoch(epoch)
        orders.append(list(sampler))
        assert list(sampler) == orders[-1]  # the same epoch twice: the same order
    assert len({tuple(order) for order in orders}) == 4
    sampler.set_epoch(1)
    assert list(sampler) == orders[1]


def test_seed_changes_the_order():
    assert all_ranks(50, 2, seed=0) != all_ranks(50, 2, seed=1)


def test_shuffle_leaves_the_default_generator_alone():
    ember.manual_seed(123)
    expected = ember.rand(4).tolist()
    ember.manual_seed(123)
    list(DistributedSampler(Sized(20), num_replicas=2, rank=0))
    assert ember.rand(4).tolist() == expected


def test_shuffle_off_ignores_epoch():
    sampler = DistributedSampler(Sized(10), num_replicas=2, rank=1, shuffle=False)
    before = list(sampler)
    sampler.set_epoch(9)
    assert list(sampler) == before == [1, 3, 5, 7, 9]


# ---- the process group ----

def test_without_a_distributed_package_size_or_rank_is_required(monkeypatch):
    monkeypatch.setattr(ember.distributed, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="^Requires distributed package to be available$"):
        DistributedSampler(Sized(10))
    with pytest.raises(RuntimeError, match="^Requires distributed package to be available$"):
        DistributedSampler(Sized(10), num_replicas=2)
    with pytest.raises(RuntimeError, match="^Requires distributed package to be available$"):
        DistributedSampler(Sized(10), rank=0)


def test_without_a_process_group_the_missing_group_is_named():
    if not ember.distributed.is_available():
        pytest.skip("mpi4py is not installed")
    assert not ember.distributed.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(Sized(10))


def test_size_and_rank_come_from_the_process_group(monkeypatch):
    monkeypatch.setattr(ember.distributed, "is_available", lambda: True)
    monkeypatch.setattr(ember.distributed, "is_initialized", lambda: True)
    monkeypatch.setattr(ember.distributed, "get_world_size", lambda group=None: 3)
    monkeypatch.setattr(ember.distributed, "get_rank", lambda group=None: 2)
    sampler = DistributedSampler(Sized(10), shuffle=False)
    assert (sampler.num_replicas, sampler.rank) == (3, 2)
    assert list(sampler) == [2, 5, 8, 1]
    # An explicit value wins over the group's.
    assert DistributedSampler(Sized(10), rank=0).num_replicas == 3
    assert DistributedSampler(Sized(10), num_replicas=5).rank == 2


def test_available_but_uninitialized_raises_the_groups_error(monkeypatch):
    monkeypatch.setattr(ember.distributed, "is_available", lambda: True)

    def no_group(group=None):
        raise ValueError("Default process group has not been initialized")

    monkeypatch.setattr(ember.distributed, "get_world_size", no_group)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(Sized(10), rank=0)


def test_module_path():
    assert distributed_module.DistributedSampler is DistributedSampler
    assert "DistributedSampler" in ember.utils.data.__all__


# ---- with a DataLoader ----

@pytest.mark.parametrize("shuffle", [False, True])
def test_data_loader_reads_each_ranks_share(shuffle):
    n, num_replicas, batch_size = 10, 3, 2
    x = ember.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2))
    y = ember.tensor(np.arange(n, dtype=np.int64))
    dataset = TensorDataset(x, y)
    seen = []
    for rank in range(num_replicas):
        sampler = DistributedSampler(dataset, num_replicas=num_replicas, rank=rank, shuffle=shuffle, seed=5)
        sampler.set_epoch(1)
        loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler)
        assert len(loader) == 2
        indices = list(sampler)
        batches = list(loader)
        labels = [int(v) for _, yb in batches for v in yb.tolist()]
        assert labels == indices
        for xb, yb in batches:
            assert xb.shape[1] == 2
            assert xb.numpy().tolist() == x.numpy()[yb.numpy()].tolist()
        seen.extend(labels)
    assert len(seen) == 12 and set(seen) == set(range(n))


def test_data_loader_with_sampler_and_shuffle_is_refused():
    dataset = TensorDataset(ember.arange(6))
    sampler = DistributedSampler(dataset, num_replicas=2, rank=0)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(dataset, sampler=sampler, shuffle=True)
