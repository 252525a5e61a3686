"""Adafactor (Shazeer & Stern, "Adaptive Learning Rates with Sublinear Memory Cost"), as
torch.optim.Adafactor: matrices keep only row and column means of the squared gradient (their
outer product, scaled by the row mean, estimates the second moment), vectors keep the full
moment; beta2 rises as 1 - t^beta2_decay, the relative step is min(lr, 1/sqrt(t)) scaled by
the parameter's RMS, and the update is clipped to an RMS of at most d. PyTorch's single-tensor
algorithm, including its use of lr for the relative step's ceiling and decoupled weight decay."""
from .._ops.creation import zeros, zeros_like
from .optimizer import Optimizer, _step_as_tensor, _step_counter, _to_scalar

__all__ = ["Adafactor"]

# Machine epsilon per floating dtype: eps1's default, as torch.finfo(dtype).eps.
_EPS = {"float64": 2.0 ** -52, "float32": 2.0 ** -23, "float16": 2.0 ** -10, "bfloat16": 2.0 ** -7}


class Adafactor(Optimizer):
    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            for p in group["params"]:
                _step_as_tensor(self.state.get(p, {}))

    def _update_group(self, group):
        from .. import linalg
        lr, beta2_decay, d, weight_decay = _to_scalar(group["lr"]), group["beta2_decay"], group["d"], \
            group["weight_decay"]
        eps1, eps2 = group["eps"]
        for p in group["params"]:
            grad = self._grad(p, group["maximize"])
            if grad is None:
                continue
            if not p.is_floating_point():
                raise RuntimeError("Adafactor does not support complex parameters")
            state = self.state[p]
            if not state:
                state["step"] = _step_counter()
                if grad.dim() > 1:
                    shape = list(grad.shape)
                    state["row_var"] = zeros(shape[:-1] + [1], dtype=grad.dtype, device=grad.device)
                    state["col_var"] = zeros(shape[:-2] + [1, shape[-1]], dtype=grad.dtype, device=grad.device)
                else:
                    state["variance"] = zeros_like(grad)
            p_eps1 = _EPS[p.dtype.name] if eps1 is None else eps1
            state["step"] += 1
            step = state["step"].item()
            one_minus_beta2_t = step ** beta2_decay
            rho_t = min(lr, 1 / step ** 0.5)
            alpha = max(eps2, p.norm(2).item() / p.numel() ** 0.5) * rho_t
            if weight_decay != 0:
                p.mul_(1 - lr * weight_decay)
            if grad.dim() > 1:
                row_var, col_var = state["row_var"], state["col_var"]
                # Mean squares along rows and columns (through norms, as PyTorch computes them).
                row_mean = linalg.vector_norm(grad, 2, dim=-1, keepdim=True).square_().div_(grad.shape[-1])
                row_var.lerp_(row_mean, one_minus_beta2_t)
                col_mean = linalg.vector_norm(grad, 2, dim=-2, keepdim=True).square_().div_(grad.shape[-2])
                col_var.lerp_(col_mean, one_minus_beta2_t)
                var_estimate = row_var @ col_var
                var_estimate.div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=p_eps1))
            else:
                variance = state["variance"]
                variance.lerp_(grad * grad, one_minus_beta2_t)
                var_estimate = variance.clone()
            update = var_estimate.clamp_(min=p_eps1 * p_eps1).rsqrt_()
            update.mul_(grad)
            denom = max(1.0, update.norm(2).item() / (update.numel() ** 0.5 * d))
            p.add_(update, alpha=-alpha / denom)
