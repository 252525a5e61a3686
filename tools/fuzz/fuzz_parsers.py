"""Coverage-guided fuzzing (atheris, libFuzzer's engine) of the parsers that take outside bytes.

    pip install atheris
    python tools/fuzz/fuzz_parsers.py TARGET [libFuzzer flags, e.g. -max_total_time=600]
    python tools/fuzz/fuzz_parsers.py TARGET --seed-corpus      # (re)write the seed corpus

TARGET is one of:
  load         ember.load of arbitrary bytes (torch's zip format, legacy pickles, safetensors)
  safetensors  ember.serialization.load_safetensors of arbitrary bytes
  numpy        ember.from_numpy of arrays with fuzzed dtype, shape, strides and offset over one buffer
  dlpack       ember.from_dlpack of hand-written capsules with fuzzed dtype, shape and strides
  onnx         ember.onnx.load of arbitrary bytes (needs the onnx package)

The property checked on every input: the call returns, or raises one of the clear errors a
user can catch (ValueError, TypeError, IndexError, RuntimeError, BufferError (DLPack's), pickle.UnpicklingError,
EOFError); anything else (a crash, a KeyError, a struct.error, ...) is a finding, and libFuzzer
saves the input. Loading never runs code from the file: the default weights_only=True admits
no global that is not a tensor type, dtype or container, which `_canary` checks by planting a
global whose call would set a flag.

The seed corpus (tools/fuzz/corpus/TARGET/, a few small files each) is kept in git; libFuzzer
writes what it grows into the corpus folder given on the command line, by default a scratch
copy, so git stays small.
"""
import ctypes
import io
import os
import pickle
import shutil
import sys
import tempfile

import atheris

import numpy as np

with atheris.instrument_imports(include=["ember"]):  # coverage of ember's own Python code
    import ember
    import ember.serialization

HERE = os.path.dirname(os.path.abspath(__file__))
CLEAR_ERRORS = (ValueError, TypeError, IndexError, RuntimeError, BufferError, pickle.UnpicklingError, EOFError)
CANARY = {"called": False}


def _canary():
    CANARY["called"] = True


def _expect_clear(call):
    try:
        call()
    except CLEAR_ERRORS:
        pass
    if CANARY["called"]:
        raise AssertionError("ember.load ran code from the file")


# ---- targets --------------------------------------------------------------------------------------

def target_load(data):
    _expect_clear(lambda: ember.load(io.BytesIO(data)))


def target_safetensors(data):
    _expect_clear(lambda: ember.serialization.load_safetensors(io.BytesIO(data)))


_DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64,
           np.complex64, np.complex128, np.uint16, np.uint32, np.uint64, ">f4", ">i8"]


def target_numpy(data):
    fdp = atheris.FuzzedDataProvider(data)
    buffer = np.zeros(256, dtype=np.uint8)
    dtype = np.dtype(_DTYPES[fdp.ConsumeIntInRange(0, len(_DTYPES) - 1)])
    ndim = fdp.ConsumeIntInRange(0, 4)
    shape = [fdp.ConsumeIntInRange(0, 8) for _ in range(ndim)]
    strides = [fdp.ConsumeIntInRange(-64, 64) for _ in range(ndim)]
    offset = fdp.ConsumeIntInRange(0, 255)
    try:  # numpy itself refuses layouts outside the buffer
        array = np.ndarray(shape, dtype=dtype, buffer=buffer, offset=offset, strides=strides)
    except (ValueError, TypeError):
        return
    if fdp.ConsumeBool():
        array.flags.writeable = False

    def convert():
        t = ember.from_numpy(array)
        assert tuple(t.shape) == array.shape
        if t.numel():
            np.testing.assert_array_equal(t.numpy(), array)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _expect_clear(convert)


class _Device(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int)]


class _DataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _Device), ("ndim", ctypes.c_int), ("dtype", _DataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


class _Managed(ctypes.Structure):
    _fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p)]


_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype, _capsule_new.argtypes = ctypes.py_object, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
_BACKING = np.zeros(16384, dtype=np.uint8)  # capsules point at its middle


