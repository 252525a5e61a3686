"""ember.save and ember.load: PyTorch's model of saving, with tensor data kept outside the pickle.

`ember.save(obj, f)` stores any picklable object (a tensor, a state dict, a whole module, an
optimizer's state, nested containers). `ember.load(f)` reads it back; by default
(`weights_only=True`) it unpickles only tensors, containers, primitives and the classes allowed
through `add_safe_globals` / `safe_globals`, so loading an untrusted file runs no foreign code.

File format: torch.save's own (a zip archive, every record stored uncompressed), so that
`torch.load` reads ember's files and `ember.load` reads torch's::

    archive/data.pkl            the pickle of `obj` (protocol 2 by default), written with PyTorch's
                                names (see ember._torch_format): a tensor is
                                torch._utils._rebuild_tensor_v2(storage, storage_offset, size,
                                stride, requires_grad, OrderedDict()), a Parameter
                                torch._utils._rebuild_parameter(tensor, requires_grad, OrderedDict()),
                                a dtype torch.float32, a standard layer torch.nn.modules.<file>.<Class>;
                                each storage is a persistent id, the tuple
                                ('storage', torch.<Dtype>Storage, key, location, numel)
                                e.g. ('storage', torch.FloatStorage, '0', 'cpu', 12)
    archive/.format_version     '1'
    archive/.storage_alignment  '64'
    archive/byteorder           'little': the byte order of the data records
    archive/data/<key>          the storage's bytes: `numel` elements, contiguous, little-endian
                                (bfloat16 as its 16-bit patterns); each record's data starts at a
                                multiple of 64 bytes in the file (a padding extra field), so that
                                `mmap=True` can map it in place
    archive/version             '3'

A storage is a tensor's whole buffer: tensors that share one (views of one base) are saved with
one record and share one buffer again after loading. Saving a small view of a large tensor
saves the whole buffer (call .clone() first to save only the view). `ember.load` reads these
files, torch.save's, and those of earlier ember versions (ember._tensor_pickle's names) into
ember tensors, without importing torch.

`ember.load` also reads `.safetensors` files (see `load_safetensors`).
"""
import _compat_pickle
import ast
import builtins
import collections
import contextlib
import copyreg
import io
import json
import os
import pickle
import shutil
import struct
import sys
import threading
import warnings
import zipfile
import zlib

import numpy as np

from . import _C
from ._tensor import Size, Tensor
from ._torch_format import STORAGE_TYPE_NAMES, TorchPickler, settle_loaded_module, torch_name
from ._tensor_pickle import (_NP_DTYPES, _Storage, _rebuild_storage, _rebuild_tensor,
                             _rebuild_tensor_subclass, _as_subclass, _device, dtype_from_name,
                             from_le_bytes, le_bytes, raw_view, restore_location, storage_impl)

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "get_unsafe_globals_in_checkpoint", "UnpicklingError", "save_safetensors", "load_safetensors",
           "read_safetensors_metadata"]

FORMAT_VERSION = "3"  # the archive/version torch.save writes
_ALIGN = 64
_CPU = _C.device("cpu")
_BIG_ENDIAN = sys.byteorder == "big"


class UnpicklingError(pickle.UnpicklingError):
    """ember.load refused or could not read a pickle: a global that weights_only=True does not
    allow (the message names it), or a corrupt pickle."""


# ---- the allowed globals of weights_only=True -------------------------------------------------
def _name_of(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


_BUILTIN_GLOBALS = {f"builtins.{n}": getattr(builtins, n) for n in (
    "dict", "list", "tuple", "set", "frozenset", "int", "float", "complex", "str", "bytes",
    "bytearray", "bool", "slice", "range")}
_BUILTIN_GLOBALS.update({
    "collections.OrderedDict": collections.OrderedDict,
    "collections.Counter": collections.Counter,
    "_codecs.encode": __import__("_codecs").encode,  # how protocol 2 pickles bytes
    # how protocols 0 and 1 pickle a subclass of a builtin (Size, OrderedDict's state): it
    # calls base.__new__(cls, state), both of which must themselves be allowed globals
    "copyreg._reconstructor": copyreg._reconstructor,
    "ember._C.dtype": _C.dtype,
    "ember._C.device": _C.device,
    "ember._tensor.Size": Size,
    "ember._tensor_pickle.dtype_from_name": dtype_from_name,
    "ember._tensor_pickle._device": _device,
    "ember._tensor_pickle._rebuild_tensor": _rebuild_tensor,
    "ember._tensor_pickle._rebuild_tensor_subclass": _rebuild_tensor_subclass,
    "ember._tensor_pickle._rebuild_storage": _rebuild_storage,
})

# never admitted, even when allowed (as in PyTorch): their functions reach the operating system
_BLOCKED_MODULES = ("sys", "os", "posix", "nt")
_safe_globals = {}
_safe_lock = threading.Lock()


def add_safe_globals(safe_globals):
    """Allow these classes or functions in `ember.load(..., weights_only=True)`. Each entry is the
    object, or a pair (object, "module.name") for an object pickled under another name."""
    with _safe_lock:
        for entry in safe_globals:
            if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], str):
                obj, name = entry
            elif hasattr(entry, "__module__") and hasattr(entry, "__qualname__"):
                obj, name = entry, _name_of(entry)
            else:
                raise TypeError(f"add_safe_globals: expected classes or functions (or (object, "
                                f"'module.name') pairs), got {entry!r}")
            _safe_globals[name] = obj


