"""ember.backends.mkldnn: ember's kernels do not use oneDNN (MKL-DNN); `enabled` keeps what
is assigned."""

__all__ = ["is_available", "enabled"]

enabled = True


def is_available():
    return False
