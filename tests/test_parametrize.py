"""nn.utils.parametrize, nn.utils.parametrizations (weight_norm, spectral_norm) and the
hook-based nn.utils.weight_norm / spectral_norm, against PyTorch with the same weights."""
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
W = rng.standard_normal((5, 4))
B = rng.standard_normal(5)
X = rng.standard_normal((3, 4))


def _linear(lib):
    m = lib.nn.Linear(4, 5).double()
    with lib.no_grad():
        m.weight.copy_(lib.tensor(W))
        m.bias.copy_(lib.tensor(B))
    return m


def _np(t):
    return t.detach().numpy().copy()


def _modules(lib):
    nn = lib.nn

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()

    class Scale(nn.Module):
        def forward(self, X):
            return X * 2

        def right_inverse(self, A):
            return A / 2

    class Split(nn.Module):
        def forward(self, a, b):
            return a + b

        def right_inverse(self, X):
            return X * 0.25, X * 0.75

    return Symmetric, Scale, Split


def _square(lib):
    m = lib.nn.Linear(4, 4).double()
    with lib.no_grad():
        m.weight.copy_(lib.tensor(W[:4]))
        m.bias.copy_(lib.tensor(B[:4]))
    return m


def _both(fn):
    return fn(ember), fn(torch)


def test_register_parametrization_matches_torch():
    def run(lib):
        P = lib.nn.utils.parametrize
        Symmetric, Scale, _ = _modules(lib)
        m = _square(lib)
        P.register_parametrization(m, "weight", Symmetric())
        P.register_parametrization(m, "weight", Scale())
        out = {"class": type(m).__name__, "keys": sorted(m.state_dict()), "weight": _np(m.weight),
               "original": _np(m.parametrizations.weight.original),
               "is": (P.is_parametrized(m), P.is_parametrized(m, "weight"), P.is_parametrized(m, "bias")),
               "type_before": P.type_before_parametrizations(m).__name__}
        y = m(lib.tensor(X))
        y.sum().backward()
        out["y"] = _np(y)
        out["grad"] = m.parametrizations.weight.original.grad.numpy().copy()
        m.weight = lib.tensor(np.eye(4) * 3)  # through both right_inverses
        out["assigned"] = _np(m.parametrizations.weight.original)
        out["after"] = _np(m.weight)
        return out
    e, t = _both(run)
    assert e.keys() == t.keys()
    for k in e:
        if isinstance(e[k], np.ndarray):
            np.testing.assert_allclose(e[k], t[k], rtol=1e-12, atol=1e-12, err_msg=k)
        else:
            assert e[k] == t[k], k


def test_parametrized_class_is_per_instance_and_removal_restores_it():
    Symmetric, _, _ = _modules(ember)
    P = ember.nn.utils.parametrize
    m, other = _square(ember), _square(ember)
    weight = m.weight
    P.register_parametrization(m, "weight", Symmetric())
    assert type(m).__name__ == "ParametrizedLinear" and type(other) is ember.nn.Linear
    assert m.parametrizations.weight.original is weight  # the same Parameter object, right-inverted
    P.remove_parametrizations(m, "weight")
    assert type(m) is ember.nn.Linear and not hasattr(m, "parametrizations")
    assert m.weight is weight
    np.testing.assert_allclose(_np(m.weight), _np(m.weight).T)  # left parametrized
    with pytest.raises(ValueError, match="does not have a parametrization"):
        P.remove_parametrizations(m, "weight")


def test_remove_without_leaving_parametrized_and_multiple_originals():
    def run(lib):
        P = lib.nn.utils.parametrize
        Symmetric, _, Split = _modules(lib)
        m = _square(lib)
        P.register_parametrization(m, "weight", Symmetric())
        P.remove_parametrizations(m, "weight", leave_parametrized=False)
        kept = _np(m.weight)
        P.register_parametrization(m, "bias", Split())
        keys = sorted(m.state_dict())
        values = (_np(m.parametrizations.bias.original0), _np(m.parametrizations.bias.original1), _np(m.bias))
        P.remove_parametrizations(m, "bias")
        return kept, keys, values, _np(m.bias), sorted(m.state_dict())
    e, t = _both(run)
    np.testing.assert_allclose(e[0], t[0], atol=1e-12)  # the right-inverted original: upper triangle
    assert e[1] == t[1] and e[4] == t[4]
    for a, b in zip(e[2], t[2]):
        np.testing.assert_allclose(a, b, atol=1e-12)
    np.testing.assert_allclose(e[3], t[3], atol=1e-12)
    Split = _modules(ember)[2]
    m = _square(ember)
    ember.nn.utils.parametrize.register_parametrization(m, "bias", Split())
    with pytest.raises(ValueError, match="sequence of tensors"):
        ember.nn.utils.parametrize.remove_parametrizations(m, "bias", leave_parametrized=False)


