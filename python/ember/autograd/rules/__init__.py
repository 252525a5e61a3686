"""The backward rules, one file per op family, each registering its rules by op name.

Each family file calls `recording.register(names, setup, backward)` at import. Ops find their
rule by name when they are first recorded (recording.handle, through the op layer), so
importing the families is all there is to do.

Rule names are op names (ember/_op_layer.py): `name` is ember.name (and the Tensor method of
that name, which takes the same arguments with self first), `linalg.name` / `nn.functional.name`
the functions of those modules, and `Tensor.name` a method whose arguments differ from the
function's (operators such as `Tensor.__rsub__` among them). In-place forms have no rules of
their own: they are recorded through their out-of-place forms.
"""
import importlib

_FAMILIES = ("elementwise", "reduce", "views", "shape", "indexing", "sort", "linalg", "nn", "loss",
             "misc", "complex", "fft")

for _family in _FAMILIES:
    importlib.import_module(f"{__name__}.{_family}")
