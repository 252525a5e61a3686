"""ember.save / ember.load, tensor pickling and deepcopy, safetensors, torch.save files."""
import collections
import copy
import io
import json
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

import ember
from ember import serialization
from conftest import ALL_DTYPES

LOAD_ERRORS = (RuntimeError, pickle.UnpicklingError)


# ---- helpers ------------------------------------------------------------------------------------
def values(t):
    return t.detach()._numpy_or_float()


def assert_same(a, b):
    assert isinstance(b, ember.Tensor)
    assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(values(a), values(b))


def sample(dtype, shape=(3, 4)):
    n = int(np.prod(shape))
    if dtype == ember.bool:
        return (ember.arange(n) % 3 == 0).reshape(*shape)
    if dtype == ember.uint8:
        return ember.arange(n, dtype=ember.uint8).reshape(*shape)
    if dtype.is_floating_point:
        return (ember.arange(n, dtype=ember.float32) * 0.37 - 1.5).to(dtype).reshape(*shape)
    return (ember.arange(n) - n // 2).to(dtype).reshape(*shape)


def roundtrip(obj, **load_kw):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return ember.load(buf, **load_kw)


def saved_bytes(obj):
    buf = io.BytesIO()
    ember.save(obj, buf)
    return buf.getvalue()


def shares_storage(a, b):
    return a._impl._same_storage(b._impl)


class Point:
    """A user class: weights_only=True refuses it unless allowed."""

    def __init__(self, x, y):
        self.x, self.y = x, y


class TaggedTensor(ember.Tensor):
    """A user tensor subclass with an attribute."""


@pytest.fixture(autouse=True)
def _restore_safe_globals():
    saved = serialization.get_safe_globals()
    yield
    serialization.clear_safe_globals()
    serialization.add_safe_globals(saved)


# ---- round trips through ember.save / ember.load -------------------------------------------------
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_roundtrip_every_dtype(dtype):
    t = sample(dtype)
    assert_same(t, roundtrip(t))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_pickle_every_dtype(dtype):
    t = sample(dtype)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert_same(t, pickle.loads(pickle.dumps(t, protocol=protocol)))


def test_bfloat16_bits_exact():
    t = ember.randn(64).bfloat16()
    back = roundtrip(t)
    np.testing.assert_array_equal(t.float().numpy(), back.float().numpy())
    assert_same(t, pickle.loads(pickle.dumps(t)))


@pytest.mark.parametrize("make", [
    lambda: ember.zeros(0),
    lambda: ember.zeros(3, 0, 2, dtype=ember.int64),
    lambda: ember.tensor(2.5),
    lambda: ember.tensor(7, dtype=ember.int16),
    lambda: ember.arange(12.).reshape(3, 4).t(),
    lambda: ember.arange(24.).reshape(2, 3, 4).permute(2, 0, 1)[:, 1:, ::2],
    lambda: ember.arange(10.)[::-1],
    lambda: ember.arange(3.).expand(4, 3),
    lambda: ember.arange(20, dtype=ember.bfloat16).reshape(4, 5)[1:3, 2:],
], ids=["empty", "zero-size-3d", "0-dim", "0-dim-int", "transposed", "permuted-sliced", "negative-step",
        "expanded", "bf16-slice"])
def test_roundtrip_shapes_and_strides(make):
    t = make()
    for back in (roundtrip(t), pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
        assert_same(t, back)


def test_views_sharing_storage_stay_shared():
    base = ember.arange(12.).reshape(3, 4)
    row, col, flat = base[1], base[:, 2], base.view(-1)
    other = ember.ones(2)
    for loaded in (roundtrip([base, row, col, flat, other]),
                   pickle.loads(pickle.dumps([base, row, col, flat, other])),
                   copy.deepcopy([base, row, col, flat, other])):
        b, r, c, f, o = loaded
        assert shares_storage(b, r) and shares_storage(b, c) and shares_storage(b, f)
        assert not shares_storage(b, o)
        assert not shares_storage(b, base)  # a copy, not the original
        b[1, 2] = 100.0
        assert r[2].item() == 100.0 and c[1].item() == 100.0 and f[6].item() == 100.0
        assert base[1, 2].item() == 6.0


def test_shared_storage_saved_once():
    base = ember.zeros(1000)
    one = saved_bytes([base])
    many = saved_bytes([base, base[10:], base[:5], base.view(10, 100)])
    assert len(many) < len(one) + 500
    names = zipfile.ZipFile(io.BytesIO(many)).namelist()
    assert [n for n in names if "/data/" in n] == ["archive/data/0"]


def test_view_saves_whole_storage_clone_saves_view():
    base = ember.zeros(10000)
    assert len(saved_bytes(base[:2])) > 40000
    assert len(saved_bytes(base[:2].clone())) < 2000


def test_requires_grad_preserved_grad_not_saved():
    w = ember.randn(3, requires_grad=True)
    (w * 2).sum().backward()
    c = ember.ones(2)
    lw, lc = roundtrip([w, c])
    assert lw.requires_grad and lw.is_leaf and lw.grad is None
    assert not lc.requires_grad
    assert_same(w, lw)
    (lw * 3).sum().backward()
    np.testing.assert_allclose(lw.grad.numpy(), [3, 3, 3])
    p = pickle.loads(pickle.dumps(w))
    assert p.requires_grad and p.is_leaf


def test_non_leaf_saved_as_leaf():
    w = ember.randn(3, requires_grad=True)
    y = w * 2
    back = roundtrip(y)
    assert back.requires_grad and back.is_leaf
    np.testing.assert_allclose(values(back), values(y))


def test_nested_containers_and_primitives():
    obj = {
        "list": [ember.ones(2), 1, 2.5, "s", None, True],
        "tuple": (ember.zeros(1, dtype=ember.int64), (b"raw", bytearray(b"ba"))),
        "set": {1, 2, 3}, "frozenset": frozenset({"a"}), "complex": 1 + 2j,
        "slice": slice(1, None, 2), "range": range(2, 10, 3),
        "dtype": ember.bfloat16, "device": ember.device("cpu"), "size": ember.Size([2, 3]),
        "nested": {"deep": [{"t": ember.arange(4.)}]},
        1: "int key", (1, 2): "tuple key",
    }
    back = roundtrip(obj)
    assert back.keys() == obj.keys()
    assert_same(obj["list"][0], back["list"][0])
    assert back["list"][1:] == obj["list"][1:]
    assert_same(obj["tuple"][0], back["tuple"][0])
    assert back["tuple"][1] == (b"raw", bytearray(b"ba"))
    for k in ("set", "frozenset", "complex", "slice", "range", 1, (1, 2)):
        assert back[k] == obj[k]
    assert back["dtype"] == ember.bfloat16 and back["device"] == ember.device("cpu")
    assert isinstance(back["size"], ember.Size) and back["size"] == ember.Size([2, 3])
    assert_same(obj["nested"]["deep"][0]["t"], back["nested"]["deep"][0]["t"])


def test_ordereddict_state_dict_with_metadata():
    sd = collections.OrderedDict([("layer.weight", ember.randn(4, 3)), ("layer.bias", ember.zeros(4)),
                                  ("bn.num_batches_tracked", ember.tensor(5))])
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("layer", {"version": 2})])
    back = roundtrip(sd)
    assert type(back) is collections.OrderedDict and list(back) == list(sd)
    assert back._metadata == sd._metadata
    for k in sd:
        assert_same(sd[k], back[k])


