"""ember.cpu: the CPU backend's memory and threads.

Buffers of 2 MiB and more are kept after they are freed and reused for tensors of the same
size (at most EMBER_CPU_CACHE_MB, by default 1 GiB or an eighth of the machine's memory);
empty_cache() returns them to the system.
"""
from .. import _C

empty_cache = _C.empty_cpu_cache
get_num_threads = _C.get_num_threads
set_num_threads = _C.set_num_threads


def is_available():
    return True


def device_count():
    return 1
from . import amp  # noqa: E402,F401  (torch.cpu.amp)
