"""The op layer (ember/_op_layer.py): every public op passes through it, modes see each call once
in a fixed order, and nothing rewrites a module's names after import."""
import importlib
import inspect
import threading

import pytest

import ember
import ember.linalg
import ember.nn.functional as F
from conftest import backend_is_torch
from ember import _op_layer
from ember._op_layer import OPS, Mode, op_of
import surface_names

pytestmark = pytest.mark.skipif(backend_is_torch(), reason="checks ember's own op layer")

# Public callables that are not ops: queries and settings with no tensor result, the autograd
# API, serialization, and the ways values leave the op layer (which notify modes instead).
NOT_OPS = {
    "": {"can_cast", "promote_types", "result_type", "is_tensor", "numel", "get_num_threads", "set_num_threads",
         "get_rng_state", "set_rng_state", "initial_seed", "manual_seed", "seed", "is_grad_enabled",
         "is_inference_mode_enabled", "load", "save",
         # function transforms (ember.func): they call the function they are given, whose ops are ops
         "vmap",
         # autocast's per-thread state (ember.amp.autocast_mode)
         "autocast_decrement_nesting", "autocast_increment_nesting", "clear_autocast_cache",
         "get_autocast_cpu_dtype", "get_autocast_dtype", "get_autocast_gpu_dtype", "is_autocast_cache_enabled",
         "is_autocast_cpu_enabled", "is_autocast_enabled", "set_autocast_cache_enabled", "set_autocast_cpu_dtype",
         "set_autocast_cpu_enabled", "set_autocast_dtype", "set_autocast_enabled", "set_autocast_gpu_dtype"},
    "Tensor": {"__array__", "__bool__", "__deepcopy__", "__dlpack__", "__dlpack_device__", "__float__", "__hash__",
               "__index__", "__int__", "__iter__", "__len__", "__reduce_ex__", "__repr__", "_numpy_or_float",
               "backward", "data_ptr", "dim", "element_size", "is_contiguous", "is_floating_point", "item",
               "ndimension", "nelement", "numel", "numpy", "register_hook", "register_post_accumulate_grad_hook", "requires_grad_", "retain_grad", "size",
               "storage_offset", "stride", "tolist",
               "share_memory_", "is_shared", "untyped_storage",  # storage placement (ember._shared_memory), not ops
               "record_stream"},  # an allocator hint
}
NOT_OPS[""] |= surface_names.FUNCTIONS  # settings, queries and predicates of torch's surface
NOT_OPS["Tensor"] |= surface_names.TENSOR_METHODS | surface_names.REBINDING


def _public(module):
    for name in getattr(module, "__all__", dir(module)):
        obj = getattr(module, name, None)
        if name.startswith("_") or not callable(obj) or inspect.isclass(obj) or inspect.ismodule(obj):
            continue
        if getattr(obj, "__module__", "").startswith("ember"):
            yield name, obj


def test_every_public_op_is_an_op_of_the_layer():
    missing = []
    for prefix, module in (("", ember), ("nn.functional", F), ("linalg", ember.linalg)):
        for name, obj in _public(module):
            if op_of(obj) is None and name not in NOT_OPS.get(prefix, ()):
                missing.append(f"{prefix}.{name}" if prefix else name)
    for name, obj in vars(ember.Tensor).items():
        if callable(obj) and not isinstance(obj, property) and op_of(obj) is None \
                and name not in NOT_OPS["Tensor"] and name not in ("__init__", "__format__"):
            missing.append(f"Tensor.{name}")
    assert not missing, f"public callables that bypass the op layer (modes and autograd never see them): {missing}"


def test_not_ops_list_names_existing_callables():
    stale = sorted(n for n in NOT_OPS[""] if not callable(getattr(ember, n, None)))
    stale += sorted(f"Tensor.{n}" for n in NOT_OPS["Tensor"] if n not in vars(ember.Tensor))
    assert not stale


@pytest.mark.parametrize("module", ["ember._ops.elementwise", "ember._ops.reduce", "ember._ops.views",
                                    "ember._ops.shape", "ember._ops.indexing", "ember._ops.linalg",
                                    "ember.nn.functional.activation", "ember.nn.functional.conv",
                                    "ember.nn.functional.loss", "ember.nn.functional.normalization"])
def test_public_names_are_the_defining_modules_objects(module):
    """Each public op is the object its defining module holds: no wrapper installed later."""
    mod = importlib.import_module(module)
    public = F if module.startswith("ember.nn.functional") else ember
    for name in mod.__all__:
        if hasattr(public, name):
            assert getattr(public, name) is getattr(mod, name), f"{module}.{name}"
            assert op_of(getattr(mod, name)) is not None, f"{module}.{name} is not an op"


