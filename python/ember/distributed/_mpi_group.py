"""A process group over an MPI communicator (mpi4py): the engine behind every collective.

Every collective starts as MPI's non-blocking form and is waited on by polling with the
group's timeout, so a rank that died or never calls the collective makes the others raise a
DistBackendError after `timeout` instead of hanging. Tensors travel as numpy views of their
own memory (CPU, contiguous): no copy for the dtypes MPI reduces natively; float16 and
bfloat16 are reduced in float32 staging buffers and copied back.
"""
import ctypes
import os
import time

import numpy as np

from .._tensor import Tensor
from ._errors import DistBackendError
from ._reduce_op import ReduceOp


_MPI = None


def mpi():
    """mpi4py's MPI module, imported (and MPI initialized) on first use."""
    global _MPI
    if _MPI is None:
        from mpi4py import MPI
        _MPI = MPI
    return _MPI


# ---- tensors as MPI buffers -------------------------------------------------------------------

def _check_tensor(t, what, name="tensor"):
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: {name} must be an ember.Tensor, got {type(t).__name__}")
    if t.device.type != "cpu":
        raise RuntimeError(f"{what}: {name} is on {t.device}; the MPI backend (gloo/mpi) takes CPU tensors "
                           "(the NCCL backend for CUDA tensors is not available in ember)")
    if not t.is_contiguous():
        raise ValueError(f"{what}: Tensors must be contiguous ({name} has shape {list(t.shape)} and strides "
                         f"{list(t.stride())})")


def _raw(t):
    """The tensor's memory as a 1-D numpy array of its own dtype (uint16 for bfloat16)."""
    if t.dtype.name == "bfloat16":
        n = t.numel()
        if n == 0:
            return np.empty(0, np.uint16)
        return np.frombuffer((ctypes.c_uint16 * n).from_address(t.data_ptr()), np.uint16)
    return t.detach().numpy().reshape(-1)


def _reduces_natively(t):
    """float16 and bfloat16 are the dtypes MPI has no arithmetic for."""
    d = t.dtype
    return not (d.is_floating_point and d.itemsize == 2)


def _bytes(array):
    return [array.view(np.uint8), mpi().BYTE]


_OP_TABLES = None


def _op_tables():
    """MPI's operation for each ReduceOp: for booleans, for integers, for floats."""
    global _OP_TABLES
    if _OP_TABLES is None:
        MPI = mpi()
        logical = {ReduceOp.SUM: MPI.LOR, ReduceOp.MAX: MPI.LOR, ReduceOp.BOR: MPI.LOR,
                   ReduceOp.PRODUCT: MPI.LAND, ReduceOp.MIN: MPI.LAND, ReduceOp.BAND: MPI.LAND,
                   ReduceOp.BXOR: MPI.LXOR}
        floating = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
                    ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}
        integer = {k: v for k, v in floating.items() if k is not ReduceOp.AVG}
        integer.update({ReduceOp.BAND: MPI.BAND, ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR})
        _OP_TABLES = {"b": logical, "i": integer, "u": integer, "f": floating}
    return _OP_TABLES


def _mpi_op(op, array, what):
    """(MPI's op, whether to divide by the group's size afterwards) for `op` on `array`."""
    if type(op) is not ReduceOp:
        op = ReduceOp.of(op, what)
    table = _op_tables()[array.dtype.kind]
    found = table.get(op)
    if found is None:
        if op is ReduceOp.AVG:
            raise ValueError(f"{what}: ReduceOp.AVG needs a floating-point tensor, got dtype {array.dtype}")
        raise ValueError(f"{what}: ReduceOp.{op.name} is not supported for tensors of dtype {array.dtype}")
    return found, op is ReduceOp.AVG


class _Reducible:
    """A tensor's memory prepared for a reduction: its own, or a float32 staging copy that
    `finish` writes back (float16 and bfloat16, which MPI cannot add)."""

    def __init__(self, t, copy_in=True):
        self.tensor = t
        if _reduces_natively(t):
            self.array, self.staged = _raw(t), False
        else:
            src = t.detach().float() if copy_in else None
            self.array = src.numpy().reshape(-1) if copy_in else np.empty(t.numel(), np.float32)
            self.staged = True

    def finish(self, scale=None):
        if scale is not None:
            if self.array.dtype.kind == "f":
                np.multiply(self.array, scale, out=self.array)
        if self.staged:
            from .. import from_numpy
            self.tensor.detach().copy_(from_numpy(self.array).reshape(self.tensor.shape))


