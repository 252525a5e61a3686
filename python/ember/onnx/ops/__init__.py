"""The exporters, one file per op family; importing this package fills registry.EXPORTERS."""
from . import creation, elementwise, indexing, linalg, nn, reduce, rnn, shape  # noqa: F401
