"""Global settings scripts make at start-up, with torch's names: determinism, float32 matmul
precision, inter-op threads.

ember's CPU kernels are deterministic whatever the setting (accumulating kernels split work
only where no two threads write one element, and reductions combine partials in a fixed order),
so `use_deterministic_algorithms(True)` asks for nothing ember does not already do; the
settings are kept and reported as torch reports them. float32 matmuls are always computed in
float32 on the CPU (no TF32 or bfloat16 passes), which is 'highest' precision whatever is set.
"""
from . import _C, _warnings

__all__ = ["use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "set_deterministic_debug_mode",
           "get_deterministic_debug_mode", "set_float32_matmul_precision", "get_float32_matmul_precision",
           "get_num_interop_threads", "set_num_interop_threads", "set_warn_always", "is_warn_always_enabled"]

_deterministic = False
_warn_only = False
_matmul_precision = "highest"
_interop_threads = None
_warn_always = False

_DEBUG_MODES = ("default", "warn", "error")


def use_deterministic_algorithms(mode, *, warn_only=False):
    global _deterministic, _warn_only
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' must be bool, not {type(mode).__name__}")
    if not isinstance(warn_only, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'warn_only' must be bool, not "
                        f"{type(warn_only).__name__}")
    _deterministic, _warn_only = mode, warn_only


def are_deterministic_algorithms_enabled():
    return _deterministic


def is_deterministic_algorithms_warn_only_enabled():
    return _warn_only


def set_deterministic_debug_mode(debug_mode):
    """'default' (0), 'warn' (1) or 'error' (2), as use_deterministic_algorithms sets them."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"set_deterministic_debug_mode: invalid value of debug_mode, expected one of "
                               f"`default`, `warn`, `error`, but got {debug_mode}")
        debug_mode = _DEBUG_MODES.index(debug_mode)
    elif isinstance(debug_mode, bool) or not isinstance(debug_mode, int):
        raise TypeError(f"set_deterministic_debug_mode: debug_mode must be str or int, but got "
                        f"{type(debug_mode).__name__}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"set_deterministic_debug_mode: invalid value of debug_mode, expected 0, 1, or 2, "
                           f"but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    if not _deterministic:
        return 0
    return 1 if _warn_only else 2


def set_float32_matmul_precision(precision):
    """'highest', 'high' or 'medium'; ember's CPU matmuls compute float32 in float32 whichever
    is set; on CUDA anything but 'highest' lets float32 matmuls use TF32 (the setting is what
    backends.cuda.matmul.allow_tf32 reports and sets)."""
    global _matmul_precision
    if precision not in ("highest", "high", "medium"):
        _warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                       "set_float32_matmul_precision call has no effect.")
        return
    _matmul_precision = precision
    _sync_cuda_tf32()


def _sync_cuda_tf32():
    """CUDA's float32 matmuls follow the precision: TF32 tensor cores unless it is 'highest'
    (backends.cuda.matmul.allow_tf32 reads and sets the same switch)."""
    setter = getattr(_C.cuda, "set_allow_tf32", None)
    if setter is not None:
        setter(_matmul_precision != "highest")


_sync_cuda_tf32()


def get_float32_matmul_precision():
    return _matmul_precision


def get_num_interop_threads():
    """The inter-op thread count torch would use; ember runs ops one after another on the
    calling thread (each op parallel inside), so this is the intra-op count unless set."""
    if _interop_threads is not None:
        return _interop_threads
    from . import _C
    return _C.get_num_threads()


def set_num_interop_threads(num):
    global _interop_threads
    if isinstance(num, bool) or not isinstance(num, int):
        raise TypeError(f"set_num_interop_threads(): argument must be int, not {type(num).__name__}")
    if num <= 0:
        raise RuntimeError(f"set_num_interop_threads: expected a positive number of threads, got {num}")
    _interop_threads = num


def set_warn_always(b):
    """torch's switch for warnings that fire once per process; ember's warn-once warnings
    (compile, jit) fire every time while it is on."""
    global _warn_always
    _warn_always = bool(b)


def is_warn_always_enabled():
    return _warn_always
