"""ember.multiprocessing: Python's multiprocessing, with ember tensors that travel between
processes in shared memory, as torch.multiprocessing.

Everything of `multiprocessing` is here (Process, Queue, SimpleQueue, Pool, Pipe, get_context,
set_start_method, cpu_count, ...). A tensor whose storage is in shared memory
(`Tensor.share_memory_()`, `Module.share_memory()`) that is put on a Queue or passed to a
Process reaches the other process as a view of the same memory: its writes are seen by the
sender (Hogwild training). Other tensors travel as copies. `spawn` runs a function in several
processes and raises ProcessRaisedException in the parent when one of them fails.
"""
import multiprocessing
from multiprocessing import *  # noqa: F401,F403

from .reductions import init_reductions
from .spawn import (ProcessContext, ProcessException, ProcessExitedException,  # noqa: F401
                    ProcessRaisedException, SpawnContext, spawn, start_processes)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies",
           "spawn", "start_processes", "ProcessContext", "SpawnContext", "ProcessException",
           "ProcessRaisedException", "ProcessExitedException"] + list(multiprocessing.__all__)

# Both of torch's strategies are accepted; ember sends every shared tensor the file_descriptor
# way (a duplicate of the segment's descriptor), whose memory needs no cleanup.
_all_sharing_strategies = {"file_descriptor", "file_system"}
_sharing_strategy = "file_descriptor"


def set_sharing_strategy(new_strategy):
    """Sets the strategy for sharing CPU tensors ('file_descriptor' or 'file_system'; both send
    a segment's file descriptor in ember)."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise ValueError(f"set_sharing_strategy: unknown strategy {new_strategy!r}; expected one of "
                         f"{sorted(_all_sharing_strategies)}")
    _sharing_strategy = new_strategy


def get_sharing_strategy():
    return _sharing_strategy


def get_all_sharing_strategies():
    return set(_all_sharing_strategies)


init_reductions()
