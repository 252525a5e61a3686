"""ember.func against torch.func: values of every transform, nesting, pytrees, argnums and
has_aux, vmap's in_dims/out_dims/randomness, functional_call, and the errors."""
import numpy as np
import pytest

import ember
import ember.func as efunc
from ember.nn.utils.stateless import functional_call as stateless_call

torch = pytest.importorskip("torch")
tfunc = torch.func

RNG = np.random.default_rng(0)
X = RNG.standard_normal(4)
Y = RNG.standard_normal(4)


def both(array):
    return ember.tensor(array), torch.tensor(array)


def close(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            close(o, t)
        return
    if isinstance(theirs, dict):
        assert set(ours) == set(theirs)
        for k in theirs:
            close(ours[k], theirs[k])
        return
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def scalar_fn(x, y):
    return (x.sin() * y + x * x).sum()


def vector_fn(x, y):
    return (x * y.exp(), x.tanh() + y)


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), -1])
def test_grad_and_grad_and_value(argnums):
    (ex, tx), (ey, ty) = both(X), both(Y)
    close(efunc.grad(scalar_fn, argnums)(ex, ey), tfunc.grad(scalar_fn, argnums)(tx, ty))
    close(efunc.grad_and_value(scalar_fn, argnums)(ex, ey), tfunc.grad_and_value(scalar_fn, argnums)(tx, ty))


def test_grad_has_aux_pytree_inputs_and_nesting():
    (ex, tx), (ey, ty) = both(X), both(Y)
    aux_fn = lambda d: ((d["a"] * d["b"]).sum(), d["a"] + 1)
    close(efunc.grad(aux_fn, has_aux=True)({"a": ex, "b": ey}), tfunc.grad(aux_fn, has_aux=True)({"a": tx, "b": ty}))
    cube = lambda x: (x ** 3).sum()
    e0, t0 = both(np.array(1.5))
    close(efunc.grad(efunc.grad(cube))(e0), tfunc.grad(tfunc.grad(cube))(t0))
    result = efunc.grad(scalar_fn)(ex, ey)
    assert not result.requires_grad


def test_grad_through_the_callers_graph():
    x = ember.tensor(X, requires_grad=True)
    g = efunc.grad(lambda v: (v ** 3).sum())(x)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * X)


def test_vjp_jvp():
    (ex, tx), (ey, ty) = both(X), both(Y)
    (eo, efn), (to, tfn) = efunc.vjp(vector_fn, ex, ey), tfunc.vjp(vector_fn, tx, ty)
    close(eo, to)
    (ec1, tc1), (ec2, tc2) = both(RNG.standard_normal(4)), both(RNG.standard_normal(4))
    close(efn((ec1, ec2)), tfn((tc1, tc2)))
    close(efunc.jvp(vector_fn, (ex, ey), (ec1, ec2)), tfunc.jvp(vector_fn, (tx, ty), (tc1, tc2)))
    aux = lambda x: (x.sin(), x.cos())
    e_out = efunc.jvp(aux, (ex,), (ec1,), has_aux=True)
    t_out = tfunc.jvp(aux, (tx,), (tc1,), has_aux=True)
    close(e_out, t_out)


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_jacobians(transform, argnums):
    (ex, tx), (ey, ty) = both(X), both(Y)
    close(getattr(efunc, transform)(vector_fn, argnums)(ex, ey), getattr(tfunc, transform)(vector_fn, argnums)(tx, ty))
    matrix = lambda m: m @ m.T
    em, tm = both(RNG.standard_normal((2, 3)))
    close(getattr(efunc, transform)(matrix)(em), getattr(tfunc, transform)(matrix)(tm))


def test_hessian_and_mixed_nesting():
    (ex, tx), (ey, ty) = both(X), both(Y)
    close(efunc.hessian(scalar_fn)(ex, ey), tfunc.hessian(scalar_fn)(tx, ty))
    close(efunc.hessian(scalar_fn, (0, 1))(ex, ey), tfunc.hessian(scalar_fn, (0, 1))(tx, ty))
    close(efunc.jacrev(efunc.jacrev(scalar_fn))(ex, ey), tfunc.jacrev(tfunc.jacrev(scalar_fn))(tx, ty))


@pytest.mark.parametrize("in_dims,out_dims", [(0, 0), ((1, None), 0), ((0, 0), 1), ((-1, None), -1)])
def test_vmap_values(in_dims, out_dims):
    ea, ta = both(RNG.standard_normal((3, 3)))
    eb, tb = both(RNG.standard_normal((3, 3)))
    fn = lambda a, b: (a * b).sum(0) + a
    close(efunc.vmap(fn, in_dims, out_dims)(ea, eb), tfunc.vmap(fn, in_dims, out_dims)(ta, tb))


def test_vmap_pytrees_nesting_and_grad():
    ea, ta = both(RNG.standard_normal((2, 3, 4)))
    fn = lambda d: {"s": d["x"].sum(), "m": d["x"] * 2}
    close(efunc.vmap(fn)({"x": ea}), tfunc.vmap(fn)({"x": ta}))
    close(efunc.vmap(efunc.vmap(lambda v: v.sum()))(ea), tfunc.vmap(tfunc.vmap(lambda v: v.sum()))(ta))
    per_sample = lambda w, x: (w * x).sum().sin()
    ew, tw = both(RNG.standard_normal(4))
    close(efunc.vmap(efunc.grad(per_sample), in_dims=(None, 0))(ew, ea[0]),
          tfunc.vmap(tfunc.grad(per_sample), in_dims=(None, 0))(tw, ta[0]))


