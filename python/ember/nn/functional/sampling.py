"""grid_sample and affine_grid with torch.nn.functional's semantics: sampling an input
(N, C, H, W) or (N, C, D, H, W) at the points of a grid (N, H_out, W_out, 2) or
(N, D_out, H_out, W_out, 3) of normalized coordinates in [-1, 1] (x, the width, first).

Modes 'bilinear' (trilinear for 5-D), 'nearest' and 'bicubic' (4-D only, torch's cubic
convolution with A = -0.75); padding modes 'zeros', 'border' and 'reflection'; align_corners.
As in torch, bilinear and nearest apply the padding mode to the sampling coordinate, and
bicubic to each of its 4 x 4 taps' positions.

Each output point sums its taps (1, 2**dims or 16): a gather from the flattened input planes
times a weight that is a product of per-dim weights, written in ember ops of the grid, so
gradients reach both the input (through the gathers) and the grid (through the weights).
"""

import ember

from ... import _C
from ..._tensor import Tensor
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["grid_sample", "affine_grid"]

_CUBIC_A = -0.75
_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def _reflect(x, twice_low, twice_high):
    """torch's reflect_coordinates: x mirrored off the borders low and high as often as needed."""
    if twice_low == twice_high:
        return ember.zeros_like(x)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    dist = (x - low).abs()
    flips = ember.floor(dist / span)
    extra = dist - flips * span
    even = ember.remainder(flips, 2) == 0
    return ember.where(even, extra + low, span - extra + low)


def _pad_coordinate(x, size, padding_mode, align_corners):
    """torch's compute_coordinates: x moved inside the input as the padding mode says."""
    if padding_mode == "border":
        return ember.clamp(x, 0, size - 1)
    if padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (size - 1)) if align_corners else _reflect(x, -1, 2 * size - 1)
        return ember.clamp(x, 0, size - 1)
    return x


def _cubic_weights(t):
    a = _CUBIC_A
    near = lambda s: ((a + 2) * s - (a + 3)) * s * s + 1  # noqa: E731  |s| <= 1
    far = lambda s: ((a * s - 5 * a) * s + 8 * a) * s - 4 * a  # noqa: E731  1 < |s| < 2
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _taps(coord, size, mode, padding_mode, align_corners):
    """[(integer position as float, weight or None)] along one dim, with positions already
    padded for the bicubic taps; the bounds check (zeros) comes later."""
    x = _unnormalize(coord, size, align_corners)
    if mode == "bicubic":
        base = ember.floor(x)
        weights = _cubic_weights(x - base)
        taps = []
        for j, w in enumerate(weights):
            position = _pad_coordinate(base + (j - 1), size, padding_mode, align_corners)
            taps.append((position, w))
        return taps
    x = _pad_coordinate(x, size, padding_mode, align_corners)
    if mode == "nearest":
        # half to even, as torch's nearbyint; the grid's gradient is zero (and not None, as torch)
        return [(ember.round(x), x * 0 + 1 if x.requires_grad else None)]
    base = ember.floor(x)
    t = x - base
    return [(base, 1 - t), (base + 1, t)]


