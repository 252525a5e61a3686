"""The op layer: the one place where a call of an ember op is intercepted.

Every public op (a function of ember, ember.nn.functional or ember.linalg, and every Tensor
method that computes) is defined with `@op` (or `op(name, fn)`) in the file that implements
it. The decorator registers the op under its name in OPS and returns a wrapper whose fast path
(no mode active in any thread, no operand requiring grad) calls the implementation at once:
one list test, then one attribute test per tensor operand. The wrapper is native
(python/src/op_wrapper.cpp: no Python frame of its own, the arguments passed on as they came)
and binds as a function does; a few hot ops also have native bodies (`native`).

Otherwise the call passes through this thread's active modes, outermost first, and last
through grad recording; each sees the op once, in a fixed order of priority:

    profiler (0)  <  autocast (10)  <  tracing (20)  <  grad recording (always last)

A mode (a `Mode` subclass) is active inside `with mode:`, in the thread that entered it. It
handles a call as `mode(op, args, kwargs, proceed)`: it may change the arguments or record
something, and returns `proceed(*args, **kwargs)` (the rest of the chain) or a result of its
own. Grad recording is registered by ember.autograd (`set_grad_recorder`): it records a node
when grad mode is on, an operand requires grad and the op has a backward rule, and otherwise
calls the op.

Names: "add" is ember.add, "nn.functional.relu" F.relu, "linalg.inv" ember.linalg.inv and
"Tensor.view" a method. A method that takes its function's arguments with self first uses
the function's rule and exporter ("Tensor.exp" falls back to "exp"). In-place ops ("Tensor.add_",
"nn.functional.relu_", "Tensor.__iadd__") name their out-of-place form (`functional_name`),
through which grad recording and tracing see them.
"""
import functools
import threading

from . import _C

OPS = {}         # name -> OpDef, every op defined with @op
_ACTIVE = []     # the modes active in any thread: the fast path tests only that this is empty
_local = threading.local()
Tensor = None    # ember.Tensor, set by _tensor.py once the class exists (set_tensor_class)

PROFILER, AUTOCAST, TRACING = 0, 10, 20


class OpDef:
    """One op: its name, its implementation and the per-op facts the modes cache on it."""

    __slots__ = ("name", "fn", "wrapper", "grad_plan", "record", "cache")

    def __init__(self, name, fn):
        self.name = name
        self.fn = fn
        self.wrapper = None
        self.grad_plan = None  # how grad recording records this op, found on first use
        self.record = None     # record(args, kwargs): that recording bound to this op (no mode active)
        self.cache = {}  # facts a mode computes once per op

    def lookup(self, table):
        """The entry of `table` for this op: under its own name, else (a method taking its
        function's arguments) under the function's."""
        entry = table.get(self.name)
        if entry is None and self.name.startswith("Tensor."):
            entry = table.get(self.name[7:])
        return entry

    @property
    def functional(self):
        """The out-of-place op an in-place op is recorded through, or None."""
        name = functional_name(self.name)
        if name is None:
            return None
        found = OPS.get(name)
        if found is None and name.startswith("Tensor."):
            found = OPS.get(name[7:])
        return found

    def __repr__(self):
        return f"<op {self.name}>"


_INPLACE_FORMS = {"__setitem__": "_setitem_out_of_place", "copy_": "_copy_out_of_place",
                  "fill_": "_fill_out_of_place", "zero_": "_zero_out_of_place",
                  "__iadd__": "__add__", "__isub__": "__sub__", "__imul__": "__mul__",
                  "__itruediv__": "__truediv__", "__ipow__": "__pow__", "__imod__": "__mod__",
                  "__ifloordiv__": "__floordiv__", "__iand__": "__and__", "__ior__": "__or__",
                  "__ixor__": "__xor__", "__ilshift__": "__lshift__", "__irshift__": "__rshift__",
                  "__imatmul__": "__matmul__"}


def functional_name(name):
    """The name of the out-of-place form of the in-place op `name`, or None if it is not one."""
    prefix, _, short = name.rpartition(".")
    if short in _INPLACE_FORMS and prefix == "Tensor":
        return f"Tensor.{_INPLACE_FORMS[short]}"
    if short.endswith("_") and not short.startswith("_"):
        return f"{prefix}.{short[:-1]}" if prefix else short[:-1]
    return None


# ---- defining ops --------------------------------------------------------------------------------

