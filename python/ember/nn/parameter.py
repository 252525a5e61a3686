"""ember.nn.Parameter and ember.nn.Buffer: tensors that a Module registers when assigned."""
from .. import _C
from .._tensor import Tensor, _new


def _sharing(cls, data, kind):
    """A `cls` instance sharing `data`'s storage (an empty float32 tensor for None)."""
    if data is None:
        impl = _C.empty([0], _C.dtype.float32, _C.device("cpu"))
    elif isinstance(data, Tensor):
        impl = data._impl
    else:
        raise TypeError(f"{kind}: data must be a Tensor, got {type(data).__name__}")
    t = _new(cls)
    t._impl = impl
    t._node = None
    t._view_base = None
    return t


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning one to a Module attribute registers it.
    It shares the data of the tensor it was made from and requires grad by default."""

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        p = _sharing(cls, data, "Parameter")
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """A tensor that a Module registers as a buffer when assigned (`persistent=False` keeps it
    out of the state dict). Assigning it gives the module a plain tensor."""

    __slots__ = ("persistent",)

    def __new__(cls, data=None, *, persistent=True):
        b = _sharing(cls, data, "Buffer")
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent=True):
        pass


class UninitializedParameter(Parameter):
    """Placeholder type for lazy modules (not supported: exists for isinstance checks)."""

    __slots__ = ()
