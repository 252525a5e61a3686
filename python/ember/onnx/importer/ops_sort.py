"""Sorting and selection: TopK, Unique."""
import ember

from ..registry import imports
from .common import axis, scalar


@imports("TopK")
def topk(node, x, k=None):
    count = node.attr("k") if node.opset < 10 else int(scalar(k))
    dim = axis(node.attr("axis", -1), x.ndim)
    largest = bool(node.attr("largest", 1))
    values, indices = ember.topk(x, count, dim=dim, largest=largest, sorted=True)  # ties: lower index first
    return values, indices


@imports("Unique")
def unique(node, x):
    a = node.attr("axis")
    if a is None:
        x, dim = x.reshape(-1), 0
    else:
        dim = axis(a, x.ndim)
    values, inverse, counts = ember.unique(x, sorted=True, return_inverse=True,
                                           return_counts=True, dim=dim)
    inverse = inverse.reshape(-1)
    # first occurrences: the positions grouped by unique value (a stable sort keeps each group in
    # input order), each group's first one
    order = ember.argsort(inverse, stable=True)
    starts = ember.cumsum(counts, 0) - counts
    first = order[starts]
    if not node.attr("sorted", 1):  # the unique values in order of first occurrence
        by_first = ember.argsort(first, stable=True)
        rank = ember.argsort(by_first, stable=True)
        values = values.index_select(dim, by_first)
        first, counts, inverse = first[by_first], counts[by_first], rank[inverse]
    return values, first, inverse, counts
