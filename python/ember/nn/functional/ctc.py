"""nn.functional.ctc_loss: the Connectionist Temporal Classification loss, with PyTorch's
signature and gradient.

The native kernels (csrc/cpu/ctc.cpp: one thread per sequence) compute it where the native
module has them; otherwise (a build that predates them) the same recursions run as ember ops,
as described below.

The loss of one sequence is -log of the total probability of the alignments of its target
(blanks between and around the labels, repeats collapsed) to its input frames. The forward
variables alpha run over the extended target (blank, l1, blank, l2, ..., blank) in log space,
one vectorised step per frame for the whole batch; the backward variables beta run the other
way, and the gradient is formed from alpha + beta as in PyTorch:

    grad log_probs[t, n, c] = exp(log_probs[t, n, c])
                              - exp(logsumexp_{s: l'_s = c}(alpha_t(s) + beta_t(s)) + nll_n - log_probs[t, n, c])

which is the gradient with respect to log_probs when they are normalised (log_softmax
outputs), the way CTC is used; frames past an input's length get none.
"""
import math

import numpy as np

import ember
from ... import _C
from ..._tensor import Tensor, _wrap
from ..._op_layer import namespace
from ...autograd.function import Function

op = namespace("nn.functional")

__all__ = ["ctc_loss"]

_NEG_INF = float("-inf")


def _lengths(lengths, name, batch):
    """A list of ints from a tensor, list or tuple of lengths (one per sequence)."""
    if isinstance(lengths, Tensor):
        if lengths.is_floating_point() or lengths.dtype == ember.bool:
            raise ember.DTypeError(f"ctc_loss: {name} must be integers, got dtype {lengths.dtype}")
        values = lengths.reshape(-1).tolist()
    elif isinstance(lengths, int):
        values = [lengths]
    elif isinstance(lengths, (list, tuple)):
        values = list(lengths)
        if not all(isinstance(v, int) or (isinstance(v, Tensor) and v.numel() == 1) for v in values):
            raise TypeError(f"ctc_loss: {name} must be a tensor or a sequence of ints")
        values = [int(v) for v in values]
    else:
        raise TypeError(f"ctc_loss: {name} must be a tensor or a tuple of ints, not {type(lengths).__name__}")
    if len(values) != batch:
        raise RuntimeError(f"ctc_loss: {name} must be of size batch_size {batch}, got {len(values)}")
    if any(v < 0 for v in values):
        raise RuntimeError(f"ctc_loss: {name} must be non-negative, got {values}")
    return values


def _padded_targets(targets, target_lengths, batch):
    """The targets as an (N, max target length) int64 NumPy array, each row from its start."""
    if not isinstance(targets, Tensor):
        raise TypeError(f"ctc_loss(): argument 'targets' must be Tensor, not {type(targets).__name__}")
    if targets.is_floating_point() or targets.dtype == ember.bool:
        raise ember.DTypeError(f"ctc_loss: targets must be integers, got dtype {targets.dtype}")
    values = targets.to(ember.int64).cpu().numpy()
    longest = max(target_lengths, default=0)
    out = np.zeros((batch, longest), dtype=np.int64)
    if values.ndim == 1:
        if sum(target_lengths) > values.shape[0]:
            raise RuntimeError(f"ctc_loss: the target lengths sum to {sum(target_lengths)}, more than the "
                               f"{values.shape[0]} concatenated targets")
        start = 0
        for n, length in enumerate(target_lengths):
            out[n, :length] = values[start:start + length]
            start += length
    elif values.ndim == 2:
        if values.shape[0] != batch:
            raise RuntimeError(f"ctc_loss: targets of shape {list(values.shape)} must have batch size {batch}")
        if longest > values.shape[1]:
            raise RuntimeError(f"ctc_loss: Expected tensor to have size at least {longest} at dimension 1, but got "
                               f"size {values.shape[1]} for argument #2 'targets'")
        for n, length in enumerate(target_lengths):
            out[n, :length] = values[n, :length]
    else:
        raise RuntimeError(f"ctc_loss: targets must be 1-D (concatenated) or 2-D (padded), got {values.ndim}-D")
    return out


def _extended(padded, target_lengths, blank):
    """(labels, skip): the extended targets (N, 2 S + 1) and where the step s-2 -> s is allowed
    (a label that differs from the label two before it)."""
    batch, longest = padded.shape
    labels = np.full((batch, 2 * longest + 1), blank, dtype=np.int64)
    labels[:, 1::2] = padded
    skip = np.zeros(labels.shape, dtype=bool)
    skip[:, 3::2] = padded[:, 1:] != padded[:, :-1]
    for n, length in enumerate(target_lengths):
        labels[n, 2 * length + 1:] = blank
        skip[n, 2 * length + 1:] = False
    return labels, skip


# Below any log probability that is not -inf: the peak subtracted in a logsumexp whose terms
# are all -inf, so that it gives -inf rather than nan.
_FLOOR = -1e30