# ---- pending operations -------------------------------------------------------------------------

class Work:
    """What an `async_op=True` collective returns: `wait()` blocks until it has finished (raising
    if it failed or timed out) and then the output tensors hold the result."""

    def __init__(self, group, what, requests, finish=None, outputs=(), keep=()):
        self._group, self._what, self._requests = group, what, list(requests)
        self._finish, self._outputs, self._keep = finish, list(outputs), keep
        self._done, self._error = False, None
        self._statuses = None  # filled for a receive, whose sender is asked for afterwards

    def _test(self):
        """True once every request has finished (drives MPI's progress)."""
        return mpi().Request.Testall(self._requests, self._statuses)

    def is_completed(self):
        if self._done:
            return True
        try:
            if self._test():
                self._complete()
                return True
        except Exception as e:  # an MPI error: report it on wait()
            self._error = self._group._failure(self._what, e)
            self._done = True
            return True
        return False

    def _complete(self):
        if not self._done:
            self._done = True
            if self._finish is not None:
                self._finish()

    def wait(self, timeout=None):
        if not self._done:
            self._group._wait(self, timeout)
            self._complete()
        if self._error is not None:
            raise self._error
        return True

    def is_success(self):
        return self._done and self._error is None

    def exception(self):
        return self._error

    def result(self):
        self.wait()
        return self._outputs

    def source_rank(self):
        """The sender of a completed receive (its rank in the group)."""
        self.wait()
        return self._statuses[0].Get_source() if self._statuses else -1

    def get_future(self):
        from ..futures import Future
        return Future._of_work(self)

    def synchronize(self):
        self.wait()


class _AnySourceReceive(Work):
    """A receive from whichever rank sends first. MPI_ANY_SOURCE receives lose messages on
    communicators joined through MPI ports (MPICH 4.3), so this probes each peer in turn and
    then receives from the one that has a message waiting."""

    def __init__(self, group, what, array, tag, tensor):
        super().__init__(group, what, [], outputs=[tensor], keep=(array,))
        self._array, self._tag = array, tag
        self._statuses = [mpi().Status()]
        self._peers = [r for r in range(group.size()) if r != group.rank()]

    def _test(self):
        if not self._requests:
            for r in self._peers:
                if self._group.comm.Iprobe(source=r, tag=self._tag):
                    self._requests = [self._group.comm.Irecv(_bytes(self._array), source=r, tag=self._tag)]
                    break
            else:
                return False
        return super()._test()


# ---- the group ----------------------------------------------------------------------------------

