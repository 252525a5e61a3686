"""Tracing: a mode of the op layer that writes each op a forward pass calls as ONNX nodes.

The tracer sits in the op layer's chain (ember/_op_layer.py) at priority TRACING, above grad
recording, so it sees every op the model calls, once, with the arguments the model passed:

- an op none of whose operands is traced (a constant, a parameter, a plain size) runs as it is
  and its result is a constant: constants fold while tracing;
- an op with an exporter (ember/onnx/ops/) runs with tracing suspended inside it, and its
  exporter writes the nodes for it;
- an op without one is traced through: the ops it is made of are written instead (composites
  such as F.normalize). If its result is not traced afterwards, it computed with the native
  module directly and has no export: that is an error naming the op and the user's line,
  never a silently wrong file;
- an in-place op is written as its out-of-place form, and the tensor it wrote takes the new
  value (a write into a view of a traced tensor is refused: ONNX has no aliasing).

Sizes read from traced tensors (`x.shape`, `x.size(0)`) are SymInts, ints that know how to
compute themselves with Shape/Gather, so views, reshapes and new tensors sized by them stay
dynamic in the file. Python control flow on traced values unrolls for the values seen, with a
TracerWarning, as PyTorch's tracer does.
"""
import functools
import sys

from .. import _C, _op_layer, _warnings
from .._op_layer import Mode
from .._tensor import Size, Tensor
from .errors import OnnxExporterError, TracerWarning, UnsupportedOperatorError
from .graph import SymInt
from .registry import EXPORTERS

_MISSING = object()
_SIZE_DTYPES = (_C.dtype.int64, _C.dtype.int32)
_MAX_SIZES = 16  # longer integer vectors are data, not shapes


