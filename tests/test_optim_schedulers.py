"""CyclicLR and the LRScheduler base against PyTorch: the same learning rates (and cycled
momenta) step for step, state dict round trips, SequentialLR's undoing of construction steps,
the warning for a scheduler step before any optimizer step, and tensor learning rates."""
import warnings

import pytest

import ember
from ember import nn, optim

torch = pytest.importorskip("torch")


def _pair(name="SGD", **kwargs):
    kwargs.setdefault("lr", 0.1)
    if name == "SGD":
        kwargs.setdefault("momentum", 0.9)
    ours = [nn.Parameter(ember.ones(2)), nn.Parameter(ember.ones(3))]
    theirs = [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(3))]
    groups = lambda ps: [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}]  # noqa: E731
    return getattr(optim, name)(groups(ours), **kwargs), getattr(torch.optim, name)(groups(theirs), **kwargs)


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


class _HalfScale:
    """A callable-object scale function, whose attributes go into the state dict."""

    def __init__(self):
        self.base = 0.5

    def __call__(self, x):
        return self.base ** x


CYCLIC_CASES = [
    dict(base_lr=0.01, max_lr=0.1, step_size_up=4),
    dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3, step_size_down=5, mode="triangular2"),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=2, mode="exp_range", gamma=0.9, base_momentum=0.7,
         max_momentum=0.95),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=lambda x: 1 / (x + 1), scale_mode="iterations"),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=_HalfScale()),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=3, cycle_momentum=False),
]


@pytest.mark.parametrize("kwargs", CYCLIC_CASES)
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_cyclic_lr_matches_torch(kwargs, opt_name):
    opt, topt = _pair(opt_name)
    sched = optim.lr_scheduler.CyclicLR(opt, **kwargs)
    tsched = torch.optim.lr_scheduler.CyclicLR(topt, **kwargs)
    assert sched.get_last_lr() == tsched.get_last_lr()
    for _ in range(20):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert sched.get_last_lr() == tsched.get_last_lr()
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]
        assert _momenta(opt) == _momenta(topt)


def test_cyclic_lr_state_dict_round_trip():
    kwargs = dict(base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=_HalfScale())
    opt, topt = _pair()
    sched = optim.lr_scheduler.CyclicLR(opt, **kwargs)
    tsched = torch.optim.lr_scheduler.CyclicLR(topt, **kwargs)
    for _ in range(4):
        opt.step()
        sched.step()
    sched._scale_fn_custom.base = 0.25
    state = sched.state_dict()
    assert state["_scale_fn_custom"] == {"base": 0.25}
    # The same entries as PyTorch's, less the flag of its get_lr-call bookkeeping.
    assert sorted(state) == sorted(set(tsched.state_dict()) - {"_get_lr_called_within_step"})
    fresh_opt, _ = _pair()
    fresh = optim.lr_scheduler.CyclicLR(fresh_opt, **kwargs)
    fresh.load_state_dict(state)
    assert fresh.last_epoch == 4 and fresh._scale_fn_custom.base == 0.25
    fresh_opt.step()
    fresh.step()
    sched.step()
    assert fresh.get_last_lr() == sched.get_last_lr()


def test_cyclic_lr_errors_match_torch():
    opt, topt = _pair("Adagrad")
    for lib_opt, lib in ((opt, optim), (topt, torch.optim)):
        with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
            lib.lr_scheduler.CyclicLR(lib_opt, base_lr=0.01, max_lr=0.1)
        with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
            lib.lr_scheduler.CyclicLR(lib_opt, base_lr=0.01, max_lr=0.1, mode="square", cycle_momentum=False)
        with pytest.raises(ValueError, match="base_lr must have the same length as optimizer.param_groups"):
            lib.lr_scheduler.CyclicLR(lib_opt, base_lr=[0.01], max_lr=0.1, cycle_momentum=False)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        optim.lr_scheduler.CyclicLR(object(), base_lr=0.01, max_lr=0.1)


@pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)` before")
def test_sequential_lr_with_nested_schedulers_matches_torch():
    def build(lib, opt):
        s = lib.optim.lr_scheduler
        chained = s.ChainedScheduler([s.ExponentialLR(opt, gamma=0.9), s.ConstantLR(opt, factor=0.5, total_iters=2)])
        return s.SequentialLR(opt, [chained, s.StepLR(opt, step_size=2, gamma=0.5)], milestones=[3])
    opt, topt = _pair()
    sched, tsched = build(ember, opt), build(torch, topt)
    assert hasattr(sched, "recursive_undo")
    for _ in range(10):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)


def test_sequential_lr_errors():
    opt, _ = _pair()
    other, _ = _pair()
    s = optim.lr_scheduler
    with pytest.raises(ValueError, match="expects at least one scheduler"):
        s.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        s.SequentialLR(opt, [s.ReduceLROnPlateau(opt)], milestones=[])
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        s.SequentialLR(opt, [s.StepLR(other, 2)], milestones=[])
    with pytest.raises(ValueError, match="number of milestones to be equal to 2"):
        s.SequentialLR(opt, [s.StepLR(opt, 2)], milestones=[1, 2])


def test_scheduler_step_before_optimizer_step_warns_like_torch():
    opt, topt = _pair()
    sched, tsched = optim.lr_scheduler.StepLR(opt, 2), torch.optim.lr_scheduler.StepLR(topt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        tsched.step()
    opt2, _ = _pair()
    sched2 = optim.lr_scheduler.StepLR(opt2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt2.step()
        sched2.step()


def test_tensor_learning_rate_is_updated_in_place():
    p, tp = nn.Parameter(ember.ones(2)), torch.nn.Parameter(torch.ones(2))
    lr, tlr = ember.tensor(0.1), torch.tensor(0.1)
    opt, topt = optim.Adam([p], lr=lr), torch.optim.Adam([tp], lr=tlr)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    tsched = torch.optim.lr_scheduler.ExponentialLR(topt, gamma=0.5)
    for _ in range(3):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    assert opt.param_groups[0]["lr"] is lr
    assert lr.item() == pytest.approx(tlr.item())
    assert isinstance(sched.get_last_lr()[0], ember.Tensor)
    assert sched.get_last_lr()[0] is not lr


def test_closed_form_step_with_epoch_warns_once():
    opt, _ = _pair()
    sched = optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(4)
    assert sched.get_last_lr() == pytest.approx([0.1 * 0.25, 0.05 * 0.25])


RESUMED = [
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=6, eta_min=0.001)),
    ("PolynomialLR", dict(total_iters=8, power=2.0)),
    ("MultiplicativeLR", dict(lr_lambda=lambda epoch: 0.95)),
    ("LinearLR", dict(start_factor=0.5, total_iters=6)),
    ("StepLR", dict(step_size=2, gamma=0.5)),
]


@pytest.mark.parametrize("name,kwargs", RESUMED, ids=[n for n, _ in RESUMED])
def test_resumed_schedulers_match_torch(name, kwargs):
    """Made with last_epoch >= 0 (resuming), the first step leaves the rate as it is."""
    opt, topt = _pair()
    for o in (opt, topt):
        for group in o.param_groups:
            group["initial_lr"] = 0.2
    sched = getattr(optim.lr_scheduler, name)(opt, last_epoch=3, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, last_epoch=3, **kwargs)
    assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
    for _ in range(6):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
