"""torch.distributed's error types: every one is a RuntimeError, as PyTorch's are."""


class DistError(RuntimeError):
    """An error in ember.distributed."""


class DistBackendError(DistError):
    """A collective failed or timed out in the communication engine."""


class DistNetworkError(DistError):
    """A connection between processes failed."""


class DistStoreError(DistError):
    """The rendezvous store failed or timed out."""