class Tracer(Mode):
    priority = _op_layer.TRACING

    def __init__(self, graph):
        self.g = graph
        self.suspended = 0
        self.scopes = []  # the names of the modules whose forward is running, outermost first

    # ---- the op layer's hook --------------------------------------------------------------------
    def __call__(self, op, args, kwargs, proceed):
        if self.suspended:
            return proceed(*args, **kwargs)
        g = self.g
        if not self._involves_traced(args) and not (kwargs and self._involves_traced(kwargs.values())):
            result = self._run_suspended(proceed, args, kwargs)
            self._note_constants(result)
            return result
        functional = op.functional
        export = self._exporter(functional if functional is not None else op)
        where, name = _warnings.caller(), op.name
        if functional is not None:
            if export is None:
                raise self._no_export(op, where)
            return self._inplace(op, export, args, kwargs, proceed, where)
        if export is None:
            result = proceed(*args, **kwargs)  # its parts are traced
            self._check_traced(op, result, where)
            return result
        result = self._run_suspended(proceed, args, kwargs)
        g.where, g.op_name = where, name
        names = export(g, result, *args, **kwargs)
        self._bind(op, result, names)
        return result

    def sizes(self, tensor):
        if self.suspended or id(tensor) not in self.g.values:
            return None
        g = self.g
        return Size(SymInt(s, g, functools.partial(g.dim, tensor, i)) for i, s in enumerate(tensor._impl.shape))

    def value_read(self, tensor, how):
        if self.suspended or id(tensor) not in self.g.values:
            return None
        if how in ("item", "tolist") and tensor.dtype in _SIZE_DTYPES and tensor.dim() <= 1 \
                and tensor.numel() <= _MAX_SIZES:
            return self._sizes_of_values(tensor)
        text = {"bool": "Converting a traced tensor to a Python boolean",
                "item": "Converting a traced tensor to a Python number",
                "tolist": "Converting a traced tensor to a Python list",
                "numpy": "Converting a traced tensor to a NumPy array",
                "len": "Using len() to get a traced tensor's size"}.get(how, f"Reading a traced tensor ({how})")
        _warnings.warn(f"{text} might cause the trace to be incorrect: the exported graph uses the value seen "
                       "while tracing (a branch on it is not recorded) and will not change with the inputs.",
                       TracerWarning)
        return None

    def _sizes_of_values(self, tensor):
        """A traced integer vector read as Python ints (a shape computed in the graph, as an
        imported ONNX model computes them): SymInts, each Gathered from the tensor."""
        g = self.g
        values = _C.to_numpy(tensor._impl).tolist()
        if tensor.dim() == 0:
            return SymInt(int(values), g, functools.partial(_element, g, tensor, None))
        return [SymInt(int(v), g, functools.partial(_element, g, tensor, i)) for i, v in enumerate(values)]

    # ---- helpers ------------------------------------------------------------------------------------
    def _exporter(self, op):
        found = op.cache.get("onnx", _MISSING)
        if found is _MISSING:
            found = op.cache["onnx"] = op.lookup(EXPORTERS)
        return found

    def _involves_traced(self, values):
        values_map = self.g.values
        for a in values:
            if isinstance(a, Tensor):
                if id(a) in values_map:
                    return True
            elif isinstance(a, SymInt):
                return True
            elif isinstance(a, (list, tuple)):
                if self._involves_traced(a):
                    return True
        return False

    def _run_suspended(self, proceed, args, kwargs):
        self.suspended += 1
        try:
            return proceed(*args, **kwargs)
        finally:
            self.suspended -= 1

    def _note_constants(self, result):
        for t in _tensors(result):
            if id(t) not in self.g.values:
                self.g.born[id(t)] = t

    def _check_traced(self, op, result, where):
        g = self.g
        for t in _tensors(result):
            if id(t) not in g.values and id(t) not in g.born and id(t) not in g.constants:
                raise self._no_export(op, where)

    def _no_export(self, op, where):
        scope = f" in module '{self.scopes[-1]}'" if self.scopes else ""
        return UnsupportedOperatorError(
            f"ember op '{op.name}' has no ONNX export{scope} (called at {where}). Export supports the ops listed "
            "in docs/onnx.md.")

    def _bind(self, op, result, names):
        """Marks each tensor output of `result` as traced, with its value name."""
        tensors = list(_tensors(result))
        if isinstance(names, str):
            names = (names,)
        names = list(names)
        if len(names) != len(tensors):
            raise OnnxExporterError(f"the ONNX exporter of '{op.name}' wrote {len(names)} outputs for "
                                    f"{len(tensors)} tensor outputs")
        g = self.g
        for t, name in zip(tensors, names):
            if id(t) in g.values or id(t) in g.constants:  # an op that returned an input: written in place
                if g.values.get(id(t), (None, None))[1] != name:
                    self._check_rebind(t, op)
                g.constants.pop(id(t), None)
            g.values[id(t)] = (t, name)
            g.value_types[name] = (t.dtype, tuple(t._impl.shape))

    def _inplace(self, op, export, args, kwargs, proceed, where):
        """`t.op_(...)` (or `t += ...`): the out-of-place form's nodes, and t takes their value."""
        g = self.g
        target = args[0]
        if not isinstance(target, Tensor):
            raise self._no_export(op, where)
        g.where, g.op_name = where, op.name
        g.value(target)  # a constant target is written into the graph before the op changes it
        for a in list(args[1:]) + list(kwargs.values()):
            if isinstance(a, Tensor) and id(a) not in g.values:
                g.value(a)
        result = self._run_suspended(proceed, args, kwargs)
        names = export(g, target, *args, **kwargs)
        self._bind(op, target, names)
        return result

    def _check_rebind(self, t, op):
        """A traced tensor written in place: any other live traced tensor sharing its memory (a
        view of it, or it a view of that) would keep the old value in the graph."""
        impl = t._impl
        for other, _ in list(self.g.values.values()):
            if other is t or not impl._same_storage(other._impl):
                continue
            if sys.getrefcount(other) > 3:  # referenced beyond the tracer's own bookkeeping
                raise OnnxExporterError(
                    f"'{op.name}' writes in place into a tensor that shares memory with another traced tensor (a "
                    f"view); ONNX has no aliasing, so the export would be wrong. Write out of place instead "
                    f"(called at {self.g.where}).")


def _element(g, tensor, i):
    """The int64 scalar of element i of a traced integer vector (the whole 0-d tensor)."""
    value = g.value(tensor, _C.dtype.int64)
    return value if i is None else g.op("Gather", value, g.int_scalar(i), axis=0)


def _tensors(result):
    """The tensors of an op's result or a model's arguments, in order (a tensor, or tensors in
    tuples, lists and dicts)."""
    if isinstance(result, Tensor):
        yield result
    elif isinstance(result, (tuple, list)):
        for r in result:
            yield from _tensors(r)
    elif isinstance(result, dict):
        for r in result.values():
            yield from _tensors(r)
