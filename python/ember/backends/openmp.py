"""ember.backends.openmp: ember's CPU kernels run their threads with OpenMP."""

__all__ = ["is_available"]


def is_available():
    return True
