"""DistributedDataParallel: importable under torch's name; constructing one needs a process
group, which ember.distributed cannot make (ember has no distributed backend)."""
from ..modules import Module


class DistributedDataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, **kwargs):
        from ... import distributed
        distributed._no_process_group("DistributedDataParallel")
