"""Losses: SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss (PyTorch's nll_loss
semantics, which ONNX's follow: 'mean' divides by the total weight of the counted targets)."""
import ember
import ember.nn.functional as F

from ..registry import imports

_NO_IGNORE = -(2 ** 62)  # an ignore_index no label takes, for nodes without one


def _nll(node, log_prob, labels, weights):
    ignore = node.attr("ignore_index", _NO_IGNORE)
    return F.nll_loss(log_prob, labels.to(ember.int64), weight=weights, ignore_index=ignore,
                      reduction=node.attr("reduction", "mean"))


@imports("NegativeLogLikelihoodLoss")
def negative_log_likelihood_loss(node, log_prob, labels, weights=None):
    return _nll(node, log_prob, labels, weights)


@imports("SoftmaxCrossEntropyLoss")
def softmax_cross_entropy_loss(node, scores, labels, weights=None):
    log_prob = ember.log_softmax(scores, 1)
    return _nll(node, log_prob, labels, weights), log_prob
