"""The optimizer steps of the ai.onnx.preview.training domain: Adagrad, Momentum, Adam.

Each takes the learning rate R and step count T, then groups of tensors (parameters,
gradients, and the optimizer's state), and returns the updated parameters and states.
"""
import ember

from ..registry import imports
from .common import scalar

_DOMAIN = "ai.onnx.preview.training"


def _groups(tensors, count):
    n = len(tensors) // count
    return [tensors[i * n:(i + 1) * n] for i in range(count)]


@imports("Adagrad", domain=_DOMAIN)
def adagrad(node, r, t, *tensors):
    decay, eps, norm = node.attr("decay_factor", 0.0), node.attr("epsilon", 0.0), node.attr("norm_coefficient", 0.0)
    xs, gs, hs = _groups(tensors, 3)
    rate = scalar(r) / (1 + scalar(t) * decay)
    new_x, new_h = [], []
    for x, g, h in zip(xs, gs, hs):
        g = norm * x + g
        h = h + g * g
        new_x.append(x - rate * g / (ember.sqrt(h) + eps))
        new_h.append(h)
    return tuple(new_x + new_h)


@imports("Momentum", domain=_DOMAIN)
def momentum(node, r, t, *tensors):
    alpha, beta, norm = node.attr("alpha"), node.attr("beta"), node.attr("norm_coefficient")
    nesterov = node.attr("mode", "standard") == "nesterov"
    xs, gs, vs = _groups(tensors, 3)
    rate = scalar(r)
    beta = beta if scalar(t) > 0 else 1.0  # the first step takes the whole gradient
    new_x, new_v = [], []
    for x, g, v in zip(xs, gs, vs):
        g = norm * x + g
        v = alpha * v + beta * g
        new_x.append(x - rate * (g + alpha * v) if nesterov else x - rate * v)
        new_v.append(v)
    return tuple(new_x + new_v)


@imports("Adam", domain=_DOMAIN)
def adam(node, r, t, *tensors):
    alpha, beta = node.attr("alpha", 0.9), node.attr("beta", 0.999)
    eps = node.attr("epsilon", 1e-6)
    norm, norm_post = node.attr("norm_coefficient", 0.0), node.attr("norm_coefficient_post", 0.0)
    xs, gs, vs, hs = _groups(tensors, 4)
    step, rate = scalar(t), scalar(r)
    if step > 0:  # bias correction of both moments
        rate = rate * (1 - beta ** step) ** 0.5 / (1 - alpha ** step)
    new_x, new_v, new_h = [], [], []
    for x, g, v, h in zip(xs, gs, vs, hs):
        g = norm * x + g
        v = alpha * v + (1 - alpha) * g
        h = beta * h + (1 - beta) * (g * g)
        new_x.append((1 - norm_post) * (x - rate * (v / (ember.sqrt(h) + eps))))
        new_v.append(v)
        new_h.append(h)
    return tuple(new_x + new_v + new_h)
