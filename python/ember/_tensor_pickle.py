"""Pickling and copying of tensors: Tensor.__reduce_ex__, Tensor.__deepcopy__, and the raw-byte
helpers that ember.save and the safetensors reader share.

A tensor pickles as (storage, storage_offset, size, stride, requires_grad), where the storage is
a `_Storage` object covering the tensor's whole native buffer. Tensors that share a buffer hand
pickle the same `_Storage` object (a weak cache keyed by the buffer's address finds it while the
pickler's memo keeps it alive), so pickle writes it once and views of one base are views of one
buffer again after loading. Plain pickle stores a storage's bytes inline; ember.save's pickler
turns each storage into a persistent id and writes its bytes to a record of the archive.
"""
import copyreg
import ctypes
import sys
import weakref

import numpy as np

from . import _C
from ._tensor import Tensor, _wrap

_CPU = _C.device("cpu")
_BF16 = _C.dtype.bfloat16
_DTYPES = {d.name: d for d in (getattr(_C.dtype, n) for n in (
    "float32", "float64", "float16", "bfloat16", "int8", "uint8", "int16", "int32", "int64", "bool",
    "complex64", "complex128"))}
# numpy has no bfloat16: its bytes travel as uint16 bit patterns.
_NP_DTYPES = {name: np.dtype("uint16" if name == "bfloat16" else name) for name in _DTYPES}
_BIG_ENDIAN = sys.byteorder == "big"


def dtype_from_name(name):
    try:
        return _DTYPES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown ember dtype {name!r}") from None


def _device(spec):
    return _C.device(spec)


# dtypes pickle by name (not by the enum's integer value) and devices by their string, so that
# files do not depend on the order of ember's dtype list.
copyreg.pickle(_C.dtype, lambda d: (dtype_from_name, (d.name,)))
copyreg.pickle(_C.device, lambda d: (_device, (str(d),)))


# ---- raw bytes -----------------------------------------------------------------------------------
def raw_view(impl):
    """A numpy uint8 array sharing the memory of a contiguous CPU tensor (the caller keeps `impl`
    alive while it uses the array)."""
    nbytes = impl.numel() * impl.element_size()
    if nbytes == 0:
        return np.empty(0, np.uint8)
    if impl.dtype == _BF16:
        return np.ctypeslib.as_array((ctypes.c_uint8 * nbytes).from_address(impl.data_ptr()))
    return _C.to_numpy(impl).reshape(-1).view(np.uint8)


def le_bytes(impl):
    """The values of a contiguous CPU tensor as little-endian bytes (an array sharing its memory on
    a little-endian machine)."""
    raw = raw_view(impl)
    if _BIG_ENDIAN and impl.element_size() > 1:
        raw = raw.view(_NP_DTYPES[impl.dtype.name]).byteswap().view(np.uint8)
    return raw


def from_le_bytes(buf, dtype, numel, byteorder="little"):
    """A new 1-D CPU tensor of `numel` elements of `dtype` from bytes stored in `byteorder`."""
    impl = _C.empty([numel], dtype, _CPU)
    dst = raw_view(impl)
    if dst.size:
        dst[:] = np.frombuffer(buf, np.uint8, count=dst.size)
        if byteorder != sys.byteorder and impl.element_size() > 1:
            typed = dst.view(_NP_DTYPES[dtype.name])
            typed.byteswap(inplace=True)
    return impl


# ---- storages ------------------------------------------------------------------------------------
class _Storage:
    """A tensor's whole native buffer, as a 1-D contiguous tensor `impl` over it."""

    __slots__ = ("impl", "__weakref__")

    def __init__(self, impl):
        self.impl = impl

    def __reduce_ex__(self, protocol):
        impl = self.impl
        device = str(impl.device)
        if impl.device.type != "cpu":
            impl = impl.to_device(_CPU)
        return (_rebuild_storage, (le_bytes(impl).tobytes(), impl.dtype.name, impl.numel(), device))


_live_storages = weakref.WeakValueDictionary()


def storage_key(impl):
    """(device, base address, bytes, dtype): equal for tensors over one live buffer."""
    base = impl.data_ptr() - impl.storage_offset() * impl.element_size()
    return (str(impl.device), base, impl._storage_nbytes(), impl.dtype.name)


def whole_storage(impl):
    """A 1-D contiguous tensor over the whole buffer that `impl` views."""
    n = impl._storage_nbytes() // impl.element_size()
    return impl.as_strided([n], [1], 0)


def storage_of(impl):
    key = storage_key(impl)
    s = _live_storages.get(key) if key[2] else None
    if s is None:
        s = _Storage(whole_storage(impl))
        if key[2]:  # empty buffers may share an address: never merge them
            _live_storages[key] = s
    return s