def get_safe_globals():
    """The objects allowed by add_safe_globals (those pickled under another name as pairs)."""
    with _safe_lock:
        return [obj if name == _name_of(obj) else (obj, name) for name, obj in _safe_globals.items()]


def clear_safe_globals():
    with _safe_lock:
        _safe_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """Allow these globals for ember.load within the `with` block only."""
    with _safe_lock:
        saved = dict(_safe_globals)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        with _safe_lock:
            _safe_globals.clear()
            _safe_globals.update(saved)


def get_unsafe_globals_in_checkpoint(f):
    """The globals of the checkpoint `f` (a path or a binary file object) that weights_only=True
    does not admit by default, as "module.name" strings: what a trusted file would need
    add_safe_globals for. (Globals allowed through add_safe_globals are listed too, as PyTorch
    lists them.)"""
    import pickletools
    with contextlib.ExitStack() as stack:
        fobj = stack.enter_context(open(f, "rb")) if isinstance(f, (str, os.PathLike)) else f
        with zipfile.ZipFile(fobj) as zf:
            pkl = [n for n in zf.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
            if len(pkl) != 1:
                raise RuntimeError(f"get_unsafe_globals_in_checkpoint: {_describe(f)} has no data.pkl record")
            pickled = zf.read(pkl[0])
    unsafe = set()
    for opcode, arg, _ in pickletools.genops(pickled):
        if opcode.name in ("GLOBAL", "INST"):
            module, name = arg.split(" ", 1)
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
            if f"{module}.{name}" not in _BUILTIN_GLOBALS and _torch_global(module, name) is None:
                unsafe.add(f"{module}.{name}")
        elif opcode.name == "STACK_GLOBAL":
            unsafe.add("<a STACK_GLOBAL (pickle protocol 4 and later), whose name is computed>")
    return sorted(unsafe)


def _parameter_class():
    nn = sys.modules.get("ember.nn")
    return getattr(nn, "Parameter", None)


# ---- torch.save files: torch's names mapped to ember's, so torch need not be imported ----------
_TORCH_STORAGE_DTYPES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
    "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
    "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128", "UntypedStorage": "uint8"}
_TORCH_DTYPES = {"float32": "float32", "float": "float32", "float64": "float64", "double": "float64",
                 "float16": "float16", "half": "float16", "bfloat16": "bfloat16", "int64": "int64",
                 "long": "int64", "int32": "int32", "int": "int32", "int16": "int16", "short": "int16",
                 "int8": "int8", "uint8": "uint8", "bool": "bool",
                 "complex64": "complex64", "cfloat": "complex64", "complex128": "complex128",
                 "cdouble": "complex128"}


class _TorchStorageType:
    """What torch.FloatStorage & co. stand for in a torch file's persistent ids: a dtype."""

    def __init__(self, dtype_name):
        self.dtype_name = dtype_name


def _torch_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                             backward_hooks=None, metadata=None):
    return _rebuild_tensor(storage, storage_offset, size, stride, requires_grad)


def _torch_rebuild_tensor(storage, storage_offset, size, stride):
    return _rebuild_tensor(storage, storage_offset, size, stride)


def _torch_rebuild_parameter(data, requires_grad, backward_hooks=None, state=None):
    cls = _parameter_class()
    if cls is None:
        t = data.detach()
        return t.requires_grad_(True) if requires_grad else t
    return _as_subclass(cls, data, requires_grad, state)


def _torch_rebuild_from_type_v2(func, new_type, args, state):
    t = func(*args)
    if new_type is not Tensor and isinstance(new_type, type) and issubclass(new_type, Tensor) \
            and type(t) is not new_type:
        t = _as_subclass(new_type, t, t.requires_grad, None)
    if state and type(t) is not Tensor and isinstance(state, dict):
        t.__dict__.update(state)
    return t