def op(name=None, fn=None, *, namespace=""):
    """Defines an op. `@op` names it after the function (in `namespace`), `@op("name")`
    explicitly; `op("name", fn)` wraps an existing function."""
    if callable(name) and fn is None:  # bare @op
        return _define(_qualified(namespace, name.__name__), name)
    if fn is not None:
        return _define(_qualified(namespace, name), fn)

    def decorate(f):
        return _define(_qualified(namespace, name or f.__name__), f)
    return decorate


def namespace(prefix):
    """The `op` decorator of a module whose ops live in `prefix` ("nn.functional", "linalg")."""
    return functools.partial(op, namespace=prefix)


def method(name, fn):
    """Tensor method `name` as an op named "Tensor.name"."""
    return _define(f"Tensor.{name}", fn)


def install_methods(table):
    """Installs the Tensor methods {name: fn}. Each function becomes one op, named after the
    first name it appears under; the later names are aliases of that op."""
    ops = {}
    for name, fn in table.items():
        wrapped = ops.get(id(fn))
        if wrapped is None:
            wrapped = ops[id(fn)] = method(name, fn)
        setattr(Tensor, name, wrapped)


def _qualified(prefix, name):
    return f"{prefix}.{name}" if prefix and not name.startswith(prefix + ".") else name


def _define(name, fn):
    if getattr(fn, "__ember_op__", None) is not None:  # already an op: an alias
        return fn
    od = OpDef(name, fn)
    if name in OPS:
        raise ValueError(f"op {name!r} defined twice")
    OPS[name] = od
    return _wrapper(od, fn, fn, scan_sequences=True)


def native(name, fn, body, scan_sequences=True):
    """An op whose body is native (`body`, one of python/src/fast_ops.cpp's functions, which
    hands every call it does not handle to `fn`): the op runs `body`, and its wrapper looks
    like `fn` (name, signature, docstring)."""
    od = OpDef(name, body)
    if name in OPS:
        raise ValueError(f"op {name!r} defined twice")
    OPS[name] = od
    return _wrapper(od, body, fn, scan_sequences)


def _wrapper(od, fn, looks_like, scan_sequences):
    """The native wrapper of `od` (python/src/op_wrapper.cpp): with no mode active in any
    thread and no operand requiring grad (in list/tuple arguments too, with `scan_sequences`)
    it calls `fn` with the call's own arguments; else `od.record(args, kwargs)` (no mode
    active: straight to grad recording), `_record_known` before grad recording bound it, or
    `dispatch` through the modes."""
    wrapper = _C._op_layer.Op(od, fn, _ACTIVE, scan_sequences)
    functools.update_wrapper(wrapper, looks_like)
    wrapper.__ember_op__ = od
    od.wrapper = wrapper
    return wrapper


def operator(name, fast, body=None):
    """A binary operator method `name` (self, other): the wrapper tests self and other (a
    Tensor operand, never inside a sequence) before calling `fast(self, other)`, its
    implementation (or `body`, a native one that hands what it does not handle to `fast`)."""
    od = OpDef(f"Tensor.{name}", body or fast)
    if od.name in OPS:
        raise ValueError(f"op {od.name!r} defined twice")
    OPS[od.name] = od
    wrapper = _wrapper(od, body or fast, fast, scan_sequences=False)
    wrapper.__name__ = name
    wrapper.__qualname__ = f"Tensor.{name}"
    return wrapper


def define(name, fn):
    """An op whose wrapper the caller writes itself, with the fast path inlined (the arithmetic
    operators): the wrapper calls `slow(od, args)` when the fast path does not apply, and is
    set as `od.wrapper`."""
    od = OpDef(name, fn)
    if name in OPS:
        raise ValueError(f"op {name!r} defined twice")
    OPS[name] = od
    return od


def slow(od, args):
    """The slow path of a wrapper written by hand (see `define`)."""
    if not _ACTIVE:
        record = od.record
        return record(args, _NO_KWARGS) if record is not None else _grad_recorder_known(od, args, _NO_KWARGS)
    return dispatch(od, args, {})


def op_of(fn):
    """The OpDef behind an op's wrapper (None for a plain function)."""
    return getattr(fn, "__ember_op__", None)


# ---- calling through the modes ------------------------------------------------------------------

def _no_recorder(od, args, kwargs, proceed):
    return proceed(*args, **kwargs)


def _no_recorder_known(od, args, kwargs):
    return od.fn(*args, **kwargs)


def _record_known(od, args, kwargs):
    """The native wrappers' call of grad recording before it bound itself to the op (`od.record`)."""
    return _grad_recorder_known(od, args, kwargs)


_NO_KWARGS = {}  # never written: recording only reads an operator's (empty) keyword arguments


