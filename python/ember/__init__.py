"""ember: a tensor engine in the mould of PyTorch.

    import ember
    x = ember.randn(3, 4)
    y = (x * 2 + 1).relu().sum(dim=1)
"""
from . import _C
from ._C import ArgumentError, DTypeError, ShapeError, device, dtype, get_num_threads, set_num_threads

# dtypes, with PyTorch's names and aliases
float32 = float = _C.dtype.float32
float64 = double = _C.dtype.float64
float16 = half = _C.dtype.float16
bfloat16 = _C.dtype.bfloat16
int8 = _C.dtype.int8
uint8 = _C.dtype.uint8
int16 = short = _C.dtype.int16
int32 = int = _C.dtype.int32
int64 = long = _C.dtype.int64
bool = _C.dtype.bool
complex64 = cfloat = _C.dtype.complex64
complex128 = cdouble = _C.dtype.complex128

from ._tensor import Size, Tensor  # noqa: E402
from ._ops.creation import (  # noqa: E402
    arange, as_tensor, empty, empty_like, empty_strided, eye, from_numpy, full, full_like,
    linspace, ones, ones_like, scalar_tensor, tensor, zeros, zeros_like)
from ._ops.views import *  # noqa: E402,F401,F403
from ._ops.elementwise import *  # noqa: E402,F401,F403
from ._ops.reduce import *  # noqa: E402,F401,F403
from ._ops.random import *  # noqa: E402,F401,F403
from ._ops.interop import *  # noqa: E402,F401,F403
from ._ops.linalg import *  # noqa: E402,F401,F403
from ._ops.sort import *  # noqa: E402,F401,F403
from ._ops.einsum import *  # noqa: E402,F401,F403
from ._ops.shape import *  # noqa: E402,F401,F403
from .nn.functional.normalization import _batch_norm_top as batch_norm, _layer_norm_top as layer_norm, _group_norm_top as group_norm  # noqa: E402,F401,E501
from ._ops.indexing import *  # noqa: E402,F401,F403
from ._ops.rnn import gru, gru_cell, lstm, lstm_cell, rnn_relu, rnn_relu_cell, rnn_tanh, rnn_tanh_cell  # noqa: E402,F401
from . import cpu, cuda, nn  # noqa: E402,F401
from .nn.functional.pooling import adaptive_avg_pool1d, avg_pool1d, max_pool1d, max_pool2d  # noqa: E402,F401
from .nn.functional.sparse import _torch_embedding as embedding  # noqa: E402,F401
from .nn.functional.dropouts import _torch_dropout as dropout  # noqa: E402,F401
from .nn.functional.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: E402,F401
from .nn.functional.conv import conv3d, conv_transpose3d  # noqa: E402,F401
from .nn.functional.pooling3d import max_pool3d, max_pool1d_with_indices  # noqa: E402,F401
from .nn.functional.composites import channel_shuffle  # noqa: E402,F401
from .nn.functional.shuffle import native_channel_shuffle  # noqa: E402,F401
from . import linalg  # noqa: E402,F401

__version__ = "0.1.0"


def promote_types(type1, type2):
    return _C.promote_types(type1, type2)


def can_cast(from_, to):
    """torch.can_cast(from_dtype, to_dtype); from_ may also be an array (the array API's form)."""
    return _C.can_cast(from_.dtype if isinstance(from_, Tensor) else from_, to)


def result_type(*arrays_and_dtypes):
    """torch.result_type(tensor1, tensor2), and the array API's result_type of any number of
    arrays, dtypes and Python scalars (dtypes promote by promote_types; scalars keep the
    category's width, as in ops)."""
    if not arrays_and_dtypes:
        raise TypeError("result_type(): expected at least one array or dtype")
    impls = [a._impl for a in arrays_and_dtypes if isinstance(a, Tensor)]
    scalars = [a for a in arrays_and_dtypes if not isinstance(a, (Tensor, dtype))]
    out = _C.result_type(impls) if len(impls) > 1 else impls[0].dtype if impls else None
    for d in arrays_and_dtypes:
        if isinstance(d, dtype):
            out = d if out is None else _C.promote_types(out, d)
    if out is None:
        raise TypeError("result_type(): Python scalars alone have no array dtype")
    if scalars:
        out = _C.result_type([empty((), dtype=out)._impl] + scalars)
    return out


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()
from . import autograd  # noqa: E402,F401
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: E402,F401
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from ._ops.misc import *  # noqa: E402,F401,F403
from .autograd import rules as _autograd_rules  # noqa: E402,F401  (the backward rules, by op name)
# The training stack: layers, optimizers.
from . import optim  # noqa: E402,F401
from . import accelerator, nn  # noqa: E402,F401
from ._legacy_types import *  # noqa: E402,F401,F403
# Tensor layouts and sparse COO tensors (ember.sparse, as torch.sparse).
from ._layout import layout, sparse_coo, strided  # noqa: E402,F401
from . import sparse  # noqa: E402,F401
from .sparse import smm, sparse_coo_tensor, spmm  # noqa: E402,F401