def _check_grid_sample(input, grid, mode, padding_mode):
    op = "grid_sample"
    for name, t in (("input", input), ("grid", grid)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if not input.dtype.is_floating_point:
        raise _C.DTypeError(f"{op}: expected a floating-point input, but got {input.dtype}")
    if grid.dtype != input.dtype:
        raise _C.DTypeError(f"{op}: expected input and grid to have same dtype, but input has {input.dtype} and "
                            f"grid has {grid.dtype}")
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise ember.ShapeError(f"{op}: expected 4-D or 5-D input and grid with the same number of dimensions, "
                               f"but got input of shape {list(input.shape)} and grid of shape {list(grid.shape)}")
    nd = input.dim() - 2
    if grid.shape[0] != input.shape[0]:
        raise ember.ShapeError(f"{op}: expected grid and input to have same batch size, but got input of shape "
                               f"{list(input.shape)} and grid of shape {list(grid.shape)}")
    if grid.shape[-1] != nd:
        raise ember.ShapeError(f"{op}: expected grid to have size {nd} in last dimension, but got grid of shape "
                               f"{list(grid.shape)}")
    if min(input.shape[2:]) <= 0:
        raise ember.ShapeError(f"{op}: expected input to have non-empty spatial dimensions, but input has sizes "
                               f"{list(input.shape)}")
    if mode == "bicubic" and nd != 2:
        raise ember.ArgumentError(f"{op}: bicubic interpolation only supports 4D input, got input of shape "
                                  f"{list(input.shape)}")
    return nd


@op
def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    nd = _check_grid_sample(input, grid, mode, padding_mode)
    align = bool(align_corners)
    n, c = input.shape[0], input.shape[1]
    sizes = list(input.shape[2:])
    out_shape = list(grid.shape[1:-1])
    points = 1
    for s in out_shape:
        points *= s
    volume = 1
    for s in sizes:
        volume *= s
    coords = grid.reshape(n, points, nd)
    strides = [1] * nd
    for d in reversed(range(nd - 1)):
        strides[d] = strides[d + 1] * sizes[d + 1]
    per_dim = []  # for spatial dim d (outermost first): [(flat offset, in-bounds mask, weight)]
    for d in range(nd):
        size = sizes[d]
        taps = []
        for position, weight in _taps(coords[:, :, nd - 1 - d], size, mode, padding_mode, align):
            position = position.detach()
            inside = (position >= 0) & (position <= size - 1)
            index = ember.clamp(position, 0, size - 1).to(ember.int64) * strides[d]
            taps.append((index, inside, weight))
        per_dim.append(taps)
    planes = input.reshape(n, c, volume)
    total = None
    for combo in _product(per_dim):
        index, inside, weight = combo[0]
        for i2, in2, w2 in combo[1:]:
            index, inside = index + i2, inside & in2
            weight = w2 if weight is None else (weight if w2 is None else weight * w2)
        factor = inside.to(input.dtype) if weight is None else weight * inside.to(input.dtype)
        values = planes.gather(2, index.unsqueeze(1).expand(n, c, points)) * factor.unsqueeze(1)
        total = values if total is None else total + values
    return total.reshape([n, c] + out_shape)


def _product(lists):
    combos = [[]]
    for options in lists:
        combos = [c + [o] for c in combos for o in options]
    return combos


def _base_axis(steps, align_corners, dtype, device=None):
    """torch's linspace_from_neg_one: the normalized coordinates of `steps` pixel centres."""
    if steps <= 1:
        return ember.zeros(steps, dtype=dtype, device=device)
    axis = ember.linspace(-1, 1, steps, dtype=dtype, device=device)
    return axis if align_corners else axis * ((steps - 1) / steps)


@op
def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) or (N, D, H, W, 3) of affine maps theta (N, 2, 3) or
    (N, 3, 4) for an output of `size` (N, C, H, W) or (N, C, D, H, W), for grid_sample."""
    if not isinstance(theta, Tensor):
        raise TypeError(f"affine_grid(): argument 'theta' must be Tensor, not {type(theta).__name__}")
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = [int(s) for s in size]
    align = bool(align_corners)
    if len(size) == 4:
        if theta.dim() != 3 or list(theta.shape[-2:]) != [2, 3]:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                             f"{list(theta.shape)}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or list(theta.shape[-2:]) != [3, 4]:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                             f"{list(theta.shape)}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise ValueError(f"affine_grid: expected theta's batch size {theta.shape[0]} to match size[0] = {size[0]}")
    nd = len(spatial)
    columns = []
    for k in range(nd):  # x (innermost) first, then y, then z
        axis = _base_axis(spatial[nd - 1 - k], align, theta.dtype, theta.device)
        shape = [1] * nd
        shape[nd - 1 - k] = spatial[nd - 1 - k]
        columns.append(axis.reshape(shape).expand(*spatial))
    columns.append(ember.ones(*spatial, dtype=theta.dtype, device=theta.device))
    points = 1
    for s in spatial:
        points *= s
    base = ember.stack(columns, -1).reshape(1, points, nd + 1)
    grid = base.matmul(theta.transpose(1, 2))
    return grid.reshape([size[0]] + spatial + [nd])
