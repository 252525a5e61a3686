"""The array API standard's inspection namespace: ember.__array_namespace_info__() and the
versions of the standard ember's namespace conforms to.

The dtypes are read from the module's dtype objects, so dtypes added later (complex ones)
appear in dtypes() by their kind without a change here.
"""
from . import _C

__all__ = ["API_VERSION", "check_version", "__array_namespace_info__"]

API_VERSION = "2024.12"
# Versions whose functions ember's namespace provides with their signatures: the later
# versions only added to the earlier ones.
SUPPORTED_VERSIONS = ("2021.12", "2022.12", "2023.12", "2024.12")

# The standard's dtype names, in its order; those ember lacks (uint16/32/64, complex until the
# core has them) are left out.
_NAMES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float32", "float64", "complex64", "complex128")


def check_version(api_version):
    if api_version is not None and api_version not in SUPPORTED_VERSIONS:
        raise ValueError(f"__array_namespace__: api_version {api_version!r} is not supported; ember supports "
                         f"{', '.join(SUPPORTED_VERSIONS)}")


def _check_device(device, op):
    if device is None:
        return
    known = [d for d in Info().devices()]
    if isinstance(device, str):
        device = _C.device(device)
    if device not in known:
        raise ValueError(f"{op}: unknown device {device}; expected one of {known}")


class Info:
    """What ember's array namespace offers: capabilities, devices and dtypes."""

    __module__ = "ember"

    def capabilities(self):
        # boolean indexing and nonzero give data-dependent shapes, which ember computes eagerly;
        # max dimensions: the core has no fixed limit
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": None}

    def default_device(self):
        from ._defaults import get_default_device
        return get_default_device()

    def default_dtypes(self, *, device=None):
        from ._defaults import get_default_dtype
        _check_device(device, "default_dtypes()")
        float_dtype = get_default_dtype()
        complex_dtype = getattr(_C.dtype, "complex128" if float_dtype == _C.dtype.float64 else "complex64", None)
        return {"real floating": float_dtype, "complex floating": complex_dtype, "integral": _C.dtype.int64,
                "indexing": _C.dtype.int64}

    def dtypes(self, *, device=None, kind=None):
        """The dtypes of `kind` (a kind name of isdtype, a tuple of them, or None: all), by name."""
        from ._ops.array_api import isdtype
        _check_device(device, "dtypes()")
        found = {}
        for name in _NAMES:
            dtype = getattr(_C.dtype, name, None)
            if dtype is not None and (kind is None or isdtype(dtype, kind)):
                found[name] = dtype
        return found

    def devices(self):
        devices = [_C.device("cpu")]
        try:
            from . import cuda
            devices += [_C.device("cuda", i) for i in range(cuda.device_count())] if cuda.is_available() else []
        except Exception:  # a build without CUDA: the CPU only
            pass
        return devices


def __array_namespace_info__():
    """The inspection object of the array API standard (capabilities, default_device,
    default_dtypes, dtypes, devices)."""
    return Info()
