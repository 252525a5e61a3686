"""L-BFGS with an optional strong-Wolfe line search (Nocedal & Wright, Numerical Optimization,
algorithms 7.4, 3.5 and 3.6), with PyTorch's choices: the first step is scaled by
min(1, 1/|g|_1), the curvature pair is kept only when y.s > 1e-10, and the line search
brackets by cubic extrapolation, then zooms by safeguarded cubic interpolation.

All the parameters are handled as one flat vector. Scalars derived from tensors (g.d, y.s, the
step t once it comes from a tensor) stay zero-dim float32 tensors, as in PyTorch, so the
trajectory agrees with PyTorch's to float32 rounding.
"""
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad
from .optimizer import Optimizer, _check_lr, _to_scalar

__all__ = ["LBFGS"]


def _scalar(value):
    """A zero-dim tensor used as an `alpha=` multiplier, as a Python number (its float32 value)."""
    return value.item() if isinstance(value, Tensor) else value


def _cubic_minimizer(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2
    (N&W eq. 3.59), clamped to `bounds` (default: the interval between the points); the
    midpoint when the cubic has no minimiser."""
    if bounds is None:
        bounds = (x1, x2) if x1 <= x2 else (x2, x1)
    low, high = bounds
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2.0
    d2 = d2_square.sqrt()
    if x1 <= x2:
        minimizer = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        minimizer = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(minimizer, low), high)


class _Trial:
    """One point on the search line: step t, loss f, flat gradient g and slope g.d."""
    __slots__ = ("t", "f", "g", "gtd")

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _strong_wolfe(evaluate, d, start, t, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step along d satisfying the strong Wolfe conditions, from `start` (t = 0).
    `evaluate(t)` gives (loss, flat gradient) at x + t d. Returns (loss, gradient, t, evaluations).
    """
    f0, gtd0 = start.f, start.gtd
    d_norm = d.abs().max()

    def sufficient_decrease(trial):
        return trial.f <= f0 + c1 * trial.t * gtd0

    def curvature(trial):
        return abs(trial.gtd) <= -c2 * gtd0

    def trial_at(step):
        f, g = evaluate(step)
        return _Trial(step, f, g, g.dot(d))

    # Phase 1 (N&W algorithm 3.5): grow the step until the minimiser is bracketed.
    previous = _Trial(0, f0, start.g.clone(), gtd0)
    current = trial_at(t)
    evaluations, iterations = 1, 0
    bracket, found = None, False
    while iterations < max_ls:
        if not sufficient_decrease(current) or (iterations > 1 and current.f >= previous.f):
            bracket = [previous, current]
            break
        if curvature(current):
            bracket, found = [current], True
            break
        if current.gtd >= 0:
            bracket = [previous, current]
            break
        # Extrapolate: a cubic step, at least 1% further, at most ten times as far.
        step = _cubic_minimizer(previous.t, previous.f, previous.gtd, current.t, current.f, current.gtd,
                                bounds=(current.t + 0.01 * (current.t - previous.t), current.t * 10))
        previous = current
        current = trial_at(step)
        evaluations += 1
        iterations += 1
    if iterations == max_ls:
        bracket = [_Trial(0, f0, start.g, None), current]

    # Phase 2 (N&W algorithm 3.6): shrink the bracket; `low` is the end with the lower loss.
    low = 0 if bracket[0].f <= bracket[-1].f else 1
    insufficient_progress = False
    while not found and iterations < max_ls:
        a, b = bracket
        if abs(b.t - a.t) * d_norm < tolerance_change:
            break
        step = _cubic_minimizer(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        # Keep the trial away from the bracket's ends: a step within 10% of an end twice in a
        # row (or outside it) is moved to 10% inside.
        t_max, t_min = max(a.t, b.t), min(a.t, b.t)
        margin = 0.1 * (t_max - t_min)
        if min(t_max - step, step - t_min) < margin:
            if insufficient_progress or step >= t_max or step <= t_min:
                step = t_max - margin if abs(step - t_max) < abs(step - t_min) else t_min + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        trial = trial_at(step)
        evaluations += 1
        iterations += 1
        high = 1 - low
        if not sufficient_decrease(trial) or trial.f >= bracket[low].f:
            bracket[high] = trial
        else:
            if curvature(trial):
                found = True
            elif trial.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = trial
        low = 0 if bracket[0].f <= bracket[-1].f else 1
    best = bracket[low] if len(bracket) > 1 else bracket[0]
    return best.f, best.g, best.t, evaluations


class LBFGS(Optimizer):
    """L-BFGS: `step(closure)` runs up to max_iter iterations, evaluating `closure` (which
    recomputes the loss and its gradients) as often as the iterations and line search need.
    One parameter group only."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # ---- the parameters as one flat vector ----------------------------------------------------
    def _flat_grad(self):
        from .. import cat, zeros
        views = []
        for p in self._params:
            if p.grad is None:
                views.append(zeros(p.numel(), dtype=p.dtype, device=p.device))
            else:
                views.append(p.grad.reshape(-1))
        return cat(views, 0)

    def _move(self, step_size, direction):
        """x += step_size * direction, parameter by parameter."""
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(direction[offset:offset + n].view_as(p), alpha=_scalar(step_size))
            offset += n

    def _evaluate_at(self, closure, start, step_size, direction):
        """(loss, flat gradient) at start + step_size * direction; the parameters are restored."""
        self._move(step_size, direction)
        loss = float(closure())
        grad = self._flat_grad()
        for p, saved in zip(self._params, start):
            p.copy_(saved)
        return loss, grad

    @staticmethod
    def _two_loop(grad, old_dirs, old_stps, ro, h_diag, al):
        """The quasi-Newton direction -H g by the two-loop recursion (N&W algorithm 7.4);
        y_i = old_dirs[i], s_i = old_stps[i], ro[i] = 1 / y_i.s_i, H0 = h_diag * I."""
        q = grad.neg()
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i].dot(q) * ro[i]
            q.add_(old_dirs[i], alpha=-_scalar(al[i]))
        r = q * h_diag
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r) * ro[i]
            r.add_(old_stps[i], alpha=_scalar(al[i] - be_i))
        return r

    def step(self, closure):
        if closure is None:
            raise RuntimeError("LBFGS.step requires a closure that reevaluates the model and returns the loss")
        with no_grad():
            return self._run(closure)

    def _run(self, closure):
        def evaluate():
            with enable_grad():
                return closure()

        group = self.param_groups[0]
        lr = _to_scalar(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        if line_search_fn is not None and line_search_fn != "strong_wolfe":
            raise RuntimeError("only 'strong_wolfe' is supported")

        # The whole state lives with the first parameter, as in PyTorch's state dict.
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = evaluate()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if flat_grad.abs().max() <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = flat_grad.neg()
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                y = flat_grad.sub(prev_flat_grad)
                s = d.mul(t)
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only where the curvature condition holds
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                if "al" not in state:
                    state["al"] = [None] * history_size
                d = self._two_loop(flat_grad, old_dirs, old_stps, ro, h_diag, state["al"])

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.clone()
            else:
                prev_flat_grad.copy_(flat_grad)
            prev_loss = loss

            # The first step ever is scaled down to at most a unit move in the l1 sense.
            t = min(1.0, 1.0 / flat_grad.abs().sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                start = [p.clone() for p in self._params]
                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    lambda step: self._evaluate_at(evaluate, start, step, d), d,
                    _Trial(0, loss, flat_grad, gtd), t, max_ls=max_eval - current_evals)
                self._move(t, d)
                opt_cond = flat_grad.abs().max() <= tolerance_grad
            else:
                self._move(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = float(evaluate())
                    flat_grad = self._flat_grad()
                    opt_cond = flat_grad.abs().max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if d.mul(t).abs().max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss
