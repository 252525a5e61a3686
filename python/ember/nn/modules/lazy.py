"""Lazy modules: layers whose input size is found from the first input they see.

A lazy module holds UninitializedParameters until its first forward pass; a forward pre-hook
then materializes them with the inferred shapes, initialises them as the eager layer would,
and turns the module into that layer (LazyLinear becomes Linear). Loading a state dict into a
lazy module materializes its parameters with the checkpoint's shapes.
"""
from ...autograd import no_grad
from ..parameter import UninitializedBuffer, UninitializedParameter
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .linear import Linear

__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
           "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


def _uninitialized(t):
    return isinstance(t, (UninitializedParameter, UninitializedBuffer))


class LazyModuleMixin:
    """The mixin of lazy modules: subclasses define `initialize_parameters(*inputs)` and name the
    eager class in `cls_to_become`."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self.register_load_state_dict_pre_hook(LazyModuleMixin._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(LazyModuleMixin._infer_parameters, with_kwargs=True)

    def has_uninitialized_params(self):
        """Whether a parameter or buffer of this module still waits for its shape."""
        return any(_uninitialized(t) for t in list(self._parameters.values()) + list(self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    @staticmethod
    def _infer_parameters(module, args, kwargs=None):
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        del module._initialize_hook
        del module._load_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    @staticmethod
    def _lazy_load_hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                        error_msgs):
        for name, t in list(module._parameters.items()) + list(module._buffers.items()):
            key = prefix + name
            if key in state_dict and _uninitialized(t) and not _uninitialized(state_dict[key]):
                with no_grad():
                    t.materialize(tuple(state_dict[key].shape))


class LazyLinear(LazyModuleMixin, Linear):
    """Linear whose in_features is the last size of the first input."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)
        self.out_features = out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.weight.numel() != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:  # materialized by load_state_dict
            self.in_features = self.weight.shape[1]


class _LazyConvMixin(LazyModuleMixin):
    groups = 1
    transposed = False

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.weight.numel() != 0:
            super().reset_parameters()

    def _make_lazy(self, out_channels, bias, device, dtype):
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            batched = input.dim() == len(self.kernel_size) + 2
            if not batched and input.dim() != len(self.kernel_size) + 1:
                raise ValueError(f"Expected {len(self.kernel_size) + 1}D (unbatched) or "
                                 f"{len(self.kernel_size) + 2}D (batched) input to {type(self).__name__}, but got "
                                 f"input of size: {list(input.shape)}")
            self.in_channels = input.shape[1] if batched else input.shape[0]
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
            else:
                shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
            with no_grad():
                self.weight.materialize(shape)
                if self.bias is not None:
                    self.bias.materialize((self.out_channels,))
                self.reset_parameters()
        if self.in_channels == 0:  # materialized by load_state_dict
            self.in_channels = self.weight.shape[0] if self.transposed else self.weight.shape[1] * self.groups


def _lazy_conv(eager, doc):
    """A lazy form of the convolution class `eager`, taking its arguments less in_channels."""

    class Lazy(_LazyConvMixin, eager):
        cls_to_become = eager

        def __init__(self, out_channels, kernel_size, *args, bias=True, device=None, dtype=None, **kwargs):
            # built with no channels (and so no parameters to initialise), then made lazy
            super().__init__(0, 0, kernel_size, *args, bias=False, **kwargs)
            self._make_lazy(out_channels, bias, device, dtype)

    Lazy.__name__ = Lazy.__qualname__ = f"Lazy{eager.__name__}"
    Lazy.__doc__ = doc
    return Lazy


LazyConv1d = _lazy_conv(Conv1d, "Conv1d whose in_channels is the channel size of the first input.")
LazyConv2d = _lazy_conv(Conv2d, "Conv2d whose in_channels is the channel size of the first input.")
LazyConvTranspose1d = _lazy_conv(ConvTranspose1d, "ConvTranspose1d whose in_channels is the channel size of the "
                                                  "first input.")
LazyConvTranspose2d = _lazy_conv(ConvTranspose2d, "ConvTranspose2d whose in_channels is the channel size of the "
                                                  "first input.")
LazyConv3d = _lazy_conv(Conv3d, "Conv3d whose in_channels is the channel size of the first input.")
LazyConvTranspose3d = _lazy_conv(ConvTranspose3d, "ConvTranspose3d whose in_channels is the channel size of the "
                                                  "first input.")


class _LazyNormBase(LazyModuleMixin):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None):
        super().__init__(0, eps, momentum, False, False, device, dtype)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            from ... import int64, tensor
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype=int64, device=device)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            with no_grad():
                for t in (self.weight, self.bias, self.running_mean, self.running_var):
                    if _uninitialized(t):
                        t.materialize((self.num_features,))
                self.reset_parameters()


def _lazy_norm(eager):
    class Lazy(_LazyNormBase, eager):
        cls_to_become = eager

    Lazy.__name__ = Lazy.__qualname__ = f"Lazy{eager.__name__}"
    Lazy.__doc__ = f"{eager.__name__} whose num_features is the channel size of the first input."
    return Lazy


LazyBatchNorm1d = _lazy_norm(BatchNorm1d)
LazyBatchNorm2d = _lazy_norm(BatchNorm2d)
LazyBatchNorm3d = _lazy_norm(BatchNorm3d)
# As PyTorch's, the lazy instance norms default to affine=True and track_running_stats=True.
LazyInstanceNorm1d = _lazy_norm(InstanceNorm1d)
LazyInstanceNorm2d = _lazy_norm(InstanceNorm2d)
LazyInstanceNorm3d = _lazy_norm(InstanceNorm3d)
