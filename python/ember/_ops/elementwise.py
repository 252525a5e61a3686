"""The elementwise ops: functions in the ember namespace, and their Tensor methods and operators.

Operators are the hot path of every user's loop, so each is a direct call into _C: no dicts,
closures or keyword parsing per call. Python numbers go to _C as they are; the binding turns
them into wrapped-number tensors, which promote like scalars (int32 tensor + 2.5 is float32,
2.5 - int tensor too).
"""
from .. import _C
from .. import _op_layer
from .._op_layer import _ACTIVE, _NO_KWARGS, define, install_methods, method, op, operator, slow
from .._tensor import Tensor, _unwrap, _wrap

_add, _sub, _mul, _div = _C.add, _C.sub, _C.mul, _C.div
_pow, _remainder, _floor_divide = _C.pow, _C.remainder, _C.floor_divide
_eq, _ne, _lt, _le, _gt, _ge = _C.eq, _C.ne, _C.lt, _C.le, _C.gt, _C.ge
_and, _or, _xor = _C.bitwise_and, _C.bitwise_or, _C.bitwise_xor
_shl, _shr = _C.bitwise_left_shift, _C.bitwise_right_shift
_binary_out, _unary_out = _C.binary_out, _C.unary_out
_NO_EXTRA = object()  # an operator's native call takes no trailing argument

_BINARY = ("remainder", "fmod", "floor_divide", "pow", "maximum", "minimum", "atan2",
           "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
           "hypot", "copysign", "logaddexp", "logaddexp2", "xlogy")
_BINARY_ALIASES = {"greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le",
                   "not_equal": "ne", "arctan2": "atan2"}
_UNARY = ("neg", "abs", "sign", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt",
          "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "erf", "floor", "ceil",
          "trunc", "reciprocal", "square", "logical_not", "bitwise_not", "isnan", "isinf",
          "isfinite", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "erfc",
          "erfinv", "lgamma", "digamma", "frac", "signbit", "deg2rad", "rad2deg")
# round is separate: it takes `decimals`
_UNARY_ALIASES = {"negative": "neg", "absolute": "abs", "fix": "trunc", "arcsin": "asin",
                  "arccos": "acos", "arctan": "atan", "arcsinh": "asinh", "arccosh": "acosh",
                  "arctanh": "atanh"}


def _operand(x):
    return x._impl if type(x) is Tensor else _unwrap(x)


def _operand_or_none(x):
    """_operand, or None for what no op takes (the operator then returns NotImplemented)."""
    if type(x) is Tensor:
        return x._impl
    try:
        return _unwrap(x)
    except TypeError:
        return None


def _alpha(alpha, op):
    """add/sub's alpha: a number, or a 0-dim tensor that does not require grad (its value),
    as torch takes it."""
    if isinstance(alpha, Tensor):
        if alpha._impl.ndim != 0 or alpha._node is not None:
            raise TypeError(f"{op}(): argument 'alpha' must be Number, not Tensor")
        return alpha._impl.item()
    return alpha


def _finish(result, out):
    """Wraps a result, or copies it into `out` (out= forms that _C.binary_out does not cover:
    alpha != 1, clamp, round with decimals)."""
    if out is None:
        return _wrap(result)
    out.copy_(_wrap(result))
    return out


# ---- functions in the ember namespace ----------------------------------------------------------
@op
def add(input, other, *, alpha=1, out=None):
    alpha = _alpha(alpha, "add")
    if out is not None and alpha == 1:
        _binary_out("add", _operand(input), _operand(other), out._impl)
        return out
    return _finish(_add(_operand(input), _operand(other), alpha), out)


@op
def sub(input, other, *, alpha=1, out=None):
    alpha = _alpha(alpha, "sub")
    if out is not None and alpha == 1:
        _binary_out("sub", _operand(input), _operand(other), out._impl)
        return out
    return _finish(_sub(_operand(input), _operand(other), alpha), out)


subtract = sub


@op
def mul(input, other, *, out=None):
    if out is not None:
        _binary_out("mul", _operand(input), _operand(other), out._impl)
        return out
    return _wrap(_mul(_operand(input), _operand(other)))


multiply = mul


@op
def div(input, other, *, rounding_mode=None, out=None):
    if out is not None:
        name = {None: "div", "trunc": "div_trunc", "floor": "div_floor"}.get(rounding_mode)
        if name is not None:
            _binary_out(name, _operand(input), _operand(other), out._impl)
            return out
    return _finish(_div(_operand(input), _operand(other), rounding_mode), out)


