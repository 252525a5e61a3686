"""Gradient checks generated from op_db entries, for the autograd test files of the view, shape
and indexing families: gradcheck (float64, contiguous and non-contiguous inputs) and parity of
the gradients with torch.autograd when PyTorch is installed."""
import numpy as np
import pytest

import ember
from conftest import to_numpy
from op_db import as_tuple, ember_args, to_torch

F64 = ember.float64


def cases(entries, names):
    """pytest params of the entries named (every name must exist: a renamed entry fails loudly)."""
    by_name = {e.name: e for e in entries}
    missing = [n for n in names if n not in by_name]
    assert not missing, f"op_db has no entries {missing}"
    return [pytest.param(by_name[n], id=n) for n in names]


def _flat(value):
    if isinstance(value, ember.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flat(v)]
    return []


def grad_inputs(sample, args, kwargs):
    """The tensors a gradient check differentiates: Sample.grad_args, else every floating tensor."""
    if sample.grad_args is not None:
        chosen = [t for i in sample.grad_args for t in _flat(args[i])]
    else:
        chosen = _flat(args) + _flat(list(kwargs.values()))
    out, seen = [], set()
    for t in chosen:
        if t.is_floating_point() and id(t) not in seen:
            seen.add(id(t))
            out.append(t)
    return out


def _float_outputs(result):
    return [r for r in _flat(as_tuple(result)) if r.is_floating_point()]


def check_gradients(entry, sample, noncontiguous, grad_grad=False):
    """gradcheck of entry.op at the sample: the function of the differentiated inputs (which
    gradcheck perturbs in place) returns every floating output. False when the sample has no
    floating input."""
    args, kwargs = ember_args(sample, F64, noncontiguous)
    inputs = grad_inputs(sample, args, kwargs)
    if not inputs:
        return False
    for t in inputs:
        t.requires_grad_()

    def fn(*_):
        return tuple(_float_outputs(entry.op(ember, *args, **kwargs)))

    for out in fn():
        assert out.requires_grad, f"{entry.name} {sample.name!r}: an output does not require grad"
    assert ember.autograd.gradcheck(fn, tuple(inputs))
    if grad_grad:
        assert ember.autograd.gradgradcheck(fn, tuple(inputs))
    return True


def _to_torch_leaves(torch, value, leaves):
    """to_torch, with the torch copies of the ember leaves requiring grad (in `leaves` order)."""
    if isinstance(value, ember.Tensor):
        t = to_torch(torch, value.detach())
        if id(value) in leaves:
            t.requires_grad_()
            leaves[id(value)] = t
        return t
    if isinstance(value, (list, tuple)):
        return type(value)(_to_torch_leaves(torch, v, leaves) for v in value)
    return to_torch(torch, value)


def check_torch_parity(entry, sample, rng):
    """The vector-Jacobian products of ember and torch.autograd agree for a random seed. False
    when the sample has no floating input."""
    torch = pytest.importorskip("torch")
    args, kwargs = ember_args(sample, F64)
    inputs = grad_inputs(sample, args, kwargs)
    if not inputs:
        return False
    for t in inputs:
        t.requires_grad_()
    leaves = {id(t): None for t in inputs}
    t_args = _to_torch_leaves(torch, args, leaves)
    t_kwargs = {k: _to_torch_leaves(torch, v, leaves) for k, v in kwargs.items()}
    outs = _float_outputs(entry.op(ember, *args, **kwargs))
    t_outs = [r for r in _flat_torch(torch, entry.op(torch, *t_args, **t_kwargs)) if r.is_floating_point()]
    assert len(outs) == len(t_outs)
    seeds = [rng.standard_normal(tuple(o.shape)) for o in outs]
    got = ember.autograd.grad(outs, inputs, [ember.tensor(s, dtype=F64) for s in seeds], allow_unused=True)
    t_leaves = [leaves[id(t)] for t in inputs]
    try:
        want = torch.autograd.grad([o for o in t_outs if o.requires_grad], t_leaves,
                                   [torch.from_numpy(s) for s, o in zip(seeds, t_outs) if o.requires_grad],
                                   allow_unused=True)
    except RuntimeError:
        # PyTorch's own backward fails on a few samples it does not support (scatter with a src
        # larger than the index, index_fill with negative indices): gradcheck covers them.
        return False
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None:
            assert g is None or not np.any(to_numpy(g)), f"input {i}: torch gives no gradient"
            continue
        assert g is not None, f"input {i}: no gradient, torch gives one"
        np.testing.assert_allclose(to_numpy(g.detach()), w.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{entry.name} {sample.name!r}: gradient of input {i}")
    return True


def check_entry(entry, layout, grad_grad=False):
    """check_gradients over every sample of the entry; at least one must be differentiable."""
    rng = np.random.default_rng(0)
    checked = 0
    for sample in entry.samples(rng, F64):
        checked += check_gradients(entry, sample, layout == "noncontiguous", grad_grad)
    assert checked, f"{entry.name}: no sample with a floating input"


def check_entry_torch(entry):
    rng = np.random.default_rng(1)
    checked = 0
    for sample in entry.samples(rng, F64):
        checked += check_torch_parity(entry, sample, rng)
    assert checked, f"{entry.name}: no sample with a floating input"


def _flat_torch(torch, value):
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flat_torch(torch, v)]
    return []
