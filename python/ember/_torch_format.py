"""The pickler of ember.save: it writes data.pkl with PyTorch's globals, so that torch.load reads
ember's files (with weights_only=True for tensors, state dicts, optimizer states and containers;
with weights_only=False for whole modules of standard layers).

What it writes, as torch.save does:

- a tensor: torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
  collections.OrderedDict()); an nn.Parameter: torch._utils._rebuild_parameter(tensor,
  requires_grad, OrderedDict()) (_rebuild_parameter_with_state when it carries attributes);
  another Tensor subclass: torch._tensor._rebuild_from_type_v2(_rebuild_tensor_v2, cls, args, state)
- a storage: the persistent id ('storage', torch.<Dtype>Storage, key, location, numel)
- a dtype: the global torch.<dtype>; a device: torch.device('cpu'); a Size: torch.Size((2, 3))
- a module whose class is one of ember.nn.modules' standard layers: NEWOBJ of the class of the
  same path under torch.nn.modules, then its __dict__ (ember's Module keeps torch's layout)

torch need not be installed to write these names: the pickler writes them as GLOBAL opcodes
itself, which is why it is the pure-Python pickler (the C one imports every global it writes to
check it). The stream is protocol 2 and uses only the opcodes torch's weights_only unpickler
reads. ember.load maps every one of these names back to ember's objects.
"""
import collections
import pickle
import re
import sys
import types

from . import _C
from ._tensor import Size, Tensor, _wrap
from ._tensor_pickle import storage_of


class TorchName:
    """A global of PyTorch's, written into the pickle by its name alone."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle's save_reduce insists that a reduce function be callable
        raise TypeError(f"{self.module}.{self.name} is a name written into a pickle, not a function")

    def __repr__(self):
        return f"<torch global {self.module}.{self.name}>"


_names = {}


def torch_name(module, name):
    """One TorchName per global, so that the pickler's memo writes each global once."""
    key = (module, name)
    found = _names.get(key)
    if found is None:
        found = _names[key] = TorchName(module, name)
    return found


