"""The vectorized normal fill (float32 and the 16-bit floats; cpu/isa/random_normal.cpp): the
Box-Muller transform of the documented Philox words, to a few float ulps; the same numbers for
every ISA variant, thread count and split of the call; moments against NumPy's normals;
float64, parameters, zero-size and the other entry points (normal_, randn_like, nn.init)."""
import numpy as np
import pytest

import ember
from conftest import run_isa_subprocess
from test_random_philox import block


def _box_muller_reference(seed, offset, n):
    """float64 Box-Muller of the float uniforms ember draws: element i from block offset + i // 4,
    words (0, 1) and (2, 3) giving (r cos, r sin) pairs."""
    nb = (n + 3) // 4
    w = np.array([block(seed, (offset + b) % 2**64) for b in range(nb)], dtype=np.uint64)
    z = np.empty((nb, 4))
    for k in (0, 2):
        u1 = ((w[:, k] >> 8) + 1) * 2.0**-24
        u2 = (w[:, k + 1] >> 8) * 2.0**-24
        r = np.sqrt(-2 * np.log(u1))
        z[:, k], z[:, k + 1] = r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)
    return z.reshape(-1)[:n]


# offsets where the block counter's low word carries inside a 16-block vector, and where the
# whole counter wraps
@pytest.mark.parametrize("seed,offset,n", [(0, 0, 4003), (2024, 17, 257), (2**63 + 5, 2**32 - 3, 1030),
                                           (1, 2**64 - 37, 400)])
