"""SyncBatchNorm: batch normalisation whose batch statistics are those of every process's batch
together. In training, inside an initialized process group of more than one process, each
channel's sum, sum of squares and count are all-reduced before normalising, and in backward the
sums of the gradient terms are all-reduced too, so every process computes what one process
would compute on the whole batch. Otherwise (evaluation, one process, no process group) it is
BatchNorm over an input of any (N, C, *) shape, as PyTorch's."""
from ...autograd.function import Function
from .batchnorm import _BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def _check_non_zero_input_channels(self, input):
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    def forward(self, input):
        self._check_input_dim(input)
        self._check_non_zero_input_channels(input)
        group = self._sync_group()
        if group is None:
            return super().forward(input)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.item())
        running = (self.running_mean, self.running_var) if self.track_running_stats else (None, None)
        return _SyncBatchNormFunction.apply(input, self.weight, self.bias, running[0], running[1], self.eps,
                                            momentum, group)

    def _sync_group(self):
        """The group to reduce over, or None where the local batch's statistics are the answer."""
        if not self.training:
            return None
        from ... import distributed
        if not distributed.is_initialized():
            return None
        group = distributed.distributed_c10d._group(self.process_group, "SyncBatchNorm")
        return group if group.size() > 1 else None

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """`module` with every BatchNorm*d replaced by a SyncBatchNorm holding the same
        parameters and running statistics (the module itself when it is one)."""
        converted = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            converted = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                                      module.track_running_stats, process_group)
            if module.affine:
                converted.weight = module.weight
                converted.bias = module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.training = module.training
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted


# Named by PyTorch's file (torch.nn.modules.batchnorm), which re-exports them, so that whole
# modules saved by ember.save load in torch and back.
class _SyncBatchNormFunction(Function):
    """Batch norm with statistics over every process's batch (the sums are all-reduced)."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, eps, momentum, group):
        from ... import cat, float64
        channels = x.shape[1]
        dims = [0] + list(range(2, x.dim()))
        shape = [1, channels] + [1] * (x.dim() - 2)
        count = x.numel() // channels
        x64 = x.to(float64)
        stats = cat([x64.sum(dims), (x64 * x64).sum(dims), x64.new_full((1,), float(count))])
        group.all_reduce(stats, "sum", False, "SyncBatchNorm")
        total = stats[-1].item()
        if total <= 1 and running_mean is not None:
            raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel when training, got input "
                             f"size {list(x.shape)} over {group.size()} processes")
        mean = stats[:channels] / total
        var = (stats[channels:2 * channels] / total - mean * mean).clamp(min=0)
        invstd = (var + eps).rsqrt()
        if running_mean is not None:
            running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype), alpha=momentum)
            unbiased = var * (total / (total - 1)) if total > 1 else var
            running_var.mul_(1 - momentum).add_(unbiased.to(running_var.dtype), alpha=momentum)
        mean, invstd = mean.to(x.dtype).view(shape), invstd.to(x.dtype).view(shape)
        xhat = (x - mean) * invstd
        ctx.save_for_backward(xhat, invstd, weight)
        ctx.group, ctx.total, ctx.dims, ctx.shape = group, total, dims, shape
        y = xhat
        if weight is not None:
            y = y * weight.view(shape)
        if bias is not None:
            y = y + bias.view(shape)
        return y

    @staticmethod
    def backward(ctx, dy):
        from ... import cat
        xhat, invstd, weight = ctx.saved_tensors
        dims, shape = ctx.dims, ctx.shape
        channels = xhat.shape[1]
        sum_dy = dy.sum(dims)
        sum_dy_xhat = (dy * xhat).sum(dims)
        # The parameters' gradients are this process's share (DDP averages them); the input's
        # gradient needs the sums over every process's batch.
        grad_weight = sum_dy_xhat if weight is not None and ctx.needs_input_grad[1] else None
        grad_bias = sum_dy.clone() if ctx.needs_input_grad[2] else None
        grad_input = None
        if ctx.needs_input_grad[0]:
            sums = cat([sum_dy, sum_dy_xhat])
            ctx.group.all_reduce(sums, "sum", False, "SyncBatchNorm backward")
            mean_dy = (sums[:channels] / ctx.total).view(shape)
            mean_dy_xhat = (sums[channels:] / ctx.total).view(shape)
            scale = invstd if weight is None else invstd * weight.view(shape)
            grad_input = (dy - mean_dy - xhat * mean_dy_xhat) * scale
        return grad_input, grad_weight, grad_bias, None, None, None, None, None


for _cls in (SyncBatchNorm,):
    _cls.__module__ = "ember.nn.modules.batchnorm"
del _cls