_grad_recorder = _no_recorder
_grad_recorder_known = _no_recorder_known


def _call_python(od, args, kwargs):
    """The native wrappers' path for a call with an operand whose class computes `_node` itself
    (a sparse tensor: its values' edge), which only Python can read: the wrapper's tests, in
    Python. (sparse/_coo.py finds the op that refused a sparse operand by this frame's `od`.)"""
    if not _ACTIVE:
        if not _requires_grad(args) and not _requires_grad(kwargs.values()):
            return od.fn(*args, **kwargs)
        record = od.record
        return record(args, kwargs) if record is not None else _grad_recorder_known(od, args, kwargs)
    return dispatch(od, args, kwargs)


def _requires_grad(values):
    for t in values:
        if isinstance(t, Tensor):
            if t._node is not None:
                return True
        elif type(t) is list or type(t) is tuple:
            if _requires_grad(t):
                return True
    return False


def set_tensor_class(cls):
    """Called by _tensor.py once ember.Tensor exists: the class the wrappers test operands of."""
    global Tensor
    Tensor = cls
    _C._op_layer.setup(cls, _record_known, dispatch, _call_python)


def set_grad_recorder(recorder, known):
    """Registers grad recording, the last handler of every chain (ember.autograd does):
    `recorder(op, args, kwargs, proceed)`, and `known(op, args, kwargs)` for the call of an op
    with an operand that requires grad while no mode is active (the wrappers' shortcut)."""
    global _grad_recorder, _grad_recorder_known
    _grad_recorder, _grad_recorder_known = recorder, known


def dispatch(od, args, kwargs):
    """The slow path of an op: through this thread's modes, then grad recording."""
    modes = getattr(_local, "modes", None)
    if not modes:
        return _grad_recorder(od, args, kwargs, od.fn)
    return _Chain(od, modes, 0)(*args, **kwargs)


class _Chain:
    """`proceed` for the mode at position `i`: calls the rest of the chain."""

    __slots__ = ("od", "modes", "i")

    def __init__(self, od, modes, i):
        self.od, self.modes, self.i = od, modes, i

    def __call__(self, *args, **kwargs):
        od, modes, i = self.od, self.modes, self.i
        if i == len(modes):
            return _grad_recorder(od, args, kwargs, od.fn)
        return modes[i](od, args, kwargs, _Chain(od, modes, i + 1))


class Mode:
    """A context manager that makes this object see every op called in its thread."""

    priority = 50

    def __call__(self, op, args, kwargs, proceed):
        return proceed(*args, **kwargs)

    def sizes(self, tensor):
        """The sizes `tensor.shape` reports while this mode is active, or None (the real ones)."""
        return None

    def value_read(self, tensor, how):
        """Called when a tensor's values leave the op layer (`item`, `tolist`, `bool`, ...); may
        return what the read gives instead (tracing: sizes that stay in the graph), or None."""
        return None

    def __enter__(self):
        modes = list(getattr(_local, "modes", None) or ())
        modes.append(self)
        modes.sort(key=lambda m: m.priority)  # stable: equal priorities nest in entry order
        _local.modes = modes
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc):
        modes = list(_local.modes)
        for i in range(len(modes) - 1, -1, -1):
            if modes[i] is self:
                del modes[i]
                break
        _local.modes = modes
        for i in range(len(_ACTIVE) - 1, -1, -1):
            if _ACTIVE[i] is self:
                del _ACTIVE[i]
                break
        return False


def mode_active(priority):
    """Whether a mode of this priority (TRACING, AUTOCAST, PROFILER) is active in this thread:
    code that computes outside the op layer (a fused kernel called directly) must leave the
    work to ops while tracing, which sees only ops."""
    return any(m.priority == priority for m in getattr(_local, "modes", None) or ())


def sizes_of(tensor):
    """tensor.shape as the active modes report it (Tensor.shape calls this only when a mode is
    active somewhere)."""
    for mode in getattr(_local, "modes", None) or ():
        sizes = mode.sizes(tensor)
        if sizes is not None:
            return sizes
    return None


def value_read(tensor, how):
    """Tells the active modes that `tensor`'s values leave the op layer; the first value a mode
    returns replaces what the read gives (None: the real values)."""
    for mode in getattr(_local, "modes", None) or ():
        value = mode.value_read(tensor, how)
        if value is not None:
            return value
    return None


# The wrappers' slow paths; the tensor class follows once it exists (set_tensor_class).
_C._op_layer.setup_calls(_record_known, dispatch)
