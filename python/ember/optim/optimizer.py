"""ember.optim.Optimizer: parameter groups, per-parameter state, state_dict round trips.

Updates run under no_grad with in-place ops on the parameters, so the Parameter objects (and
whatever refers to them) stay the same. The algorithms follow PyTorch's single-tensor
implementations step by step, so trajectories match PyTorch's to float32 rounding.
"""
import copy
import functools
import itertools
from collections import OrderedDict, defaultdict

from .. import _C
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..autograd.tensor_api import zero_grads
from ..nn.modules.module import RemovableHandle

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

# Hooks every optimizer runs around its step, as torch.optim.optimizer's.
_global_optimizer_pre_hooks = OrderedDict()
_global_optimizer_post_hooks = OrderedDict()


def register_optimizer_step_pre_hook(hook):
    """`hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)`, before every step."""
    handle = RemovableHandle(_global_optimizer_pre_hooks)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook):
    """`hook(optimizer, args, kwargs) -> None`, after every step."""
    handle = RemovableHandle(_global_optimizer_post_hooks)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


def _with_step_hooks(step):
    """Wraps a `step` so the step pre- and post-hooks run around it. A step that calls its
    parent's step runs the hooks once: the outermost call runs them."""
    if getattr(step, "_runs_step_hooks", False):
        return step

    @functools.wraps(step)
    def hooked_step(*args, **kwargs):
        # As PyTorch's: the hooks see the step's whole argument tuple, the optimizer first.
        self = args[0]
        if self.__dict__.get("_running_step_hooks"):
            return step(*args, **kwargs)
        self._running_step_hooks = True
        try:
            for hook in tuple(itertools.chain(_global_optimizer_pre_hooks.values(),
                                              self._optimizer_step_pre_hooks.values())):
                result = hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {result}.")
            out = step(*args, **kwargs)
            for hook in tuple(itertools.chain(self._optimizer_step_post_hooks.values(),
                                              _global_optimizer_post_hooks.values())):
                hook(self, args, kwargs)
            return out
        finally:
            self._running_step_hooks = False

    hooked_step._runs_step_hooks = True
    return hooked_step


_HOOK_DICTS = ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
               "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
               "_optimizer_load_state_dict_post_hooks")


def _register(hooks, hook, prepend=False):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


