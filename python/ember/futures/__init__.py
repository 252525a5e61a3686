"""ember.futures: torch.futures' Future, for values that arrive later (a collective's result).

ember runs callbacks on the thread that completes the future; `wait()` completes a future
that wraps a pending collective by waiting for the collective.
"""

__all__ = ["Future", "collect_all", "wait_all"]


class Future:
    """A value that is set once (`set_result` / `set_exception`) and read by `wait()`."""

    def __init__(self, *, devices=None):
        self._done = False
        self._value = None
        self._error = None
        self._callbacks = []
        self._work = None
        self._parent = None  # the future a `then` chain waits on

    @classmethod
    def _of_work(cls, work):
        """A future whose value is the work's output tensors, once the work has finished."""
        fut = cls()
        fut._work = work
        return fut

    def _resolve_work(self):
        work, self._work = self._work, None
        try:
            work.wait()
        except Exception as e:
            self.set_exception(e)
            return
        self.set_result(work._outputs)

    def done(self):
        """Whether the value is there; asking drives the collective behind it (or behind the
        future this one was chained from) forward."""
        if not self._done and self._parent is not None:
            self._parent.done()
        if self._work is not None and self._work.is_completed():
            self._resolve_work()
        return self._done

    def wait(self):
        if not self._done and self._parent is not None:
            self._parent.wait()
        if self._work is not None:
            self._resolve_work()
        if not self._done:
            raise RuntimeError("Future.wait: the future has no value yet and nothing to wait for "
                               "(set_result was never called)")
        if self._error is not None:
            raise self._error
        return self._value

    def value(self):
        return self.wait()

    def set_result(self, result):
        if self._done:
            raise RuntimeError("Future.set_result: the future already has a value")
        self._done, self._value = True, result
        self._run_callbacks()

    def set_exception(self, result):
        if self._done:
            raise RuntimeError("Future.set_exception: the future already has a value")
        self._done, self._error = True, result
        self._run_callbacks()

    def _run_callbacks(self):
        callbacks, self._callbacks = self._callbacks, []
        for cb in callbacks:
            cb(self)

    def then(self, callback):
        """A new future holding callback(self) once this one is done."""
        out = Future()

        def chain(fut):
            try:
                out.set_result(callback(fut))
            except Exception as e:
                out.set_exception(e)
        self.add_done_callback(chain)
        out._parent = self
        return out

    def add_done_callback(self, callback):
        if self._done:
            callback(self)
        else:
            self._callbacks.append(callback)


def collect_all(futures):
    """A future of the list of `futures`, done when all are."""
    out = Future()
    for f in futures:
        f.wait()
    out.set_result(list(futures))
    return out


def wait_all(futures):
    return [f.wait() for f in futures]
