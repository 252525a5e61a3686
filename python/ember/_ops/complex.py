"""The complex-number ops with torch's names: view_as_real / view_as_complex, real / imag (views
of the parts), complex(real, imag), polar(abs, angle), conj (with conj_physical, resolve_conj
and resolve_neg), angle and sgn, and the Tensor methods and attributes that go with them
(`t.real`, `t.imag` and their setters, `t.mH`, `t.H`, `t.adjoint()`, `t.cfloat()`,
`t.cdouble()`).

conj is eager: it returns a new tensor holding the conjugate (a real tensor is returned as it
is), so no tensor is ever lazily conjugated: is_conj() is always False and resolve_conj() has
nothing to resolve. The kernels are the native ones (csrc/ops/complex.cpp); the backward rules
are in autograd/rules/complex.py.
"""
from .. import _C
from .._op_layer import install_methods, op
from .._tensor import Tensor, _wrap

__all__ = ["view_as_real", "view_as_complex", "real", "imag", "complex", "polar", "conj", "conj_physical",
           "resolve_conj", "resolve_neg", "angle", "sgn", "adjoint"]


@op
def adjoint(input):
    """The conjugate transpose of the last two dims."""
    return _adjoint(_tensor(input, "adjoint"))


def _tensor(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


@op
def view_as_real(input):
    """The complex tensor's (real, imag) pairs as a real tensor with a trailing dim of 2, sharing
    its storage."""
    return _wrap(_C.view_as_real(_tensor(input, "view_as_real")._impl))


@op
def view_as_complex(input):
    """A float32/float64 tensor whose last dim has size 2 and stride 1 as the complex tensor of
    those pairs, sharing its storage."""
    return _wrap(_C.view_as_complex(_tensor(input, "view_as_complex")._impl))


@op
def real(input):
    """The real part as a view (a real tensor is its own real part)."""
    _tensor(input, "real")
    return _wrap(_C.real(input._impl)) if input.dtype.is_complex else input


@op
def imag(input):
    """The imaginary part as a view; real tensors have none (an error, as in torch)."""
    return _wrap(_C.imag(_tensor(input, "imag")._impl))


@op
def complex(real, imag, *, out=None):
    """real + i imag, elementwise with broadcasting (both float32 or both float64)."""
    result = _wrap(_C.complex(_tensor(real, "complex", "real")._impl, _tensor(imag, "complex", "imag")._impl))
    return _into(result, out)


@op
def polar(abs, angle, *, out=None):
    """abs * (cos(angle) + i sin(angle)), elementwise with broadcasting."""
    result = _wrap(_C.polar(_tensor(abs, "polar", "abs")._impl, _tensor(angle, "polar", "angle")._impl))
    return _into(result, out)


def _into(result, out):
    if out is None:
        return result
    _tensor(out, "out", "out").resize_(result.shape).copy_(result)
    return out


@op
def conj(input):
    """The complex conjugate (a new tensor); a real tensor is returned as it is."""
    _tensor(input, "conj")
    return _wrap(_C.conj(input._impl)) if input.dtype.is_complex else input


@op
def conj_physical(input, *, out=None):
    """The complex conjugate, always materialized (ember's conj is too)."""
    return _into(conj(input), out)


@op
def resolve_conj(input):
    """input itself: ember never conjugates lazily, so there is nothing to resolve."""
    return _tensor(input, "resolve_conj")


@op
def resolve_neg(input):
    """input itself: ember never negates lazily."""
    return _tensor(input, "resolve_neg")


@op
def angle(input, *, out=None):
    """The argument of each element in radians: atan2(imag, real) for complex tensors, pi for
    negative reals and 0 for the other reals (integers give the default float dtype)."""
    _tensor(input, "angle")
    if not (input.dtype.is_complex or input.dtype.is_floating_point):
        from .._defaults import get_default_dtype
        input = input.to(get_default_dtype())
    return _into(_wrap(_C.angle(input._impl)), out)


@op
def sgn(input, *, out=None):
    """z / |z| (0 at 0) for complex tensors; sign(x) for real ones."""
    return _into(_wrap(_C.sgn(_tensor(input, "sgn")._impl)), out)


# ---- Tensor methods and attributes ---------------------------------------------------------------

def _inplace(fn):
    def method(self, *args, **kwargs):
        self._impl.copy_(fn(self, *args, **kwargs)._impl)
        return self
    return method


def _real_property():
    def get(self):
        return real(self)

    def set(self, value):
        real(self).copy_(value if isinstance(value, Tensor) else _full_like_part(self, value))
    return property(get, set, doc="The real part, a view (writable: `t.real = x` writes into t).")


def _imag_property():
    def get(self):
        return imag(self)

    def set(self, value):
        imag(self).copy_(value if isinstance(value, Tensor) else _full_like_part(self, value))
    return property(get, set, doc="The imaginary part, a view (complex tensors only).")


def _full_like_part(t, value):
    import ember
    part = t.dtype if not t.dtype.is_complex else (ember.float32 if t.dtype == ember.complex64 else ember.float64)
    return ember.full(tuple(t.shape), value, dtype=part, device=t.device)


def _adjoint(self):
    """The conjugate transpose of the last two dims (a view for real tensors, whose conjugate
    is themselves; a copy for complex ones, since conj is eager)."""
    if self.dim() < 2:
        raise RuntimeError(f"adjoint(): expected a tensor with 2 or more dimensions, but got shape {list(self.shape)}")
    return conj(self.transpose(-2, -1))


def _H(self):
    """The conjugate transpose of a matrix (or of a 1-D tensor: itself, as torch gives it)."""
    if self.dim() > 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors), got {self.dim()}-D")
    return conj(self.t()) if self.dim() == 2 else conj(self)


def _cfloat(self):
    return self.to(_C.dtype.complex64)


def _cdouble(self):
    return self.to(_C.dtype.complex128)


install_methods({
    "conj": conj, "conj_physical": conj_physical, "conj_physical_": _inplace(conj_physical),
    "resolve_conj": resolve_conj, "resolve_neg": resolve_neg, "angle": angle, "sgn": sgn, "sgn_": _inplace(sgn),
    "cfloat": _cfloat, "cdouble": _cdouble, "adjoint": _adjoint,
})
Tensor.mH = property(_adjoint, doc="The conjugate transpose of the last two dims (Tensor.adjoint()).")
Tensor.H = property(_H, doc="The conjugate transpose of a matrix.")
Tensor.real = _real_property()
Tensor.imag = _imag_property()
