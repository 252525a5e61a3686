"""The reduce ops: functions in the ember namespace and their Tensor methods."""
from . import _C  # noqa: F401
from ._tensor import Tensor, _unwrap, _wrap  # noqa: F401

__all__ = []
