"""ember.cuda: the CUDA backend's status. A build without CUDA (or a machine without a GPU)
answers False, and asking for a CUDA tensor raises a RuntimeError that says why."""
from . import _C

is_built = _C.cuda.is_built
is_available = _C.cuda.is_available
device_count = _C.cuda.device_count
