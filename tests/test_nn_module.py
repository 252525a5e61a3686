"""nn.Module behaviour: registration, traversal, state dicts, modes, conversion, hooks, printing,
containers."""
from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(3, 2, bias=False)
        self.scale = nn.Parameter(ember.ones(1))
        self.register_buffer("steps", ember.zeros(1))
        self.register_buffer("cache", ember.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_registration_and_traversal():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert [n for n, _ in net.named_buffers()] == ["steps", "cache"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert all(p.requires_grad and p.is_leaf for p in net.parameters())
    assert isinstance(net.fc1.weight, nn.Parameter) and isinstance(net.fc1.weight, ember.Tensor)
    assert net.get_submodule("fc1") is net.fc1 and net.get_parameter("fc1.bias") is net.fc1.bias
    assert net.get_buffer("steps") is net.steps
    assert "fc1" in dir(net)


def test_shared_parameters_are_listed_once():
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, a)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4


def test_reassigning_and_deleting_attributes():
    net = Net()
    net.fc1 = nn.Linear(4, 3, bias=False)
    assert "fc1.bias" not in dict(net.named_parameters())
    net.scale = None
    assert "scale" not in dict(net.named_parameters())
    with pytest.raises(TypeError, match="cannot assign"):
        net.fc1 = 3
    del net.fc2
    assert not hasattr(net, "fc2")
    net.plain = 5
    assert net.plain == 5


def test_assigning_before_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ember.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_non_leaf_parameter_refused():
    m = nn.Module()
    with pytest.raises(TypeError):
        m.register_parameter("w", ember.ones(2))


def test_state_dict_keys_and_round_trip():
    net = Net()
    sd = net.state_dict()
    assert list(sd) == ["scale", "steps", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert not sd["fc1.weight"].requires_grad
    other = Net()
    result = other.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(other.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    assert other.fc1.weight is not net.fc1.weight
    kept = other.state_dict(keep_vars=True)
    assert kept["fc1.weight"] is other.fc1.weight


def test_load_state_dict_errors_name_the_keys():
    net = Net()
    sd = net.state_dict()
    del sd["fc1.bias"]
    sd["extra.weight"] = ember.ones(1)
    sd["fc2.weight"] = ember.ones(5, 5)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    text = str(info.value)
    assert "Error(s) in loading state_dict for Net" in text
    assert 'Missing key(s) in state_dict: "fc1.bias"' in text
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in text
    assert "size mismatch for fc2.weight" in text
    del sd["fc2.weight"]
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc1.bias", "fc2.weight"] and result.unexpected_keys == ["extra.weight"]


def test_load_state_dict_assign():
    net = Net()
    w = ember.full((3, 4), 2.0)
    sd = net.state_dict()
    sd["fc1.weight"] = w
    net.load_state_dict(sd, assign=True)
    assert isinstance(net.fc1.weight, nn.Parameter)
    np.testing.assert_array_equal(net.fc1.weight.detach().numpy(), np.full((3, 4), 2.0))


def test_train_eval_and_requires_grad():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert net.training and net[1].training
    net.eval()
    assert not net.training and not net[1].training
    net.train()
    assert net[1].training
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_dtype_keeps_parameter_objects():
    net = Net()
    w = net.fc1.weight
    net.double()
    assert net.fc1.weight is w and w.dtype == ember.float64 and w.requires_grad
    assert net.steps.dtype == ember.float64
    net.to(ember.float32)
    assert w.dtype == ember.float32
    with pytest.raises(TypeError, match="floating point"):
        net.to(ember.int64)


def test_zero_grad_and_apply():
    net = Net()
    for p in net.parameters():
        p.grad = ember.ones(*p.shape)
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Net"]


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = lin(ember.ones(1, 2))
    np.testing.assert_allclose(out.detach().numpy(), (lin.bias.detach().numpy() + 1)[None])
    assert calls == [ember.Size([1, 2])]
    h1.remove()
    h2.remove()
    lin(ember.ones(1, 2))
    assert len(calls) == 1
    kw = lin.register_forward_pre_hook(lambda m, args, kwargs: (args, kwargs), with_kwargs=True)
    lin(ember.ones(1, 2))
    kw.remove()


def test_repr_like_torch():
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Dropout(0.25))
    assert repr(net) == ("Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=True)\n"
                         "  (1): ReLU()\n  (2): Dropout(p=0.25, inplace=False)\n)")


def test_forward_is_required():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(ember.ones(1))


def test_sequential():
    a, b, c = nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c
    assert isinstance(seq[1:], nn.Sequential) and len(seq[1:]) == 2
    named = nn.Sequential(OrderedDict([("first", a), ("second", c)]))
    assert list(dict(named.named_children())) == ["first", "second"]
    seq.append(nn.Tanh())
    assert len(seq) == 4
    del seq[1]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    seq.insert(0, nn.Identity())
    assert isinstance(seq[0], nn.Identity)
    with pytest.raises(IndexError):
        seq[10]


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    assert [type(m).__name__ for m in layers] == ["Linear", "Linear", "Linear", "ReLU", "Tanh"]
    d = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    assert list(d.keys()) == ["a", "b"] and "a" in d
    d["c"] = nn.Tanh()
    assert len(d) == 3
    assert [n for n, _ in d.named_parameters()] == ["a.weight", "a.bias"]


def test_parameter_list_and_dict():
    plist = nn.ParameterList([nn.Parameter(ember.ones(2)), ember.zeros(3)])
    assert len(plist) == 2 and all(isinstance(p, nn.Parameter) for p in plist)
    assert [n for n, _ in plist.named_parameters()] == ["0", "1"]
    pdict = nn.ParameterDict({"w": ember.ones(2)})
    assert isinstance(pdict["w"], nn.Parameter) and list(pdict.keys()) == ["w"]


def test_parameter_repr_and_data():
    p = nn.Parameter(ember.ones(2))
    assert repr(p).startswith("Parameter containing:\ntensor([1., 1.], requires_grad=True)")
    assert not nn.Parameter(ember.ones(1), requires_grad=False).requires_grad
    p.data.mul_(3)
    np.testing.assert_array_equal(p.detach().numpy(), [3.0, 3.0])


def test_buffer_class_registers():
    m = nn.Module()
    m.b = nn.Buffer(ember.ones(2), persistent=False)
    assert "b" in dict(m.named_buffers()) and "b" not in m.state_dict()


def test_default_initialisations_have_pytorchs_bounds():
    ember.manual_seed(0)
    lin = nn.Linear(100, 50)
    bound = 1 / np.sqrt(100)
    assert float(lin.weight.abs().max()) <= bound and float(lin.bias.abs().max()) <= bound
    conv = nn.Conv2d(3, 8, 3)
    assert float(conv.weight.abs().max()) <= 1 / np.sqrt(27)
    emb = nn.Embedding(10, 4, padding_idx=0)
    np.testing.assert_array_equal(emb.weight[0].detach().numpy(), np.zeros(4))
    bn = nn.BatchNorm2d(3)
    np.testing.assert_array_equal(bn.weight.detach().numpy(), np.ones(3))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(3))
    assert bn.num_batches_tracked.dtype == ember.int64


def test_nn_init_functions():
    w = ember.empty(64, 32)
    for fn in (nn.init.xavier_uniform_, nn.init.xavier_normal_, nn.init.kaiming_uniform_,
               nn.init.kaiming_normal_, nn.init.orthogonal_, nn.init.zeros_, nn.init.ones_):
        assert fn(w) is w
    nn.init.orthogonal_(w)
    np.testing.assert_allclose(w.t().matmul(w).numpy(), np.eye(32), atol=1e-5)
    nn.init.trunc_normal_(w, std=1.0, a=-0.5, b=0.5)
    assert float(w.abs().max()) <= 0.5
    assert nn.init.calculate_gain("relu") == pytest.approx(np.sqrt(2))
    with pytest.raises(ValueError, match="Fan in and fan out"):
        nn.init.xavier_uniform_(ember.empty(3))


def test_save_and_load_modules_and_state_dicts(tmp_path):
    net = Net()
    ember.save(net.state_dict(), tmp_path / "sd.pt")
    other = Net()
    other.load_state_dict(ember.load(tmp_path / "sd.pt"))
    np.testing.assert_array_equal(other.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    p = nn.Parameter(ember.ones(2))
    ember.save({"p": p}, tmp_path / "p.pt")
    loaded = ember.load(tmp_path / "p.pt")["p"]  # Parameters are allowed with weights_only=True
    assert isinstance(loaded, nn.Parameter) and loaded.requires_grad
    ember.save(net, tmp_path / "net.pt")
    with pytest.raises(ember.serialization.UnpicklingError, match="Net"):
        ember.load(tmp_path / "net.pt")
    whole = ember.load(tmp_path / "net.pt", weights_only=False)
    assert isinstance(whole, Net) and isinstance(whole.fc1.weight, nn.Parameter)
    np.testing.assert_array_equal(whole.fc2.weight.detach().numpy(), net.fc2.weight.detach().numpy())


def test_deepcopy_of_a_module_copies_its_parameters():
    import copy
    net = Net()
    clone = copy.deepcopy(net)
    assert clone.fc1.weight is not net.fc1.weight and isinstance(clone.fc1.weight, nn.Parameter)
    np.testing.assert_array_equal(clone.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    with ember.no_grad():
        clone.fc1.weight.add_(1)
    assert not np.array_equal(clone.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