def _torch_device(type_or_spec, index=None):
    return _C.device(type_or_spec if index is None else f"{type_or_spec}:{index}")


def _torch_global(module, name):
    """The ember object standing for a global of a torch file, or None."""
    if module == "torch":
        if name.endswith("Storage"):  # dtypes ember lacks (quantized ones) fail at the storage
            return _TorchStorageType(_TORCH_STORAGE_DTYPES.get(name, f"torch.{name}"))
        if name in _TORCH_DTYPES:
            return dtype_from_name(_TORCH_DTYPES[name])
        if name == "Size":
            return Size
        if name == "device":
            return _torch_device
        if name == "Tensor":
            return Tensor
    elif module == "torch._utils":
        return {"_rebuild_tensor_v2": _torch_rebuild_tensor_v2, "_rebuild_tensor": _torch_rebuild_tensor,
                "_rebuild_parameter": _torch_rebuild_parameter,
                "_rebuild_parameter_with_state": _torch_rebuild_parameter}.get(name)
    elif module == "torch._tensor" and name == "_rebuild_from_type_v2":
        return _torch_rebuild_from_type_v2
    elif module == "torch.nn.parameter" and name == "Parameter":
        return _parameter_class() or Tensor
    return None


def _torch_module_class(module, name):
    """ember's layer for a torch.nn.modules class (a whole module saved by torch.save, or by
    ember.save, which names its standard layers so), or None. Only weights_only=False reads them."""
    if module == "torch.nn.functional":  # an activation held by a layer
        from .nn import functional
        found = getattr(functional, name, None)
        return found if callable(found) else None
    if not module.startswith("torch.nn.modules."):
        return None
    import importlib
    try:
        found = importlib.import_module("ember.nn.modules." + module[len("torch.nn.modules."):])
    except ImportError:
        return None
    for part in name.split("."):
        found = getattr(found, part, None)
    return found if isinstance(found, type) else None


def _allowed_global(module, name):
    # protocol < 3 writes Python 2 names (__builtin__.set); the stock find_class maps them back
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    full = f"{module}.{name}"
    obj = _BUILTIN_GLOBALS.get(full)
    if obj is None:
        obj = _torch_global(module, name)
    if obj is None and module.split(".")[0] not in _BLOCKED_MODULES:
        with _safe_lock:
            obj = _safe_globals.get(full)
            if obj is None and module.startswith(("numpy.core.", "numpy._core.")):
                # numpy 2 renamed numpy.core to numpy._core: files and allow-lists use either
                other = module.replace("numpy.core.", "numpy._core.", 1) if module.startswith("numpy.core.") \
                    else module.replace("numpy._core.", "numpy.core.", 1)
                obj = _safe_globals.get(f"{other}.{name}")
    if obj is None:
        param = _parameter_class()
        if param is not None and full == _name_of(param):
            obj = param
    return obj


def _refusal(module, name):
    full = f"{module}.{name}"
    return UnpicklingError(
        f"weights_only load refused the global {full}: with weights_only=True, ember.load "
        "unpickles only tensors, ember dtypes, devices and Size, containers and primitives. If "
        f"you trust this file, allow it with ember.serialization.add_safe_globals([{full}]) (or "
        f"the ember.serialization.safe_globals([{full}]) context manager), or load with "
        "weights_only=False, which can run arbitrary code: only for files you trust.")


# ---- save -----------------------------------------------------------------------------------
def _location(impl):
    return str(impl.device)


