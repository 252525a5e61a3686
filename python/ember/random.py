"""ember.random: torch.random's names (the global generator's seed and state, and fork_rng).
The functions are those of ember._ops.random, which ember re-exports at top level too."""
import contextlib

from ._ops.random import default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state

__all__ = ["default_generator", "get_rng_state", "initial_seed", "manual_seed", "seed", "set_rng_state", "fork_rng"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Restores the global generator's state on exit, so random draws inside do not change the
    numbers drawn after it (ember's one generator serves every device)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
