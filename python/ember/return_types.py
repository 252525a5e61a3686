"""Named result tuples, like torch.return_types: `values, indices = x.max(0)` unpacks, and
`r.values` reads a field. Printed as PyTorch prints them:

    ember.return_types.topk(
    values=tensor([3., 2.]),
    indices=tensor([0, 2]))
"""
import collections
import sys


def _repr(self):
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
    return f"ember.return_types.{type(self).__name__}(\n{fields})"


def make(name, fields):
    """The named tuple type `name` with `fields`, registered here as ember.return_types.<name>
    (so it pickles), or the one registered before."""
    module = sys.modules[__name__]
    existing = getattr(module, name, None)
    if existing is not None:
        return existing
    base = collections.namedtuple(name, fields)
    cls = type(name, (base,), {"__slots__": (), "__repr__": _repr, "__module__": __name__})
    setattr(module, name, cls)
    return cls
