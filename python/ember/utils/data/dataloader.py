"""DataLoader with PyTorch's arguments, defaults and semantics: batches from a map-style
dataset through a sampler and a BatchSampler, or from an IterableDataset, collated by
`collate_fn`, in the main process (num_workers=0) or in worker processes."""
import atexit
import itertools
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
import warnings
from typing import Generic, TypeVar

from ... import _C
from ..._ops.creation import empty
from ..._ops.random import Generator
from . import _worker
from ._collate import default_collate, default_convert
from ._fetch import create_fetcher
from ._pin_memory import pin_memory as _pin_batch, pinning_enabled
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

get_worker_info = _worker.get_worker_info
T_co = TypeVar("T_co", covariant=True)

_python_exiting = False


def _set_python_exiting():
    # At interpreter exit, iterators must not try to talk to workers (queues may be half torn
    # down); daemonic workers are terminated by multiprocessing itself.
    global _python_exiting
    _python_exiting = True


atexit.register(_set_python_exiting)


class _DatasetKind:
    Map = 0
    Iterable = 1


class _InfiniteConstantSampler(Sampler):
    """The sampler of an IterableDataset: None forever (the dataset decides where it ends)."""

    def __iter__(self):
        while True:
            yield None


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


class DataLoader(Generic[T_co]):
    """Iterates over `dataset` in batches.

    Map-style datasets are read in the order of `sampler` (SequentialSampler, or RandomSampler
    with `shuffle=True`), grouped by a BatchSampler of `batch_size` (the last short batch dropped
    with `drop_last`), unless a `batch_sampler` gives whole batches. `batch_size=None` turns
    batching off: each sample goes through `collate_fn` (default_convert) alone. Batches are
    made by `collate_fn` (default_collate).

    With `num_workers > 0`, worker processes (forked on Linux unless `multiprocessing_context`
    says otherwise) fetch and collate the batches; the loader yields them in sampler order
    (`in_order=False` yields them as they come), keeps `prefetch_factor` batches per worker in
    flight, raises when a batch takes longer than `timeout` seconds (0: wait forever), and
    re-raises a worker's exception with its traceback. `persistent_workers` keeps the workers
    between epochs. Each worker seeds ember, `random` and numpy with `base_seed + worker_id`,
    where base_seed is drawn from `generator` (or the default generator) every epoch.

    `pin_memory=True` copies every batch's tensors to page-locked memory (Tensor.pin_memory(),
    `pin_memory_device` passed on when set) so that `.to("cuda", non_blocking=True)` overlaps
    the copy with computation; without a GPU the batches are left as they are.
    """

    __initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"generator must be an ember.Generator or None, got {type(generator).__name__}")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if isinstance(shuffle, bool) and shuffle:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None:
            if drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                                 "drop_last")
        elif not _positive_int(batch_size):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True
        self._IterableDataset_len_called = None
        self._iterator = None
        self.check_worker_number_rationality()

    # ---- configuration -------------------------------------------------------------------------
    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers == 0:
                raise ValueError("multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError("multiprocessing_context option should specify a valid start method in "
                                     f"{methods!r}, but got multiprocessing_context={context!r}")
                context = multiprocessing.get_context(context)
            elif not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError("multiprocessing_context option should be a valid context object or a string "
                                f"specifying the start method, but got multiprocessing_context={context}")
        self.__multiprocessing_context = context

    def _mp_context(self):
        if self.__multiprocessing_context is not None:
            return self.__multiprocessing_context
        if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
            return multiprocessing.get_context("fork")
        return multiprocessing.get_context()

    def __setattr__(self, attr, val):
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                           "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after {self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        # What the iterators draw keys from: whole batches with auto-collation, else samples.
        return self.batch_sampler if self._auto_collation else self.sampler

    def check_worker_number_rationality(self):
        if self.num_workers == 0:
            return
        try:
            cpus = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            cpus = os.cpu_count()
        if cpus is not None and self.num_workers > cpus:
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. Our suggested "
                          f"max number of worker in current system is {cpus}, which is smaller than what this "
                          "DataLoader is going to create. Please be aware that excessive worker creation might get "
                          "DataLoader running slow or even freeze, lower the worker number to avoid potential "
                          "slowness/freeze if necessary.")

    # ---- iteration -----------------------------------------------------------------------------
    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        return _MultiProcessingDataLoaderIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None or self._iterator._shutdown:
                # First epoch, or the workers were shut down (a worker failed): start new ones.
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self):
        if self._dataset_kind == _DatasetKind.Iterable:
            # What the dataset says; with workers that do not shard, the loader yields more.
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)


def _describe_exit(exitcode):
    """How a worker process ended, from its multiprocessing exit code."""
    if exitcode is None:
        return "closed its result pipe and is still running"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"was killed by {name}"
    return f"exited with code {exitcode}"


