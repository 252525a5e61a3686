"""How processes find each other: a store from init_method, then one MPI communicator.

Processes started by `mpirun`/`mpiexec` already share MPI_COMM_WORLD. Processes started any
other way (ember.distributed.run, multiprocessing, a shell loop) are each their own MPI world:
rank 0 opens an MPI port and publishes its name in the store, and the others connect to it
one at a time, every process already joined taking part in each accept, until all are one
communicator, ordered by the ranks they were given.
"""
import os
import time
import urllib.parse

from ._errors import DistStoreError
from ._store import FileStore, PrefixStore, TCPStore

_DEFAULT_PORT = 29500


def launched_by_mpi():
    """True under mpirun/mpiexec (the launcher tells each process its rank in the environment)."""
    return any(k in os.environ for k in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS",
                                         "HYDRA_CONTROL_FD"))


def _env_int(name, what):
    value = os.environ.get(name)
    if value is None:
        raise ValueError(f"{what}: environment variable {name} expected, but not set (init_method='env://' "
                         "reads RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT; a launcher such as "
                         "`python -m ember.distributed.run` sets them)")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{what}: environment variable {name} must be an integer, got {value!r}") from None


def store_from_init_method(init_method, rank, world_size, timeout, what):
    """(store, rank, world_size) for `init_method` ("env://", "tcp://host:port", "file://path");
    rank and world_size come from the arguments, else from the URL's query or the environment."""
    url = urllib.parse.urlparse(init_method)
    query = dict(urllib.parse.parse_qsl(url.query))
    if rank < 0 and "rank" in query:
        rank = int(query["rank"])
    if world_size < 0 and "world_size" in query:
        world_size = int(query["world_size"])
    if url.scheme == "env":
        if rank < 0:
            rank = _env_int("RANK", what)
        if world_size < 0:
            world_size = _env_int("WORLD_SIZE", what)
    if rank < 0 or world_size < 0:
        raise ValueError(f"{what}: rank and world_size are needed for init_method={init_method!r} (got rank={rank}, "
                         f"world_size={world_size})")
    if not 0 <= rank < world_size:
        raise ValueError(f"{what}: rank {rank} is outside the world of size {world_size}")
    if world_size == 1:
        return None, rank, world_size
    if url.scheme == "env":
        host = os.environ.get("MASTER_ADDR")
        if host is None:
            raise ValueError(f"{what}: environment variable MASTER_ADDR expected, but not set")
        port = _env_int("MASTER_PORT", what)
        store = TCPStore(host, port, world_size, is_master=rank == 0, timeout=timeout, wait_for_workers=False)
    elif url.scheme == "tcp":
        store = TCPStore(url.hostname, url.port or _DEFAULT_PORT, world_size, is_master=rank == 0,
                         timeout=timeout, wait_for_workers=False)
    elif url.scheme == "file":
        store = FileStore(urllib.parse.unquote(url.path), world_size)
        store.set_timeout(timeout)
    else:
        raise ValueError(f"{what}: init_method {init_method!r} is not supported (env://, tcp://host:port or "
                         "file:///path)")
    return store, rank, world_size


def _arrive(store, key, world_size, rank, timeout, what):
    """A barrier through the store: returns once `world_size` processes have arrived at `key`."""
    store.add(key, 1)
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        count = store.add(key, 0)
        if count >= world_size:
            return
        if time.monotonic() > deadline:
            raise DistStoreError(f"{what}: rank {rank} timed out after {timeout:g}s waiting for the other processes: "
                                 f"{count} of {world_size} have joined")
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def join_world(store, rank, world_size, timeout, generation, what):
    """One MPI intra-communicator holding the `world_size` processes, in rank order."""
    from mpi4py import MPI
    if world_size == 1:
        comm = MPI.COMM_SELF.Dup()
        comm.Set_errhandler(MPI.ERRORS_RETURN)
        return comm
    store = PrefixStore(f"ember/world/{generation}", store)
    # Nobody enters MPI's connect/accept (which has no timeout) until every rank is here.
    _arrive(store, "arrived", world_size, rank, timeout, what)
    if rank == 0:
        port = MPI.Open_port()
        store.set("port", port)
        comm = MPI.COMM_SELF
    else:
        port = store.get("port").decode()
        inter = MPI.COMM_SELF.Connect(port, root=0)
        comm = inter.Merge(high=True)
        inter.Free()
    while comm.Get_size() < world_size:
        inter = comm.Accept(port, root=0)
        merged = inter.Merge(high=False)
        inter.Free()
        if comm != MPI.COMM_SELF:
            comm.Free()
        comm = merged
    ordered = comm.Split(0, rank)
    if comm != MPI.COMM_SELF:
        comm.Free()
    if rank == 0:
        MPI.Close_port(port)
    ordered.Set_errhandler(MPI.ERRORS_RETURN)
    return ordered


def world_of_mpi_launch(rank, world_size, what):
    """MPI_COMM_WORLD of an mpirun launch, checked against the rank and world size asked for."""
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    if world_size >= 0 and world_size != comm.Get_size():
        raise ValueError(f"{what}: world_size={world_size} but mpirun started {comm.Get_size()} processes")
    if rank >= 0 and rank != comm.Get_rank():
        raise ValueError(f"{what}: rank={rank} but this process is rank {comm.Get_rank()} of the mpirun launch")
    comm = comm.Dup()
    comm.Set_errhandler(MPI.ERRORS_RETURN)
    return comm
