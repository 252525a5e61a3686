"""Random numbers: the Philox 4x32-10 stream (checked against the paper's known answers and an
independent Python model of the counter scheme), reproducibility, stream advance, thread
independence, distributions' moments, dtypes, signatures and bad input."""
import numpy as np
import pytest

import ember
from conftest import assert_unchanged, snapshot

# ---------------------------------------------------------------------------
# an independent model of the generator
# ---------------------------------------------------------------------------
_MASK = 0xFFFFFFFF


def philox4x32_10(counter, key):
    """Philox 4x32-10 written from Salmon et al. (SC 2011), in plain Python."""
    c = list(counter)
    k0, k1 = key
    for r in range(10):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & _MASK, (k1 + 0xBB67AE85) & _MASK
        p0, p1 = 0xD2511F53 * c[0], 0xCD9E8D57 * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k0, p1 & _MASK, (p0 >> 32) ^ c[3] ^ k1, p0 & _MASK]
    return c


def block(seed, index):
    """ember's block `index` of the stream keyed by `seed`."""
    return philox4x32_10([index & _MASK, index >> 32, 0, 0], [seed & _MASK, seed >> 32])


# Known-answer vectors of the Random123 distribution (counter, key, output).
KAT = [
    ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
    ([_MASK] * 4, [_MASK] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
    ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0],
     [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]),
]


@pytest.mark.parametrize("counter,key,expected", KAT)
def test_reference_model_matches_known_answers(counter, key, expected):
    assert philox4x32_10(counter, key) == expected


def _raw64(n):
    """n raw 64-bit draws of the default stream, as Python ints (integers on [-2^63, 2^63))."""
    t = ember.empty(n, dtype=ember.int64)
    t.random_(**{"from": -(1 << 63)})
    return [(v + (1 << 63)) & ((1 << 64) - 1) for v in t.tolist()]


@pytest.mark.parametrize("seed,offset", [(0, 0), (1, 0), (2**40 + 7, 123), (2**64 - 1, 2**32 - 2)])
def test_integer_stream_is_the_documented_counter_scheme(seed, offset):
    ember.set_rng_state((seed, offset))
    got = _raw64(6)  # two 64-bit draws per block: blocks offset .. offset + 2
    want = []
    for b in range(3):
        w = block(seed, offset + b)
        want += [w[0] | w[1] << 32, w[2] | w[3] << 32]
    assert got == want
    assert ember.get_rng_state().numpy().view("<u8").tolist() == [seed, offset + 3]


def test_float_uniforms_use_the_top_bits():
    ember.manual_seed(1234)
    got32 = ember.rand(8).numpy()
    got64 = ember.rand(4, dtype=ember.float64).numpy()
    words = block(1234, 0) + block(1234, 1)
    np.testing.assert_array_equal(got32, np.array([(w >> 8) * 2.0**-24 for w in words], dtype=np.float32))
    w64 = [block(1234, 2), block(1234, 3)]
    want64 = [((w[2 * i] | w[2 * i + 1] << 32) >> 11) * 2.0**-53 for w in w64 for i in range(2)]
    np.testing.assert_array_equal(got64, np.array(want64))


