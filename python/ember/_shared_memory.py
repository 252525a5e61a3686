"""Tensors in shared memory: `Tensor.share_memory_()`, `Tensor.is_shared()`, and the segments
behind them, which ember.multiprocessing sends to other processes.

A segment is a file created in /dev/shm and unlinked at once, mapped MAP_SHARED; its file
descriptor is kept open so that a pickle for another process can carry a duplicate of it
(multiprocessing's DupFd: passed at spawn, or fetched from the sender's resource sharer). The
memory goes back to the system when the last process unmaps it, so a crash leaks nothing. A
forked child inherits the mapping itself.

`share_memory_()` moves a tensor's storage into a new segment: it copies the whole buffer once
and points the tensor at the copy (the tensor object stays the same, so an optimizer holding a
Parameter follows). Other tensors that viewed the old buffer keep the old, private one.
"""
import ctypes
import mmap
import os
import tempfile
import weakref

import numpy as np

from . import _C
from ._tensor import Tensor
from ._tensor_pickle import _NP_DTYPES, dtype_from_name, raw_view, whole_storage

_SHM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()


# libc's mmap, not Python's: mmap.mmap keeps a duplicate of the descriptor, two per segment
_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                       ctypes.c_long]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_MAP_FAILED = ctypes.c_void_p(-1).value


class Segment:
    """One shared memory segment of `nbytes` bytes, mapped in this process (unmapped, and its
    descriptor closed, when the last array over it is gone)."""

    __slots__ = ("fd", "nbytes", "address", "map", "inode", "__weakref__")

    def __init__(self, fd, nbytes):
        self.fd = -1  # owned (closed by __del__) only once mapped
        self.address = None
        self.nbytes = nbytes
        length = max(nbytes, 1)  # mmap refuses a length of 0: an empty segment maps a byte it never uses
        address = _libc.mmap(None, length, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED, fd, 0)
        if address is None or address == _MAP_FAILED:
            err = ctypes.get_errno()
            raise OSError(err, f"share_memory_: cannot map a shared segment of {nbytes} bytes: "
                               f"{os.strerror(err)}")
        self.address = address
        self.map = (ctypes.c_uint8 * length).from_address(address)
        st = os.fstat(fd)
        self.inode = (st.st_dev, st.st_ino)
        self.fd = fd

    @classmethod
    def create(cls, nbytes):
        fd, path = tempfile.mkstemp(prefix="ember_shm_", dir=_SHM_DIR)
        try:
            os.unlink(path)
            os.ftruncate(fd, max(nbytes, 1))
            seg = cls(fd, nbytes)
        except BaseException:
            os.close(fd)
            raise
        _by_inode[seg.inode] = seg
        return seg

    def __del__(self, _close=os.close, _munmap=_libc.munmap):  # os may be gone at shutdown
        address, self.address = self.address, None
        if address is not None:
            _munmap(address, max(self.nbytes, 1))
        fd, self.fd = self.fd, -1
        if fd >= 0:
            _close(fd)


class _SegmentArray(np.ndarray):
    """A numpy array over a segment that keeps the segment (and so its fd) alive."""


# base address of a tensor buffer -> its segment; (st_dev, st_ino) -> segment, for receivers
_by_address = weakref.WeakValueDictionary()
_by_inode = weakref.WeakValueDictionary()


def _base_address(impl):
    return impl.data_ptr() - impl.storage_offset() * impl.element_size()


def segment_of(impl):
    """The segment holding `impl`'s buffer, or None when it is not in shared memory."""
    if impl.device.type != "cpu":
        return None
    seg = _by_address.get(_base_address(impl))
    if seg is None or seg.nbytes != impl._storage_nbytes():
        return None
    return seg


def tensor_over(seg, dtype_name, numel):
    """A 1-D impl of `numel` elements of `dtype_name` over the start of `seg`."""
    dtype = dtype_from_name(dtype_name)
    if numel * dtype.itemsize > seg.nbytes:
        raise RuntimeError(f"a shared {dtype_name} storage of {numel} elements does not fit its "
                           f"segment of {seg.nbytes} bytes")
    arr = np.frombuffer(seg.map, dtype=_NP_DTYPES[dtype_name], count=numel).view(_SegmentArray)
    arr.segment = seg
    impl = _C.from_numpy(arr) if dtype_name != "bfloat16" else _bfloat16_from_uint16(arr)
    _by_address[_base_address(impl)] = seg  # an empty one too: its map has a unique address
    return impl


