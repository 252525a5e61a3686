"""ember.backends.opt_einsum: ember's einsum contracts in its own order and does not use the
opt_einsum package, so it reports the package unavailable, as torch does without it
(enabled False, strategy None); assignments are kept."""

__all__ = ["is_available", "get_opt_einsum", "enabled", "strategy"]

enabled = False
strategy = None


def is_available():
    return False


def get_opt_einsum():
    return None