def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save `obj` to `f` (a path or a writable binary file object) in PyTorch's zip format (see
    the module's docstring): torch.load reads the file. Tensors that share storage stay shared
    when loaded."""
    if not _use_new_zipfile_serialization:
        raise ValueError("ember.save writes only the zip format")
    storages = {}  # key -> storage impl, in the order first met
    keys = {}  # id(_Storage) -> key
    kept = []  # the _Storage objects, alive until written (their ids must stay unique)

    def storage_id(o):
        if type(o) is not _Storage:
            return None
        key = keys.get(id(o))
        if key is None:
            key = str(len(storages))
            keys[id(o)] = key
            storages[key] = o.impl
            kept.append(o)
        impl = o.impl
        # protocol 0 writes a persistent id as its repr: the dtype goes by its name there
        storage_type = impl.dtype.name if pickle_protocol == 0 else \
            torch_name("torch", STORAGE_TYPE_NAMES[impl.dtype.name])
        return ("storage", storage_type, key, _location(impl), impl.numel())

    data = io.BytesIO()
    if pickle_module is pickle:
        TorchPickler(data, storage_id, protocol=pickle_protocol).dump(obj)
    else:  # another pickle module (dill, ...): ember's own names, which only ember.load reads
        class _Pickler(pickle_module.Pickler):
            def persistent_id(self, o):
                pid = storage_id(o)
                return pid if pid is None else ("storage", o.impl.dtype.name) + pid[2:]

        _Pickler(data, protocol=pickle_protocol).dump(obj)
    write = lambda fobj: _write_archive(fobj, data.getvalue(), storages,  # noqa: E731
                                        byteorder=not _disable_byteorder_record)
    if isinstance(f, (str, os.PathLike)):
        _replace_file(f, write)
    else:
        write(f)


def _replace_file(path, write):
    """Write a new file and move it over `path`: tensors that ember.load(..., mmap=True) mapped
    from the old file keep their data (truncating it in place would make reading them fault),
    and a failed save leaves the old file whole."""
    path = os.path.realpath(os.fspath(path))
    if os.path.exists(path) and not os.path.isfile(path):  # a device, a pipe: written in place
        with open(path, "wb") as fobj:
            write(fobj)
        return
    directory, base = os.path.split(path)
    while True:
        tmp = os.path.join(directory, f".{base}.{os.urandom(6).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fobj:
            write(fobj)
        if os.path.exists(path):
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _record(name):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def _write_archive(fobj, pickled, storages, prefix="archive", byteorder=True):
    with zipfile.ZipFile(fobj, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(_record(f"{prefix}/data.pkl"), pickled)
        zf.writestr(_record(f"{prefix}/.format_version"), "1")
        zf.writestr(_record(f"{prefix}/.storage_alignment"), str(_ALIGN))
        if byteorder:
            zf.writestr(_record(f"{prefix}/byteorder"), "little")
        for key, impl in storages.items():
            if impl.device.type != "cpu":
                impl = impl.to_device(_CPU)
            raw = le_bytes(impl)
            info = _record(f"{prefix}/data/{key}")
            info.file_size = raw.size
            zip64 = raw.size * 1.05 > zipfile.ZIP64_LIMIT  # as zipfile decides it
            name_len = len(info.filename.encode("utf-8"))
            start = zf.fp.tell() + 30 + name_len + 4 + (20 if zip64 else 0)
            pad = -start % _ALIGN
            info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # the padding field torch uses
            with zf.open(info, "w", force_zip64=zip64) as out:
                out.write(memoryview(raw))
        zf.writestr(_record(f"{prefix}/version"), FORMAT_VERSION + "\n")


# ---- load -----------------------------------------------------------------------------------
def _describe(f):
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"the {type(f).__name__} object"


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Load an object saved by ember.save (or torch.save, or a .safetensors file) from `f`, a path
    or a readable binary file object.

    weights_only=True (the default) admits only tensors, ember dtypes/devices/Size, containers
    (dict, list, tuple, set, OrderedDict), primitives and the globals allowed through
    add_safe_globals / safe_globals; anything else raises UnpicklingError naming it.
    weights_only=False unpickles anything (only for trusted files).

    map_location: None (each tensor back on the device it was saved from), a device or a string
    ('cpu', 'cuda:0': every tensor there), a dict mapping saved locations to new ones
    ({'cuda:0': 'cpu'}), or a callable (storage, location) -> storage that gets each storage on
    the CPU as a 1-D tensor (returning None keeps the default).
    weights_only=None (the default) means True, or False when a pickle_module is given (as in
    PyTorch); the environment variables TORCH_FORCE_WEIGHTS_ONLY_LOAD (or EMBER_FORCE_...) force
    True, and TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD (or EMBER_FORCE_...) forces False where the call
    does not pass weights_only.
    mmap=True (f must be a path): tensor data is mapped from the file (copy-on-write) instead of
    read, where the record allows it.
    """
    name = _describe(f)
    weights_only = _weights_only_choice(weights_only, pickle_module)
    if pickle_module is not None and weights_only:
        raise RuntimeError("ember.load: pickle_module cannot be given with weights_only=True; pass "
                           "weights_only=False to unpickle with a custom pickle module")
    pickle_module = pickle_module or pickle
    if not (map_location is None or isinstance(map_location, (str, _C.device, dict)) or callable(map_location)):
        raise TypeError(f"ember.load: map_location must be None, a string, a device, a dict or a "
                        f"callable, got {type(map_location).__name__}")
    path = os.fspath(f) if isinstance(f, (str, os.PathLike)) else None
    if mmap and path is None:
        raise ValueError("ember.load: mmap=True needs f to be a path")
    with contextlib.ExitStack() as stack:
        if path is not None:
            fobj = stack.enter_context(open(path, "rb"))
        else:
            fobj = f
            if not (hasattr(fobj, "seekable") and fobj.seekable()):
                fobj = io.BytesIO(fobj.read())
        start = fobj.tell()
        head = fobj.read(9)
        fobj.seek(start)
        if len(head) == 0:
            raise RuntimeError(f"ember.load: {name} is empty")
        if head[:2] == b"PK":
            return _load_zip(fobj, name, path if mmap else None, map_location, weights_only,
                             pickle_module, pickle_load_args)
        if (path or "").endswith(".safetensors") or _looks_like_safetensors(head):
            return _load_safetensors(fobj, name, map_location)
        if head[:1] == b"\x80":
            raise RuntimeError(f"ember.load: {name} is a bare pickle, not a zip archive: PyTorch's "
                               "legacy format is not supported (re-save it with a recent torch.save)")
        raise RuntimeError(f"ember.load: {name} is neither an ember/torch zip archive nor a "
                           "safetensors file")


