"""ember.nn.functional.linear: input @ weight.T + bias over any leading dims of input. The bias
is written into the output and the GEMM accumulates onto it (csrc/ops/matmul.cpp), so no
temporary product is made."""
from . import _C
from ._tensor import Tensor, _wrap

__all__ = ["linear"]


def linear(input, weight, bias=None):
    for name, x in (("input", input), ("weight", weight)):
        if not isinstance(x, Tensor):
            raise TypeError(f"linear(): argument '{name}' must be Tensor, not {type(x).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"linear(): argument 'bias' must be Tensor, not {type(bias).__name__}")
    return _wrap(_C.linear(input._impl, weight._impl, None if bias is None else bias._impl))