def test_method_ops_are_named_and_inplace_ops_know_their_out_of_place_form():
    assert op_of(ember.Tensor.__add__).name == "Tensor.__add__"
    assert op_of(ember.Tensor.exp).name == "Tensor.exp"
    assert op_of(ember.Tensor.sum).name == "sum"  # the method is the function
    assert op_of(ember.Tensor.add_).functional is OPS["Tensor.add"]
    assert op_of(ember.Tensor.__iadd__).functional is OPS["Tensor.__add__"]
    assert op_of(ember.Tensor.tril_).functional is OPS["tril"]
    assert op_of(F.relu_).functional is OPS["nn.functional.relu"]
    assert op_of(ember.Tensor.uniform_).functional is None  # a random fill: no out-of-place op
    assert op_of(ember.Tensor.exp).lookup({"exp": 1}) == 1  # a method falls back to its function's entry


class Recorder(Mode):
    priority = 30

    def __init__(self, tag="r", log=None):
        self.tag, self.log = tag, ([] if log is None else log)

    def __call__(self, op, args, kwargs, proceed):
        self.log.append((self.tag, op.name))
        return proceed(*args, **kwargs)


def test_a_mode_sees_every_op_once_in_call_order():
    x = ember.ones(3)
    with Recorder() as r:
        y = (x + 1).relu().sum()
    assert [name for _, name in r.log] == ["Tensor.__add__", "Tensor.relu", "sum"]
    assert y.item() == 6.0
    assert not _op_layer._ACTIVE  # the fast path is back


def test_a_mode_sees_the_parts_of_a_composite():
    x = ember.ones(2, 3)
    with Recorder() as r:
        F.normalize(x)
    names = [name for _, name in r.log]
    assert names[0] == "nn.functional.normalize" and len(names) > 1


def test_modes_run_in_priority_order_whatever_the_order_they_were_entered():
    log = []
    outer, inner = Recorder("outer", log), Recorder("inner", log)
    outer.priority, inner.priority = 5, 25
    x = ember.ones(2)
    with inner, outer:
        x * 2
    assert log == [("outer", "Tensor.__mul__"), ("inner", "Tensor.__mul__")]


def test_a_mode_can_change_arguments_and_grad_recording_sees_the_change():
    class Double(Mode):
        priority = 10

        def __call__(self, op, args, kwargs, proceed):
            if op.name == "Tensor.__mul__":
                args = (args[0], args[1] * 2)
            return proceed(*args, **kwargs)

    w = ember.ones(2, requires_grad=True)
    with Double():
        y = (w * 3).sum()
    assert y.item() == 12.0
    y.backward()
    assert w.grad.tolist() == [6.0, 6.0]  # the recorded node saw the doubled operand


def test_grad_recording_comes_after_the_modes():
    w = ember.ones(2, requires_grad=True)
    with Recorder() as r:
        y = (w * w).sum()
    assert y.grad_fn is not None
    assert [name for _, name in r.log] == ["Tensor.__mul__", "sum"]  # backward's ops are not recorded here
    y.backward()
    assert w.grad.tolist() == [2.0, 2.0]


def test_modes_are_thread_local():
    seen_elsewhere = []
    started, done = threading.Event(), threading.Event()

    def other():
        started.wait()
        seen_elsewhere.append((ember.ones(2) + 1).sum().item())
        done.set()

    t = threading.Thread(target=other)
    t.start()
    one = ember.ones(1)
    with Recorder() as r:
        started.set()
        done.wait(10)
        one * 2
    t.join()
    assert seen_elsewhere == [4.0]
    assert [name for _, name in r.log] == ["Tensor.__mul__"]


def test_inplace_ops_reach_modes_under_their_own_names():
    x = ember.zeros(2)
    with Recorder() as r:
        x.add_(1)
        x += 1
        x[0] = 5
    assert [name for _, name in r.log] == ["Tensor.add_", "Tensor.__iadd__", "Tensor.__setitem__"]
    assert x.tolist() == [5.0, 2.0]


def test_modes_can_report_sizes_and_hear_values_leave():
    class Sizes(Mode):
        def __init__(self):
            self.reads = []

        def sizes(self, tensor):
            return ember.Size([7] * tensor.dim())

        def value_read(self, tensor, how):
            self.reads.append(how)

    x = ember.ones(2, 3)
    with Sizes() as m:
        assert x.shape == (7, 7) and x.size(1) == 7 and x.size() == (7, 7)
        x.sum().item()
        x.tolist()
        bool(x[0, 0])
    assert m.reads == ["item", "tolist", "bool"]
    assert x.shape == (2, 3)


def test_an_op_defined_twice_is_refused():
    with pytest.raises(ValueError, match="defined twice"):
        _op_layer.op("add", lambda a, b: a)
