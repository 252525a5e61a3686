"""ember.nn: neural-network building blocks. `ember.nn.functional` holds the functional ops."""
from . import functional  # noqa: F401
