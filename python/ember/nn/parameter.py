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


class _Uninitialized:
    """What the uninitialized tensors share: no data until `materialize(shape)` gives them an
    (uninitialized) tensor of that shape and turns them into `cls_to_become`."""

    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        from .. import empty
        if isinstance(shape, int):
            shape = (shape,)
        device = self.device if device is None else device
        dtype = self.dtype if dtype is None else dtype
        requires_grad = self.requires_grad
        self._impl = empty(tuple(shape), device=device, dtype=dtype)._impl
        self.__class__ = self.cls_to_become
        self.requires_grad_(requires_grad)

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def numel(self):
        raise ValueError("Attempted to use an uninitialized parameter in numel. This error happens when you are "
                         "using a `LazyModule` or explicitly manipulating `torch.nn.parameter.Uninitialized*` "
                         "objects. When using LazyModules Call `forward` with a dummy batch to initialize the "
                         "parameters before calling torch functions")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol):
        raise RuntimeError(f"Can't pickle an {type(self).__name__}: call forward to initialize it first")


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter of a lazy module before its first forward pass: its shape is not known yet
    (`materialize` gives it one and makes it a Parameter)."""

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from .. import empty
        p = _sharing(cls, empty(0, device=device, dtype=dtype), "UninitializedParameter")
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer of a lazy module before its first forward pass (`materialize` makes it a Tensor)."""

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        from .. import empty
        b = _sharing(cls, empty(0, device=device, dtype=dtype), "UninitializedBuffer")
        if requires_grad:
            b.requires_grad_(True)
        return b

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass
