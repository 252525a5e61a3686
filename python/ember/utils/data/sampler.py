"""Samplers with PyTorch's names and semantics: iterables of dataset keys (or, for
`BatchSampler`, of lists of keys) that a DataLoader draws from.

Random samplers draw from ember's Philox generators. Without an explicit `generator`, each
pass draws a fresh seed from the default generator, so `ember.manual_seed(s)` fixes every epoch
that follows (the numbers differ from PyTorch's, whose generator is a different algorithm).
"""
import numbers
from typing import Generic, TypeVar

from ... import _C
from ..._ops.random import Generator, randint, randperm
from ..._ops.creation import empty, tensor
from ..._tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class: subclasses define `__iter__` (the keys, in order) and usually `__len__`."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _fresh_generator():
    """A Generator seeded from the default one: the draw advances the default stream, so a
    manual_seed before the epoch makes the epoch's order reproducible."""
    seed = int(empty((), dtype=_C.dtype.int64).random_().item())
    return Generator().manual_seed(seed)


def _check_generator(generator):
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"generator must be an ember.Generator or None, got {type(generator).__name__}")
    return generator


class RandomSampler(Sampler):
    """A random permutation of the indices, or with `replacement=True` `num_samples` indices
    drawn uniformly. Without replacement and with num_samples > len, whole permutations follow
    each other (then a part of one)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = _check_generator(generator)
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, numbers.Integral) or isinstance(self.num_samples, bool) \
                or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        generator = self.generator if self.generator is not None else _fresh_generator()
        if self.replacement:
            # In chunks, like PyTorch, so a huge num_samples does not make a huge tensor.
            for _ in range(self.num_samples // 32):
                yield from randint(high=n, size=(32,), dtype=_C.dtype.int64, generator=generator).tolist()
            yield from randint(high=n, size=(self.num_samples % 32,), dtype=_C.dtype.int64,
                               generator=generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from randperm(n, generator=generator).tolist()
            yield from randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order, without replacement."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = _check_generator(generator)

    def __iter__(self):
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices in [0, len(weights)) drawn with probability proportional to
    `weights` (which need not sum to 1), with or without replacement."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, numbers.Integral) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = weights.detach().to(_C.dtype.float64) if isinstance(weights, Tensor) \
            else tensor(weights, dtype=_C.dtype.float64)
        if w.dim() != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = _check_generator(generator)
        wn = w.cpu().numpy()
        if not (wn >= 0).all() or not (wn < float("inf")).all():
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0 or inf or nan)")
        if not (wn > 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not replacement and self.num_samples > int((wn > 0).sum()):
            raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough non-negative "
                               "category to sample)")

    def __iter__(self):
        yield from self._draw().tolist()

    def _draw(self):
        import ember
        w = self.weights
        n = w.numel()
        if self.replacement:
            # Inverse CDF: u uniform on [0, total) falls in item i's interval [cdf[i-1], cdf[i]),
            # which is empty for a zero weight.
            cdf = ember.cumsum(w, 0)
            u = ember.rand(self.num_samples, dtype=_C.dtype.float64, generator=self.generator) * cdf[-1]
            return ember.searchsorted(cdf, u, right=True).clamp(max=n - 1)
        # Without replacement: the k smallest of E_i / w_i (E_i exponential) are a weighted draw
        # without replacement in order (the exponential-clocks form of successive sampling).
        keys = empty(n, dtype=_C.dtype.float64).exponential_(generator=self.generator) / w
        return ember.argsort(keys)[:self.num_samples]

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the keys of `sampler` into lists of `batch_size`; the last, shorter list is kept
    unless `drop_last`."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        size = self.batch_size
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
