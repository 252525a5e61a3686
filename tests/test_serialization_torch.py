"""Checkpoints both ways between ember and PyTorch: ember.save files read by torch.load
(weights_only=True and False), torch.save files read by ember.load; models loaded across and run
to the same outputs. Also weights_only's environment overrides, numpy globals, the safe-globals
API and load's map_location / mmap / pickle_module forms."""
import collections
import io
import pickle
import warnings

import numpy as np
import pytest

import ember
from ember import serialization

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "uint8", "int16", "int32", "int64", "bool"]


def ember_tensor(name, shape=(2, 3)):
    n = int(np.prod(shape))
    values = np.arange(n).reshape(shape) - 2
    if name == "bool":
        return ember.tensor(values % 2 == 0)
    return ember.tensor(values.astype("float32")).to(getattr(ember, name))


def as_numpy(t):
    """Values of an ember or torch tensor as float64 numpy (bfloat16/float16 exactly)."""
    if isinstance(t, torch.Tensor):
        return t.detach().to(torch.float64).numpy() if t.dtype != torch.bool else t.numpy()
    return t.detach().to(ember.float64).numpy() if t.dtype != ember.bool else t.numpy()


def same(e, t):
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(as_numpy(e), as_numpy(t))


def ember_to_torch(obj, weights_only=True):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=weights_only)


def torch_to_ember(obj, weights_only=True):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return ember.load(buf, weights_only=weights_only)


# ---- ember.save -> torch.load --------------------------------------------------------------------
@pytest.mark.parametrize("weights_only", [True, False])
def test_every_dtype_and_geometry_loads_in_torch(weights_only):
    base = ember.arange(24.0).reshape(4, 6)
    obj = {name: ember_tensor(name) for name in DTYPES}
    obj.update(base=base, rows=base[1:3], cols=base[:, ::2], t=base.t(), scalar=ember.tensor(2.5),
               empty=ember.zeros(0, 3), empty_i=ember.zeros(2, 0, dtype=ember.int64))
    back = ember_to_torch(obj, weights_only)
    assert set(back) == set(obj)
    for k, v in obj.items():
        same(v, back[k])
    assert back["t"].stride() == (1, 6) and not back["cols"].is_contiguous()
    # views of one base share one storage in torch too: a write through one shows in the others
    ptr = back["base"].untyped_storage().data_ptr()
    assert all(back[k].untyped_storage().data_ptr() == ptr for k in ("rows", "cols", "t"))
    back["base"][1, 0] = -100.0
    assert back["rows"][0, 0].item() == -100.0 and back["t"][0, 1].item() == -100.0


def test_parameters_requires_grad_and_python_values_load_in_torch():
    p = ember.nn.Parameter(ember.ones(3))
    frozen = ember.nn.Parameter(ember.zeros(2), requires_grad=False)
    leaf = ember.ones(2).requires_grad_()
    obj = {"p": p, "frozen": frozen, "leaf": leaf, "same": [p, p],
           "nested": [(1, 2.5, "text", None, True), {"deep": {"x": ember.ones(1)}}],
           "dtype": ember.float16, "device": ember.device("cpu"), "size": ember.Size([2, 3]),
           "bytes": b"\x00\xff", "set": {1, 2}, "big": 2 ** 70, "neg": -3, "float": -1.5e-7}
    back = ember_to_torch(obj)
    assert type(back["p"]) is torch.nn.Parameter and back["p"].requires_grad
    assert type(back["frozen"]) is torch.nn.Parameter and not back["frozen"].requires_grad
    assert type(back["leaf"]) is torch.Tensor and back["leaf"].requires_grad
    assert back["same"][0] is back["same"][1]
    assert back["nested"][0] == (1, 2.5, "text", None, True)
    same(ember.ones(1), back["nested"][1]["deep"]["x"])
    assert back["dtype"] is torch.float16 and back["device"] == torch.device("cpu")
    assert type(back["size"]) is torch.Size and back["size"] == (2, 3)
    assert back["bytes"] == b"\x00\xff" and back["set"] == {1, 2}
    assert back["big"] == 2 ** 70 and back["neg"] == -3 and back["float"] == -1.5e-7


def make_models(seed=0):
    ember.manual_seed(seed)
    e = ember.nn.Sequential(ember.nn.Conv2d(2, 3, 3, padding=1), ember.nn.BatchNorm2d(3), ember.nn.ReLU(),
                            ember.nn.Flatten(), ember.nn.Linear(3 * 4 * 4, 5), ember.nn.LayerNorm(5))
    t = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
                            torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 5), torch.nn.LayerNorm(5))
    return e, t


def train_a_little(model, module):
    """A few training steps, so that weights and BatchNorm's running statistics are not fresh."""
    opt = module.optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(1)
    for _ in range(2):
        x = module.tensor(rng.standard_normal((4, 2, 4, 4)).astype("float32"))
        loss = model(x).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


