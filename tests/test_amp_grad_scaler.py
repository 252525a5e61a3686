"""ember.amp.GradScaler against torch.amp.GradScaler: the same model, data and injected
non-finite gradients must give the same scales, growth trackers, skipped steps and parameters;
the stage rules (unscale_ once, step once per update), state dicts, pickling, the disabled
no-op and the deprecated / CUDA-less constructors behave as PyTorch's."""
import math
import pickle
import warnings

import numpy as np
import pytest

import ember
from ember import nn, optim

torch = pytest.importorskip("torch")


def _mlp(lib, weights):
    model = lib.nn.Sequential(lib.nn.Linear(6, 8), lib.nn.ReLU(), lib.nn.Linear(8, 1))
    with lib.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(lib.tensor(w))
    return model


def _weights(rng):
    return [rng.standard_normal(s).astype(np.float32) * 0.5 for s in [(8, 6), (8,), (1, 8), (1,)]]


# step -> how a gradient is spoiled after backward (None: left alone)
SPOILS = {2: math.inf, 5: math.nan, 6: -math.inf, 11: math.inf}


def _train(lib, weights, data, target, *, enabled=True, init_scale=2.0**10, growth_interval=3, unscale_first=False):
    model = _mlp(lib, weights)
    opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", init_scale=init_scale, growth_factor=2.0, backoff_factor=0.5,
                                growth_interval=growth_interval, enabled=enabled)
    x, y = lib.tensor(data), lib.tensor(target)
    record = []
    for step in range(14):
        opt.zero_grad()
        loss = lib.nn.functional.mse_loss(model(x), y)
        scaler.scale(loss).backward()
        if step in SPOILS:
            with lib.no_grad():
                model[0].weight.grad[1, 2] = SPOILS[step]
        before = model[2].weight.detach().clone()
        if unscale_first:
            scaler.unscale_(opt)
            lib.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        scaler.step(opt)
        stepped = not bool((model[2].weight.detach() == before).all())
        scaler.update()
        record.append((scaler.get_scale(), scaler._get_growth_tracker(), stepped, float(loss.detach())))
    params = [p.detach().numpy().copy() for p in model.parameters()]
    return record, params


@pytest.mark.parametrize("unscale_first", [False, True])
def test_trajectory_matches_torch(unscale_first):
    rng = np.random.default_rng(0)
    weights = _weights(rng)
    data, target = rng.standard_normal((16, 6)).astype(np.float32), rng.standard_normal((16, 1)).astype(np.float32)
    ours, our_params = _train(ember, weights, data, target, unscale_first=unscale_first)
    theirs, their_params = _train(torch, weights, data, target, unscale_first=unscale_first)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert a[:3] == b[:3], f"step {step}: ember (scale, tracker, stepped) {a[:3]}, torch {b[:3]}"
        if math.isfinite(b[3]):
            assert a[3] == pytest.approx(b[3], rel=1e-5)
    # the spoiled steps were skipped and backed the scale off; the growth interval doubled it
    assert [not r[2] for r in ours] == [s in SPOILS for s in range(14)]
    assert {r[0] for r in ours} > {2.0**10 / 2}
    for p, q in zip(our_params, their_params):
        np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)


def test_disabled_scaler_is_a_no_op_and_trains_as_plain_sgd():
    rng = np.random.default_rng(1)
    weights = _weights(rng)
    data, target = rng.standard_normal((16, 6)).astype(np.float32), rng.standard_normal((16, 1)).astype(np.float32)
    scaler = ember.amp.GradScaler("cpu", enabled=False)
    loss = ember.tensor(3.0)
    assert scaler.scale(loss) is loss
    assert scaler.get_scale() == 1.0 and scaler._get_growth_tracker() == 0 and not scaler.is_enabled()
    assert scaler.state_dict() == {}
    scaler.load_state_dict({})  # a no-op when disabled, even for an empty dict
    scaler.update()
    scaler.unscale_(None)
    model = _mlp(ember, weights)
    opt = optim.SGD(model.parameters(), lr=0.1)
    calls = []
    orig = opt.step
    opt.step = lambda *a, **k: calls.append(a) or orig(*a, **k)
    assert scaler.step(opt) is None and len(calls) == 1
    # disabled, nothing is skipped (the spoiled gradients reach the parameters, as in PyTorch)
    ours, _ = _train(ember, weights, data, target, enabled=False)
    theirs, _ = _train(torch, weights, data, target, enabled=False)
    assert [r[:3] for r in ours] == [r[:3] for r in theirs] == [(1.0, 0, True)] * 14


