"""ember.distributed.nn: collectives that autograd differentiates (torch.distributed.nn)."""
from .functional import (all_gather, all_reduce, all_to_all, all_to_all_single, broadcast, gather,  # noqa: F401
                         reduce, reduce_scatter, scatter)
from . import functional  # noqa: F401

__all__ = ["all_gather", "all_reduce", "all_to_all", "all_to_all_single", "broadcast", "gather", "reduce",
           "reduce_scatter", "scatter"]