class ProcessGroupMPI:
    """A set of processes with one MPI communicator, its ranks in the world, and a timeout."""

    def __init__(self, comm, global_ranks, timeout, backend="gloo", name=""):
        self.comm = comm
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()
        self.global_ranks = list(global_ranks)
        self.timeout = timeout
        self.backend = backend
        self.group_name = name
        self.broken = None

    # torch's ProcessGroup methods
    def rank(self):
        return self._rank

    def size(self):
        return self._size

    def name(self):
        return self.backend

    def group_rank_of(self, global_rank, what):
        try:
            return self.global_ranks.index(global_rank)
        except ValueError:
            raise ValueError(f"{what}: global rank {global_rank} is not part of the group (ranks "
                             f"{self.global_ranks})") from None

    def __repr__(self):
        return f"<ProcessGroup {self.backend} rank {self._rank} of {self._size}>"

    # waiting with a deadline
    def _failure(self, what, error, statuses=None):
        MPI = mpi()
        for status in statuses or ():  # a failed request's own error says more than "see MPI_ERROR"
            code = status.Get_error()
            if code != MPI.SUCCESS:
                error = MPI.Get_error_string(code)
                break
        return DistBackendError(f"{what}: the MPI backend failed on rank {self._rank} of {self._size}: {error}")

    def _wait(self, work, timeout):
        what = work._what
        if self.broken is not None:
            raise DistBackendError(f"{what}: the process group is unusable after an earlier failure "
                                   f"({self.broken})")
        MPI = mpi()
        limit = self.timeout if timeout is None else (
            timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout))
        start = time.monotonic()
        deadline = start + limit
        polls = 0
        try:
            # MPICH has no progress thread: a collective advances only while it is polled, so
            # the first second polls without sleeping (yielding the core, for more processes
            # than cores); a longer wait is a rank that is late, polled every millisecond.
            while not work._test():
                polls += 1
                if polls < 256:
                    continue
                polls = 0
                now = time.monotonic()
                if now > deadline:
                    self.broken = f"{what} timed out after {limit:g}s"
                    raise DistBackendError(
                        f"{what}: rank {self._rank} of {self._size} timed out after {limit:g}s waiting for "
                        "the other ranks (a rank may have died, raised, or not called the same collective)")
                if now - start < 1.0:
                    os.sched_yield()
                else:
                    time.sleep(0.001)
        except MPI.Exception as e:
            error = self._failure(what, e, work._statuses)
            self.broken = str(error)
            work._error = error
            raise error from None

    def _run(self, what, requests, async_op, finish=None, outputs=(), keep=()):
        work = Work(self, what, requests, finish, outputs, keep)
        if async_op:
            return work
        work.wait()
        return None

    def _check_usable(self, what):
        if self.broken is not None:
            raise DistBackendError(f"{what}: the process group is unusable after an earlier failure "
                                   f"({self.broken})")

    # ---- collectives (ranks are this group's) ------------------------------------------------
    def barrier(self, async_op=False, timeout=None):
        self._check_usable("barrier")
        work = Work(self, "barrier", [self.comm.Ibarrier()])
        if async_op:
            return work
        work.wait(timeout)

    def all_reduce(self, t, op, async_op, what="all_reduce"):
        _check_tensor(t, what)
        self._check_usable(what)
        buf = _Reducible(t)
        mop, average = _mpi_op(op, buf.array, what)
        req = self.comm.Iallreduce(mpi().IN_PLACE, buf.array, mop)
        scale = 1.0 / self._size if average else None
        return self._run(what, [req], async_op, lambda: buf.finish(scale), [t], (buf,))

    def broadcast(self, t, root, async_op, what="broadcast"):
        _check_tensor(t, what)
        self._check_usable(what)
        array = _raw(t)
        req = self.comm.Ibcast(_bytes(array), root=root)
        return self._run(what, [req], async_op, None, [t], (array,))

    def reduce(self, t, root, op, async_op, what="reduce"):
        _check_tensor(t, what)
        self._check_usable(what)
        buf = _Reducible(t)
        mop, average = _mpi_op(op, buf.array, what)
        MPI = mpi()
        if self._rank == root:
            req = self.comm.Ireduce(MPI.IN_PLACE, buf.array, mop, root=root)
            scale = 1.0 / self._size if average else None
            finish = lambda: buf.finish(scale)  # noqa: E731
        else:
            req = self.comm.Ireduce(buf.array, None, mop, root=root)
            finish = None
        return self._run(what, [req], async_op, finish, [t], (buf,))

    def all_gather_into(self, out, t, async_op, what="all_gather_into_tensor"):
        """Every rank's `t`, in rank order, into the contiguous `out` (numel size * t.numel)."""
        _check_tensor(t, what, "input_tensor")
        _check_tensor(out, what, "output_tensor")
        if out.dtype != t.dtype or out.numel() != t.numel() * self._size:
            raise ValueError(f"{what}: output_tensor of shape {list(out.shape)} and dtype {out.dtype} must hold "
                             f"{self._size} x input_tensor (shape {list(t.shape)}, dtype {t.dtype})")
        self._check_usable(what)
        src, dst = _raw(t), _raw(out)
        req = self.comm.Iallgather(_bytes(src), _bytes(dst))
        return self._run(what, [req], async_op, None, [out], (src, dst))

    def all_gather_v(self, outputs, t, async_op, what="all_gather"):
        """Every rank's `t` into outputs[r] (their sizes may differ between ranks)."""
        _check_tensor(t, what)
        if len(outputs) != self._size:
            raise ValueError(f"{what}: tensor_list has {len(outputs)} tensors; the group has {self._size} ranks")
        for o in outputs:
            if o.dtype != t.dtype:
                raise TypeError(f"{what}: tensor_list holds a tensor of dtype {o.dtype}; the input is {t.dtype}")
            if o.device.type != "cpu":
                raise RuntimeError(f"{what}: tensor_list holds a tensor on {o.device}; the MPI backend takes "
                                   "CPU tensors")
        if outputs[self._rank].numel() != t.numel():
            raise ValueError(f"{what}: tensor_list[{self._rank}] has {outputs[self._rank].numel()} elements; this "
                             f"rank's tensor has {t.numel()}")
        self._check_usable(what)
        itemsize = t.element_size()
        counts = [o.numel() * itemsize for o in outputs]
        displs = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64).tolist()
        gathered = np.empty(sum(counts), np.uint8)
        src = _raw(t)
        req = self.comm.Iallgatherv(_bytes(src), [gathered, counts, displs, mpi().BYTE])

        def finish():
            for o, at, n in zip(outputs, displs, counts):
                _fill_from_bytes(o, gathered[at:at + n])
        return self._run(what, [req], async_op, finish, outputs, (src, gathered))

    def gather(self, t, outputs, root, async_op, what="gather"):
        _check_tensor(t, what)
        self._check_usable(what)
        src = _raw(t)
        n = src.nbytes
        if self._rank == root:
            if outputs is None or len(outputs) != self._size:
                raise ValueError(f"{what}: the destination rank needs a gather_list of {self._size} tensors")
            for o in outputs:
                if o.numel() != t.numel() or o.dtype != t.dtype:
                    raise ValueError(f"{what}: gather_list holds a tensor of shape {list(o.shape)} and dtype "
                                     f"{o.dtype}; the input has shape {list(t.shape)} and dtype {t.dtype}")
            gathered = np.empty(n * self._size, np.uint8)
            req = self.comm.Igather(_bytes(src), [gathered, mpi().BYTE], root=root)

            def finish():
                for r, o in enumerate(outputs):
                    _fill_from_bytes(o, gathered[r * n:(r + 1) * n])
            return self._run(what, [req], async_op, finish, outputs, (src, gathered))
        if outputs:
            raise ValueError(f"{what}: only the destination rank ({root} in the group) passes a gather_list")
        req = self.comm.Igather(_bytes(src), None, root=root)
        return self._run(what, [req], async_op, None, [], (src,))

    def scatter(self, t, inputs, root, async_op, what="scatter"):
        _check_tensor(t, what)
        self._check_usable(what)
        dst = _raw(t)
        n = dst.nbytes
        if self._rank == root:
            if inputs is None or len(inputs) != self._size:
                raise ValueError(f"{what}: the source rank needs a scatter_list of {self._size} tensors")
            for i in inputs:
                if i.numel() != t.numel() or i.dtype != t.dtype:
                    raise ValueError(f"{what}: scatter_list holds a tensor of shape {list(i.shape)} and dtype "
                                     f"{i.dtype}; the output has shape {list(t.shape)} and dtype {t.dtype}")
            packed = np.concatenate([_raw(i.contiguous()).view(np.uint8) for i in inputs]) if n else \
                np.empty(0, np.uint8)
            req = self.comm.Iscatter([packed, mpi().BYTE], _bytes(dst), root=root)
            keep = (packed, dst)
        else:
            if inputs:
                raise ValueError(f"{what}: only the source rank ({root} in the group) passes a scatter_list")
            req = self.comm.Iscatter(None, _bytes(dst), root=root)
            keep = (dst,)
        return self._run(what, [req], async_op, None, [t], keep)

    def reduce_scatter_v(self, out, inputs, op, async_op, what="reduce_scatter"):
        """inputs[r] summed over ranks lands in rank r's `out`."""
        _check_tensor(out, what, "output")
        if len(inputs) != self._size:
            raise ValueError(f"{what}: input_list has {len(inputs)} tensors; the group has {self._size} ranks")
        if inputs[self._rank].numel() != out.numel():
            raise ValueError(f"{what}: input_list[{self._rank}] has {inputs[self._rank].numel()} elements; the "
                             f"output has {out.numel()}")
        from .. import cat
        flat = cat([i.detach().reshape(-1) for i in inputs]) if inputs else out.new_empty(0)
        return self._reduce_scatter(out, flat, [i.numel() for i in inputs], op, async_op, what)

    def reduce_scatter_tensor(self, out, t, op, async_op, what="reduce_scatter_tensor"):
        _check_tensor(out, what, "output")
        _check_tensor(t, what, "input")
        if t.numel() != out.numel() * self._size or t.dtype != out.dtype:
            raise ValueError(f"{what}: input of shape {list(t.shape)} and dtype {t.dtype} must hold {self._size} x "
                             f"output (shape {list(out.shape)}, dtype {out.dtype})")
        return self._reduce_scatter(out, t, [out.numel()] * self._size, op, async_op, what)

    def _reduce_scatter(self, out, flat, counts, op, async_op, what):
        self._check_usable(what)
        src = _Reducible(flat.contiguous())
        dst = _Reducible(out, copy_in=False)
        mop, average = _mpi_op(op, src.array, what)
        req = self.comm.Ireduce_scatter(src.array, dst.array, counts, mop)
        scale = 1.0 / self._size if average else None
        return self._run(what, [req], async_op, lambda: dst.finish(scale), [out], (src, dst))

    def all_to_all_v(self, outputs, inputs, async_op, what="all_to_all"):
        if len(outputs) != self._size or len(inputs) != self._size:
            raise ValueError(f"{what}: output and input lists need {self._size} tensors each (got "
                             f"{len(outputs)} and {len(inputs)})")
        self._check_usable(what)
        send = [_raw(i.contiguous()).view(np.uint8) for i in inputs]
        scounts = [s.nbytes for s in send]
        rcounts = [o.numel() * o.element_size() for o in outputs]
        packed = np.concatenate(send) if send and sum(scounts) else np.empty(0, np.uint8)
        received = np.empty(sum(rcounts), np.uint8)
        sdispl = np.concatenate([[0], np.cumsum(scounts)[:-1]]).astype(np.int64).tolist()
        rdispl = np.concatenate([[0], np.cumsum(rcounts)[:-1]]).astype(np.int64).tolist()
        MPI = mpi()
        req = self.comm.Ialltoallv([packed, scounts, sdispl, MPI.BYTE], [received, rcounts, rdispl, MPI.BYTE])

        def finish():
            for o, at, n in zip(outputs, rdispl, rcounts):
                _fill_from_bytes(o, received[at:at + n])
        return self._run(what, [req], async_op, finish, outputs, (packed, received))

    def send(self, t, peer, tag, what="send"):
        _check_tensor(t, what)
        self._check_usable(what)
        array = _raw(t)
        return Work(self, what, [self.comm.Isend(_bytes(array), dest=peer, tag=tag)], keep=(array,))

    def recv(self, t, peer, tag, what="recv"):
        """A Work whose source_rank() (this group's) says who sent, for peer=None."""
        _check_tensor(t, what)
        self._check_usable(what)
        MPI = mpi()
        array = _raw(t)
        tag = MPI.ANY_TAG if tag is None else tag
        if peer is None:
            return _AnySourceReceive(self, what, array, tag, t)
        work = Work(self, what, [self.comm.Irecv(_bytes(array), source=peer, tag=tag)], outputs=[t], keep=(array,))
        work._statuses = [MPI.Status()]
        return work

    def free(self):
        try:
            self.comm.Free()
        except Exception:
            pass


def _fill_from_bytes(t, raw_bytes):
    """Writes `raw_bytes` (the tensor's dtype, in C order) into `t`, which may be non-contiguous."""
    if t.is_contiguous():
        dst = _raw(t).view(np.uint8)
        dst[...] = raw_bytes
        return
    tmp = t.contiguous()
    _raw(tmp).view(np.uint8)[...] = raw_bytes
    t.detach().copy_(tmp)