def test_dtype_and_device_pickle_by_name():
    for d in ALL_DTYPES:
        assert pickle.loads(pickle.dumps(d)) == d
        assert b"ember._C" not in pickle.dumps(d, protocol=2) or b"dtype_from_name" in pickle.dumps(d, 2)
    dev = ember.device("cuda:1")
    assert pickle.loads(pickle.dumps(dev)) == dev
    assert ember.device("cpu") == ember.device("cpu") and isinstance(ember.device("cpu"), ember.device)


def test_deterministic_and_aligned():
    obj = {"a": ember.arange(7, dtype=ember.int8), "b": ember.randn(5, 5), "c": ember.ones(3).half()}
    data = saved_bytes(obj)
    assert data == saved_bytes(obj)
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert set(zf.namelist()) >= {"archive/data.pkl", "archive/byteorder", "archive/version"}
    assert zf.read("archive/byteorder") == b"little"
    for info in zf.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        if "/data/" in info.filename:
            name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
            assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0


def test_raw_records_are_little_endian_values():
    t = ember.tensor([1.0, -2.0, 3.5], dtype=ember.float64)
    zf = zipfile.ZipFile(io.BytesIO(saved_bytes(t)))
    np.testing.assert_array_equal(np.frombuffer(zf.read("archive/data/0"), "<f8"), [1.0, -2.0, 3.5])
    b = ember.tensor([1.0, -2.0], dtype=ember.bfloat16)
    zf = zipfile.ZipFile(io.BytesIO(saved_bytes(b)))
    assert np.frombuffer(zf.read("archive/data/0"), "<u2").tolist() == [0x3F80, 0xC000]


