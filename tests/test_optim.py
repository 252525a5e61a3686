"""ember.optim against PyTorch: the same parameters and the same gradients must give the same
trajectories (to float32 rounding), state dicts must round-trip, schedulers must give the same
learning rates."""
import copy

import numpy as np
import pytest

import ember
from ember import nn, optim

torch = pytest.importorskip("torch")


def _grad_of(values, step):
    """A deterministic gradient that depends on the parameter (a quadratic bowl plus a
    step-dependent wobble), the same for both libraries."""
    return 2.0 * (values - 0.5) + 0.1 * np.sin(values * 3.0 + step)


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01, maximize=True)),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, kwargs):
    rng = np.random.default_rng(0)
    init = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(5).astype(np.float32)]
    ours = [nn.Parameter(ember.tensor(v)) for v in init]
    theirs = [torch.nn.Parameter(torch.tensor(v)) for v in init]
    opt = getattr(optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    for step in range(25):
        for p, tp in zip(ours, theirs):
            g = _grad_of(tp.detach().numpy().astype(np.float64), step).astype(np.float32)
            p.grad = ember.tensor(g)
            tp.grad = torch.tensor(g)
        opt.step()
        topt.step()
        for p, tp in zip(ours, theirs):
            np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=2e-5, atol=2e-6)


def test_param_groups_and_state_dict_round_trip():
    w = nn.Parameter(ember.ones(2, 2))
    b = nn.Parameter(ember.zeros(2))
    opt = optim.Adam([{"params": [w]}, {"params": [b], "lr": 0.1}], lr=0.01)
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[0]["lr"] == 0.01
    for p in (w, b):
        p.grad = ember.ones(*p.shape)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][1]["params"] == [1]
    assert set(sd["state"]) == {0, 1} and float(sd["state"][0]["step"]) == 1.0
    w2, b2 = nn.Parameter(ember.ones(2, 2)), nn.Parameter(ember.zeros(2))
    opt2 = optim.Adam([{"params": [w2]}, {"params": [b2], "lr": 0.5}], lr=0.5)
    opt2.load_state_dict(copy.deepcopy(sd))
    assert opt2.param_groups[1]["lr"] == 0.1
    np.testing.assert_allclose(opt2.state[w2]["exp_avg"].numpy(), opt.state[w]["exp_avg"].numpy())
    assert opt2.state[w2]["exp_avg"] is not opt.state[w]["exp_avg"]
    with pytest.raises(ValueError, match="number of parameter groups"):
        optim.Adam([w2]).load_state_dict(sd)


def test_state_dict_matches_torch_layout():
    p = nn.Parameter(ember.ones(3))
    tp = torch.nn.Parameter(torch.ones(3))
    opt, topt = optim.SGD([p], lr=0.1, momentum=0.9), torch.optim.SGD([tp], lr=0.1, momentum=0.9)
    p.grad, tp.grad = ember.ones(3), torch.ones(3)
    opt.step()
    topt.step()
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert set(ours["state"][0]) == set(theirs["state"][0])
    assert set(ours["param_groups"][0]) <= set(theirs["param_groups"][0]) | {"decoupled_weight_decay"}


def test_optimizer_errors():
    p = nn.Parameter(ember.ones(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Adam([p], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)


def test_zero_grad_and_skipping_params_without_grad():
    p, q = nn.Parameter(ember.ones(2)), nn.Parameter(ember.ones(2))
    opt = optim.SGD([p, q], lr=1.0)
    p.grad = ember.ones(2)
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [0.0, 0.0])
    np.testing.assert_allclose(q.detach().numpy(), [1.0, 1.0])
    opt.zero_grad()
    assert p.grad is None
    p.grad = ember.ones(2)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_allclose(p.grad.numpy(), [0.0, 0.0])


def test_step_with_closure():
    p = nn.Parameter(ember.ones(2))
    opt = optim.SGD([p], lr=0.5)

    def closure():
        opt.zero_grad()
        p.grad = ember.full((2,), 2.0)
        return 3.0

    assert opt.step(closure) == 3.0
    np.testing.assert_allclose(p.detach().numpy(), [0.0, 0.0])


def test_repr_like_torch():
    p = nn.Parameter(ember.ones(2))
    text = repr(optim.SGD([p], lr=0.1))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1" in text


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("LinearLR", dict(start_factor=0.2, total_iters=6)),
    ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("PolynomialLR", dict(total_iters=8, power=2.0)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e))),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.95)),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=20)),
    ("OneCycleLR", dict(max_lr=0.5, epochs=4, steps_per_epoch=5, three_phase=True, anneal_strategy="linear")),
    ("CosineAnnealingWarmRestarts", dict(T_0=4, T_mult=2, eta_min=0.01)),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_scheduler_learning_rates_match_torch(name, kwargs, opt_name):
    extra = {"momentum": 0.9} if opt_name == "SGD" else {}
    opt = getattr(optim, opt_name)([nn.Parameter(ember.ones(1))], lr=0.1, **extra)
    topt = getattr(torch.optim, opt_name)([torch.nn.Parameter(torch.ones(1))], lr=0.1, **extra)
    sched = getattr(optim.lr_scheduler, name)(opt, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    for _ in range(19):
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        if opt_name == "SGD":
            assert opt.param_groups[0]["momentum"] == pytest.approx(topt.param_groups[0]["momentum"])
        else:
            assert opt.param_groups[0]["betas"][0] == pytest.approx(topt.param_groups[0]["betas"][0])
        opt.step()
        topt.step()
        sched.step()
        tsched.step()


def test_reduce_lr_on_plateau_matches_torch():
    opt = optim.SGD([nn.Parameter(ember.ones(1))], lr=1.0)
    topt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1.0)
    kwargs = dict(mode="min", factor=0.5, patience=2, threshold=0.01, cooldown=1, min_lr=0.01)
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    for metric in [1.0, 0.9, 0.95, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]:
        sched.step(metric)
        tsched.step(metric)
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"])
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)


def test_scheduler_state_dict_round_trip():
    opt = optim.SGD([nn.Parameter(ember.ones(1))], lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        opt.step()
        sched.step()
    state = sched.state_dict()
    opt2 = optim.SGD([nn.Parameter(ember.ones(1))], lr=0.1)
    sched2 = optim.lr_scheduler.StepLR(opt2, step_size=5, gamma=0.1)
    sched2.load_state_dict(state)
    assert sched2.step_size == 2 and sched2.last_epoch == 3
