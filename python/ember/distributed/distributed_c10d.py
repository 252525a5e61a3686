"""torch.distributed's process groups and collectives, over MPI (mpi4py).

`init_process_group(backend="gloo" | "mpi")` joins the processes into one MPI communicator
(see _rendezvous.py); every collective then runs on the CPU tensors given, in place, as
PyTorch's do. Ranks passed as `src`/`dst` are global ranks; `group_src`/`group_dst` name a
rank within the group. "nccl" (CUDA tensors) is not available: ember has no NCCL binding.
"""
import datetime
import importlib.util
import io
import os
import pickle

import numpy as np

from ._reduce_op import ReduceOp

__all__ = ["Backend", "GroupMember", "P2POp", "ProcessGroup", "ReduceOp", "Work", "all_gather",
           "all_gather_into_tensor", "all_gather_object", "all_reduce", "all_to_all", "all_to_all_single",
           "barrier", "batch_isend_irecv", "broadcast", "broadcast_object_list", "destroy_process_group",
           "gather", "gather_object", "get_backend", "get_global_rank", "get_group_rank", "get_process_group_ranks",
           "get_rank", "get_world_size", "group", "init_process_group", "irecv", "is_available",
           "is_backend_available", "is_gloo_available", "is_initialized", "is_mpi_available", "is_nccl_available",
           "is_torchelastic_launched", "isend", "monitored_barrier", "new_group", "recv", "recv_object_list",
           "reduce", "reduce_scatter", "reduce_scatter_tensor", "scatter", "scatter_object_list", "send",
           "send_object_list", "default_pg_timeout"]

default_pg_timeout = datetime.timedelta(minutes=30)


def is_available():
    """True when the MPI engine (mpi4py and an MPI library) is installed."""
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available():
    return is_available()


def is_gloo_available():
    """"gloo" names ember's CPU engine (MPI), so CPU scripts written for PyTorch run."""
    return is_available()


def is_nccl_available():
    return False


def is_ucc_available():
    return False


def is_backend_available(backend):
    """Whether init_process_group can use `backend` here ("gloo" and "mpi": the MPI engine)."""
    return str(backend).lower() in ("gloo", "mpi") and is_available()


def is_torchelastic_launched():
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


class Backend(str):
    """The backend names torch scripts pass to init_process_group."""
    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"
    UCC = "ucc"

    def __new__(cls, name):
        return str.__new__(cls, name.lower())


class GroupMember:
    """GroupMember.WORLD is the default group once initialized; NON_GROUP_MEMBER is what
    new_group returns to the processes outside the new group."""
    WORLD = None
    NON_GROUP_MEMBER = object()


class group:
    WORLD = None


from ._mpi_group import ProcessGroupMPI as ProcessGroup, Work  # noqa: E402


class _State:
    default = None       # the WORLD group
    store = None         # the rendezvous store (rank 0 serves it for env:// and tcp://)
    generation = 0       # how many times this process has initialized (store keys stay fresh)
    groups = []


