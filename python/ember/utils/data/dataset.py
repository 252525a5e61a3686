"""Datasets with PyTorch's names and semantics: map-style `Dataset` (indexable, sized) and
`IterableDataset` (a stream), and the wrappers that combine or cut them."""
import bisect
import itertools
import math
import numbers
import warnings
from typing import Generic, TypeVar

from ..._ops.random import default_generator, randperm
from ..._tensor import Tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset",
           "Subset", "random_split"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map from keys (usually the indices 0..len-1) to samples. Subclasses define
    `__getitem__` and, for the default samplers, `__len__`; a `__getitems__(indices)` that
    returns the list of samples lets the DataLoader fetch a whole batch in one call."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A stream of samples: subclasses define `__iter__`. With `num_workers > 0` every worker
    process iterates its own copy of the dataset, so unless `__iter__` shards its stream with
    `get_worker_info()` each sample comes once per worker."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


def _first_dim(t):
    return t.size(0) if isinstance(t, Tensor) else len(t)


class TensorDataset(Dataset):
    """Samples are the rows of the given tensors: `ds[i] == tuple(t[i] for t in tensors)`."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = _first_dim(tensors[0])
        if any(_first_dim(t) != n for t in tensors):
            raise ValueError("Size mismatch between tensors: TensorDataset needs tensors of the same size in "
                             f"dimension 0, got {[_first_dim(t) for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return _first_dim(self.tensors[0])


class StackDataset(Dataset):
    """Zips datasets of one length: positional ones give tuple samples, keyword ones dict
    samples (`StackDataset(image=a, label=b)[i] == {"image": a[i], "label": b[i]}`)."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        if args:
            self._length = len(args[0])
            if any(self._length != len(d) for d in args):
                raise ValueError("Size mismatch between datasets")
            self.datasets = args
        elif kwargs:
            values = list(kwargs.values())
            self._length = len(values[0])
            if any(self._length != len(d) for d in values):
                raise ValueError("Size mismatch between datasets")
            self.datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices):
        n = len(indices)
        if isinstance(self.datasets, dict):
            out = [{} for _ in range(n)]
            for k, d in self.datasets.items():
                for s, v in zip(out, _fetch_many(d, indices)):
                    s[k] = v
            return out
        columns = [_fetch_many(d, indices) for d in self.datasets]
        return [tuple(c[i] for c in columns) for i in range(n)]

    def __len__(self):
        return self._length


def _fetch_many(dataset, indices):
    getitems = getattr(dataset, "__getitems__", None)
    if getitems:
        items = getitems(indices)
        if len(items) != len(indices):
            raise ValueError(f"Nested dataset's output size mismatch. Expected {len(indices)}, got {len(items)}")
        return items
    return [dataset[i] for i in indices]


class ConcatDataset(Dataset):
    """Map-style datasets one after another: index i of the whole maps to the dataset that
    holds it. Negative indices count from the end."""

    @staticmethod
    def cumsum(sequence):
        out, total = [], 0
        for d in sequence:
            total += len(d)
            out.append(total)
        return out

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset (use ChainDataset)")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Iterable datasets chained into one stream (built lazily, each time it is iterated)."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        # Keeps a wrapped dataset's batched fetch, as PyTorch's Subset does.
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems:
            return getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=default_generator):
    """Splits `dataset` into non-overlapping random `Subset`s of the given lengths, or of the
    given fractions of its length (which must sum to 1; the items left over by flooring go to
    the splits one each, round robin). The permutation comes from `generator`, so
    `ember.manual_seed(s)` (or a seeded Generator) fixes the split."""
    lengths = list(lengths)
    n = len(dataset)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.")
        lengths = counts
    for length in lengths:
        if isinstance(length, bool) or not isinstance(length, numbers.Integral) or length < 0:
            raise ValueError(f"random_split: lengths must be non-negative integers or fractions summing to 1, "
                             f"got {lengths}")
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = randperm(n, generator=generator).tolist()
    return [Subset(dataset, indices[offset - length:offset])
            for offset, length in zip(itertools.accumulate(lengths), lengths)]