# ---- files ------------------------------------------------------------------------------------
def test_paths_and_file_objects(tmp_path):
    t = ember.randn(4, 2)
    p = tmp_path / "t.pt"
    ember.save(t, str(p))
    assert_same(t, ember.load(str(p)))
    assert_same(t, ember.load(p))
    ember.save(t, p)
    with open(p, "rb") as f:
        assert_same(t, ember.load(f))
    with open(tmp_path / "f.pt", "wb") as f:
        ember.save({"t": t}, f)
    assert_same(t, ember.load(tmp_path / "f.pt")["t"])


def test_file_object_at_an_offset_and_non_seekable():
    t = ember.randn(3)
    buf = io.BytesIO()
    buf.write(b"prefix")
    ember.save(t, buf)
    buf.seek(6)
    assert_same(t, ember.load(buf))

    class Stream:  # read() only, no seek
        def __init__(self, data):
            self._data = io.BytesIO(data)

        def read(self, n=-1):
            return self._data.read(n)

    assert_same(t, ember.load(Stream(saved_bytes(t))))

    class Sink:  # write() only
        def __init__(self):
            self.parts = []

        def write(self, b):
            self.parts.append(bytes(b))
            return len(b)

        def flush(self):
            pass

    sink = Sink()
    ember.save({"t": t}, sink)
    assert_same(t, ember.load(io.BytesIO(b"".join(sink.parts)))["t"])


def test_mmap(tmp_path):
    obj = {"f": ember.randn(100), "i": ember.arange(10), "bf": ember.randn(5).bfloat16(),
           "v": ember.arange(12.).reshape(3, 4).t(), "e": ember.zeros(0)}
    p = tmp_path / "m.pt"
    ember.save(obj, p)
    before = p.read_bytes()
    back = ember.load(p, mmap=True)
    for k in obj:
        assert_same(obj[k], back[k])
    back["f"].fill_(0)  # copy-on-write: the file is unchanged
    assert p.read_bytes() == before
    with pytest.raises(ValueError, match="path"):
        ember.load(io.BytesIO(before), mmap=True)


# ---- weights_only and safe globals ----------------------------------------------------------------
def test_user_class_refused_by_default_naming_it():
    buf = io.BytesIO()
    ember.save({"p": Point(1, ember.ones(2))}, buf)
    buf.seek(0)
    with pytest.raises(serialization.UnpicklingError) as info:
        ember.load(buf)
    msg = str(info.value)
    assert f"{Point.__module__}.Point" in msg
    assert "add_safe_globals" in msg and "weights_only=False" in msg
    assert isinstance(info.value, pickle.UnpicklingError)
    buf.seek(0)
    back = ember.load(buf, weights_only=False)["p"]
    assert back.x == 1 and isinstance(back, Point)
    assert_same(ember.ones(2), back.y)


def test_add_safe_globals_and_context_manager():
    data = saved_bytes([Point(2, 3)])
    with serialization.safe_globals([Point]):
        assert ember.load(io.BytesIO(data))[0].y == 3
        assert Point in serialization.get_safe_globals()
    assert Point not in serialization.get_safe_globals()
    with pytest.raises(serialization.UnpicklingError, match="Point"):
        ember.load(io.BytesIO(data))
    serialization.add_safe_globals([Point])
    assert ember.load(io.BytesIO(data))[0].x == 2
    serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []
    with pytest.raises(serialization.UnpicklingError):
        ember.load(io.BytesIO(data))
    # an object allowed under another name
    serialization.add_safe_globals([(Point, f"{Point.__module__}.Point")])
    assert ember.load(io.BytesIO(data))[0].x == 2


@pytest.mark.parametrize("bad", [os.system, eval, getattr, __import__, pickle.loads, np.array],
                         ids=["os.system", "eval", "getattr", "__import__", "pickle.loads", "np.array"])
def test_dangerous_globals_refused(bad):
    class Evil:
        def __reduce__(self):
            return (bad, ("1",))

    data = saved_bytes(Evil())
    with pytest.raises(serialization.UnpicklingError, match="refused the global"):
        ember.load(io.BytesIO(data))


