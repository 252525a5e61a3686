"""ember.autograd: define-by-run automatic differentiation.

Ops on tensors that require grad record a graph (recording.py: one rule per op, the rules in
rules/, one file per op family); `Tensor.backward` and `ember.autograd.grad` walk it back
(engine.py). `Function` defines new differentiable ops, `gradcheck` checks gradients against
finite differences and `functional` holds jacobian, hessian, vjp and jvp.
"""
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,  # noqa: F401
                        no_grad, set_grad_enabled)
from . import grad_mode  # noqa: F401
from .api import backward, grad  # noqa: F401
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .graph import Node  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401
from . import functional  # noqa: F401
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: F401
from .. import _op_layer
from . import recording

_op_layer.set_grad_recorder(recording.handle, recording.handle_known)  # the last handler of every op's chain