def _timeout_seconds(timeout):
    if timeout is None:
        return default_pg_timeout.total_seconds()
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def _backend_name(backend, what):
    if backend is None:
        return "gloo"
    name = str(backend).lower()
    parts = [p.split(":")[-1] for p in name.split(",")]  # "cpu:gloo,cuda:nccl"
    if "nccl" in parts:
        from .. import cuda
        if not cuda.is_available():
            if len(parts) == 1:
                raise RuntimeError(f"{what}: ProcessGroupNCCL is only supported with GPUs, no GPUs found!")
        else:
            raise RuntimeError(f"{what}: the nccl backend is not available in ember (no NCCL binding); use "
                               "backend='gloo' with CPU tensors")
    for p in parts:
        if p not in ("gloo", "mpi", "nccl"):
            raise ValueError(f"{what}: unknown backend {backend!r} (ember offers 'gloo' and 'mpi', both over MPI)")
    return name


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Joins this process to the others into the default group (WORLD)."""
    what = "init_process_group"
    if _State.default is not None:
        raise ValueError(f"{what}: trying to initialize the default process group twice!")
    name = _backend_name(backend, what)
    if not is_available():
        raise RuntimeError(f"{what}: the distributed backend needs mpi4py and an MPI library: "
                           "pip install 'ember[distributed]' (mpi4py and MPICH)")
    if store is not None and init_method is not None:
        raise ValueError(f"{what}: cannot specify both init_method and store")
    seconds = _timeout_seconds(timeout)
    try:
        from ._mpi_group import mpi
        mpi()
    except (ImportError, RuntimeError, OSError) as e:
        raise RuntimeError(f"{what}: mpi4py is installed but could not start MPI ({e}); install an MPI library, "
                           "e.g. pip install 'mpich>=4.3,<5'") from None
    from . import _rendezvous
    _State.generation += 1
    if _rendezvous.launched_by_mpi():
        comm = _rendezvous.world_of_mpi_launch(rank, world_size, what)
    else:
        if store is None:
            store, rank, world_size = _rendezvous.store_from_init_method(init_method or "env://", rank, world_size,
                                                                          seconds, what)
        elif rank < 0 or world_size < 0:
            raise ValueError(f"{what}: rank and world_size are needed with a store (got rank={rank}, "
                             f"world_size={world_size})")
        try:
            comm = _rendezvous.join_world(store, rank, world_size, seconds, _State.generation, what)
        except BaseException:
            _close_store(store)
            raise
        _State.store = store
    pg = ProcessGroup(comm, range(comm.Get_size()), seconds, backend=name, name=group_name or "0")
    _State.default = pg
    _State.groups = [pg]
    GroupMember.WORLD = group.WORLD = pg


def _close_store(store):
    close = getattr(store, "close", None)
    if close is not None:
        close()


def is_initialized():
    return _State.default is not None


def _default(what):
    pg = _State.default
    if pg is None:
        raise ValueError(f"{what}: Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return pg


def _group(g, what):
    if g is None or g is GroupMember.WORLD:
        return _default(what)
    if g is GroupMember.NON_GROUP_MEMBER:
        raise ValueError(f"{what}: this process is not a member of the group it was given")
    if not isinstance(g, ProcessGroup):
        raise TypeError(f"{what}: group must be a ProcessGroup from new_group (or None), got {type(g).__name__}")
    if g not in _State.groups:
        raise ValueError(f"{what}: the group was destroyed")
    return g


def _get_default_group():
    return _default("_get_default_group")


def destroy_process_group(group=None):
    """Frees `group`, or (without one) every group and the default group itself."""
    what = "destroy_process_group"
    if group is None or group is GroupMember.WORLD:
        _default(what)
        for g in _State.groups:
            g.free()
        _State.groups = []
        _State.default = None
        GroupMember.WORLD = globals()["group"].WORLD = None
        if _State.store is not None:
            _close_store(_State.store)
            _State.store = None
        return
    g = _group(group, what)
    g.free()
    _State.groups.remove(g)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None):
    """A group of the given global ranks (all when None). Every process of the world calls it;
    those outside get GroupMember.NON_GROUP_MEMBER."""
    what = "new_group"
    world = _default(what)
    size = world.size()
    ranks = list(range(size)) if ranks is None else sorted(int(r) for r in ranks)
    for r in ranks:
        if not 0 <= r < size:
            raise ValueError(f"{what}: rank {r} is outside the world of size {size}")
    if len(set(ranks)) != len(ranks):
        raise ValueError(f"{what}: ranks {ranks} name a rank twice")
    world.barrier(timeout=world.timeout)  # every rank is here before the split (which has no timeout)
    from mpi4py import MPI
    member = world.rank() in ranks
    comm = world.comm.Split(0 if member else MPI.UNDEFINED, ranks.index(world.rank()) if member else 0)
    if not member:
        return GroupMember.NON_GROUP_MEMBER
    comm.Set_errhandler(MPI.ERRORS_RETURN)
    seconds = world.timeout if timeout is None else _timeout_seconds(timeout)
    g = ProcessGroup(comm, ranks, seconds, backend=_backend_name(backend, what) if backend else world.backend,
                     name=str(len(_State.groups)))
    _State.groups.append(g)
    return g


def get_rank(group=None):
    """This process's rank in `group` (-1 when it is not a member)."""
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group, "get_rank").rank()


def get_world_size(group=None):
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group, "get_world_size").size()


def get_backend(group=None):
    return _group(group, "get_backend").backend


def get_process_group_ranks(group):
    return list(_group(group, "get_process_group_ranks").global_ranks)


def get_global_rank(group, group_rank):
    g = _group(group, "get_global_rank")
    if not 0 <= group_rank < g.size():
        raise ValueError(f"get_global_rank: group rank {group_rank} is outside the group of size {g.size()}")
    return g.global_ranks[group_rank]


def get_group_rank(group, global_rank):
    return _group(group, "get_group_rank").group_rank_of(global_rank, "get_group_rank")


def _peer(g, rank, group_rank, what, name):
    """The group rank of a `src`/`dst` (a global rank) or `group_src`/`group_dst`."""
    if rank is not None and group_rank is not None:
        raise ValueError(f"{what}: give {name} or group_{name}, not both")
    if group_rank is not None:
        if not 0 <= group_rank < g.size():
            raise ValueError(f"{what}: group_{name}={group_rank} is outside the group of size {g.size()}")
        return group_rank
    if rank is None:
        rank = 0
    if not 0 <= rank < _default(what).size():
        raise ValueError(f"{what}: {name}={rank} is outside the world of size {_default(what).size()}")
    return g.group_rank_of(rank, what)


