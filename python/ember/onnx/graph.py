"""The ONNX graph an export builds, and the helpers the exporters (ember/onnx/ops/) write with.

An exporter receives `g`, a `Graph`, and writes nodes with `g.op("Add", a, b)`, which returns
the name of the new value. Operands come in as the op received them: `g.value(x)` turns a
traced tensor into its value name, an untraced tensor into a constant (a parameter or buffer
into the initializer named by its state_dict key), a Python number into a scalar constant and a
traced size (`x.shape[0]`, a SymInt) into the int64 scalar computed from the graph's shapes.
"""
import numbers
import operator

import numpy as np

from .. import _C
from .._tensor import Tensor
from .errors import OnnxExporterError, UnsupportedOperatorError

# ember dtype name -> ONNX TensorProto data type
ONNX_TYPES = {"float32": 1, "uint8": 2, "int8": 3, "int16": 5, "int32": 6, "int64": 7, "bool": 9,
              "float16": 10, "float64": 11, "bfloat16": 16}
_NUMPY = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "int8": np.int8,
          "uint8": np.uint8, "int16": np.int16, "int32": np.int32, "int64": np.int64, "bool": np.bool_}


def onnx_type(dtype):
    try:
        return ONNX_TYPES[dtype.name]
    except KeyError:
        raise OnnxExporterError(f"dtype {dtype.name} has no ONNX equivalent") from None


def numpy_of(t):
    """The values of an ember tensor as a numpy array (bfloat16 as float32 bits widened)."""
    if t.dtype.name == "bfloat16":
        return t.float().detach().numpy().copy()
    return t.detach().contiguous().numpy().copy()


class SymInt(int):
    """A size read from a traced tensor (`x.shape[0]`, `x.size(-1)`) or computed from such sizes:
    an int with the value seen while tracing, which also knows how to compute itself in the
    graph, so sizes that depend on the inputs stay dynamic in the exported file."""

    def __new__(cls, value, graph, make):
        self = int.__new__(cls, value)
        self._graph, self._make, self._name = graph, make, None
        return self

    def onnx_name(self):
        """The int64 scalar value of this size in the graph (made on first use)."""
        if self._name is None:
            self._name = self._make()
        return self._name

    def _binary(self, other, op_type, compute, reflected=False):
        """self OP other as a SymInt; NotImplemented for a non-int other, so Python falls back
        to plain arithmetic (a float: 2.5 * size is a float)."""
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        g = self._graph
        a, b = (other, self) if reflected else (self, other)

        def make():
            return g.op(op_type, g.int_scalar(a), g.int_scalar(b))
        return SymInt(compute(int(a), int(b)), g, make)

    # ONNX's Div on int64 truncates; sizes are nonnegative, where it agrees with //
    def __add__(self, other):
        return self._binary(other, "Add", operator.add)

    def __radd__(self, other):
        return self._binary(other, "Add", operator.add, True)

    def __sub__(self, other):
        return self._binary(other, "Sub", operator.sub)

    def __rsub__(self, other):
        return self._binary(other, "Sub", operator.sub, True)

    def __mul__(self, other):
        return self._binary(other, "Mul", operator.mul)

    def __rmul__(self, other):
        return self._binary(other, "Mul", operator.mul, True)

    def __floordiv__(self, other):
        return self._binary(other, "Div", operator.floordiv)

    def __rfloordiv__(self, other):
        return self._binary(other, "Div", operator.floordiv, True)

    def __mod__(self, other):
        return self._binary(other, "Mod", operator.mod)

    def __neg__(self):
        g = self._graph
        return SymInt(-int(self), g, lambda: g.op("Neg", g.int_scalar(self)))

    def __pos__(self):
        return self

    def __repr__(self):
        return f"SymInt({int(self)})"


