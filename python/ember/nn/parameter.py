"""ember.nn.Parameter and ember.nn.Buffer: tensors that a Module registers when assigned."""
from .. import _C
from .._tensor import Tensor, _new


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning one to a Module attribute registers it.
    It shares the data of the tensor it was made from and requires grad by default."""

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _C.empty([0], _C.dtype.float32, _C.device("cpu"))
        elif isinstance(data, Tensor):
            data = data._impl
        else:
            raise TypeError(f"Parameter: data must be a Tensor, got {type(data).__name__}")
        p = _new(cls)
        p._impl = data
        p._node = None
        p._view_base = None
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
        if data is None:
            data = _C.empty([0], _C.dtype.float32, _C.device("cpu"))
        elif isinstance(data, Tensor):
            data = data._impl
        b = _new(cls)
        b._impl = data
        b._node = None
        b._view_base = None
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent=True):
        pass


class UninitializedParameter(Parameter):
    """Placeholder type for lazy modules (not supported: exists for isinstance checks)."""

    __slots__ = ()