# ---------------------------------------------------------------------------
# reproducibility and stream advance
# ---------------------------------------------------------------------------
SAMPLERS = {
    "rand": lambda: ember.rand(5, 7),
    "randn": lambda: ember.randn(33),
    "randint": lambda: ember.randint(-50, 50, (9,)),
    "randperm": lambda: ember.randperm(20),
    "bernoulli": lambda: ember.bernoulli(ember.full((40,), 0.5)),
    "normal": lambda: ember.normal(ember.zeros(6), ember.ones(6)),
    "uniform_": lambda: ember.empty(3, 3, dtype=ember.float64).uniform_(-2, 3),
    "normal_": lambda: ember.empty(11, dtype=ember.float16).normal_(1, 2),
    "exponential_": lambda: ember.empty(10).exponential_(2.0),
    "random_": lambda: ember.empty(10, dtype=ember.int32).random_(0, 1000),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_same_seed_same_numbers_and_successive_calls_differ(name):
    sample = SAMPLERS[name]
    ember.manual_seed(2024)
    a, b = sample().tolist(), sample().tolist()
    ember.manual_seed(2024)
    assert sample().tolist() == a
    assert sample().tolist() == b
    assert a != b


def test_offset_advances_by_blocks_used():
    ember.manual_seed(7)
    ember.rand(10)                       # 32-bit draws: 4 per block -> 3 blocks
    assert ember.get_rng_state().numpy().view("<u8").tolist() == [7, 3]
    ember.rand(3, dtype=ember.float64)   # 64-bit draws: 2 per block -> 2 blocks
    ember.randint(0, 5, (5,))            # -> 3 blocks
    ember.rand(0)                        # nothing drawn
    assert ember.get_rng_state().numpy().view("<u8").tolist() == [7, 8]


def test_split_calls_continue_the_stream():
    ember.manual_seed(99)
    whole = ember.rand(16).tolist()
    ember.manual_seed(99)
    parts = ember.rand(8).tolist() + ember.rand(8).tolist()
    assert whole == parts


def test_results_do_not_depend_on_thread_count():
    before = ember.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            ember.set_num_threads(threads)
            ember.manual_seed(5)
            results.append((ember.rand(70001).numpy(), ember.randn(50001, dtype=ember.float64).numpy(),
                            ember.randperm(40000).numpy()))
        for r in results[1:]:
            for x, y in zip(results[0], r):
                np.testing.assert_array_equal(x, y)
    finally:
        ember.set_num_threads(before)


def test_in_place_on_a_view_fills_in_logical_order():
    ember.manual_seed(3)
    want = ember.rand(4, 6).numpy()
    target = ember.zeros(6, 4).t()  # a transposed (non-contiguous) view of shape (4, 6)
    ember.manual_seed(3)
    target.uniform_()
    np.testing.assert_array_equal(target.numpy(), want)
    base = ember.zeros(5)
    view = base[::-2]
    view.normal_()
    assert np.count_nonzero(base.numpy()) == 3 and base.numpy()[1] == 0 and base.numpy()[3] == 0


def test_rng_state_round_trip_and_generators():
    state = ember.get_rng_state()
    assert state.dtype == ember.uint8 and tuple(state.shape) == (16,)
    a = ember.rand(5).tolist()
    ember.set_rng_state(state)
    assert ember.rand(5).tolist() == a

    g = ember.Generator().manual_seed(11)
    ember.manual_seed(11)
    default_state = ember.get_rng_state().numpy().copy()
    x = ember.randn(4, generator=g).tolist()
    np.testing.assert_array_equal(ember.get_rng_state().numpy(), default_state)  # untouched
    assert ember.randn(4).tolist() == x  # the same seed from offset 0 gives the same numbers
    g.set_state(ember.Generator().manual_seed(11).get_state())
    assert ember.randn(4, generator=g).tolist() == x
    with pytest.raises(TypeError):
        ember.rand(3, generator=42)


def test_seed_functions():
    gen = ember.manual_seed(123)
    assert gen is ember.default_generator and ember.initial_seed() == 123
    s = ember.seed()
    assert isinstance(s, int) and ember.initial_seed() == s
    ember.manual_seed(-1)  # negative seeds map like torch's: 0xffff_ffff_ffff_ffff + seed
    assert ember.initial_seed() == 0xFFFF_FFFF_FFFF_FFFE
    with pytest.raises(ValueError):
        ember.manual_seed(1 << 64)


# ---------------------------------------------------------------------------
# distributions
# ---------------------------------------------------------------------------
N = 100_000


def test_uniform_moments_and_range():
    ember.manual_seed(0)
    for dtype in (ember.float32, ember.float64):
        x = ember.rand(N, dtype=dtype).numpy().astype(np.float64)
        assert x.min() >= 0 and x.max() < 1
        assert abs(x.mean() - 0.5) < 0.005 and abs(x.var() - 1 / 12) < 0.002
    y = ember.empty(N).uniform_(-3, 5).numpy()
    assert y.min() >= -3 and y.max() < 5 and abs(y.mean() - 1) < 0.04


def test_normal_moments():
    ember.manual_seed(0)
    for dtype in (ember.float32, ember.float64):
        z = ember.randn(N, dtype=dtype).numpy().astype(np.float64)
        assert abs(z.mean()) < 0.015 and abs(z.std() - 1) < 0.01
        assert abs(np.mean(z**3)) < 0.05 and abs(np.mean(z**4) - 3) < 0.1  # skew 0, kurtosis 3
        assert 0.67 < np.mean(np.abs(z) < 1) < 0.695  # P(|z| < 1) = 0.6827
    w = ember.empty(N, dtype=ember.float64).normal_(10, 3).numpy()
    assert abs(w.mean() - 10) < 0.05 and abs(w.std() - 3) < 0.03


def test_normal_with_tensor_parameters():
    ember.manual_seed(0)
    mean = ember.tensor([[0.0], [100.0]])
    std = ember.tensor([1.0, 2.0, 0.0])
    out = ember.normal(mean, std)
    assert tuple(out.shape) == (2, 3) and out.dtype == ember.float32
    values = out.numpy()
    np.testing.assert_array_equal(values[:, 2], [0.0, 100.0])  # std 0 gives the mean
    assert abs(ember.normal(ember.full((N,), 5.0), 2.0).numpy().std() - 2) < 0.03
    assert ember.normal(2.0, ember.ones(3)).dtype == ember.float32
    x = ember.normal(2.0, 0.5, size=(N,)).numpy()
    assert abs(x.mean() - 2) < 0.01 and abs(x.std() - 0.5) < 0.01
    assert ember.normal(ember.zeros(2, dtype=ember.float64), 1.0).dtype == ember.float64


def test_bernoulli_moments():
    ember.manual_seed(0)
    p = ember.full((N,), 0.3, dtype=ember.float64)
    draws = ember.bernoulli(p).numpy()
    assert set(np.unique(draws)) <= {0.0, 1.0} and abs(draws.mean() - 0.3) < 0.008
    probs = ember.tensor([0.0, 1.0]).expand(N // 2, 2)
    d = ember.bernoulli(probs).numpy()
    assert (d[:, 0] == 0).all() and (d[:, 1] == 1).all()
    like = ember.empty(N, dtype=ember.int64)
    b = ember.bernoulli(like, 0.75)
    assert b.dtype == ember.int64 and abs(b.numpy().mean() - 0.75) < 0.008
    t = ember.zeros(N, dtype=ember.bool).bernoulli_(0.1)
    assert t.dtype == ember.bool and abs(t.numpy().mean() - 0.1) < 0.005
    u = ember.zeros(4, N // 4).bernoulli_(ember.tensor([0.0, 1.0, 0.5, 0.5]).unsqueeze(1))
    assert (u.numpy()[0] == 0).all() and (u.numpy()[1] == 1).all()
    assert ember.full((2,), 0.5).bernoulli().shape == (2,)


def test_exponential_moments():
    ember.manual_seed(0)
    x = ember.empty(N, dtype=ember.float64).exponential_(4.0).numpy()
    assert x.min() >= 0 and abs(x.mean() - 0.25) < 0.005 and abs(x.std() - 0.25) < 0.006


def test_randint_range_and_every_value_hit():
    ember.manual_seed(0)
    x = ember.randint(-3, 7, (10_000,))
    assert x.dtype == ember.int64
    assert sorted(set(x.tolist())) == list(range(-3, 7))
    counts = np.bincount(x.numpy() + 3)
    assert counts.min() > 850 and counts.max() < 1150
    big = ember.randint(-(1 << 63), (1 << 63) - 1, (1000,)).numpy()
    assert (big < -(1 << 62)).any() and (big > 1 << 62).any()
    for dtype, lo, hi in [(ember.uint8, 250, 256), (ember.int8, -128, -120), (ember.int16, 0, 3),
                          (ember.int32, -5, 5), (ember.float32, -4, 4), (ember.float16, 0, 2049),
                          (ember.bfloat16, -256, 0), (ember.float64, 10, 20), (ember.bool, 0, 2)]:
        t = ember.randint(lo, hi, (2000,), dtype=dtype)
        assert t.dtype == dtype
        values = np.asarray(t.tolist(), dtype=np.float64)
        assert values.min() >= lo and values.max() < hi
        assert len(np.unique(values)) == min(hi - lo, 2000) or hi - lo > 100
    assert ember.randint(5, (2, 3)).shape == (2, 3)
    assert ember.randint(3, 10, size=(4,)).numpy().min() >= 3
    assert ember.randint(low=3, high=4, size=(3,)).tolist() == [3, 3, 3]
    assert ember.randint(10, (0,)).shape == (0,)


def test_random_in_place_ranges():
    ember.manual_seed(0)
    assert set(ember.empty(2000, dtype=ember.int64).random_(5).tolist()) == set(range(5))
    assert set(ember.empty(2000, dtype=ember.int8).random_(-3, 3).tolist()) == set(range(-3, 3))
    u8 = ember.empty(5000, dtype=ember.uint8).random_().numpy()
    assert u8.max() > 240 and u8.min() < 15
    f16 = ember.empty(1000, dtype=ember.float16).random_().float().numpy()
    assert f16.min() >= 0 and f16.max() <= 2048 and (f16 == np.round(f16)).all()


def test_randperm_is_a_permutation():
    ember.manual_seed(0)
    for n in (0, 1, 2, 10, 1000):
        p = ember.randperm(n)
        assert p.dtype == ember.int64 and tuple(p.shape) == (n,)
        assert sorted(p.tolist()) == list(range(n))
    assert ember.randperm(1000).tolist() != list(range(1000))
    for dtype in (ember.int32, ember.int16, ember.float32, ember.float64, ember.uint8):
        p = ember.randperm(200, dtype=dtype)
        assert p.dtype == dtype and sorted(int(v) for v in p.tolist()) == list(range(200))
    # every ordering of 3 items shows up with about the same frequency
    seen = {}
    for _ in range(600):
        key = tuple(ember.randperm(3).tolist())
        seen[key] = seen.get(key, 0) + 1
    assert len(seen) == 6 and min(seen.values()) > 60


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16, ember.float32, ember.float64])
def test_floating_dtypes(dtype):
    ember.manual_seed(0)
    x = ember.rand(20_000, dtype=dtype)
    assert x.dtype == dtype
    v = x.float().numpy()
    assert v.min() >= 0 and v.max() < 1 and abs(v.mean() - 0.5) < 0.02
    z = ember.randn(20_000, dtype=dtype).float().numpy()
    assert np.isfinite(z).all() and abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    # values that round up to `to` are moved just below it
    u = ember.empty(20_000, dtype=dtype).uniform_(1, 2).float().numpy()
    assert u.min() >= 1 and u.max() < 2
    assert ember.rand_like(x).dtype == dtype and ember.randn_like(x).shape == x.shape


def test_like_functions_and_sizes():
    base = ember.zeros(2, 3, dtype=ember.float64)
    assert ember.rand_like(base).dtype == ember.float64
    assert ember.randn_like(base, dtype=ember.float16).dtype == ember.float16
    r = ember.randint_like(base, 10)
    assert r.dtype == ember.float64 and r.shape == (2, 3) and r.numpy().max() < 10
    assert ember.randint_like(base, 3, 5).numpy().min() >= 3
    assert ember.rand(2, 3).shape == ember.rand((2, 3)).shape == ember.rand([2, 3]).shape == (2, 3)
    assert ember.rand(()).shape == () and ember.randn(0, 4).shape == (0, 4)
    assert ember.rand(2, 0).numel() == 0


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [ember.int64, ember.int32, ember.bool, ember.uint8])
def test_rand_with_integer_dtype_raises_type_error(dtype):
    with pytest.raises(TypeError, match="rand"):
        ember.rand(3, dtype=dtype)
    with pytest.raises(TypeError, match="randn"):
        ember.randn(3, dtype=dtype)
    t = ember.zeros(3, dtype=dtype)
    snap = snapshot(t)
    with pytest.raises(TypeError, match="uniform_"):
        t.uniform_()
    with pytest.raises(TypeError, match="normal_"):
        t.normal_()
    assert_unchanged(snap)


