"""NAdam, RAdam, Adamax, ASGD, Rprop, Adafactor and Muon against PyTorch: the same initial weights and the same
gradients must give the same trajectory to float32 rounding, for each hyper-parameter setting,
with parameter groups, and through state_dict round trips (ember's and PyTorch's layout)."""
import copy
import io

import numpy as np
import pytest

import ember
from ember import nn, optim

torch = pytest.importorskip("torch")


def _grad_of(values, step):
    """A gradient that depends on the parameter (a quadratic bowl plus a step-dependent wobble
    that flips signs now and then, which Rprop needs), the same for both libraries."""
    return 2.0 * (values - 0.5) + 0.7 * np.sin(values * 3.0 + step)


CASES = [
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, betas=(0.8, 0.95), weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("NAdam", dict(lr=0.01, foreach=False, capturable=False, differentiable=False)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.5, 0.6), eps=1e-6, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True, foreach=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.7, 0.9), eps=1e-4, weight_decay=0.05)),
    ("Adamax", dict(lr=0.01, maximize=True, foreach=False, differentiable=False, capturable=False)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=0, maximize=True, foreach=False)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.05, maximize=True, foreach=False, capturable=False, differentiable=False)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-30, 1e-3), d=2.0, weight_decay=0.1)),
    ("Adafactor", dict(maximize=True, foreach=False)),
]


def _pair(seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(5).astype(np.float32)]
    return [nn.Parameter(ember.tensor(v)) for v in init], [torch.nn.Parameter(torch.tensor(v)) for v in init]


def _run(opt, topt, ours, theirs, steps, start=0):
    for step in range(start, start + steps):
        for p, tp in zip(ours, theirs):
            g = _grad_of(tp.detach().numpy().astype(np.float64), step).astype(np.float32)
            p.grad = ember.tensor(g)
            tp.grad = torch.tensor(g)
        opt.step()
        topt.step()
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=2e-5, atol=2e-6)