def _lse(parts):
    """logsumexp over the same-shaped tensors `parts`, -inf (not nan) where all are -inf."""
    stacked = ember.stack(parts)
    peak = stacked.amax(0).clamp(min=_FLOOR)
    return (stacked - peak).exp().sum(0).log() + peak


def _additive(mask, dtype):
    """A bool NumPy mask as 0 where True and -inf where False, to add to log values."""
    return ember.from_numpy(np.where(mask, 0.0, _NEG_INF)).to(dtype)


def _frames(condition):
    """A bool NumPy (T, N) array as a (T, N, 1) tensor: per frame, a mask over the batch."""
    return ember.from_numpy(np.ascontiguousarray(condition)).unsqueeze(2)


class _CTC(Function):
    """The per-sequence negative log likelihoods, with the alpha-beta gradient."""

    @staticmethod
    def forward(ctx, log_probs, labels, skip, input_lengths, target_lengths, blank, zero_infinity):
        T, N, C = log_probs.shape
        S = labels.shape[1]
        dtype = log_probs.dtype
        index = ember.from_numpy(labels).unsqueeze(0).expand(T, N, S)
        emit = log_probs.gather(2, index)  # (T, N, S): log prob of each extended label per frame
        skip_add = _additive(skip, dtype)
        active = _frames(np.arange(T)[:, None] < np.asarray(input_lengths)[None, :])
        neg = ember.full((), _NEG_INF, dtype=dtype)
        start = np.zeros((N, S), dtype=bool)
        start[:, 0] = True
        start[np.asarray(target_lengths) > 0, 1 if S > 1 else 0] = True
        alpha = _additive(start, dtype)
        if T:
            alpha = alpha + emit[0]
        alphas = [alpha]
        # alpha with two -inf columns in front: the steps from s-1 and s-2 are slices of it
        pad = ember.full((N, 2), _NEG_INF, dtype=dtype)
        padded = ember.cat([pad, alpha], 1)
        for t in range(1, T):
            step = emit[t] + _lse([alpha, padded[:, 1:-1], padded[:, :-2] + skip_add])
            alpha = ember.where(active[t], step, alpha)  # frozen after the input's last frame
            alphas.append(alpha)
            padded = ember.cat([pad, alpha], 1)
        ends = np.asarray(target_lengths, dtype=np.int64) * 2
        last = alpha.gather(1, ember.from_numpy(np.stack([ends, np.maximum(ends - 1, 0)], 1)))
        before = ember.where(ember.from_numpy(ends > 0), last[:, 1], neg)
        nll = -_lse([last[:, 0], before])
        # no frames: the empty alignment matches exactly the empty target
        empty = ember.from_numpy(np.asarray(input_lengths) == 0)
        nll = ember.where(empty, ember.from_numpy(np.where(ends == 0, 0.0, math.inf)).to(nll.dtype), nll)
        ctx.save_for_backward(log_probs, nll)
        ctx.alphas = alphas
        ctx.emit = emit
        ctx.meta = (labels, skip, input_lengths, target_lengths, zero_infinity)
        return ember.where(nll == math.inf, ember.zeros((), dtype=nll.dtype), nll) if zero_infinity else nll

    @staticmethod
    def backward(ctx, grad):
        log_probs, nll = ctx.saved_tensors
        labels, skip, input_lengths, target_lengths, zero_infinity = ctx.meta
        alphas, emit = ctx.alphas, ctx.emit
        T, N, C = log_probs.shape
        S = labels.shape[1]
        if T == 0:
            return (ember.zeros_like(log_probs),) + (None,) * 6
        dtype = log_probs.dtype
        lengths = np.asarray(input_lengths)
        # beta steps s -> s+2 where the label at s+2 may follow the one at s
        skip_next = _additive(np.concatenate([skip[:, 2:], np.zeros((N, 2), dtype=bool)], 1)[:, :S], dtype)
        end = np.zeros((N, S), dtype=bool)
        ends = np.asarray(target_lengths) * 2
        end[np.arange(N), ends] = True
        end[np.arange(N)[ends > 0], (ends - 1)[ends > 0]] = True
        end_add = _additive(end, dtype)
        frames = np.arange(T)[:, None]
        first_frame = _frames(frames + 1 == lengths[None, :])  # where beta starts, at the last frame
        later = _frames(frames + 1 < lengths[None, :])
        neg = ember.full((), _NEG_INF, dtype=dtype)
        pad = ember.full((N, 2), _NEG_INF, dtype=dtype)
        beta = ember.full((N, S), _NEG_INF, dtype=dtype)
        padded = ember.cat([beta, pad], 1)  # two -inf columns behind: steps to s+1, s+2 are slices
        betas = [None] * T
        for t in range(T - 1, -1, -1):
            step = emit[t] + _lse([beta, padded[:, 1:-1], padded[:, 2:] + skip_next])
            beta = ember.where(first_frame[t], emit[t] + end_add, ember.where(later[t], step, neg))
            betas[t] = beta
            padded = ember.cat([beta, pad], 1)
        both = ember.stack(alphas) + ember.stack(betas)  # (T, N, S)
        # logsumexp over the s with the same label, per class: scatter exp(both - max) and sum
        peak = both.amax(2, keepdim=True)
        peak = ember.where(peak == _NEG_INF, ember.zeros((), dtype=dtype), peak)
        index = ember.from_numpy(labels).unsqueeze(0).expand(T, N, S)
        summed = ember.zeros((T, N, C), dtype=dtype).scatter_add(2, index, (both - peak).exp())
        lcab = summed.log() + peak
        g = log_probs.exp() - (lcab + nll.reshape(1, N, 1) - log_probs).exp()
        active = _frames(frames < lengths[None, :])
        g = ember.where(active, g, ember.zeros((), dtype=dtype))
        if zero_infinity:
            g = ember.where((nll == math.inf).reshape(1, N, 1), ember.zeros((), dtype=dtype), g)
        return (g * grad.reshape(1, N, 1),) + (None,) * 6


