"""ember.backends.mkl: ember's kernels do not use Intel MKL."""

__all__ = ["is_available"]


def is_available():
    return False
