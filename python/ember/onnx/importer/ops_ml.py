"""The few ai.onnx.ml ops that are tensor arithmetic: Binarizer, ArrayFeatureExtractor."""
import ember

from ..registry import imports

_ML = "ai.onnx.ml"


@imports("Binarizer", domain=_ML)
def binarizer(node, x):
    return (x > node.attr("threshold", 0.0)).to(x.dtype)


@imports("ArrayFeatureExtractor", domain=_ML)
def array_feature_extractor(node, x, indices):
    """The features (last-dim entries) `indices` of each row of x."""
    picked = x.index_select(x.ndim - 1, indices.reshape(-1).to(ember.int64))
    return picked if x.ndim > 1 else picked.reshape(1, -1)
