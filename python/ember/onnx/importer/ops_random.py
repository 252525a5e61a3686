"""Random ops: RandomUniform(Like), RandomNormal(Like), Bernoulli, Multinomial.

Draws come from ember's Philox generators: a node with a `seed` attribute draws from a
generator seeded with it on every run (so its output is the same each run, as ONNX asks of a
seeded node), one without from ember's default generator (ember.manual_seed fixes it). The
values are not numpy's, so they differ from ONNX's reference outputs.
"""
import ember

from ..registry import imports
from .dtypes import to_ember_dtype


def generator(node):
    """A generator seeded with the node's `seed`, or None (ember's default) when it has none."""
    seed = node.attr("seed")
    if seed is None:
        return None
    g = ember.Generator()
    g.manual_seed(int(seed))
    return g


def _dtype(node, default):
    value = node.attr("dtype")
    return default if value is None else to_ember_dtype(value, f"{node.describe()}'s dtype")


def _uniform(node, shape, dtype):
    low, high = node.attr("low", 0.0), node.attr("high", 1.0)
    u = ember.rand(*shape, generator=generator(node), dtype=ember.float64)
    return (low + (high - low) * u).to(dtype)


def _normal(node, shape, dtype):
    mean, scale = node.attr("mean", 0.0), node.attr("scale", 1.0)
    return (mean + scale * ember.randn(*shape, generator=generator(node), dtype=ember.float64)).to(dtype)


@imports("RandomUniform")
def random_uniform(node):
    return _uniform(node, node.attr("shape"), _dtype(node, ember.float32))


@imports("RandomUniformLike")
def random_uniform_like(node, x):
    return _uniform(node, list(x.shape), _dtype(node, x.dtype))


@imports("RandomNormal")
def random_normal(node):
    return _normal(node, node.attr("shape"), _dtype(node, ember.float32))


@imports("RandomNormalLike")
def random_normal_like(node, x):
    return _normal(node, list(x.shape), _dtype(node, x.dtype))


@imports("Bernoulli")
def bernoulli(node, p):
    u = ember.rand(*p.shape, generator=generator(node), dtype=ember.float64)
    return (u < p.to(ember.float64)).to(_dtype(node, p.dtype))


@imports("Multinomial")
def multinomial(node, logits):
    """sample_size class indices per row of unnormalized log-probabilities [B, C], by inverse CDF."""
    n = node.attr("sample_size", 1)
    cdf = ember.cumsum(ember.softmax(logits.to(ember.float64), -1), -1)
    u = ember.rand(logits.shape[0], n, generator=generator(node), dtype=ember.float64)
    index = ember.searchsorted(cdf, u * cdf[:, -1:], right=True)
    return ember.clamp(index, max=logits.shape[1] - 1).to(_dtype(node, ember.int32))