_REBUILD_TENSOR_V2 = torch_name("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = torch_name("torch._utils", "_rebuild_parameter")
_REBUILD_PARAMETER_WITH_STATE = torch_name("torch._utils", "_rebuild_parameter_with_state")
_REBUILD_FROM_TYPE_V2 = torch_name("torch._tensor", "_rebuild_from_type_v2")
_TORCH_DEVICE = torch_name("torch", "device")
_TORCH_SIZE = torch_name("torch", "Size")

# ember dtype name -> the legacy typed-storage class torch.save names in a storage's persistent id
STORAGE_TYPE_NAMES = {
    "float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
    "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
    "complex64": "ComplexFloatStorage", "complex128": "ComplexDoubleStorage"}

_EMBER_MODULES = "ember.nn.modules."
_TORCH_MODULES = "torch.nn.modules."


class _NewObj:
    """The reduce function standing for protocol 2's NEWOBJ of a torch class (see save_reduce)."""

    def __call__(self, *args):
        raise TypeError("_NewObj only marks a reduce value for the pickler")


_NEWOBJ = _NewObj()


def _parameter_class():
    nn = sys.modules.get("ember.nn")
    return getattr(nn, "Parameter", None)


def _module_class():
    nn = sys.modules.get("ember.nn")
    return getattr(nn, "Module", None)


class TorchPickler(pickle._Pickler):
    """pickle's Python pickler, writing ember objects under PyTorch's names. `storage_id(storage)`
    returns the persistent id of a tensor's storage (the caller records the storage)."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, storage_id, protocol=2):
        super().__init__(file, protocol=protocol)
        self._storage_id = storage_id
        self._parameter = _parameter_class()
        self._module = _module_class()

    def persistent_id(self, obj):
        return self._storage_id(obj)

    # -- objects whose reduction depends on their class hierarchy ---------------------------------
    def reducer_override(self, obj):
        t = type(obj)
        if t is Tensor:
            return (_REBUILD_TENSOR_V2, _tensor_args(obj))
        if isinstance(obj, Tensor):
            state = getattr(obj, "__dict__", None) or None
            if t is self._parameter:
                data = _wrap(obj._impl)
                if state:
                    return (_REBUILD_PARAMETER_WITH_STATE,
                            (data, obj.requires_grad, collections.OrderedDict(), state))
                return (_REBUILD_PARAMETER, (data, obj.requires_grad, collections.OrderedDict()))
            return (_REBUILD_FROM_TYPE_V2, (_REBUILD_TENSOR_V2, t, _tensor_args(obj), state))
        if self._module is not None and isinstance(obj, self._module) \
                and t.__module__.startswith(_EMBER_MODULES):
            torch_module = _TORCH_MODULES + t.__module__[len(_EMBER_MODULES):]
            return (_NEWOBJ, (torch_name(torch_module, t.__qualname__),), _torch_module_state(obj))
        return NotImplemented

    def save_reduce(self, func, args, state=None, listitems=None, dictitems=None,
                    state_setter=None, *, obj=None):
        if func is not _NEWOBJ:
            return super().save_reduce(func, args, state, listitems, dictitems, state_setter, obj=obj)
        # NEWOBJ of a class named, not imported: the stock save_reduce checks the class is the
        # object's own, which a TorchName is not.
        self.save(args[0])
        self.save(())
        self.write(pickle.NEWOBJ)
        self.memoize(obj)
        self.save(state)
        self.write(pickle.BUILD)
        return None

    def save_global(self, obj, name=None):
        # a function of ember.nn.functional (a TransformerEncoderLayer's activation) is torch's
        functional = sys.modules.get("ember.nn.functional")
        fname = getattr(obj, "__name__", None)
        home = sys.modules.get(getattr(obj, "__module__", None) or "")
        if name is None and functional is not None and isinstance(fname, str) and home is not None \
                and home.__name__.startswith("ember.nn.functional") and getattr(home, fname, None) is obj \
                and callable(getattr(functional, fname, None)):
            return self.save(torch_name("torch.nn.functional", fname))
        return super().save_global(obj, name)

    # -- ember's own types, written as torch's -------------------------------------------------
    def _save_torch_name(self, obj):
        self.write(pickle.GLOBAL + obj.module.encode("utf-8") + b"\n" + obj.name.encode("utf-8") + b"\n")
        self.memoize(obj)

    def _save_dtype(self, obj):
        self.save(torch_name("torch", obj.name))
        # a dtype is a global: nothing to memoize under the dtype itself (the name is memoized)

    def _save_called(self, func, args, obj):
        self.save(func)
        self.save(args)
        self.write(pickle.REDUCE)
        self.memoize(obj)

    def _save_device(self, obj):
        self._save_called(_TORCH_DEVICE, (str(obj),), obj)

    def _save_size(self, obj):
        self._save_called(_TORCH_SIZE, (tuple(int(s) for s in obj),), obj)

    dispatch[types.FunctionType] = save_global  # the table holds the base class's otherwise
    dispatch[_C._op_layer.Op] = save_global  # ops (F.gelu, ...) are the op layer's native wrappers
    dispatch[TorchName] = _save_torch_name
    dispatch[_C.dtype] = _save_dtype
    dispatch[_C.device] = _save_device
    dispatch[Size] = _save_size


def _tensor_args(t):
    impl = t._impl
    return (storage_of(impl), impl.storage_offset(), tuple(impl.shape), tuple(impl.stride()),
            t.requires_grad, collections.OrderedDict())


# ---- layers whose torch counterparts keep more state than ember's ---------------------------------
_RNN_CACHES = ("_flat_weights", "_flat_weight_refs", "_all_weights")  # torch's; ember derives them
_RNN_SUFFIX = re.compile(r"_(l\d+(?:_reverse)?)$")


def _is_rnn(module):
    rnn = sys.modules.get("ember.nn.modules.rnn")
    return rnn is not None and isinstance(module, rnn.RNNBase)


def _torch_module_state(module):
    """The module's __dict__ as torch's class of the same name needs it."""
    state = module.__getstate__()
    if _is_rnn(module):
        # torch's RNNs also keep their weights grouped per layer and direction, and as a list
        groups = {}
        for name in state["_flat_weights_names"]:
            groups.setdefault(_RNN_SUFFIX.search(name).group(1), []).append(name)
        state["_all_weights"] = list(groups.values())
        state["_flat_weights"] = [getattr(module, name) for name in state["_flat_weights_names"]]
    return state


def settle_loaded_module(obj):
    """After unpickling a torch module's state into an ember layer: drop the caches of torch's
    that ember computes (an RNN's list `_flat_weights` would hide ember's method of that name)."""
    if _is_rnn(obj):
        for key in _RNN_CACHES:
            obj.__dict__.pop(key, None)