class _CTCKernel(Function):
    """The native forward (nll and log_alpha) and backward of ctc_loss."""

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        nll, log_alpha = _C.ctc_loss_forward(log_probs._impl, targets._impl, input_lengths, target_lengths, blank)
        nll, log_alpha = _wrap(nll), _wrap(log_alpha)
        ctx.save_for_backward(log_probs, targets, nll, log_alpha)
        ctx.meta = (input_lengths, target_lengths, blank, zero_infinity)
        return ember.where(nll == math.inf, ember.zeros((), dtype=nll.dtype), nll) if zero_infinity else nll

    @staticmethod
    def backward(ctx, grad):
        log_probs, targets, nll, log_alpha = ctx.saved_tensors
        input_lengths, target_lengths, blank, zero_infinity = ctx.meta
        g = _C.ctc_loss_backward(grad._impl, log_probs._impl, targets._impl, input_lengths, target_lengths,
                                 nll._impl, log_alpha._impl, blank, zero_infinity)
        return (_wrap(g),) + (None,) * 5


@op
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """The CTC loss of log_probs (T, N, C) or (T, C) (log_softmax outputs) against targets
    (N, S) padded or (sum of target_lengths,) concatenated; reduction 'mean' divides each loss
    by its target length before averaging over the batch."""
    if not isinstance(log_probs, Tensor):
        raise TypeError(f"ctc_loss(): argument 'log_probs' must be Tensor, not {type(log_probs).__name__}")
    if not log_probs.is_floating_point():
        raise ember.DTypeError(f"ctc_loss: log_probs must be floating, got dtype {log_probs.dtype}")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"ctc_loss: {reduction} is not a valid value for reduction")
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if isinstance(targets, Tensor) and targets.dim() == 1:
            targets = targets.unsqueeze(0)
    if log_probs.dim() != 3:
        raise RuntimeError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got shape {list(log_probs.shape)}")
    T, N, C = log_probs.shape
    if log_probs.numel() == 0:
        raise RuntimeError(f"ctc_loss: log_probs tensor must not be empty, got shape {list(log_probs.shape)}")
    if not 0 <= blank < C:
        raise RuntimeError(f"ctc_loss: blank must be in label range [0, {C}), got {blank}")
    in_lengths = _lengths(input_lengths, "input_lengths", N)
    tg_lengths = _lengths(target_lengths, "target_lengths", N)
    if any(v > T for v in in_lengths):
        raise RuntimeError(f"ctc_loss: Expected input_lengths to have value at most {T}, but got value "
                           f"{max(in_lengths)}")
    padded = _padded_targets(targets, tg_lengths, N)
    if padded.size and (padded.min() < 0 or padded.max() >= C):
        raise IndexError(f"ctc_loss: targets must be class indices in [0, {C}), got values in "
                         f"[{padded.min()}, {padded.max()}]")
    dtype = log_probs.dtype
    work = log_probs.to(ember.float32) if dtype in (ember.float16, ember.bfloat16) else log_probs
    if hasattr(_C, "ctc_loss_forward"):
        nll = _CTCKernel.apply(work, ember.from_numpy(padded), in_lengths, tg_lengths, blank, bool(zero_infinity))
    else:
        labels, skip = _extended(padded, tg_lengths, blank)
        nll = _CTC.apply(work, labels, skip, in_lengths, tg_lengths, blank, bool(zero_infinity))
    if nll.dtype != dtype:
        nll = nll.to(dtype)
    if reduction == "sum":
        return nll.sum()
    if reduction == "mean":
        divisor = ember.tensor(tg_lengths, dtype=dtype).clamp(min=1)
        return (nll / divisor).mean()
    return nll.squeeze(0) if unbatched else nll
