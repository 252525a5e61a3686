"""ember.jit: torch.jit's decorators and entry points, run eagerly.

ember does not compile TorchScript: `script` and `trace` return the function or Module they are
given (warning once per process that it runs eagerly), `ignore`, `unused`, `export` and the
other annotations return what they decorate, and `is_scripting()` / `is_tracing()` are False,
so code written for TorchScript runs as ordinary Python. Saving and loading TorchScript
archives (`jit.save`, `jit.load`) is not supported: use ember.save / ember.load.
"""
from ._compile import warn_once
from .nn import Module

__all__ = ["script", "trace", "trace_module", "ignore", "unused", "export", "is_scripting", "is_tracing",
           "ScriptModule", "ScriptFunction", "annotate", "interface", "script_method", "Final", "Attribute",
           "save", "load", "freeze", "optimize_for_inference"]


def _eager(what):
    warn_once("jit", f"ember.jit.{what}: ember does not compile TorchScript; the code runs eagerly, unchanged")


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    _eager("script")
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    _eager("trace")
    if not callable(func):
        raise TypeError(f"trace: expected a function or a Module, got {type(func).__name__}")
    return func


def trace_module(mod, inputs, **kwargs):
    _eager("trace_module")
    return mod


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    return mod


def optimize_for_inference(mod, other_methods=None):
    return mod


def ignore(drop=False, **kwargs):
    """@ignore and @ignore(drop=True): the function itself."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def script_method(fn):
    return fn


def interface(obj):
    return obj


def annotate(the_type, the_value):
    return the_value


def is_scripting():
    """False: ember never runs code as TorchScript."""
    return False


def is_tracing():
    """False: ember.jit.trace does not trace (ember.onnx's tracer is a mode of its own)."""
    return False


class ScriptModule(Module):
    """torch.jit.ScriptModule's name, for isinstance checks and subclassing: an ordinary
    Module here (script() returns modules unchanged, so no instance comes from it)."""


class ScriptFunction:
    """torch.jit.ScriptFunction's name, for isinstance checks (script() returns functions
    unchanged, so no instance comes from it)."""


class _FinalType:
    def __getitem__(self, item):
        return item


Final = _FinalType()  # jit.Final[int]: the annotation's type


class Attribute:
    """jit.Attribute(value, type): the value, in eager code."""

    def __new__(cls, value, type=None):
        return value


def save(m, f, _extra_files=None):
    raise NotImplementedError("ember.jit.save: ember does not write TorchScript archives; save the state "
                              "dict with ember.save(model.state_dict(), f) instead")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    raise NotImplementedError("ember.jit.load: ember does not read TorchScript archives; load a state dict "
                              "saved by ember.save or torch.save with ember.load")