def target_dlpack(data):
    """Small layouts (each element inside _BACKING) must convert and read back exactly what the
    capsule describes; huge ones must be refused or accepted without being read (the producer
    vouches for its memory, as with torch)."""
    fdp = atheris.FuzzedDataProvider(data)
    huge = fdp.ConsumeIntInRange(0, 7) == 0
    ndim = fdp.ConsumeIntInRange(-1, 6)
    n = max(ndim, 0)
    limit = 1 << 62 if huge else 8
    shape = (ctypes.c_int64 * max(n, 1))(*[fdp.ConsumeIntInRange(-2 if huge else 0, limit) for _ in range(n)])
    with_strides = fdp.ConsumeBool()
    strides = (ctypes.c_int64 * max(n, 1))(*[fdp.ConsumeIntInRange(-limit, limit) for _ in range(n)])
    dtype = _DataType(fdp.ConsumeIntInRange(0, 6), fdp.ConsumeIntInRange(0, 130), fdp.ConsumeIntInRange(0, 2))
    device = _Device(fdp.ConsumeIntInRange(0, 3) if huge else 1, fdp.ConsumeIntInRange(-1, 2) if huge else 0)
    middle = _BACKING.ctypes.data + _BACKING.nbytes // 2
    managed = _Managed(_DLTensor(middle, device, ndim, dtype, shape, strides if with_strides else None, 0),
                       None, None)
    capsule = _capsule_new(ctypes.addressof(managed), b"dltensor", None)

    def convert():
        t = ember.from_dlpack(capsule)
        assert list(t.shape) == list(shape[:n])
        if not huge and with_strides and t.numel():
            t.clone()  # every element the view names lies in _BACKING: reading them must work
    _expect_clear(convert)


def target_onnx(data):
    import ember.onnx
    _expect_clear(lambda: ember.onnx.load(io.BytesIO(data)))


TARGETS = {"load": target_load, "safetensors": target_safetensors, "numpy": target_numpy, "dlpack": target_dlpack,
           "onnx": target_onnx}


# ---- the seed corpus ------------------------------------------------------------------------------

def write_seed_corpus(target):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    seeds = {}
    if target == "load":
        for name, obj in {"tensor": ember.arange(6.0).reshape(2, 3), "dict": {"w": ember.ones(2, dtype=ember.int8),
                          "b": [ember.zeros(1, dtype=ember.complex64), 3]}, "shared": [ember.ones(4)[1:], 1.5]}.items():
            buf = io.BytesIO()
            ember.save(obj, buf)
            seeds[name + ".pt"] = buf.getvalue()
    if target == "load":  # a checkpoint whose unpickling would call _canary: weights_only refuses it
        import zipfile
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("archive/data.pkl", b"\x80\x02c__main__\n_canary\n)R.")
            z.writestr("archive/version", b"3\n")
        seeds["canary.pt"] = buf.getvalue()
    if target in ("load", "safetensors"):
        buf = io.BytesIO()
        ember.serialization.save_safetensors({"a": ember.arange(4.0), "b": ember.ones(2, 2, dtype=ember.int64)}, buf)
        seeds["small.safetensors"] = buf.getvalue()
    if target in ("numpy", "dlpack"):
        seeds.update({f"seed{i}": bytes(range(i * 7, i * 7 + 40)) for i in range(4)})
    for name, blob in seeds.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(blob)
    return folder


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(__doc__)
    target = sys.argv[1]
    if "--seed-corpus" in sys.argv:
        print("wrote", write_seed_corpus(target))
        return
    seeds = os.path.join(HERE, "corpus", target)
    if not os.path.isdir(seeds):
        write_seed_corpus(target)
    scratch = tempfile.mkdtemp(prefix=f"ember-fuzz-{target}-")
    for name in os.listdir(seeds):
        shutil.copy(os.path.join(seeds, name), scratch)
    print(f"fuzzing {target}: corpus grows in {scratch}", flush=True)
    atheris.Setup([sys.argv[0], *sys.argv[2:], scratch], TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
