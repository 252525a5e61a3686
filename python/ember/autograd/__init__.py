"""ember.autograd: gradients of ember programs.

The grad modes are here; the graph (Tensor.backward, ember.autograd.grad, Function) is being
built, and until it lands every tensor is a constant.
"""
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,  # noqa: F401
                        no_grad, set_grad_enabled)
from . import grad_mode  # noqa: F401