divide = div


@op
def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def _make_binary(name):
    fn = getattr(_C, name)

    def op(input, other, *, out=None):
        if out is not None:
            _binary_out(name, _operand(input), _operand(other), out._impl)
            return out
        return _wrap(fn(_operand(input), _operand(other)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"ember.{name}(input, other): elementwise, with broadcasting and type promotion."
    return op


def _make_unary(name):
    fn = getattr(_C, name)

    def op(input, *, out=None):
        if out is not None:
            _unary_out(name, input._impl, out._impl)
            return out
        return _wrap(fn(input._impl))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"ember.{name}(input): elementwise."
    return op


_functions = {}
for _name in _BINARY:
    _functions[_name] = op(_name, _make_binary(_name))
for _name in _UNARY:
    _functions[_name] = op(_name, _make_unary(_name))
for _alias, _name in {**_BINARY_ALIASES, **_UNARY_ALIASES}.items():
    _functions[_alias] = _functions[_name]
globals().update(_functions)
del _alias


@op
def round(input, *, decimals=0, out=None):
    """Rounds half to even; with `decimals`, round(input * 10**decimals) / 10**decimals."""
    if decimals == 0:
        result = _C.round(input._impl)
    else:
        scale = 10.0 ** decimals
        result = _div(_C.round(_mul(input._impl, scale)), scale, None)
    return _finish(result, out)


def _bound(x):
    return x._impl if isinstance(x, Tensor) else x


@op
def clamp(input, min=None, max=None, *, out=None):
    return _finish(_C.clamp(input._impl, _bound(min), _bound(max)), out)


clip = clamp


@op
def where(condition, input=None, other=None):
    if input is None and other is None:
        raise NotImplementedError("where(condition) (the indices of true elements) is not supported yet; "
                                  "use where(condition, input, other)")
    return _wrap(_C.where(condition._impl, _operand(input), _operand(other)))


__all__ = sorted(["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
                  "round", "clamp", "clip", "where", *_functions])


# ---- Tensor methods ------------------------------------------------------------------------------
def _install_methods():
    def method_add(self, other, *, alpha=1):
        return _wrap(_add(self._impl, _operand(other), _alpha(alpha, "add")))

    def method_sub(self, other, *, alpha=1):
        return _wrap(_sub(self._impl, _operand(other), _alpha(alpha, "sub")))

    def method_div(self, other, *, rounding_mode=None):
        return _wrap(_div(self._impl, _operand(other), rounding_mode))

    def add_(self, other, *, alpha=1):
        _C.add_(self._impl, _operand(other), _alpha(alpha, "add_"))
        return self

    def sub_(self, other, *, alpha=1):
        _C.sub_(self._impl, _operand(other), _alpha(alpha, "sub_"))
        return self

    def mul_(self, other):
        _C.mul_(self._impl, _operand(other))
        return self

    def div_(self, other, *, rounding_mode=None):
        _C.div_(self._impl, _operand(other), rounding_mode)
        return self

    def true_divide_(self, other):
        _C.div_(self._impl, _operand(other), None)
        return self

    def clamp_method(self, min=None, max=None):
        return _wrap(_C.clamp(self._impl, _bound(min), _bound(max)))

    def clamp_(self, min=None, max=None):
        _C.clamp_(self._impl, _bound(min), _bound(max))
        return self

    def where_method(self, condition, other):
        return _wrap(_C.where(condition._impl, self._impl, _operand(other)))

    def round_method(self, decimals=0):
        return round(self, decimals=decimals)

    def round_(self, decimals=0):
        if decimals == 0:
            _unary_out("round", self._impl, self._impl)
        else:
            self.copy_(round(self, decimals=decimals))
        return self

    methods = {
        "add": method_add, "sub": method_sub, "subtract": method_sub,
        "div": method_div, "divide": method_div, "add_": add_, "sub_": sub_, "subtract_": sub_,
        "mul_": mul_, "multiply_": mul_, "div_": div_, "divide_": div_, "true_divide_": true_divide_,
        "clamp": clamp_method, "clip": clamp_method, "clamp_": clamp_, "clip_": clamp_,
        "where": where_method, "round": round_method, "round_": round_,
    }

    def method_mul(self, other):
        return _wrap(_mul(self._impl, _operand(other)))

    def method_true_divide(self, other):
        return _wrap(_div(self._impl, _operand(other), None))

    methods["mul"] = methods["multiply"] = method_mul
    methods["true_divide"] = method_true_divide

    def binary_method(name):
        fn = getattr(_C, name)

        def method(self, other):
            return _wrap(fn(self._impl, _operand(other)))

        def inplace(self, other):
            _binary_out(name, self._impl, _operand(other), self._impl)
            return self

        return method, inplace

    def unary_method(name):
        fn = getattr(_C, name)

        def method(self):
            return _wrap(fn(self._impl))

        def inplace(self):
            _unary_out(name, self._impl, self._impl)
            return self

        return method, inplace

    for name in _BINARY:
        methods[name], methods[name + "_"] = binary_method(name)
    for name in _UNARY:
        methods[name], methods[name + "_"] = unary_method(name)
    for alias, name in {**_BINARY_ALIASES, **_UNARY_ALIASES}.items():
        methods[alias], methods[alias + "_"] = methods[name], methods[name + "_"]
    # isnan & co. have no in-place form in PyTorch
    for name in ("isnan_", "isinf_", "isfinite_", "signbit_", "logaddexp_", "logaddexp2_"):
        del methods[name]
    named = set()
    for name, fn in methods.items():
        if id(fn) not in named:  # an alias keeps its op's name
            named.add(id(fn))
            fn.__name__ = name
            fn.__qualname__ = "Tensor." + name
    install_methods(methods)


_install_methods()


# ---- operators -------------------------------------------------------------------------------------
# The arithmetic and comparison operators are every user's hot loop: each is generated with the
# op layer's fast-path test inlined before the direct call into _C (one Python frame per `a + b`).

def _operator(name, native, reflected=False, extra=_NO_EXTRA):
    """Tensor.<name>(self, other) calling native(self, other[, extra]), or native(other, self[,
    extra]) when `reflected`."""
    if extra is _NO_EXTRA:
        if reflected:
            def impl(self, other):
                return _wrap(native(_unwrap(other), self._impl))
        else:
            def impl(self, other):
                return _wrap(native(self._impl, other._impl if type(other) is Tensor else _unwrap(other)))
    elif reflected:
        def impl(self, other):
            return _wrap(native(_unwrap(other), self._impl, extra))
    else:
        def impl(self, other):
            return _wrap(native(self._impl, other._impl if type(other) is Tensor else _unwrap(other), extra))
    od = define(f"Tensor.{name}", impl)

    if extra is _NO_EXTRA and not reflected:
        def op(self, other):
            if not _ACTIVE:
                if self._node is None:
                    if type(other) is Tensor:
                        if other._node is None:
                            return _wrap(native(self._impl, other._impl))
                    elif not isinstance(other, Tensor):
                        return _wrap(native(self._impl, _unwrap(other)))
                record = od.record  # an operand may require grad: straight to grad recording
                if record is not None:
                    return record((self, other), _NO_KWARGS)
                return _op_layer._grad_recorder_known(od, (self, other), _NO_KWARGS)
            return slow(od, (self, other))
    elif not reflected:
        def op(self, other):
            if not _ACTIVE:
                if self._node is None:
                    if type(other) is Tensor:
                        if other._node is None:
                            return _wrap(native(self._impl, other._impl, extra))
                    elif not isinstance(other, Tensor):
                        return _wrap(native(self._impl, _unwrap(other), extra))
                record = od.record  # an operand may require grad: straight to grad recording
                if record is not None:
                    return record((self, other), _NO_KWARGS)
                return _op_layer._grad_recorder_known(od, (self, other), _NO_KWARGS)
            return slow(od, (self, other))
    else:
        def op(self, other):
            if not _ACTIVE and self._node is None and not isinstance(other, Tensor):
                return impl(self, other)
            return slow(od, (self, other))

    op.__name__ = impl.__name__ = name
    op.__qualname__ = impl.__qualname__ = f"Tensor.{name}"
    op.__ember_op__ = od
    od.wrapper = op
    return op


for _name, _native, _reflected, _extra in (
        ("__add__", _add, False, 1), ("__radd__", _add, True, 1), ("__sub__", _sub, False, 1),
        ("__rsub__", _sub, True, 1), ("__mul__", _mul, False, _NO_EXTRA), ("__rmul__", _mul, True, _NO_EXTRA),
        ("__truediv__", _div, False, None), ("__rtruediv__", _div, True, None),
        ("__floordiv__", _floor_divide, False, _NO_EXTRA), ("__rfloordiv__", _floor_divide, True, _NO_EXTRA),
        ("__mod__", _remainder, False, _NO_EXTRA), ("__rmod__", _remainder, True, _NO_EXTRA),
        ("__pow__", _pow, False, _NO_EXTRA), ("__rpow__", _pow, True, _NO_EXTRA),
        ("__lt__", _lt, False, _NO_EXTRA), ("__le__", _le, False, _NO_EXTRA), ("__gt__", _gt, False, _NO_EXTRA),
        ("__ge__", _ge, False, _NO_EXTRA)):
    setattr(Tensor, _name, _operator(_name, _native, _reflected, _extra))


def __iadd__(self, other):
    _C.add_(self._impl, other._impl if type(other) is Tensor else _unwrap(other), 1)
    return self


def __isub__(self, other):
    _C.sub_(self._impl, other._impl if type(other) is Tensor else _unwrap(other), 1)
    return self


def __imul__(self, other):
    _C.mul_(self._impl, other._impl if type(other) is Tensor else _unwrap(other))
    return self


def __itruediv__(self, other):
    _C.div_(self._impl, other._impl if type(other) is Tensor else _unwrap(other), None)
    return self


def __ifloordiv__(self, other):
    _binary_out("floor_divide", self._impl, _operand(other), self._impl)
    return self


def __imod__(self, other):
    _binary_out("remainder", self._impl, _operand(other), self._impl)
    return self


def __ipow__(self, other):
    _binary_out("pow", self._impl, _operand(other), self._impl)
    return self


def __neg__(self):
    return _wrap(_C.neg(self._impl))


def __pos__(self):
    if self._impl.dtype.name == "bool":
        raise TypeError("positive: the `+` operator on a bool tensor is not supported")
    return self


def __abs__(self):
    return _wrap(_C.abs(self._impl))


def __invert__(self):
    return _wrap(_C.bitwise_not(self._impl))  # logical not for bool tensors


def _bitwise_operators(name, fn):
    def op(self, other):
        o = _operand_or_none(other)
        return NotImplemented if o is None else _wrap(fn(self._impl, o))

    def rop(self, other):
        o = _operand_or_none(other)
        return NotImplemented if o is None else _wrap(fn(o, self._impl))

    def iop(self, other):
        _binary_out(name, self._impl, _operand(other), self._impl)
        return self

    return op, rop, iop


__and__, __rand__, __iand__ = _bitwise_operators("bitwise_and", _and)
__or__, __ror__, __ior__ = _bitwise_operators("bitwise_or", _or)
__xor__, __rxor__, __ixor__ = _bitwise_operators("bitwise_xor", _xor)
__lshift__, __rlshift__, __ilshift__ = _bitwise_operators("bitwise_left_shift", _shl)
__rshift__, __rrshift__, __irshift__ = _bitwise_operators("bitwise_right_shift", _shr)


# Comparisons with something that is neither a tensor nor a number (t == None) are not ops:
# Python then falls back to identity.
def __eq__(self, other):
    if type(other) is Tensor:
        return _wrap(_eq(self._impl, other._impl))
    o = _operand_or_none(other)
    return NotImplemented if o is None else _wrap(_eq(self._impl, o))


def __ne__(self, other):
    if type(other) is Tensor:
        return _wrap(_ne(self._impl, other._impl))
    o = _operand_or_none(other)
    return NotImplemented if o is None else _wrap(_ne(self._impl, o))


for _fn in (__iadd__, __isub__, __imul__, __itruediv__, __ifloordiv__, __imod__, __ipow__, __eq__, __ne__):
    setattr(Tensor, _fn.__name__, operator(_fn.__name__, _fn))
for _fn in (__neg__, __pos__, __abs__, __invert__):
    setattr(Tensor, _fn.__name__, method(_fn.__name__, _fn))
for _name, _fn in (("__and__", __and__), ("__rand__", __rand__), ("__iand__", __iand__),
                   ("__or__", __or__), ("__ror__", __ror__), ("__ior__", __ior__),
                   ("__xor__", __xor__), ("__rxor__", __rxor__), ("__ixor__", __ixor__),
                   ("__lshift__", __lshift__), ("__rlshift__", __rlshift__), ("__ilshift__", __ilshift__),
                   ("__rshift__", __rshift__), ("__rrshift__", __rrshift__), ("__irshift__", __irshift__)):
    _fn.__name__ = _name
    setattr(Tensor, _name, operator(_name, _fn))
del _fn, _name