def test_tensor_subclass(tmp_path):
    t = serialization._as_subclass(TaggedTensor, ember.arange(3.), True, {"tag": "w"})
    data = saved_bytes(t)
    with pytest.raises(serialization.UnpicklingError, match="TaggedTensor"):
        ember.load(io.BytesIO(data))
    for back in (ember.load(io.BytesIO(data), weights_only=False), pickle.loads(pickle.dumps(t)),
                 copy.deepcopy(t)):
        assert type(back) is TaggedTensor and back.tag == "w" and back.requires_grad
        np.testing.assert_array_equal(values(back), [0, 1, 2])
    with serialization.safe_globals([TaggedTensor]):
        assert ember.load(io.BytesIO(data)).tag == "w"


def test_pickle_module_argument():
    data = saved_bytes({"t": ember.ones(2)})
    with pytest.raises(RuntimeError, match="weights_only"):
        ember.load(io.BytesIO(data), pickle_module=pickle, weights_only=True)
    # as in PyTorch, a pickle_module with weights_only left unset means weights_only=False
    assert_same(ember.ones(2), ember.load(io.BytesIO(data), pickle_module=pickle)["t"])
    assert_same(ember.ones(2), ember.load(io.BytesIO(data), pickle_module=pickle, weights_only=False)["t"])
    buf = io.BytesIO()
    ember.save(ember.ones(2), buf, pickle_module=pickle, pickle_protocol=4)
    buf.seek(0)
    assert_same(ember.ones(2), ember.load(buf))


# ---- map_location --------------------------------------------------------------------------------
def test_map_location_cpu_variants():
    t = ember.randn(3)
    data = saved_bytes({"t": t})
    for loc in (None, "cpu", ember.device("cpu"), {"cuda:0": "cpu"}, {"cpu": "cpu"}):
        back = ember.load(io.BytesIO(data), map_location=loc)["t"]
        assert_same(t, back) and back.device == ember.device("cpu")
    seen = []

    def hook(storage, location):
        seen.append((tuple(storage.shape), location))
        return storage

    assert_same(t, ember.load(io.BytesIO(data), map_location=hook)["t"])
    assert seen == [((3,), "cpu")]
    assert_same(t, ember.load(io.BytesIO(data), map_location=lambda s, loc: None)["t"])
    with pytest.raises(TypeError, match="map_location"):
        ember.load(io.BytesIO(data), map_location=3)


@pytest.fixture
def cuda_saved(monkeypatch):
    """A file whose storages claim to come from cuda:0 (written without a GPU)."""
    t = ember.arange(4.)
    monkeypatch.setattr(serialization, "_location", lambda impl: "cuda:0")
    data = saved_bytes({"t": t, "v": t[1:]})
    monkeypatch.undo()
    return t, data


def test_cuda_file_needs_map_location_without_gpu(cuda_saved):
    t, data = cuda_saved
    if ember.cuda.is_available():
        back = ember.load(io.BytesIO(data))
        assert back["t"].device == ember.device("cuda:0")
    else:
        with pytest.raises(RuntimeError, match="map_location"):
            ember.load(io.BytesIO(data))
    for loc in ("cpu", {"cuda:0": "cpu"}, lambda s, loc: s):
        back = ember.load(io.BytesIO(data), map_location=loc)
        assert_same(t, back["t"]) and back["t"].device == ember.device("cpu")
        assert shares_storage(back["t"], back["v"])


@pytest.mark.skipif(not ember.cuda.is_available(), reason="needs a GPU")
def test_cuda_roundtrip():
    t = ember.randn(3, 4).to("cuda")
    back = roundtrip({"t": t, "v": t[1]})
    assert back["t"].device == t.device and shares_storage(back["t"], back["v"])
    assert_same(t.cpu(), back["t"].cpu())
    assert roundtrip(t, map_location="cpu").device == ember.device("cpu")
    assert_same(t.cpu(), pickle.loads(pickle.dumps(t)).cpu())


# ---- corrupt and truncated files -----------------------------------------------------------------
@pytest.fixture(scope="module")
def good_file():
    obj = {"w": ember.randn(8, 4), "b": ember.arange(5), "v": None}
    obj["v"] = obj["w"][2:]
    return obj, saved_bytes(obj)


def test_truncated_files_raise(good_file):
    _, data = good_file
    cuts = sorted(set([0, 1, 2, 4, 10, 30, 64, 200, len(data) // 3, len(data) // 2, len(data) - 100,
                       len(data) - 22, len(data) - 1]))
    for cut in cuts:
        if cut == 0:
            with pytest.raises(RuntimeError, match="empty"):
                ember.load(io.BytesIO(data[:0]))
            continue
        with pytest.raises(LOAD_ERRORS):
            ember.load(io.BytesIO(data[:cut]))


