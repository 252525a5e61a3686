"""ember.backends.cuda: CUDA build facts and the matmul / attention switches torch scripts set.

`matmul.allow_tf32` is the float32 matmul precision seen from CUDA's side (True unless the
precision is 'highest'), as in torch: setting either one sets the CUDA runtime's TF32 switch
(ember._C.cuda.set_allow_tf32), which the CUDA float32 matmuls read; the scaled-dot-product attention switches are kept
and reported (ember's attention has one kernel, which they do not select between).
"""
import contextlib

from .. import _C, _settings

__all__ = ["is_built", "matmul", "flash_sdp_enabled", "enable_flash_sdp", "mem_efficient_sdp_enabled",
           "enable_mem_efficient_sdp", "math_sdp_enabled", "enable_math_sdp", "cudnn_sdp_enabled",
           "enable_cudnn_sdp", "sdp_kernel", "preferred_linalg_library"]


def is_built():
    """Whether ember was built with its CUDA backend (a GPU may still be absent)."""
    return _C.cuda.is_built()


class _Matmul:
    """torch.backends.cuda.matmul: allow_tf32 and the reduced-precision reduction switches."""

    _FIELDS = ("allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction",
               "fp32_precision")

    def __init__(self):
        object.__setattr__(self, "_values", {"allow_fp16_reduced_precision_reduction": True,
                                             "allow_bf16_reduced_precision_reduction": True,
                                             "fp32_precision": "none"})

    def __getattr__(self, name):
        if name == "allow_tf32":
            return _settings.get_float32_matmul_precision() != "highest"
        if name in self._values:
            return self._values[name]
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name, value):
        if name == "allow_tf32":
            # set_float32_matmul_precision passes the switch on to the CUDA runtime
            _settings.set_float32_matmul_precision("high" if value else "highest")
        elif name in self._FIELDS:
            self._values[name] = value
        else:
            raise AttributeError(f"Unknown attribute {name}")

    def __dir__(self):
        return list(self._FIELDS)


matmul = _Matmul()

_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def flash_sdp_enabled():
    return _sdp["flash"]


def enable_flash_sdp(enabled):
    _sdp["flash"] = bool(enabled)


def mem_efficient_sdp_enabled():
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled):
    _sdp["mem_efficient"] = bool(enabled)


def math_sdp_enabled():
    return _sdp["math"]


def enable_math_sdp(enabled):
    _sdp["math"] = bool(enabled)


def cudnn_sdp_enabled():
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled):
    _sdp["cudnn"] = bool(enabled)


@contextlib.contextmanager
def sdp_kernel(enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
    """Sets the attention switches inside the block and restores them after."""
    previous = dict(_sdp)
    _sdp.update(flash=bool(enable_flash), math=bool(enable_math), mem_efficient=bool(enable_mem_efficient),
                cudnn=bool(enable_cudnn))
    try:
        yield
    finally:
        _sdp.clear()
        _sdp.update(previous)


_linalg_library = "default"


def preferred_linalg_library(backend=None):
    """ember's linear algebra is its own; the preference is kept and returned."""
    global _linalg_library
    if backend is not None:
        if backend not in ("default", "cusolver", "magma"):
            raise RuntimeError(f"preferred_linalg_library: unknown backend {backend!r}, expected 'default', "
                               "'cusolver' or 'magma'")
        _linalg_library = backend
    return _linalg_library
