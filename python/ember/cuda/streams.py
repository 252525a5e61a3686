"""CUDA streams and events with torch.cuda's names (torch.cuda.streams).

A Stream wraps a handle of ember's CUDA runtime: `cuda_stream` is that handle (0 is the
device's default stream). Kernels are queued on the current stream of their device, which
`ember.cuda.stream(s)` / `set_stream(s)` change. An Event records a point in a stream's
work; with `enable_timing=True` two events measure the GPU time between them.
"""
from .. import _C
from . import _runtime
from ._runtime import call, device_index

__all__ = ["Stream", "Event", "StreamContext", "stream", "current_stream", "default_stream", "set_stream",
           "ExternalStream"]


class Stream:
    """A queue of GPU work on one device. `Stream(device=None, priority=0)` creates a stream
    (lower numbers are higher priority, as in CUDA); the stream is destroyed with the object."""

    def __init__(self, device=None, priority=0, **kwargs):
        if kwargs:
            raise TypeError(f"Stream: unexpected keyword arguments {sorted(kwargs)}")
        _runtime.require("ember.cuda.Stream")
        index = device_index(device)
        self._handle = None
        self.device_index = index
        self.priority = int(priority)
        self._handle = int(call("stream_create", index, self.priority))
        self._owned = True

    @classmethod
    def _wrap(cls, handle, index, priority=0):
        """A Stream object for an existing stream (the current or default one): not owned, so
        not destroyed with the object."""
        s = object.__new__(cls)
        s._handle = int(handle)
        s.device_index = int(index)
        s.priority = priority
        s._owned = False
        return s

    @property
    def cuda_stream(self):
        """The runtime's handle of the stream (0: the default stream)."""
        return self._handle

    @property
    def device(self):
        return _C.device("cuda", self.device_index)

    @property
    def device_type(self):
        return "cuda"

    def query(self):
        """True when all the work queued on the stream has finished."""
        return bool(call("stream_query", self._handle))

    def synchronize(self):
        """Waits for all the work queued on the stream."""
        call("stream_synchronize", self._handle)

    def wait_event(self, event):
        """Work queued on this stream after this call waits until `event` has happened."""
        event._ensure_created(self.device_index)
        call("stream_wait_event", self._handle, event._handle)

    def wait_stream(self, stream):
        """Work queued on this stream after this call waits for the work queued on `stream`
        so far."""
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        """Records `event` (a new Event by default) on this stream and returns it."""
        if event is None:
            event = Event()
        event.record(self)
        return event

    def __eq__(self, other):
        return (isinstance(other, Stream) and self._handle == other._handle
                and self.device_index == other.device_index)

    def __hash__(self):
        return hash((self._handle, self.device_index))

    def __repr__(self):
        return f"<ember.cuda.Stream device=cuda:{self.device_index} cuda_stream={self._handle:#x}>"

    def __del__(self):
        if getattr(self, "_owned", False) and self._handle:
            try:
                _runtime._cc.stream_destroy(self._handle)
            except Exception:
                pass
            self._handle = None


class ExternalStream(Stream):
    """A stream created elsewhere, given by its handle; never destroyed by ember."""

    def __init__(self, stream_ptr, device=None):
        _runtime.require("ember.cuda.ExternalStream")
        self._handle = int(stream_ptr)
        self.device_index = device_index(device)
        self.priority = 0
        self._owned = False


class Event:
    """A marker in a stream's work. `enable_timing=True` lets `elapsed_time` measure the time
    between two events; `blocking=True` makes `synchronize` sleep instead of spin. The event
    is created on the device of the first stream it is recorded on."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        _runtime.require("ember.cuda.Event")
        if interprocess:
            raise RuntimeError("ember.cuda.Event: interprocess events are not supported by ember")
        self.enable_timing = bool(enable_timing)
        self.blocking = bool(blocking)
        self.interprocess = False
        self._handle = None
        self._device_index = None
        self._recorded = False

    def _ensure_created(self, index):
        if self._handle is None:
            from . import device
            with device(index):
                self._handle = int(call("event_create", self.enable_timing, self.blocking))
            self._device_index = index

    @property
    def device(self):
        return None if self._device_index is None else _C.device("cuda", self._device_index)

    @property
    def cuda_event(self):
        return self._handle or 0

    def record(self, stream=None):
        """Records the event on `stream` (the current stream by default)."""
        if stream is None:
            stream = current_stream()
        self._ensure_created(stream.device_index)
        if stream.device_index != self._device_index:
            raise ValueError(f"Event.record: the event was created on cuda:{self._device_index}, the stream is on "
                             f"cuda:{stream.device_index}")
        call("event_record", self._handle, stream.cuda_stream)
        self._recorded = True

    def wait(self, stream=None):
        """Makes `stream` (the current stream by default) wait for this event."""
        if stream is None:
            stream = current_stream()
        stream.wait_event(self)

    def query(self):
        """True when the work before the event has finished (an event never recorded: True)."""
        if self._handle is None:
            return True
        return bool(call("event_query", self._handle))

    def synchronize(self):
        """Waits until the work before the event has finished."""
        if self._handle is not None:
            call("event_synchronize", self._handle)

    def elapsed_time(self, end_event):
        """Milliseconds between this event and `end_event` (both recorded, with enable_timing)."""
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Event.elapsed_time: both events must be created with enable_timing=True")
        if not (self._recorded and end_event._recorded):
            raise RuntimeError("Event.elapsed_time: both events must be recorded before measuring the time "
                               "between them")
        return float(call("event_elapsed_ms", self._handle, end_event._handle))

    def ipc_handle(self):
        raise RuntimeError("ember.cuda.Event: interprocess events are not supported by ember")

    def __repr__(self):
        return f"<ember.cuda.Event {self.cuda_event:#x}>" if self._handle else "<ember.cuda.Event uninitialized>"

    def __del__(self):
        if getattr(self, "_handle", None):
            try:
                _runtime._cc.event_destroy(self._handle)
            except Exception:
                pass
            self._handle = None


def current_stream(device=None):
    """The stream kernels of `device` (the current device by default) are queued on."""
    _runtime.require("ember.cuda.current_stream")
    index = device_index(device)
    return Stream._wrap(call("current_stream", index), index)


def default_stream(device=None):
    """The default stream of `device` (handle 0)."""
    _runtime.require("ember.cuda.default_stream")
    index = device_index(device)
    return Stream._wrap(0, index)


def set_stream(stream):
    """Makes `stream` the current stream of its device (None: nothing changes)."""
    if stream is None:
        return
    call("set_current_stream", stream.device_index, stream.cuda_stream)


class StreamContext:
    """Within the block, `stream` is the current stream and its device the current device; both
    are restored on exit. A None stream changes nothing."""

    def __init__(self, stream):
        self.stream = stream
        self._saved = None

    def __enter__(self):
        s = self.stream
        if s is None:
            return None
        previous_device = int(call("current_device"))
        previous_stream = int(call("current_stream", s.device_index))
        self._saved = (previous_device, s.device_index, previous_stream)
        if s.device_index != previous_device:
            call("set_device", s.device_index)
        call("set_current_stream", s.device_index, s.cuda_stream)
        return s

    def __exit__(self, *exc):
        if self._saved is None:
            return False
        previous_device, index, previous_stream = self._saved
        self._saved = None
        call("set_current_stream", index, previous_stream)
        if previous_device != index:
            call("set_device", previous_device)
        return False


def stream(stream):
    """`with ember.cuda.stream(s):` queues the block's work on `s`."""
    return StreamContext(stream)
