"""ember.version and ember.random: torch.version's and torch.random's names."""
import ember
import ember.random
import ember.version


def test_version_compares_like_torch_version():
    v = ember.__version__
    assert v == "0.1.0" and isinstance(v, str) and str(v) == "0.1.0"
    assert v >= "0.1" and v < "0.2" and v > (0, 0, 9) and v < (1, 0) and v == (0, 1)
    assert ember.version.__version__ is v
    assert ember.version.cuda is None and ember.version.hip is None and isinstance(ember.version.git_version, str)
    assert {v: 1}["0.1.0"] == 1  # hashes as the plain string


def test_random_module_names_and_fork_rng():
    assert ember.random.manual_seed is ember.manual_seed and ember.random.get_rng_state is ember.get_rng_state
    ember.random.manual_seed(7)
    with ember.random.fork_rng():
        inside = ember.rand(3).tolist()
    after = ember.rand(3).tolist()
    assert inside == after  # the state was restored on exit
    with ember.random.fork_rng(enabled=False):
        ember.rand(1)
    state = ember.random.get_rng_state()
    first = ember.rand(2).tolist()
    ember.random.set_rng_state(state)
    assert ember.rand(2).tolist() == first
