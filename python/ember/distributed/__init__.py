"""ember.distributed: torch.distributed's import path and its queries, answered for a build
without a distributed backend.

`is_available()` is False and `is_initialized()` False, so scripts that guard their
distributed code on them (`rank = dist.get_rank() if dist.is_initialized() else 0`) run
single-process. Creating a process group raises a RuntimeError that says so; the
collectives and rank queries raise torch's error for a missing default group.
"""
import enum

__all__ = ["is_available", "is_initialized", "init_process_group", "destroy_process_group", "get_rank",
           "get_world_size", "get_backend", "barrier", "all_reduce", "all_gather", "broadcast", "reduce",
           "gather", "scatter", "reduce_scatter", "all_to_all", "new_group", "is_nccl_available",
           "is_gloo_available", "is_mpi_available", "is_torchelastic_launched", "ReduceOp", "Backend",
           "GroupMember"]


def is_available():
    """False: ember has no distributed backend (NCCL, Gloo or MPI)."""
    return False


def is_initialized():
    return False


def is_nccl_available():
    return False


def is_gloo_available():
    return False


def is_mpi_available():
    return False


def is_torchelastic_launched():
    import os
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    raise RuntimeError(f"init_process_group: distributed training is not available in ember (no backend: "
                       f"asked for {backend!r}); run the script as a single process")


def _no_process_group(what):
    raise ValueError(f"{what}: Default process group has not been initialized, please make sure to call "
                     "init_process_group. (ember.distributed is not available: ember runs single-process.)")


def destroy_process_group(group=None):
    _no_process_group("destroy_process_group")


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, **kwargs):
    _no_process_group("new_group")


def get_rank(group=None):
    _no_process_group("get_rank")


def get_world_size(group=None):
    _no_process_group("get_world_size")


def get_backend(group=None):
    _no_process_group("get_backend")


def _collective(name):
    def collective(*args, **kwargs):
        _no_process_group(name)
    collective.__name__ = collective.__qualname__ = name
    collective.__doc__ = f"torch.distributed.{name}: needs a process group, which ember cannot create."
    return collective


barrier = _collective("barrier")
all_reduce = _collective("all_reduce")
all_gather = _collective("all_gather")
broadcast = _collective("broadcast")
reduce = _collective("reduce")
gather = _collective("gather")
scatter = _collective("scatter")
reduce_scatter = _collective("reduce_scatter")
all_to_all = _collective("all_to_all")


class ReduceOp(enum.Enum):
    """The reduction names of the collectives (ReduceOp.SUM, ...)."""
    SUM = 0
    PRODUCT = 1
    MIN = 2
    MAX = 3
    BAND = 4
    BOR = 5
    BXOR = 6
    AVG = 7
    PREMUL_SUM = 8
    UNUSED = 9


class Backend(str):
    """The backend names torch scripts pass to init_process_group."""
    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"
    UCC = "ucc"


class GroupMember:
    WORLD = None
    NON_GROUP_MEMBER = -100
