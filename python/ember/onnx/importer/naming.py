"""Initializer names -> places in a Module tree, so that state_dict keys are the ONNX names.

An initializer `fc1.weight` becomes the parameter `weight` of a submodule `fc1` (a plain
nn.Module made for it), so `state_dict()` has the key `fc1.weight`, as the PyTorch model that
was exported had. Names that nn.Module cannot hold as they are get a reversible encoding:

- names with an empty dotted part (`a..b`, `.a`, `a.`, ``), with a `%`, or whose parts clash
  with a Module attribute (`forward`, `training`, ...) or with another initializer (`fc1` and
  `fc1.weight` together) are held at the top level under the key `'%' + name` with `%`
  written `%25` and `.` written `%2E` (`'a..b'` -> `'%a%2E%2Eb'`);
- every other name is kept as it is (`onnx::Conv_12`, `/layer/Constant_output_0`: nn.Module
  takes any name without a dot).

`initializer_name(key)` undoes the encoding: a key that starts with `%` is decoded, any other
key is the name itself (names with a `%` are always encoded, so no kept name starts with one).
"""
import re

from ember import nn


def encode(name):
    return "%" + name.replace("%", "%25").replace(".", "%2E")


def initializer_name(key):
    """The ONNX initializer name of a state_dict key of a loaded model."""
    if not key.startswith("%"):
        return key
    return re.sub(r"%(25|2E)", lambda m: "%" if m.group(1) == "25" else ".", key[1:])


def place(root, name, tensor):
    """Registers `tensor` (a Parameter or a plain tensor, held as a buffer) under `root` at the
    path `name` names, or encoded at the top level when it cannot be; returns the key used."""
    parts = name.split(".")
    if "%" not in name and all(parts) and _fits(root, parts):
        owner = root
        for part in parts[:-1]:
            if part not in owner._modules:
                owner.add_module(part, nn.Module())
            owner = owner._modules[part]
        _register(owner, parts[-1], tensor)
        return name
    key = encode(name)
    _register(root, key, tensor)
    return key


def _fits(root, parts):
    """Whether the submodule path parts[:-1] and the leaf parts[-1] can be made under root
    without clashing with an attribute or another initializer."""
    owner = root
    for i, part in enumerate(parts):
        if hasattr(owner, part) and (i == len(parts) - 1 or part not in owner._modules):
            return False
        if part not in owner._modules:  # the rest goes into new plain modules
            return all(not hasattr(_BLANK, p) for p in parts[i + 1:])
        owner = owner._modules[part]
    return True


_BLANK = nn.Module()  # what a new submodule already has as attributes


def _register(owner, name, tensor):
    if isinstance(tensor, nn.Parameter):
        owner.register_parameter(name, tensor)
    else:
        owner.register_buffer(name, tensor)
