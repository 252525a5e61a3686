"""optim.swa_utils against torch.optim.swa_utils: AveragedModel with SWA and EMA averaging (per
tensor and list functions, with and without buffers), SWALR's learning rates, update_bn's
recomputed batch-norm statistics."""
import numpy as np
import pytest

import ember
from ember import nn, optim
from ember.optim import swa_utils

torch = pytest.importorskip("torch")
tswa = torch.optim.swa_utils


def _models():
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 2))
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    _copy_weights(tmodel, model)
    return model, tmodel


def _copy_weights(tmodel, model):
    model.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tmodel.state_dict().items()})


def _perturb(tmodel, model, step):
    """Moves both models to the same new weights and batch-norm statistics."""
    rng = np.random.default_rng(step)
    with torch.no_grad():
        for p in tmodel.parameters():
            p.add_(torch.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32)) * 0.1)
        tmodel(torch.tensor(rng.standard_normal((8, 3)).astype(np.float32)))  # updates the running stats
        tmodel[1].num_batches_tracked += 2
    _copy_weights(tmodel, model)


def _assert_same(averaged, taveraged):
    ours, theirs = averaged.state_dict(), taveraged.state_dict()
    assert list(ours) == list(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key].numpy(), theirs[key].numpy(), rtol=1e-6, atol=1e-7, err_msg=key)
        assert str(ours[key].dtype).split(".")[-1] == str(theirs[key].dtype).split(".")[-1], key


AVERAGING = [
    ("swa default", lambda lib: {}),
    ("swa avg_fn", lambda lib: dict(avg_fn=lib.get_swa_avg_fn())),
    ("swa multi_avg_fn", lambda lib: dict(multi_avg_fn=lib.get_swa_multi_avg_fn())),
    ("ema avg_fn", lambda lib: dict(avg_fn=lib.get_ema_avg_fn(0.9))),
    ("ema multi_avg_fn", lambda lib: dict(multi_avg_fn=lib.get_ema_multi_avg_fn(0.8))),
    ("ema with buffers", lambda lib: dict(multi_avg_fn=lib.get_ema_multi_avg_fn(0.8), use_buffers=True)),
    ("swa with buffers", lambda lib: dict(use_buffers=True)),
    ("swa avg_fn with buffers", lambda lib: dict(avg_fn=lib.get_swa_avg_fn(), use_buffers=True)),
]


@pytest.mark.parametrize("name,options", AVERAGING, ids=[n for n, _ in AVERAGING])
def test_averaged_model_matches_torch(name, options):
    model, tmodel = _models()
    averaged = swa_utils.AveragedModel(model, **options(swa_utils))
    taveraged = tswa.AveragedModel(tmodel, **options(tswa))
    for step in range(5):
        _perturb(tmodel, model, step)
        averaged.update_parameters(model)
        taveraged.update_parameters(tmodel)
        _assert_same(averaged, taveraged)
    assert averaged.n_averaged.item() == 5
    x = np.random.default_rng(9).standard_normal((5, 3)).astype(np.float32)
    averaged.eval()
    taveraged.eval()
    np.testing.assert_allclose(averaged(ember.tensor(x)).detach().numpy(),
                               taveraged(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_averaged_model_is_a_copy_and_keeps_the_model_unchanged():
    model, _ = _models()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    averaged = swa_utils.AveragedModel(model)
    assert averaged.module is not model
    assert all(a is not b for a, b in zip(averaged.parameters(), model.parameters()))
    averaged.update_parameters(model)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key])
    assert "n_averaged" in averaged.state_dict()


def test_avg_fn_and_multi_avg_fn_are_exclusive_and_decay_is_checked():
    model, _ = _models()
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    for make in (swa_utils.get_ema_avg_fn, swa_utils.get_ema_multi_avg_fn):
        with pytest.raises(ValueError, match="Invalid decay value 1.5"):
            make(1.5)


SWALR_CASES = [
    dict(swa_lr=0.05),
    dict(swa_lr=0.05, anneal_epochs=3, anneal_strategy="linear"),
    dict(swa_lr=[0.02, 0.3], anneal_epochs=4, anneal_strategy="cos"),
    dict(swa_lr=0.05, anneal_epochs=0),
]


