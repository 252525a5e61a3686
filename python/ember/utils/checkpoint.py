"""Activation checkpointing (torch.utils.checkpoint): trade compute for memory.

`checkpoint(fn, *args)` runs `fn` without recording a graph, so none of its intermediate
results are kept; the graph holds one node that saves only the inputs (and the random number
generator's state). When backward reaches that node, `fn` runs again with grad recording on
(the same random numbers, so dropout masks repeat) and the gradients flow through the fresh
graph.

The two variants differ as in PyTorch, where it matters to users:

- use_reentrant=True: the node's inputs are the tensor arguments; the recomputed graph is
  differentiated by a nested `backward` call, which accumulates the gradients of the tensors
  `fn` uses from outside (module parameters) into their `.grad`. Keyword arguments are refused,
  and when no argument requires grad the result does not either.
- use_reentrant=False (recommended): the node's inputs are the tensor arguments and every tensor
  requiring grad that `fn` reads from outside (found by watching the ops `fn` calls), so the
  parameters' gradients take the ordinary path: `autograd.grad` works, keyword arguments are
  passed on, and the arguments need not require grad. `context_fn` wraps the forward and the
  recomputation, and the recomputation's outputs are checked to match the forward's
  (`determinism_check="default"`).
"""
import contextlib
import warnings

import ember
from .._op_layer import Mode
from .._tensor import Tensor
from ..autograd import enable_grad, no_grad
from ..autograd.api import backward as _backward, grad as _grad
from ..autograd.function import Function

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "CheckpointFunction", "noop_context_fn",
           "detach_variable", "set_checkpoint_early_stop", "set_checkpoint_debug_enabled", "get_device_states",
           "set_device_states", "DefaultDeviceType"]

_USE_REENTRANT_WARNING = (
    "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch 2.9, "
    "calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is recommended, but if "
    "you need to preserve the current default behavior, you can pass use_reentrant=True. Refer to docs for more "
    "details on the differences between the two variants.")


class CheckpointError(RuntimeError):
    """The recomputation in backward did not reproduce the forward pass."""


def noop_context_fn():
    """The default context_fn: no context around the forward or the recomputation."""
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs):
    """The tensors of `inputs` detached, each requiring grad as its original did."""
    if not isinstance(inputs, tuple):
        raise RuntimeError(f"Only tuple of tensors is supported. Got Unsupported input type: {type(inputs).__name__}")
    out = []
    for x in inputs:
        if isinstance(x, Tensor):
            d = x.detach()
            d.requires_grad_(x.requires_grad)
            out.append(d)
        else:
            out.append(x)
    return tuple(out)


@contextlib.contextmanager
def set_checkpoint_early_stop(enable):
    """Accepted for PyTorch compatibility: ember's recomputation always runs the whole function."""
    yield


@contextlib.contextmanager
def set_checkpoint_debug_enabled(enabled):
    """Accepted for PyTorch compatibility: ember records no debug trace of the recomputation."""
    yield


class DefaultDeviceType:
    """The device type whose random state checkpoint preserves besides the CPU's ("cuda" by
    default). ember's generator is one for every device, so the choice changes nothing."""

    _default_device_type = "cuda"

    @staticmethod
    def set_device_type(device="cuda"):
        DefaultDeviceType._default_device_type = device

    @staticmethod
    def get_device_type():
        return DefaultDeviceType._default_device_type


def get_device_states(*args):
    """(devices, states) of the accelerators the tensors in `args` live on: none in ember, whose
    one generator get_rng_state already covers."""
    return [], []


def set_device_states(devices, states, *, device_type=None):
    """Sets the accelerator random states get_device_states returned (none in ember)."""
    if len(devices) != len(states):
        raise ValueError(f"set_device_states: {len(devices)} devices and {len(states)} states")


def _flatten(outputs):
    return list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]


def _restore(flat, like):
    """`flat` in the structure of `like` (a tensor, or a tuple / list of values)."""
    if isinstance(like, tuple):
        return tuple(flat)
    if isinstance(like, list):
        return list(flat)
    return flat[0]


class _RngState:
    """The generator's state at the forward pass, set again for the recomputation."""

    def __init__(self, preserve):
        self.state = ember.get_rng_state() if preserve else None

    @contextlib.contextmanager
    def replay(self):
        if self.state is None:
            yield
            return
        current = ember.get_rng_state()
        ember.set_rng_state(self.state)
        try:
            yield
        finally:
            ember.set_rng_state(current)


def _recompute_inputs(args):
    """The arguments for the recomputation: tensors detached (a fresh graph starts at them),
    requiring grad as the originals."""
    return detach_variable(tuple(args))


# ---- use_reentrant=True ----------------------------------------------------------------------------