class Graph:
    """The nodes, initializers and value names of an export in progress."""

    def __init__(self, opset, parameter_names, export_params=True):
        self.opset = opset
        self.nodes = []
        self.initializers = {}        # name -> numpy array
        self.initializer_types = {}   # name -> ember dtype (bfloat16 needs it)
        self.values = {}              # id(tensor) -> (tensor, value name): traced tensors
        self.constants = {}           # id(tensor) -> (tensor, value name): constants already written
        self.born = {}                # id(tensor) -> tensor: op results during the trace without traced inputs
        self.first_serial = _C.next_storage_serial()  # storages with a smaller serial existed before the trace
        self.parameter_names = parameter_names  # id(tensor) -> state_dict key
        self.export_params = export_params
        self.parameter_inputs = []    # (name, tensor) of parameters that are graph inputs (export_params=False)
        self.value_types = {}         # value name -> (ember dtype, shape) where known
        self._used_names = set()
        self._shapes = {}
        self._int_constants = {}
        self.where = None             # the user's line of the op being exported (set by the tracer)
        self.op_name = None

    # ---- names ------------------------------------------------------------------------------
    def fresh(self, base):
        """A value or node name not used yet."""
        name = base
        n = 0
        while name in self._used_names:
            n += 1
            name = f"{base}_{n}"
        self._used_names.add(name)
        return name

    def reserve(self, name):
        if name in self._used_names:
            raise OnnxExporterError(f"the name {name!r} is used twice in the exported graph")
        self._used_names.add(name)
        return name

    # ---- nodes ------------------------------------------------------------------------------
    def op(self, op_type, *inputs, outputs=1, domain="", **attributes):
        """Appends a node; returns its output name (a tuple of names when outputs > 1)."""
        from onnx import helper
        names = [self.fresh(f"{op_type}_output") for _ in range(outputs)]
        attrs = {k: v for k, v in attributes.items() if v is not None}
        inputs = list(inputs)
        while inputs and inputs[-1] is None:  # omitted trailing optional inputs are left out, not ""
            inputs.pop()                      # (onnxruntime mis-reads some ops' empty last input)
        node = helper.make_node(op_type, [("" if i is None else i) for i in inputs], names,
                                name=self.fresh(f"{op_type}_node"), domain=domain or None, **attrs)
        self.nodes.append(node)
        return names[0] if outputs == 1 else tuple(names)

    def require_opset(self, version, what):
        if self.opset < version:
            raise OnnxExporterError(f"{what} needs ONNX opset {version} or newer, but opset {self.opset} was asked "
                                    f"for (export with opset_version={version}){self._at()}")

    def unsupported(self, what):
        return UnsupportedOperatorError(f"{what} has no ONNX export{self._at()}")

    def _at(self):
        return f" (in {self.op_name}, called at {self.where})" if self.where else ""

    # ---- operands ---------------------------------------------------------------------------
    def is_traced(self, x):
        return (isinstance(x, Tensor) and id(x) in self.values) or isinstance(x, SymInt)

    def value(self, x, dtype=None):
        """The value name of an operand; `dtype` (an ember dtype) types a Python number, or casts."""
        if isinstance(x, Tensor):
            name = self._tensor_value(x)
            if dtype is not None and x.dtype != dtype:
                name = self.cast(name, dtype)
            return name
        if isinstance(x, SymInt):
            name = x.onnx_name()
            if dtype is not None and dtype != _C.dtype.int64:
                name = self.cast(name, dtype)
            return name
        if isinstance(x, (bool, numbers.Number, np.generic)):
            if dtype is None:
                dtype = _C.dtype.bool if isinstance(x, bool) else _C.dtype.int64 if isinstance(x, numbers.Integral) \
                    else _C.dtype.float32
            return self.scalar(x, dtype)
        raise OnnxExporterError(f"cannot export an operand of type {type(x).__name__}{self._at()}")

    def operands(self, *xs, dtype):
        """value(x, dtype) of each operand: every one in one dtype (ONNX's elementwise ops take one)."""
        return [self.value(x, dtype) for x in xs]

    def _tensor_value(self, t):
        hit = self.values.get(id(t))
        if hit is not None:
            return hit[1]
        hit = self.constants.get(id(t))
        if hit is not None:
            return hit[1]
        self._check_constant(t)
        key = self.parameter_names.get(id(t))
        if key is not None:
            name = self.reserve(key)
            if self.export_params:
                self.initializers[name] = numpy_of(t)
                self.initializer_types[name] = t.dtype
            else:
                self.parameter_inputs.append((name, t))
        else:
            name = self.constant(numpy_of(t), t.dtype)
        self.constants[id(t)] = (t, name)
        return name

    def _check_constant(self, t):
        """An untraced tensor is a constant only if its memory existed before the trace
        (parameters, buffers, module attributes, globals: storages created before it, by their
        serial numbers) or an op made it during the trace from constants; anything else was
        computed from traced values outside the op layer, and a constant would be a silently
        wrong file."""
        if id(t) in self.born:
            return
        impl = t._impl
        for other, _ in self.values.values():
            if impl._same_storage(other._impl):
                raise OnnxExporterError(
                    f"a tensor of shape {list(t.shape)} shares memory with a traced value but was not made by an ember "
                    f"op (a .data or native alias of a traced tensor?){self._at()}")
        if impl._storage_serial < self.first_serial:
            return
        for other in self.born.values():
            if impl._same_storage(other._impl):
                return
        raise OnnxExporterError(f"a tensor of shape {list(t.shape)} was computed during the trace outside ember's "
                                f"ops, so its dependence on the inputs cannot be exported{self._at()}")

    def constant(self, array, dtype=None):
        """A constant value from a numpy array (a Constant node; big ones an initializer)."""
        from onnx import helper, numpy_helper
        array = np.asarray(array)
        if dtype is not None and dtype.name != "bfloat16":
            array = array.astype(_NUMPY[dtype.name], copy=False)
        if array.size > 64:
            name = self.fresh("onnx::Constant")
            self.initializers[name] = array
            self.initializer_types[name] = dtype
            return name
        tensor = self._tensor_proto(array, dtype)
        name = self.fresh("Constant_output")
        self.nodes.append(helper.make_node("Constant", [], [name], name=self.fresh("Constant_node"), value=tensor))
        return name

    def _tensor_proto(self, array, dtype, name=""):
        from onnx import helper, numpy_helper
        if dtype is not None and dtype.name == "bfloat16":
            bits = (np.asarray(array, dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)
            return helper.make_tensor(name, ONNX_TYPES["bfloat16"], array.shape, bits.tobytes(), raw=True)
        return numpy_helper.from_array(np.array(array, order="C"), name)  # (ascontiguousarray makes 0-d 1-d)

    def scalar(self, value, dtype):
        """A 0-d constant of an ember dtype."""
        if dtype.name == "bool":
            return self.constant(np.array(bool(value)))
        return self.constant(np.array(value, dtype=_NUMPY.get(dtype.name, np.float32)), dtype)

    def cast(self, name, dtype):
        return self.op("Cast", name, to=onnx_type(dtype))

    # ---- integers and shapes ---------------------------------------------------------------
    def int_scalar(self, v):
        """A 0-d int64 value: a SymInt's graph value or a constant."""
        if isinstance(v, SymInt):
            return v.onnx_name()
        if isinstance(v, Tensor):
            name = self.value(v)
            return name if v.dtype == _C.dtype.int64 else self.cast(name, _C.dtype.int64)
        v = int(v)
        if v not in self._int_constants:
            self._int_constants[v] = self.constant(np.array(v, dtype=np.int64))
        return self._int_constants[v]

    def ints(self, values):
        """A 1-D int64 value from a sequence of ints and SymInts: a constant when all are plain,
        else a Concat of the pieces."""
        values = list(values)
        if not any(isinstance(v, (SymInt, Tensor)) for v in values):
            return self.constant(np.array([int(v) for v in values], dtype=np.int64))
        pieces, run = [], []
        for v in values:
            if isinstance(v, (SymInt, Tensor)):
                if run:
                    pieces.append(self.constant(np.array(run, dtype=np.int64)))
                    run = []
                pieces.append(self.unsqueeze(self.int_scalar(v), [0]))
            else:
                run.append(int(v))
        if run:
            pieces.append(self.constant(np.array(run, dtype=np.int64)))
        return pieces[0] if len(pieces) == 1 else self.op("Concat", *pieces, axis=0)

    def shape(self, t):
        """Shape(t) (one node per traced value)."""
        name = self.value(t)
        if name not in self._shapes:
            self._shapes[name] = self.op("Shape", name)
        return self._shapes[name]

    def dim(self, t, i):
        """The int64 scalar size of dim i of t."""
        return self.op("Gather", self.shape(t), self.int_scalar(i), axis=0)

    def unsqueeze(self, name, axes):
        if self.opset >= 13:
            return self.op("Unsqueeze", name, self.ints(axes))
        return self.op("Unsqueeze", name, axes=list(axes))

    def squeeze(self, name, axes=None):
        if axes is None:
            return self.op("Squeeze", name)
        if self.opset >= 13:
            return self.op("Squeeze", name, self.ints(axes))
        return self.op("Squeeze", name, axes=list(axes))

    def reduce(self, op_type, name, axes, keepdims):
        """Reduce<op_type> over `axes` (None: every dim), axes as an input where the opset says
        so (ReduceSum from 13, the others from 18)."""
        axes_input = op_type == "ReduceSum" and self.opset >= 13 or self.opset >= 18
        keep = int(bool(keepdims))
        if axes is None:
            return self.op(op_type, name, keepdims=keep)
        if axes_input:
            return self.op(op_type, name, self.ints(axes), keepdims=keep)
        return self.op(op_type, name, axes=[int(a) for a in axes], keepdims=keep)
