"""ember.nn.functional: the neural-network ops as functions, with PyTorch's names and arguments.

Each op family lives in its own module (nn/functional/*.py); this module gathers them.
"""
from .loss import *  # noqa: F401,F403
from .pooling import *  # noqa: E402,F401,F403
from .upsampling import *  # noqa: E402,F401,F403
from .sparse import *  # noqa: E402,F401,F403
from .dropouts import *  # noqa: E402,F401,F403
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d  # noqa: F401
from .padding import pad  # noqa: F401
from .linear_maps import bilinear, linear  # noqa: E402,F401
from .normalization import *  # noqa: E402,F401,F403
from .activation import *  # noqa: E402,F401,F403
from .attention import *  # noqa: E402,F401,F403
from .composites import *  # noqa: E402,F401,F403
from .pooling3d import *  # noqa: E402,F401,F403
from .unpooling import *  # noqa: E402,F401,F403
from .lp_pool import *  # noqa: E402,F401,F403
from .fractional_pool import *  # noqa: E402,F401,F403
from .sampling import *  # noqa: E402,F401,F403
from .shuffle import native_channel_shuffle  # noqa: E402,F401
from .embedding_bag import *  # noqa: E402,F401,F403
from .ctc import *  # noqa: E402,F401,F403
from .random_activations import *  # noqa: E402,F401,F403
from .distance_losses import *  # noqa: E402,F401,F403
from .multi_head_attention import *  # noqa: E402,F401,F403
from .linear_cross_entropy import *  # noqa: E402,F401,F403
from .. import grad  # noqa: E402,F401