class _ReentrantCheckpoint(Function):
    @staticmethod
    def forward(ctx, run, preserve, *args):
        ctx.run = run
        ctx.rng = _RngState(preserve)
        ctx.args = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        with no_grad():
            outputs = run(*args)
        ctx.structure = outputs
        return outputs

    @staticmethod
    def backward(ctx, *grads):
        saved = iter(ctx.saved_tensors)
        args = [next(saved) if a is None else a for a in ctx.args]
        inputs = _recompute_inputs(args)
        with ctx.rng.replay(), enable_grad():
            outputs = ctx.run(*inputs)
        flat = _flatten(outputs)
        pairs = [(o, g) for o, g in zip(flat, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        _backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(x.grad if isinstance(x, Tensor) else None for x in inputs)


CheckpointFunction = _ReentrantCheckpoint  # PyTorch's name of the reentrant variant's Function


# ---- use_reentrant=False ---------------------------------------------------------------------------

class _ExternalTensors(Mode):
    """Watches the ops called under it and collects the tensors requiring grad they read:
    under no_grad, those come from outside the checkpointed function."""

    priority = 5

    def __init__(self, skip):
        self.skip = {id(t) for t in skip}
        self.found = []

    def _scan(self, values):
        for v in values:
            if isinstance(v, Tensor):
                if v.requires_grad and id(v) not in self.skip:
                    self.skip.add(id(v))
                    self.found.append(v)
            elif type(v) in (list, tuple):
                self._scan(v)

    def __call__(self, op, args, kwargs, proceed):
        self._scan(args)
        if kwargs:
            self._scan(kwargs.values())
        return proceed(*args, **kwargs)


class _NonReentrantCheckpoint(Function):
    """The node of a non-reentrant checkpoint: its inputs are the arguments' tensors and the
    external tensors the function read; the forward's results come in precomputed."""

    @staticmethod
    def forward(ctx, state, *tensors):
        ctx.state = state
        ctx.save_for_backward(*tensors)
        return tuple(o.detach() if isinstance(o, Tensor) else o for o in state["flat"])

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        tensors = ctx.saved_tensors
        n_args = state["n_arg_tensors"]
        arg_tensors, externals = tensors[:n_args], tensors[n_args:]
        fresh = iter(_recompute_inputs(arg_tensors))
        args = [next(fresh) if a is None else a for a in state["args"]]
        fresh_args = [a for a in args if isinstance(a, Tensor)]
        _, recompute_ctx = state["context_fn"]()
        with state["rng"].replay(), enable_grad(), recompute_ctx:
            outputs = state["fn"](*args, **state["kwargs"])
        flat = _flatten(outputs)
        if state["check"]:
            _check_same(state["flat"], flat)
        targets = list(fresh_args) + list(externals)
        wanted = [i for i, t in enumerate(targets) if t.requires_grad and ctx.needs_input_grad[1 + i]]
        pairs = [(o, g) for o, g in zip(flat, grads) if isinstance(o, Tensor) and o.requires_grad and g is not None]
        result = [None] * len(targets)
        if wanted and pairs:
            found = _grad([o for o, _ in pairs], [targets[i] for i in wanted], [g for _, g in pairs],
                          allow_unused=True)
            for i, g in zip(wanted, found):
                result[i] = g
        return (None,) + tuple(result)


def _describe(t):
    return f"shape {list(t.shape)}, dtype {t.dtype}" if isinstance(t, (Tensor, _Meta)) else type(t).__name__


def _check_same(original, recomputed):
    """Raises CheckpointError unless the recomputation's results have the forward's shapes and dtypes."""
    if len(original) != len(recomputed):
        raise CheckpointError(f"torch.utils.checkpoint: the recomputed function returned {len(recomputed)} values, "
                              f"the forward pass {len(original)}")
    for i, (a, b) in enumerate(zip(original, recomputed)):
        if isinstance(a, _Meta) != isinstance(b, Tensor) or (
                isinstance(a, _Meta) and (a.shape != tuple(b.shape) or a.dtype != b.dtype)):
            raise CheckpointError(f"torch.utils.checkpoint: Recomputed values for the following tensors have "
                                  f"different metadata than during the forward pass.\noutput {i}: saved "
                                  f"{_describe(a)}, recomputed {_describe(b)}")


def _checkpoint_without_reentrant(fn, preserve, context_fn, determinism_check, args, kwargs):
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    rng = _RngState(preserve)
    arg_tensors = [a for a in args if isinstance(a, Tensor)]
    forward_ctx, _ = context_fn()
    watcher = _ExternalTensors(arg_tensors)
    with no_grad(), forward_ctx, watcher:
        outputs = fn(*args, **kwargs)
    flat = _flatten(outputs)
    state = {"fn": fn, "args": [None if isinstance(a, Tensor) else a for a in args], "kwargs": kwargs,
             "n_arg_tensors": len(arg_tensors), "rng": rng, "context_fn": context_fn, "flat": flat,
             "check": determinism_check == "default"}
    # the forward's values stay with the results only: the node keeps their metadata
    results = _NonReentrantCheckpoint.apply(state, *arg_tensors, *watcher.found)
    state["flat"] = [_Meta(o) if isinstance(o, Tensor) else o for o in flat]
    return _restore(list(results), outputs)


class _Meta:
    """The shape and dtype of a forward result, for the determinism check."""

    __slots__ = ("shape", "dtype")

    def __init__(self, t):
        self.shape, self.dtype = tuple(t.shape), t.dtype


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn, determinism_check="default",
               debug=False, early_stop=True, **kwargs):
    """function(*args, **kwargs), with its intermediate results recomputed in backward rather
    than kept (see the module's docstring). preserve_rng_state=True (a keyword) replays the
    random numbers of the forward pass in the recomputation."""
    if use_reentrant is None:
        warnings.warn(_USE_REENTRANT_WARNING, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args) and ember.is_grad_enabled():
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
        return _ReentrantCheckpoint.apply(function, preserve, *args)
    if not ember.is_grad_enabled():
        return function(*args, **kwargs)
    return _checkpoint_without_reentrant(function, preserve, context_fn, determinism_check, args, kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Runs the modules (or functions) in `functions` one after the other on `input`, in
    `segments` chunks: each chunk but the last is checkpointed."""
    if use_reentrant is None:
        warnings.warn(_USE_REENTRANT_WARNING, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    from ..nn import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())
    functions = list(functions)

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
