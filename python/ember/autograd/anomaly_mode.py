"""Anomaly detection: with it on, backward checks every gradient a node returns for NaN and
raises a RuntimeError naming the node, instead of letting the NaN spread to the leaves."""
from .grad_mode import _Mode

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]

_enabled = False
_check_nan = True


def is_anomaly_enabled():
    return _enabled


def is_anomaly_check_nan_enabled():
    return _check_nan


class _AnomalyMode(_Mode):
    def __init__(self, mode=True, check_nan=True):
        self.mode, self.check_nan = bool(mode), bool(check_nan)
        self._previous = None

    def clone(self):
        return self.__class__(self.mode, self.check_nan)

    def __enter__(self):
        global _enabled, _check_nan
        self._previous = (_enabled, _check_nan)
        _enabled, _check_nan = self.mode, self.check_nan
        return self

    def __exit__(self, *exc):
        global _enabled, _check_nan
        _enabled, _check_nan = self._previous
        return False


class detect_anomaly(_AnomalyMode):
    """Context manager and decorator: anomaly detection on inside."""

    def __init__(self, check_nan=True):
        super().__init__(True, check_nan)

    def clone(self):
        return self.__class__(self.check_nan)


class set_detect_anomaly(_AnomalyMode):
    """set_detect_anomaly(mode): sets it at once (as a function) or for a block (as a context
    manager)."""

    def __init__(self, mode, check_nan=True):
        global _enabled, _check_nan
        super().__init__(mode, check_nan)
        self._previous = (_enabled, _check_nan)
        _enabled, _check_nan = self.mode, self.check_nan

    def __enter__(self):
        return self


def check_gradients(node, grads):
    """Raises if any gradient `node` returned holds a NaN (anomaly mode)."""
    for i, g in enumerate(grads):
        if g is not None and g.is_floating_point() and bool(g.isnan().any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