def inputs():
    x = np.random.default_rng(7).standard_normal((3, 2, 4, 4)).astype("float32")
    return ember.tensor(x), torch.tensor(x)


def test_ember_state_dict_drives_a_torch_model_to_the_same_outputs():
    e, t = make_models()
    train_a_little(e, ember)
    sd = ember_to_torch(e.state_dict())
    assert isinstance(sd, collections.OrderedDict) and list(sd) == list(e.state_dict())
    t.load_state_dict(sd)
    e.eval(), t.eval()
    xe, xt = inputs()
    np.testing.assert_allclose(e(xe).detach().numpy(), t(xt).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_torch_state_dict_drives_an_ember_model_to_the_same_outputs():
    e, t = make_models()
    train_a_little(t, torch)
    for weights_only in (True, False):
        sd = torch_to_ember(t.state_dict(), weights_only)
        e.load_state_dict(sd)
        e.eval(), t.eval()
        xe, xt = inputs()
        np.testing.assert_allclose(e(xe).detach().numpy(), t(xt).detach().numpy(), rtol=1e-5, atol=1e-6)
        e.train(), t.train()


def test_whole_ember_module_loads_in_torch_as_torch_layers():
    e, _ = make_models()
    train_a_little(e, ember)
    e.eval()
    t = ember_to_torch(e, weights_only=False)
    assert type(t) is torch.nn.Sequential and type(t[0]) is torch.nn.Conv2d and not t.training
    assert isinstance(t[4].weight, torch.nn.Parameter) and t[4].weight.requires_grad
    xe, xt = inputs()
    np.testing.assert_allclose(e(xe).detach().numpy(), t(xt).detach().numpy(), rtol=1e-5, atol=1e-6)
    # torch's restricted unpickler refuses a module, as it refuses torch's own saved modules
    buf = io.BytesIO()
    ember.save(e, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.container.Sequential"):
        torch.load(buf, weights_only=True)
    # and ember reads its own file back as ember layers
    buf.seek(0)
    again = ember.load(buf, weights_only=False)
    assert type(again[0]) is ember.nn.Conv2d
    np.testing.assert_array_equal(again(xe).detach().numpy(), e(xe).detach().numpy())


def test_whole_torch_module_loads_in_ember_as_ember_layers():
    _, t = make_models()
    train_a_little(t, torch)
    t.eval()
    e = torch_to_ember(t, weights_only=False)
    assert type(e) is ember.nn.Sequential and type(e[1]) is ember.nn.BatchNorm2d and not e.training
    xe, xt = inputs()
    np.testing.assert_allclose(e(xe).detach().numpy(), t(xt).detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(serialization.UnpicklingError, match="torch.nn.modules.container.Sequential"):
        torch_to_ember(t, weights_only=True)


def test_optimizer_state_dicts_cross_both_ways():
    e, t = make_models()
    opt = ember.optim.Adam(e.parameters(), lr=1e-3)
    e(inputs()[0]).sum().backward()
    opt.step()
    sd = opt.state_dict()
    back = ember_to_torch(sd)
    assert back["param_groups"][0]["lr"] == 1e-3 and set(back["state"]) == set(sd["state"])
    for k, state in sd["state"].items():
        for name, v in state.items():
            if isinstance(v, ember.Tensor):
                same(v, back["state"][k][name])
            else:
                assert back["state"][k][name] == v
    topt = torch.optim.Adam(t.parameters(), lr=1e-3)
    t(inputs()[1]).sum().backward()
    topt.step()
    tsd = topt.state_dict()
    eback = torch_to_ember(tsd)
    assert eback["param_groups"][0]["betas"] == (0.9, 0.999)
    for k, state in tsd["state"].items():
        same(eback["state"][k]["exp_avg"], state["exp_avg"])
        same(eback["state"][k]["step"], state["step"])


def test_ember_file_back_into_ember_after_torch_rewrites_it():
    obj = {"w": ember.randn(3, 2), "b": ember_tensor("bfloat16", (4,)), "p": ember.nn.Parameter(ember.ones(2))}
    again = torch_to_ember(ember_to_torch(obj))
    for k in obj:
        same(obj[k], again[k])
    assert type(again["p"]) is ember.nn.Parameter and again["p"].requires_grad


@pytest.mark.parametrize("weights_only", [True, False])
def test_torch_files_of_every_dtype_load_in_ember(weights_only):
    base = torch.arange(12.0).reshape(3, 4)
    obj = {name: torch.arange(6).reshape(2, 3).to(getattr(torch, name)) for name in DTYPES}
    obj.update(view=base[1:, ::2], t=base.t(), base=base, empty=torch.zeros(0, 2),
               p=torch.nn.Parameter(torch.ones(2)), dtype=torch.bfloat16, size=torch.Size([1, 2]))
    back = torch_to_ember(obj, weights_only)
    for name in DTYPES + ["view", "t", "empty"]:
        same(back[name], obj[name])
    assert type(back["p"]) is ember.nn.Parameter and back["p"].requires_grad
    assert back["dtype"] is ember.bfloat16 and type(back["size"]) is ember.Size
    back["base"][0, 1] = 50.0
    assert back["t"][1, 0].item() == 50.0  # views share storage after loading


# ---- weights_only: environment overrides, numpy, safe globals -------------------------------------
def numpy_checkpoint():
    buf = io.BytesIO()
    torch.save({"array": np.arange(3.0), "scalar": np.float32(2.5), "t": torch.ones(2)}, buf)
    return buf.getvalue()


NUMPY_GLOBALS = [np._core.multiarray._reconstruct, np.ndarray, np.dtype, np._core.multiarray.scalar,
                 type(np.dtype("float64")), type(np.dtype("float32"))]


def test_numpy_arrays_as_pytorch_admits_them():
    data = numpy_checkpoint()
    # PyTorch 2.13's default allow-list has no numpy globals: both refuse, naming the global
    with pytest.raises(pickle.UnpicklingError, match="multiarray._reconstruct"):
        torch.load(io.BytesIO(data), weights_only=True)
    with pytest.raises(serialization.UnpicklingError, match="multiarray._reconstruct"):
        ember.load(io.BytesIO(data))
    assert serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == [
        "numpy._core.multiarray._reconstruct", "numpy._core.multiarray.scalar", "numpy.dtype", "numpy.ndarray"]
    # allowed, they load with weights_only=True in both
    with serialization.safe_globals(NUMPY_GLOBALS):
        back = ember.load(io.BytesIO(data))
    with torch.serialization.safe_globals(NUMPY_GLOBALS):
        tback = torch.load(io.BytesIO(data), weights_only=True)
    for got in (back, tback):
        np.testing.assert_array_equal(got["array"], np.arange(3.0))
        assert got["scalar"] == np.float32(2.5) and type(got["scalar"]) is np.float32
    assert isinstance(back["t"], ember.Tensor)
    assert serialization.get_safe_globals() == []  # the context restored the allow-list
    np.testing.assert_array_equal(ember.load(io.BytesIO(data), weights_only=False)["array"], np.arange(3.0))


def test_numpy_core_alias_in_the_allow_list():
    buf = io.BytesIO()
    ember.save({"a": np.arange(2.0)}, buf)
    aliased = [(np._core.multiarray._reconstruct, "numpy.core.multiarray._reconstruct"), np.ndarray, np.dtype,
               type(np.dtype("float64"))]
    with serialization.safe_globals(aliased):
        np.testing.assert_array_equal(ember.load(io.BytesIO(buf.getvalue()))["a"], np.arange(2.0))


@pytest.mark.parametrize("prefix", ["TORCH", "EMBER"])
def test_force_no_weights_only_environment(monkeypatch, prefix):
    data = numpy_checkpoint()
    monkeypatch.setenv(f"{prefix}_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    with pytest.warns(UserWarning, match="forcing weights_only=False"):
        back = ember.load(io.BytesIO(data))
    np.testing.assert_array_equal(back["array"], np.arange(3.0))
    # an explicit weights_only=True is not overridden, as in PyTorch
    with pytest.raises(serialization.UnpicklingError):
        ember.load(io.BytesIO(data), weights_only=True)
    monkeypatch.setenv(f"{prefix}_FORCE_WEIGHTS_ONLY_LOAD", "1")
    with pytest.raises(RuntimeError, match="both were set"):
        ember.load(io.BytesIO(data))


def test_force_weights_only_environment(monkeypatch):
    data = numpy_checkpoint()
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "true")
    with pytest.raises(serialization.UnpicklingError, match="_reconstruct"):
        ember.load(io.BytesIO(data), weights_only=False)


def test_blocked_modules_stay_refused_when_allowed():
    import os
    payload = b"\x80\x02cos\ngetcwd\n)R."
    buf = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", payload)
        zf.writestr("archive/version", "3\n")
    with serialization.safe_globals([os.getcwd]):
        with pytest.raises(serialization.UnpicklingError, match="getcwd"):
            ember.load(io.BytesIO(buf.getvalue()))


def test_safe_globals_api_mirrors_torch():
    class Config:
        pass

    assert hasattr(torch.serialization, "get_safe_globals")
    serialization.clear_safe_globals()
    serialization.add_safe_globals([Config])
    assert serialization.get_safe_globals() == [Config]
    serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []


# ---- map_location, mmap, pickle_module ------------------------------------------------------------
def test_map_location_forms_on_torch_files(tmp_path):
    path = tmp_path / "m.pt"
    t = torch.randn(3, 2)
    torch.save({"t": t}, path)
    seen = []

    def relocate(storage, location):
        seen.append(location)
        return storage

    for loc in ("cpu", ember.device("cpu"), {"cpu": "cpu"}, relocate, None):
        for mmap in (False, True):
            back = ember.load(path, map_location=loc, mmap=mmap)["t"]
            same(back, t)
            assert back.device == ember.device("cpu")
    assert seen == ["cpu", "cpu"]
    same(ember.load(path, pickle_module=pickle)["t"], t)  # weights_only unset: False, as in torch
    with pytest.raises(RuntimeError, match="pickle_module"):
        ember.load(path, pickle_module=pickle, weights_only=True)


def test_torch_reads_ember_files_with_mmap_and_map_location(tmp_path):
    path = tmp_path / "e.pt"
    obj = {"a": ember.randn(5, 3), "h": ember_tensor("float16", (3,))}
    ember.save(obj, path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning about the file's pickle protocol
        for kwargs in ({"mmap": True}, {"map_location": "cpu"}, {"map_location": lambda s, loc: s}):
            back = torch.load(path, weights_only=True, **kwargs)
            for k in obj:
                same(obj[k], back[k])


@pytest.mark.parametrize("cls,kwargs", [("LSTM", {"num_layers": 2, "bidirectional": True}),
                                        ("LSTM", {"proj_size": 2}), ("GRU", {}), ("RNN", {"nonlinearity": "relu"})])
def test_recurrent_modules_cross_whole(cls, kwargs):
    x = np.random.default_rng(3).standard_normal((5, 2, 3)).astype("float32")
    ember.manual_seed(0)
    e = getattr(ember.nn, cls)(3, 4, **kwargs)
    t = ember_to_torch(e, weights_only=False)
    assert type(t) is getattr(torch.nn, cls)
    np.testing.assert_allclose(e(ember.tensor(x))[0].detach().numpy(), t(torch.tensor(x))[0].detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    t = getattr(torch.nn, cls)(3, 4, **kwargs)
    e = torch_to_ember(t, weights_only=False)
    assert type(e) is getattr(ember.nn, cls) and [n for n, _ in e.named_parameters()] == \
        [n for n, _ in t.named_parameters()]
    np.testing.assert_allclose(e(ember.tensor(x))[0].detach().numpy(), t(torch.tensor(x))[0].detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    again = torch_to_ember(ember_to_torch(e, weights_only=False), weights_only=False)
    np.testing.assert_array_equal(again(ember.tensor(x))[0].detach().numpy(), e(ember.tensor(x))[0].detach().numpy())


def test_transformer_layer_with_its_activation_function_crosses_whole():
    x = np.random.default_rng(4).standard_normal((5, 2, 8)).astype("float32")
    e = ember.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation="gelu").eval()
    t = ember_to_torch(e, weights_only=False)
    assert t.activation is torch.nn.functional.gelu
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    t = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0).eval()
    e = torch_to_ember(t, weights_only=False)
    assert callable(e.activation) and e.activation.__module__.startswith("ember.nn.functional")
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_training_resumes_across_from_a_full_checkpoint():
    """A torch checkpoint (model + Adam state) resumed in ember takes the step torch takes, and
    ember's checkpoint of that resumes in torch."""
    rng = np.random.default_rng(5)
    xs = [rng.standard_normal((4, 3)).astype("float32") for _ in range(3)]
    t = torch.nn.Linear(3, 2)
    topt = torch.optim.Adam(t.parameters(), lr=0.1)

    def torch_step(x):
        topt.zero_grad()
        t(torch.tensor(x)).square().sum().backward()
        topt.step()

    torch_step(xs[0])
    ckpt = torch_to_ember({"model": t.state_dict(), "opt": topt.state_dict()})
    e = ember.nn.Linear(3, 2)
    eopt = ember.optim.Adam(e.parameters(), lr=0.1)
    e.load_state_dict(ckpt["model"])
    eopt.load_state_dict(ckpt["opt"])
    for x in xs[1:]:
        torch_step(x)
        eopt.zero_grad()
        e(ember.tensor(x)).square().sum().backward()
        eopt.step()
        np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    back = ember_to_torch({"model": e.state_dict(), "opt": eopt.state_dict()})
    t2 = torch.nn.Linear(3, 2)
    t2opt = torch.optim.Adam(t2.parameters(), lr=0.1)
    t2.load_state_dict(back["model"])
    t2opt.load_state_dict(back["opt"])
    assert t2opt.state_dict()["state"][0]["step"].item() == 3
    np.testing.assert_allclose(t2.bias.detach().numpy(), e.bias.detach().numpy(), rtol=0, atol=0)
