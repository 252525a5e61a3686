"""Variable-length sequences for the recurrent layers, as torch.nn.utils.rnn.

A PackedSequence holds the time steps of a batch of sequences sorted by decreasing length,
step by step: `data` is (sum of lengths, *features), `batch_sizes[t]` how many sequences are
still running at step t. RNN, LSTM and GRU take one and return one, so padding never enters
the recurrence.
"""
from collections import namedtuple

from ..._tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence", "pack_sequence",
           "unpad_sequence", "unpack_sequence"]


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                           self.unsorted_indices)

    @property
    def is_cuda(self):
        return self.data.is_cuda


def _invert_permutation(permutation):
    from ... import arange, empty_like
    out = empty_like(permutation)
    out[permutation] = arange(permutation.numel(), dtype=permutation.dtype)
    return out


def _lengths_list(lengths):
    if isinstance(lengths, Tensor):
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences of `lengths`."""
    from ... import cat, int64, tensor
    lengths = _lengths_list(lengths)
    if any(n <= 0 for n in lengths):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in "
                           "'lengths' that is <= 0")
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                               "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                               "pack_sequence to sidestep this requirement if you do not need ONNX "
                               "exportability.")
        order = None
    else:
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        lengths = [lengths[i] for i in order]
    if batch_first:
        input = input.transpose(0, 1)
    if order is not None:
        input = input.index_select(1, tensor(order, dtype=int64))
    if lengths[0] > input.shape[0]:
        raise RuntimeError(f"pack_padded_sequence: a length {lengths[0]} exceeds the {input.shape[0]} steps "
                           "of the padded input")
    batch_sizes = [sum(1 for n in lengths if n > t) for t in range(lengths[0])]
    data = cat([input[t, :b] for t, b in enumerate(batch_sizes)])
    sorted_indices = None if order is None else tensor(order, dtype=int64)
    return PackedSequence(data, tensor(batch_sizes, dtype=int64), sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded batch, lengths)."""
    from ... import full, int64, stack, tensor
    data, batch_sizes = sequence.data, [int(b) for b in sequence.batch_sizes.tolist()]
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence "
                             f"input, but got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    batch = batch_sizes[0]
    rows, offset = [], 0
    for b in batch_sizes:
        step = data[offset:offset + b]
        if b < batch:
            pad = full((batch - b,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
            step = _cat_rows(step, pad)
        rows.append(step)
        offset += b
    for _ in range(steps - len(batch_sizes)):
        rows.append(full((batch,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype))
    padded = stack(rows)  # (T, B, *)
    lengths = [sum(1 for b in batch_sizes if b > i) for i in range(batch)]
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = [lengths[i] for i in sequence.unsorted_indices.tolist()]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, tensor(lengths, dtype=int64)


def _cat_rows(a, b):
    from ... import cat
    return cat([a, b])


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Sequences of shapes (L_i, *) padded to (max L, B, *) (or (B, max L, *) with batch_first)."""
    from ... import full, stack
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            pad = full((missing,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype, device=s.device)
            s = _cat_rows(s, pad) if padding_side == "right" else _cat_rows(pad, s)
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:n] for seq, n in zip(padded_sequences, _lengths_list(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
