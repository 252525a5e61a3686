"""Warnings that point at the user's line.

Ops are reached through the op layer (one or more frames, depending on the modes and whether
the call records), so a fixed `stacklevel` would point inside ember. `warn` walks out of the
package instead.
"""
import os
import sys
import warnings

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn(message, category=UserWarning):
    """warnings.warn, attributed to the first frame outside the ember package."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def caller():
    """"file:line" of the first frame outside the ember package (where the user called in)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    return "<unknown>" if frame is None else f"{frame.f_code.co_filename}:{frame.f_lineno}"