def _rebuild_storage(data, dtype_name, numel, device="cpu"):
    dtype = dtype_from_name(dtype_name)
    if not isinstance(numel, int) or numel < 0 or len(data) < numel * dtype.itemsize:
        raise RuntimeError(f"a pickled {dtype_name} storage of {numel} elements holds only "
                           f"{len(data)} bytes")
    impl = from_le_bytes(data, dtype, numel)
    if device != "cpu":
        impl = restore_location(impl, device)
    return _Storage(impl)


def restore_location(impl, location):
    """Move a CPU storage to the device named `location`, as saved."""
    if isinstance(location, str):
        try:
            device = _C.device(location)
        except Exception:
            raise RuntimeError(f"cannot restore a storage to the unknown location {location!r}; "
                               "pass map_location to place it") from None
    else:
        device = location
    if device.type == "cuda" and not _C.cuda.is_available():
        raise RuntimeError(
            f"Attempting to deserialize a tensor saved on {location}, but ember.cuda.is_available() "
            "is False. If you are running on a CPU-only machine, use ember.load(..., "
            "map_location='cpu') to map the storages to the CPU.")
    return impl if device.type == "cpu" else impl.to_device(device)


def storage_impl(storage):
    if isinstance(storage, _Storage):
        return storage.impl
    if isinstance(storage, Tensor):
        return storage._impl
    raise TypeError(f"expected a storage (a 1-D tensor), got {type(storage).__name__}")


# ---- tensors -------------------------------------------------------------------------------------
def _check_bounds(numel, offset, size, stride):
    if not (isinstance(offset, int) and all(isinstance(s, int) and s >= 0 for s in size)
            and all(isinstance(s, int) for s in stride) and len(size) == len(stride) and offset >= 0):
        raise RuntimeError(f"invalid tensor geometry: size {tuple(size)}, stride {tuple(stride)}, "
                           f"offset {offset}")
    if any(s == 0 for s in size):
        return
    lo = offset + sum((n - 1) * st for n, st in zip(size, stride) if st < 0)
    hi = offset + sum((n - 1) * st for n, st in zip(size, stride) if st > 0)
    if lo < 0 or hi >= numel:
        raise RuntimeError(f"a tensor of size {tuple(size)}, stride {tuple(stride)} and offset {offset} "
                           f"reaches outside its storage of {numel} elements")


def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False):
    base = storage_impl(storage)
    size, stride = list(size), list(stride)
    _check_bounds(base.numel(), storage_offset, size, stride)
    t = _wrap(base.as_strided(size, stride, storage_offset))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _as_subclass(cls, t, requires_grad, state):
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise RuntimeError(f"cannot rebuild a tensor as {cls!r}: not a subclass of ember.Tensor")
    obj = object.__new__(cls)
    obj._impl = t._impl
    obj._node = None
    obj._view_base = None
    if requires_grad:
        obj.requires_grad_(True)
    if state:
        obj.__dict__.update(state)
    return obj


def _rebuild_tensor_subclass(cls, storage, storage_offset, size, stride, requires_grad, state):
    return _as_subclass(cls, _rebuild_tensor(storage, storage_offset, size, stride), requires_grad, state)


def _tensor_reduce_ex(self, protocol):
    impl = self._impl
    args = (storage_of(impl), impl.storage_offset(), tuple(impl.shape), tuple(impl.stride()),
            self.requires_grad)
    if type(self) is Tensor:
        return (_rebuild_tensor, args)
    return (_rebuild_tensor_subclass, (type(self),) + args + (getattr(self, "__dict__", None) or None,))


def _tensor_deepcopy(self, memo):
    if not self.is_leaf:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                           "deepcopy protocol at the moment; detach() the tensor first")
    impl = self._impl
    key = ("ember.storage",) + storage_key(impl)
    new_base = memo.get(key) if key[3] else None
    if new_base is None:
        new_base = whole_storage(impl).clone()
        if key[3]:
            memo[key] = new_base
            # keep the source buffer alive so its address is not reused during this deepcopy
            memo.setdefault(id(memo), []).append(impl)
    new = _wrap(new_base.as_strided(list(impl.shape), list(impl.stride()), impl.storage_offset()))
    if type(self) is not Tensor:
        import copy
        state = copy.deepcopy(getattr(self, "__dict__", None) or None, memo)
        new = _as_subclass(type(self), new, False, state)
    if self.requires_grad:
        new.requires_grad_(True)
    memo[id(self)] = new
    grad = self.grad
    if grad is not None:
        new._grad_value = _tensor_deepcopy(grad, memo) if id(grad) not in memo else memo[id(grad)]
    return new


Tensor.__reduce_ex__ = _tensor_reduce_ex
Tensor.__deepcopy__ = _tensor_deepcopy