_TRUE_VALUES = ("1", "y", "yes", "true")


def _env_flag(suffix):
    return any(os.getenv(prefix + suffix, "0").lower() in _TRUE_VALUES for prefix in ("TORCH_", "EMBER_"))


def _weights_only_choice(weights_only, pickle_module):
    """weights_only after PyTorch's default and its environment overrides."""
    not_set = weights_only is None
    if not_set:  # PyTorch's default: restricted unless a pickle module is given
        weights_only = pickle_module is None
    force_on = _env_flag("FORCE_WEIGHTS_ONLY_LOAD")
    force_off = _env_flag("FORCE_NO_WEIGHTS_ONLY_LOAD")
    if force_on and force_off:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` "
                           "(or their EMBER_ forms) should be set, but both were set.")
    if force_on:
        return True
    if force_off and not_set:  # it overrides only a call that left weights_only unset
        warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected: since the "
                      "`weights_only` argument was not explicitly passed to `ember.load`, forcing "
                      "weights_only=False.", UserWarning, stacklevel=3)
        return False
    return weights_only


def _looks_like_safetensors(head):
    return len(head) == 9 and head[8:9] == b"{" and struct.unpack("<Q", head[:8])[0] >= 2


def _map_storage(impl, location, map_location):
    """The storage impl for `location` after map_location."""
    if map_location is None:
        return restore_location(impl, location)
    if isinstance(map_location, (str, _C.device)):
        return restore_location(impl, map_location)
    if isinstance(map_location, dict):
        target = map_location.get(location, location)
        return restore_location(impl, str(target) if isinstance(target, _C.device) else target)
    if callable(map_location):
        result = map_location(_wrap_storage(impl), location)
        if result is None:
            return restore_location(impl, location)
        return storage_impl(result)
    raise TypeError(f"ember.load: map_location must be None, a string, a device, a dict or a "
                    f"callable, got {type(map_location).__name__}")


def _wrap_storage(impl):
    from ._tensor import _wrap
    return _wrap(impl)


class _StorageFailure(Exception):
    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


_PICKLE_ERRORS = (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, TypeError,
                  AttributeError, struct.error, UnicodeDecodeError, OverflowError, RecursionError,
                  ImportError)


def _load_zip(fobj, name, mmap_path, map_location, weights_only, pickle_module, pickle_load_args):
    try:
        zf = zipfile.ZipFile(fobj)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error) as e:
        raise RuntimeError(f"ember.load: {name} is not a readable zip archive (corrupt or truncated?): "
                           f"{e}") from None
    with zf:
        pkl = [n for n in zf.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pkl) != 1:
            raise RuntimeError(f"ember.load: {name} has no data.pkl record: not a file written by "
                               "ember.save or torch.save")
        prefix = pkl[0][:-len("data.pkl")]
        byteorder = "little"
        if f"{prefix}byteorder" in zf.NameToInfo:
            byteorder = _read_record(zf, f"{prefix}byteorder", name).decode("ascii", "replace").strip()
            if byteorder not in ("little", "big"):
                raise RuntimeError(f"ember.load: {name} has a bad byteorder record {byteorder!r}")
        pickled = _read_record(zf, pkl[0], name)
        loaded = {}

        def persistent_load(pid):
            try:
                return _persistent_load(pid)
            except Exception as e:  # not a pickle problem: raised as it is, unwrapped below
                raise _StorageFailure(e) from e

        def _persistent_load(pid):
            if isinstance(pid, str):  # protocol 0 writes persistent ids as their repr
                with contextlib.suppress(ValueError, SyntaxError, MemoryError, RecursionError):
                    pid = ast.literal_eval(pid)
            if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
                raise UnpicklingError(f"ember.load: {name}: unknown persistent id {pid!r} in data.pkl")
            _, storage_type, key, location, numel = pid
            if not (isinstance(key, str) and isinstance(location, str) and type(numel) is int
                    and numel >= 0):
                raise UnpicklingError(f"ember.load: {name}: bad storage record {pid!r}")
            if key in loaded:
                return loaded[key]
            if isinstance(storage_type, _TorchStorageType):
                dtype_name = storage_type.dtype_name
            elif isinstance(storage_type, _C.dtype):
                dtype_name = storage_type.name
            else:
                dtype_name = storage_type
            try:
                dtype = dtype_from_name(dtype_name)
            except ValueError:
                raise UnpicklingError(f"ember.load: {name}: storage {key!r} has an unsupported dtype "
                                      f"{dtype_name!r}") from None
            record = f"{prefix}data/{key}"
            impl = _read_storage(zf, record, name, dtype, numel, byteorder, mmap_path)
            storage = _Storage(_map_storage(impl, location, map_location))
            loaded[key] = storage
            return storage

        if weights_only:
            class _Unpickler(pickle.Unpickler):
                def find_class(self, module, global_name):
                    obj = _allowed_global(module, global_name)
                    if obj is None:
                        raise _refusal(module, global_name)
                    return obj
        else:
            # pickle's own: the Python unpickler, whose BUILD can settle torch layers' state
            base = pickle._Unpickler if pickle_module is pickle else pickle_module.Unpickler

            class _Unpickler(base):
                def find_class(self, module, global_name):
                    obj = _torch_global(module, global_name)
                    if obj is None:
                        obj = _torch_module_class(module, global_name)
                    return obj if obj is not None else super().find_class(module, global_name)

            if base is pickle._Unpickler:
                def _load_build(self):
                    pickle._Unpickler.load_build(self)
                    settle_loaded_module(self.stack[-1])

                _Unpickler.dispatch = dict(pickle._Unpickler.dispatch)
                _Unpickler.dispatch[pickle.BUILD[0]] = _load_build
        unpickler = _Unpickler(io.BytesIO(pickled), **pickle_load_args)
        unpickler.persistent_load = persistent_load
        try:
            return unpickler.load()
        except _StorageFailure as e:
            raise e.error from None
        except UnpicklingError:
            raise
        except _PICKLE_ERRORS as e:
            raise UnpicklingError(f"ember.load: cannot unpickle {pkl[0]} of {name} (is the file "
                                  f"corrupt?): {type(e).__name__}: {e}") from e


def _read_record(zf, record, name):
    try:
        return zf.read(record)
    except KeyError:
        raise RuntimeError(f"ember.load: {name} lacks the record {record!r} (truncated or not written "
                           "by ember.save/torch.save)") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error, RuntimeError,
            NotImplementedError, zlib.error) as e:  # zlib.error: a corrupt compressed record
        raise RuntimeError(f"ember.load: cannot read the record {record!r} of {name} (corrupt or "
                           f"truncated?): {e}") from None


def _read_storage(zf, record, name, dtype, numel, byteorder, mmap_path):
    nbytes = numel * dtype.itemsize
    info = zf.NameToInfo.get(record)
    if info is None:
        raise RuntimeError(f"ember.load: {name} lacks the record {record!r} (truncated or not written "
                           "by ember.save/torch.save)")
    if info.file_size < nbytes:
        raise RuntimeError(f"ember.load: the record {record!r} of {name} holds {info.file_size} bytes, "
                           f"but its storage needs {nbytes} ({numel} x {dtype.name}): truncated file?")
    if mmap_path is not None:
        impl = _mmap_storage(zf, info, name, dtype, numel, byteorder, mmap_path)
        if impl is not None:
            return impl
    if info.compress_type == zipfile.ZIP_STORED and info.file_size == nbytes and nbytes:
        return _read_stored(zf, info, name, dtype, numel, byteorder)
    data = _read_record(zf, record, name)
    if len(data) < nbytes:
        raise RuntimeError(f"ember.load: the record {record!r} of {name} holds {len(data)} bytes, but "
                           f"its storage needs {nbytes} ({numel} x {dtype.name}): truncated file?")
    return from_le_bytes(data, dtype, numel, byteorder)


def _data_offset(zf, info, name):
    """Where the bytes of the record `info` start in the archive's file."""
    fp = zf.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise RuntimeError(f"ember.load: {name}: bad local header for the record {info.filename!r} "
                           "(corrupt or truncated file?)")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def _read_stored(zf, info, name, dtype, numel, byteorder):
    """An uncompressed record read straight into a new tensor's memory, its CRC checked."""
    fp = zf.fp
    offset = _data_offset(zf, info, name)
    end = fp.seek(0, io.SEEK_END)
    if offset + info.file_size > end:  # checked before allocating what the directory claims
        raise RuntimeError(f"ember.load: the record {info.filename!r} of {name} claims {info.file_size} bytes, "
                           f"past the end of the archive ({end} bytes): truncated or corrupt file?")
    impl = _C.empty([numel], dtype, _CPU)
    dst = raw_view(impl)
    fp.seek(offset)
    got = fp.readinto(memoryview(dst))
    if got != dst.size:
        raise RuntimeError(f"ember.load: the record {info.filename!r} of {name} ends after {got} of its "
                           f"{dst.size} bytes: truncated file?")
    if zlib.crc32(dst) != info.CRC:
        raise RuntimeError(f"ember.load: the record {info.filename!r} of {name} fails its CRC check: "
                           "the file is corrupt")
    if byteorder != sys.byteorder and dtype.itemsize > 1:
        dst.view(_NP_DTYPES[dtype.name]).byteswap(inplace=True)
    return impl


def _mmap_storage(zf, info, name, dtype, numel, byteorder, path):
    """The storage mapped from the file where it is stored uncompressed, aligned and in this
    machine's byte order, and numpy has the dtype; None to read it instead."""
    if (info.compress_type != zipfile.ZIP_STORED or dtype.name == "bfloat16" or numel == 0
            or (byteorder != sys.byteorder and dtype.itemsize > 1)):
        return None
    nbytes = numel * dtype.itemsize
    offset = _data_offset(zf, info, name)
    if offset + nbytes > os.path.getsize(path):
        raise RuntimeError(f"ember.load: the record {info.filename!r} of {name} is shorter than its "
                           f"storage ({nbytes} bytes): truncated file?")
    if offset % dtype.itemsize:
        return None
    array = np.memmap(path, dtype=_NP_DTYPES[dtype.name], mode="c", offset=offset, shape=(numel,))
    return _C.from_numpy(array)


# ---- safetensors ------------------------------------------------------------------------------
# https://github.com/huggingface/safetensors#format: an 8-byte little-endian header length N, N
# bytes of JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
# then the data buffer (offsets are relative to its start), each tensor contiguous, little-endian.
_ST_TO_EMBER = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
                "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8",
                "BOOL": "bool"}
_EMBER_TO_ST = {v: k for k, v in _ST_TO_EMBER.items()}
_ST_MAX_HEADER = 100 * 1024 * 1024


def save_safetensors(tensors, f, metadata=None):
    """Write a dict name -> tensor to `f` (a path or a binary file object) in the safetensors
    format. Each tensor is written contiguously (tensors sharing storage are written apart);
    `metadata` is a dict of strings stored under "__metadata__"."""
    if not isinstance(tensors, dict):
        raise TypeError(f"save_safetensors: expected a dict of name -> tensor, got {type(tensors).__name__}")
    for k, v in tensors.items():
        if not isinstance(k, str):
            raise TypeError(f"save_safetensors: tensor names must be strings, got {k!r}")
        if not isinstance(v, Tensor):
            raise TypeError(f"save_safetensors: {k!r} is a {type(v).__name__}, not a tensor")
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in metadata.items()):
            raise TypeError("save_safetensors: metadata must be a dict of str -> str")
    # Largest alignment first, then by name, as the reference writer orders them.
    order = sorted(tensors, key=lambda k: (-tensors[k].element_size(), k))
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = dict(metadata)
    for k in order:
        impl = tensors[k]._impl
        if impl.device.type != "cpu":
            impl = impl.to_device(_CPU)
        impl = impl.contiguous()
        raw = le_bytes(impl)
        header[k] = {"dtype": _EMBER_TO_ST[impl.dtype.name], "shape": list(impl.shape),
                     "data_offsets": [offset, offset + raw.size]}
        chunks.append((impl, raw))
        offset += raw.size
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(f, "wb")) if isinstance(f, (str, os.PathLike)) else f
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for _, raw in chunks:
            out.write(memoryview(raw))


def load_safetensors(f, device="cpu"):
    """Read a safetensors file (a path or a binary file object): a dict name -> tensor on
    `device`. The file's "__metadata__" is not returned (see read_safetensors_metadata)."""
    name = _describe(f)
    with contextlib.ExitStack() as stack:
        fobj = stack.enter_context(open(f, "rb")) if isinstance(f, (str, os.PathLike)) else f
        return _load_safetensors(fobj, name, device)


def read_safetensors_metadata(f):
    """The "__metadata__" dict of a safetensors file ({} when it has none)."""
    name = _describe(f)
    with contextlib.ExitStack() as stack:
        fobj = stack.enter_context(open(f, "rb")) if isinstance(f, (str, os.PathLike)) else f
        header, _ = _safetensors_header(fobj, name)
        return dict(header.get("__metadata__") or {})


def _st_error(name, problem):
    return RuntimeError(f"ember.load: {name} is not a valid safetensors file: {problem}")


def _safetensors_header(fobj, name):
    raw_len = fobj.read(8)
    if len(raw_len) != 8:
        raise _st_error(name, "shorter than its 8-byte header length")
    n = struct.unpack("<Q", raw_len)[0]
    if n > _ST_MAX_HEADER:
        raise _st_error(name, f"header length {n} exceeds the limit of {_ST_MAX_HEADER} bytes")
    text = fobj.read(n)
    if len(text) != n:
        raise _st_error(name, f"the header needs {n} bytes, the file holds {len(text)} (truncated?)")
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _st_error(name, f"the header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise _st_error(name, "the header is not a JSON object")
    meta = header.get("__metadata__")
    if meta is not None and not (isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())):
        raise _st_error(name, "__metadata__ must map strings to strings")
    return header, 8 + n


def _load_safetensors(fobj, name, map_location):
    if not (hasattr(fobj, "seekable") and fobj.seekable()):
        fobj = io.BytesIO(fobj.read())
    header, _ = _safetensors_header(fobj, name)
    data_start = fobj.tell()
    buffer_len = fobj.seek(0, io.SEEK_END) - data_start
    entries = []
    for key, spec in header.items():
        if key == "__metadata__":
            continue
        if not isinstance(spec, dict):
            raise _st_error(name, f"the entry {key!r} is not an object")
        st_dtype, shape, offsets = spec.get("dtype"), spec.get("shape"), spec.get("data_offsets")
        if st_dtype not in _ST_TO_EMBER:
            raise _st_error(name, f"{key!r} has the dtype {st_dtype!r}, which ember does not support "
                                  f"(supported: {', '.join(_ST_TO_EMBER)})")
        if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)):
            raise _st_error(name, f"{key!r} has a bad shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets)
                and 0 <= offsets[0] <= offsets[1]):
            raise _st_error(name, f"{key!r} has bad data_offsets {offsets!r}")
        dtype = dtype_from_name(_ST_TO_EMBER[st_dtype])
        numel = 1
        for s in shape:
            numel *= s
        if offsets[1] - offsets[0] != numel * dtype.itemsize:
            raise _st_error(name, f"{key!r}: data_offsets {offsets} span {offsets[1] - offsets[0]} bytes, "
                                  f"but shape {shape} of {st_dtype} needs {numel * dtype.itemsize}")
        entries.append((offsets[0], offsets[1], key, dtype, shape, numel))
    end = 0
    for begin, stop, key, *_ in sorted(entries, key=lambda e: (e[0], e[1])):
        if begin != end:
            problem = "overlaps another tensor" if begin < end else f"leaves a hole at byte {end}"
            raise _st_error(name, f"{key!r} (data_offsets [{begin}, {stop}]) {problem}")
        end = stop
    if end > buffer_len:
        raise _st_error(name, f"the data buffer holds {buffer_len} bytes, the header describes {end} "
                              "(truncated?)")
    if end != buffer_len:
        raise _st_error(name, f"the data buffer holds {buffer_len} bytes, the header describes only {end}")
    from ._tensor import _wrap
    out = {}
    for begin, stop, key, dtype, shape, numel in entries:
        impl = _C.empty([numel], dtype, _CPU)
        dst = raw_view(impl)
        fobj.seek(data_start + begin)
        if dst.size and fobj.readinto(memoryview(dst)) != dst.size:
            raise _st_error(name, f"{key!r}: the file ended early (truncated?)")
        if _BIG_ENDIAN and dtype.itemsize > 1:
            dst.view(_NP_DTYPES[dtype.name]).byteswap(inplace=True)
        impl = impl.view(shape)
        if map_location is not None and map_location != "cpu":
            impl = _map_storage(impl, "cpu", map_location)
        out[key] = _wrap(impl)
    return out
