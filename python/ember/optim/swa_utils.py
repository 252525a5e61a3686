"""Stochastic weight averaging and exponential moving averages of a model's weights, as
torch.optim.swa_utils: AveragedModel keeps a copy of the model whose parameters (and, with
use_buffers, buffers) are averaged by update_parameters; SWALR anneals each group's learning
rate to a constant swa_lr; update_bn recomputes batch-norm statistics for the averaged weights.
"""
import copy
import itertools
import math

from .._ops.creation import tensor
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from ._cyclic_lr import _format_param
from .lr_scheduler import LRScheduler

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_multi_avg_fn(decay=0.999):
    """An in-place update of lists of tensors: ema = decay * ema + (1 - decay) * current."""
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _num_averaged):
        with no_grad():
            if ema_param_list[0].is_floating_point():
                for p_ema, p_model in zip(ema_param_list, current_param_list):
                    p_ema.lerp_(p_model, 1 - decay)
            else:
                for p_ema, p_model in zip(ema_param_list, current_param_list):
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """An in-place update of lists of tensors to the running mean over num_averaged + 1 models."""
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        with no_grad():
            weight = 1 / (_as_number(num_averaged) + 1)
            if averaged_param_list[0].is_floating_point():
                for p_avg, p_model in zip(averaged_param_list, current_param_list):
                    p_avg.lerp_(p_model, weight)
            else:
                for p_avg, p_model in zip(averaged_param_list, current_param_list):
                    p_avg.add_(p_model - p_avg, alpha=weight)
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """ema, current, n -> the new exponential moving average."""
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """average, current, n -> the mean over n + 1 models."""
    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


def _as_number(value):
    return value.item() if isinstance(value, Tensor) else value


class AveragedModel(Module):
    """A deep copy of `model` holding the running average of its weights. By default the
    average is equal-weighted (SWA); `avg_fn(averaged, current, n)` returns a new value per
    tensor, `multi_avg_fn(averaged_list, current_list, n)` updates lists in place (only one of
    them may be given). With `use_buffers` the buffers are averaged too, else they are copied."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=_int64(), device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        if self.use_buffers:
            averaged = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            current = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            averaged, current = list(self.parameters()), list(model.parameters())
        pairs = [(a.detach(), p.detach().to(a.device)) for a, p in zip(averaged, current)]
        averaged, current = [a for a, _ in pairs], [p for _, p in pairs]
        with no_grad():
            if self.n_averaged.item() == 0:
                # The first model is copied as it is.
                for p_avg, p_model in zip(averaged, current):
                    p_avg.copy_(p_model)
            elif self.avg_fn is not None:
                for p_avg, p_model in zip(averaged, current):
                    p_avg.copy_(self.avg_fn(p_avg, p_model, self.n_averaged.to(p_avg.device)))
            else:
                # Tensors of one device and dtype at a time, as the list functions expect.
                groups = {}
                for p_avg, p_model in zip(averaged, current):
                    groups.setdefault((str(p_avg.device), str(p_avg.dtype)), ([], []))
                    groups[(str(p_avg.device), str(p_avg.dtype))][0].append(p_avg)
                    groups[(str(p_avg.device), str(p_avg.dtype))][1].append(p_model)
                for avg_list, model_list in groups.values():
                    n_averaged = self.n_averaged.to(avg_list[0].device)
                    if self.multi_avg_fn is not None:
                        self.multi_avg_fn(avg_list, model_list, n_averaged)
                    else:
                        # PyTorch's CPU path: the per-tensor SWA formula.
                        swa = get_swa_avg_fn()
                        for p_avg, p_model in zip(avg_list, model_list):
                            p_avg.copy_(swa(p_avg, p_model, n_averaged))
            if not self.use_buffers:
                # Buffers (batch-norm statistics) follow the current model; update_bn recomputes them.
                for b_avg, b_model in zip(self.module.buffers(), model.buffers()):
                    b_avg.detach().copy_(b_model.detach().to(b_avg.device))
            self.n_averaged += 1


def _int64():
    from .. import int64
    return int64


def update_bn(loader, model, device=None):
    """Recomputes the running statistics of every batch-norm layer of `model` in one pass over
    `loader` (a cumulative average, momentum None), then restores the layers' momenta and the
    model's training mode. Batches that are lists or tuples contribute their first element."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's learning rate from its value to `swa_lr` over `anneal_epochs`
    steps (cosine or linear), then holds it there."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        """The rate the annealing started from, given the current rate at progress alpha."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [group["swa_lr"] * alpha + lr * (1 - alpha) for group, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
