"""ember.nn.functional: the neural-network ops as functions, with PyTorch's names and arguments.

Each op family lives in its own module (ember._nn_*); this module gathers them.
"""
from .._nn_linear import bilinear, linear  # noqa: E402,F401