class Optimizer:
    """Base class: `Optimizer(params, defaults)`; `params` is an iterable of tensors, of
    (name, tensor) pairs, or of dicts defining parameter groups."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        for name in _HOOK_DICTS:
            setattr(self, name, OrderedDict())
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or "
                            f"dicts, but got {type(params).__name__}")
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in _HOOK_DICTS:
            self.__dict__.setdefault(name, OrderedDict())

    def __init_subclass__(cls, **kwargs):
        # Every optimizer's own step runs the step hooks, as torch's do (torch patches the
        # class's step on first construction; wrapping at class creation does the same).
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += "\n" + f"Parameter Group {i}"
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    text += "\n" + f"    {key}: {group[key]}"
        return text + "\n)"

    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        # (name, tensor) pairs, as from named_parameters(): the names go to 'param_names'.
        names = [p[0] for p in param_group["params"] if isinstance(p, tuple)]
        param_group["params"] = plist = [p[1] if isinstance(p, tuple) else p for p in param_group["params"]]
        if names:
            if len(names) != len(plist):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for param in plist:
            if not isinstance(param, Tensor):
                module = type(param).__module__
                typename = type(param).__qualname__ if module == "builtins" else f"{module}.{type(param).__qualname__}"
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + typename)
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(plist) != len({id(p) for p in plist}):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this "
                          "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        existing = set()
        for group in self.param_groups:
            existing.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if existing & {id(p) for p in plist}:
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    # ---- state dict ---------------------------------------------------------------------------
    def register_state_dict_pre_hook(self, hook, prepend=False):
        """`hook(optimizer) -> None`, before `state_dict` builds the dict."""
        return _register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """`hook(optimizer, state_dict) -> state_dict or None`, after `state_dict` built it."""
        return _register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """`hook(optimizer, state_dict) -> state_dict or None`, before loading (a shallow copy)."""
        return _register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """`hook(optimizer) -> None`, after `load_state_dict` loaded."""
        return _register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    def state_dict(self):
        """{'state': {index: state}, 'param_groups': [group with 'params' as indices]}, indices
        numbering the parameters across groups in order, as PyTorch's."""
        for hook in tuple(self._optimizer_state_dict_pre_hooks.values()):
            hook(self)
        index_of = {}
        groups = []
        next_index = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            indices = []
            for p in group["params"]:
                if id(p) not in index_of:
                    index_of[id(p)] = next_index
                    next_index += 1
                indices.append(index_of[id(p)])
            packed["params"] = indices
            groups.append(packed)
        state = {(index_of[id(p)] if isinstance(p, Tensor) else p): s for p, s in self.state.items()
                 if not isinstance(p, Tensor) or id(p) in index_of}
        state_dict = {"state": state, "param_groups": groups}
        for hook in tuple(self._optimizer_state_dict_post_hooks.values()):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict):
        """Loads a dict `state_dict()` made, ember's or PyTorch's (torch tensors in it, as from
        `torch.optim.Optimizer.state_dict()`, are converted)."""
        state_dict = state_dict.copy()
        for hook in tuple(self._optimizer_load_state_dict_pre_hooks.values()):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for g, sg in zip(groups, saved_groups):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size "
                                 "of optimizer's group")
        id_map = dict(zip(itertools.chain.from_iterable(g["params"] for g in saved_groups),
                          itertools.chain.from_iterable(g["params"] for g in groups)))
        group_of = {id(p): g for g in saved_groups for p in g["params"]}
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = self._cast_state(param, value, group_of.get(key, {}))
            else:
                state[key] = value
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})
        for hook in tuple(self._optimizer_load_state_dict_post_hooks.values()):
            hook(self)

    @staticmethod
    def _cast_state(param, value, group, key=None):
        """A copy of a saved state value: floating tensors take the parameter's dtype and device;
        'step' stays as saved (float32 where the group is capturable or fused, as PyTorch's);
        lists and tuples (LBFGS's history) are copied element by element."""
        value = _as_ember(value)
        if isinstance(value, Tensor):
            if key == "step":
                if group.get("capturable") or group.get("fused"):
                    return value.to(dtype=_C.dtype.float32, device=param.device).clone()
                return value.clone()
            if param.is_floating_point():
                return value.to(dtype=param.dtype, device=param.device).clone()
            return value.to(device=param.device).clone()
        if isinstance(value, dict):
            return {k: Optimizer._cast_state(param, v, group, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(Optimizer._cast_state(param, v, group) for v in value)
        return copy.deepcopy(value)

    # ---- stepping -----------------------------------------------------------------------------
    # Wraps a step function so the step hooks run around it (what every optimizer's step gets).
    profile_hook_step = staticmethod(_with_step_hooks)

    def register_step_pre_hook(self, hook):
        """`hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)`, before each step."""
        return _register(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """`hook(optimizer, args, kwargs) -> None`, after each step."""
        return _register(self._optimizer_step_post_hooks, hook)

    def step(self, closure=None):
        """One update. `closure` (re-evaluates the model and returns the loss) runs with grad on."""
        loss = None
        if closure is not None:
            from ..autograd.grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group):
        raise NotImplementedError

    @staticmethod
    def _grad(p, maximize):
        g = p.grad
        if g is None:
            return None
        if g.grad_fn is not None or g.requires_grad:
            g = g.detach()
        return -g if maximize else g


Optimizer.step = _with_step_hooks(Optimizer.step)


def _as_ember(value):
    """A torch tensor (from a PyTorch state dict) as an ember tensor; anything else unchanged."""
    if isinstance(value, Tensor) or not hasattr(value, "__dlpack__") or type(value).__module__.split(".")[0] != "torch":
        return value
    from .._ops.interop import from_dlpack
    return from_dlpack(value.detach().cpu().contiguous()).clone()


def _to_scalar(value):
    """A learning rate given as a one-element tensor, as a Python number."""
    if isinstance(value, Tensor):
        return value.item()
    return value


def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_betas(betas):
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def _check_nonnegative(value, what):
    if not 0.0 <= value:
        raise ValueError(f"Invalid {what} value: {value}")


def _step_counter():
    """The 'step' state entry: a float32 zero-dim tensor, as PyTorch keeps it."""
    from .._ops.creation import tensor
    return tensor(0.0, dtype=_C.dtype.float32)


def _step_as_tensor(state):
    """Old state dicts stored 'step' as a number; PyTorch's setstate makes it a tensor."""
    if state and "step" in state and not isinstance(state["step"], Tensor):
        from .._ops.creation import tensor
        state["step"] = tensor(float(state["step"]), dtype=_C.dtype.float32)
