"""ember.multinomial and Tensor.multinomial: frequencies (a chi-square bound at a fixed seed),
the without-replacement rules, reproducibility, dtypes, layouts and torch's errors."""
import numpy as np
import pytest

import ember

WEIGHTS = [1.0, 2.0, 3.0, 4.0, 0.0]


def _chi_square(counts, probs):
    counts, probs = np.asarray(counts, float), np.asarray(probs, float)
    expected = probs * counts.sum()
    keep = expected > 0
    assert counts[~keep].sum() == 0, "a category of probability 0 was drawn"
    return float(((counts[keep] - expected[keep]) ** 2 / expected[keep]).sum()), int(keep.sum() - 1)


# The 99.99th percentile of chi-square with k degrees of freedom, k = 1..4: a correct sampler
# fails one seed in 10,000.
CHI2_9999 = {1: 15.14, 2: 18.42, 3: 21.11, 4: 23.51}


def test_frequencies_with_replacement():
    ember.manual_seed(1234)
    drawn = ember.multinomial(ember.tensor(WEIGHTS), 40000, replacement=True)
    assert drawn.dtype == ember.int64 and tuple(drawn.shape) == (40000,)
    counts = np.bincount(drawn.numpy(), minlength=len(WEIGHTS))
    stat, dof = _chi_square(counts, np.array(WEIGHTS) / sum(WEIGHTS))
    assert stat < CHI2_9999[dof], (counts, stat)


def test_frequencies_without_replacement():
    """First draws follow the weights; second draws follow sum_i p_i p_j / (1 - p_i)."""
    p = np.array(WEIGHTS[:4]) / sum(WEIGHTS[:4])
    ember.manual_seed(99)
    drawn = ember.multinomial(ember.tensor(WEIGHTS[:4]).expand(20000, 4), 2).numpy()
    assert (drawn[:, 0] != drawn[:, 1]).all()
    stat, dof = _chi_square(np.bincount(drawn[:, 0], minlength=4), p)
    assert stat < CHI2_9999[dof]
    second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(4) if i != j) for j in range(4)])
    stat, dof = _chi_square(np.bincount(drawn[:, 1], minlength=4), second)
    assert stat < CHI2_9999[dof]


def test_rows_are_independent_distributions():
    weights = ember.tensor([[0.0, 1.0, 0.0], [5.0, 0.0, 5.0]])
    ember.manual_seed(5)
    drawn = ember.multinomial(weights, 1000, replacement=True).numpy()
    assert tuple(drawn.shape) == (2, 1000)
    assert (drawn[0] == 1).all()
    assert set(drawn[1]) == {0, 2}
    assert abs((drawn[1] == 0).mean() - 0.5) < 0.07


def test_without_replacement_is_a_permutation_of_distinct_categories():
    ember.manual_seed(0)
    drawn = ember.multinomial(ember.rand(50, 7) + 0.01, 7).numpy()
    assert (np.sort(drawn, axis=1) == np.arange(7)).all()


def test_zero_weights_come_last_without_replacement():
    """As in torch: once the positive weights are taken, zero-weight categories follow."""
    ember.manual_seed(0)
    for _ in range(20):
        drawn = ember.multinomial(ember.tensor([0.0, 3.0, 0.0, 1.0]), 4).tolist()
        assert sorted(drawn[:2]) == [1, 3] and sorted(drawn[2:]) == [0, 2]


def test_zero_weight_never_drawn_with_replacement():
    ember.manual_seed(3)
    drawn = ember.multinomial(ember.tensor([0.0, 1e-30, 0.0]), 2000, replacement=True)
    assert (drawn == 1).all()