# ---- bfloat16: numpy has none, so its uint16 array's DLPack capsule is relabelled -----------------
class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", _DLDataType), ("shape", ctypes.c_void_p), ("strides", ctypes.c_void_p),
                ("byte_offset", ctypes.c_uint64)]


_K_DL_BFLOAT = 4  # DLPack's type code for bfloat16
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def _bfloat16_from_uint16(arr):
    """A bfloat16 impl sharing the memory of the uint16 array `arr` (kept alive by its capsule)."""
    capsule = arr.__dlpack__()
    dl = _DLTensor.from_address(_capsule_pointer(capsule, b"dltensor"))  # the struct's first member
    dl.dtype.code, dl.dtype.bits, dl.dtype.lanes = _K_DL_BFLOAT, 16, 1
    return _C.from_dlpack(capsule)


# ---- the Tensor methods ------------------------------------------------------------------------------
def share_memory_(self):
    """Moves the storage to shared memory (a no-op if it is there already, or not on the CPU), so
    that other processes receiving this tensor through ember.multiprocessing see its writes.
    Returns self."""
    impl = self._impl
    if impl.device.type != "cpu" or segment_of(impl) is not None:
        return self
    base = whole_storage(impl)
    seg = Segment.create(impl._storage_nbytes())
    new_base = tensor_over(seg, impl.dtype.name, base.numel())
    if base.numel():
        raw_view(new_base)[:] = raw_view(base.contiguous())
    self._impl = new_base.as_strided(list(impl.shape), list(impl.stride()), impl.storage_offset())
    _register_reductions()
    return self


def is_shared(self):
    """True when the tensor's storage is in shared memory (share_memory_, or received from
    another process through ember.multiprocessing)."""
    return segment_of(self._impl) is not None


class UntypedStorage:
    """What `Tensor.untyped_storage()` returns: the tensor's whole buffer, as bytes (a handle on
    it, not a copy). `share_memory_()` moves the buffer of the tensor it came from."""

    __slots__ = ("_tensor",)

    def __init__(self, tensor):
        self._tensor = tensor

    @property
    def device(self):
        return self._tensor.device

    def data_ptr(self):
        return _base_address(self._tensor._impl)

    def nbytes(self):
        return self._tensor._impl._storage_nbytes()

    def size(self):
        return self.nbytes()

    __len__ = size

    def element_size(self):
        return 1

    def is_shared(self):
        return segment_of(self._tensor._impl) is not None

    def share_memory_(self):
        self._tensor.share_memory_()
        return self

    def is_pinned(self, device="cuda"):
        return False

    def __repr__(self):
        return f"<ember storage of {self.nbytes()} bytes on {self.device}{', shared' if self.is_shared() else ''}>"


def untyped_storage(self):
    """The tensor's storage (all of its buffer), with torch's UntypedStorage queries: data_ptr,
    nbytes, size, is_shared, share_memory_."""
    return UntypedStorage(self)


def rebuild_from_fd(fd, nbytes, dtype_name, numel):
    """The 1-D storage impl over the segment whose (duplicated) descriptor `fd` this process
    received; a segment already mapped here is reused, so views stay views of one buffer."""
    st = os.fstat(fd)
    seg = _by_inode.get((st.st_dev, st.st_ino))
    if seg is None or seg.fd < 0:
        try:
            seg = Segment(fd, nbytes)
        except BaseException:
            os.close(fd)
            raise
        _by_inode[seg.inode] = seg
    else:
        os.close(fd)
    return tensor_over(seg, dtype_name, numel)


def _register_reductions():
    from .multiprocessing import reductions
    reductions.init_reductions()


Tensor.share_memory_ = share_memory_
Tensor.is_shared = is_shared
Tensor.untyped_storage = untyped_storage
