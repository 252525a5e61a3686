"""ember.distributed: torch.distributed's process groups, collectives and stores, over MPI.

    import ember.distributed as dist
    dist.init_process_group("gloo")          # RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
    dist.all_reduce(t, op=dist.ReduceOp.SUM)

The engine is MPI through mpi4py (`pip install 'ember[distributed]'`); "gloo" and "mpi" both
name it, so CPU scripts written for PyTorch run unchanged. Start the processes with
`python -m ember.distributed.run --nproc-per-node N script.py` (torchrun's flags and
environment), with `mpirun -n N python script.py`, or any other way that sets the environment.
Without mpi4py, `is_available()` is False.
"""
from ._errors import DistBackendError, DistError, DistNetworkError, DistStoreError
from ._store import FileStore, HashStore, PrefixStore, Store, TCPStore
from .distributed_c10d import *  # noqa: F401,F403
from .distributed_c10d import (Backend, GroupMember, P2POp, ProcessGroup, ReduceOp, Work, group,  # noqa: F401
                               _get_default_group, is_available)
from . import distributed_c10d as _c10d
from ..nn.parallel.distributed import GradBucket  # noqa: F401,E402  (torch.distributed.GradBucket)

__all__ = _c10d.__all__ + ["DistBackendError", "DistError", "DistNetworkError", "DistStoreError", "FileStore",
                           "GradBucket", "HashStore", "PrefixStore", "Store", "TCPStore"]


def get_node_local_rank(fallback_rank=None):
    """LOCAL_RANK from the launcher's environment (fallback_rank when it is not set)."""
    import os
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("get_node_local_rank: LOCAL_RANK is not in the environment; start the processes with "
                       "`python -m ember.distributed.run`, or pass fallback_rank")
