"""Tests generated from the op database (op_db.py, op_db_<family>.py): forward values against
NumPy in contiguous and non-contiguous layouts (for ops whose reference is PyTorch: the two
layouts must agree), parity with PyTorch when it is installed, and bad input."""
import numpy as np
import pytest

import ember
from conftest import DEFAULT_TOLERANCES, assert_unchanged, dtype_name, snapshot, to_numpy
from op_db import (all_entries, as_tuple, check_results, ember_args, tensors_in, to_reference,
                   to_tensor, to_torch)

ENTRIES = all_entries()


def _cases(entries):
    return [pytest.param(e, d, id=f"{e.name}-{dtype_name(d)}") for e in entries for d in e.dtypes]


def _call(entry, lib, args, kwargs):
    return entry.op(lib, *args, **kwargs)


def _flat_tensors(result):
    out = []
    for r in as_tuple(result):
        out.extend(_flat_tensors(r) if isinstance(r, (list, tuple)) else [r])
    return out


def _check_layouts_agree(entry, dtype):
    """For entries whose reference is PyTorch: without it, the non-contiguous layout must still
    give the contiguous layout's results (dtype, shape, values), and no input may change."""
    rng = np.random.default_rng(0)
    rtol, atol = entry.tolerances.get(dtype, DEFAULT_TOLERANCES.get(dtype, (0.0, 0.0)))
    for sample in entry.samples(rng, dtype):
        results = []
        for noncontiguous in (False, True):
            args, kwargs = ember_args(sample, dtype, noncontiguous)
            inputs = snapshot(*tensors_in(args), *tensors_in(kwargs))
            results.append(_flat_tensors(_call(entry, ember, args, kwargs)))
            if not entry.updates_inputs:
                assert_unchanged(inputs)
        for a, b in zip(*results):
            if not isinstance(a, ember.Tensor):
                assert a == b, f"{entry.name} sample {sample.name!r}"
                continue
            assert (a.dtype, tuple(a.shape)) == (b.dtype, tuple(b.shape)), f"{entry.name} sample {sample.name!r}"
            wide = np.complex128 if a.dtype.is_complex else np.float64
            np.testing.assert_allclose(to_numpy(b).astype(wide), to_numpy(a).astype(wide), rtol=rtol,
                                       atol=atol, equal_nan=True,
                                       err_msg=f"{entry.name} sample {sample.name!r}: layouts disagree")


@pytest.mark.parametrize("entry,dtype", _cases(ENTRIES))
def test_forward(entry, dtype):
    if entry.reference is None:
        if not entry.noncontiguous:
            pytest.skip("PyTorch is this op's reference (test_torch_parity)")
        _check_layouts_agree(entry, dtype)
        return
    rng = np.random.default_rng(0)
    layouts = (False, True) if entry.noncontiguous else (False,)
    for sample in entry.samples(rng, dtype):
        for noncontiguous in layouts:
            args, kwargs = ember_args(sample, dtype, noncontiguous)
            inputs = snapshot(*tensors_in(args), *tensors_in(kwargs))
            expected = entry.reference(*to_reference(args), **{k: to_reference(v) for k, v in kwargs.items()})
            actual = _call(entry, ember, args, kwargs)
            try:
                check_results(entry, actual, expected, dtype, sample)
                if not entry.updates_inputs:
                    assert_unchanged(inputs)
            except AssertionError as e:
                layout = "non-contiguous" if noncontiguous else "contiguous"
                raise AssertionError(f"{entry.name} sample {sample.name!r} ({layout}): {e}") from e


def _torch_results(torch, result):
    out = []
    for r in as_tuple(result):
        if isinstance(r, (list, tuple)):
            out.append([_torch_results(torch, x)[0] for x in r])
        elif isinstance(r, torch.Tensor):
            out.append(r)
        else:
            out.append(torch.tensor(r))
    return out


def _torch_to_numpy(torch, t):
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.detach().numpy()


@pytest.mark.parametrize("entry,dtype", _cases([e for e in ENTRIES if e.torch]))
def test_torch_parity(entry, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    compared = 0
    for sample in entry.samples(rng, dtype):
        args, kwargs = ember_args(sample, dtype)
        t_args = to_torch(torch, args)
        t_kwargs = {k: to_torch(torch, v) for k, v in kwargs.items()}
        try:
            expected = _torch_results(torch, _call(entry, torch, t_args, t_kwargs))
        except (RuntimeError, NotImplementedError, TypeError) as e:
            if "not implemented for" in str(e) or "Unsupported" in str(e):
                continue  # PyTorch lacks this dtype here; NumPy still checks it
            raise
        actual = as_tuple(_call(entry, ember, args, kwargs))
        assert len(actual) == len(expected), f"{entry.name}: {len(actual)} results, torch gives {len(expected)}"
        for a, e in zip(actual, expected):
            a_list, e_list = (a, e) if isinstance(e, list) else ([a], [e])
            for ai, ei in zip(a_list, e_list):
                assert dtype_name(ai.dtype) == str(ei.dtype).rsplit(".", 1)[-1], (
                    f"{entry.name} sample {sample.name!r}: dtype {ai.dtype}, torch gives {ei.dtype}")
        check_results(entry, actual, tuple(
            [_torch_to_numpy(torch, x) for x in e] if isinstance(e, list) else _torch_to_numpy(torch, e)
            for e in expected), dtype, sample)
        compared += 1
    if compared == 0:
        pytest.skip(f"PyTorch does not run {entry.name} on {dtype_name(dtype)}")


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in ENTRIES if e.errors])
def test_bad_input(entry):
    for case in entry.errors():
        args = tuple(to_tensor(a, case.dtype) for a in case.args)
        kwargs = {k: to_tensor(v, case.dtype) for k, v in case.kwargs.items()}
        inputs = snapshot(*tensors_in(args), *tensors_in(kwargs))
        with pytest.raises(case.exc, match=case.match):
            _call(entry, ember, args, kwargs)
        assert_unchanged(inputs)
