"""Worker processes of a DataLoader with num_workers > 0.

Each worker runs `_worker_loop`: it takes `(task_idx, indices)` from its own index queue,
fetches and collates the batch, and sends `(task_idx, payload)` down its own result pipe. The
main process hands out tasks round robin, keeps at most `prefetch_factor * num_workers` in
flight, and puts results back in task order.

Each result pipe has one writer, its worker: the main process closes its copy of the write end
once the worker has started. So when a worker dies, even halfway through sending a large
batch, its pipe reads as end-of-file in the main process, which reports the worker instead of
waiting forever for the rest of a message (a queue shared by all workers never reaches
end-of-file while any other writer lives).

Batches cross the process boundary pickled by `dumps` below, which sends every ember tensor as
its numpy array (plus dtype and device) and rebuilds it on the other side, so tensors need no
pickling support of their own. Errors raised in a worker travel as an `ExceptionWrapper` that
holds the worker's formatted traceback and is re-raised in the main process.
"""
import io
import os
import pickle
import queue
import random
import sys
import traceback

from ..._tensor import Tensor

__all__ = ["WorkerInfo", "get_worker_info"]

# How often (seconds) a worker checks that its parent is alive while it waits for work.
MP_STATUS_CHECK_INTERVAL = 1.0


class WorkerInfo:
    """What a worker knows about itself: `id` (0..num_workers-1), `num_workers`, `seed` (the
    seed of its ember, `random` and numpy generators) and `dataset` (its copy of the dataset)."""

    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs.keys())
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        items = ", ".join(f"{k}={getattr(self, k)}" for k in self.__keys)
        return f"{self.__class__.__name__}({items})"


_worker_info = None


def get_worker_info():
    """In a DataLoader worker process, its `WorkerInfo`; in the main process, None. An
    IterableDataset uses it in `__iter__` to give each worker its own share of the stream, and
    a `worker_init_fn` to set each worker's copy of the dataset up."""
    return _worker_info


# ---- transport -----------------------------------------------------------------------------------
def _rebuild_tensor(array, dtype_name, requires_grad, device):
    import ember
    t = ember.from_numpy(array)
    dtype = getattr(ember, dtype_name)
    if t.dtype != dtype:
        t = t.to(dtype)
    if device != "cpu":
        t = t.to(device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _reduce_tensor(t):
    requires_grad = bool(t.requires_grad)
    t = t.detach()
    device = str(t.device)
    if device != "cpu":
        t = t.cpu()
    dtype_name = str(t.dtype).rpartition(".")[2]
    array = t.float().numpy() if dtype_name == "bfloat16" else t.numpy()
    return _rebuild_tensor, (array, dtype_name, requires_grad, device)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return _reduce_tensor(obj)
        return NotImplemented


def dumps(obj):
    """Pickles `obj`, ember tensors (at any depth) as numpy arrays."""
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


loads = pickle.loads


# ---- control messages and errors -----------------------------------------------------------------
class _IterableDatasetStopIteration:
    """A worker's IterableDataset copy is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class _ResumeIteration:
    """A persistent worker starts a new epoch (and acknowledges it with the same object)."""


class KeyErrorMessage(str):
    """Keeps a KeyError's multi-line message readable (KeyError prints the repr of its arg)."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception and its formatted traceback, to be raised again in another process."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            # The type's constructor wants other arguments: keep the message, lose the type.
            raise RuntimeError(msg) from None
        try:
            raise exception
        finally:
            # The raising frame must not keep the exception (a cycle that would keep the
            # DataLoader iterator, and its workers, alive until the next garbage collection).
            del exception


def _safe_dumps(obj, where):
    """dumps(obj), or a pickled ExceptionWrapper saying why it could not be pickled."""
    try:
        return dumps(obj)
    except Exception:
        wrapper = ExceptionWrapper(where=where)
        if isinstance(obj, ExceptionWrapper):
            # The worker's own exception type did not pickle (e.g. a local class): send its
            # message as a RuntimeError.
            wrapper = obj
            wrapper.exc_msg = f"{obj.exc_type.__module__}.{obj.exc_type.__qualname__}: {obj.exc_msg}"
            wrapper.exc_type = RuntimeError
        return dumps(wrapper)


# ---- the worker ----------------------------------------------------------------------------------
class _ManagerWatchdog:
    """Notices that the process that started the worker has gone (its pid is no longer our
    parent's)."""

    def __init__(self):
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self):
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


def _seed_worker(base_seed, worker_id):
    import ember
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    if "numpy" in sys.modules:
        import numpy as np
        np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def _worker_loop(is_iterable, payload, index_queue, result_conn, done_event, auto_collation, drop_last,
                 base_seed, worker_id, num_workers):
    """The body of one worker process. `payload` is (dataset, collate_fn, worker_init_fn), or
    those pickled by `dumps` when the process was not forked; `result_conn` is the write end of
    this worker's result pipe."""
    global _worker_info
    from ._fetch import create_fetcher
    where = f"in DataLoader worker process {worker_id}"
    try:
        import ember
        # One thread per worker: workers already run in parallel, and a forked child must not
        # use the parent's OpenMP thread pool.
        ember.set_num_threads(1)
        seed = _seed_worker(base_seed, worker_id)

        init_exception = None
        fetcher = None
        try:
            if isinstance(payload, bytes):
                payload = loads(payload)
            dataset, collate_fn, init_fn = payload
            _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=where)

        iteration_end = False
        watchdog = _ManagerWatchdog()
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break  # shutting down, and the None that says so did not come
                continue
            if isinstance(r, _ResumeIteration):
                # A new epoch of a persistent worker: acknowledge, then start the dataset over.
                result_conn.send((r, None))
                iteration_end = False
                if init_exception is None:
                    try:
                        fetcher = create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
                    except Exception:
                        init_exception = ExceptionWrapper(where=where)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue  # drain the queue without working until the None arrives
            idx, index = r
            if init_exception is not None:
                data = init_exception  # every task answers with the start-up error
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if is_iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=where)
                except Exception:
                    data = ExceptionWrapper(where=where)
            result_conn.send((idx, _safe_dumps(data, where)))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass  # the main process sees the interrupt too and shuts the workers down
    except (BrokenPipeError, ConnectionResetError):
        pass  # the main process closed its end: nobody reads our results any more
    finally:
        result_conn.close()
