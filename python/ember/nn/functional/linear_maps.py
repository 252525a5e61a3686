"""ember.nn.functional.linear and bilinear. linear is input @ weight.T + bias over any leading
dims of input: the bias is written into the output and the GEMM accumulates onto it
(csrc/ops/matmul.cpp), so no temporary product is made. bilinear is one GEMM against the
weight laid out as (in1, out * in2), then a product with input2 summed over in2."""
from ... import _C
from ..._C import DTypeError, ShapeError
from ..._tensor import Tensor, _wrap
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["linear", "bilinear"]


@op
def linear(input, weight, bias=None):
    for name, x in (("input", input), ("weight", weight)):
        if not isinstance(x, Tensor):
            raise TypeError(f"linear(): argument '{name}' must be Tensor, not {type(x).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"linear(): argument 'bias' must be Tensor, not {type(bias).__name__}")
    return _wrap(_C.linear(input._impl, weight._impl, None if bias is None else bias._impl))


@op
def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]."""
    for name, x in (("input1", input1), ("input2", input2), ("weight", weight)):
        if not isinstance(x, Tensor):
            raise TypeError(f"bilinear(): argument '{name}' must be Tensor, not {type(x).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"bilinear(): argument 'bias' must be Tensor, not {type(bias).__name__}")
    shapes = f"input1 {list(input1.shape)}, input2 {list(input2.shape)}, weight {list(weight.shape)}"
    if weight.dim() != 3 or input1.dim() < 1 or input2.dim() < 1:
        raise ShapeError(f"bilinear: expected a 3-D weight and inputs of at least 1 dim, but got {shapes}")
    out_features, in1, in2 = weight.shape
    if input1.shape[-1] != in1 or input2.shape[-1] != in2 or input1.shape[:-1] != input2.shape[:-1]:
        raise ShapeError(f"bilinear: shapes do not match: {shapes} (expected input1 [..., {in1}] and "
                         f"input2 [..., {in2}] with the same leading dims)")
    for other in (input2, bias):
        if other is not None and other.dtype != input1.dtype:
            raise DTypeError(f"bilinear: expected operands of one dtype, but got {input1.dtype} and {other.dtype}")
    lead = list(input1.shape[:-1])
    rows = 1
    for s in lead:
        rows *= s
    x1, x2 = input1.reshape(rows, in1), input2.reshape(rows, in2)
    w = weight.permute(1, 0, 2).reshape(in1, out_features * in2)
    t = (x1 @ w).view(rows, out_features, in2)
    out = (t * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(lead + [out_features])
