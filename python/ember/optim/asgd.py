"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky); the running average of the
iterates lives in state['ax']. PyTorch's single-tensor algorithm."""
from .. import _C
from .._ops.creation import ones, tensor, zeros_like
from .optimizer import Optimizer, _check_lr, _check_nonnegative, _step_as_tensor, _step_counter, _to_scalar

__all__ = ["ASGD"]


class ASGD(Optimizer):
    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonnegative(weight_decay, "weight_decay")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("foreach", None), ("maximize", False), ("differentiable", False),
                                 ("capturable", False)):
                group.setdefault(key, default)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                _step_as_tensor(p_state)
                for key in ("eta", "mu"):
                    if p_state and not hasattr(p_state.get(key), "item"):
                        p_state[key] = tensor(float(p_state[key]), dtype=_C.dtype.float32)

    def _update_group(self, group):
        lr, lambd, alpha, t0 = _to_scalar(group["lr"]), group["lambd"], group["alpha"], group["t0"]
        weight_decay = group["weight_decay"]
        for p in group["params"]:
            grad = self._grad(p, group["maximize"])
            if grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = _step_counter()
                state["eta"] = tensor(lr, dtype=_C.dtype.float32)
                state["mu"] = ones((), dtype=_C.dtype.float32)
                state["ax"] = zeros_like(p)
            eta, mu, ax = state["eta"], state["mu"], state["ax"]
            state["step"] += 1
            if weight_decay != 0:
                grad = grad.add(p, alpha=weight_decay)
            eta_value = eta.item()
            p.mul_(1 - lambd * eta_value)
            p.add_(grad, alpha=-eta_value)
            if mu.item() != 1:
                ax.add_(p.sub(ax).mul_(mu))
            else:
                ax.copy_(p)
            step = state["step"].item()
            eta.fill_(lr / ((1 + lambd * lr * step) ** alpha))
            mu.fill_(1 / max(1, step - t0))