def test_vmap_randomness():
    x = ember.zeros(3, 2)
    with pytest.raises(RuntimeError, match="random"):
        efunc.vmap(lambda v: v + ember.rand(2))(x)
    same = efunc.vmap(lambda v: v + ember.rand(2), randomness="same")(x)
    assert np.allclose(same[0].numpy(), same[1].numpy())
    different = efunc.vmap(lambda v: v + ember.rand(2), randomness="different")(x)
    assert not np.allclose(different[0].numpy(), different[1].numpy())
    # dropout outside training is not random
    efunc.vmap(lambda v: ember.nn.functional.dropout(v, 0.5, training=False))(x)
    with pytest.raises(RuntimeError, match="randomness"):
        efunc.vmap(lambda v: v, randomness="sometimes")


def test_vmap_errors():
    with pytest.raises(ValueError, match="same size"):
        efunc.vmap(lambda a, b: a + b)(ember.ones(2), ember.ones(3))
    with pytest.raises(ValueError, match="at least one input"):
        efunc.vmap(lambda a: a, in_dims=None)(ember.ones(2))
    with pytest.raises(ValueError, match="in_dim"):
        efunc.vmap(lambda a: a, in_dims=2)(ember.ones(2, 2))
    with pytest.raises(ValueError, match="non-Tensor"):
        efunc.vmap(lambda a: a)(3.0)


def test_transform_errors():
    with pytest.raises(RuntimeError, match="scalar"):
        efunc.grad(lambda x: x * 2)(ember.ones(3))
    with pytest.raises(RuntimeError, match="argnums"):
        efunc.grad(lambda x: x.sum(), argnums=2)(ember.ones(3))
    with pytest.raises(RuntimeError, match="tuple"):
        efunc.grad(lambda x: x.sum(), has_aux=True)(ember.ones(3))
    with pytest.raises(TypeError, match="Tensor"):
        efunc.grad(lambda x: x)(2.0)
    with pytest.raises(RuntimeError, match="shape"):
        efunc.jvp(lambda x: x, (ember.ones(2),), (ember.ones(3),))
    _, fn = efunc.vjp(lambda x: x * 2, ember.ones(2))
    with pytest.raises(RuntimeError, match="shape"):
        fn(ember.ones(3))


def _linear_pair():
    em = ember.nn.Sequential(ember.nn.Linear(3, 2), ember.nn.BatchNorm1d(2))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in em.state_dict().items()})
    return em, tm


def test_functional_call_replaces_and_restores():
    em, tm = _linear_pair()
    w = RNG.standard_normal((2, 3)).astype(np.float32)
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    ours = efunc.functional_call(em, {"0.weight": ember.tensor(w)}, (ember.tensor(x),))
    theirs = tfunc.functional_call(tm, {"0.weight": torch.tensor(w)}, (torch.tensor(x),))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert isinstance(em[0].weight, ember.nn.Parameter) and not np.allclose(em[0].weight.detach().numpy(), w)
    assert stateless_call is efunc.functional_call
    # gradients reach the replacement, and functional_call composes with grad (eval mode: torch.func
    # refuses the running-statistics update of training mode)
    em.eval(), tm.eval()
    params = {k: v.detach() for k, v in em.named_parameters()}
    loss = lambda p: efunc.functional_call(em, p, ember.tensor(x)).pow(2).sum()
    tparams = {k: v.detach() for k, v in tm.named_parameters()}
    tloss = lambda p: tfunc.functional_call(tm, p, torch.tensor(x)).pow(2).sum()
    for k, g in efunc.grad(loss)(params).items():
        np.testing.assert_allclose(g.numpy(), tfunc.grad(tloss)(tparams)[k].numpy(), rtol=1e-4, atol=1e-5)


def test_functional_call_strict_ties_and_errors():
    em, _ = _linear_pair()
    with pytest.raises(RuntimeError, match="Missing key"):
        efunc.functional_call(em, {"0.weight": ember.ones(2, 3)}, ember.ones(4, 3), strict=True)
    with pytest.raises(ValueError, match="multiple dictionaries"):
        efunc.functional_call(em, ({"0.bias": ember.ones(2)}, {"0.bias": ember.ones(2)}), ember.ones(4, 3))
    with pytest.raises(RuntimeError):
        efunc.functional_call(em, {"0.weight": ember.ones(7, 7)}, ember.ones(4, 3))
    assert em[0].weight.shape == (2, 3)  # restored after the failing forward
    tied = ember.nn.Sequential(ember.nn.Linear(2, 2, bias=False), ember.nn.Linear(2, 2, bias=False))
    tied[1].weight = tied[0].weight
    out = efunc.functional_call(tied, {"0.weight": ember.eye(2)}, ember.tensor([[1.0, 2.0]]))
    assert out.tolist() == [[1.0, 2.0]]
