"""conv_transpose2d: every legal output_padding over strides and dilations (against the NumPy
reference and PyTorch), and its relation to conv2d (it is conv2d's adjoint)."""
import itertools

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from conftest import to_numpy
from op_db_conv import _conv_transpose_reference

reference = _conv_transpose_reference(2)


def _output_padding_cases():
    for stride, dilation, padding in itertools.product((1, 2, 3), (1, 2), (0, 1)):
        for output_padding in range(max(stride, dilation)):
            yield stride, dilation, padding, output_padding


CASES = list(_output_padding_cases())


@pytest.mark.parametrize("stride,dilation,padding,output_padding", CASES,
                         ids=[f"s{s}-d{d}-p{p}-op{o}" for s, d, p, o in CASES])
def test_output_padding(stride, dilation, padding, output_padding):
    rng = np.random.default_rng(stride * 100 + dilation * 10 + output_padding)
    x_np, w_np, b_np = rng.uniform(-1, 1, (2, 4, 4, 3)), rng.uniform(-1, 1, (4, 3, 3, 2)), rng.uniform(-1, 1, 6)
    kw = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation, groups=2)
    out = F.conv_transpose2d(ember.tensor(x_np), ember.tensor(w_np), ember.tensor(b_np), **kw)
    want = reference(x_np, w_np, b_np, **kw)
    assert tuple(out.shape) == want.shape
    np.testing.assert_allclose(to_numpy(out), want, rtol=1e-12, atol=1e-12)
    try:
        import torch
    except ImportError:
        return
    t_out = torch.nn.functional.conv_transpose2d(torch.tensor(x_np), torch.tensor(w_np), torch.tensor(b_np), **kw)
    np.testing.assert_allclose(to_numpy(out), t_out.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kw", [dict(stride=2, padding=1), dict(stride=(2, 3), dilation=(2, 1)),
                                dict(groups=3, padding=2, dilation=2)], ids=["strided", "per-dim", "groups"])
def test_adjoint_of_conv2d(kw):
    """<conv2d(x, w), y> == <x, conv_transpose2d(y, w)> when the sizes correspond."""
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.uniform(-1, 1, (2, 6, 9, 10)))
    w = ember.tensor(rng.uniform(-1, 1, (6, 6 // kw.get("groups", 1), 3, 3)))
    y_shape = tuple(F.conv2d(x, w, **kw).shape)
    y = ember.tensor(rng.uniform(-1, 1, y_shape))
    # output_padding recovers the rows and columns that conv2d's floor division dropped
    stride = kw.get("stride", 1)
    stride = stride if isinstance(stride, tuple) else (stride, stride)
    shape = tuple(F.conv_transpose2d(y, w, **kw).shape)
    output_padding = tuple(x.shape[2 + d] - shape[2 + d] for d in range(2))
    assert all(0 <= op < s for op, s in zip(output_padding, stride))
    xt = F.conv_transpose2d(y, w, output_padding=output_padding, **kw)
    left = float(np.sum(to_numpy(F.conv2d(x, w, **kw)) * to_numpy(y)))
    right = float(np.sum(to_numpy(x) * to_numpy(xt)))
    assert abs(left - right) <= 1e-10 * max(1.0, abs(left))
