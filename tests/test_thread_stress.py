"""Several Python threads using ember at once: the native ops release the GIL, so kernels,
allocation, autograd and DataLoader iteration from different threads run concurrently. Each
thread checks every result against values computed alone beforehand; any mismatch, exception
or deadlock fails the test. tools/tsan_stress.sh runs this file under ThreadSanitizer."""
import threading

import numpy as np
import pytest

import ember
from conftest import backend_is_torch

pytestmark = pytest.mark.skipif(backend_is_torch(), reason="ember's threads")

THREADS = 4
ROUNDS = 25


def _work(seed):
    """One thread's job: elementwise ops, reductions, a GEMM, indexing, an autograd step and a
    DataLoader pass, all on its own tensors; returns the values to compare."""
    g = ember.Generator().manual_seed(seed)
    a = ember.randn(64, 48, generator=g)
    b = ember.randn(48, 32, generator=g)
    w = ember.randn(32, 8, generator=g).requires_grad_()
    c = (a @ b).tanh()
    loss = (c @ w).relu().square().mean()
    loss.backward()
    picked = c[ember.arange(0, 64, 3)].sum(dim=1)
    data = ember.utils.data.TensorDataset(ember.arange(40.0).reshape(20, 2), ember.arange(20))
    batches = [x.sum().item() + y.sum().item() for x, y in ember.utils.data.DataLoader(data, batch_size=6)]
    big = ember.ones(1 << 20).mul(seed).exp().log().sum().item()  # a threaded kernel inside a thread
    return (c.numpy().copy(), loss.item(), w.grad.numpy().copy(), picked.numpy().copy(), batches, big)


def _same(x, y):
    if isinstance(x, np.ndarray):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
    elif isinstance(x, list):
        assert x == y
    else:
        assert x == pytest.approx(y, rel=1e-5)


def test_threads_compute_what_one_thread_computes():
    expected = {seed: _work(seed) for seed in range(THREADS)}
    errors = []

    def run(seed):
        try:
            for _ in range(ROUNDS):
                for got, want in zip(_work(seed), expected[seed]):
                    _same(got, want)
        except Exception as e:  # reported by the main thread
            errors.append(f"thread {seed}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=run, args=(s,), daemon=True) for s in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread is still running after 120 s (deadlock?)"
    assert not errors, errors


def test_threads_share_read_only_inputs():
    shared = ember.randn(256, 256)
    want = (shared @ shared).sum().item()
    results, errors = [], []

    def run():
        try:
            for _ in range(10):
                results.append((shared @ shared).sum().item())
                shared.t().contiguous().sum()  # copies from the same storage at once
        except Exception as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=run, daemon=True) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and len(results) == 10 * THREADS
    assert all(r == pytest.approx(want, rel=1e-5) for r in results)


def test_threads_allocate_and_free():
    errors = []

    def run(seed):
        try:
            for i in range(200):
                n = 1 + (seed * 7919 + i * 104729) % 300000  # sizes across the cached classes
                t = ember.full((n,), float(seed))
                assert t[n - 1].item() == seed and t.sum().item() == pytest.approx(seed * n)
        except Exception as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=run, args=(s,), daemon=True) for s in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
