"""Mixed-precision training on the CPU: a small CNN trained with autocast(bfloat16) and
GradScaler (each on and off) learns; its layers' result dtypes under autocast are torch's, and
given the same weights its outputs, loss and gradients are torch's within bfloat16 tolerance."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 4 * 4, 16), nn.ReLU(), nn.Linear(16, 3))


def _same_weights(ours, theirs):
    with ember.no_grad():
        for p, q in zip(ours.parameters(), theirs.parameters()):
            p.copy_(ember.tensor(q.detach().numpy()))


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((48, 1, 8, 8)).astype(np.float32)
    # a learnable label: which third of the image is brightest
    thirds = np.stack([x[:, 0, :, :3].mean((1, 2)), x[:, 0, :, 3:5].mean((1, 2)), x[:, 0, :, 5:].mean((1, 2))], 1)
    return x, thirds.argmax(1).astype(np.int64)


def _train(lib, model, x, y, use_autocast, use_scaler, steps=40):
    opt = lib.optim.Adam(model.parameters(), lr=0.02)
    scaler = lib.amp.GradScaler("cpu", init_scale=2.0**12, enabled=use_scaler)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        with lib.autocast("cpu", dtype=lib.bfloat16, enabled=use_autocast):
            out = model(x)
            loss = lib.nn.functional.cross_entropy(out, y)
        assert out.dtype == (lib.bfloat16 if use_autocast else lib.float32)
        assert loss.dtype == lib.float32
        scaler.scale(loss).backward()
        assert all(p.grad.dtype == lib.float32 for p in model.parameters())
        scaler.step(opt)
        scaler.update()
        losses.append(float(loss.detach()))
    return losses


@pytest.mark.parametrize("use_autocast,use_scaler", [(True, True), (True, False), (False, True), (False, False)])
def test_training_with_autocast_and_grad_scaler_learns(use_autocast, use_scaler):
    torch.manual_seed(0)
    theirs = _cnn(torch)
    ours = _cnn(ember)
    _same_weights(ours, theirs)
    xn, yn = _data()
    losses = _train(ember, ours, ember.tensor(xn), ember.tensor(yn), use_autocast, use_scaler)
    assert np.all(np.isfinite(losses))
    assert np.mean(losses[-5:]) < 0.6 * losses[0], losses
    # PyTorch's run from the same weights learns alike (bf16 rounding differs, so loosely)
    their_losses = _train(torch, theirs, torch.tensor(xn), torch.tensor(yn), use_autocast, use_scaler)
    assert losses[0] == pytest.approx(their_losses[0], rel=2e-2)
    assert np.mean(losses[-5:]) < 0.6 * their_losses[0]


def test_layer_dtypes_outputs_and_gradients_match_torch():
    torch.manual_seed(1)
    theirs = _cnn(torch)
    ours = _cnn(ember)
    _same_weights(ours, theirs)
    xn, yn = _data()
    results = {}
    for lib, model in ((ember, ours), (torch, theirs)):
        x, y = lib.tensor(xn[:8]), lib.tensor(yn[:8])
        with lib.autocast("cpu"):
            h, dtypes = x, []
            for layer in model:
                h = layer(h)
                dtypes.append(str(h.dtype).split(".")[-1])
            loss = lib.nn.functional.cross_entropy(h, y)
        loss.backward()
        results[lib.__name__] = (dtypes, h.float().detach().numpy(), float(loss.detach()),
                                 [p.grad.numpy() for p in model.parameters()])
    ours_r, theirs_r = results["ember"], results["torch"]
    assert ours_r[0] == theirs_r[0] == ["bfloat16"] * 7
    np.testing.assert_allclose(ours_r[1], theirs_r[1], rtol=3e-2, atol=3e-2)
    assert ours_r[2] == pytest.approx(theirs_r[2], rel=1e-2)
    for g, tg in zip(ours_r[3], theirs_r[3]):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, tg, rtol=5e-2, atol=5e-2 * max(1.0, float(np.abs(tg).max())))
