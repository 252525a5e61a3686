"""DistributedSampler with PyTorch's name, signature and semantics: each of `num_replicas`
processes reads its own, disjoint share of a map-style dataset.

Every replica builds the same index list (a permutation seeded with seed + epoch, or
0..n-1), evens it out to a multiple of `num_replicas` (repeating indices from the start, or
dropping the tail with `drop_last`), then keeps every `num_replicas`-th index from `rank` on.
The permutation comes from ember's Philox generator, so shuffled orders differ from
PyTorch's (a Mersenne Twister) for the same seed; the layout around it is the same.
"""
from ..._ops.random import Generator, randperm
from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _from_process_group(query):
    """The world size or rank of the default process group. ember.distributed is imported
    here, not at module level, so that loading data never pulls in the distributed package."""
    from ... import distributed
    if not distributed.is_available():
        raise RuntimeError("Requires distributed package to be available")
    # Like torch, an available but uninitialized package is left to raise its own error.
    return getattr(distributed, query)()


class DistributedSampler(Sampler):
    """Indices of `dataset` for replica `rank` of `num_replicas`, all replicas together
    covering the (padded or truncated) dataset once per epoch. Call `set_epoch` before each
    epoch for a new shuffle; otherwise every epoch repeats the same order."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None:
            num_replicas = _from_process_group("get_world_size")
        if rank is None:
            rank = _from_process_group("get_rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(self.dataset)
        # Integer division where torch takes ceil of a float quotient: the same numbers, with
        # no rounding for lengths past 2**53. Truncating keeps n // r per replica; padding
        # gives each replica ceil(n / r).
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = n // self.num_replicas
        else:
            self.num_samples = -(-n // self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _epoch_indices(self):
        """The full index list for this epoch, before it is evened out and split."""
        n = len(self.dataset)
        if not self.shuffle:
            return list(range(n))
        # A fresh generator keyed on seed + epoch: every replica draws the same permutation
        # without sharing state, and an epoch replays exactly when resumed.
        generator = Generator().manual_seed(self.seed + self.epoch)
        return randperm(n, generator=generator).tolist()

    def __iter__(self):
        indices = self._epoch_indices()
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            padding = self.total_size - len(indices)
            if padding > 0:
                # Whole copies of the list, as many as needed, when the dataset is smaller
                # than the padding (fewer items than replicas).
                repeats = -(-padding // len(indices))
                indices += (indices * repeats)[:padding]
        if len(indices) != self.total_size:
            raise AssertionError(f"Number of indices ({len(indices)}) does not match total_size ({self.total_size})")
        own = indices[self.rank:self.total_size:self.num_replicas]
        if len(own) != self.num_samples:
            raise AssertionError(f"Number of subsampled indices ({len(own)}) does not match num_samples "
                                 f"({self.num_samples})")
        return iter(own)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Sets the epoch that, added to `seed`, keys the next pass's shuffle."""
        self.epoch = epoch
