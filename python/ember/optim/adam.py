"""Adam and AdamW (with amsgrad): PyTorch's single-tensor algorithm, fused into one pass per
parameter where the tensors allow (csrc/cpu/optim.cpp), else step by step."""
from .. import _C
from .._ops.creation import tensor, zeros_like
from .._tensor import Tensor
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


def _check(lr, eps, betas, weight_decay):
    if lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if eps < 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if weight_decay < 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _state_of(self, p, amsgrad):
        state = self.state[p]
        if not state:
            state["step"] = tensor(0.0, dtype=_C.dtype.float32)
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if amsgrad:
                state["max_exp_avg_sq"] = zeros_like(p)
        return state

    def _fused_update(self, group, beta1, beta2, decoupled):
        """The group's update as one native call (each parameter's update one pass over its
        values, as torch's fused Adam): True when it ran, False when some operand needs the
        op-by-op path (sparse or non-contiguous tensors, other dtypes or devices)."""
        amsgrad = group["amsgrad"]
        params, grads, avgs, sqs, maxs, steps = [], [], [], [], [], []
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            if type(g) is not Tensor:  # sparse
                return False
            state = self._state_of(p, amsgrad)
            params.append(p._impl)
            grads.append(g._impl)
            avgs.append(state["exp_avg"]._impl)
            sqs.append(state["exp_avg_sq"]._impl)
            if amsgrad:
                maxs.append(state["max_exp_avg_sq"]._impl)
            steps.append(state["step"]._impl)
        return _C.adam_step_(params, grads, avgs, sqs, maxs, steps, group["lr"], beta1, beta2, group["eps"],
                             group["weight_decay"], decoupled, amsgrad, group["maximize"])

    def _update_group(self, group):
        lr, eps, weight_decay, amsgrad = group["lr"], group["eps"], group["weight_decay"], group["amsgrad"]
        beta1, beta2 = group["betas"]
        decoupled = group.get("decoupled_weight_decay", False)
        if not group.get("differentiable") and self._fused_update(group, beta1, beta2, decoupled):
            return
        for p in group["params"]:
            grad = self._grad(p, group["maximize"])
            if grad is None:
                continue
            state = self._state_of(p, amsgrad)
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            step_t = state["step"]
            step_t += 1
            if weight_decay != 0:
                if decoupled:
                    p.mul_(1 - lr * weight_decay)
                else:
                    grad = grad.add(p, alpha=weight_decay)
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            step = step_t.item()
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2 ** 0.5
            if amsgrad:
                max_sq = state["max_exp_avg_sq"]
                max_sq.copy_(max_sq.maximum(exp_avg_sq))
                denom = (max_sq.sqrt() / bias_correction2_sqrt).add_(eps)
            else:
                denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
            p.addcdiv_(exp_avg, denom, value=-step_size)


class AdamW(Adam):
    """Adam with decoupled weight decay (the parameter shrinks by lr * weight_decay each step)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
