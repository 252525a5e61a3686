"""DataParallel on a machine whose only device is the CPU: torch's own behaviour without GPUs."""
from ... import cuda
from ..modules import Module


def _check_devices(device_ids, what):
    if device_ids and not cuda.is_available():
        raise RuntimeError(f"{what}: device_ids {list(device_ids)} name GPUs, but no CUDA device is available "
                           "to ember")


class DataParallel(Module):
    """Wraps `module`; without GPUs (ember's case) forward calls the module itself, and
    `device_ids` is empty, as in torch. The wrapped module is `self.module`, so state dict
    keys carry the "module." prefix, as torch's do."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        _check_devices(device_ids, "DataParallel")
        self.module = module
        self.device_ids = []
        self.output_device = None
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """The functional form: `module(*inputs, **module_kwargs)` on the CPU."""
    _check_devices(device_ids, "data_parallel")
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
