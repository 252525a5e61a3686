"""Rprop: resilient backpropagation. Each weight keeps its own step size, grown by etaplus
while the gradient keeps its sign and shrunk by etaminus when it flips (then that step is
skipped); only the gradient's sign moves the weight. PyTorch's single-tensor algorithm."""
from .._ops.creation import full_like, zeros_like
from .optimizer import Optimizer, _check_lr, _step_as_tensor, _step_counter, _to_scalar

__all__ = ["Rprop"]


class Rprop(Optimizer):
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False,
                 foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("foreach", None), ("maximize", False), ("differentiable", False),
                                 ("capturable", False)):
                group.setdefault(key, default)
            for p in group["params"]:
                _step_as_tensor(self.state.get(p, {}))

    def _update_group(self, group):
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        for p in group["params"]:
            grad = self._grad(p, group["maximize"])
            if grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = _step_counter()
                state["prev"] = zeros_like(p)
                state["step_size"] = full_like(grad, _to_scalar(group["lr"]))
            prev, step_size = state["prev"], state["step_size"]
            state["step"] += 1
            # Per weight: etaplus where the gradient kept its sign, etaminus where it flipped,
            # 1 where either is zero.
            agreement = grad.mul(prev).sign()
            factor = agreement.clone()
            factor[agreement.gt(0)] = etaplus
            factor[agreement.lt(0)] = etaminus
            factor[agreement.eq(0)] = 1
            step_size.mul_(factor).clamp_(step_size_min, step_size_max)
            # After a sign flip the weight stays put and the flip is forgotten.
            grad = grad.clone()
            grad[agreement.lt(0)] = 0
            p.addcmul_(grad.sign(), step_size, value=-1)
            prev.copy_(grad)
