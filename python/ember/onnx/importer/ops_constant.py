"""Constants, shapes, casts, ranges, identities: Constant, ConstantOfShape, Shape, Size, Cast,
CastLike, Identity, Range, EyeLike, Dropout."""
import ember

from ..registry import imports
from .common import ints, scalar
from .dtypes import to_ember_dtype
from .errors import UnsupportedDTypeError
from .ops_random import generator


@imports("Constant")
def constant(node):
    for name in ("value", "sparse_value"):
        if node.has_attr(name):
            return node.attr(name).clone()  # the attribute's tensor is shared by every run
    if node.has_attr("value_float"):
        return ember.tensor(node.attr("value_float"), dtype=ember.float32)
    if node.has_attr("value_floats"):
        return ember.tensor(node.attr("value_floats"), dtype=ember.float32)
    if node.has_attr("value_int"):
        return ember.tensor(node.attr("value_int"), dtype=ember.int64)
    if node.has_attr("value_ints"):
        return ember.tensor(node.attr("value_ints"), dtype=ember.int64)
    if node.has_attr("value_string") or node.has_attr("value_strings"):
        raise UnsupportedDTypeError(f"{node.describe()}: string constants are not supported (ember "
                                    "has no string tensors)")
    raise ValueError(f"{node.describe()}: a Constant needs one of the value attributes")


@imports("ConstantOfShape")
def constant_of_shape(node, shape):
    value = node.attr("value")
    if value is None:
        return ember.zeros(ints(shape), dtype=ember.float32)
    return ember.full(ints(shape), value.reshape(-1)[0].item(), dtype=value.dtype)


@imports("Shape")
def shape(node, x):
    dims = list(x.shape)
    if node.opset >= 15:  # start/end select a range of dims, clamped like a slice
        start, end = node.attr("start", 0), node.attr("end", None)
        dims = dims[slice(start, end)]
    return ember.tensor(dims, dtype=ember.int64)


@imports("Size")
def size(node, x):
    return ember.tensor(x.numel(), dtype=ember.int64)


@imports("Cast")
def cast(node, x):
    return x.to(to_ember_dtype(node.attr("to"), f"{node.describe()}'s target type"))


@imports("CastLike")
def cast_like(node, x, like):
    return x.to(like.dtype)


@imports("Identity")
def identity(node, x):
    return x


@imports("Range")
def range_(node, start, limit, delta):
    return ember.arange(scalar(start), scalar(limit), scalar(delta), dtype=start.dtype)


@imports("EyeLike")
def eye_like(node, x):
    dtype = x.dtype if node.attr("dtype") is None else to_ember_dtype(node.attr("dtype"))
    k = node.attr("k", 0)
    return ember.ones(*x.shape, dtype=dtype).tril(k).triu(k)


@imports("Dropout")
def dropout(node, x, ratio=None, training_mode=None):
    if node.opset >= 12:
        p = float(scalar(ratio, 0.5))
        training = bool(scalar(training_mode, False))
    else:  # ratio was an attribute; is_test (before 7) or inference use passes the input through
        p, training = node.attr("ratio", 0.5), False
    if not training or p == 0:  # the mask marks kept elements (all of them); a float before opset 10
        return x, ember.ones_like(x, dtype=ember.bool if node.opset >= 10 else x.dtype)
    # Training mode draws its mask from ember's generators (see ops_random).
    keep = ember.rand(*x.shape, generator=generator(node)) >= p
    return ember.where(keep, x / (1 - p), ember.zeros_like(x)), keep
