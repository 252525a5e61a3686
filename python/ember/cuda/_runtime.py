"""The binding ember.cuda stands on (ember._C.cuda) and the helpers its modules share: the
errors a build or machine without CUDA gives, and device arguments as indices."""
from .. import _C

_cc = _C.cuda


class CudaUnavailableError(RuntimeError, AssertionError):
    """Raised by a CUDA call when ember has no CUDA (the build lacks it, or the machine has no
    GPU). A RuntimeError, as ember's CUDA errors are, and an AssertionError, which is what torch
    raises in a build without CUDA, so the `except` clauses of either kind catch it."""


def is_built():
    return bool(_cc.is_built())


def is_available():
    return bool(_cc.is_available())


def unavailable_message(what):
    if not is_built():
        return (f"{what}: ember was not built with CUDA (rebuild with nvcc present and "
                "-DEMBER_CUDA=ON)")
    return f"{what}: ember was built with CUDA, but no CUDA device is available on this machine"


def require(what):
    """Raises CudaUnavailableError unless a GPU can be used."""
    if not is_available():
        raise CudaUnavailableError(unavailable_message(what))


def call(name, *args):
    """_C.cuda.<name>(*args), after checking that a GPU is there."""
    require(f"ember.cuda.{name}")
    fn = getattr(_cc, name, None)
    if fn is None:  # an extension built before the runtime's bindings
        raise CudaUnavailableError(f"ember.cuda.{name}: this build of ember lacks the CUDA runtime bindings")
    return fn(*args)


def device_index(device, optional=True, what="device"):
    """A device argument (None, an int, 'cuda', 'cuda:1', an ember.device) as a device index;
    None and a 'cuda' without an index are the current device when `optional`."""
    if device is None:
        if not optional:
            raise ValueError(f"Expected a cuda device, but got: {device}")
        return int(call("current_device"))
    if isinstance(device, bool):
        raise TypeError(f"{what}: expected a device, got a bool")
    if isinstance(device, int):
        return device
    if isinstance(device, str):
        text = device.strip()
        if text == "cuda":  # no index: the current device (ember.device("cuda") reads as index 0)
            if not optional:
                raise ValueError(f"Expected a cuda device with a specified index or an integer, but got: {device}")
            return int(call("current_device"))
        device = _C.device(text)
    if isinstance(device, _C.device):
        if device.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {device}")
        if device.index is None:
            if not optional:
                raise ValueError(f"Expected a cuda device with a specified index or an integer, but got: {device}")
            return int(call("current_device"))
        return int(device.index)
    index = getattr(device, "idx", None)  # an ember.cuda.device context
    if isinstance(index, int):
        return index
    raise TypeError(f"{what}: expected a device (an int, 'cuda', 'cuda:N' or an ember.device), got "
                    f"{type(device).__name__}")