def _compare_state(opt, topt):
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for key, state in ours["state"].items():
        assert sorted(state) == sorted(theirs["state"][key])
        for name, value in state.items():
            np.testing.assert_allclose(value.numpy(), theirs["state"][key][name].numpy(), rtol=2e-5, atol=2e-6)
            assert str(value.dtype).split(".")[-1] == str(theirs["state"][key][name].dtype).split(".")[-1]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, kwargs):
    ours, theirs = _pair()
    opt = getattr(optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    _run(opt, topt, ours, theirs, 30)
    _compare_state(opt, topt)


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax", "ASGD", "Rprop", "Adafactor"])
def test_defaults_and_repr_match_torch(name):
    ours, theirs = _pair()
    opt, topt = getattr(optim, name)(ours), getattr(torch.optim, name)(theirs)
    assert opt.defaults == topt.defaults
    assert repr(opt) == repr(topt)


@pytest.mark.parametrize("name,kwargs", [("NAdam", dict(lr=0.01, weight_decay=0.1)),
                                         ("RAdam", dict(lr=0.02)),
                                         ("Adamax", dict(lr=0.03)),
                                         ("ASGD", dict(lr=0.02, t0=3)),
                                         ("Rprop", dict(lr=0.02))])
def test_param_groups_match_torch(name, kwargs):
    ours, theirs = _pair(1)
    opt = getattr(optim, name)([{"params": [ours[0]]}, {"params": [ours[1]], "lr": 0.002}], **kwargs)
    topt = getattr(torch.optim, name)([{"params": [theirs[0]]}, {"params": [theirs[1]], "lr": 0.002}], **kwargs)
    _run(opt, topt, ours, theirs, 12)
    _compare_state(opt, topt)


@pytest.mark.parametrize("name,kwargs", CASES[::3], ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES[::3])])
def test_state_dict_round_trip_continues_the_trajectory(name, kwargs):
    ours, theirs = _pair(2)
    opt = getattr(optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    _run(opt, topt, ours, theirs, 7)
    # A fresh optimizer loaded from ember's state dict (through save/load) picks up where it was.
    buffer = io.BytesIO()
    ember.save(opt.state_dict(), buffer)
    buffer.seek(0)
    restored = getattr(optim, name)(ours, **kwargs)
    restored.load_state_dict(ember.load(buffer))
    _run(restored, topt, ours, theirs, 7, start=7)
    # And one loaded from PyTorch's state dict as PyTorch hands it over.
    ours2 = [nn.Parameter(ember.tensor(tp.detach().numpy())) for tp in theirs]
    from_torch = getattr(optim, name)(ours2, **kwargs)
    from_torch.load_state_dict(topt.state_dict())
    _run(from_torch, topt, ours2, theirs, 7, start=14)


def test_load_a_state_dict_saved_by_torch_save():
    ours, theirs = _pair(3)
    opt, topt = optim.NAdam(ours, lr=0.01), torch.optim.NAdam(theirs, lr=0.01)
    _run(opt, topt, ours, theirs, 5)
    buffer = io.BytesIO()
    torch.save(topt.state_dict(), buffer)
    buffer.seek(0)
    fresh = optim.NAdam(ours, lr=0.01)
    fresh.load_state_dict(ember.load(buffer))
    _compare_state(fresh, topt)
    _run(fresh, topt, ours, theirs, 5, start=5)


def test_load_state_dict_casts_to_the_parameter_dtype():
    w = nn.Parameter(ember.ones(3, dtype=ember.float64))
    opt = optim.Adamax([w])
    w.grad = ember.ones(3, dtype=ember.float64)
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    sd["state"][0]["exp_avg"] = sd["state"][0]["exp_avg"].float()
    fresh = optim.Adamax([w])
    fresh.load_state_dict(sd)
    assert fresh.state[w]["exp_avg"].dtype == ember.float64
    assert fresh.state[w]["step"].dtype == ember.float32


@pytest.mark.parametrize("name,kwargs,message", [
    ("NAdam", dict(lr=-1.0), "Invalid learning rate"),
    ("NAdam", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    ("NAdam", dict(momentum_decay=-1.0), "Invalid momentum_decay value"),
    ("RAdam", dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1"),
    ("RAdam", dict(eps=-1.0), "Invalid epsilon value"),
    ("Adamax", dict(weight_decay=-0.1), "Invalid weight_decay value"),
    ("ASGD", dict(lr=-0.1), "Invalid learning rate"),
    ("Rprop", dict(etas=(1.2, 0.5)), "Invalid eta values"),
    ("Adafactor", dict(beta2_decay=0.5), "beta2_decay should be <= 0"),
    ("Adafactor", dict(d=0.5), "Clipping threshold d should be >= 1"),
    ("Adafactor", dict(eps=(-1.0, 1e-3)), "epsilon1 should be >= 0"),
])
def test_bad_hyper_parameters_raise_like_torch(name, kwargs, message):
    ours, theirs = _pair()
    with pytest.raises(ValueError, match=message):
        getattr(optim, name)(ours, **kwargs)
    with pytest.raises(ValueError, match=message):
        getattr(torch.optim, name)(theirs, **kwargs)


def test_tensor_lr_is_accepted_and_must_have_one_element():
    ours, theirs = _pair()
    opt = optim.RAdam(ours, lr=ember.tensor(0.01))
    topt = torch.optim.RAdam(theirs, lr=torch.tensor(0.01))
    _run(opt, topt, ours, theirs, 5)
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        optim.Adamax(ours, lr=ember.tensor([0.1, 0.2]))


def test_parameters_without_grad_are_skipped():
    a, b = nn.Parameter(ember.ones(2)), nn.Parameter(ember.ones(2))
    for name in ("NAdam", "RAdam", "Adamax", "ASGD", "Rprop", "Adafactor"):
        opt = getattr(optim, name)([a, b])
        a.grad, b.grad = ember.ones(2), None
        opt.step()
        assert not opt.state.get(b)
        np.testing.assert_array_equal(b.detach().numpy(), np.ones(2, np.float32))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adafactor_factored_moments_of_batched_matrices_match_torch(dtype):
    """A 3-d parameter keeps row and column factors per matrix of the batch."""
    rng = np.random.default_rng(4)
    init = rng.standard_normal((2, 3, 4)).astype(dtype)
    ours, theirs = [nn.Parameter(ember.tensor(init))], [torch.nn.Parameter(torch.tensor(init))]
    opt, topt = optim.Adafactor(ours, lr=0.03), torch.optim.Adafactor(theirs, lr=0.03)
    for step in range(15):
        g = _grad_of(theirs[0].detach().numpy().astype(np.float64), step).astype(dtype)
        ours[0].grad, theirs[0].grad = ember.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
        np.testing.assert_allclose(ours[0].detach().numpy(), theirs[0].detach().numpy(), rtol=2e-5, atol=2e-6)
    assert tuple(opt.state[ours[0]]["row_var"].shape) == (2, 3, 1)
    assert tuple(opt.state[ours[0]]["col_var"].shape) == (2, 1, 4)
    _compare_state(opt, topt)


MUON_CASES = [
    dict(),
    dict(lr=0.02, weight_decay=0.0, momentum=0.9, nesterov=False, adjust_lr_fn="match_rms_adamw"),
    dict(ns_steps=3, adjust_lr_fn="original", eps=1e-5),
]


@pytest.mark.parametrize("kwargs", MUON_CASES)
def test_muon_trajectory_matches_torch(kwargs):
    """Muon orthogonalizes in bfloat16, so wide and tall matrices both go through it."""
    rng = np.random.default_rng(5)
    init = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((6, 2)).astype(np.float32)]
    ours = [nn.Parameter(ember.tensor(v)) for v in init]
    theirs = [torch.nn.Parameter(torch.tensor(v)) for v in init]
    opt, topt = optim.Muon(ours, **kwargs), torch.optim.Muon(theirs, **kwargs)
    assert opt.defaults == topt.defaults and repr(opt) == repr(topt)
    _run(opt, topt, ours, theirs, 20)
    _compare_state(opt, topt)


def test_muon_refuses_what_torch_refuses():
    for lib, make in ((ember, nn.Parameter), (torch, torch.nn.Parameter)):
        with pytest.raises(ValueError, match="Muon only supports 2D parameters"):
            lib.optim.Muon([make(lib.ones(3))])
        with pytest.raises(ValueError, match="Adjust learning rate function cubic is not supported"):
            lib.optim.Muon([make(lib.ones(2, 2))], adjust_lr_fn="cubic")
        p = make(lib.ones(2, 2))
        p.grad = lib.ones(2, 2)
        opt = lib.optim.Muon([p], ns_steps=100)
        with pytest.raises(ValueError, match="Number of steps must be less than 100"):
            opt.step()
