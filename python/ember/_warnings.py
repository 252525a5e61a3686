"""Warnings that point at the user's line.

Ops are reached through autograd's recording wrappers (one or two frames, depending on whether
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
