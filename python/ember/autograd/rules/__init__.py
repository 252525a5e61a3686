"""The backward rules, one file per op family, and the wiring that puts them on the ops.

Each family file calls `dispatch.register(names, setup, backward)` at import. `wire()` then
wraps, wherever the library refers to it, every public function and Tensor method that has a
rule, and records every in-place method `op_` through its out-of-place form `op`.

Rule names: `name` is ember.name (and the Tensor method of that name, which takes the same
arguments with self first), `linalg.name` / `nn.functional.name` are the functions of those
modules, and `Tensor.name` a method whose arguments differ from the function's (operators such
as `Tensor.__rsub__` among them).
"""
import sys

from ..._tensor import Tensor
from ..recording import RULES, differentiable, inplace_function, inplace_method

_FAMILIES = ("elementwise", "reduce", "views", "shape", "indexing", "sort", "linalg", "nn", "loss",
             "misc")


def _import_families():
    import importlib
    for family in _FAMILIES:
        try:
            importlib.import_module(f"{__name__}.{family}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{family}":
                raise


def _namespaces():
    import ember
    import ember.linalg
    import ember.nn.functional
    return {"": ember, "linalg": ember.linalg, "nn.functional": ember.nn.functional}


def _replace_everywhere(original, wrapped):
    """Points every reference the library's modules hold to `original` at `wrapped`."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "ember" or name.startswith("ember.")):
            continue
        if name.startswith("ember.autograd"):
            continue
        namespace = vars(module)
        for key, value in list(namespace.items()):
            if value is original:
                namespace[key] = wrapped


def _replace_methods(original, wrapped):
    for key, value in list(vars(Tensor).items()):
        if value is original:
            setattr(Tensor, key, wrapped)


def wire():
    _import_families()
    namespaces = _namespaces()
    done = {}
    for name in RULES:
        if name.startswith("Tensor."):
            method = name[len("Tensor."):]
            original = vars(Tensor).get(method)
            if original is None:
                raise AttributeError(f"autograd rule {name!r}: Tensor has no method {method!r}")
            if id(original) not in done:
                done[id(original)] = differentiable(name, original)
                _replace_methods(original, done[id(original)])
            continue
        prefix, _, short = name.rpartition(".")
        original = getattr(namespaces[prefix], short, None)
        if original is None:
            raise AttributeError(f"autograd rule {name!r}: no such function")
        if id(original) not in done:
            done[id(original)] = differentiable(name, original)
            _replace_everywhere(original, done[id(original)])
            _replace_methods(original, done[id(original)])
        if prefix == "" and f"Tensor.{short}" not in RULES:
            method = vars(Tensor).get(short)
            if method is not None and id(method) not in done and method is not original \
                    and not hasattr(method, "__ember_undifferentiated__"):
                done[id(method)] = differentiable(name, method)
                _replace_methods(method, done[id(method)])
    _wire_inplace()
    _wire_inplace_functions(namespaces)


# In-place methods whose out-of-place form is not named by dropping the underscore. The private
# `_*_out_of_place` methods are defined by the rule files (views.py, indexing.py).
_INPLACE_FORMS = {"__setitem__": "_setitem_out_of_place", "copy_": "_copy_out_of_place",
                  "fill_": "_fill_out_of_place", "zero_": "_zero_out_of_place",
                  "__iadd__": "__add__", "__isub__": "__sub__", "__imul__": "__mul__",
                  "__itruediv__": "__truediv__", "__ipow__": "__pow__", "__imod__": "__mod__",
                  "__ifloordiv__": "__floordiv__"}


def _wire_inplace():
    for key, method in list(vars(Tensor).items()):
        if not callable(method) or hasattr(method, "__ember_undifferentiated__"):
            continue
        if key in _INPLACE_FORMS:
            functional_name = _INPLACE_FORMS[key]
        elif key.endswith("_") and not key.startswith("_"):
            functional_name = key[:-1]
        else:
            continue
        functional = vars(Tensor).get(functional_name)
        if functional is None or not hasattr(functional, "__ember_undifferentiated__"):
            continue  # the out-of-place form has no rule: not differentiable
        setattr(Tensor, key, inplace_method(key, method, functional))


def _wire_inplace_functions(namespaces):
    """Functions `op_` (ember.relu_, F.elu_) whose out-of-place `op` has a rule: recorded
    through it, like in-place methods."""
    for namespace in namespaces.values():
        for key, fn in list(vars(namespace).items()):
            if not key.endswith("_") or key.startswith("_") or not callable(fn) \
                    or hasattr(fn, "__ember_undifferentiated__"):
                continue
            functional = getattr(namespace, key[:-1], None)
            if functional is None or not hasattr(functional, "__ember_undifferentiated__"):
                continue
            _replace_everywhere(fn, inplace_function(key, fn, functional))
