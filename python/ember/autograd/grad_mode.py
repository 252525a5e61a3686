"""Grad modes: whether ops record the graph that backward() walks.

Thread-local, like PyTorch's: a `no_grad` block in one thread leaves other threads recording.
Each mode is a context manager and a decorator (of functions and generator functions), with
PyTorch's spellings: `with ember.no_grad():`, `@ember.no_grad()`, `@ember.no_grad`,
`ember.set_grad_enabled(False)` called as a function, `@ember.inference_mode(False)`.
"""
import functools
import inspect

from .. import _C

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


# This thread's `grad_enabled` (True in a new thread) and `inference` (False): native
# thread-locals (python/src/autograd_record.cpp), which recording reads and sets on every op.
_state = _C._autograd.GradState()


def is_grad_enabled():
    """True when ops record gradients in this thread."""
    return _state.grad_enabled


def is_inference_mode_enabled():
    return _state.inference


class _Mode:
    """A context manager that is also a decorator: the decorated function runs inside a fresh
    copy of the mode (generators: every resumption of the generator does)."""

    def clone(self):
        return self.__class__()

    def __call__(self, func):
        if inspect.isclass(func) or not callable(func):
            raise TypeError(f"{type(self).__name__} decorates functions, not {type(func).__name__}")
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator(*args, **kwargs):
                gen = func(*args, **kwargs)
                try:
                    with self.clone():
                        request = next(gen)
                    while True:
                        try:
                            sent = yield request
                        except GeneratorExit:
                            gen.close()
                            raise
                        except BaseException as e:  # thrown into us: pass it on inside the mode
                            with self.clone():
                                request = gen.throw(e)
                        else:
                            with self.clone():
                                request = gen.send(sent)
                except StopIteration as stop:  # the wrapped generator finished
                    return stop.value
            return generator

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def __repr__(self):
        return f"{type(self).__module__}.{type(self).__name__}()"


class _NoArgMode(_Mode):
    """Modes without arguments may also decorate bare: `@ember.no_grad`."""

    def __new__(cls, func=None):
        self = super().__new__(cls)
        if func is None:
            return self
        return self(func)


class no_grad(_NoArgMode):  # noqa: N801 (PyTorch's name)
    """Ops inside do not record gradients: for inference and for updates of parameters."""

    def __enter__(self):
        self._prev = _state.grad_enabled
        _state.grad_enabled = False

    def __exit__(self, *exc):
        _state.grad_enabled = self._prev
        return False


class enable_grad(_NoArgMode):  # noqa: N801
    """Ops inside record gradients again (inside a no_grad block)."""

    def __enter__(self):
        self._prev = _state.grad_enabled
        _state.grad_enabled = True

    def __exit__(self, *exc):
        _state.grad_enabled = self._prev
        return False


class set_grad_enabled(_Mode):  # noqa: N801
    """Turns recording on or off: at once when called, for a block as a context manager, or for
    a function as a decorator."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'mode' must be bool, not {type(mode).__name__}")
        self.mode = mode
        self._prev = _state.grad_enabled
        _state.grad_enabled = mode

    def clone(self):
        saved = _state.grad_enabled
        copy = self.__class__(self.mode)
        _state.grad_enabled = saved
        return copy

    def __call__(self, func):
        _state.grad_enabled = self._prev  # decorating does not change the mode now
        return super().__call__(func)

    def __enter__(self):
        _state.grad_enabled = self.mode

    def __exit__(self, *exc):
        _state.grad_enabled = self._prev
        return False

    def __repr__(self):
        return f"{type(self).__module__}.set_grad_enabled(mode={self.mode})"


class inference_mode(_Mode):  # noqa: N801
    """no_grad for code that will never need gradients (inference_mode(False) does nothing)."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):  # bare @ember.inference_mode
            self.mode = True
            return self(mode)
        return self

    def __init__(self, mode=True):
        if not isinstance(mode, bool):
            return  # decorated bare: __new__ returned the wrapped function
        self.mode = mode

    def clone(self):
        return self.__class__(self.mode)

    def __enter__(self):
        self._prev = (_state.grad_enabled, _state.inference)
        if self.mode:
            _state.grad_enabled, _state.inference = False, True

    def __exit__(self, *exc):
        _state.grad_enabled, _state.inference = self._prev
        return False
