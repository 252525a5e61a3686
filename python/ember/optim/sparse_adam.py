"""SparseAdam: Adam's moments updated only at the rows a sparse gradient touches (the lazy
variant for nn.Embedding(sparse=True)), PyTorch's algorithm operation by operation."""
import math

from .._ops.creation import zeros_like
from .optimizer import Optimizer

__all__ = ["SparseAdam"]


def _flat_rows(t, sparse_dim):
    """t viewed as (positions of the first sparse_dim dims, *the other dims)."""
    return t.view([-1] + list(t.shape[sparse_dim:]))


class SparseAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, maximize=maximize))
        sparse = [i for g in self.param_groups for i, p in enumerate(g["params"]) if p.is_sparse]
        if sparse:
            raise ValueError(f"Sparse params at indices {sparse}: SparseAdam requires dense parameter tensors")

    def _update_group(self, group):
        from ..sparse._ops import linear_index
        lr, eps = group["lr"], group["eps"]
        beta1, beta2 = group["betas"]
        for p in group["params"]:
            grad = self._grad(p, group["maximize"])
            if grad is None:
                continue
            if not grad.is_sparse:
                raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
            state["step"] += 1
            # The update is not linear in the gradient: repeated rows must be summed first.
            grad = grad.coalesce()
            values = grad._values()
            if values.numel() == 0:
                continue
            sd = grad.sparse_dim()
            rows = linear_index(grad._indices(), list(grad.shape[:sd]))
            exp_avg = _flat_rows(state["exp_avg"], sd)
            exp_avg_sq = _flat_rows(state["exp_avg_sq"], sd)
            # old <- b * old + (1 - b) * new, written as old += (1 - b) * (new - old) on the rows
            old_exp_avg = exp_avg.index_select(0, rows)
            exp_avg_update = values.sub(old_exp_avg).mul_(1 - beta1)
            exp_avg.index_add_(0, rows, exp_avg_update)
            old_exp_avg_sq = exp_avg_sq.index_select(0, rows)
            exp_avg_sq_update = values.pow(2).sub_(old_exp_avg_sq).mul_(1 - beta2)
            exp_avg_sq.index_add_(0, rows, exp_avg_sq_update)
            numer = exp_avg_update.add_(old_exp_avg)
            exp_avg_sq_update.add_(old_exp_avg_sq)
            denom = exp_avg_sq_update.sqrt_().add_(eps)
            step = state["step"]
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr * math.sqrt(bias_correction2) / bias_correction1
            _flat_rows(p, sd).index_add_(0, rows, -step_size * numer.div_(denom))
