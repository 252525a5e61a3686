"""ember.nn.functional: the neural-network ops as functions, with PyTorch's names and arguments.

Each op family lives in its own module (ember._nn_*); this module gathers them.
"""
from .._nn_norm import *  # noqa: E402,F401,F403
from .._nn_activation import *  # noqa: E402,F401,F403
from .._nn_attention import *  # noqa: E402,F401,F403