def test_deepcopy_of_a_parametrized_module_and_pickling_refused():
    import copy
    import pickle
    Symmetric = _modules(ember)[0]
    m = _square(ember)
    ember.nn.utils.parametrize.register_parametrization(m, "weight", Symmetric())
    c = copy.deepcopy(m)
    assert type(c) is type(m) and c.parametrizations.weight.original is not m.parametrizations.weight.original
    np.testing.assert_array_equal(_np(c.weight), _np(m.weight))
    with ember.no_grad():
        c.parametrizations.weight.original.zero_()
    assert np.all(_np(c.weight) == 0) and np.any(_np(m.weight) != 0)
    with pytest.raises(RuntimeError, match="state_dict"):
        pickle.dumps(m)


def test_cached_computes_once_and_refuses_assignment():
    P = ember.nn.utils.parametrize
    calls = []

    class Count(ember.nn.Module):
        def forward(self, X):
            calls.append(1)
            return X * 1

    m = _square(ember)
    P.register_parametrization(m, "weight", Count())
    calls.clear()
    with P.cached():
        a, b = m.weight, m.weight
        assert a is b and len(calls) == 1
        with pytest.raises(RuntimeError, match="cached mode"):
            m.weight = ember.zeros(4, 4, dtype=ember.float64)
    m.weight
    assert len(calls) == 2


def test_shape_and_dtype_changes_need_unsafe():
    P = ember.nn.utils.parametrize

    class Shrink(ember.nn.Module):
        def forward(self, X):
            return X[:2]

    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(_square(ember), "weight", Shrink())
    m = _square(ember)
    P.register_parametrization(m, "weight", Shrink(), unsafe=True)
    assert m.weight.shape == (2, 4)
    with pytest.raises(ValueError, match="does not have a parameter"):
        P.register_parametrization(_square(ember), "nothing", Shrink())


@pytest.mark.parametrize("dim", [0, 1, None])
@pytest.mark.parametrize("style", ["parametrizations", "hooks"])
def test_weight_norm_matches_torch(style, dim):
    def run(lib):
        m = _linear(lib)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            if style == "parametrizations":
                lib.nn.utils.parametrizations.weight_norm(m, dim=dim)
            else:
                lib.nn.utils.weight_norm(m, dim=dim)
        y = m(lib.tensor(X))
        y.pow(2).sum().backward()
        grads = {n: p.grad.numpy().copy() for n, p in m.named_parameters()}
        state = {k: _np(v) for k, v in m.state_dict().items()}
        if style == "hooks":
            lib.nn.utils.remove_weight_norm(m)
        else:
            lib.nn.utils.parametrize.remove_parametrizations(m, "weight")
        return _np(y), grads, state, _np(m.weight), sorted(m.state_dict())
    e, t = _both(run)
    np.testing.assert_allclose(e[0], t[0], rtol=1e-12)
    assert e[1].keys() == t[1].keys() and e[2].keys() == t[2].keys()
    for k in e[1]:
        np.testing.assert_allclose(e[1][k], t[1][k], rtol=1e-10, atol=1e-12, err_msg=k)
    for k in e[2]:
        np.testing.assert_allclose(e[2][k], t[2][k], rtol=1e-12, err_msg=k)
    np.testing.assert_allclose(e[3], W, rtol=1e-12)
    assert e[4] == t[4] == ["bias", "weight"]


def test_hook_weight_norm_is_deprecated_and_loads_into_the_parametrization():
    with pytest.warns(FutureWarning, match="deprecated"):
        old = ember.nn.utils.weight_norm(_linear(ember))
    new = ember.nn.utils.parametrizations.weight_norm(_linear(ember))
    with ember.no_grad():
        old.weight_g.mul_(2)
    new.load_state_dict(old.state_dict())
    np.testing.assert_allclose(_np(new.weight), W * 2, rtol=1e-12)
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ember.nn.utils.weight_norm(old)


def _spectral(lib, style, module, **kw):
    if style == "parametrizations":
        lib.nn.utils.parametrizations.spectral_norm(module, **kw)
        sn = module.parametrizations.weight[0]
        return lambda: (sn._u, sn._v), lambda: module.parametrizations.weight.original
    lib.nn.utils.spectral_norm(module, **kw)
    return lambda: (module.weight_u, module.weight_v), lambda: module.weight_orig


