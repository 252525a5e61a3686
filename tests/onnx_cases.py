"""The single-op cases of the ONNX export tests (test_onnx_export_ops.py).

A case is a small function calling one ember op the way user code does, the exporter it must
reach (a key of ember.onnx's EXPORTERS) and specs of its example inputs. An input spec's shape
may hold B, the batch: the test traces at one batch size and, when some input has B, also runs
the file at another, with those dims dynamic. Constants the functions close over (weights,
index tensors) are made here, before any export, as a model's parameters would be.

A new exporter needs a case here: test_every_exporter_has_a_case fails naming any without one.
"""
import math
import zlib

import numpy as np

import ember
import ember.nn.functional as F

B = "B"  # the dynamic dim of an input spec's shape

_NUMPY = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "int8": np.int8, "uint8": np.uint8,
          "int16": np.int16, "int32": np.int32, "int64": np.int64, "bool": np.bool_}


class Spec:
    """How to make one example input: a dtype, a shape (with B), a value range; `view` makes the
    ember input a non-contiguous view ("t": transposed, "step": every other row)."""

    def __init__(self, dtype, shape, low=-2.0, high=2.0, view=None, array=None):
        self.dtype, self.shape, self.low, self.high, self.view, self.array = dtype, shape, low, high, view, array

    @property
    def dynamic_dims(self):
        return [i for i, s in enumerate(self.shape) if s == B]

    def make(self, rng, batch):
        """(numpy array to feed onnxruntime, ember tensor to call the function with)."""
        if self.array is not None:
            a = np.array(self.array)
        else:
            shape = tuple(batch if s == B else s for s in self.shape)
            if self.view == "t":
                shape = shape[::-1]
            elif self.view == "step":
                shape = (2 * shape[0],) + shape[1:]
            if self.dtype == "bool":
                a = rng.random(shape) < 0.5
            elif self.dtype.startswith(("int", "uint")):
                a = rng.integers(self.low, self.high, size=shape, endpoint=True).astype(_NUMPY[self.dtype])
            else:
                a = rng.uniform(self.low, self.high, size=shape).astype(_NUMPY[self.dtype])
        t = ember.tensor(a)
        if self.view == "t":
            a, t = a.T, t.t()
        elif self.view == "step":
            a, t = a[::2], t[::2]
        return np.array(a, order="C"), t  # (ascontiguousarray makes 0-d 1-d)


def f32(*shape, low=-2.0, high=2.0, view=None):
    return Spec("float32", shape, low, high, view)


def f16(*shape, low=-2.0, high=2.0):
    return Spec("float16", shape, low, high)


def f64(*shape, low=-2.0, high=2.0):
    return Spec("float64", shape, low, high)


def pos(*shape, low=0.5, high=2.0, view=None):
    """Positive floats (logarithms, roots, divisors)."""
    return Spec("float32", shape, low, high, view)


def i64(*shape, low=-5, high=5):
    return Spec("int64", shape, low, high)


def i32(*shape, low=-5, high=5):
    return Spec("int32", shape, low, high)


def i16(*shape, low=-5, high=5):
    return Spec("int16", shape, low, high)


def u8(*shape, low=0, high=9):
    return Spec("uint8", shape, low, high)


def i8(*shape, low=-5, high=5):
    return Spec("int8", shape, low, high)


def boolean(*shape):
    return Spec("bool", shape)


def fixed(array, dtype=None):
    """An input with exactly these values (no batch dim)."""
    a = np.array(array, dtype=dtype)
    return Spec(a.dtype.name, a.shape, array=a)


class Case:
    """One export test: `fn` must reach the exporter `op`; `nodes` are ONNX op types the file
    must contain, `absent` ones it must not; `values=False` compares only shapes and dtypes (an
    uninitialized result); `skip` says why the case cannot run in this build."""

    def __init__(self, op, fn, *inputs, name=None, opset=None, nodes=(), absent=(), rtol=1e-4, atol=1e-5,
                 values=True, dynamic=True, skip=None):
        self.op, self.fn, self.inputs, self.skip = op, fn, inputs, skip
        self.name, self.opset, self.nodes, self.absent = name, opset, tuple(nodes), tuple(absent)
        self.rtol, self.atol, self.values = rtol, atol, values
        self.dynamic = dynamic and any(s.dynamic_dims for s in inputs)
        self.id = None

    @property
    def seed(self):
        return zlib.crc32(self.id.encode())


def _const(*shape, low=-1.0, high=1.0, seed=0, dtype=np.float32):
    return ember.tensor(np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype))


def _ids(*values, dtype=np.int64):
    return ember.tensor(np.array(values, dtype=dtype))


_W23 = _const(2, 3)
_W13 = _const(1, 3, seed=1)
_EMPTY = ember.zeros(0)
_ONE = ember.tensor(1)
_IDX = _ids(1, 0, 1)
_B2 = _const(2, seed=2)
_IW23 = _ids([1, -2, 3], [0, 4, -1])
_IB2 = _ids(5, -5)
_B3 = _const(3, seed=3)
_B4 = _const(4, seed=4)
_W3 = _const(3, low=0.5, high=1.5, seed=5)
_W4 = _const(4, low=0.5, high=1.5, seed=6)
_W234 = _const(2, 3, 4, seed=7)
_MEAN3 = _const(3, seed=8)
_VAR3 = _const(3, low=0.5, high=2.0, seed=9)
_SLOPE1 = ember.tensor([0.25])
_EMB = _const(5, 3, seed=11)
_K1 = _const(4, 2, 3, seed=12)     # conv1d: 2 -> 4 channels, kernel 3
_K1G = _const(4, 1, 3, seed=13)    # conv1d with 2 groups
_K2 = _const(4, 2, 3, 2, seed=14)  # conv2d: 2 -> 4 channels, kernel 3x2
_K2E = _const(3, 2, 2, 2, seed=15)  # an even kernel, for padding="same"
_K2DW = _const(2, 1, 3, 3, seed=16)  # depthwise
_KT1 = _const(2, 3, 3, seed=17)    # conv_transpose1d: 2 -> 3 channels
_KT2 = _const(2, 3, 3, 2, seed=18)
_KT2G = _const(2, 2, 2, 2, seed=19)  # 2 groups: 2 -> 4 channels
_K3 = _const(3, 2, 2, 3, 2, seed=20)  # conv3d: 2 -> 3 channels, kernel 2x3x2
_KT3 = _const(2, 3, 2, 2, 3, seed=21)  # conv_transpose3d: 2 -> 3 channels

CASES = []


def case(op, fn, *inputs, **options):
    CASES.append(Case(op, fn, *inputs, **options))


# ---- elementwise: arithmetic -------------------------------------------------------------------------

case("Tensor.__add__", lambda x, y: x + y, f32(B, 3), f32(B, 3), nodes=["Add"])
case("Tensor.__add__", lambda x, y: x + y, f32(B, 3), f32(3), name="broadcast")
case("Tensor.__add__", lambda x, y: x + y, i32(B, 3), f32(B, 3), name="int+float", nodes=["Cast", "Add"])
case("Tensor.__add__", lambda x: x + 1, i64(B, 3), name="int+python_int")
case("Tensor.__add__", lambda x: x + 1.5, i64(B, 3), name="int+python_float")
case("Tensor.__add__", lambda x: x + 1, u8(B, 3), name="uint8+python_int")
case("Tensor.__add__", lambda x, y: x + y, boolean(B, 3), boolean(B, 3), name="bool")
case("Tensor.__add__", lambda x, y: x + y, f32(), f32(2, 3), name="zero_dim")
case("Tensor.__add__", lambda x, y: x + y, f32(0, 3), f32(3), name="zero_size")
case("Tensor.__add__", lambda x, y: x + y, f32(B, 3, view="t"), f32(B, 3), name="transposed")
case("Tensor.__add__", lambda x: x + x[0], f32(B, 3), name="own_row")
case("Tensor.__add__", lambda x, y: x + y, f16(B, 3), f32(B, 3), name="float16+float32")
case("Tensor.__radd__", lambda x: 2 + x, f32(B, 3), nodes=["Add"])
case("Tensor.__radd__", lambda x: 2.5 + x, i32(B, 3), name="float+int")
case("add", lambda x, y: ember.add(x, y), f32(B, 3), f32(B, 3))
case("add", lambda x, y: ember.add(x, y, alpha=2), f32(B, 3), f32(B, 3), name="alpha", nodes=["Mul", "Add"])
case("add", lambda x, y: ember.add(x, y, alpha=3), i64(B, 3), i64(B, 3), name="alpha_int")
case("add", lambda x: x.add(3), f32(B, 3), name="method")
case("add", lambda x: ember.add(x, other=0.5), f32(B, 3), name="keyword")
case("Tensor.__sub__", lambda x, y: x - y, f32(B, 3), f32(B, 1), nodes=["Sub"])
case("Tensor.__sub__", lambda x: x - 2, i32(B, 3), name="int")
case("Tensor.__rsub__", lambda x: 2 - x, f32(B, 3), nodes=["Sub"])
case("Tensor.__rsub__", lambda x: 2 - x, i64(B, 3), name="int")
case("sub", lambda x, y: ember.sub(x, y, alpha=0.5), f32(B, 3), f32(B, 3))
case("sub", lambda x, y: x.sub(y), i64(B, 3), f32(B, 3), name="method_promote")
case("Tensor.__mul__", lambda x, y: x * y, f32(B, 3), f32(B, 3), nodes=["Mul"])
case("Tensor.__mul__", lambda x, y: x * y, boolean(B, 3), boolean(B, 3), name="bool")
case("Tensor.__mul__", lambda x: x * 0.5, i64(B, 3), name="int*float")
case("Tensor.__rmul__", lambda x: 3 * x, i32(B, 3), nodes=["Mul"])
case("mul", lambda x, y: ember.mul(x, y), f32(B, 1), f32(1, 4))
case("mul", lambda x, y: x.mul(y), i64(B, 3), i64(B, 3), name="method")

case("Tensor.__truediv__", lambda x, y: x / y, f32(B, 3), pos(B, 3), nodes=["Div"])
case("Tensor.__truediv__", lambda x, y: x / y, i64(B, 3), i64(B, 3, low=1), name="int/int")
case("Tensor.__truediv__", lambda x: x / 2, i32(B, 3), name="int/python_int")
case("Tensor.__rtruediv__", lambda x: 1 / x, pos(B, 3), nodes=["Div"])
case("Tensor.__rtruediv__", lambda x: 6 / x, i64(B, 3, low=1), name="int")
case("div", lambda x, y: ember.div(x, y), f32(B, 3), pos(B, 3))
case("div", lambda x, y: ember.div(x, y, rounding_mode="trunc"), f32(B, 3, low=-9, high=9), pos(B, 3), name="trunc",
     nodes=["Sign", "Floor", "Abs"])
case("div", lambda x, y: ember.div(x, y, rounding_mode="floor"), f32(B, 3, low=-9, high=9), pos(B, 3), name="floor",
     nodes=["Floor"])
case("div", lambda x, y: ember.div(x, y, rounding_mode="trunc"), i64(B, 4, low=-9, high=9),
     fixed([[2, -3, 4, -5]]), name="int_trunc")
case("div", lambda x, y: ember.div(x, y, rounding_mode="floor"), i64(B, 4, low=-9, high=9),
     fixed([[2, -3, 4, -5]]), name="int_floor", nodes=["Xor"])
