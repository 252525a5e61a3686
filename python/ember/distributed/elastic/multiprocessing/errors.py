"""`@record`: the decorator torchrun scripts put on their entry point.

An exception escaping the function is written, as JSON with its message and traceback, to
the file TORCHELASTIC_ERROR_FILE names (when the launcher set one), then raised again; the
launcher's own report names the failed rank and its exit code.
"""
import functools
import json
import os
import time
import traceback

__all__ = ["record", "ChildFailedError"]


class ChildFailedError(Exception):
    """Raised by a launcher when a child process failed: `failures` maps ranks to their reports."""

    def __init__(self, name, failures):
        self.name, self.failures = name, failures
        super().__init__(f"{name} FAILED: " + ", ".join(f"rank {r}: {f}" for r, f in sorted(failures.items())))


def record(fn=None, error_handler=None):
    if fn is None:
        return lambda f: record(f, error_handler)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SystemExit:
            raise
        except BaseException as e:
            path = os.environ.get("TORCHELASTIC_ERROR_FILE")
            if path:
                report = {"message": {"message": f"{type(e).__name__}: {e}",
                                      "extraInfo": {"py_callstack": traceback.format_exc(),
                                                    "timestamp": str(int(time.time()))}}}
                with open(path, "w") as f:
                    json.dump(report, f)
            raise
    return wrapper
