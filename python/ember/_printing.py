"""ember.set_printoptions: precision, threshold, edgeitems, linewidth, profile and sci_mode of
tensor reprs, as torch.set_printoptions sets them.

With torch's defaults (and float32 the default dtype) a repr comes from the native printer
(csrc/ops/format.cpp). Otherwise `tensor_repr` prints here, by the same rules with the options
applied: one format and width for every shown element (integer-valued, fixed with `precision`
decimals, or scientific when the values span more than 1000x, pass 1e8 or go under 1e-4, or
when sci_mode says so), rows wrapped at `linewidth`, and more than `threshold` elements
summarized to `edgeitems` at each end of every dim.
"""
import math

import numpy as np

from . import _C, _defaults

__all__ = ["set_printoptions"]

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES = {"default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
             "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
             "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80}}
OPTIONS = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Sets how tensors print: a profile ("default", "short" or "full") first, then each option
    given; sci_mode is set on every call (None: chosen from the values)."""
    if profile is not None and profile in _PROFILES:
        OPTIONS.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            OPTIONS[name] = value
    OPTIONS["sci_mode"] = sci_mode


def native_repr_applies():
    """Whether the native printer prints as the options say (torch's defaults, float32 default)."""
    return OPTIONS == _DEFAULTS and _defaults.get_default_dtype() == _C.dtype.float32


def _shown(size, summarize, edge):
    if summarize and size > 2 * edge:
        return list(range(edge)) + list(range(size - edge, size))
    return list(range(size))


class _Formatter:
    """One format and width for every shown element."""

    def __init__(self, kind, values, precision, sci_mode):
        self.kind, self.precision = kind, precision
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if kind != "float":
            for v in values:
                self.width = max(self.width, len(self._plain(v)))
            return
        finite = [v for v in values if math.isfinite(v) and v != 0]
        if not finite:
            return
        lo, hi = min(abs(v) for v in finite), max(abs(v) for v in finite)
        self.int_mode = all(v == math.ceil(v) for v in finite)
        wide = hi / lo > 1000.0 or hi > 1.0e8
        auto = wide if self.int_mode else wide or lo < 1.0e-4
        self.sci_mode = auto if sci_mode is None else bool(sci_mode)
        for v in finite:
            self.width = max(self.width, len(self._float(v)) + (1 if self.int_mode and not self.sci_mode else 0))

    def _plain(self, v):
        return ("True" if v else "False") if self.kind == "bool" else str(int(v))

    def _float(self, v):
        if not math.isfinite(v):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
        if self.sci_mode:
            return f"{v:.{self.precision}e}"
        if self.int_mode:
            return f"{v:.0f}"
        return f"{v:.{self.precision}f}"

    def format(self, v):
        if self.kind != "float":
            return self._plain(v).rjust(self.width)
        s = self._float(v)
        if self.int_mode and not self.sci_mode and math.isfinite(v):
            s += "."
        return s.rjust(self.width)


class _ComplexFormatter:
    """torch's complex format: the real parts in one float format, the imaginary parts in
    another, each chosen from its own values; an element prints as "1.5000-2.0000j"."""

    def __init__(self, values, precision, sci_mode):
        self.real = _Formatter("float", [v.real for v in values], precision, sci_mode)
        self.imag = _Formatter("float", [v.imag for v in values], precision, sci_mode)
        self.width = self.real.width + self.imag.width + 2  # the sign and the "j"

    def format(self, v):
        real = self.real.format(v.real)
        imag = (self.imag.format(v.imag) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag


def _body(values, shape, fmt, summarize, edge, linewidth, indent):
    """The nested-bracket text of `values` (the shown elements, in printing order, as an
    iterator) for a tensor of `shape` starting at column `indent`."""
    if not shape:
        return fmt.format(next(values))
    size = shape[0]
    elided = summarize and size > 2 * edge
    if len(shape) == 1:
        per_line = max(1, math.floor((linewidth - indent) / (fmt.width + 2)))
        data = []
        for k in range(len(_shown(size, summarize, edge))):
            if elided and k == edge:
                data.append(" ...")
            data.append(fmt.format(next(values)))
        lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    slices = []
    for k in range(len(_shown(size, summarize, edge))):
        if elided and k == edge:
            slices.append("...")
        slices.append(_body(values, shape[1:], fmt, summarize, edge, linewidth, indent + 1))
    sep = "," + "\n" * (len(shape) - 1) + " " * (indent + 1)
    return "[" + sep.join(slices) + "]"


def _with_suffixes(text, suffixes, indent, linewidth):
    last = len(text) - (text.rfind("\n") if "\n" in text else -1) + 1
    for suffix in suffixes:
        if last + len(suffix) + 2 > linewidth:
            text += ",\n" + " " * indent + suffix
            last = indent + len(suffix)
        else:
            text += ", " + suffix
            last += len(suffix) + 2
    return text + ")"


def tensor_repr(impl):
    """repr of the native tensor `impl` under the current options (no autograd suffixes)."""
    opts = OPTIONS
    prefix, indent = "tensor(", 7
    dtype = impl.dtype
    default = _defaults.get_default_dtype()
    suffixes = [] if impl.device.type == "cpu" else [f"device='{impl.device}'"]
    shape = list(impl.shape)
    if impl.numel() == 0:
        if len(shape) != 1:
            suffixes.append("size=(" + ", ".join(str(s) for s in shape) + ")")
        if dtype not in (default, _defaults.default_complex_dtype()):
            suffixes.append(f"dtype=ember.{dtype.name}")
        return _with_suffixes(prefix + "[]", suffixes, indent, opts["linewidth"])
    if dtype not in (default, _defaults.default_complex_dtype(), _C.dtype.int64, _C.dtype.bool):
        suffixes.append(f"dtype=ember.{dtype.name}")
    host = impl if impl.device.type == "cpu" else impl.to_device(_C.device("cpu"))
    if dtype == _C.dtype.bfloat16:
        host = host.to_dtype(_C.dtype.float32)
    array = _C.to_numpy(host)
    summarize = impl.numel() > opts["threshold"]
    edge = opts["edgeitems"]
    shown = array[np.ix_(*[_shown(s, summarize, edge) for s in shape])] if shape else array
    flat = shown.reshape(-1)
    if dtype.is_complex:
        values = [complex(v) for v in flat]
        fmt = _ComplexFormatter(values, opts["precision"], opts["sci_mode"])
    else:
        values = [float(v) for v in flat] if dtype.is_floating_point else [int(v) for v in flat]
        kind = "float" if dtype.is_floating_point else "bool" if dtype == _C.dtype.bool else "int"
        fmt = _Formatter(kind, values, opts["precision"], opts["sci_mode"])
    body = _body(iter(values), shape, fmt, summarize, edge, opts["linewidth"], indent)
    return _with_suffixes(prefix + body, suffixes, indent, opts["linewidth"])