def test_float32_normals_are_box_muller_of_the_stream(seed, offset, n):
    ember.set_rng_state((seed, offset))
    got = ember.randn(n).numpy().astype(np.float64)
    want = _box_muller_reference(seed, offset, n)
    # float log/sin/cos within 2 ulp each: a few float ulps of |z| (or 4e-7 near zero)
    tol = 4 * np.spacing(np.abs(want).astype(np.float32)).astype(np.float64) + 4e-7
    assert (np.abs(got - want) <= tol).all()
    assert ember.get_rng_state().numpy().view("<u8").tolist() == [seed, (offset + (n + 3) // 4) % 2**64]


# Hashes every normal fill that runs through the per-ISA kernel, at two thread counts.
ISA_SCRIPT = r"""
import hashlib
import ember
digest = hashlib.sha256()
for threads in (1, 2):
    ember.set_num_threads(threads)
    ember.manual_seed(11)
    parts = [ember.randn(100_003), ember.randn(7, dtype=ember.float16).float(),
             ember.empty(1001, dtype=ember.bfloat16).normal_(2, 3).float(),
             ember.normal(ember.arange(5000).float(), ember.full((5000,), 0.5)),
             ember.normal(1.0, ember.linspace(0, 2, 999))]
    digest.update(b"".join(p.numpy().tobytes() for p in parts))
print(digest.hexdigest())
"""


def test_every_isa_variant_draws_the_same_numbers():
    out = {isa: run_isa_subprocess(isa, ISA_SCRIPT).strip() for isa in ("base", "avx2", "avx512", None)}
    assert len(set(out.values())) == 1, out


def test_thread_count_and_split_calls_do_not_change_the_numbers():
    before = ember.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3, 5):
            ember.set_num_threads(threads)
            ember.manual_seed(8)
            results.append(ember.randn(300_001).numpy())
        for r in results[1:]:
            np.testing.assert_array_equal(r, results[0])
    finally:
        ember.set_num_threads(before)
    ember.manual_seed(8)
    parts = [ember.randn(n).numpy() for n in (1, 3, 4, 1024, 5000)]  # each call starts a fresh block
    ember.manual_seed(8)
    state = 0
    for n, p in zip((1, 3, 4, 1024, 5000), parts):
        ember.set_rng_state((8, state))
        np.testing.assert_array_equal(ember.randn(n).numpy(), p)
        state += (n + 3) // 4
    np.testing.assert_array_equal(results[0][:1], parts[0])


def test_same_generator_state_same_numbers():
    g = ember.Generator().manual_seed(99)
    a = ember.randn(4097, generator=g).numpy()
    b = ember.randn(4097, generator=g).numpy()
    g.manual_seed(99)
    np.testing.assert_array_equal(ember.randn(4097, generator=g).numpy(), a)
    np.testing.assert_array_equal(ember.randn(4097, generator=g).numpy(), b)
    assert not np.array_equal(a, b)


def test_moments_match_numpy_normals():
    n = 2_000_000
    ember.manual_seed(1)
    z = ember.randn(n).numpy().astype(np.float64)
    ref = np.random.default_rng(1).standard_normal(n)
    assert np.isfinite(z).all() and np.abs(z).max() <= 5.8  # sqrt(-2 log 2^-24) = 5.77
    se = 1 / np.sqrt(n)
    for k, tol in ((1, 5 * se), (2, 8 * se), (3, 20 * se), (4, 60 * se)):
        assert abs(np.mean(z**k) - np.mean(ref**k)) < tol, k
    # the histogram against NumPy's on the same bins
    bins = np.linspace(-4, 4, 33)
    h, _ = np.histogram(z, bins)
    hr, _ = np.histogram(ref, bins)
    assert (np.abs(h - hr) <= 6 * np.sqrt(hr) + 10).all()
    # pairs from one block are independent: no correlation between neighbours
    assert abs(np.corrcoef(z[0::2], z[1::2])[0, 1]) < 5 * se * np.sqrt(2)


def test_mean_std_and_parameter_tensors():
    ember.manual_seed(3)
    z = ember.randn(10_000).numpy()
    ember.manual_seed(3)
    w = ember.empty(10_000).normal_(2.5, 0.25).numpy()
    np.testing.assert_array_equal(w, np.float32(2.5) + np.float32(0.25) * z)
    ember.manual_seed(3)
    mean = np.linspace(-5, 5, 10_000)
    std = np.linspace(0, 3, 10_000)
    p = ember.normal(ember.tensor(mean, dtype=ember.float32), ember.tensor(std, dtype=ember.float32)).numpy()
    np.testing.assert_array_equal(p, mean.astype(np.float32) + std.astype(np.float32) * z)
    assert p[0] == np.float32(-5)  # std 0


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_16_bit_normals_round_the_float32_ones(dtype):
    ember.manual_seed(4)
    z = ember.randn(3001)
    ember.manual_seed(4)
    h = ember.randn(3001, dtype=dtype)
    assert h.dtype == dtype
    np.testing.assert_array_equal(h.float().numpy(), z.to(dtype).float().numpy())


def test_float64_normals():
    ember.manual_seed(5)
    n = 1_000_000
    z = ember.randn(n, dtype=ember.float64).numpy()
    assert z.dtype == np.float64
    assert abs(z.mean()) < 5 / np.sqrt(n) and abs(z.std() - 1) < 5 / np.sqrt(n)
    ember.set_rng_state((5, 0))
    w = block(5, 0)
    u1 = (((w[0] | w[1] << 32) >> 11) + 1) * 2.0**-53
    u2 = ((w[2] | w[3] << 32) >> 11) * 2.0**-53
    r = np.sqrt(-2 * np.log(u1))
    np.testing.assert_allclose(ember.randn(2, dtype=ember.float64).numpy(),
                               [r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)], rtol=1e-14, atol=1e-15)


def test_zero_size_and_tiny_fills_draw_nothing_or_one_block():
    ember.manual_seed(6)
    assert ember.randn(0).shape == (0,) and ember.randn(3, 0, dtype=ember.float16).shape == (3, 0)
    assert ember.get_rng_state().numpy().view("<u8").tolist() == [6, 0]
    assert ember.randn(()).shape == ()
    assert ember.get_rng_state().numpy().view("<u8").tolist() == [6, 1]


def test_other_entry_points_use_the_same_stream():
    ember.manual_seed(7)
    want = ember.randn(2, 513).numpy()
    ember.manual_seed(7)
    np.testing.assert_array_equal(ember.randn_like(ember.zeros(2, 513)).numpy(), want)
    ember.manual_seed(7)
    np.testing.assert_array_equal(ember.empty(2, 513).normal_().numpy(), want)
    ember.manual_seed(7)
    w = ember.empty(2, 513)
    ember.nn.init.normal_(w, mean=1.0, std=2.0)
    np.testing.assert_array_equal(w.numpy(), np.float32(1) + np.float32(2) * want)
    ember.manual_seed(7)
    view = ember.zeros(513, 2).t()  # a non-contiguous target fills in logical order
    view.normal_()
    np.testing.assert_array_equal(view.numpy(), want)
