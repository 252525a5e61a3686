"""ember.compile: torch.compile's signature, run eagerly.

ember has no graph compiler; `compile(model)` returns `model` itself (a function or a Module),
so scripts that compile for speed run unchanged, at eager speed. It warns once per process
(every time under `ember.set_warn_always(True)`) so that the missing speed-up is not a
surprise. Works bare (`compile(f)`, `@compile`) and with options (`@compile(mode="max-autotune")`).
"""
from . import _settings, _warnings

__all__ = ["compile"]

_warned = set()


def warn_once(key, message):
    """Warns `message` the first time `key` is seen (each time while warn-always is on)."""
    if key in _warned and not _settings.is_warn_always_enabled():
        return
    _warned.add(key)
    _warnings.warn(message)


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):  # noqa: A001  (torch's name)
    if mode is not None and options is not None:
        raise RuntimeError("compile: either mode or options can be specified, but both can't be specified "
                           "at the same time.")
    if model is None:
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                 options=options, disable=disable)
    if not callable(model):
        raise RuntimeError(f"compile: model must be a callable (a function or a Module), got "
                           f"{type(model).__name__}")
    if not disable:
        warn_once("compile", "ember.compile: ember has no graph compiler; the model runs eagerly, unchanged")
    return model