def test_scale_nested_outputs():
    scaler = ember.amp.GradScaler("cpu", init_scale=4.0)
    a, b, c = ember.tensor([1.0, 2.0]), ember.tensor(3.0), ember.tensor([0.5], dtype=ember.bfloat16)
    out = scaler.scale([a, (b, [c])])
    assert isinstance(out, list) and isinstance(out[1], tuple) and isinstance(out[1][1], list)
    np.testing.assert_array_equal(out[0].numpy(), [4.0, 8.0])
    assert float(out[1][0]) == 12.0
    assert out[1][1][0].dtype == ember.bfloat16 and float(out[1][1][0]) == 2.0  # the scale keeps the dtype
    lazy = scaler.scale(iter([a, b]))  # other iterables come back as an iterator, as in PyTorch
    assert [float(t.sum()) for t in lazy] == [12.0, 12.0]
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        scaler.scale([a, 3])
    t = torch.amp.GradScaler("cpu", init_scale=4.0).scale(torch.tensor([0.5], dtype=torch.bfloat16))
    assert t.dtype == torch.bfloat16


def _one_param_opt(value, grad):
    p = nn.Parameter(ember.tensor(value))
    p.grad = ember.tensor(grad)
    return p, optim.SGD([p], lr=1.0)


def test_stage_rules_and_errors_match_torch():
    scaler = ember.amp.GradScaler("cpu")
    p, opt = _one_param_opt([1.0, 2.0], [1.0, 1.0])
    with pytest.raises(AssertionError, match="Attempted unscale_ but _scale is None"):
        scaler.unscale_(opt)
    with pytest.raises(AssertionError, match="Attempted step but _scale is None"):
        scaler.step(opt)
    with pytest.raises(AssertionError, match="Attempted update but _scale is None"):
        scaler.update()
    scaler.scale(ember.tensor(1.0))
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update"):
        scaler.update()
    scaler.unscale_(opt)
    np.testing.assert_array_equal(p.grad.numpy(), [2.0**-16, 2.0**-16])
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called on this optimizer"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called since the last update"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: 0.0)
    scaler.update()
    np.testing.assert_allclose(p.detach().numpy(), [1.0 - 2.0**-16, 2.0 - 2.0**-16])
    for bad in (dict(growth_factor=1.0), dict(backoff_factor=1.0)):
        with pytest.raises(AssertionError, match="factor must be"):
            ember.amp.GradScaler("cpu", **bad)


def test_fp16_gradients_are_refused_and_bf16_ones_unscaled():
    scaler = ember.amp.GradScaler("cpu", init_scale=8.0)
    scaler.scale(ember.tensor(1.0))
    p = nn.Parameter(ember.ones(3, dtype=ember.float16))
    p.grad = ember.ones(3, dtype=ember.float16)
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients."):
        scaler.unscale_(optim.SGD([p], lr=1.0))
    q = nn.Parameter(ember.ones(3, dtype=ember.bfloat16))
    q.grad = ember.full((3,), 4.0, dtype=ember.bfloat16)
    scaler.unscale_(optim.SGD([q], lr=1.0))
    assert q.grad.dtype == ember.bfloat16 and q.grad.tolist() == [0.5, 0.5, 0.5]


def test_each_optimizer_checks_its_own_gradients():
    results = {}
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        q = lib.nn.Parameter(lib.tensor([3.0]))
        o1, o2 = lib.optim.SGD([p], lr=1.0), lib.optim.SGD([q], lr=1.0)
        scaler = lib.amp.GradScaler("cpu", init_scale=2.0)
        (scaler.scale((p * p).sum() + (q * q).sum())).backward()
        with lib.no_grad():
            p.grad[0] = float("nan")
        scaler.step(o1)
        scaler.step(o2)
        scaler.update()
        results[lib.__name__] = (p.detach().tolist(), q.detach().tolist(), scaler.get_scale())
    assert results["ember"] == results["torch"]
    assert results["ember"][0] == [1.0, 2.0] and results["ember"][2] == 1.0