# Data loading and bundled data sets.
from . import datasets, utils  # noqa: E402,F401

# serialization: ember.save / ember.load, and pickling and deepcopy of tensors
from . import serialization  # noqa: E402,F401
from .serialization import load, save  # noqa: E402,F401
# Tensor.share_memory_ / is_shared (ember.multiprocessing, imported on first use, sends them shared)
from . import _shared_memory  # noqa: E402,F401


# Probability distributions (torch.distributions is there after `import torch`, so this is too).
from . import distributions  # noqa: E402,F401

# The rest of torch's top-level surface: layouts and memory formats, the default dtype,
# predicates and the ops scripts reach for, settings and backends, compile and jit (eager).
from ._layout import *  # noqa: E402,F401,F403
from ._layout import install_tensor_properties as _install_tensor_properties  # noqa: E402
from ._defaults import get_default_device, get_default_dtype, set_default_device, set_default_dtype  # noqa: E402,F401,E501
_install_tensor_properties(Tensor)
from ._predicates import *  # noqa: E402,F401,F403
from ._predicates import install as _install_predicates  # noqa: E402
_install_predicates(Tensor)
from ._settings import *  # noqa: E402,F401,F403
from ._dtype_info import finfo, iinfo  # noqa: E402,F401
from ._printing import set_printoptions  # noqa: E402,F401
from ._compile import compile  # noqa: E402,F401
from . import backends, distributed, jit  # noqa: E402,F401
from .cuda import OutOfMemoryError  # noqa: E402,F401
from ._ops.extra import *  # noqa: E402,F401,F403
from ._ops.extra_shape import *  # noqa: E402,F401,F403
# The array API standard (2024.12): its own names beside torch's; ember is the namespace that
# Tensor.__array_namespace__() returns (ember/_ops/array_api.py, ember/_array_api_info.py).
from ._ops.array_api import *  # noqa: E402,F401,F403
from ._ops.complex import *  # noqa: E402,F401,F403
from ._ops.spectral import *  # noqa: E402,F401,F403
from ._array_api_info import API_VERSION as __array_api_version__, __array_namespace_info__  # noqa: E402,F401

# torch's top-level extras: testing helpers, special functions, function transforms, name shims.
from . import func, testing  # noqa: E402,F401
from .func import vmap  # noqa: E402,F401
from ._ops.toplevel_aliases import *  # noqa: E402,F401,F403
from . import special  # noqa: E402,F401
from . import fft  # noqa: E402,F401  (torch.fft)
from ._ops.windows import *  # noqa: E402,F401,F403
from ._ops.combinatorics import *  # noqa: E402,F401,F403
from ._ops.view_copies import *  # noqa: E402,F401,F403
from . import random, version  # noqa: E402,F401  (torch.random and torch.version)
__version__ = version.__version__  # noqa: E402  "0.1.0", comparing as a version
inf, nan, pi, e, newaxis = __import__("math").inf, __import__("math").nan, __import__("math").pi, __import__("math").e, None  # noqa: E402,E501
from .special import i0, polygamma, gammainc as igamma, gammaincc as igammac, multigammaln as mvlgamma  # noqa: E402,F401,E501

# Automatic mixed precision (torch.amp): autocast and its per-thread state, GradScaler in ember.amp.
from . import amp  # noqa: E402,F401
from .amp.autocast_mode import (autocast, autocast_decrement_nesting, autocast_increment_nesting,  # noqa: E402,F401
                                clear_autocast_cache, get_autocast_cpu_dtype, get_autocast_dtype,
                                get_autocast_gpu_dtype, is_autocast_cache_enabled, is_autocast_cpu_enabled,
                                is_autocast_enabled, set_autocast_cache_enabled, set_autocast_cpu_dtype,
                                set_autocast_cpu_enabled, set_autocast_dtype, set_autocast_enabled,
                                set_autocast_gpu_dtype)


def __getattr__(name):
    """Submodules imported on first use (as torch.onnx is), keeping `import ember` light."""
    if name in ("onnx", "multiprocessing"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'ember' has no attribute {name!r}")
