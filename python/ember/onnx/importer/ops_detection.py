"""Detection ops: NonMaxSuppression and RoiAlign.

Both are driven by data-dependent Python loops over boxes (their counts decide the output
shapes); RoiAlign's sampled values are ember gathers of the feature map, so gradients reach it.
"""
import math

import numpy as np

import ember

from ..registry import imports
from .common import scalar


def _corners(box, center_point_box):
    """(y_min, x_min, y_max, x_max) of a box given as corners (either order) or as center+size."""
    if center_point_box:
        xc, yc, w, h = box
        return yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2
    y1, x1, y2, x2 = box
    return min(y1, y2), min(x1, x2), max(y1, y2), max(x1, x2)


def _iou(a, b):
    inter_h = min(a[2], b[2]) - max(a[0], b[0])
    inter_w = min(a[3], b[3]) - max(a[1], b[1])
    if inter_h <= 0 or inter_w <= 0:
        return 0.0
    inter = inter_h * inter_w
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return 0.0 if union <= 0 else inter / union


@imports("NonMaxSuppression")
def non_max_suppression(node, boxes, scores, max_output=None, iou_threshold=None, score_threshold=None):
    """[selected, 3] int64 rows (batch, class, box): per batch and class, boxes by descending
    score (ties: the lower index), each kept unless it overlaps a kept one by IoU > threshold."""
    limit = int(scalar(max_output, 0))
    iou_limit = float(scalar(iou_threshold, 0.0))
    score_limit = scalar(score_threshold)
    center = node.attr("center_point_box", 0)
    box_values, score_values = boxes.tolist(), scores.tolist()
    selected = []
    for b, per_class in enumerate(score_values):
        corners = [_corners(box, center) for box in box_values[b]]
        for c, class_scores in enumerate(per_class):
            order = sorted(range(len(class_scores)), key=lambda i: (-class_scores[i], i))
            kept = []
            for i in order:
                if len(kept) >= limit:
                    break
                if score_limit is not None and not class_scores[i] > score_limit:
                    break  # sorted: every later score is as low
                if all(_iou(corners[i], corners[k]) <= iou_limit for k in kept):
                    kept.append(i)
            selected.extend([b, c, i] for i in kept)
    return ember.tensor(selected, dtype=ember.int64).reshape(-1, 3)


@imports("RoiAlign")
def roi_align(node, x, rois, batch_indices):
    out_h, out_w = node.attr("output_height", 1), node.attr("output_width", 1)
    ratio = node.attr("sampling_ratio", 0)
    scale = node.attr("spatial_scale", 1.0)
    half_pixel = node.attr("coordinate_transformation_mode", "half_pixel") == "half_pixel" \
        if node.opset >= 16 else False
    mode = node.attr("mode", "avg")
    n, c, height, width = x.shape
    planes = x.reshape(n, c, height * width)
    results = []
    for roi, b in zip(rois.tolist(), batch_indices.tolist()):
        index, weight, grid = _roi_samples(roi, scale, half_pixel, height, width, out_h, out_w, ratio)
        values = planes[int(b)][:, ember.tensor(index.reshape(-1), dtype=ember.int64)]  # [C, P*4]
        values = values.reshape(c, out_h * out_w, grid, 4) * ember.tensor(weight, dtype=x.dtype)
        if mode == "avg":
            pooled = values.sum(-1).sum(-1) / max(grid, 1)
        else:  # the largest weighted corner of any sample point
            pooled = ember.amax(values, dim=(-1, -2))
        results.append(pooled.reshape(c, out_h, out_w))
    if not results:
        return ember.zeros(0, c, out_h, out_w, dtype=x.dtype)
    return ember.stack(results, 0)


def _roi_samples(roi, scale, half_pixel, height, width, out_h, out_w, ratio):
    """For one ROI: the 4 bilinear corner indices [bins, samples, 4] into the flattened plane,
    their weights, and the sample count per bin."""
    offset = 0.5 if half_pixel else 0.0
    x0, y0, x1, y1 = (v * scale - offset for v in roi)
    roi_w, roi_h = x1 - x0, y1 - y0
    if not half_pixel:  # malformed ROIs count as 1x1
        roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
    bin_h, bin_w = roi_h / out_h, roi_w / out_w
    grid_h = ratio if ratio > 0 else int(math.ceil(roi_h / out_h))
    grid_w = ratio if ratio > 0 else int(math.ceil(roi_w / out_w))
    grid = grid_h * grid_w
    index = np.zeros((out_h * out_w, max(grid, 1), 4), dtype=np.int64)
    weight = np.zeros((out_h * out_w, max(grid, 1), 4))
    for ph in range(out_h):
        for pw in range(out_w):
            k = 0
            for iy in range(grid_h):
                y = y0 + ph * bin_h + (iy + 0.5) * bin_h / grid_h
                for ix in range(grid_w):
                    xx = x0 + pw * bin_w + (ix + 0.5) * bin_w / grid_w
                    corners = _bilinear(y, xx, height, width)
                    if corners is not None:
                        index[ph * out_w + pw, k], weight[ph * out_w + pw, k] = corners
                    k += 1
    return index, weight, max(grid, 1)


def _bilinear(y, x, height, width):
    """The 4 corner indices and weights of a sample point (None outside the map)."""
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return None
    y, x = max(y, 0.0), max(x, 0.0)
    y_low, x_low = int(y), int(x)
    if y_low >= height - 1:
        y_low = y_high = height - 1
        y = float(y_low)
    else:
        y_high = y_low + 1
    if x_low >= width - 1:
        x_low = x_high = width - 1
        x = float(x_low)
    else:
        x_high = x_low + 1
    ly, lx = y - y_low, x - x_low
    hy, hx = 1 - ly, 1 - lx
    return ([y_low * width + x_low, y_low * width + x_high, y_high * width + x_low, y_high * width + x_high],
            [hy * hx, hy * lx, ly * hx, ly * lx])
