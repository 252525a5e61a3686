"""ember.nn.parallel: torch's data-parallel wrappers.

ember runs on one device, the CPU, so `DataParallel` runs its module as torch's does when no
GPU is present (the module itself, on the inputs as given), and `DistributedDataParallel`
needs a process group, which ember.distributed cannot create.
"""
from .data_parallel import DataParallel, data_parallel  # noqa: F401
from .distributed import DistributedDataParallel  # noqa: F401

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