def test_bad_ranges_name_the_values():
    with pytest.raises(ValueError, match=r"low=5, high=5"):
        ember.randint(5, 5, (3,))
    with pytest.raises(ValueError, match=r"low=7, high=2"):
        ember.randint(7, 2, (3,))
    with pytest.raises(ValueError, match=r"\[0, 299\].*uint8"):
        ember.randint(0, 300, (3,), dtype=ember.uint8)
    t = ember.zeros(4)
    snap = snapshot(t)
    with pytest.raises(ValueError, match=r"from=2"):
        t.uniform_(2, 1)
    with pytest.raises(ValueError, match=r"std=-1"):
        t.normal_(0, -1)
    with pytest.raises(ValueError, match="lambd"):
        t.exponential_(0)
    with pytest.raises(ValueError, match="p=1.5"):
        t.bernoulli_(1.5)
    assert_unchanged(snap)
    with pytest.raises(ValueError, match="negative"):
        ember.randperm(-1)
    with pytest.raises(ValueError, match="too large"):
        ember.randperm(300, dtype=ember.int8)
    with pytest.raises(TypeError):
        ember.randint(3)  # no size


def test_bad_probabilities():
    p = ember.tensor([0.2, 1.5, 0.3])
    snap = snapshot(p)
    with pytest.raises(ValueError, match="1.5"):
        ember.bernoulli(p)
    with pytest.raises(ValueError):
        ember.bernoulli(ember.tensor([float("nan")]))
    assert_unchanged(snap)
    with pytest.raises(TypeError, match="int64"):
        ember.bernoulli(ember.tensor([0, 1]))
    with pytest.raises(ValueError, match="std >= 0"):
        ember.normal(ember.zeros(2), ember.tensor([1.0, -1.0]))
    with pytest.raises(TypeError):
        ember.normal(ember.zeros(2, dtype=ember.int64), ember.ones(2, dtype=ember.int64))
    with pytest.raises(ValueError):
        ember.normal(ember.zeros(2), ember.ones(3))


def test_overlapping_target_is_refused():
    base = ember.zeros(3)
    with pytest.raises(RuntimeError, match="single memory location"):
        base.expand(4, 3).uniform_()
    assert base.tolist() == [0, 0, 0]