def test_update_with_new_scale():
    scaler = ember.amp.GradScaler("cpu")
    scaler.scale(ember.tensor(1.0))
    scaler.update(1024.0)
    assert scaler.get_scale() == 1024.0
    scaler.update(ember.tensor([8.0]))
    assert scaler.get_scale() == 8.0
    reason = "new_scale should be a float or a 1-element"
    with pytest.raises(AssertionError, match=reason):
        scaler.update(ember.tensor([1.0, 2.0]))
    with pytest.raises(AssertionError, match=reason):
        scaler.update(ember.tensor([1.0], requires_grad=True))


def test_growth_stops_at_the_float32_range():
    scaler = ember.amp.GradScaler("cpu", init_scale=2.0**127, growth_interval=1)
    theirs = torch.amp.GradScaler("cpu", init_scale=2.0**127, growth_interval=1)
    for s, lib in ((scaler, ember), (theirs, torch)):
        p = lib.nn.Parameter(lib.tensor([1.0]))
        p.grad = lib.tensor([1.0])
        opt = lib.optim.SGD([p], lr=0.0)
        s.scale(lib.tensor(1.0))
        s.step(opt)
        s.update()
    assert scaler.get_scale() == theirs.get_scale() == 2.0**127
    assert scaler._get_growth_tracker() == theirs._get_growth_tracker() == 0


def test_getters_setters_state_dict_and_pickle():
    kwargs = dict(init_scale=512.0, growth_factor=3.0, backoff_factor=0.25, growth_interval=7)
    ours, theirs = ember.amp.GradScaler("cpu", **kwargs), torch.amp.GradScaler("cpu", **kwargs)
    assert ours.state_dict() == theirs.state_dict()
    assert (ours.get_growth_factor(), ours.get_backoff_factor(), ours.get_growth_interval()) == (3.0, 0.25, 7)
    ours.set_growth_factor(4.0)
    ours.set_backoff_factor(0.125)
    ours.set_growth_interval(9)
    assert (ours.get_growth_factor(), ours.get_backoff_factor(), ours.get_growth_interval()) == (4.0, 0.125, 9)
    ours.scale(ember.tensor(1.0))
    state = ours.state_dict()
    fresh = ember.amp.GradScaler("cpu")
    fresh.load_state_dict(state)
    assert fresh.state_dict() == state
    fresh.scale(ember.tensor(1.0))
    assert fresh.get_scale() == 512.0
    clone = pickle.loads(pickle.dumps(ours))
    assert clone.state_dict() == state and clone._scale is None
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        fresh.load_state_dict({})
    p, opt = _one_param_opt([1.0], [1.0])
    ours.unscale_(opt)
    with pytest.raises(AssertionError, match="may only be pickled at the beginning"):
        pickle.dumps(ours)


def test_cuda_scalers_warn_and_disable_without_cuda():
    if ember.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.warns(UserWarning, match="torch.cuda.amp.GradScaler is enabled, but CUDA is not available"):
        s = ember.amp.GradScaler("cuda")
    assert not s.is_enabled() and s._device == "cuda"
    with pytest.warns(UserWarning, match="CUDA is not available"):
        assert not ember.amp.GradScaler().is_enabled()  # the default device is "cuda"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = ember.cuda.amp.GradScaler()
    kinds = [(w.category, str(w.message)) for w in caught]
    assert kinds[0][0] is FutureWarning and "torch.cuda.amp.GradScaler(args...)` is deprecated" in kinds[0][1]
    assert kinds[1][0] is UserWarning and not s.is_enabled()
    assert isinstance(s, ember.amp.GradScaler)
    with pytest.warns(FutureWarning, match="torch.cpu.amp.GradScaler\\(args...\\)` is deprecated"):
        s = ember.cpu.amp.GradScaler(init_scale=8.0)
    assert s.is_enabled() and s._device == "cpu" and s.get_scale() == 8.0
    # no warning when a disabled CUDA scaler is asked for
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not ember.amp.GradScaler("cuda", enabled=False).is_enabled()