case("div", lambda x: x.div(2, rounding_mode="floor"), i32(B, 3, low=-9, high=9), name="method_int_floor")
case("true_divide", lambda x, y: ember.true_divide(x, y), i64(B, 3), i64(B, 3, low=1))
case("Tensor.__floordiv__", lambda x, y: x // y, i64(B, 4, low=-9, high=9), fixed([[2, -3, 4, -5]]))
case("Tensor.__floordiv__", lambda x: x // 2.5, f32(B, 3, low=-9, high=9), name="float")
case("Tensor.__rfloordiv__", lambda x: 7 // x, fixed([[2, -3, 4, -5]]))
case("floor_divide", lambda x, y: ember.floor_divide(x, y), f32(B, 3, low=-9, high=9), pos(B, 3))
case("floor_divide", lambda x: ember.floor_divide(x, -4), i32(B, 3, low=-9, high=9), name="int")
case("Tensor.__mod__", lambda x: x % 3, i64(B, 4, low=-9, high=9), nodes=["Mod"])
case("Tensor.__mod__", lambda x, y: x % y, f32(B, 4, low=-9, high=9), fixed([[2.0, -3.0, 1.5, -0.5]], np.float32),
     name="float")
case("Tensor.__rmod__", lambda x: 7 % x, fixed([[2, -3, 4, -5]]))
case("remainder", lambda x, y: ember.remainder(x, y), i64(B, 4, low=-9, high=9), fixed([[2, -3, 4, -5]]))
case("remainder", lambda x: ember.remainder(x, -1.5), f32(B, 3, low=-9, high=9), name="float")
case("fmod", lambda x, y: ember.fmod(x, y), i64(B, 4, low=-9, high=9), fixed([[2, -3, 4, -5]]), nodes=["Mod"])
case("fmod", lambda x: ember.fmod(x, 1.5), f32(B, 3, low=-9, high=9), name="float")
case("Tensor.__pow__", lambda x: x ** 2, f32(B, 3), nodes=["Mul"], absent=["Pow"])
case("Tensor.__pow__", lambda x: x ** 3, i64(B, 3), name="int", nodes=["Pow"])
case("Tensor.__pow__", lambda x: x ** 0.5, pos(B, 3), name="sqrt")
case("Tensor.__pow__", lambda x, y: x ** y, pos(B, 3), f32(B, 3), name="tensor")
case("Tensor.__pow__", lambda x: x ** 2, i32(B, 3), name="int_square")
case("Tensor.__rpow__", lambda x: 2 ** x, f32(B, 3), nodes=["Pow"])
case("Tensor.__rpow__", lambda x: 2 ** x, fixed([[0, 1, 2, 5]]), name="int")
case("pow", lambda x: ember.pow(x, 2.5), pos(B, 3))
case("pow", lambda x, y: ember.pow(x, y), i64(B, 3, low=1), fixed([0, 1, 3]), name="int_tensor")
case("maximum", lambda x, y: ember.maximum(x, y), f32(B, 3), f32(3), nodes=["Max"])
case("maximum", lambda x, y: ember.maximum(x, y), i32(B, 3), f32(B, 3), name="promote")
case("minimum", lambda x, y: ember.minimum(x, y), i64(B, 3), i64(B, 3), nodes=["Min"])
case("atan2", lambda x, y: ember.atan2(x, y), f32(B, 8),
     fixed([1.0, -1.0, 0.0, 0.0, 2.0, -2.0, 0.5, -0.5], np.float32), nodes=["Atan"])
case("atan2", lambda x, y: ember.atan2(x, y), fixed([0.0, 0.0, 1.0, -1.0, 0.0], np.float32),
     fixed([1.0, -1.0, 0.0, 0.0, 0.0], np.float32), name="axes")
case("hypot", lambda x, y: ember.hypot(x, y), f32(B, 3), f32(B, 3))
case("copysign", lambda x, y: ember.copysign(x, y), f32(B, 4), fixed([1.0, -1.0, 0.0, -0.0], np.float32))
case("copysign", lambda x: ember.copysign(x, -1), i64(B, 3), name="int")
case("logaddexp", lambda x, y: ember.logaddexp(x, y), f32(B, 3, low=-50, high=50), f32(B, 3))
case("logaddexp2", lambda x, y: ember.logaddexp2(x, y), f32(B, 3, low=-50, high=50), f32(B, 3))
case("xlogy", lambda x, y: ember.xlogy(x, y), fixed([0.0, 1.0, 2.0, 0.0, 3.0], np.float32),
     fixed([0.0, 2.0, 0.5, np.nan, 1.0], np.float32))
case("xlogy", lambda x, y: ember.xlogy(x, y), f32(B, 3), pos(B, 3), name="batched")

# ---- elementwise: comparisons, logic, bits ----------------------------------------------------------

for _name, _fn, _onnx in (("eq", lambda a, b: a == b, "Equal"), ("ne", lambda a, b: a != b, "Not"),
                          ("lt", lambda a, b: a < b, "Less"), ("le", lambda a, b: a <= b, "LessOrEqual"),
                          ("gt", lambda a, b: a > b, "Greater"), ("ge", lambda a, b: a >= b, "GreaterOrEqual")):
    _fn_op = getattr(ember, _name)
    case(f"Tensor.__{_name}__", _fn, i64(B, 3), i64(B, 3), nodes=[_onnx])
    case(f"Tensor.__{_name}__", lambda x, _fn=_fn: _fn(x, 0.5), i32(B, 3), name="int_vs_float")
    case(f"Tensor.__{_name}__", lambda x, y, _fn=_fn: _fn(x, y), f32(B, 3), f32(3), name="broadcast")
    case(_name, lambda x, y, _f=_fn_op: _f(x, y), f32(B, 3), i64(B, 3))
    case(_name, lambda x, _f=_fn_op: _f(x, 1), boolean(B, 3), name="bool")
case("Tensor.__eq__", lambda x: 1 == x, i64(B, 3), name="reflected")
case("Tensor.__lt__", lambda x: 0 > x, f32(B, 3), name="reflected")

for _name, _onnx in (("logical_and", "And"), ("logical_or", "Or"), ("logical_xor", "Xor")):
    case(_name, lambda x, y, _f=getattr(ember, _name): _f(x, y), boolean(B, 3), boolean(B, 3), nodes=[_onnx])
    case(_name, lambda x, y, _f=getattr(ember, _name): _f(x, y), f32(B, 3), i64(B, 3), name="numbers")
case("logical_not", lambda x: ember.logical_not(x), boolean(B, 3), nodes=["Not"])
case("logical_not", lambda x: ember.logical_not(x), i64(B, 3), name="int")

for _name, _onnx, _bool_onnx, _sym in (("and", "BitwiseAnd", "And", "&"), ("or", "BitwiseOr", "Or", "|"),
                                       ("xor", "BitwiseXor", "Xor", "^")):
    _f = getattr(ember, f"bitwise_{_name}")
    _op = eval(f"lambda a, b: a {_sym} b")
    case(f"Tensor.__{_name}__", _op, i64(B, 3, low=-9, high=9), i64(B, 3, low=-9, high=9), nodes=[_onnx])
    case(f"Tensor.__{_name}__", _op, boolean(B, 3), boolean(B, 3), name="bool", nodes=[_bool_onnx])
    case(f"Tensor.__{_name}__", _op, u8(B, 3), u8(B, 3), name="uint8", opset=21)
    case(f"Tensor.__{_name}__", lambda x, _op=_op: _op(x, 6), i32(B, 3, low=-9, high=9), name="python_int")
    case(f"Tensor.__r{_name}__", lambda x, _op=_op: _op(6, x), i64(B, 3, low=-9, high=9), nodes=[_onnx])
    case(f"Tensor.__r{_name}__", lambda x, _op=_op: _op(True, x), boolean(B, 3), name="bool")
    case(f"bitwise_{_name}", lambda x, y, _f=_f: _f(x, y), i8(B, 3), i8(B, 3), nodes=[_onnx])
    case(f"bitwise_{_name}", lambda x, y, _f=_f: _f(x, y), boolean(B, 3), boolean(B, 3), name="bool", opset=13,
         nodes=[_bool_onnx])
case("Tensor.__invert__", lambda x: ~x, i64(B, 3), nodes=["BitwiseNot"])
case("Tensor.__invert__", lambda x: ~x, boolean(B, 3), name="bool", opset=13, nodes=["Not"])
case("bitwise_not", lambda x: ember.bitwise_not(x), u8(B, 3), opset=19)
case("bitwise_not", lambda x: ember.bitwise_not(x), boolean(B, 3), name="bool")

# ---- elementwise: unary math ----------------------------------------------------------------------

_UNARY = {  # op: (input range, whether integer inputs are accepted)
    "abs": ((-2, 2), True), "neg": ((-2, 2), True), "sign": ((-2, 2), True), "exp": ((-2, 2), True),
    "log": ((0.5, 2), False), "sqrt": ((0.5, 2), False), "sin": ((-2, 2), True), "cos": ((-2, 2), True),
    "tan": ((-1, 1), False), "tanh": ((-2, 2), True), "sigmoid": ((-2, 2), True), "relu": ((-2, 2), True),
    "erf": ((-2, 2), True), "floor": ((-5, 5), True), "ceil": ((-5, 5), True), "reciprocal": ((0.5, 2), False),
    "sinh": ((-2, 2), False), "cosh": ((-2, 2), False), "asin": ((-0.9, 0.9), False), "acos": ((-0.9, 0.9), False),
    "atan": ((-2, 2), False), "asinh": ((-2, 2), False), "acosh": ((1.1, 3), False), "atanh": ((-0.9, 0.9), False),
    "exp2": ((-2, 2), True), "expm1": ((-2, 2), False), "log2": ((0.5, 2), False), "log10": ((0.5, 2), False),
    "log1p": ((0.5, 2), False), "rsqrt": ((0.5, 2), False), "square": ((-2, 2), True), "trunc": ((-5, 5), True),
    "frac": ((-5, 5), False), "erfc": ((-2, 2), False), "deg2rad": ((-2, 2), True), "rad2deg": ((-2, 2), True),
}
for _name, ((_low, _high), _ints) in _UNARY.items():
    _f = getattr(ember, _name)
    case(_name, lambda x, _f=_f: _f(x), f32(B, 3, low=_low, high=_high))
    case(_name, lambda x, _name=_name: getattr(x, _name)(), f32(3, B, low=_low, high=_high, view="t"),
         name="method_transposed")
    if _ints:
        case(_name, lambda x, _f=_f: _f(x), i64(B, 3, low=1), name="int64")
        case(_name, lambda x, _f=_f: _f(x), i32(B, 3, low=-3), name="int32")
case("Tensor.__abs__", lambda x: abs(x), i64(B, 3), nodes=["Abs"])
case("Tensor.__abs__", lambda x: abs(x), f32(B, 3, view="step"), name="stepped")
case("Tensor.__neg__", lambda x: -x, f32(B, 3), nodes=["Neg"])
case("Tensor.__neg__", lambda x: -x, i8(B, 3), name="int8")
case("neg", lambda x: ember.neg(x), f32(), name="zero_dim")
case("exp", lambda x: ember.exp(x), f32(0, 3), name="zero_size")
case("sign", lambda x: ember.sign(x), boolean(B, 3), name="bool")
case("square", lambda x: ember.square(x), boolean(B, 3), name="bool")
case("sqrt", lambda x: ember.sqrt(x), boolean(B, 3), name="bool")
case("sigmoid", lambda x: ember.sigmoid(x), f16(B, 3), name="float16", rtol=2e-3, atol=1e-3)
case("exp", lambda x: ember.exp(x), f64(B, 3), name="float64")
case("isnan", lambda x: ember.isnan(x), fixed([1.0, np.nan, np.inf, -np.inf], np.float32), nodes=["IsNaN"])
case("isnan", lambda x: ember.isnan(x), i64(B, 3), name="int")
case("isinf", lambda x: ember.isinf(x), fixed([1.0, np.nan, np.inf, -np.inf], np.float32), nodes=["IsInf"])
case("isinf", lambda x: ember.isinf(x), i32(B, 3), name="int")
case("isfinite", lambda x: ember.isfinite(x), fixed([1.0, np.nan, np.inf, -np.inf], np.float32))
case("isfinite", lambda x: x.isfinite(), i64(B, 3), name="int")
case("signbit", lambda x: ember.signbit(x), fixed([1.0, -1.0, 0.0, -0.0, -np.inf], np.float32))
case("signbit", lambda x: ember.signbit(x), i64(B, 3), name="int")
case("round", lambda x: ember.round(x), fixed([0.5, 1.5, 2.5, -0.5, -1.7, 2.2], np.float32), nodes=["Round"])
case("round", lambda x: ember.round(x, decimals=2), f32(B, 3), name="decimals")
case("round", lambda x: ember.round(x, decimals=-1), f32(B, 3, low=-99, high=99), name="negative_decimals")
case("round", lambda x: ember.round(x), i64(B, 3), name="int")
case("round", lambda x: ember.round(x, decimals=1), i64(B, 3), name="int_decimals")
case("round", lambda x: ember.round(x, decimals=-1), fixed([15, 25, -3, 44]), name="int_negative_decimals")
case("Tensor.round", lambda x: x.round(), f32(B, 3, low=-9, high=9), nodes=["Round"])
case("Tensor.round", lambda x: x.round(decimals=1), f32(B, 3), name="decimals")

# ---- elementwise: where and clamp ----------------------------------------------------------------

case("where", lambda c, x, y: ember.where(c, x, y), boolean(B, 3), f32(B, 3), f32(B, 3), nodes=["Where"])
case("where", lambda c, x: ember.where(c, x, 0.0), boolean(B, 3), f32(B, 3), name="scalar")
case("where", lambda c, x: ember.where(c, x, 0), boolean(B, 3), i32(B, 3), name="int_scalar")
case("where", lambda c, x, y: ember.where(c, x, y), boolean(B, 1), i64(B, 3), f32(3), name="promote_broadcast")
case("where", lambda x: ember.where(x > 0, x, -x), f32(B, 3), name="from_comparison")
case("Tensor.where", lambda x, c: x.where(c, 0.0), f32(B, 3), boolean(B, 3), nodes=["Where"])
case("Tensor.where", lambda x, c, y: x.where(c, y), i64(B, 3), boolean(B, 3), i64(B, 3), name="tensors")
case("clamp", lambda x: ember.clamp(x, -0.5, 0.5), f32(B, 3), nodes=["Clip"])
case("clamp", lambda x: ember.clamp(x, min=0.0), f32(B, 3), name="min_only")
case("clamp", lambda x: ember.clamp(x, max=0), f32(B, 3), name="max_only")
case("clamp", lambda x: ember.clamp(x, -2, 3), i64(B, 3), name="int")
case("clamp", lambda x: ember.clamp(x, 0.5, 2.5), i32(B, 3), name="int_float_bounds")
case("clamp", lambda x, lo, hi: ember.clamp(x, lo, hi), f32(B, 3), f32(3, low=-1, high=0), f32(B, 3, low=0, high=1),
     name="tensor_bounds", nodes=["Max", "Min"])
case("clamp", lambda x, lo: ember.clamp(x, min=lo), f32(B, 3), f32(), name="tensor_min")
case("Tensor.clamp", lambda x: x.clamp(-1, 1), f32(B, 3), nodes=["Clip"])
case("Tensor.clamp", lambda x: x.clamp(max=1), i64(B, 3), name="int_max")
case("Tensor.clamp", lambda x, hi: x.clamp(max=hi), f32(B, 3), f32(B, 1), name="tensor_max")

case("maximum", lambda x, y: ember.maximum(x, y), boolean(B, 3), boolean(B, 3), name="bool")
case("minimum", lambda x, y: ember.minimum(x, y), boolean(B, 3), boolean(B, 3), name="bool")
case("Tensor.__add__", lambda x: x + True, boolean(B, 3), name="bool+python_bool")
case("add", lambda x, y: ember.add(x, y, alpha=2), boolean(B, 3), boolean(B, 3), name="bool_alpha")

# ---- reductions --------------------------------------------------------------------------------

case("sum", lambda x: ember.sum(x), f32(B, 3), nodes=["ReduceSum"])
case("sum", lambda x: x.sum(1), f32(B, 3, 4), name="method_dim")
case("sum", lambda x: x.sum(-1, keepdim=True), f32(B, 3), name="negative_dim_keepdim")
case("sum", lambda x: ember.sum(x, (0, 2)), f32(B, 3, 4), name="dims")
case("sum", lambda x: ember.sum(x, dim=[]), f32(B, 3), name="empty_dims")
case("sum", lambda x: ember.sum(x, axis=1, keepdims=True), f32(B, 3), name="numpy_spelling")
case("sum", lambda x: ember.sum(x, 1), boolean(B, 3), name="bool")
case("sum", lambda x: ember.sum(x), i32(B, 3), name="int32")
case("sum", lambda x: ember.sum(x, 0, dtype=ember.float64), f32(B, 3), name="dtype")
case("sum", lambda x: ember.sum(x), f32(), name="zero_dim")
case("sum", lambda x: ember.sum(x, 0), f32(0, 3), name="zero_size")
case("sum", lambda x: ember.sum(x, 1), f32(B, 3), name="opset13", opset=13)
case("mean", lambda x: ember.mean(x), f32(B, 3), nodes=["ReduceMean"])
case("mean", lambda x: x.mean(1, keepdim=True), f32(B, 3, 4), name="method_keepdim")
case("mean", lambda x: ember.mean(x, (-1, 0)), f32(B, 3, 4), name="opset17", opset=17)
case("mean", lambda x: ember.mean(x, (-1, 0)), f32(B, 3, 4), name="opset18", opset=18)
case("mean", lambda x: ember.mean(x, 0), f32(3, B, view="t"), name="transposed")
case("prod", lambda x: ember.prod(x), f32(B, 3, low=0.5, high=1.5), nodes=["ReduceProd"])
case("prod", lambda x: x.prod(1), i64(B, 3), name="int")
case("prod", lambda x: ember.prod(x, -1, keepdim=True), i32(B, 3), name="int32_keepdim", opset=17)
case("logsumexp", lambda x: ember.logsumexp(x, 1), f32(B, 3), nodes=["ReduceLogSumExp"])
case("logsumexp", lambda x: ember.logsumexp(x, (0, 1), keepdim=True), f32(B, 3), name="dims_opset13", opset=13)
case("amax", lambda x: ember.amax(x), f32(B, 3), nodes=["ReduceMax"])
case("amax", lambda x: ember.amax(x, (0, -1), keepdim=True), f32(B, 3, 2), name="dims")
case("amax", lambda x: ember.amax(x, 1), boolean(B, 3), name="bool")
case("amax", lambda x: x.amax(1), i64(B, 3), name="int_method", opset=13)
case("amin", lambda x: ember.amin(x, 1), f32(B, 3), nodes=["ReduceMin"])
case("amin", lambda x: ember.amin(x), i32(B, 3), name="int")
case("amin", lambda x: ember.amin(x, 0), boolean(B, 3), name="bool")
case("max", lambda x: ember.max(x), f32(B, 3), nodes=["ReduceMax"])
case("max", lambda x: ember.max(x, 1), f32(B, 3), name="dim", nodes=["ReduceMax", "ArgMax"])
case("max", lambda x: x.max(dim=-1, keepdim=True), f32(B, 3), name="keepdim")
case("max", lambda x: x.max(0)[1], f32(B, 3), name="indices_batch_dim")
case("max", lambda x, y: ember.max(x, y), f32(B, 3), f32(3), name="binary", nodes=["Max"])
case("max", lambda x: ember.max(x, 1), i64(B, 3, low=-100, high=100), name="int")
case("max", lambda x: ember.max(x), boolean(B, 3), name="bool")
case("max", lambda x: ember.max(x, 0), f32(), name="zero_dim")
case("min", lambda x: ember.min(x), i32(B, 3), nodes=["ReduceMin"])
case("min", lambda x: ember.min(x, 1, True), f32(B, 3), name="dim", nodes=["ArgMin"])
case("min", lambda x, y: x.min(y), i64(B, 3), i64(B, 3), name="binary", nodes=["Min"])
case("argmax", lambda x: ember.argmax(x), f32(B, 3), nodes=["ArgMax"])
case("argmax", lambda x: ember.argmax(x, keepdim=True), f32(B, 3), name="flat_keepdim")
case("argmax", lambda x: x.argmax(-1), f32(B, 3), name="dim")
case("argmax", lambda x: ember.argmax(x, 0, keepdim=True), i64(B, 3, low=-100, high=100), name="int")
case("argmin", lambda x: ember.argmin(x, 1), f32(B, 3), nodes=["ArgMin"])
case("argmin", lambda x: ember.argmin(x), f32(3, B, view="t"), name="flat_transposed")
case("all", lambda x: ember.all(x), boolean(B, 3), nodes=["ReduceMin"])
case("all", lambda x: x.all(1), f32(B, 3), name="float_dim")
case("all", lambda x: ember.all(x, -1, keepdim=True), i64(B, 3, low=0, high=3), name="int_keepdim")
case("all", lambda x: ember.all(x), boolean(), name="zero_dim")
case("any", lambda x: ember.any(x, 0), boolean(B, 3), nodes=["ReduceMax"])
case("any", lambda x: x.any(), i32(B, 3, low=0, high=1), name="int", opset=17)
case("var", lambda x: ember.var(x), f32(B, 3))
case("var", lambda x: ember.var(x, 1), f32(B, 3), name="dim")
case("var", lambda x: x.var(0, keepdim=True), f32(B, 3), name="batch_dim")
case("var", lambda x: ember.var(x, (0, 2), unbiased=False), f32(B, 3, 2), name="biased")
case("var", lambda x: ember.var(x, 1, correction=2), f32(B, 4), name="correction")
case("var", lambda x: ember.var(x, False), f32(B, 3), name="positional_unbiased")
case("var", lambda x: ember.var(x, -1), f32(B, 3), name="opset13", opset=13)
case("std", lambda x: ember.std(x), f32(B, 3), nodes=["Sqrt"])
case("std", lambda x: x.std(1, keepdim=True), f32(B, 3), name="keepdim")
case("std", lambda x: ember.std(x, 0, correction=0), f32(B, 3), name="correction")
case("var_mean", lambda x: ember.var_mean(x, 1), f32(B, 3))
case("var_mean", lambda x: ember.var_mean(x, unbiased=False), f32(B, 3), name="all")
case("std_mean", lambda x: ember.std_mean(x, (0, 1), keepdim=True), f32(B, 3, 2))
case("std_mean", lambda x: ember.std_mean(x), f32(B, 3), name="all")
case("norm", lambda x: ember.norm(x), f32(B, 3), nodes=["ReduceL2"])
case("norm", lambda x: x.norm(dim=1), f32(B, 3), name="method_dim")
case("norm", lambda x: ember.norm(x, 1, 1, keepdim=True), f32(B, 3), name="l1", nodes=["ReduceL1"])
case("norm", lambda x: ember.norm(x, math.inf, 1), f32(B, 3), name="inf")
case("norm", lambda x: ember.norm(x, -math.inf, 1), f32(B, 3), name="minus_inf")
case("norm", lambda x: ember.norm(x, 0, 1), fixed([[0.0, 1.0, -2.0], [0.0, 0.0, 3.0]], np.float32), name="l0")
case("norm", lambda x: ember.norm(x, 3, -1), f32(B, 3), name="p3")
case("norm", lambda x: ember.norm(x, 2, 0), f32(B, 3), name="l2_batch_dim")
case("norm", lambda x: ember.norm(x, "fro", (0, 1)), f32(B, 3, 2), name="fro_dims", opset=17)
case("norm", lambda x: ember.norm(x, dtype=ember.float64), f32(B, 3), name="dtype")
case("cumsum", lambda x: ember.cumsum(x, 1), f32(B, 3), nodes=["CumSum"])
case("cumsum", lambda x: x.cumsum(-1), i64(B, 3), name="method_int")
case("cumsum", lambda x: ember.cumsum(x, 0), boolean(B, 3), name="bool")
case("cumsum", lambda x: ember.cumsum(x, 0), i32(B, 3), name="int32")
case("cumsum", lambda x: ember.cumsum(x, 0, dtype=ember.float64), f32(B, 3), name="dtype")
case("cumsum", lambda x: ember.cumsum(x, 0), f32(), name="zero_dim")
case("softmax", lambda x: ember.softmax(x, -1), f32(B, 3), nodes=["Softmax"])
case("softmax", lambda x: F.softmax(x, dim=0), f32(B, 3), name="functional_batch_dim")
case("softmax", lambda x: x.softmax(1), f32(B, 3, 2), name="method_middle_dim", opset=13)
case("softmax", lambda x: ember.softmax(x, 0), f32(), name="zero_dim")
case("softmax", lambda x: ember.softmax(x, 1, dtype=ember.float64), f32(B, 3), name="dtype")
case("softmax", lambda x: ember.softmax(x, 1), f32(3, B, view="t"), name="transposed")
case("log_softmax", lambda x: ember.log_softmax(x, 1), f32(B, 3), nodes=["LogSoftmax"])
case("log_softmax", lambda x: F.log_softmax(x, dim=0), f32(B, 3, 2), name="functional")

# ---- shape: views and reshapes -------------------------------------------------------------------------

case("Tensor.view", lambda x: x.view(x.size(0), -1), f32(B, 3, 4), nodes=["Reshape", "Shape"])
case("Tensor.view", lambda x: x.view(-1), f32(B, 3), name="flat")
case("Tensor.view", lambda x: x.view((6, 2)), f32(2, 6), name="tuple")
case("Tensor.view", lambda x: x.view([x.shape[0], 3, 2]), f32(B, 6), name="list_sym")
case("Tensor.view", lambda x: x.view(x.shape), f32(B, 3), name="size")
case("Tensor.view", lambda x: x.view(0, 3), f32(0, 3), name="zero_size", nodes=["Reshape"])
case("Tensor.view", lambda x: x.view(-1, 2), i64(B, 4), name="int")
case("Tensor.view", lambda x: x.view(1, 1), f32(), name="zero_dim")
case("Tensor.view", lambda x: x.view(x.size(0) * 3), f32(B, 3), name="sym_arith")
case("Tensor.reshape", lambda x: x.reshape(-1, x.size(-1)), f32(B, 2, 3))
case("Tensor.reshape", lambda x: x.reshape(3, 2), f32(2, 3, view="t"), name="transposed")
case("Tensor.reshape", lambda x: x.reshape(x.size(0) // 2, -1), f32(4, 3), name="floordiv", dynamic=False)
case("reshape", lambda x: ember.reshape(x, (x.size(0), 2, -1)), f32(B, 6), nodes=["Reshape"])
case("reshape", lambda x: ember.reshape(x, [-1]), boolean(B, 3), name="bool")
case("Tensor.view_as", lambda x, y: x.view_as(y), f32(B, 6), f32(B, 2, 3), nodes=["Reshape"])
case("Tensor.view_as", lambda x: x.view_as(_W23), f32(6), name="constant_other")
case("Tensor.reshape_as", lambda x, y: x.reshape_as(y), f32(B, 6), i64(B, 3, 2))
case("flatten", lambda x: ember.flatten(x), f32(B, 3, 2), nodes=["Reshape"])
case("flatten", lambda x: ember.flatten(x, 1), f32(B, 3, 2), name="start1", nodes=["Flatten"])
case("flatten", lambda x: ember.flatten(x, 1, 2), f32(B, 3, 2, 2), name="middle")
case("flatten", lambda x: ember.flatten(x, 0, 1), f32(B, 3, 2), name="leading")
case("flatten", lambda x: ember.flatten(x, -2, -1), f32(B, 3, 2), name="negative")
case("flatten", lambda x: ember.flatten(x, 1, 1), f32(B, 3), name="one_dim")
case("flatten", lambda x: ember.flatten(x), f32(), name="zero_dim")
case("Tensor.flatten", lambda x: x.flatten(1), f32(B, 2, 3))
case("Tensor.flatten", lambda x: x.flatten(start_dim=2), i32(B, 2, 3, 2), name="keyword")
case("unflatten", lambda x: ember.unflatten(x, 1, (2, 3)), f32(B, 6))
case("unflatten", lambda x: ember.unflatten(x, -1, (2, -1)), f32(B, 3, 4), name="minus_one")
case("unflatten", lambda x: ember.unflatten(x, 0, (2, -1)), f32(4, 3), name="dim0")
case("Tensor.unflatten", lambda x: x.unflatten(1, [3, 1, 2]), f32(B, 6, 2))
case("Tensor.permute", lambda x: x.permute(2, 0, 1), f32(B, 3, 2), nodes=["Transpose"])
case("Tensor.permute", lambda x: x.permute((-1, 0, -2)), f32(B, 3, 2), name="tuple_negative")
case("Tensor.permute", lambda x: x.permute([1, 0]), i64(B, 3), name="list_int")
case("permute", lambda x: ember.permute(x, (1, 2, 0)), f32(B, 3, 2), nodes=["Transpose"])
case("permute", lambda x: ember.permute(x, [0]), f32(B), name="identity")
case("transpose", lambda x: ember.transpose(x, 0, 1), f32(B, 3), nodes=["Transpose"])
case("transpose", lambda x: ember.transpose(x, -1, -3), f32(B, 3, 2), name="negative")
case("Tensor.transpose", lambda x: x.transpose(1, 2), f32(B, 3, 2))
case("Tensor.transpose", lambda x: x.transpose(0, 0), f32(B), name="one_dim")
case("t", lambda x: ember.t(x), f32(B, 3), nodes=["Transpose"])
case("t", lambda x: ember.t(x), f32(B), name="one_dim")
case("Tensor.t", lambda x: x.t(), f32(B, 3))
case("Tensor.t", lambda x: x.t(), i64(B), name="one_dim")
case("Tensor.t", lambda x: x.t(), f32(B, 3, view="t"), name="transposed")
case("movedim", lambda x: ember.movedim(x, 0, -1), f32(B, 3, 2), nodes=["Transpose"])
case("movedim", lambda x: ember.movedim(x, (0, 1), (2, 0)), f32(B, 3, 2, 4), name="several")
case("movedim", lambda x: x.movedim(-1, 1), f32(B, 3, 2), name="method")
case("squeeze", lambda x: ember.squeeze(x), f32(B, 1, 3, 1), nodes=["Squeeze"])
case("squeeze", lambda x: ember.squeeze(x, 1), f32(B, 1, 3), name="dim")
case("squeeze", lambda x: ember.squeeze(x, -1), f32(B, 3), name="not_one")
case("squeeze", lambda x: ember.squeeze(x, (1, 3)), f32(B, 1, 3, 1), name="dims", opset=13)
case("squeeze", lambda x: ember.squeeze(x), f32(1), name="to_zero_dim")
case("Tensor.squeeze", lambda x: x.squeeze(-1), f32(B, 3, 1))
case("Tensor.squeeze", lambda x: x.squeeze(dim=0), i32(1, 3), name="keyword")
case("unsqueeze", lambda x: ember.unsqueeze(x, 0), f32(B, 3), nodes=["Unsqueeze"])
case("unsqueeze", lambda x: ember.unsqueeze(x, -1), f32(B, 3), name="negative", opset=13)
case("unsqueeze", lambda x: ember.unsqueeze(x, 0), f32(), name="zero_dim")
case("Tensor.unsqueeze", lambda x: x.unsqueeze(1), boolean(B, 3))
case("Tensor.unsqueeze", lambda x: x.unsqueeze(dim=-2), f32(B, 3), name="keyword")
case("Tensor.expand", lambda x: x.expand(x.size(0), 3, 4), f32(B, 1, 4), nodes=["Expand"])
case("Tensor.expand", lambda x: x.expand(-1, 3), f32(B, 1), name="minus_one")
case("Tensor.expand", lambda x: x.expand(2, 2, 3), f32(2, 3), name="new_dim")
case("Tensor.expand", lambda x: x.expand((4, 3)), f32(), name="zero_dim_tuple")
case("Tensor.expand", lambda x: x.expand(x.size(0), 2), i64(B, 1), name="int")
case("Tensor.expand_as", lambda x, y: x.expand_as(y), f32(1, 3), f32(B, 3), nodes=["Expand"])
case("Tensor.expand_as", lambda x: x.expand_as(_W23), f32(2, 1), name="constant_other")
case("broadcast_to", lambda x: ember.broadcast_to(x, (x.size(0), 3)), f32(B, 1), nodes=["Expand"])
case("broadcast_to", lambda x: ember.broadcast_to(x, [2, 3]), boolean(3), name="bool")
case("broadcast_tensors", lambda x, y: ember.broadcast_tensors(x, y), f32(B, 1), i64(3), nodes=["Expand"])
case("broadcast_tensors", lambda x: ember.broadcast_tensors(x), f32(B, 3), name="one")
case("broadcast_tensors", lambda x, y, z: ember.broadcast_tensors(x, y, z), f32(B, 1, 1), boolean(3, 1), f32(2),
     name="three")

# ---- shape: copies and conversions --------------------------------------------------------------------

case("clone", lambda x: ember.clone(x), f32(B, 3), nodes=["Identity"])
case("clone", lambda x: ember.clone(x), f32(B, 3, view="t"), name="transposed")
case("Tensor.clone", lambda x: x.clone(), i64(B, 3))
case("contiguous", lambda x: ember.contiguous(x), f32(B, 3, view="t"))
case("Tensor.contiguous", lambda x: x.contiguous(), f32(B, 3, view="step"))
case("Tensor.contiguous", lambda x: x.contiguous() + 1, f32(B, 3), name="already")
case("Tensor.detach", lambda x: x.detach(), f32(B, 3))
case("Tensor.to", lambda x: x.to(ember.int32), f32(B, 3, low=-9, high=9), nodes=["Cast"])
case("Tensor.to", lambda x: x.to(dtype=ember.float16), f32(B, 3), name="keyword_half")
case("Tensor.to", lambda x: x.to("cpu"), f32(B, 3), name="device")
case("Tensor.to", lambda x: x.to(ember.float32) * 2, f32(B, 3), name="same_dtype")
case("Tensor.to", lambda x, y: x.to(y), i64(B, 3), f64(3), name="like_other")
case("Tensor.to", lambda x: x.to(ember.bool), f32(B, 3, low=-1, high=1), name="bool")
case("Tensor.type", lambda x: x.type(ember.int64), f32(B, 3, low=-9, high=9), nodes=["Cast"])
case("Tensor.type", lambda x: x + 1 if x.type().endswith("float32") else x, f32(B, 3), name="query")
case("Tensor.float", lambda x: x.float(), i64(B, 3), nodes=["Cast"])
case("Tensor.float", lambda x: x.float(), boolean(B, 3), name="bool")
case("Tensor.double", lambda x: x.double(), f32(B, 3))
case("Tensor.half", lambda x: x.half(), f32(B, 3), rtol=1e-3)
case("Tensor.bfloat16", lambda x: x.bfloat16().float(), f32(B, 3), nodes=["Cast"])
case("Tensor.int", lambda x: x.int(), f32(B, 3, low=-9, high=9))
case("Tensor.long", lambda x: x.long(), i32(B, 3))
case("Tensor.short", lambda x: x.short(), f32(B, 3, low=-9, high=9))
case("Tensor.char", lambda x: x.char(), i64(B, 3))
case("Tensor.byte", lambda x: x.byte(), f32(B, 3, low=0, high=9))
case("Tensor.bool", lambda x: x.bool(), i64(B, 3, low=-1, high=1))
case("Tensor.bool", lambda x: x.bool(), f32(B, 3), name="float")
case("Tensor.cpu", lambda x: x.cpu(), f32(B, 3))
case("Tensor.cuda", lambda x: x.cuda().cpu(), f32(B, 3),
     skip=None if ember.cuda.is_available() else "ember is built without CUDA")

# ---- shape: joining and splitting --------------------------------------------------------------------

case("cat", lambda x, y: ember.cat([x, y]), f32(B, 3), f32(2, 3), nodes=["Concat"], dynamic=False)
case("cat", lambda x, y: ember.cat((x, y), 1), f32(B, 3), f32(B, 2), name="dim")
case("cat", lambda x, y: ember.cat([x, y], dim=-1), i64(B, 3), f32(B, 2), name="promote")
case("cat", lambda x: ember.cat([x, _EMPTY, x]), f32(B, 3), name="legacy_empty")
case("cat", lambda x: ember.cat([x]), f32(B, 3), name="one")
case("cat", lambda x, y: ember.cat([x, y]), f32(0), i64(0), name="all_legacy_empty")
case("cat", lambda x, y: ember.cat([x, y]), f32(0, 3), f32(B, 3), name="zero_size")
case("cat", lambda x: ember.cat([x, _W13], 0), f32(B, 3), name="constant")
case("cat", lambda x, y: ember.cat([x, y], 1), boolean(B, 1), boolean(B, 2), name="bool")
case("concat", lambda x, y: ember.concat([x, y], 1), f32(B, 3), f32(B, 2))
case("concatenate", lambda x, y: ember.concatenate([x, y], axis=1), f32(B, 3), f32(B, 2))
case("concatenate", lambda x, y: ember.concatenate((x, y), dim=0), f32(B, 3), f32(1, 3), name="dim")
case("stack", lambda x, y: ember.stack([x, y]), f32(B, 3), f32(B, 3), nodes=["Concat", "Unsqueeze"])
case("stack", lambda x, y: ember.stack([x, y], -1), f32(B, 3), i64(B, 3), name="last_promote")
case("stack", lambda x: ember.stack([x], 1), f32(B, 3), name="one")
case("stack", lambda x, y: ember.stack((x, y), dim=0), f32(), f32(), name="zero_dim")
case("split", lambda x: ember.split(x, 2, 1), f32(B, 5), nodes=["Split"])
case("split", lambda x: ember.split(x, [1, 3], -1), f32(B, 4), name="sections")
case("split", lambda x: ember.split(x, 2, 1), f32(B, 5), name="opset13", opset=13)
case("split", lambda x: ember.split(x, 4, 1), f32(B, 3), name="one_piece")
case("split", lambda x: ember.split(x, [0, 3], 1), f32(B, 3), name="empty_piece")
case("Tensor.split", lambda x: x.split(2, dim=-1), f32(B, 4), nodes=["Split"])
case("Tensor.split", lambda x: x.split([2, 1], 1), i64(B, 3), name="sections")
case("chunk", lambda x: ember.chunk(x, 3, 1), f32(B, 6), nodes=["Split"])
case("chunk", lambda x: x.chunk(2, -1), f32(B, 5), name="method_uneven")
case("chunk", lambda x: ember.chunk(x, 2, 1), f32(B, 4), name="opset18", opset=18)
case("tensor_split", lambda x: ember.tensor_split(x, 3, 1), f32(B, 5), nodes=["Split"])
case("tensor_split", lambda x: ember.tensor_split(x, [1, 3], dim=1), f32(B, 5), name="indices")
case("tensor_split", lambda x: x.tensor_split(2, -1), f32(B, 4), name="method")
case("unbind", lambda x: ember.unbind(x, 1), f32(B, 3), nodes=["Split", "Squeeze"])
case("unbind", lambda x: x.unbind(-1), i64(B, 2), name="method_negative")
case("unbind", lambda x: ember.unbind(x, 1), f32(B, 1), name="one")
case("unbind", lambda x: ember.unbind(x, 1), f32(B, 2), name="opset13", opset=13)

# ---- shape: taking parts ------------------------------------------------------------------------------

case("narrow", lambda x: ember.narrow(x, 1, 1, 2), f32(B, 4), nodes=["Slice"])
case("narrow", lambda x: ember.narrow(x, -1, -2, 2), f32(B, 4), name="negative_start")
case("narrow", lambda x: ember.narrow(x, 1, -3, 1), f32(B, 4), name="negative_start_middle")
case("narrow", lambda x: ember.narrow(x, 0, 0, x.size(0) - 1), f32(B, 3), name="sym_length")
case("narrow", lambda x: ember.narrow(x, 1, _ONE, 2), f32(B, 4), name="tensor_start")
case("Tensor.narrow", lambda x: x.narrow(0, 1, 1), i64(B, 3))
case("select", lambda x: ember.select(x, 1, 0), f32(B, 3), nodes=["Gather"])
case("select", lambda x: ember.select(x, -1, -1), f32(B, 3), name="negative")
case("select", lambda x: ember.select(x, 0, x.size(0) - 1), f32(B, 3), name="sym_index")
case("Tensor.select", lambda x: x.select(1, 2), boolean(B, 3))
case("Tensor.repeat", lambda x: x.repeat(1, 2), f32(B, 3), nodes=["Tile"])
case("Tensor.repeat", lambda x: x.repeat(2, 1, 3), f32(B, 3), name="new_dims")
case("Tensor.repeat", lambda x: x.repeat((2, 3)), f32(), name="zero_dim_tuple")
case("Tensor.repeat", lambda x: x.repeat([2, 2]), i64(B, 1), name="list_int")
case("tile", lambda x: ember.tile(x, (2,)), f32(B, 3), nodes=["Tile"])
case("tile", lambda x: ember.tile(x, (2, 1, 2)), f32(B, 3), name="more_dims")
case("Tensor.tile", lambda x: x.tile(2, 3), f32(B, 3), nodes=["Tile"])
case("Tensor.tile", lambda x: x.tile((2,)), i32(B, 3), name="tuple")
case("flip", lambda x: ember.flip(x, (0,)), f32(B, 3), nodes=["Slice"])
case("flip", lambda x: ember.flip(x, dims=[-1, 0]), f32(B, 3), name="keyword_dims")
case("flip", lambda x: ember.flip(x, ()), f32(B, 3), name="no_dims")
case("Tensor.flip", lambda x: x.flip(1), i64(B, 3))
case("Tensor.flip", lambda x: x.flip(0, 1), f32(B, 3), name="two")
case("Tensor.flip", lambda x: x.flip((-1,)), boolean(B, 3), name="tuple")
case("fliplr", lambda x: ember.fliplr(x), f32(B, 3))
case("flipud", lambda x: ember.flipud(x), f32(B, 3))
case("roll", lambda x: ember.roll(x, 1, 1), f32(B, 4), nodes=["Concat", "Slice"])
case("roll", lambda x: ember.roll(x, -5, -1), f32(B, 4), name="negative_wrapping")
case("roll", lambda x: ember.roll(x, (1, 2), (0, 1)), f32(B, 3), name="several")
case("roll", lambda x: ember.roll(x, 2), f32(B, 3), name="flat")
case("roll", lambda x: ember.roll(x, 3, 1), f32(B, 3), name="whole_turn")
case("roll", lambda x: x.roll(1, 0), i64(B, 3), name="method_batch_dim")
case("tril", lambda x: ember.tril(x), f32(B, 3), nodes=["Trilu"])
case("tril", lambda x: ember.tril(x, -1), f32(B, 3, 3), name="batched_diagonal")
case("tril", lambda x: x.tril(1), i64(B, 3), name="method_int")
case("triu", lambda x: ember.triu(x, 1), f32(B, 3), nodes=["Trilu"])
case("triu", lambda x: ember.triu(x), boolean(B, 3), name="bool")

# ---- indexing -----------------------------------------------------------------------------------------

case("Tensor.__getitem__", lambda x: x[0], f32(B, 3), nodes=["Gather"])
case("Tensor.__getitem__", lambda x: x[:, 1:3], f32(B, 4), name="slice", nodes=["Slice"])
case("Tensor.__getitem__", lambda x: x[::2], f32(B, 3), name="step")
case("Tensor.__getitem__", lambda x: x[:, ::-1], f32(B, 4), name="negative_step")
case("Tensor.__getitem__", lambda x: x[:, 3:0:-2], f32(B, 5), name="negative_step_bounds")
case("Tensor.__getitem__", lambda x: x[-2:, :-1], f32(4, 3), name="negative_bounds")
case("Tensor.__getitem__", lambda x: x[1:-1], f32(B, 3), name="negative_stop_dynamic")
case("Tensor.__getitem__", lambda x: x[..., -1], f32(B, 3, 2), name="ellipsis")
case("Tensor.__getitem__", lambda x: x[None], f32(B, 3), name="none", nodes=["Unsqueeze"])
case("Tensor.__getitem__", lambda x: x[:, None, 1], f32(B, 3), name="none_int")
case("Tensor.__getitem__", lambda x: x[0, -1], f32(B, 3), name="ints")
case("Tensor.__getitem__", lambda x: x[x.size(0) - 1], f32(B, 3), name="sym_int")
case("Tensor.__getitem__", lambda x: x[:x.size(0) - 1], f32(B, 3), name="sym_slice")
case("Tensor.__getitem__", lambda x: x[1], f32(3, B, view="t"), name="transposed")
case("Tensor.__getitem__", lambda x: x[5:], f32(B, 3), name="empty_slice")
case("Tensor.__getitem__", lambda x: x[()], f32(B, 3), name="empty_key")
case("Tensor.__getitem__", lambda x: x[0], f32(3), name="to_zero_dim")
case("Tensor.__getitem__", lambda x, i: x[i], f32(4, 3), fixed([0, 3, -1, 1]), name="index_tensor", nodes=["Gather"])
case("Tensor.__getitem__", lambda x, i: x[:, i], f32(B, 4), fixed([[0, 1], [3, 2]]), name="index_tensor_2d")
case("Tensor.__getitem__", lambda x, i: x[..., i], f32(B, 3, 4), fixed([1, 2], np.int32), name="int32_index")
case("Tensor.__getitem__", lambda x: x[[0, 2]], f32(3, 2), name="list")
case("Tensor.__getitem__", lambda x: x[_IDX], f32(B, 3), name="constant_index")
case("Tensor.__getitem__", lambda x, i, j: x[i, j], f32(3, 4), fixed([0, 2, -1]), fixed([1, 3, 0]), name="two_indices",
     nodes=["GatherND"])
case("Tensor.__getitem__", lambda x, i, j: x[:, i, j], f32(B, 3, 4), fixed([[0], [2]]), fixed([1, 3]),
     name="adjacent_broadcast")
case("Tensor.__getitem__", lambda x, i, j: x[i, :, j], f32(2, 3, 4), fixed([0, 1]), fixed([1, 3]), name="apart")
case("Tensor.__getitem__", lambda x, i: x[0, :, i], f32(2, 3, 4), fixed([1, 3]), name="int_and_index")
case("Tensor.__getitem__", lambda x, i: x[1:, i], f32(B, 4), fixed([3, 0]), name="slice_and_index")
case("Tensor.__getitem__", lambda x, m: x[m], f32(B, 3), boolean(B, 3), name="mask", nodes=["NonZero"])
case("Tensor.__getitem__", lambda x, m: x[m], f32(4, 3), fixed([True, False, True, True]), name="row_mask")
case("Tensor.__getitem__", lambda x, m: x[:, m], f32(B, 3), fixed([False, True, True]), name="column_mask")
case("Tensor.__getitem__", lambda x: x[x > 0], f32(B, 3), name="mask_from_comparison")
case("Tensor.__getitem__", lambda x, m: x[m, 1:], f32(3, 3), fixed([True, False, True]), name="mask_and_slice")
case("Tensor.__getitem__", lambda x: x[:, 1], i64(B, 3), name="int")
case("Tensor.__getitem__", lambda x: x[..., ::2], boolean(B, 4), name="bool")
case("gather", lambda x, i: ember.gather(x, 1, i), f32(B, 3), i64(B, 2, low=0, high=2), nodes=["GatherElements"])
case("gather", lambda x, i: x.gather(-1, i), f32(2, 3), fixed([[2, -1], [0, 1]]), name="method_negative")
case("gather", lambda x, i: ember.gather(x, 0, i), i64(3, 2), fixed([[2, 0]], np.int32), name="int32_index")
case("index_select", lambda x, i: ember.index_select(x, 0, i), f32(4, 3), fixed([3, 0, 0]), nodes=["Gather"])
case("index_select", lambda x, i: x.index_select(-1, i), f32(B, 3), fixed([2, 1]), name="method")
case("index_select", lambda x, i: ember.index_select(x, 1, i), f32(B, 3), fixed(1), name="zero_dim_index")
case("take_along_dim", lambda x, i: ember.take_along_dim(x, i, 1), f32(B, 3), i64(B, 2, low=0, high=2),
     nodes=["GatherElements"])
case("take_along_dim", lambda x, i: ember.take_along_dim(x, i), f32(2, 3), fixed([5, 0, 2]), name="flat")
case("take_along_dim", lambda x: ember.take_along_dim(x, ember.argmax(x, 1, keepdim=True), 1), f32(B, 3),
     name="from_argmax")
case("masked_fill", lambda x, m: ember.masked_fill(x, m, 0.5), f32(B, 3), boolean(B, 3), nodes=["Where"])
case("masked_fill", lambda x, m: x.masked_fill(m, -1), i64(B, 3), boolean(3), name="method_broadcast_int")
case("masked_fill", lambda x, m, v: x.masked_fill(m, v), f32(B, 3), boolean(B, 1), f32(), name="tensor_value")
case("masked_fill", lambda x: x.masked_fill(x < 0, 0.0), f32(B, 3), name="from_comparison")
case("masked_fill", lambda x, m: x.masked_fill(m, -math.inf), f32(B, 3), boolean(B, 3), name="minus_inf")
case("masked_select", lambda x, m: ember.masked_select(x, m), f32(B, 3), boolean(B, 3), nodes=["NonZero"])
case("masked_select", lambda x, m: x.masked_select(m), i64(B, 3), boolean(3), name="broadcast_mask")
case("masked_select", lambda x, m: ember.masked_select(x, m), f32(3), boolean(B, 3), name="broadcast_input")
case("nonzero", lambda x: ember.nonzero(x), i64(B, 3, low=0, high=1), nodes=["NonZero"])
case("nonzero", lambda x: ember.nonzero(x, as_tuple=True), boolean(B, 3), name="as_tuple")
case("nonzero", lambda x: x.nonzero(), fixed([0.0, 1.5, 0.0, -2.0], np.float32), name="method_1d")
case("nonzero", lambda x: ember.nonzero(x, as_tuple=True), fixed([0, 3, 0, 1]), name="as_tuple_1d")
case("argwhere", lambda x: ember.argwhere(x), boolean(B, 3), nodes=["NonZero"])
case("scatter", lambda x, i, v: ember.scatter(x, 1, i, v), f32(2, 4), fixed([[0, 3], [2, 1]]), f32(2, 2),
     nodes=["ScatterElements"])
case("scatter", lambda x, i: ember.scatter(x, 0, i, value=-1.0), f32(3, 2), fixed([[2, 0]]), name="value")
case("scatter", lambda x, i: ember.scatter(x, 1, i, 7.0), f32(2, 3), fixed([[1], [0]]), name="scalar_src")
case("scatter", lambda x, i, v: ember.scatter(x, 0, i, v, reduce="add"), i64(3, 2), fixed([[2, 0], [2, 0]]),
     i64(2, 2), name="reduce_add")
case("scatter", lambda x, i, v: x.scatter(-1, i, v), f32(2, 3), fixed([[2], [-1]]), f32(2, 1), name="method_negative")
case("scatter_add", lambda x, i, v: ember.scatter_add(x, 1, i, v), f32(2, 4), fixed([[0, 0, 3], [1, 1, 1]]),
     f32(2, 3), nodes=["ScatterElements"])
case("scatter_add", lambda x, i, v: x.scatter_add(0, i, v), i32(2, 2), fixed([[1, 1]]), i32(1, 2), name="method_int")


def _set_int(x):
    x = x.clone()
    x[0] = 1.5
    return x


def _set_slice(x, v):
    x = x.clone()
    x[:, 1:] = v
    return x


def _set_mask(x):
    x = x.clone()
    x[x < 0] = 0
    return x


def _set_index(x, i, v):
    x = x.clone()
    x[i] = v
    return x


def _set_stepped(x):
    x = x.clone()
    x[::2, -1] = -5
    return x


case("Tensor._setitem_out_of_place", _set_int, f32(B, 3), nodes=["ScatterElements"])
case("Tensor._setitem_out_of_place", _set_slice, f32(B, 3), f32(2), name="slice_broadcast")
case("Tensor._setitem_out_of_place", _set_mask, f32(B, 3), name="mask")
case("Tensor._setitem_out_of_place", _set_index, f32(4, 2), fixed([3, 0]), f32(2, 2), name="index")
case("Tensor._setitem_out_of_place", _set_stepped, i64(B, 3), name="stepped_int")
case("index_put", lambda x, i, v: ember.index_put(x, (i,), v), f32(4, 2), fixed([3, 1]), f32(2, 2),
     nodes=["ScatterElements"])
case("index_put", lambda x, i, j, v: ember.index_put(x, (i, j), v, accumulate=True), f32(3, 3), fixed([0, 0, 2]),
     fixed([1, 1, 2]), f32(3), name="accumulate")
case("index_put", lambda x, m: x.index_put((m,), ember.tensor(0.0)), f32(B, 3), boolean(B, 3), name="mask_method")

# ---- creation from traced sizes and tensors ----------------------------------------------------------

case("zeros", lambda x: ember.zeros(x.size(0), 3), f32(B, 2), nodes=["ConstantOfShape"])
case("zeros", lambda x: ember.zeros((x.size(0), 2), dtype=ember.int32), f32(B, 2), name="tuple_dtype")
case("zeros", lambda x: x + ember.zeros(x.shape), f32(B, 2), name="shape")
case("ones", lambda x: ember.ones(x.size(0), x.size(1)), f32(B, 2), nodes=["ConstantOfShape"])
case("ones", lambda x: ember.ones([x.size(0)], dtype=ember.bool), f32(B, 2), name="bool")
case("empty", lambda x: ember.empty(x.size(0), 3), f32(B, 2), values=False)
case("full", lambda x: ember.full((x.size(0), 2), 1.5), f32(B, 2), nodes=["ConstantOfShape"])
case("full", lambda x: ember.full([x.size(1)], 7), f32(B, 3), name="int")
case("full", lambda x: ember.full((x.size(0),), True), f32(B, 3), name="bool")
case("full", lambda x: ember.full((2, 3), x), f32(), name="traced_value", nodes=["Expand"])
case("full", lambda x: ember.full((x.size(0), 2), 2, dtype=ember.float16), f32(B, 3), name="float16")
case("zeros_like", lambda x: ember.zeros_like(x), f32(B, 3))
case("zeros_like", lambda x: ember.zeros_like(x, dtype=ember.int64), f32(B, 3), name="dtype")
case("ones_like", lambda x: ember.ones_like(x), i32(B, 3))
case("ones_like", lambda x: ember.ones_like(x, dtype=ember.bool), f32(B, 3), name="bool")
case("empty_like", lambda x: ember.empty_like(x), f32(B, 3), values=False)
case("full_like", lambda x: ember.full_like(x, 2.5), f32(B, 3))
case("full_like", lambda x: ember.full_like(x, 3), i64(B, 3), name="int")
case("Tensor.new_zeros", lambda x: x.new_zeros(x.size(0), 2), f32(B, 3))
case("Tensor.new_zeros", lambda x: x.new_zeros((x.size(0),)), i64(B, 3), name="tuple_int")
case("Tensor.new_ones", lambda x: x.new_ones(x.shape), f32(B, 3))
case("Tensor.new_ones", lambda x: x.new_ones(x.size(0), dtype=ember.int32), f32(B, 3), name="dtype")
case("Tensor.new_empty", lambda x: x.new_empty(x.size(0), 2), f32(B, 3), values=False)
case("Tensor.new_full", lambda x: x.new_full((x.size(0), 2), -1.0), f32(B, 3))
case("Tensor.new_full", lambda x: x.new_full([x.size(0)], 4), i64(B, 3), name="int")
case("arange", lambda x: ember.arange(x.size(0)), f32(B, 3), nodes=["Range"])
case("arange", lambda x: ember.arange(1, x.size(0) + 1, 2), f32(B, 3), name="start_step")
case("arange", lambda x: ember.arange(x.size(1), dtype=ember.float32), f32(B, 3), name="float")
case("arange", lambda x: ember.arange(0.5, x.size(0), 0.5), f32(B, 3), name="float_step")
case("arange", lambda x: x + ember.arange(x.size(-1)), i32(B, 3), name="added")

# ---- matrix products --------------------------------------------------------------------------------

case("matmul", lambda x, y: ember.matmul(x, y), f32(B, 3), f32(3, 4), nodes=["MatMul"])
case("matmul", lambda x, y: ember.matmul(x, y), f32(B, 2, 3), f32(3), name="batched_vector")
case("matmul", lambda x, y: ember.matmul(x, y), f32(3), f32(B, 3, 2), name="vector_batched")
case("matmul", lambda x, y: ember.matmul(x, y), f32(3), f32(3), name="dot")
case("matmul", lambda x, y: ember.matmul(x, y), f32(B, 1, 2, 3), f32(4, 3, 2), name="broadcast")
case("matmul", lambda x, y: x.matmul(y), i64(B, 3), i64(3, 2), name="int")
case("matmul", lambda x, y: ember.matmul(x, y), f32(3, B, view="t"), f32(B, 2), name="transposed")
case("matmul", lambda x, y: ember.matmul(x, y), f32(0, 3), f32(3, 2), name="zero_size")
case("Tensor.__matmul__", lambda x, y: x @ y, f32(B, 3), f32(3, 2), nodes=["MatMul"])
case("Tensor.__matmul__", lambda x: x @ _W23.t(), f32(B, 3), name="constant")
case("Tensor.__rmatmul__", lambda x: [[1.0, 2.0], [3.0, 4.0]] @ x, f32(2, 3), nodes=["MatMul"])
case("linalg.matmul", lambda x, y: ember.linalg.matmul(x, y), f32(B, 2, 3), f32(B, 3, 2))
case("mm", lambda x, y: ember.mm(x, y), f32(B, 3), f32(3, 2), nodes=["MatMul"])
case("mm", lambda x: x.mm(_W23.t()), f32(B, 3), name="method")
case("bmm", lambda x, y: ember.bmm(x, y), f32(B, 2, 3), f32(B, 3, 4), nodes=["MatMul"])
case("mv", lambda x, y: ember.mv(x, y), f32(B, 3), f32(3), nodes=["MatMul"])
case("dot", lambda x, y: ember.dot(x, y), f32(3), f32(3), nodes=["MatMul"])
case("dot", lambda x, y: x.dot(y), i64(4), i64(4), name="int")
case("vdot", lambda x, y: ember.vdot(x, y), f32(3), f32(3))
case("outer", lambda x, y: ember.outer(x, y), f32(B), f32(3), nodes=["MatMul", "Unsqueeze"])
case("outer", lambda x, y: x.outer(y), i64(B), f32(2), name="promote")
case("ger", lambda x, y: ember.ger(x, y), f32(B), f32(3))
case("addmm", lambda b, x, y: ember.addmm(b, x, y), f32(2), f32(B, 3), f32(3, 2), nodes=["Gemm"])
case("addmm", lambda b, x, y: ember.addmm(b, x, y, beta=0.5, alpha=2), f32(B, 2), f32(B, 3), f32(3, 2),
     name="scaled")
case("addmm", lambda b, x, y: ember.addmm(b, x, y, beta=0), f32(2), f32(B, 3), f32(3, 2), name="beta0")
case("addmm", lambda b, x: ember.addmm(b, x, _W23), f32(), f32(B, 2), name="zero_dim_input")
case("addmv", lambda b, x, y: ember.addmv(b, x, y), f32(B), f32(B, 3), f32(3))
case("addmv", lambda b, x, y: ember.addmv(b, x, y, beta=2, alpha=0.5), f32(1), f32(B, 3), f32(3), name="scaled")
case("baddbmm", lambda b, x, y: ember.baddbmm(b, x, y), f32(2, 2), f32(B, 2, 3), f32(B, 3, 2))
case("baddbmm", lambda b, x, y: ember.baddbmm(b, x, y, beta=0, alpha=3), f32(2, 2), f32(B, 2, 3), f32(B, 3, 2),
     name="beta0")
case("addbmm", lambda b, x, y: ember.addbmm(b, x, y), f32(2, 2), f32(B, 2, 3), f32(B, 3, 2), nodes=["ReduceSum"])
case("addbmm", lambda b, x, y: ember.addbmm(b, x, y, beta=0.5, alpha=2), f32(2), f32(B, 2, 3), f32(B, 3, 2),
     name="scaled", opset=13)
case("einsum", lambda x, y: ember.einsum("ij,jk->ik", x, y), f32(B, 3), f32(3, 2), nodes=["Einsum"])
case("einsum", lambda x: ember.einsum("bij->bji", x), f32(B, 2, 3), name="transpose")
case("einsum", lambda x, y: ember.einsum("b i d, b j d -> b i j", x, y), f32(B, 2, 3), f32(B, 4, 3), name="spaces")
case("einsum", lambda x, y: ember.einsum("ij,jk", [x, y]), f32(B, 3), f32(3, 2), name="list_implicit")
case("einsum", lambda x: ember.einsum("ii->i", x), f32(3, 3), name="diagonal")
case("einsum", lambda x, y: ember.einsum("...j,j->...", x, y), f32(B, 2, 3), f32(3), name="ellipsis")

# ---- nn: linear maps and convolutions ------------------------------------------------------------------

case("nn.functional.linear", lambda x: F.linear(x, _W23, _B2), f32(B, 3), nodes=["Gemm"])
case("nn.functional.linear", lambda x: F.linear(x, _W23), f32(B, 4, 3), name="batched_no_bias", nodes=["MatMul"])
case("nn.functional.linear", lambda x: F.linear(x, _W23), f32(B, 3), name="no_bias", nodes=["Gemm"])
case("nn.functional.linear", lambda x: F.linear(x, _W23, bias=_B2), f32(B, 4, 3), name="batched_bias")
case("nn.functional.linear", lambda x, w, b: F.linear(x, w, b), f32(B, 3), f32(2, 3), f32(2), name="traced_weight")
case("nn.functional.linear", lambda x: F.linear(x, _W23, _B2), f32(3), name="unbatched")
case("nn.functional.bilinear", lambda x, y: F.bilinear(x, y, _W234, _B2), f32(B, 3), f32(B, 4), nodes=["Einsum"])
case("nn.functional.bilinear", lambda x, y: F.bilinear(x, y, _W234), f32(B, 5, 3), f32(B, 5, 4), name="no_bias")
case("nn.functional.conv1d", lambda x: F.conv1d(x, _K1, _B4), f32(B, 2, 7), nodes=["Conv"])
case("nn.functional.conv1d", lambda x: F.conv1d(x, _K1, None, 2, 1, 2), f32(B, 2, 9), name="stride_pad_dilation")
case("nn.functional.conv1d", lambda x: F.conv1d(x, _K1, _B4, padding="same"), f32(B, 2, 6), name="same")
case("nn.functional.conv1d", lambda x: F.conv1d(x, _K1, padding="valid"), f32(2, 6), name="unbatched_valid")
case("nn.functional.conv1d", lambda x: F.conv1d(x, _K1G, groups=2), f32(B, 2, 6), name="groups")
case("nn.functional.conv2d", lambda x: F.conv2d(x, _K2, _B4, stride=2, padding=1), f32(B, 2, 5, 5), nodes=["Conv"])
case("nn.functional.conv2d", lambda x: F.conv2d(x, _K2), f32(B, 2, 4, 5), name="plain")
case("nn.functional.conv2d", lambda x: F.conv2d(x, _K2, _B4, (1, 2), (2, 0), (2, 1)), f32(B, 2, 6, 6),
     name="tuples")
case("nn.functional.conv2d", lambda x: F.conv2d(x, _K2E, padding="same"), f32(B, 2, 5, 5), name="same_even_kernel")
case("nn.functional.conv2d", lambda x: F.conv2d(x, _K2E, padding="same", dilation=2), f32(B, 2, 6, 6),
     name="same_dilated")
case("nn.functional.conv2d", lambda x: F.conv2d(x, _K2DW, groups=2), f32(B, 2, 4, 4), name="depthwise")
case("nn.functional.conv2d", lambda x: F.conv2d(x, _K2), f32(2, 4, 4), name="unbatched", nodes=["Squeeze"])
case("nn.functional.conv2d", lambda x, w: F.conv2d(x, w), f32(B, 2, 4, 4), f32(3, 2, 2, 2), name="traced_weight")
case("nn.functional.conv_transpose1d", lambda x: F.conv_transpose1d(x, _KT1, _B3), f32(B, 2, 5),
     nodes=["ConvTranspose"])
case("nn.functional.conv_transpose1d", lambda x: F.conv_transpose1d(x, _KT1, None, 2, 1, 1), f32(B, 2, 5),
     name="stride_pad_output_padding")
case("nn.functional.conv_transpose1d", lambda x: F.conv_transpose1d(x, _KT1, dilation=2), f32(2, 4),
     name="unbatched_dilation")
case("nn.functional.conv_transpose2d", lambda x: F.conv_transpose2d(x, _KT2, _B3, stride=2), f32(B, 2, 3, 3),
     nodes=["ConvTranspose"])
case("nn.functional.conv_transpose2d", lambda x: F.conv_transpose2d(x, _KT2, None, (2, 1), (1, 0), (1, 0)),
     f32(B, 2, 3, 4), name="tuples")
case("nn.functional.conv_transpose2d", lambda x: F.conv_transpose2d(x, _KT2G, groups=2), f32(B, 2, 3, 3),
     name="groups")
case("nn.functional.conv3d", lambda x: F.conv3d(x, _K3, _B3, stride=(1, 2, 1), padding=1), f32(B, 2, 4, 5, 4),
     nodes=["Conv"])
case("nn.functional.conv3d", lambda x: F.conv3d(x, _K3, padding="same", dilation=(1, 2, 1)), f32(2, 4, 5, 4),
     name="unbatched_same")
case("nn.functional.conv_transpose3d", lambda x: F.conv_transpose3d(x, _KT3, _B3, 2, 1, 1), f32(B, 2, 3, 2, 3),
     nodes=["ConvTranspose"])

# ---- nn: pooling ----------------------------------------------------------------------------------

case("nn.functional._max_pool1d_with_indices", lambda x: F.max_pool1d(x, 2), f32(B, 2, 7), nodes=["MaxPool"])
case("nn.functional._max_pool1d_with_indices", lambda x: F.max_pool1d(x, 3, 2, 1, return_indices=True),
     f32(B, 2, 8), name="indices")
case("nn.functional._max_pool1d_with_indices", lambda x: F.max_pool1d(x, 2, ceil_mode=True), f32(2, 7),
     name="unbatched_ceil")
case("nn.functional._max_pool1d_with_indices", lambda x: F.max_pool1d(x, 2, dilation=2, return_indices=True),
     f32(B, 1, 7), name="dilation")
case("nn.functional._max_pool2d_with_indices", lambda x: F.max_pool2d(x, 2), f32(B, 2, 4, 5), nodes=["MaxPool"])
case("nn.functional._max_pool2d_with_indices", lambda x: F.max_pool2d(x, (3, 2), (2, 1), 1, return_indices=True),
     f32(B, 2, 5, 5), name="indices")
case("nn.functional._max_pool2d_with_indices", lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True, return_indices=True),
     f32(B, 1, 6, 6), name="ceil")
case("nn.functional._max_pool2d_with_indices", lambda x: F.max_pool2d(x, 2, return_indices=True), f32(2, 4, 4),
     name="unbatched")
case("nn.functional.avg_pool1d", lambda x: F.avg_pool1d(x, 2), f32(B, 2, 7), nodes=["AveragePool"])
case("nn.functional.avg_pool1d", lambda x: F.avg_pool1d(x, 3, 2, 1), f32(B, 2, 8), name="padded")
case("nn.functional.avg_pool1d", lambda x: F.avg_pool1d(x, 3, 2, 1, count_include_pad=False), f32(B, 2, 8),
     name="exclude_pad")
case("nn.functional.avg_pool1d", lambda x: F.avg_pool1d(x, 2, ceil_mode=True), f32(2, 7), name="unbatched_ceil")
case("nn.functional.avg_pool2d", lambda x: F.avg_pool2d(x, 2), f32(B, 2, 4, 5), nodes=["AveragePool"])
case("nn.functional.avg_pool2d", lambda x: F.avg_pool2d(x, (3, 2), stride=(2, 1), padding=1), f32(B, 2, 5, 5),
     name="padded")
case("nn.functional.avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), f32(B, 1, 6, 6),
     name="exclude_pad")
case("nn.functional.avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 0, ceil_mode=True), f32(B, 1, 6, 6), name="ceil")
case("nn.functional.avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True), f32(B, 1, 6, 6),
     name="ceil_padded")
case("nn.functional.adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 1), f32(B, 2, 6),
     nodes=["GlobalAveragePool"])
case("nn.functional.adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 3), f32(B, 2, 6), name="windows")
case("nn.functional.adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (1, 1)), f32(B, 2, 3, 4),
     nodes=["GlobalAveragePool"])
case("nn.functional.adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, None)), f32(B, 2, 4, 3),
     name="none_size")
case("nn.functional.adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, 2), f32(2, 4, 6), name="unbatched")
case("nn.functional._adaptive_max_pool1d_with_indices", lambda x: F.adaptive_max_pool1d(x, 2), f32(B, 2, 6),
     nodes=["MaxPool"])
case("nn.functional._adaptive_max_pool1d_with_indices", lambda x: F.adaptive_max_pool1d(x, 1, return_indices=True),
     f32(B, 2, 5), name="global_indices")
case("nn.functional._adaptive_max_pool2d_with_indices", lambda x: F.adaptive_max_pool2d(x, (2, 1)), f32(B, 2, 4, 3),
     nodes=["MaxPool"])
case("nn.functional._adaptive_max_pool2d_with_indices",
     lambda x: F.adaptive_max_pool2d(x, 2, return_indices=True), f32(2, 4, 4), name="unbatched_indices")

# ---- nn: normalization and embedding -------------------------------------------------------------------

case("nn.functional.batch_norm", lambda x: F.batch_norm(x, _MEAN3, _VAR3, _W3, _B3), f32(B, 3, 4),
     nodes=["BatchNormalization"])
case("nn.functional.batch_norm", lambda x: F.batch_norm(x, _MEAN3, _VAR3), f32(B, 3), name="no_affine")
case("nn.functional.batch_norm", lambda x: F.batch_norm(x, _MEAN3, _VAR3, _W3, _B3, eps=0.1), f32(B, 3, 2, 2),
     name="eps_4d")
case("nn.functional.batch_norm", lambda x: F.batch_norm(x, _MEAN3, _VAR3, bias=_B3, training=False, momentum=0.5),
     f32(B, 3, 2), name="keywords")
case("nn.functional.layer_norm", lambda x: F.layer_norm(x, (3,), _W3, _B3), f32(B, 3),
     nodes=["LayerNormalization"], opset=17)
case("nn.functional.layer_norm", lambda x: F.layer_norm(x, (3,), _W3, _B3), f32(B, 3), name="opset16", opset=16,
     nodes=["ReduceMean"], absent=["LayerNormalization"])
case("nn.functional.layer_norm", lambda x: F.layer_norm(x, [2, 3]), f32(B, 2, 3), name="no_affine",
     nodes=["LayerNormalization"])
case("nn.functional.layer_norm", lambda x: F.layer_norm(x, [2, 3]), f32(B, 2, 3), name="no_affine_opset13",
     opset=13)
case("nn.functional.layer_norm", lambda x: F.layer_norm(x, 3, bias=_B3, eps=1e-3), f32(B, 4, 3),
     name="bias_only")
case("nn.functional.layer_norm", lambda x: F.layer_norm(x, 3, bias=_B3, eps=1e-3), f32(B, 4, 3),
     name="bias_only_opset16", opset=16)
case("nn.functional.layer_norm", lambda x: F.layer_norm(x, (3,), weight=_W3), f32(B, 3), name="weight_only_opset16",
     opset=16)
case("nn.functional.group_norm", lambda x: F.group_norm(x, 2, _W4, _B4), f32(B, 4, 3), nodes=["GroupNormalization"],
     opset=21)
case("nn.functional.group_norm", lambda x: F.group_norm(x, 2, _W4, _B4), f32(B, 4, 3), name="opset20", opset=20,
     absent=["GroupNormalization"])
case("nn.functional.group_norm", lambda x: F.group_norm(x, 4, eps=1e-3), f32(B, 4, 2, 2), name="no_affine_opset21",
     opset=21)
case("nn.functional.group_norm", lambda x: F.group_norm(x, 1), f32(B, 4, 2, 2), name="no_affine", opset=13)
case("nn.functional.embedding", lambda i: F.embedding(i, _EMB), i64(B, 3, low=0, high=4), nodes=["Gather"])
case("nn.functional.embedding", lambda i: F.embedding(i, _EMB, padding_idx=0), i32(B, low=0, high=4),
     name="int32_padding_idx")
case("nn.functional.embedding", lambda i: F.embedding(i, _EMB), fixed(2), name="zero_dim")
case("nn.functional.embedding", lambda i, w: F.embedding(i, w), i64(B, 2, low=0, high=2), f32(3, 4),
     name="traced_weight")

# ---- nn: activations -------------------------------------------------------------------------------

_ACTIVATIONS = {  # op: (calls, each a function of x and a name)
    "relu": [(lambda x: F.relu(x), None), (lambda x: F.relu(x, inplace=True), "inplace"),
             (lambda x: F.relu(x, True), "inplace_positional")],
    "gelu": [(lambda x: F.gelu(x), None), (lambda x: F.gelu(x, approximate="tanh"), "tanh")],
    "silu": [(lambda x: F.silu(x), None)],
    "softplus": [(lambda x: F.softplus(x), None), (lambda x: F.softplus(x, beta=2, threshold=1.5), "beta_threshold"),
                 (lambda x: F.softplus(x, 0.5), "positional")],
    "elu": [(lambda x: F.elu(x), None), (lambda x: F.elu(x, 0.5), "alpha"), (lambda x: F.elu(x, 2.0, True),
                                                                            "inplace")],
    "selu": [(lambda x: F.selu(x), None)],
    "celu": [(lambda x: F.celu(x), None), (lambda x: F.celu(x, alpha=0.5), "alpha")],
    "leaky_relu": [(lambda x: F.leaky_relu(x), None), (lambda x: F.leaky_relu(x, 0.2), "slope"),
                   (lambda x: F.leaky_relu(x, negative_slope=0.3, inplace=True), "keywords")],
    "hardtanh": [(lambda x: F.hardtanh(x), None), (lambda x: F.hardtanh(x, -0.5, 1.5), "bounds"),
                 (lambda x: F.hardtanh(x, max_val=0.5), "max")],
    "relu6": [(lambda x: F.relu6(x), None)],
    "mish": [(lambda x: F.mish(x), None)],
    "hardswish": [(lambda x: F.hardswish(x), None)],
    "hardsigmoid": [(lambda x: F.hardsigmoid(x), None)],
    "logsigmoid": [(lambda x: F.logsigmoid(x), None)],
    "softsign": [(lambda x: F.softsign(x), None)],
    "tanhshrink": [(lambda x: F.tanhshrink(x), None)],
    "threshold": [(lambda x: F.threshold(x, 0.5, -1.0), None), (lambda x: F.threshold(x, threshold=0.0, value=2.0),
                                                                "keywords")],
}
for _name, _calls in _ACTIVATIONS.items():
    for _fn, _variant in _calls:
        case(f"nn.functional.{_name}", _fn, f32(B, 3, low=-4, high=4), name=_variant)
case("nn.functional.relu", lambda x: F.relu(x), i64(B, 3), name="int")
case("nn.functional.relu", lambda x: F.relu_(x.clone()), f32(B, 3), name="relu_")
case("nn.functional.relu", lambda x: F.relu(x), f32(3, B, view="t"), name="transposed")
case("nn.functional.gelu", lambda x: F.gelu(x), f32(B, 3), name="opset20", opset=20, nodes=["Gelu"])
case("nn.functional.gelu", lambda x: F.gelu(x, approximate="tanh"), f32(B, 3), name="tanh_opset20", opset=20,
     nodes=["Gelu"])
case("nn.functional.gelu", lambda x: F.gelu(x), f32(B, 3), name="opset19", opset=19, nodes=["Erf"], absent=["Gelu"])
case("nn.functional.gelu", lambda x: F.gelu(x, approximate="tanh"), f32(B, 3), name="tanh_opset19", opset=19,
     nodes=["Tanh"], absent=["Gelu"])
case("nn.functional.mish", lambda x: F.mish(x), f32(B, 3), name="opset18", opset=18, nodes=["Mish"])
case("nn.functional.mish", lambda x: F.mish(x), f32(B, 3), name="opset17", opset=17, absent=["Mish"])
case("nn.functional.softplus", lambda x: F.softplus(x), f32(B, 3, low=15, high=30), name="above_threshold")
case("nn.functional.elu", lambda x: F.elu_(x.clone()), f32(B, 3), name="elu_")
case("nn.functional.hardtanh", lambda x: F.hardtanh_(x.clone(), -2.0, 2.0), f32(B, 3, low=-3, high=3),
     name="hardtanh_")
case("nn.functional.prelu", lambda x: F.prelu(x, _SLOPE1), f32(B, 3), nodes=["PRelu"])
case("nn.functional.prelu", lambda x: F.prelu(x, _W3), f32(B, 3, 2, 2), name="channels")
case("nn.functional.prelu", lambda x: F.prelu(x, _W3), f32(B, 3), name="channels_2d")

# ---- nn: interpolation and padding --------------------------------------------------------------------

case("nn.functional.interpolate", lambda x: F.interpolate(x, scale_factor=2), f32(B, 2, 3, 3), nodes=["Resize"])
case("nn.functional.interpolate", lambda x: F.interpolate(x, size=(5, 4)), f32(B, 2, 3, 3), name="size")
case("nn.functional.interpolate", lambda x: F.interpolate(x, scale_factor=1.5), f32(B, 1, 4, 4), name="fractional")
case("nn.functional.interpolate", lambda x: F.interpolate(x, size=7, mode="nearest-exact"), f32(B, 2, 3),
     name="nearest_exact_1d")
case("nn.functional.interpolate", lambda x: F.interpolate(x, scale_factor=2, mode="linear"), f32(B, 2, 3),
     name="linear")
case("nn.functional.interpolate", lambda x: F.interpolate(x, size=(5, 3), mode="bilinear", align_corners=True),
     f32(B, 2, 3, 4), name="bilinear_align_corners")
case("nn.functional.interpolate", lambda x: F.interpolate(x, scale_factor=(2, 1.5), mode="bilinear"),
     f32(B, 2, 3, 4), name="bilinear_scales")
case("nn.functional.interpolate", lambda x: F.interpolate(x, scale_factor=0.5, mode="bilinear"), f32(B, 1, 4, 6),
     name="bilinear_down")
case("nn.functional.interpolate",
     lambda x: F.interpolate(x, scale_factor=1.7, mode="bilinear", recompute_scale_factor=True), f32(B, 1, 3, 3),
     name="recompute_scale_factor")
case("nn.functional.interpolate", lambda x: F.interpolate(x, size=(2, 3), mode="area"), f32(B, 2, 4, 6),
     name="area")
case("nn.functional.interpolate", lambda x: F.interpolate(x, size=1, mode="area"), f32(B, 2, 4), name="area_global")
case("nn.functional.upsample", lambda x: F.upsample(x, scale_factor=2), f32(B, 2, 3, 3), nodes=["Resize"])
case("nn.functional.upsample", lambda x: F.upsample(x, size=5, mode="linear", align_corners=False), f32(B, 2, 3),
     name="linear")
case("nn.functional.upsample_nearest", lambda x: F.upsample_nearest(x, scale_factor=3), f32(B, 1, 2, 2),
     nodes=["Resize"])
case("nn.functional.upsample_nearest", lambda x: F.upsample_nearest(x, size=(3, 5)), f32(B, 1, 2, 2), name="size")
case("nn.functional.upsample_bilinear", lambda x: F.upsample_bilinear(x, scale_factor=2), f32(B, 1, 2, 3),
     nodes=["Resize"])
case("nn.functional.upsample_bilinear", lambda x: F.upsample_bilinear(x, size=(4, 4)), f32(B, 1, 2, 3), name="size")
case("nn.functional.pad", lambda x: F.pad(x, (1, 2)), f32(B, 3), nodes=["Pad"])
case("nn.functional.pad", lambda x: F.pad(x, (1, 0, 0, 2), value=-1.5), f32(B, 2, 3), name="value")
case("nn.functional.pad", lambda x: F.pad(x, [1, 1, 1, 1], "constant", 3), i64(B, 2, 2), name="int")
case("nn.functional.pad", lambda x: F.pad(x, (1, 2), mode="reflect"), f32(B, 2, 4), name="reflect")
case("nn.functional.pad", lambda x: F.pad(x, (1, 1, 2, 0), mode="reflect"), f32(B, 1, 3, 4), name="reflect_2d")
case("nn.functional.pad", lambda x: F.pad(x, (2, 1), mode="replicate"), f32(B, 2, 3), name="replicate")
case("nn.functional.pad", lambda x: F.pad(x, (1, 2), mode="circular"), f32(B, 2, 4), name="circular_opset19",
     opset=19)
case("nn.functional.pad", lambda x: F.pad(x, (-1, 1)), f32(B, 2, 4), name="negative")
case("nn.functional.pad", lambda x: F.pad(x, (0, 0, 1, 0)), f32(B, 2, 4), name="batch_dim_untouched", opset=13)

# ---- nn: attention ----------------------------------------------------------------------------------

case("nn.functional.scaled_dot_product_attention", lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
     f32(B, 2, 3, 4), f32(B, 2, 5, 4), f32(B, 2, 5, 3), nodes=["MatMul", "Softmax"])
case("nn.functional.scaled_dot_product_attention",
     lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), f32(B, 4, 4), f32(B, 4, 4),
     f32(B, 4, 4), name="causal", nodes=["Trilu"])
case("nn.functional.scaled_dot_product_attention",
     lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), f32(B, 3, 4), f32(B, 5, 4),
     f32(B, 5, 2), boolean(3, 5), name="bool_mask")
case("nn.functional.scaled_dot_product_attention",
     lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, m), f32(B, 3, 4), f32(B, 5, 4), f32(B, 5, 2),
     f32(B, 3, 5), name="float_mask")
case("nn.functional.scaled_dot_product_attention",
     lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
     f32(1, 2, 4), f32(1, 3, 4), f32(1, 3, 2), fixed([[True, False, True], [False, False, False]]),
     name="fully_masked_row")
case("nn.functional.scaled_dot_product_attention",
     lambda q, k, v: F.scaled_dot_product_attention(q, k, v, scale=0.3, dropout_p=0.0), f32(B, 3, 4), f32(B, 3, 4),
     f32(B, 3, 4), name="scale")
case("nn.functional.scaled_dot_product_attention",
     lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True), f32(B, 2, 3, 4), f32(B, 2, 3, 4),
     f32(B, 2, 3, 4), name="gqa_same_heads")

# ---- recurrent layers ---------------------------------------------------------------------------------


def _rnn_params(gates, input_size, hidden, layers=1, directions=1, biases=True, seed=10):
    params = []
    for layer in range(layers):
        for _ in range(directions):
            size = input_size if layer == 0 else hidden * directions
            params.append(_const(gates * hidden, size, seed=seed))
            params.append(_const(gates * hidden, hidden, seed=seed + 1))
            if biases:
                params.append(_const(gates * hidden, seed=seed + 2))
                params.append(_const(gates * hidden, seed=seed + 3))
            seed += 4
    return params


_LSTM1 = _rnn_params(4, 3, 2)
_LSTM2BI = _rnn_params(4, 3, 2, layers=2, directions=2)
_LSTM_NOBIAS = _rnn_params(4, 3, 2, biases=False)
_GRU1 = _rnn_params(3, 3, 2)
_GRU2BI = _rnn_params(3, 3, 2, layers=2, directions=2)
_RNN1 = _rnn_params(1, 3, 2)
_RNN2 = _rnn_params(1, 3, 2, layers=2)
_RNN1BI = _rnn_params(1, 3, 2, directions=2, biases=False)

case("lstm", lambda x, h, c: ember.lstm(x, (h, c), _LSTM1, True, 1, 0.0, False, False, False), f32(B, 2, 3),
     f32(1, 2, 2), f32(1, 2, 2), nodes=["LSTM"])
case("lstm", lambda x, h, c: ember.lstm(x, (h, c), _LSTM2BI, True, 2, 0.0, False, True, False), f32(B, 2, 3),
     f32(4, 2, 2), f32(4, 2, 2), name="two_layers_bidirectional")
case("lstm", lambda x, h, c: ember.lstm(x, (h, c), _LSTM_NOBIAS, False, 1, 0.0, False, False, True), f32(B, 4, 3),
     f32(1, B, 2), f32(1, B, 2), name="batch_first_no_bias")
case("lstm", lambda x, h, c: ember.lstm(x, (h, c), _LSTM1, True, 1, 0.0, False, False, False), f32(B, 2, 3),
     f32(1, 2, 2), f32(1, 2, 2), name="opset13", opset=13)
case("gru", lambda x, h: ember.gru(x, h, _GRU1, True, 1, 0.0, False, False, False), f32(B, 2, 3), f32(1, 2, 2),
     nodes=["GRU"])
case("gru", lambda x, h: ember.gru(x, h, _GRU2BI, True, 2, 0.0, False, True, True), f32(B, 4, 3), f32(4, B, 2),
     name="two_layers_bidirectional_batch_first")
case("rnn_tanh", lambda x, h: ember.rnn_tanh(x, h, _RNN1, True, 1, 0.0, False, False, False), f32(B, 2, 3),
     f32(1, 2, 2), nodes=["RNN"])
case("rnn_tanh", lambda x, h: ember.rnn_tanh(x, h, _RNN1BI, False, 1, 0.0, False, True, False), f32(B, 2, 3),
     f32(2, 2, 2), name="bidirectional_no_bias")
case("rnn_relu", lambda x, h: ember.rnn_relu(x, h, _RNN2, True, 2, 0.0, False, False, True), f32(B, 3, 3),
     f32(2, B, 2), nodes=["RNN"])

# ---- dtypes ONNX or onnxruntime lacks for an op, computed in a wider one ------------------------------

case("maximum", lambda x, y: ember.maximum(x, y), i16(B, 3), i16(B, 3), name="int16")
case("minimum", lambda x, y: ember.minimum(x, y), i16(B, 3), i16(3), name="int16")
case("max", lambda x, y: ember.max(x, y), boolean(B, 3), boolean(B, 3), name="binary_bool")
case("min", lambda x, y: ember.min(x, y), i16(B, 3), i16(B, 3), name="binary_int16")
case("Tensor.__lt__", lambda x, y: x < y, boolean(B, 3), boolean(B, 3), name="bool")
case("ge", lambda x, y: ember.ge(x, y), boolean(B, 3), boolean(3), name="bools")
case("Tensor.__gt__", lambda x: x > 0, u8(B, 3), name="uint8")
case("amax", lambda x: ember.amax(x, 1), i16(B, 3), name="int16")
case("amin", lambda x: ember.amin(x), i8(B, 3), name="int8")
case("max", lambda x: ember.max(x, 1), i16(B, 3), name="dim_int16")
case("max", lambda x: ember.max(x, 1), boolean(B, 4), name="dim_bool_ties")
case("min", lambda x: ember.min(x, 0), u8(B, 3), name="dim_uint8")
case("argmax", lambda x: ember.argmax(x, 1), i16(B, 3, low=-100, high=100), name="int16")
case("clamp", lambda x: ember.clamp(x, -2, 3), i16(B, 3), name="int16")
case("clamp", lambda x: ember.clamp(x, 1, 7), u8(B, 3), name="uint8")
case("relu", lambda x: ember.relu(x), i16(B, 3), name="int16")
case("relu", lambda x: ember.relu(x), u8(B, 3), name="uint8")
case("neg", lambda x: ember.neg(x), u8(B, 3), name="uint8_wraps")
case("Tensor.__neg__", lambda x: -x, i16(B, 3), name="int16")
case("where", lambda c, x, y: ember.where(c, x, y), boolean(B, 3), boolean(B, 3), boolean(B, 3), name="bool")
case("where", lambda c, x: ember.where(c, x, 0), boolean(B, 3), i16(B, 3), name="int16")
case("masked_fill", lambda x, m: x.masked_fill(m, True), boolean(B, 3), boolean(B, 3), name="bool")
case("masked_fill", lambda x, m: x.masked_fill(m, 7), i16(B, 3), boolean(B, 3), name="int16")
case("tril", lambda x: ember.tril(x), i8(B, 3), name="int8")
case("triu", lambda x: ember.triu(x, -1), u8(B, 3), name="uint8")
case("triu", lambda x: ember.triu(x), i16(3, 3), name="int16")
case("matmul", lambda x, y: ember.matmul(x, y), i8(B, 3, low=-100, high=100), i8(3, 2, low=-100, high=100),
     name="int8_wraps")
case("mm", lambda x, y: ember.mm(x, y), u8(B, 3, high=200), u8(3, 2, high=200), name="uint8_wraps")
case("bmm", lambda x, y: ember.bmm(x, y), i16(B, 2, 3), i16(B, 3, 2), name="int16")
case("dot", lambda x, y: ember.dot(x, y), i8(4), i8(4), name="int8")
case("outer", lambda x, y: ember.outer(x, y), boolean(B), boolean(3), name="bool")
case("outer", lambda x, y: ember.outer(x, y), i8(B), i8(3), name="int8")
case("einsum", lambda x, y: ember.einsum("ij,jk->ik", x, y), i8(B, 3), i8(3, 2), name="int8")
case("einsum", lambda x: ember.einsum("ij->j", x), i64(B, 3), name="int64")
case("addmm", lambda b, x, y: ember.addmm(b, x, y), i64(2), i64(B, 3), i64(3, 2), name="int64")
case("addmm", lambda b, x, y: ember.addmm(b, x, y, beta=2, alpha=3), i32(B, 2), i32(B, 3), i32(3, 2),
     name="int32_scaled")
case("addmm", lambda b, x, y: ember.addmm(b, x, y), i8(2), i8(B, 3), i8(3, 2), name="int8")
case("addmv", lambda b, x, y: ember.addmv(b, x, y), u8(B), u8(B, 3), u8(3), name="uint8")
case("baddbmm", lambda b, x, y: ember.baddbmm(b, x, y), i32(2, 2), i32(B, 2, 3), i32(B, 3, 2), name="int32")
case("addbmm", lambda b, x, y: ember.addbmm(b, x, y), i16(2, 2), i16(B, 2, 3), i16(B, 3, 2), name="int16")
case("nn.functional.linear", lambda x: F.linear(x, _IW23, _IB2), i64(B, 3), name="int64")
case("nn.functional.linear", lambda x, w: F.linear(x, w), i8(B, 4, 3), i8(2, 3), name="int8_batched")
case("pow", lambda x: ember.pow(x, 3), i8(B, 3), name="int8_wraps")
case("Tensor.__pow__", lambda x, y: x ** y, u8(B, 3), u8(B, 3, high=3), name="uint8")
case("Tensor.__rpow__", lambda x: 3 ** x, i16(B, 3, low=0, high=4), name="int16")
case("all", lambda x: ember.all(x, 1), u8(B, 3, high=2), name="uint8")
case("any", lambda x: x.any(), u8(B, 3, high=1), name="uint8")
case("nonzero", lambda x: ember.nonzero(x), Spec("float64", (B, 3), -1, 1), name="float64")
case("nonzero", lambda x: ember.nonzero(x), i8(B, 3, low=-1, high=1), name="int8")
case("argwhere", lambda x: ember.argwhere(x), i16(B, 3, low=-1, high=1), name="int16")
case("nonzero", lambda x: x.bfloat16().nonzero(), i64(B, 3, low=-1, high=1), name="bfloat16")
case("nn.functional.pad", lambda x: F.pad(x, (1, 1), value=4), i16(B, 3), name="int16")
case("scatter_add", lambda x, i, v: ember.scatter_add(x, 1, i, v), f16(2, 4), fixed([[0, 0, 3], [1, 1, 1]]),
     f16(2, 3), name="float16", rtol=2e-3, atol=2e-3)
case("isinf", lambda x: ember.isinf(x), fixed([1.0, np.nan, np.inf, -np.inf], np.float16), name="float16")
case("isfinite", lambda x: ember.isfinite(x), fixed([1.0, np.nan, np.inf, -np.inf], np.float16), name="float16")
case("nn.functional._max_pool1d_with_indices", lambda x: F.max_pool1d(x, 2, return_indices=True),
     i32(B, 2, 6, low=-100, high=100), name="int32")
case("nn.functional._max_pool2d_with_indices", lambda x: F.max_pool2d(x, 2), i16(B, 1, 4, 4), name="int16")
case("nn.functional._max_pool2d_with_indices", lambda x: F.max_pool2d(x, 2), u8(B, 1, 4, 4), name="uint8")
case("nn.functional.relu6", lambda x: F.relu6(x), i16(B, 3, low=-9, high=9), name="int16")
case("nn.functional.hardtanh", lambda x: F.hardtanh(x, -2, 2), i32(B, 3), name="int32")

# ---- tensors made of traced sizes; writes into tensors ----------------------------------------------

case("tensor", lambda x: x.reshape(ember.tensor([x.size(0), 3, 2]).tolist()), f32(B, 6), name="reshape_tolist")
case("tensor", lambda x: ember.tensor([x.size(0), 4]), f32(B, 3), nodes=["Concat"])
case("tensor", lambda x: ember.tensor(x.size(1), dtype=ember.float32), f32(B, 3), name="scalar_float")
case("as_tensor", lambda x: ember.as_tensor([x.size(1), x.size(0)]), f32(B, 3))
case("as_tensor", lambda x: x * ember.as_tensor(x.size(0)), f32(B, 3), name="scale")


def _copy_into_zeros(x):
    y = ember.zeros(2, 3, dtype=ember.int32)  # a constant, written with a traced value
    y.copy_(x)
    return y


def _copy_broadcast(x, v):
    x = x.clone()
    x.copy_(v)
    return x


def _copy_number(x):
    return x.clone().copy_(ember.tensor(2.5))


def _fill(x):
    return x.clone().fill_(1.5)


def _fill_traced(x, v):
    y = x.clone()
    y.fill_(v)
    return y


def _zero(x):
    y = x.clone()
    y.zero_()
    return y + 1


case("Tensor._copy_out_of_place", _copy_into_zeros, f32(2, 3, low=-9, high=9), nodes=["Expand"])
case("Tensor._copy_out_of_place", _copy_broadcast, f32(B, 3), f32(3), name="broadcast")
case("Tensor._copy_out_of_place", _copy_broadcast, i64(B, 3), f32(B, 3, low=-9, high=9), name="cast")
case("Tensor._copy_out_of_place", _copy_number, f32(B, 3), name="constant_src")
case("Tensor._fill_out_of_place", _fill, f32(B, 3))
case("Tensor._fill_out_of_place", _fill, i32(B, 3), name="int")
case("Tensor._fill_out_of_place", _fill_traced, f32(B, 3), f32(), name="traced_value")
case("Tensor._zero_out_of_place", _zero, f32(B, 3))
case("Tensor._zero_out_of_place", _zero, boolean(B, 3), name="bool")

# ---- more variants: layouts, edge sizes, in-place forms, wrapping integers, float16 -----------------------


def _inplace(method, *args, **kwargs):
    """x.method_(...) on a copy of x (the in-place form traces as its out-of-place op)."""
    def fn(x, *tensors):
        y = x.clone()
        getattr(y, method)(*(tensors + args), **kwargs)
        return y
    return fn


def _iadd(x, y):
    x = x.clone()
    x += y
    return x


def _set_negative_step(x):
    x = x.clone()
    x[::-2] = 0.0
    return x


def _set_two_indices(x, i, j):
    x = x.clone()
    x[i, j] = 5.0
    return x


case("nn.functional._max_pool1d_with_indices", lambda x: F.max_pool1d(x, 2, 3, 1, ceil_mode=True,
                                                                      return_indices=True),
     f32(B, 1, 5), name="ceil_drops_window_in_padding", nodes=["Slice"])
case("nn.functional._max_pool2d_with_indices", lambda x: F.max_pool2d(x, 2, 3, 1, ceil_mode=True), f32(B, 1, 5, 6),
     name="ceil_drops_window_in_padding")
case("nn.functional.avg_pool1d", lambda x: F.avg_pool1d(x, 2, 3, 1, ceil_mode=True), f32(B, 1, 5),
     name="ceil_drops_window_in_padding")
case("nn.functional.avg_pool2d", lambda x: F.avg_pool2d(x, 2, 3, 1, ceil_mode=True, count_include_pad=False),
     f32(B, 1, 5, 5), name="ceil_drops_window_exclude_pad")
case("Tensor.permute", lambda x: x.permute(()), f32(), name="zero_dim")
case("Tensor.__getitem__", lambda x: x[..., None], f32(B, 3), name="ellipsis_none")
case("Tensor.__getitem__", lambda x: x[:, None, :, None], f32(B, 3), name="nones")
case("Tensor.__getitem__", lambda x: x[None], f32(), name="zero_dim_none")
case("Tensor.__getitem__", lambda x: x[-1:0:-1], f32(B, 2), name="negative_step_negative_start")
case("Tensor.__getitem__", lambda x: x[[True, False, True]], f32(3, 2), name="bool_list")
case("Tensor.__getitem__", lambda x, i: x[i, 1:], f32(3, 3), fixed([2, 0]), name="index_then_slice")
case("Tensor.__getitem__", lambda x, i: x[..., i, :], f32(B, 3, 4), fixed([2, 0]), name="ellipsis_index_middle")
case("Tensor.__getitem__", lambda x, m: x[m], f32(B, 3, 4), boolean(B, 3), name="mask_2d_of_3d")
case("Tensor.__getitem__", lambda x, m, i: x[m, i], f32(3, 4), fixed([True, False, True]), fixed([1, 3]),
     name="mask_and_index")
case("Tensor.__getitem__", lambda x, i: x[i], f32(3, 2), fixed(1), name="zero_dim_index")
case("Tensor._setitem_out_of_place", _set_negative_step, f32(5, 2), name="negative_step")
case("Tensor._setitem_out_of_place", _set_two_indices, f32(3, 3), fixed([0, 2]), fixed([1, 1]), name="two_indices")
case("zeros", lambda x: ember.zeros(x.size(0), 2, dtype=ember.bfloat16).float(), f32(B, 2), name="bfloat16")
case("full", lambda x: ember.full((2,), x.size(0)), f32(B, 2), name="sym_value")
case("arange", lambda x: ember.arange(x.size(0), dtype=ember.int32), f32(B, 2), name="int32")
case("arange", lambda x: ember.arange(x.size(0), 0, -1), f32(B, 2), name="negative_step")
case("Tensor.repeat", lambda x: x.repeat(x.size(0), 1), f32(B, 2), name="sym")
case("Tensor.to", lambda x: x.to("cpu", ember.float64), f32(B, 2), name="device_dtype")
case("Tensor.clamp", _inplace("clamp_", -1, 1), f32(B, 3), name="clamp_")
case("add", _inplace("add_", alpha=2), f32(B, 3), f32(B, 3), name="add_")
case("Tensor.__add__", _iadd, f32(B, 3), f32(3), name="iadd")
case("masked_fill", lambda x: x.clone().masked_fill_(x > 0, 0.0), f32(B, 3), name="masked_fill_")
case("relu", _inplace("relu_"), f32(B, 3), name="relu_")
case("mul", _inplace("mul_"), i64(B, 3), i64(B, 3), name="mul_int")
case("where", lambda c: ember.where(c, 1.0, 0.0), boolean(B, 3), name="two_scalars")
case("nn.functional.scaled_dot_product_attention", lambda q: F.scaled_dot_product_attention(q, q, q), f32(3, 4),
     name="unbatched")
case("nn.functional.scaled_dot_product_attention",
     lambda q, k: F.scaled_dot_product_attention(q, k, k, is_causal=True), f32(B, 2, 4), f32(B, 3, 4),
     name="causal_longer_keys")
case("nn.functional.scaled_dot_product_attention",
     lambda q, m: F.scaled_dot_product_attention(q, q, q, attn_mask=m), f32(B, 2, 3, 4), boolean(3, 3),
     name="mask_broadcast_heads")
case("nn.functional.interpolate", lambda x: F.interpolate(x, size=(3, 2), mode="nearest-exact"), f32(B, 1, 5, 5),
     name="nearest_exact_down")
case("nn.functional.interpolate", lambda x: F.interpolate(x, size=3, mode="linear", align_corners=True),
     f32(B, 1, 7), name="linear_down_align_corners")
case("nn.functional.pad", lambda x: F.pad(x, (1, 1, 1, 1, 1, 1)), f32(B, 2, 2, 2), name="three_dims")
case("nn.functional.bilinear", lambda x, y: F.bilinear(x, y, _W234), f32(3), f32(4), name="unbatched")
case("nn.functional.group_norm", lambda x: F.group_norm(x, 2, _W4, _B4), f32(B, 4), name="no_spatial_opset21",
     opset=21)
case("nn.functional.group_norm", lambda x: F.group_norm(x, 2, _W4), f32(B, 4), name="no_spatial")
case("nn.functional.conv_transpose2d", lambda x: F.conv_transpose2d(x, _KT2, padding=1, output_padding=1, stride=2),
     f32(B, 2, 3, 3), name="output_padding")
case("norm", lambda x: ember.norm(x, 0.5), f32(B, 3), name="p_half")
case("norm", lambda x: ember.norm(x, -1, 1), f32(B, 3), name="p_negative")
case("var", lambda x: ember.var(x, []), f32(B, 3), name="empty_dims")
case("mean", lambda x: ember.mean(x, ()), f32(B, 3), name="empty_dims")
case("amax", lambda x: ember.amax(x, ()), f32(B, 3), name="empty_dims")
case("cumsum", lambda x: ember.cumsum(x, 1), f32(0, 3), name="zero_size")
case("prod", lambda x: ember.prod(x, 0), f32(0, 3), name="zero_size")
case("all", lambda x: ember.all(x, 0), f32(0, 3), name="zero_size")
case("unbind", lambda x: ember.unbind(x, 1), f32(0, 2), name="zero_size")
case("split", lambda x: ember.split(x, 1, 1), f32(0, 2), name="zero_size")
case("tensor_split", lambda x: ember.tensor_split(x, [1, 5], 1), f32(B, 3), name="index_past_end")
case("narrow", lambda x: ember.narrow(x, 1, 3, 0), f32(B, 3), name="zero_length")
case("tile", lambda x: ember.tile(x, (2, 2)), f32(), name="zero_dim")
case("stack", lambda x: ember.stack([x, x], 1), f32(0, 2), name="zero_size")
case("Tensor.__sub__", lambda x, y: x - y, u8(B, 3), u8(B, 3), name="uint8_wraps")
case("Tensor.__mul__", lambda x: x * 100, i8(B, 3), name="int8_wraps")
case("Tensor.__floordiv__", lambda x: x // 3, u8(B, 3, high=250), name="uint8")
case("Tensor.__floordiv__", lambda x: x // -3, i8(B, 3, low=-100, high=100), name="int8")
case("remainder", lambda x: ember.remainder(x, -3), i16(B, 3, low=-100, high=100), name="int16")
case("fmod", lambda x: ember.fmod(x, -3), i8(B, 3, low=-100, high=100), name="int8")
case("sign", lambda x: ember.sign(x), u8(B, 3, high=2), name="uint8")
case("abs", lambda x: ember.abs(x), i8(B, 3), name="int8")
case("round", lambda x: ember.round(x), fixed([0.5, 1.5, 2.5, -0.5], np.float16), name="float16")
case("trunc", lambda x: ember.trunc(x), f16(B, 3, low=-5, high=5), name="float16")
case("signbit", lambda x: ember.signbit(x), fixed([-0.0, 0.0, -1.0], np.float16), name="float16")
case("max", lambda x: x.max(0), f16(B, 3), name="dim_float16")
case("argmax", lambda x: x.argmax(), f16(B, 3), name="float16")
case("Tensor.clamp", lambda x: x.clamp(0, 1), f16(B, 3), name="float16")
case("Tensor.__floordiv__", lambda x: x // 1.5, f16(B, 3, low=-5, high=5), name="float16")
case("Tensor.__mod__", lambda x: x % 1.5, f16(B, 3, low=-5, high=5), name="float16", rtol=2e-3, atol=2e-3)
case("masked_fill", lambda x: x.masked_fill(x < 0, 0.5), f16(B, 3), name="float16")

# ---- the ops' own keyword names -----------------------------------------------------------------------

case("outer", lambda x, y: ember.outer(x, other=y), f32(B), f32(3), name="keyword")
case("ger", lambda x, y: ember.ger(input=x, other=y), f32(B), f32(3), name="keywords")
case("tensor_split", lambda x: ember.tensor_split(x, indices_or_sections=[1], dim=1), f32(B, 3), name="keywords")
case("chunk", lambda x: ember.chunk(x, chunks=2, dim=1), f32(B, 4), name="keywords")
case("split", lambda x: ember.split(x, split_size_or_sections=[1, 2], dim=1), f32(B, 3), name="keywords")
case("addmm", lambda c, x, y: ember.addmm(c, a=x, b=y, alpha=0.5), f32(2), f32(B, 3), f32(3, 2), name="keywords")
case("Tensor.round", lambda x: x.round(1), f32(B, 3), name="positional_decimals")
case("gather", lambda x, i: ember.gather(x, dim=1, index=i), f32(B, 3), i64(B, 2, low=0, high=2), name="keywords")
case("index_select", lambda x, i: ember.index_select(x, dim=1, index=i), f32(B, 3), fixed([2, 0]), name="keywords")
case("take_along_dim", lambda x, i: ember.take_along_dim(x, indices=i, dim=1), f32(B, 3), i64(B, 1, low=0, high=2),
     name="keywords")
case("transpose", lambda x: ember.transpose(x, dim0=1, dim1=0), f32(B, 3), name="keywords")
case("narrow", lambda x: ember.narrow(x, dim=1, start=1, length=2), f32(B, 3), name="keywords")
case("select", lambda x: ember.select(x, dim=1, index=-1), f32(B, 3), name="keywords")
case("squeeze", lambda x: ember.squeeze(x, dim=1), f32(B, 1), name="keyword")
case("unsqueeze", lambda x: ember.unsqueeze(x, dim=1), f32(B, 3), name="keyword")
case("flatten", lambda x: ember.flatten(x, start_dim=1, end_dim=2), f32(B, 2, 3, 2), name="keywords")
case("unflatten", lambda x: ember.unflatten(x, dim=1, sizes=(3, 2)), f32(B, 6), name="keywords")
case("movedim", lambda x: ember.movedim(x, source=0, destination=1), f32(B, 3), name="keywords")
case("permute", lambda x: ember.permute(x, dims=(1, 0)), f32(B, 3), name="keyword")
case("reshape", lambda x: ember.reshape(x, shape=(-1,)), f32(B, 3), name="keyword")
case("broadcast_to", lambda x: ember.broadcast_to(x, size=(2, 3)), f32(3), name="keyword")
case("tile", lambda x: ember.tile(x, dims=(2,)), f32(B, 3), name="keyword")
case("roll", lambda x: ember.roll(x, shifts=1, dims=1), f32(B, 3), name="keywords")
case("tril", lambda x: ember.tril(x, diagonal=1), f32(B, 3), name="keyword")
case("stack", lambda x, y: ember.stack(tensors=[x, y], dim=1), f32(B, 3), f32(B, 3), name="keywords")
case("cat", lambda x, y: ember.cat(tensors=[x, y], dim=1), f32(B, 3), f32(B, 1), name="keywords")
case("cumsum", lambda x: ember.cumsum(x, dim=1), f32(B, 3), name="keyword")
case("softmax", lambda x: ember.softmax(x, dim=1, dtype=ember.float64), f32(B, 3), name="keywords")
case("masked_fill", lambda x, m: ember.masked_fill(x, mask=m, value=2.0), f32(B, 3), boolean(B, 3), name="keywords")
case("where", lambda c, x, y: ember.where(condition=c, input=x, other=y), boolean(B, 3), f32(B, 3), f32(B, 3),
     name="keywords")
case("scatter", lambda x, i, v: ember.scatter(x, dim=1, index=i, src=v), f32(2, 3), fixed([[2], [0]]), f32(2, 1),
     name="keywords")
case("matmul", lambda x, y: ember.matmul(input=x, other=y), f32(B, 3), f32(3, 2), name="keywords")
case("nn.functional.embedding", lambda i: F.embedding(input=i, weight=_EMB), i64(B, low=0, high=4), name="keywords")
case("nn.functional.linear", lambda x: F.linear(input=x, weight=_W23, bias=_B2), f32(B, 3), name="keywords")
case("nn.functional.conv2d", lambda x: F.conv2d(input=x, weight=_K2, bias=_B4, stride=(1, 1), padding=(1, 0)),
     f32(B, 2, 4, 4), name="keywords")
case("nn.functional.layer_norm", lambda x: F.layer_norm(x, normalized_shape=[3], weight=_W3, bias=_B3, eps=1e-3),
     f32(B, 3), name="keywords")
case("nn.functional.pad", lambda x: F.pad(x, pad=(1, 1), mode="constant", value=0.5), f32(B, 3), name="keywords")


def _number_cases():
    """Each case gets an id, unique: its op, plus its variant's name."""
    seen = {}
    for c in CASES:
        base = c.op if c.name is None else f"{c.op}-{c.name}"
        n = seen.get(base, 0) + 1
        seen[base] = n
        c.id = base if n == 1 else f"{base}-{n}"


_number_cases()
