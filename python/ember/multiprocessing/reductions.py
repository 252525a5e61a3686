"""How ember tensors cross process boundaries through multiprocessing (Queue, Pipe, Process
arguments under spawn): ForkingPickler reductions, registered once.

A tensor in shared memory (see ember._shared_memory) travels as a duplicate of its segment's file
descriptor plus its geometry; the receiver maps the same memory, so writes on either side are
seen by the other. Any other tensor travels as a copy of its data, as plain pickle makes it.
"""
import multiprocessing.reduction as _mp_reduction
import pickle

from .. import _shared_memory
from .._tensor import Tensor, _wrap
from .._tensor_pickle import _as_subclass

_registered = False


def rebuild_shared_tensor(cls, fd, nbytes, dtype_name, numel, storage_offset, size, stride,
                          requires_grad, state):
    init_reductions()  # so that this process sends the tensor on (or back) shared, too
    base = _shared_memory.rebuild_from_fd(fd.detach(), nbytes, dtype_name, numel)
    t = _wrap(base.as_strided(list(size), list(stride), storage_offset))
    if cls is not Tensor:
        return _as_subclass(cls, t, requires_grad, state)
    if requires_grad:
        t.requires_grad_(True)
    return t


def reduce_tensor(t):
    if t.requires_grad and not t.is_leaf:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does "
            "not support crossing process boundaries.  If you just want to transfer the data, call "
            "detach() on the tensor before serializing (e.g., putting it on the queue).")
    impl = t._impl
    seg = _shared_memory.segment_of(impl)
    if seg is None:
        return t.__reduce_ex__(pickle.DEFAULT_PROTOCOL)
    numel = impl._storage_nbytes() // impl.element_size()
    state = getattr(t, "__dict__", None) or None
    return (rebuild_shared_tensor,
            (type(t), _mp_reduction.DupFd(seg.fd), seg.nbytes, impl.dtype.name, numel,
             impl.storage_offset(), tuple(impl.shape), tuple(impl.stride()), t.requires_grad, state))


def init_reductions():
    """Registers the tensor reductions with multiprocessing's ForkingPickler (once)."""
    global _registered
    if _registered:
        return
    from ..nn.parameter import Buffer, Parameter
    for cls in (Tensor, Parameter, Buffer):
        _mp_reduction.ForkingPickler.register(cls, reduce_tensor)
    _registered = True