class _BaseDataLoaderIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        # Drawn every epoch whatever num_workers is, so that a seeded run shuffles the same way
        # with and without workers.
        self._base_seed = int(empty((), dtype=_C.dtype.int64).random_(generator=loader.generator).item())
        self._persistent_workers = loader.persistent_workers
        self._pin_memory = pinning_enabled(loader)
        self._pin_memory_device = loader.pin_memory_device
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        data = self._next_data()
        if self._pin_memory:
            data = _pin_batch(data, self._pin_memory_device)
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            msg = (f"Length of IterableDataset {self._dataset} was reported to be {self._IterableDataset_len_called} "
                   f"(when accessing len(dataloader)), but {self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly configuring the "
                        "IterableDataset replica at each worker (see get_worker_info()).")
            warnings.warn(msg)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{self.__class__.__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._dataset_fetcher = create_fetcher(self._dataset_kind == _DatasetKind.Iterable, self._dataset,
                                               self._auto_collation, self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._dataset_fetcher.fetch(index)


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Tasks are numbered in sampler order (`_send_idx`); `_task_info[i]` is (worker,) while
    task i is out and (worker, data) once its result came back early; `_rcvd_idx` is the next
    task to yield. Workers of an IterableDataset drop out as their copies run dry
    (`_workers_status`), and the tasks they still held are skipped."""

    def __init__(self, loader):
        self._shutdown = True  # nothing to shut down until the workers exist
        super().__init__(loader)
        self._in_order = loader.in_order
        self._worker_init_fn = loader.worker_init_fn
        ctx = loader._mp_context()
        payload = (self._dataset, self._collate_fn, self._worker_init_fn)
        if ctx.get_start_method() != "fork":
            # A spawned worker gets its arguments pickled: send the tensors as numpy arrays.
            payload = _worker.dumps(payload)
        self._workers_done_event = ctx.Event()
        self._index_queues = []
        self._result_readers = []
        self._workers = []
        self._workers_status = []
        self._shutdown = False
        try:
            for i in range(self._num_workers):
                index_queue = ctx.Queue()
                index_queue.cancel_join_thread()
                reader, writer = ctx.Pipe(duplex=False)
                w = ctx.Process(target=_worker._worker_loop,
                                args=(self._dataset_kind == _DatasetKind.Iterable, payload, index_queue,
                                      writer, self._workers_done_event, self._auto_collation,
                                      self._drop_last, self._base_seed, i, self._num_workers),
                                daemon=True)
                try:
                    w.start()
                finally:
                    # The worker holds the only write end from now on (see _worker's docstring);
                    # closing ours before the next fork keeps it out of later workers too.
                    writer.close()
                self._index_queues.append(index_queue)
                self._result_readers.append(reader)
                self._workers.append(w)
        except BaseException:
            self._workers_status = [True] * len(self._workers)
            self._shutdown_workers()
            raise
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # Persistent workers: every worker acknowledges the new epoch; results of the last
            # epoch that were never read arrive before the acknowledgements and are dropped.
            for q in self._index_queues:
                q.put(_worker._ResumeIteration())
            pending = self._num_workers
            while pending > 0:
                idx, _ = self._get_data()
                if isinstance(idx, _worker._ResumeIteration):
                    pending -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # ---- receiving -----------------------------------------------------------------------------
    def _try_get_data(self, timeout):
        """(True, (task_idx, payload)) from the first worker that has a result, or (False, None)
        after `timeout` seconds; raises when a worker that still had work exited."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            readers = {self._result_readers[i]: i for i in range(self._num_workers) if self._workers_status[i]}
            if not readers:
                raise RuntimeError("DataLoader: no worker is left to deliver the batches still expected")
            ready = multiprocessing.connection.wait(list(readers), timeout=remaining)
            dead = []
            for reader in ready:
                try:
                    return True, reader.recv()
                except (EOFError, OSError):
                    # End of file: the worker is gone, possibly halfway through a message.
                    dead.append(readers[reader])
            if dead:
                self._raise_worker_exited(dead)
            if deadline is not None and time.monotonic() >= deadline:
                return False, None

    def _raise_worker_exited(self, worker_ids):
        for i in worker_ids:
            self._workers[i].join(timeout=_worker.MP_STATUS_CHECK_INTERVAL)
        pids = ", ".join(str(self._workers[i].pid) for i in worker_ids)
        how = "; ".join(f"worker {i} {_describe_exit(self._workers[i].exitcode)}" for i in worker_ids)
        self._shutdown_workers()
        raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly: {how}")

    def _get_data(self):
        if self._timeout > 0:
            ok, item = self._try_get_data(self._timeout)
            if not ok:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        else:
            ok, item = self._try_get_data(None)
        idx, payload = item
        return idx, (None if payload is None else _worker.loads(payload))

    def _next_data(self):
        while True:
            # Skip tasks held by workers whose IterableDataset ran dry.
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data)

            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _worker._IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    self._task_info.pop(idx)
                    return self._process_data(data)
                self._task_info[idx] += (data,)
            else:
                del self._task_info[idx]
                self._rcvd_idx += 1
                return self._process_data(data)

    def _process_data(self, data):
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data

    # ---- sending -------------------------------------------------------------------------------
    def _try_put_index(self):
        if self._tasks_outstanding >= self._prefetch_factor * self._num_workers:
            return
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_id]:
                break
        else:
            return  # every worker is done
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    # ---- shutting down -------------------------------------------------------------------------
    def _mark_worker_as_unavailable(self, worker_id, shutdown=False):
        # The None makes the worker leave its loop once it has drained its queue.
        self._index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self):
        if _python_exiting or self._shutdown:
            return
        self._shutdown = True
        try:
            self._workers_done_event.set()
            for worker_id in range(len(self._workers)):
                if self._persistent_workers or self._workers_status[worker_id]:
                    self._mark_worker_as_unavailable(worker_id, shutdown=True)
            # Closing the result pipes first wakes a worker blocked sending a batch nobody will
            # read (its send fails and it leaves).
            for reader in self._result_readers:
                reader.close()
            for w in self._workers:
                w.join(timeout=_worker.MP_STATUS_CHECK_INTERVAL)
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()

    def __del__(self):
        if not getattr(self, "_shutdown", True):
            self._shutdown_workers()