def test_reproducible_under_manual_seed_and_generators():
    weights = ember.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    for replacement in (False, True):
        ember.manual_seed(42)
        a = ember.multinomial(weights, 3, replacement)
        b = ember.multinomial(weights, 3, replacement)
        ember.manual_seed(42)
        assert ember.equal(a, ember.multinomial(weights, 3, replacement))
        assert ember.equal(b, ember.multinomial(weights, 3, replacement))
        state = ember.get_rng_state()
        g1 = ember.Generator().manual_seed(7)
        g2 = ember.Generator().manual_seed(7)
        x = weights.multinomial(3, replacement, generator=g1)
        assert ember.equal(x, ember.multinomial(weights, 3, replacement, generator=g2))
        assert ember.equal(ember.get_rng_state(), state), "a generator= draw advanced the default generator"


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16, ember.float32, ember.float64])
def test_floating_dtypes_and_layouts(dtype):
    weights = ember.tensor([[1.0, 0.0], [0.0, 2.0], [4.0, 0.0]], dtype=dtype).t()  # non-contiguous (2, 3)
    before = weights.clone()
    drawn = ember.multinomial(weights, 5, replacement=True)
    assert drawn.dtype == ember.int64 and tuple(drawn.shape) == (2, 5)
    assert set(drawn[0].tolist()) <= {0, 2} and set(drawn[1].tolist()) == {1}
    assert ember.equal(weights, before)


def test_zero_rows_and_grad_inputs():
    assert tuple(ember.multinomial(ember.ones(0, 3), 2).shape) == (0, 2)
    w = ember.ones(4, requires_grad=True)
    drawn = w.multinomial(2)
    assert not drawn.requires_grad and drawn.dtype == ember.int64


def test_out():
    out = ember.empty(3, dtype=ember.int64)
    got = ember.multinomial(ember.ones(3), 3, out=out)
    assert got is out and sorted(out.tolist()) == [0, 1, 2]
    with pytest.raises(RuntimeError, match="multinomial"):
        ember.multinomial(ember.ones(3), 3, out=ember.empty(2, dtype=ember.int64))


BAD = [
    (lambda m: m.multinomial(m.tensor([1.0, -1.0]), 1), RuntimeError, "inf`, `nan` or element < 0"),
    (lambda m: m.multinomial(m.tensor([1.0, float("inf")]), 1), RuntimeError, "inf`, `nan` or element < 0"),
    (lambda m: m.multinomial(m.tensor([1.0, float("nan")]), 1, True), RuntimeError, "inf`, `nan` or element < 0"),
    (lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1), RuntimeError, "sum of probabilities <= 0"),
    (lambda m: m.multinomial(m.tensor([[1.0, 1.0], [0.0, 0.0]]), 1, True), RuntimeError,
     "sum of probabilities <= 0"),
    (lambda m: m.multinomial(m.ones(3), 4), RuntimeError, "n_sample > prob_dist.size\\(-1\\)"),
    (lambda m: m.multinomial(m.ones(3), 0), RuntimeError, "n_sample <= 0"),
    (lambda m: m.multinomial(m.ones(3), -2, True), RuntimeError, "n_sample <= 0"),
    (lambda m: m.multinomial(m.tensor(1.0), 1), RuntimeError, "1 or 2 dim"),
    (lambda m: m.multinomial(m.ones(2, 2, 2), 1), RuntimeError, "1 or 2 dim"),
    (lambda m: m.multinomial(m.ones(2, dtype=m.int64), 1), RuntimeError, "floating-point dtypes"),
    (lambda m: m.multinomial(m.ones(3), 2.0), TypeError, "num_samples"),
    (lambda m: m.multinomial(m.ones(3), True), TypeError, "num_samples"),
    (lambda m: m.multinomial(m.ones(3), 1, generator=3), TypeError, "[Gg]enerator"),
]


@pytest.mark.parametrize("case", range(len(BAD)))
def test_errors_match_torch(case):
    make, exc, match = BAD[case]
    with pytest.raises(exc, match=match):
        make(ember)
    torch = pytest.importorskip("torch")
    with pytest.raises(exc, match=match):
        make(torch)


def test_in_a_categorical_sampling_loop():
    """What a language-model sampling script does: softmax, then one draw per row."""
    ember.manual_seed(0)
    logits = ember.randn(4, 10)
    probs = ember.softmax(logits / 0.8, dim=-1)
    nxt = ember.multinomial(probs, num_samples=1)
    assert tuple(nxt.shape) == (4, 1) and ((nxt >= 0) & (nxt < 10)).all()
