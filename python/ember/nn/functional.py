"""ember.nn.functional: the neural-network ops as functions, with PyTorch's names and arguments.

Each op family lives in its own module (ember._nn_*); this module gathers them.
"""
from .._nn_loss import *  # noqa: F401,F403
from .._nn_pool import *  # noqa: E402,F401,F403
from .._nn_interpolate import *  # noqa: E402,F401,F403
from .._nn_embedding import *  # noqa: E402,F401,F403
from .._nn_dropout import *  # noqa: E402,F401,F403
from .._nn_conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from .._nn_pad import pad  # noqa: F401
from .._nn_linear import bilinear, linear  # noqa: E402,F401
from .._nn_norm import *  # noqa: E402,F401,F403
from .._nn_activation import *  # noqa: E402,F401,F403
from .._nn_attention import *  # noqa: E402,F401,F403
from .._nn_extra import *  # noqa: E402,F401,F403