@pytest.mark.parametrize("style", ["parametrizations", "hooks"])
@pytest.mark.parametrize("iterations", [1, 3])
def test_spectral_norm_matches_torch_from_the_same_u_and_v(style, iterations):
    me, mt = _linear(ember), _linear(torch)
    uv_e, orig_e = _spectral(ember, style, me, n_power_iterations=iterations)
    uv_t, orig_t = _spectral(torch, style, mt, n_power_iterations=iterations)
    assert sorted(me.state_dict()) == sorted(mt.state_dict())
    with ember.no_grad():
        for a, b in zip(uv_e(), uv_t()):
            a.copy_(ember.tensor(b.numpy()))
    x_e, x_t = ember.tensor(X), torch.tensor(X)
    for _ in range(4):  # training: one power step per forward pass, gradients accumulating
        ye, yt = me(x_e), mt(x_t)
        ye.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(_np(ye), _np(yt), rtol=1e-10)
    for a, b in zip(uv_e(), uv_t()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(orig_e().grad.numpy(), orig_t().grad.numpy(), rtol=1e-9, atol=1e-12)
    me.eval()
    mt.eval()
    before = [a.numpy().copy() for a in uv_e()]
    np.testing.assert_allclose(_np(me(x_e)), _np(mt(x_t)), rtol=1e-10)
    for a, b in zip(uv_e(), before):
        np.testing.assert_array_equal(a.numpy(), b)  # evaluation: no power step
    # W's largest singular value is well above 1; after a few power steps the weight's is about 1
    assert np.linalg.svd(W, compute_uv=False)[0] > 2.0
    np.testing.assert_allclose(np.linalg.svd(_np(me.weight), compute_uv=False)[0], 1.0, rtol=0.05)


def test_spectral_norm_dims_and_errors():
    conv_t = ember.nn.ConvTranspose2d(3, 4, 2)
    ember.nn.utils.parametrizations.spectral_norm(conv_t)
    assert conv_t.parametrizations.weight[0].dim == 1  # transposed convolutions: dim 1 by default
    assert conv_t.parametrizations.weight[0]._u.shape == (4,)
    with pytest.raises(ValueError, match="n_power_iterations"):
        ember.nn.utils.parametrizations.spectral_norm(_linear(ember), n_power_iterations=0)
    with pytest.raises(ValueError, match="no parameter or buffer"):
        ember.nn.utils.parametrizations.spectral_norm(_linear(ember), name="nothing")
    m = ember.nn.utils.spectral_norm(_linear(ember))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        ember.nn.utils.spectral_norm(m)
    ember.nn.utils.remove_spectral_norm(m)
    assert sorted(m.state_dict()) == ["bias", "weight"] and isinstance(m.weight, ember.nn.Parameter)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("orthogonal_map,use_trivialization", [
    ("matrix_exp", True), ("matrix_exp", False), ("cayley", True), ("cayley", False), ("householder", True)])
def test_orthogonal_matches_torch(shape, orthogonal_map, use_trivialization):
    out, inp = shape
    w = np.random.default_rng(out * 10 + inp).standard_normal(shape)
    x = np.random.default_rng(1).standard_normal((2, inp))

    def run(lib):
        m = lib.nn.Linear(inp, out, bias=False).double()
        with lib.no_grad():
            m.weight.copy_(lib.tensor(w))
        lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map=orthogonal_map,
                                                 use_trivialization=use_trivialization)
        weight = _np(m.weight)
        m(lib.tensor(x)).pow(2).sum().backward()
        return weight, m.parametrizations.weight.original.grad.numpy().copy()
    (we, ge), (wt, gt) = run(ember), run(torch)
    np.testing.assert_allclose(we, wt, atol=1e-12)
    small = min(shape)
    gram = we.T @ we if out >= inp else we @ we.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)
    # a wide trivialized matrix is completed with random columns: its gradient depends on them
    if not (use_trivialization and out < inp):
        np.testing.assert_allclose(ge, gt, rtol=1e-9, atol=1e-12)


def test_orthogonal_assignment_and_errors():
    m = ember.nn.Linear(4, 4).double()
    ember.nn.utils.parametrizations.orthogonal(m)
    q = np.linalg.qr(np.random.default_rng(0).standard_normal((4, 4)))[0]
    m.weight = ember.tensor(q)
    np.testing.assert_allclose(_np(m.weight), q, atol=1e-12)
    with pytest.raises(ValueError, match="Expected a matrix"):
        ember.nn.utils.parametrizations.orthogonal(ember.nn.Linear(3, 3), name="bias")
    with pytest.raises(ValueError, match="orthogonal_map"):
        ember.nn.utils.parametrizations.orthogonal(ember.nn.Linear(3, 3), orthogonal_map="qr")
    with pytest.raises(NotImplementedError, match="geqrf"):
        ember.nn.utils.parametrizations.orthogonal(ember.nn.Linear(3, 3), orthogonal_map="householder",
                                                   use_trivialization=False)
    fixed = ember.nn.Linear(3, 3).double()
    ember.nn.utils.parametrizations.orthogonal(fixed, use_trivialization=False)
    with pytest.raises(NotImplementedError, match="use_trivialization=False"):
        fixed.weight = ember.eye(3, dtype=ember.float64)