@pytest.mark.parametrize("kwargs", SWALR_CASES)
def test_swalr_matches_torch(kwargs):
    p, tp = nn.Parameter(ember.ones(2)), torch.nn.Parameter(torch.ones(2))
    q, tq = nn.Parameter(ember.ones(2)), torch.nn.Parameter(torch.ones(2))
    opt = optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.2}], lr=0.5)
    topt = torch.optim.SGD([{"params": [tp]}, {"params": [tq], "lr": 0.2}], lr=0.5)
    sched, tsched = swa_utils.SWALR(opt, **kwargs), tswa.SWALR(topt, **kwargs)
    assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
    for _ in range(12):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
    assert [g["swa_lr"] for g in opt.param_groups] == [g["swa_lr"] for g in topt.param_groups]


def test_swalr_state_dict_round_trip():
    p = nn.Parameter(ember.ones(2))
    opt = optim.SGD([p], lr=0.5)
    sched = swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=5, anneal_strategy="linear")
    for _ in range(2):
        opt.step()
        sched.step()
    state = sched.state_dict()
    assert "anneal_func" not in state and state["_anneal_strategy"] == "linear"
    opt2 = optim.SGD([nn.Parameter(ember.ones(2))], lr=0.5)
    opt2.load_state_dict(opt.state_dict())
    restored = swa_utils.SWALR(opt2, swa_lr=0.05)
    restored.load_state_dict(state)
    assert restored.anneal_func(0.5) == 0.5  # the linear strategy came back with the state
    for _ in range(3):
        opt.step()
        opt2.step()
        sched.step()
        restored.step()
        assert restored.get_last_lr() == sched.get_last_lr()


def test_swalr_errors_match_torch():
    for lib, make_param in ((optim, lambda: nn.Parameter(ember.ones(1))), (torch.optim, lambda: torch.nn.Parameter(torch.ones(1)))):
        opt = lib.SGD([make_param()], lr=0.1)
        module = lib.swa_utils
        with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear', instead got exp"):
            module.SWALR(opt, swa_lr=0.01, anneal_strategy="exp")
        with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got -1"):
            module.SWALR(opt, swa_lr=0.01, anneal_epochs=-1)
        with pytest.raises(ValueError, match="swa_lr must have the same length as optimizer.param_groups"):
            module.SWALR(opt, swa_lr=[0.01, 0.02])


@pytest.mark.parametrize("batches_as_tuples", [False, True])
def test_update_bn_matches_torch(batches_as_tuples):
    model, tmodel = _models()
    averaged, taveraged = swa_utils.AveragedModel(model), tswa.AveragedModel(tmodel)
    for step in range(3):
        _perturb(tmodel, model, step)
        averaged.update_parameters(model)
        taveraged.update_parameters(tmodel)
    rng = np.random.default_rng(5)
    data = [rng.standard_normal((6, 3)).astype(np.float32) for _ in range(4)]
    if batches_as_tuples:
        loader = [(ember.tensor(x), ember.zeros(6)) for x in data]
        tloader = [(torch.tensor(x), torch.zeros(6)) for x in data]
    else:
        loader, tloader = [ember.tensor(x) for x in data], [torch.tensor(x) for x in data]
    averaged.eval()
    taveraged.eval()
    swa_utils.update_bn(loader, averaged)
    tswa.update_bn(tloader, taveraged)
    _assert_same(averaged, taveraged)
    bn = averaged.module[1]
    assert bn.momentum == 0.1 and not averaged.training and not bn.training
    # The statistics are the plain average over the batches of the averaged network's activations.
    assert bn.num_batches_tracked.item() == len(data)


def test_update_bn_without_batch_norm_does_nothing():
    model = nn.Sequential(nn.Linear(2, 2))
    before = model.state_dict()["0.weight"].numpy().copy()
    swa_utils.update_bn([ember.ones(3, 2)], model)
    np.testing.assert_array_equal(model.state_dict()["0.weight"].numpy(), before)
    assert model.training


def test_public_names_match_torch():
    assert sorted(swa_utils.__all__) == sorted(tswa.__all__)
