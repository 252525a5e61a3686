"""Shape and layout ONNX ops: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand, Tile,
Concat, Split, Slice, Pad, DepthToSpace, SpaceToDepth, Trilu, ReverseSequence, CenterCropPad."""
import ember
import ember.nn.functional as F

from ..registry import imports
from .common import axes, axis, ints


@imports("Reshape")
def reshape(node, x, shape=None):
    target = node.attr("shape") if node.opset < 5 else ints(shape)
    if not node.attr("allowzero", 0):  # 0 copies the input's size in that dim
        target = [x.shape[i] if d == 0 else d for i, d in enumerate(target)]
    return x.reshape(target)


@imports("Flatten")
def flatten(node, x):
    a = node.attr("axis", 1)
    a = a + x.ndim if a < 0 else a  # in [-rank, rank]: rank makes one column
    rows = 1
    for d in x.shape[:a]:
        rows *= d
    cols = 1
    for d in x.shape[a:]:
        cols *= d
    return x.reshape(rows, cols)


@imports("Squeeze")
def squeeze(node, x, axes_input=None):
    dims = node.attr("axes") if node.opset < 13 else ints(axes_input)
    if dims is None:
        return x.squeeze()
    dims = axes(dims, x.ndim)
    for d in dims:
        if x.shape[d] != 1:
            raise ValueError(f"Squeeze: dim {d} of shape {list(x.shape)} is not of size 1")
    return x.squeeze(tuple(dims)) if dims else x


@imports("Unsqueeze")
def unsqueeze(node, x, axes_input=None):
    dims = node.attr("axes") if node.opset < 13 else ints(axes_input)
    rank = x.ndim + len(dims)
    shape = list(x.shape)
    for d in sorted(axes(dims, rank)):  # axes count in the output's rank
        shape.insert(d, 1)
    return x.reshape(shape)


@imports("Transpose")
def transpose(node, x):
    perm = node.attr("perm")
    if perm is None:
        perm = list(range(x.ndim))[::-1]
    return x.permute(*perm)


@imports("Expand")
def expand(node, x, shape):
    # Broadcasting both ways: a 1 in `shape` keeps the input's size.
    return x.expand(*ember.broadcast_shapes(tuple(x.shape), tuple(ints(shape))))


@imports("Tile")
def tile(node, x, repeats, axis_input=None):
    if node.opset < 6:  # Tile-1: one axis, repeated `tiles` times
        reps = [1] * x.ndim
        reps[int(axis_input.item())] = int(repeats.item())
        return x.repeat(*reps)
    return x.repeat(*ints(repeats)) if x.ndim else x.clone()


@imports("Concat")
def concat(node, *xs):
    dim = axis(node.attr("axis", 1 if node.opset < 4 else None), xs[0].ndim)
    return ember.cat(list(xs), dim=dim)


