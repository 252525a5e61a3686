"""numpy and DLPack interop: ember.from_dlpack and the Tensor methods numpy, __array__,
__dlpack__, __dlpack_device__ and tolist. Everything here shares memory unless it says so."""
import numpy as np

from .. import _C
from .. import _op_layer
from .._op_layer import _ACTIVE, op
from .._tensor import Tensor, _wrap

__all__ = ["from_dlpack"]

_CPU = _C.device("cpu")
_BFLOAT16 = _C.dtype.bfloat16
_FLOAT32 = _C.dtype.float32
_DL_CPU, _DL_CUDA = 1, 2  # DLDeviceType values


@op
def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A tensor sharing memory with `ext_tensor`: any object with __dlpack__ (a numpy array,
    a torch or jax tensor, ...) or a DLPack capsule, which this consumes. device= and copy=
    as the array API has them: the result moved to `device`; copy=True a private copy,
    copy=False never a copy (BufferError where one is needed)."""
    if device is not None or copy is not None:
        out = from_dlpack(ext_tensor)
        device = _C.device(device) if isinstance(device, str) else device
        if device is not None and device != out.device:
            if copy is False:
                raise BufferError(f"from_dlpack(): the data is on {out.device}, moving it to {device} needs a "
                                  "copy, but copy=False")
            return out.to(device)
        return out.clone() if copy else out
    if hasattr(ext_tensor, "__dlpack__"):
        try:
            # Ask for the versioned ABI (DLPack >= 1.0); older producers reject the keyword.
            capsule = ext_tensor.__dlpack__(max_version=(1, 0))
        except TypeError:
            capsule = ext_tensor.__dlpack__()
    else:
        capsule = ext_tensor
    return _wrap(_C.from_dlpack(capsule))


def _numpy(self, force=False):
    """A numpy array sharing this tensor's memory (views and negative strides included).
    force=True first copies the tensor to the CPU (and detaches it), like PyTorch."""
    if _ACTIVE:
        _op_layer.value_read(self, "numpy")
    if force:
        self = self.detach().cpu()
    elif self.requires_grad:
        raise RuntimeError("Can't call numpy() on a Tensor that requires grad; "
                           "use tensor.detach().numpy() instead")
    return _C.to_numpy(self._impl)


def _array(self, dtype=None, copy=None):
    """numpy's conversion protocol: np.asarray(t) shares memory when it can. bfloat16, which
    numpy lacks, and tensors on another device come back as copies (float32 for bfloat16)."""
    if _ACTIVE:
        _op_layer.value_read(self, "numpy")
    impl = self._impl
    needs_copy = impl.dtype == _BFLOAT16 or impl.device.type != "cpu"
    if dtype is not None and np.dtype(dtype) != _numpy_dtype_of(impl.dtype):
        needs_copy = True
    if copy is False and needs_copy:
        raise ValueError(f"__array__: a {impl.dtype} tensor on {impl.device} cannot become a "
                         f"numpy array{'' if dtype is None else ' of dtype ' + str(np.dtype(dtype))} "
                         "without a copy, but copy=False")
    if impl.device.type != "cpu":
        impl = impl.to_device(_CPU)
    if impl.dtype == _BFLOAT16:
        impl = impl.to_dtype(_FLOAT32)
    arr = _C.to_numpy(impl)
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if copy and not needs_copy:  # arr still shares the tensor's memory
        arr = arr.copy()
    return arr


def _numpy_dtype_of(dtype):
    return None if dtype == _BFLOAT16 else np.dtype(dtype.name)


def _dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """The DLPack export protocol: a capsule over this tensor's memory (versioned when the
    consumer accepts DLPack >= 1.0). copy=True exports a fresh copy; copy=False never copies."""
    impl = self._impl
    if self.requires_grad:
        raise RuntimeError("Can't export a tensor that requires grad through DLPack; "
                           "use tensor.detach() first")
    if dl_device is not None and tuple(dl_device) != self.__dlpack_device__():
        if tuple(dl_device) != (_DL_CPU, 0):
            raise BufferError(f"__dlpack__: cannot export to DLPack device {tuple(dl_device)}")
        if copy is False:
            raise BufferError("__dlpack__: the tensor is on another device than the one asked "
                              "for, and copy=False forbids the copy")
        impl = impl.to_device(_CPU)
        copy = False  # the transfer already made a private copy
    if impl.device.type == "cuda" and stream is not None and stream != -1:
        # The consumer reads on its own stream: finish the work queued on ours first.
        _C.cuda.stream_synchronize(_C.cuda.current_stream(impl.device.index))
    versioned = max_version is not None and tuple(max_version) >= (1, 0)
    return _C.to_dlpack(impl, versioned, bool(copy))


def _dlpack_device(self):
    device = self._impl.device
    if device.type == "cpu":
        return (_DL_CPU, 0)
    return (_DL_CUDA, device.index)


def _tolist(self):
    """Nested Python lists of Python numbers (a number for a 0-dim tensor); int64 stays exact."""
    if _ACTIVE:
        value = _op_layer.value_read(self, "tolist")
        if value is not None:
            return value
    impl = self._impl
    if impl.device.type != "cpu":
        impl = impl.to_device(_CPU)
    if impl.dtype == _BFLOAT16:
        impl = impl.to_dtype(_FLOAT32)
    if impl.ndim == 0:
        return impl.item()
    return _C.to_numpy(impl).tolist()


def _cuda_array_interface(self):
    """Numba's and CuPy's protocol (version 3) for a CUDA tensor's memory, shared, no copy."""
    impl = self._impl
    if impl.device.type != "cuda":
        raise AttributeError(f"'{type(self).__name__}' object on {impl.device} has no attribute "
                             "'__cuda_array_interface__' (only CUDA tensors have one)")
    if self.requires_grad:
        raise RuntimeError("Can't get __cuda_array_interface__ on a tensor that requires grad; "
                           "use tensor.detach() first")
    if impl.dtype == _BFLOAT16:
        raise TypeError("__cuda_array_interface__: bfloat16 has no typestr in the protocol")
    itemsize = impl.dtype.itemsize
    typestr = np.dtype(impl.dtype.name).str
    strides = None if impl.is_contiguous() else tuple(s * itemsize for s in impl.stride())
    stream = _C.cuda.current_stream(impl.device.index)
    return {"shape": tuple(impl.shape), "typestr": typestr, "data": (impl.data_ptr() if impl.numel() else 0, False),
            "version": 3, "strides": strides, "descr": [("", typestr)],
            # 1: the legacy default stream, as the protocol numbers it
            "stream": stream if stream != 0 else 1}


Tensor.__cuda_array_interface__ = property(_cuda_array_interface)
Tensor.numpy = _numpy
Tensor.__array__ = _array
Tensor.__dlpack__ = _dlpack
Tensor.__dlpack_device__ = _dlpack_device
Tensor.tolist = _tolist
# numpy defers binary operators with a tensor to the tensor's reflected methods, like torch.
Tensor.__array_priority__ = 1000
