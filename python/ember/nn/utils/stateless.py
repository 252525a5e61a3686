"""torch.nn.utils.stateless: functional_call (the same function as ember.func.functional_call)."""
from ...func.functional_call import functional_call  # noqa: F401

__all__ = ["functional_call"]
