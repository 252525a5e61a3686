"""Adam/AdamW's fused update (one native pass per parameter) gives what the op-by-op update
gives, and the tensors it cannot take (other dtypes, non-contiguous, sparse) still update."""
import numpy as np
import pytest

import ember
from ember import nn, optim


def _params(dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [nn.Parameter(ember.tensor(rng.standard_normal(s), dtype=dtype)) for s in [(3, 4), (5,), ()]]


def _run(params, opt, steps=5, seed=1):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        for p in params:
            p.grad = ember.tensor(rng.standard_normal(tuple(p.shape)), dtype=p.dtype)
        opt.step()
    return [p.detach().numpy().copy() for p in params]


class _OpByOp(optim.AdamW):
    def _fused_update(self, *args):
        return False


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("kwargs", [dict(), dict(weight_decay=0.1, amsgrad=True),
                                    dict(maximize=True, betas=(0.3, 0.5), eps=1e-3)])
def test_fused_matches_op_by_op(dtype, kwargs):
    a, b = _params(dtype), _params(dtype)
    fused = _run(a, optim.AdamW(a, lr=0.01, **kwargs))
    slow = _run(b, _OpByOp(b, lr=0.01, **kwargs))
    tol = 1e-6 if dtype == ember.float32 else 1e-12
    for x, y in zip(fused, slow):
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


def test_adam_with_coupled_weight_decay_matches_op_by_op():
    class Slow(optim.Adam):
        def _fused_update(self, *args):
            return False
    a, b = _params(ember.float32), _params(ember.float32)
    fused = _run(a, optim.Adam(a, lr=0.01, weight_decay=0.2))
    slow = _run(b, Slow(b, lr=0.01, weight_decay=0.2))
    for x, y in zip(fused, slow):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7)


def test_step_counter_advances():
    p = _params(ember.float32)
    opt = optim.AdamW(p)
    _run(p, opt, steps=3)
    assert all(opt.state[q]["step"].item() == 3.0 for q in p)


def test_tensors_the_fused_pass_cannot_take_still_update():
    half = nn.Parameter(ember.ones(4, dtype=ember.float16))
    strided = nn.Parameter(ember.ones(4, 6)[:, ::2])
    ref = [nn.Parameter(ember.ones(4, dtype=ember.float16)), nn.Parameter(ember.ones(4, 3))]
    ours = _run([half, strided], optim.AdamW([half, strided], lr=0.1))
    theirs = _run(ref, _OpByOp(ref, lr=0.1))
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x.astype(np.float64), y.astype(np.float64), rtol=1e-3)
    assert not np.allclose(ours[1], 1.0)


def test_native_entry_refuses_mismatched_lists():
    p = ember.ones(3)
    with pytest.raises(ValueError, match="adam_step_"):
        ember._C.adam_step_([p._impl], [], [], [], [], [], 0.1, 0.9, 0.999, 1e-8, 0.0, True, False, False)


def test_native_entry_declines_mismatched_shapes_without_changing_anything():
    p, g = ember.ones(3), ember.ones(4)
    m, v, step = ember.zeros(3), ember.zeros(3), ember.tensor(0.0)
    assert not ember._C.adam_step_([p._impl], [g._impl], [m._impl], [v._impl], [], [step._impl],
                                   0.1, 0.9, 0.999, 1e-8, 0.0, True, False, False)
    assert p.tolist() == [1.0] * 3 and step.item() == 0.0