@imports("Split")
def split(node, x, split_input=None):
    dim = axis(node.attr("axis", 0), x.ndim)
    sizes = ints(split_input) if node.opset >= 13 else node.attr("split")
    if not sizes:
        n = node.attr("num_outputs", node.num_outputs) if node.opset >= 18 else node.num_outputs
        length = x.shape[dim]
        size = -(-length // n)  # equal parts, the last one smaller when the length does not divide
        sizes = [min(size, max(length - i * size, 0)) for i in range(n)]
    return tuple(ember.split(x, sizes, dim=dim))


@imports("Slice")
def slice_(node, x, starts=None, ends=None, axes_input=None, steps=None):
    if node.opset < 10:
        starts, ends, dims = node.attr("starts"), node.attr("ends"), node.attr("axes")
        step_values = None
    else:
        starts, ends, dims, step_values = ints(starts), ints(ends), ints(axes_input), ints(steps)
    dims = list(range(len(starts))) if dims is None else axes(dims, x.ndim)
    step_values = step_values or [1] * len(starts)
    index = [slice(None)] * x.ndim
    for d, start, end, step in zip(dims, starts, ends, step_values):
        index[d] = _slice(start, end, step, x.shape[d])
    return x[tuple(index)]


def _slice(start, end, step, size):
    """ONNX's clamping of one axis's (start, end, step) as a Python slice."""
    if step == 0:
        raise ValueError("Slice: a step of 0")
    if start < 0:
        start += size
    if end < 0:
        end += size
    if step > 0:
        return slice(min(max(start, 0), size), min(max(end, 0), size), step)
    start = min(max(start, 0), size - 1)
    end = min(max(end, -1), size - 1)
    return slice(start, None if end < 0 else end, step)  # end -1 means "through index 0"


@imports("Pad")
def pad(node, x, pads=None, constant_value=None, axes_input=None):
    if node.opset < 11:
        pad_values, value = node.attr("pads", node.attr("paddings")), node.attr("value", 0.0)
    else:
        pad_values, value = ints(pads), (0 if constant_value is None else constant_value.item())
    mode = node.attr("mode", "constant")
    dims = list(range(x.ndim)) if axes_input is None else axes(ints(axes_input), x.ndim)
    n = len(dims)
    begins, ends = pad_values[:n], pad_values[n:]
    if mode == "constant":
        torch_pads = [0, 0] * x.ndim
        for d, b, e in zip(dims, begins, ends):
            k = x.ndim - 1 - d  # F.pad lists (begin, end) pairs from the last dim backwards
            torch_pads[2 * k], torch_pads[2 * k + 1] = b, e
        return F.pad(x, torch_pads, value=value)
    for d, b, e in zip(dims, begins, ends):
        x = _pad_axis(x, d, b, e, mode)
    return x


def _pad_axis(x, dim, begin, end, mode):
    """Pads (or crops, for negative pads) one axis in 'reflect', 'edge' or 'wrap' mode, as an
    index_select of the positions each output element copies."""
    size = x.shape[dim]
    if begin < 0:
        x, size, begin = x.narrow(dim, -begin, size + begin), size + begin, 0
    if end < 0:
        x, size, end = x.narrow(dim, 0, size + end), size + end, 0
    if begin == 0 and end == 0:
        return x
    positions = []
    for i in range(-begin, size + end):
        if mode == "edge":
            j = min(max(i, 0), size - 1)
        elif mode == "wrap":
            j = i % size
        elif mode == "reflect":
            period = 2 * (size - 1)
            j = 0 if period == 0 else i % period
            j = j if j < size else period - j
        else:
            raise ValueError(f"Pad: unknown mode {mode!r}")
        positions.append(j)
    return x.index_select(dim, ember.tensor(positions, dtype=ember.int64))


@imports("DepthToSpace")
def depth_to_space(node, x):
    bs = node.attr("blocksize")
    n, c, h, w = x.shape
    if node.attr("mode", "DCR") == "DCR":  # depth, then column, then row
        y = x.reshape(n, bs, bs, c // (bs * bs), h, w).permute(0, 3, 4, 1, 5, 2)
    else:  # CRD: column, row, then depth
        y = x.reshape(n, c // (bs * bs), bs, bs, h, w).permute(0, 1, 4, 2, 5, 3)
    return y.reshape(n, c // (bs * bs), h * bs, w * bs)


@imports("SpaceToDepth")
def space_to_depth(node, x):
    bs = node.attr("blocksize")
    n, c, h, w = x.shape
    y = x.reshape(n, c, h // bs, bs, w // bs, bs)
    if node.attr("mode", "DCR") == "DCR":  # the inverses of DepthToSpace's modes
        y = y.permute(0, 3, 5, 1, 2, 4)
    else:
        y = y.permute(0, 1, 3, 5, 2, 4)
    return y.reshape(n, c * bs * bs, h // bs, w // bs)


@imports("Trilu")
def trilu(node, x, k=None):
    k = 0 if k is None else int(k.item())
    return ember.triu(x, k) if node.attr("upper", 1) else ember.tril(x, k)


@imports("ReverseSequence")
def reverse_sequence(node, x, lengths):
    time, batch = node.attr("time_axis", 0), node.attr("batch_axis", 1)
    steps = ember.arange(x.shape[time]).reshape(-1, 1)      # [T, 1]
    lens = lengths.to(ember.int64).reshape(1, -1)             # [1, B]
    index = ember.where(steps < lens, lens - 1 - steps, steps)  # [T, B]: reversed inside each length
    if time > batch:
        index = index.t()
    shape = [1] * x.ndim
    shape[time], shape[batch] = x.shape[time], x.shape[batch]
    return ember.gather(x, time, index.reshape(shape).expand(*x.shape))


@imports("CenterCropPad")
def center_crop_pad(node, x, shape):
    target = ints(shape)
    dims = node.attr("axes")
    dims = list(range(x.ndim)) if dims is None else axes(dims, x.ndim)
    for d, size in zip(dims, target):
        have = x.shape[d]
        if size < have:  # crop, the odd element off the end
            x = x.narrow(d, (have - size) // 2, size)
        elif size > have:  # pad with zeros, the odd one at the end
            extra = size - have
            x = _zero_pad_axis(x, d, extra // 2, extra - extra // 2)
    return x


def _zero_pad_axis(x, dim, begin, end):
    pads = [0, 0] * x.ndim
    k = x.ndim - 1 - dim
    pads[2 * k], pads[2 * k + 1] = begin, end
    return F.pad(x, pads)
