"""ember.cuda.nvtx: torch.cuda.nvtx's profiler annotations. ember does not link NVIDIA's NVTX
library, so ranges and marks are accepted and record nothing (Nsight still sees every kernel);
range_push returns the nesting depth as torch's does."""
from contextlib import contextmanager

_depth = 0


def range_push(msg):
    global _depth
    _depth += 1
    return _depth - 1


def range_pop():
    global _depth
    if _depth == 0:
        return -1
    _depth -= 1
    return _depth


def range_start(msg):
    return 0


def range_end(range_id):
    """Ends a range from range_start; nothing to end without NVTX."""


def mark(msg):
    """A point annotation; recorded nowhere without NVTX."""


@contextmanager
def range(msg, *args, **kwargs):
    range_push(msg.format(*args, **kwargs) if args or kwargs else msg)
    try:
        yield
    finally:
        range_pop()