# ---- collectives --------------------------------------------------------------------------------

def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Every rank's `tensor` reduced by `op`, written into `tensor` on every rank."""
    return _group(group, "all_reduce").all_reduce(tensor, op, async_op)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    g = _group(group, "broadcast")
    return g.broadcast(tensor, _peer(g, src, group_src, "broadcast", "src"), async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    g = _group(group, "reduce")
    return g.reduce(tensor, _peer(g, dst, group_dst, "reduce", "dst"), op, async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[r] = rank r's `tensor`."""
    return _group(group, "all_gather").all_gather_v(list(tensor_list), tensor, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Every rank's input, concatenated (or stacked) in rank order, into `output_tensor`."""
    return _group(group, "all_gather_into_tensor").all_gather_into(output_tensor, input_tensor, async_op)


def _all_gather_base(output_tensor, input_tensor, group=None, async_op=False):
    return all_gather_into_tensor(output_tensor, input_tensor, group, async_op)


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    g = _group(group, "gather")
    return g.gather(tensor, gather_list, _peer(g, dst, group_dst, "gather", "dst"), async_op)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    g = _group(group, "scatter")
    return g.scatter(tensor, scatter_list, _peer(g, src, group_src, "scatter", "src"), async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    return _group(group, "reduce_scatter").reduce_scatter_v(output, list(input_list), op, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    return _group(group, "reduce_scatter_tensor").reduce_scatter_tensor(output, input, op, async_op)


def _reduce_scatter_base(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    return reduce_scatter_tensor(output, input, op, group, async_op)


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """output_tensor_list[r] = rank r's input_tensor_list[this rank]."""
    return _group(group, "all_to_all").all_to_all_v(list(output_tensor_list), list(input_tensor_list), async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None,
                      async_op=False):
    """all_to_all over slices of dim 0 of `input` and `output` (equal slices by default)."""
    what = "all_to_all_single"
    g = _group(group, what)
    n = g.size()

    def split(t, sizes, name):
        if sizes is None:
            if t.shape[0] % n if t.dim() else True:
                raise ValueError(f"{what}: {name} of shape {list(t.shape)} does not split evenly into {n} parts "
                                 "along dim 0")
            sizes = [t.shape[0] // n] * n
        sizes = [int(s) for s in sizes]
        if len(sizes) != n or sum(sizes) != t.shape[0]:
            raise ValueError(f"{what}: split sizes {sizes} do not cover dim 0 ({t.shape[0]}) of {name} in {n} parts")
        return list(t.split(sizes, 0))
    return g.all_to_all_v(split(output, output_split_sizes, "output"), split(input, input_split_sizes, "input"),
                          async_op, what)


def barrier(group=None, async_op=False, device_ids=None):
    return _group(group, "barrier").barrier(async_op)


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    g = _group(group, "monitored_barrier")
    g.barrier(timeout=g.timeout if timeout is None else _timeout_seconds(timeout))


# ---- point to point -----------------------------------------------------------------------------

def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    g = _group(group, "isend")
    return g.send(tensor, _peer(g, dst, group_dst, "isend", "dst"), tag, "isend")


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    g = _group(group, "irecv")
    peer = None if src is None and group_src is None else _peer(g, src, group_src, "irecv", "src")
    return g.recv(tensor, peer, tag, "irecv")


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    g = _group(group, "send")
    g.send(tensor, _peer(g, dst, group_dst, "send", "dst"), tag).wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receives into `tensor`; returns the sender's global rank."""
    g = _group(group, "recv")
    peer = None if src is None and group_src is None else _peer(g, src, group_src, "recv", "src")
    work = g.recv(tensor, peer, tag)
    work.wait()
    return g.global_ranks[work.source_rank()]


class P2POp:
    """One send or receive of batch_isend_irecv: P2POp(dist.isend, tensor, peer)."""

    def __init__(self, op, tensor, peer=None, group=None, tag=0, group_peer=None):
        if op not in (isend, irecv):
            raise ValueError("P2POp: op must be ember.distributed.isend or ember.distributed.irecv")
        self.op, self.tensor, self.peer, self.group, self.tag, self.group_peer = op, tensor, peer, group, tag, group_peer


def batch_isend_irecv(p2p_op_list):
    """Starts every operation of the list; returns their Works."""
    works = []
    for p in p2p_op_list:
        if p.op is isend:
            works.append(isend(p.tensor, p.peer, p.group, p.tag, group_dst=p.group_peer))
        else:
            works.append(irecv(p.tensor, p.peer, p.group, p.tag, group_src=p.group_peer))
    return works


# ---- collectives of Python objects (pickled; only between processes that trust each other) ------

def _to_bytes(obj):
    buf = io.BytesIO()
    pickle.Pickler(buf).dump(obj)
    return np.frombuffer(bytearray(buf.getvalue()), np.uint8)


def _from_bytes(data):
    return pickle.loads(data.tobytes())


def _tensor_of(array):
    from .. import from_numpy
    return from_numpy(np.ascontiguousarray(array))


def _sizes_everywhere(g, n):
    """Every rank's byte count."""
    from .. import empty, int64, tensor
    mine = tensor([n], dtype=int64)
    out = empty(g.size(), dtype=int64)
    g.all_gather_into(out, mine, False, "object collective")
    return out.tolist()


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """object_list on every rank becomes src's object_list (same length everywhere)."""
    what = "broadcast_object_list"
    g = _group(group, what)
    root = _peer(g, src, group_src, what, "src")
    from .. import int64, tensor, zeros, uint8
    if g.rank() == root:
        parts = [_to_bytes(o) for o in object_list]
        sizes = tensor([len(p) for p in parts], dtype=int64)
    else:
        sizes = zeros(len(object_list), dtype=int64)
    g.broadcast(sizes, root, False, what)
    total = int(sizes.sum().item())
    data = _tensor_of(np.concatenate(parts)) if g.rank() == root and total else zeros(total, dtype=uint8)
    g.broadcast(data, root, False, what)
    if g.rank() != root:
        raw, at = data.numpy(), 0
        for i, n in enumerate(sizes.tolist()):
            object_list[i] = _from_bytes(raw[at:at + n])
            at += n


def all_gather_object(object_list, obj, group=None):
    """object_list[r] = rank r's obj."""
    what = "all_gather_object"
    g = _group(group, what)
    if len(object_list) != g.size():
        raise ValueError(f"{what}: object_list has {len(object_list)} entries; the group has {g.size()} ranks")
    mine = _to_bytes(obj)
    sizes = _sizes_everywhere(g, len(mine))
    from .. import zeros, uint8
    outs = [zeros(n, dtype=uint8) for n in sizes]
    g.all_gather_v(outs, _tensor_of(mine), False, what)
    for r, t in enumerate(outs):
        object_list[r] = _from_bytes(t.numpy())


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    what = "gather_object"
    g = _group(group, what)
    root = _peer(g, dst, group_dst, what, "dst")
    everyone = [None] * g.size()
    all_gather_object(everyone, obj, g)
    if g.rank() == root:
        if object_gather_list is None or len(object_gather_list) != g.size():
            raise ValueError(f"{what}: the destination rank needs an object_gather_list of {g.size()} entries")
        object_gather_list[:] = everyone


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None, group=None,
                        group_src=None):
    what = "scatter_object_list"
    g = _group(group, what)
    root = _peer(g, src, group_src, what, "src")
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError(f"{what}: scatter_object_output_list must be a list of at least one element")
    holder = [list(scatter_object_input_list) if g.rank() == root else None]
    if g.rank() == root and len(holder[0]) != g.size():
        raise ValueError(f"{what}: the source rank needs {g.size()} objects, got {len(holder[0])}")
    broadcast_object_list(holder, g.global_ranks[root], g)
    scatter_object_output_list[0] = holder[0][g.rank()]


def send_object_list(object_list, dst=None, group=None, device=None, group_dst=None):
    what = "send_object_list"
    g = _group(group, what)
    peer = _peer(g, dst, group_dst, what, "dst")
    from .. import int64, tensor
    parts = [_to_bytes(o) for o in object_list]
    g.send(tensor([len(p) for p in parts], dtype=int64), peer, 0, what).wait()
    if parts and sum(len(p) for p in parts):
        g.send(_tensor_of(np.concatenate(parts)), peer, 0, what).wait()


def recv_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Fills object_list from a send_object_list; returns the sender's global rank."""
    what = "recv_object_list"
    g = _group(group, what)
    peer = None if src is None and group_src is None else _peer(g, src, group_src, what, "src")
    from .. import int64, uint8, zeros
    sizes = zeros(len(object_list), dtype=int64)
    work = g.recv(sizes, peer, 0, what)
    sender = work.source_rank()
    total = int(sizes.sum().item())
    data = zeros(total, dtype=uint8)
    if total:
        g.recv(data, sender, 0, what).wait()
    raw, at = data.numpy(), 0
    for i, n in enumerate(sizes.tolist()):
        object_list[i] = _from_bytes(raw[at:at + n])
        at += n
    return g.global_ranks[sender]