def test_truncated_file_on_disk_names_file(tmp_path, good_file):
    _, data = good_file
    p = tmp_path / "cut.pt"
    p.write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError) as info:
        ember.load(p)
    assert "cut.pt" in str(info.value)
    with pytest.raises(RuntimeError, match="cut.pt"):
        ember.load(p, mmap=True)


def test_flipped_bytes_raise_or_load_intact(good_file):
    obj, data = good_file
    for pos in range(0, len(data), max(1, len(data) // 150)):
        bad = bytearray(data)
        bad[pos] ^= 0xFF
        try:
            back = ember.load(io.BytesIO(bytes(bad)))
        except LOAD_ERRORS:
            continue
        # a flip in padding or unused header fields leaves the content intact
        assert_same(obj["w"], back["w"])
        assert_same(obj["b"], back["b"])


def _rewrite(data, drop=(), replace=None):
    """The archive `data` with records dropped or replaced."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            content = (replace or {}).get(info.filename, src.read(info.filename))
            dst.writestr(info.filename, content)
    return out.getvalue()


def test_missing_and_short_records(good_file):
    _, data = good_file
    with pytest.raises(RuntimeError, match="archive/data/0"):
        ember.load(io.BytesIO(_rewrite(data, drop={"archive/data/0"})))
    with pytest.raises(RuntimeError, match="no data.pkl"):
        ember.load(io.BytesIO(_rewrite(data, drop={"archive/data.pkl"})))
    with pytest.raises(RuntimeError, match=r"holds 10 bytes.*truncated"):
        ember.load(io.BytesIO(_rewrite(data, replace={"archive/data/0": b"x" * 10})))
    with pytest.raises(RuntimeError, match="byteorder"):
        ember.load(io.BytesIO(_rewrite(data, replace={"archive/byteorder": b"middle"})))


def test_corrupt_pickle(good_file):
    _, data = good_file
    pkl = zipfile.ZipFile(io.BytesIO(data)).read("archive/data.pkl")
    for bad in (pkl[:len(pkl) // 2], b"\x80\x02garbage", b"", pkl.replace(b"storage", b"storagx")):
        with pytest.raises(serialization.UnpicklingError) as info:
            ember.load(io.BytesIO(_rewrite(data, replace={"archive/data.pkl": bad})))
        assert "data.pkl" in str(info.value) or "persistent id" in str(info.value)


def test_out_of_bounds_geometry_refused():
    # a tensor whose size reaches past its storage's elements
    t = ember.arange(4.)
    data = saved_bytes(t)
    pkl = zipfile.ZipFile(io.BytesIO(data)).read("archive/data.pkl")
    small = saved_bytes(ember.arange(2.))
    bad = _rewrite(data, replace={"archive/data/0": zipfile.ZipFile(io.BytesIO(small)).read("archive/data/0"),
                                  "archive/data.pkl": pkl.replace(b"K\x04", b"K\x02", 1)})
    with pytest.raises(LOAD_ERRORS, match="outside its storage"):
        ember.load(io.BytesIO(bad))


def test_not_an_archive(tmp_path):
    for content, match in ((b"hello world, not a model", "neither"), (pickle.dumps([1, 2]), "legacy"),
                           (b"PK\x03\x04" + b"\0" * 50, "zip")):
        with pytest.raises(RuntimeError, match=match):
            ember.load(io.BytesIO(content))
    p = tmp_path / "x.pt"
    p.write_bytes(b"\x00" * 3)
    with pytest.raises(RuntimeError, match="x.pt"):
        ember.load(p)


# ---- pickle / copy --------------------------------------------------------------------------------
def test_deepcopy_copies_data_and_grad():
    w = ember.randn(2, 3, requires_grad=True)
    (w * w).sum().backward()
    c = copy.deepcopy(w)
    assert c.requires_grad and c.is_leaf and c is not w
    assert_same(w, c)
    np.testing.assert_allclose(c.grad.numpy(), w.grad.numpy())
    assert not shares_storage(c, w) and not shares_storage(c.grad, w.grad)
    with ember.no_grad():
        c.fill_(0)
    assert values(w).any()
    with pytest.raises(RuntimeError, match="leaves"):
        copy.deepcopy(w * 2)


def test_deepcopy_memo_keeps_identity():
    t = ember.ones(3)
    a, b = copy.deepcopy([t, t])
    assert a is b


def test_copy_copy_shares_memory():
    t = ember.zeros(3)
    c = copy.copy(t)
    c[0] = 5.0
    assert t[0].item() == 5.0


# ---- safetensors ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_safetensors_roundtrip_every_dtype(dtype, tmp_path):
    tensors = {"a": sample(dtype), "scalar": sample(dtype, ()), "empty": sample(dtype, (0, 2)),
               "t": sample(dtype, (4, 3)).t()}
    p = tmp_path / "x.safetensors"
    serialization.save_safetensors(tensors, p, metadata={"format": "pt"})
    for back in (ember.load(p), serialization.load_safetensors(p), serialization.load_safetensors(str(p))):
        assert back.keys() == tensors.keys()
        for k in tensors:
            assert_same(tensors[k], back[k])
    assert serialization.read_safetensors_metadata(p) == {"format": "pt"}


def test_safetensors_detected_by_header_and_file_objects(tmp_path):
    tensors = {"w": ember.randn(3, 2), "i": ember.arange(4)}
    buf = io.BytesIO()
    serialization.save_safetensors(tensors, buf)
    data = buf.getvalue()
    (tmp_path / "model.bin").write_bytes(data)
    for back in (ember.load(io.BytesIO(data)), ember.load(tmp_path / "model.bin"),
                 ember.load(io.BytesIO(data), map_location="cpu")):
        for k in tensors:
            assert_same(tensors[k], back[k])
    n = struct.unpack("<Q", data[:8])[0]
    assert n % 8 == 0 and json.loads(data[8:8 + n])["i"]["dtype"] == "I64"


def test_safetensors_write_errors(tmp_path):
    with pytest.raises(TypeError):
        serialization.save_safetensors([ember.ones(1)], tmp_path / "a")
    with pytest.raises(TypeError, match="names"):
        serialization.save_safetensors({1: ember.ones(1)}, tmp_path / "a")
    with pytest.raises(TypeError, match="not a tensor"):
        serialization.save_safetensors({"a": [1]}, tmp_path / "a")
    with pytest.raises(TypeError, match="metadata"):
        serialization.save_safetensors({"a": ember.ones(1)}, tmp_path / "a", metadata={"k": 1})


def _st_file(header, buffer):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + buffer


@pytest.mark.parametrize("data, match", [
    (b"\x05\x00\x00", "8-byte"),
    (struct.pack("<Q", 10 ** 12) + b"{", "exceeds"),
    (struct.pack("<Q", 100) + b'{"a": 1}', "truncated"),
    (struct.pack("<Q", 6) + b"{nope}", "JSON"),
    (_st_file([1, 2], b""), "JSON object"),
    (_st_file({"a": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}, b"\0"), "F8_E4M3"),
    (_st_file({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4), "shape"),
    (_st_file({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4), "needs 8"),
    (_st_file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}, b"\0" * 4), "data_offsets"),
    (_st_file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 2), "truncated"),
    (_st_file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 6), "only 4"),
    (_st_file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
               "b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}}, b"\0" * 8), "overlaps"),
    (_st_file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8), "hole"),
    (_st_file({"__metadata__": {"k": 1}}, b""), "__metadata__"),
    (_st_file({"a": "x"}, b""), "not an object"),
])
def test_safetensors_bad_files(data, match, tmp_path):
    p = tmp_path / "bad.safetensors"
    p.write_bytes(data)
    with pytest.raises(RuntimeError, match=match) as info:
        ember.load(p)
    assert "bad.safetensors" in str(info.value)


def test_safetensors_package_interop(tmp_path):
    st_numpy = pytest.importorskip("safetensors.numpy")
    arrays = {"f32": np.arange(6, dtype=np.float32).reshape(2, 3), "f16": np.ones(3, np.float16),
              "i64": np.array([-1, 2**40], np.int64), "u8": np.arange(4, dtype=np.uint8),
              "b": np.array([True, False]), "empty": np.zeros((0, 4), np.float64)}
    p = tmp_path / "np.safetensors"
    st_numpy.save_file(arrays, str(p), metadata={"who": "numpy"})
    back = ember.load(p)
    for k, a in arrays.items():
        np.testing.assert_array_equal(back[k].numpy(), a)
        assert back[k].numpy().dtype == a.dtype
    assert serialization.read_safetensors_metadata(p) == {"who": "numpy"}
    q = tmp_path / "ember.safetensors"
    serialization.save_safetensors({k: v for k, v in back.items()}, q, metadata={"who": "ember"})
    again = st_numpy.load_file(str(q))
    for k, a in arrays.items():
        np.testing.assert_array_equal(again[k], a)


def test_safetensors_torch_bfloat16(tmp_path):
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    src = {"bf": torch.tensor([1.5, -2.25, 3e8], dtype=torch.bfloat16), "h": torch.randn(2, 2).half()}
    p = tmp_path / "t.safetensors"
    st_torch.save_file(src, str(p))
    back = ember.load(p)
    for k, v in src.items():
        np.testing.assert_array_equal(back[k].float().numpy(), v.float().numpy())
    q = tmp_path / "e.safetensors"
    serialization.save_safetensors(back, q)
    again = st_torch.load_file(str(q))
    for k, v in src.items():
        assert again[k].dtype == v.dtype and torch.equal(again[k], v)


# ---- files written by torch.save --------------------------------------------------------------------
TORCH_DTYPES = ("float32", "float64", "float16", "bfloat16", "int8", "uint8", "int16", "int32", "int64", "bool")


def test_torch_save_files_load_into_ember():
    torch = pytest.importorskip("torch")
    base = torch.arange(12.0).reshape(3, 4)
    obj = {name: (torch.arange(6) % 2 == 0) if name == "bool" else torch.arange(6).to(getattr(torch, name))
           for name in TORCH_DTYPES}
    obj.update(base=base, view=base[1:, ::2], t=base.t(), scalar=torch.tensor(3.5), empty=torch.zeros(0, 2),
               dtype=torch.float16, size=torch.Size([2, 3]), device=torch.device("cpu"),
               param=torch.nn.Parameter(torch.ones(2)), nested=[(1, "a", {"x": torch.ones(1)})])
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    back = ember.load(buf)
    for name in TORCH_DTYPES:
        assert back[name].dtype == getattr(ember, name)
        np.testing.assert_array_equal(values(back[name]), obj[name].float().numpy() if name == "bfloat16"
                                      else obj[name].numpy())
    for name in ("base", "view", "t", "scalar", "empty"):
        np.testing.assert_array_equal(values(back[name]), obj[name].numpy())
        assert tuple(back[name].stride()) == obj[name].stride()
    assert shares_storage(back["base"], back["view"]) and shares_storage(back["base"], back["t"])
    assert back["dtype"] == ember.float16 and back["size"] == ember.Size([2, 3])
    assert back["device"] == ember.device("cpu")
    assert back["param"].requires_grad
    assert back["nested"][0][:2] == (1, "a")


def test_torch_state_dict_and_module():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    sd = ember.load(buf)
    assert list(sd) == list(model.state_dict())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(values(sd[k]), v.numpy())
    assert sd._metadata[""] == {"version": 1}
    buf = io.BytesIO()
    torch.save(model, buf)
    buf.seek(0)
    with pytest.raises(serialization.UnpicklingError, match="torch.nn.modules.container.Sequential"):
        ember.load(buf)


def test_torch_file_on_disk_mmap(tmp_path):
    torch = pytest.importorskip("torch")
    t = torch.randn(64, 3)
    torch.save({"t": t, "bf": t.bfloat16()}, tmp_path / "t.pt")
    back = ember.load(tmp_path / "t.pt", mmap=True, map_location="cpu")
    np.testing.assert_array_equal(back["t"].numpy(), t.numpy())
    np.testing.assert_array_equal(back["bf"].float().numpy(), t.bfloat16().float().numpy())


def test_top_level_names():
    assert ember.save is serialization.save and ember.load is serialization.load
    assert issubclass(serialization.UnpicklingError, pickle.UnpicklingError)
    assert isinstance(ember.ones(1).device, ember.device)


def test_unknown_location_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(serialization, "_location", lambda impl: "tpu:7")
    data = saved_bytes(ember.ones(2))
    monkeypatch.undo()
    with pytest.raises(RuntimeError, match="tpu:7"):
        ember.load(io.BytesIO(data))
    assert_same(ember.ones(2), ember.load(io.BytesIO(data), map_location="cpu"))
    assert_same(ember.ones(2), ember.load(io.BytesIO(data), map_location={"tpu:7": "cpu"}))


def test_add_safe_globals_rejects_non_globals():
    with pytest.raises(TypeError, match="add_safe_globals"):
        serialization.add_safe_globals([3])


def test_torch_complex_tensors_load():
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save({"c": torch.tensor([1 + 2j, -3j]), "d": torch.ones(2, 2, dtype=torch.complex128)}, buf)
    buf.seek(0)
    loaded = ember.load(buf)
    assert loaded["c"].dtype == ember.complex64 and loaded["c"].tolist() == [1 + 2j, -3j]
    assert loaded["d"].dtype == ember.complex128 and loaded["d"].tolist() == [[1 + 0j, 1 + 0j]] * 2


def test_weights_only_none_follows_pickle_module():
    data = saved_bytes([Point(1, 2)])
    with pytest.raises(serialization.UnpicklingError):
        ember.load(io.BytesIO(data), weights_only=None)
    assert ember.load(io.BytesIO(data), pickle_module=pickle, weights_only=None)[0].y == 2


def test_save_over_a_mapped_file(tmp_path):
    p = tmp_path / "m.pt"
    ember.save({"w": ember.arange(100000.)}, p)
    os.chmod(p, 0o640)
    mapped = ember.load(p, mmap=True)
    ember.save(mapped, p)  # reads the mapped data while replacing the file
    assert_same(ember.arange(100000.), ember.load(p)["w"])
    assert_same(ember.arange(100000.), mapped["w"])
    assert os.stat(p).st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path)) == ["m.pt"]


def test_failed_save_keeps_old_file(tmp_path):
    p = tmp_path / "keep.pt"
    ember.save({"a": ember.ones(2)}, p)
    before = p.read_bytes()

    class Boom:
        def __reduce__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        ember.save([Boom()], p)
    assert p.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["keep.pt"]


def test_save_to_a_device_path_writes_in_place():
    if not os.path.exists(os.devnull) or os.name != "posix":
        pytest.skip("needs /dev/null")
    ember.save({"a": ember.ones(3)}, os.devnull)
    assert not os.path.isfile(os.devnull)


@pytest.mark.parametrize("pid", [
    ("storage", "float32", ["0"], "cpu", 4), ("storage", "float32", "0", "cpu", -1),
    ("storage", "float32", "0", 5, 4), ("storage", "complex32", "0", "cpu", 4), ("weird",), "text"])
def test_bad_persistent_ids(pid):
    class P(pickle.Pickler):
        def persistent_id(self, obj):
            return pid if obj == "STORAGE" else None

    out = io.BytesIO()
    P(out, protocol=2).dump(["STORAGE"])
    data = _rewrite(saved_bytes(ember.arange(4.)), replace={"archive/data.pkl": out.getvalue()})
    with pytest.raises(serialization.UnpicklingError):
        ember.load(io.BytesIO(data))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_pickle_protocol(protocol):
    sd = collections.OrderedDict(w=ember.randn(2, 2), b=ember.arange(3))
    sd._metadata = {"": {"version": 1}}
    obj = {"sd": sd, "size": ember.Size([1, 2]), "bytes": b"x\x00\xff", "set": {1}, "dtype": ember.int8,
           "device": ember.device("cpu"), "view": sd["w"][1]}
    buf = io.BytesIO()
    ember.save(obj, buf, pickle_protocol=protocol)
    buf.seek(0)
    back = ember.load(buf)
    assert_same(sd["w"], back["sd"]["w"]) and back["sd"]._metadata == sd._metadata
    assert shares_storage(back["sd"]["w"], back["view"])
    assert back["size"] == ember.Size([1, 2]) and isinstance(back["size"], ember.Size)
    assert back["bytes"] == b"x\x00\xff" and back["set"] == {1} and back["dtype"] == ember.int8


def test_files_with_ember_names_still_load():
    # another pickle_module makes ember.save write ember's own names (as earlier versions did)
    import types
    plain = types.SimpleNamespace(Pickler=pickle.Pickler, Unpickler=pickle.Unpickler)
    base = ember.arange(6.0).reshape(2, 3)
    obj = {"base": base, "t": base.t(), "p": ember.nn.Parameter(ember.ones(2)), "dtype": ember.int8}
    buf = io.BytesIO()
    ember.save(obj, buf, pickle_module=plain)
    assert b"torch" not in zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("archive/data.pkl")
    back = ember.load(io.BytesIO(buf.getvalue()))
    assert_same(base.t(), back["t"]) and back["dtype"] is ember.int8
    assert type(back["p"]) is ember.nn.Parameter and back["p"].requires_grad
    back["base"][0, 1] = 9.0
    assert back["t"][1, 0].item() == 9.0


def test_default_files_carry_torch_names():
    buf = io.BytesIO()
    ember.save({"w": ember.ones(2, dtype=ember.bfloat16)}, buf)
    pkl = zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("archive/data.pkl")
    assert b"ctorch._utils\n_rebuild_tensor_v2\n" in pkl and b"ctorch\nBFloat16Storage\n" in pkl
    assert b"ember" not in pkl
