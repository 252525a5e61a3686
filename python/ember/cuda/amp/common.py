"""torch.cuda.amp.common."""

__all__ = ["amp_definitely_not_available"]


def amp_definitely_not_available():
    """True when no CUDA device can run autocast (ember has no XLA backend to ask about)."""
    from ... import cuda
    return not cuda.is_available()
