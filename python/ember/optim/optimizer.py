"""ember.optim.Optimizer: parameter groups, per-parameter state, state_dict round trips.

Updates run under no_grad with in-place ops on the parameters, so the Parameter objects (and
whatever refers to them) stay the same. The algorithms follow PyTorch's single-tensor
implementations step by step, so trajectories match PyTorch's to float32 rounding.
"""
import copy
import itertools
from collections import OrderedDict, defaultdict

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..autograd.tensor_api import zero_grads

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_hook_ids = itertools.count()


class _Handle:
    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def remove(self):
        self._hooks.pop(self._key, None)


class Optimizer:
    """Base class: `Optimizer(params, defaults)`; `params` is an iterable of tensors, of
    (name, tensor) pairs, or of dicts defining parameter groups."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
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
        self.__dict__.setdefault("_optimizer_step_pre_hooks", OrderedDict())
        self.__dict__.setdefault("_optimizer_step_post_hooks", OrderedDict())

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
        plist = param_group["params"]
        if plist and isinstance(plist[0], tuple):  # named parameters
            param_group["param_names"] = [name for name, _ in plist]
            param_group["params"] = plist = [p for _, p in plist]
        for param in plist:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + type(param).__name__)
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(plist) != len({id(p) for p in plist}):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this "
                          "will cause an error", stacklevel=3)
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if existing & {id(p) for p in plist}:
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    # ---- state dict ---------------------------------------------------------------------------
    def state_dict(self):
        """{'state': {index: state}, 'param_groups': [group with 'params' as indices]}, indices
        numbering the parameters across groups in order, as PyTorch's."""
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
        state = {index_of[id(p)]: s for p, s in self.state.items() if id(p) in index_of}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        state_dict = state_dict.copy()
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
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = {k: self._cast_state(param, k, v) for k, v in value.items()}
            else:
                state[key] = value
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.state = state
        self.param_groups = new_groups

    @staticmethod
    def _cast_state(param, key, value):
        """State tensors take the parameter's dtype and device; 'step' stays as saved."""
        if isinstance(value, Tensor):
            if key == "step":
                return value.clone()
            if value.is_floating_point():
                return value.to(dtype=param.dtype, device=param.device).clone()
            return value.to(device=param.device).clone()
        if isinstance(value, dict):
            return {k: Optimizer._cast_state(param, k, v) for k, v in value.items()}
        return copy.deepcopy(value)

    # ---- stepping -----------------------------------------------------------------------------
    def register_step_pre_hook(self, hook):
        key = next(_hook_ids)
        self._optimizer_step_pre_hooks[key] = hook
        return _Handle(self._optimizer_step_pre_hooks, key)

    def register_step_post_hook(self, hook):
        key = next(_hook_ids)
        self._optimizer_step_post_hooks[key] = hook
        return _Handle(self._optimizer_step_post_hooks, key)

    def step(self, closure=None):
        """One update. `closure` (re-evaluates the model and returns the loss) runs with grad on."""
        for hook in tuple(self._optimizer_step_pre_hooks.values()):
            result = hook(self, (), {})
            if result is not None:
                raise RuntimeError("optimizer step pre-hooks must return None")
        loss = None
        if closure is not None:
            from ..autograd.grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        for hook in tuple(self._optimizer_step_post_hooks.values()):
            hook(self, (), {})
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
