"""The Optimizer base against PyTorch's: step pre/post hooks (per optimizer and global, able to
replace the step's arguments, run once around any subclass's step), state_dict and
load_state_dict hooks with `prepend`, zero_grad(set_to_none=) and add_param_group's checks."""
import copy
import importlib

import numpy as np
import pytest

import ember
from ember import nn, optim

torch = pytest.importorskip("torch")


def _params(lib, n=2):
    make = nn.Parameter if lib is ember else torch.nn.Parameter
    return [make(lib.ones(3) * (i + 1)) for i in range(n)]


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_step_hooks_order_arguments_and_removal(lib):
    params = _params(lib)
    opt = lib.optim.SGD(params, lr=0.1)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o is opt, args, kwargs)))
    post = opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", args, kwargs)))
    module = importlib.import_module(lib.__name__ + ".optim.optimizer")
    gpre = module.register_optimizer_step_pre_hook(lambda o, args, kwargs: calls.append(("global pre",)))
    gpost = module.register_optimizer_step_post_hook(lambda o, args, kwargs: calls.append(("global post",)))
    closure = lambda: lib.tensor(1.5)  # noqa: E731
    try:
        assert opt.step(closure=closure).item() == 1.5
    finally:
        gpre.remove()
        gpost.remove()
    # As PyTorch's, the hooks see the whole argument tuple of step, the optimizer first.
    assert calls == [("global pre",), ("pre", True, (opt,), {"closure": closure}),
                     ("post", (opt,), {"closure": closure}), ("global post",)]
    pre.remove()
    post.remove()
    calls.clear()
    opt.step()
    assert calls == []


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_step_pre_hook_can_replace_the_arguments(lib):
    opt = lib.optim.SGD(_params(lib), lr=0.1)
    opt.register_step_pre_hook(lambda o, args, kwargs: ((o,), {"closure": lambda: lib.tensor(7.0)}))
    assert opt.step().item() == 7.0
    opt2 = lib.optim.SGD(_params(lib), lr=0.1)
    opt2.register_step_pre_hook(lambda o, args, kwargs: "nonsense")
    with pytest.raises(RuntimeError, match="must return None or a tuple of \\(new_args, new_kwargs\\)"):
        opt2.step()


class _Custom(optim.Optimizer):
    """A user optimizer written the PyTorch way: its own step, calling nothing of the base."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, dict(lr=lr))

    def step(self, closure=None):
        with ember.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])
        return None


class _CallsParent(optim.SGD):
    def step(self, closure=None):
        return super().step(closure)


def test_hooks_run_around_a_user_optimizers_own_step_once():
    for cls in (_Custom, _CallsParent):
        p = nn.Parameter(ember.ones(2))
        opt = cls([p], lr=0.5)
        calls = []
        opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
        opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
        p.grad = ember.ones(2)
        opt.step()
        assert calls == ["pre", "post"]
        np.testing.assert_allclose(p.detach().numpy(), [0.5, 0.5])


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_state_dict_hooks_and_prepend(lib):
    opt = lib.optim.Adam(_params(lib), lr=0.1)
    order = []
    opt.register_state_dict_pre_hook(lambda o: order.append("pre"))
    opt.register_state_dict_pre_hook(lambda o: order.append("pre first"), prepend=True)

    def add_note(o, sd):
        order.append("post")
        sd["note"] = "hello"

    def replace(o, sd):
        order.append("post first")
        return {**sd, "extra": 1}
    opt.register_state_dict_post_hook(add_note)
    opt.register_state_dict_post_hook(replace, prepend=True)
    sd = opt.state_dict()
    assert order == ["pre first", "pre", "post first", "post"]
    assert sd["note"] == "hello" and sd["extra"] == 1

    loaded = []

    def load_pre(o, sd):
        loaded.append("pre")
        sd = dict(sd)
        sd["param_groups"] = copy.deepcopy(sd["param_groups"])
        sd["param_groups"][0]["lr"] = 0.25
        return sd
    opt.register_load_state_dict_pre_hook(load_pre)
    handle = opt.register_load_state_dict_post_hook(lambda o: loaded.append(("post", o.param_groups[0]["lr"])))
    opt.register_load_state_dict_post_hook(lambda o: loaded.append("post first"), prepend=True)
    opt.load_state_dict(opt.state_dict())
    assert loaded == ["pre", "post first", ("post", 0.25)]
    handle.remove()
    loaded.clear()
    opt.load_state_dict(opt.state_dict())
    assert loaded == ["pre", "post first"]


def test_zero_grad_matches_torch():
    for set_to_none in (True, False):
        ours, theirs = _params(ember), _params(torch)
        opt, topt = optim.SGD(ours, lr=0.1), torch.optim.SGD(theirs, lr=0.1)
        (ours[0] * 2).sum().backward()
        (theirs[0] * 2).sum().backward()
        opt.zero_grad(set_to_none=set_to_none)
        topt.zero_grad(set_to_none=set_to_none)
        for p, tp in zip(ours, theirs):
            assert (p.grad is None) == (tp.grad is None)
            if tp.grad is not None:
                np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())
                assert p.grad.requires_grad is False


def test_zero_grad_detaches_a_gradient_with_history():
    p = nn.Parameter(ember.ones(2))
    x = ember.ones(2, requires_grad=True)
    p.grad = x * 3
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert p.grad.grad_fn is None
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_add_param_group_like_torch(lib):
    a, b, c = _params(lib, 3)
    opt = lib.optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["params"][0] is b
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="organized in ordered collections"):
        opt.add_param_group({"params": {c}})
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is int"):
        opt.add_param_group({"params": [1]})
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        opt.add_param_group({"params": [c * 2]})
    with pytest.raises(ValueError, match="cannot add param group with names to the optimizer"):
        opt.add_param_group({"params": [("c", c)]})
    with pytest.warns(UserWarning, match="duplicate parameters"):
        opt.add_param_group({"params": [c, c]})


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_named_parameters_and_their_errors(lib):
    a, b = _params(lib)
    opt = lib.optim.Adam([("a", a), ("b", b)])
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["a", "b"]
    with pytest.raises(ValueError, match="Some param names are missing"):
        lib.optim.Adam([("a", a), b])
    with pytest.raises(ValueError, match="cannot add param group without names"):
        opt.add_param_group({"params": [_params(lib, 1)[0]]})


def test_retained_non_leaf_may_be_optimized_like_torch():
    for lib in (ember, torch):
        x = lib.ones(2, requires_grad=True) * 2
        x.retain_grad()
        lib.optim.SGD([x], lr=0.1)


def test_deepcopy_of_an_optimizer_keeps_state_and_drops_nothing_needed():
    p = nn.Parameter(ember.ones(2))
    opt = optim.NAdam([p])
    p.grad = ember.ones(2)
    opt.step()
    clone = copy.deepcopy(opt)
    assert clone.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    clone.register_step_post_hook(lambda o, a, k: None)
    clone.step()
