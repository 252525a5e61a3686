"""Sampling at computed coordinates: GridSample (nearest, linear, cubic; zeros, border and
reflection padding; 2-D and 3-D) and AffineGrid.

GridSample gathers each output point's taps (1, 2 or 4 per spatial dim) from the flattened
input planes and sums them with their weights; the weights are ember ops of the grid, so
gradients reach both the input and the grid.
"""
import ember

from ..registry import imports
from .common import ints

_CUBIC_A = -0.75
_MODES = {"bilinear": "linear", "bicubic": "cubic"}  # GridSample-16's names


def _denormalize(coord, size, align_corners):
    """[-1, 1] grid coordinates -> input pixel coordinates."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(x, low, high):
    """x folded back into [low, high] by reflecting off the borders as often as needed."""
    span = high - low
    if span <= 0:
        return ember.full_like(x, low)
    below = x < low
    distance = ember.where(below, low - x, x - high)
    flips = ember.floor(distance / span)
    rest = distance - flips * span
    even = ember.remainder(flips, 2) == 0
    from_below = ember.where(even, low + rest, high - rest)
    from_above = ember.where(even, high - rest, low + rest)
    inside = (x >= low) & (x <= high)
    return ember.where(inside, x, ember.where(below, from_below, from_above))


def _cubic_weights(t):
    a = _CUBIC_A
    s, u, v = t + 1, 1 - t, 2 - t
    return [((a * s - 5 * a) * s + 8 * a) * s - 4 * a,
            ((a + 2) * t - (a + 3)) * t * t + 1,
            ((a + 2) * u - (a + 3)) * u * u + 1,
            ((a * v - 5 * a) * v + 8 * a) * v - 4 * a]


@imports("GridSample")
def grid_sample(node, x, grid):
    mode = _MODES.get(node.attr("mode", "linear" if node.opset >= 20 else "bilinear"),
                      node.attr("mode", "linear" if node.opset >= 20 else "bilinear"))
    padding = node.attr("padding_mode", "zeros")
    align = bool(node.attr("align_corners", 0))
    n, c = x.shape[:2]
    sizes = list(x.shape[2:])
    dims = len(sizes)
    out_shape = list(grid.shape[1:-1])
    points = 1
    for s in out_shape:
        points *= s
    grid = grid.to(x.dtype).reshape(n, points, dims)

    # per spatial dim (outermost first; the grid lists them innermost first): taps and weights
    taps = []
    for d in range(dims):
        size = sizes[d]
        coord = _denormalize(grid[:, :, dims - 1 - d], size, align)  # [N, P]
        low, high = (0.0, size - 1.0) if align else (-0.5, size - 0.5)
        if mode == "nearest":
            coord = ember.round(coord)  # half to even, as PyTorch
        if padding == "border":
            coord = ember.clamp(coord, 0.0, size - 1.0)
        elif padding == "reflection":
            coord = _reflect(coord, low, high)
        if mode == "nearest":
            positions, weights = [coord], [None]
        else:
            base = ember.floor(coord)
            t = coord - base
            if mode == "linear":
                positions, weights = [base, base + 1], [1 - t, t]
            elif mode == "cubic":
                positions, weights = [base - 1, base, base + 1, base + 2], _cubic_weights(t)
            else:
                raise ValueError(f"GridSample: unknown mode {mode!r}")
        taps.append([(_fetch_index(p, size, padding, low, high), w) for p, w in zip(positions, weights)])

    planes = x.reshape(n, c, -1)
    strides = [1] * dims
    for d in reversed(range(dims - 1)):
        strides[d] = strides[d + 1] * sizes[d + 1]
    total = None
    for combo in _product(taps):
        flat, valid, weight = None, None, None
        for d, ((index, ok), w) in enumerate(combo):
            term = index * strides[d]
            flat = term if flat is None else flat + term
            if ok is not None:
                valid = ok if valid is None else valid & ok
            if w is not None:
                weight = w if weight is None else weight * w
        values = ember.gather(planes, 2, flat.unsqueeze(1).expand(n, c, points))
        if valid is not None:
            values = ember.where(valid.unsqueeze(1), values, ember.zeros((), dtype=values.dtype))
        if weight is not None:
            values = values * weight.unsqueeze(1)
        total = values if total is None else total + values
    return total.reshape(n, c, *out_shape)


def _fetch_index(position, size, padding, low, high):
    """(int64 index to gather, validity mask or None) for tap positions along one dim."""
    if padding == "zeros":
        valid = (position >= 0) & (position <= size - 1)
        return ember.clamp(position, 0, size - 1).to(ember.int64), valid
    if padding == "reflection":
        position = _reflect(position, low, high)
    return ember.clamp(position, 0, size - 1).to(ember.int64), None  # border: the nearest edge


def _product(lists):
    combos = [[]]
    for options in lists:
        combos = [c + [o] for c in combos for o in options]
    return combos


@imports("AffineGrid")
def affine_grid(node, theta, size):
    """The sampling grid [N, *spatial, D] of affine maps theta [N, D, D + 1] over an output of
    `size` [N, C, *spatial], in GridSample's normalized coordinates (innermost dim first)."""
    shape = ints(size)
    n, spatial = shape[0], shape[2:]
    align = bool(node.attr("align_corners", 0))
    dims = len(spatial)
    axes = []
    for s in reversed(spatial):  # x (innermost) first, as GridSample reads them
        steps = ember.arange(s, dtype=theta.dtype)
        if align:
            axes.append(steps * (2.0 / (s - 1)) - 1 if s > 1 else ember.zeros(1, dtype=theta.dtype))
        else:
            axes.append((steps * 2 + 1) / s - 1)
    coords = []
    for k, values in enumerate(axes):
        shape_k = [1] * dims
        shape_k[dims - 1 - k] = spatial[dims - 1 - k]
        coords.append(values.reshape(shape_k).expand(*spatial))
    coords.append(ember.ones(*spatial, dtype=theta.dtype))
    base = ember.stack(coords, -1).reshape(1, -1, dims + 1)  # [1, P, D + 1]
    grid = ember.matmul(base, theta.transpose(1, 2))  # [N, P, D]
    return grid.reshape(n, *spatial, dims)
