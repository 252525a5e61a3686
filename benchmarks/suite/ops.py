"""Op-level cases: per-call overhead on tiny tensors and the kernels' speed on typical sizes,
written once against the PyTorch API and run with `lib` = ember or torch (numpy as a third peer
where it has the op).

`cases(scale)` lists them; scale "full" is the suite's sizes, "quick" smaller ones (and no
2048 GEMM), "check" tiny ones for the tests. A case's `data()` makes its inputs with numpy (fixed
seed), `torchlike(lib, device, data)` and `numpy(data)` return the function to time, and every
such function returns its result, so that `compare` can check ember against its peers.
`flops` and `bytes` (the least traffic: each operand read or written once) are per call.
"""
import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np


@dataclass
class Case:
    name: str
    group: str
    what: str
    data: Callable[[], dict]
    torchlike: Callable
    numpy: Optional[Callable] = None
    flops: Optional[float] = None
    bytes: Optional[float] = None
    dtype: str = "float32"
    rtol: float = 1e-4
    atol: float = 1e-5
    # "values": the results must agree; "shape": random numbers, only shape and dtype must
    compare_by: str = "values"
    # GEMM-like cases also report their share of the one-core and all-core FMA peak
    peak_shares: bool = False


def _rng(seed=0):
    return np.random.default_rng(seed)


def _randn(shape, seed=0, dtype=np.float32):
    return _rng(seed).standard_normal(shape).astype(dtype)


def tensor(lib, device, array, grad=False):
    """`array` as a lib tensor on device (a copy: in-place cases must not share numpy's buffer)."""
    t = lib.from_numpy(np.array(array, copy=True)).to(device)
    return t.requires_grad_() if grad else t


def to_numpy(result):
    """A case's result (a tensor, an array, or a tuple or list of them) as numpy arrays."""
    if isinstance(result, (tuple, list)):
        return tuple(to_numpy(r) for r in result)
    if hasattr(result, "detach"):
        return result.detach().cpu().numpy()
    return np.asarray(result)


def compare(case, reference, result):
    """Raises AssertionError where `result` differs from `reference` (both from to_numpy)."""
    ref, got = _flat(reference), _flat(result)
    assert len(ref) == len(got), f"{case.name}: {len(got)} results, expected {len(ref)}"
    for i, (r, g) in enumerate(zip(ref, got)):
        assert r.shape == g.shape, f"{case.name} result {i}: shape {g.shape}, expected {r.shape}"
        if case.compare_by == "values":  # complex results compared as complex: both parts count
            wide = np.complex128 if np.iscomplexobj(r) or np.iscomplexobj(g) else np.float64
            np.testing.assert_allclose(g.astype(wide), r.astype(wide), rtol=case.rtol, atol=case.atol,
                                       err_msg=f"{case.name} result {i}")
        else:
            assert g.dtype == r.dtype, f"{case.name} result {i}: dtype {g.dtype}, expected {r.dtype}"
            assert np.isfinite(g).all(), f"{case.name} result {i}: not finite"


def _flat(result):
    return [a for r in result for a in _flat(r)] if isinstance(result, tuple) else [np.asarray(result)]


def _fwd_bwd(lib, forward, inputs, grad_out):
    """The forward output and the gradients of `inputs`, through lib.autograd.grad (which
    accumulates nothing, so every call does the same work)."""
    out = forward()
    return (out,) + tuple(lib.autograd.grad(out, inputs, grad_out))


def _mn(n):
    return f"{n // (1 << 20)}M" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n:,}"


def _shape(shape):
    return "x".join(str(s) for s in shape)


# ---- overhead -------------------------------------------------------------------------------------

def _overhead_cases():
    def data():
        return {"a": np.full(1, 1.5, np.float32), "b": np.full(1, 0.5, np.float32),
                "x": np.array([[1.0, 2.0]], np.float32), "w": np.full((1, 2), 0.25, np.float32),
                "bias": np.full(1, 0.1, np.float32)}

    ops = [  # name, code, torch-like call, numpy call
        ("add", "a + b", lambda a, b, x, w, bias, F: a + b, lambda d: d["a"] + d["b"]),
        ("sum(dim=1, keepdim=True)", "x.sum(dim=1, keepdim=True)", lambda a, b, x, w, bias, F: x.sum(dim=1, keepdim=True),
         lambda d: d["x"].sum(axis=1, keepdims=True)),
        ("view(-1)", "x.view(-1)", lambda a, b, x, w, bias, F: x.view(-1), lambda d: d["x"].reshape(-1)),
        ("x[:, 1]", "x[:, 1]", lambda a, b, x, w, bias, F: x[:, 1], lambda d: d["x"][:, 1]),
        ("linear", "F.linear(x, w, b), x 1x2, w 1x2", lambda a, b, x, w, bias, F: F.linear(x, w, bias),
         lambda d: d["x"] @ d["w"].T + d["bias"]),
    ]
    out = []
    for grad in (False, True):
        for name, code, call, np_call in ops:
            def torchlike(lib, device, d, call=call, grad=grad):
                t = {k: tensor(lib, device, v, grad=grad) for k, v in d.items()}
                F = lib.nn.functional
                return lambda: call(t["a"], t["b"], t["x"], t["w"], t["bias"], F)

            np_fn = None if grad else (lambda d, np_call=np_call: (lambda: np_call(d)))
            suffix = " (requires_grad)" if grad else ""
            out.append(Case(f"overhead {name}{suffix}", "overhead",
                            f"{code} on tiny float32 tensors{', inputs requiring grad (records a node)' if grad else ''}",
                            data, torchlike, np_fn))

    def chain(lib, device, d):
        w = tensor(lib, device, d["a"], grad=True)

        def run():
            w.grad = None
            y = w
            for _ in range(50):
                y = y * 1.01
                y = y + 0.01
            y.sum().backward()
            return y, w.grad
        return run
    out.append(Case("overhead 100-op chain fwd+bwd", "overhead",
                    "50 x (y * 1.01, y + 0.01) on a 1-element tensor requiring grad, then sum().backward()",
                    data, chain))
    return out


# ---- elementwise, reductions, softmax -------------------------------------------------------------

def _elementwise_cases(scale):
    n = {"full": 1 << 24, "quick": 1 << 22, "check": 1003}[scale]
    side = {"full": 4096, "quick": 2048, "check": 33}[scale]

    def vec():
        return {"a": _randn(n, 0), "b": _randn(n, 1)}

    def binary(op):
        def torchlike(lib, device, d):
            a, b = tensor(lib, device, d["a"]), tensor(lib, device, d["b"])
            return lambda: op(a, b)
        return torchlike

    def exp(lib, device, d):
        a = tensor(lib, device, d["a"])
        return lambda: a.exp()

    def total(lib, device, d):
        a = tensor(lib, device, d["a"])
        return lambda: a.sum()

    def mats():
        return {"a": _randn((side, side), 0), "b": _randn((side, side), 1)}

    def transposed(lib, device, d):
        a, b = tensor(lib, device, d["a"]), tensor(lib, device, d["b"])
        return lambda: a.t() + b

    f = 4
    return [
        Case(f"add {_mn(n)}", "elementwise", f"a + b, {n:,} float32", vec, binary(lambda a, b: a + b),
             lambda d: (lambda: d["a"] + d["b"]), flops=n, bytes=3 * f * n),
        Case(f"mul {_mn(n)}", "elementwise", f"a * b, {n:,} float32", vec, binary(lambda a, b: a * b),
             lambda d: (lambda: d["a"] * d["b"]), flops=n, bytes=3 * f * n),
        Case(f"exp {_mn(n)}", "elementwise", f"a.exp(), {n:,} float32", vec, exp,
             lambda d: (lambda: np.exp(d["a"])), bytes=2 * f * n, rtol=2e-6),
        Case(f"add transposed {side}x{side}", "elementwise", f"a.t() + b, {side}x{side} float32", mats, transposed,
             lambda d: (lambda: d["a"].T + d["b"]), flops=side * side, bytes=3 * f * side * side),
        Case(f"sum {_mn(n)}", "reduction", f"a.sum(), {n:,} float32", vec, total,
             lambda d: (lambda: d["a"].sum()), flops=n, bytes=f * n, rtol=1e-4, atol=1e-2),
    ]


def _softmax_cases(scale):
    shapes = {"full": [(4096, 1024), (3072, 64)], "quick": [(2048, 512), (3072, 64)],
              "check": [(7, 33), (5, 64)]}[scale]
    out = []
    for shape in shapes:
        def torchlike(lib, device, d):
            x = tensor(lib, device, d["x"])
            F = lib.nn.functional
            return lambda: F.softmax(x, dim=-1)
        out.append(Case(f"softmax {_shape(shape)}", "softmax", f"F.softmax(x, dim=-1), {_shape(shape)} float32",
                        lambda shape=shape: {"x": _randn(shape)}, torchlike, bytes=2 * 4 * math.prod(shape),
                        rtol=1e-5, atol=1e-7))
    return out


# ---- normalisation --------------------------------------------------------------------------------

def _norm_cases(scale):
    ln_shapes = {"full": [(64, 64), (1024, 1024), (4096, 1024)], "quick": [(64, 64), (1024, 1024), (2048, 512)],
                 "check": [(4, 8), (6, 16), (5, 32)]}[scale]
    nchw = {"full": (32, 64, 16, 16), "quick": (32, 64, 16, 16), "check": (2, 8, 3, 3)}[scale]
    groups = 8 if scale != "check" else 4
    specs = []  # name, shape, parameter width, call(F, x, w, b)
    for shape in ln_shapes:
        specs.append((f"layer_norm {_shape(shape)}", shape, shape[-1],
                      lambda F, x, w, b, c=shape[-1]: F.layer_norm(x, (c,), w, b), "F.layer_norm(x, (C,), w, b)"))
    specs.append((f"group_norm {_shape(nchw)}", nchw, nchw[1],
                  lambda F, x, w, b: F.group_norm(x, groups, w, b), f"F.group_norm(x, {groups}, w, b)"))
    specs.append((f"batch_norm {_shape(nchw)}", nchw, nchw[1],
                  lambda F, x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                  "F.batch_norm(x, None, None, w, b, training=True)"))
    out = []
    for name, shape, c, call, code in specs:
        def data(shape=shape, c=c):
            return {"x": _randn(shape, 0), "w": 1 + 0.1 * _randn(c, 1), "b": 0.1 * _randn(c, 2),
                    "g": _randn(shape, 3)}
        out += _fwd_and_bwd(name, "norm", f"{code}, {_shape(shape)} float32", data, call, math.prod(shape),
                            ("x", "w", "b"), rtol=1e-4, atol=2e-4)
    return out


def _fwd_and_bwd(name, group, what, data, call, numel, grad_names, rtol, atol, numpy=None):
    """A forward case and a forward+backward one for call(F, *inputs)."""
    def fwd(lib, device, d):
        F = lib.nn.functional
        inputs = [tensor(lib, device, d[k]) for k in grad_names]
        return lambda: call(F, *inputs)

    def fwd_bwd(lib, device, d):
        F = lib.nn.functional
        inputs = [tensor(lib, device, d[k], grad=True) for k in grad_names]
        g = tensor(lib, device, d["g"])
        return lambda: _fwd_bwd(lib, lambda: call(F, *inputs), inputs, g)

    # forward reads x and writes y; backward reads x and the output's gradient, writes x's
    return [Case(f"{name} fwd", group, what, data, fwd, numpy, bytes=2 * 4 * numel, rtol=rtol, atol=atol),
            Case(f"{name} fwd+bwd", group, what + ", and the gradients by autograd.grad", data, fwd_bwd,
                 bytes=5 * 4 * numel, rtol=rtol, atol=atol)]


# ---- activations ----------------------------------------------------------------------------------

def _activation_cases(scale):
    shapes = {"full": [(64, 64), (4096, 1024)], "quick": [(64, 64), (2048, 512)], "check": [(5, 7), (9, 13)]}[scale]
    acts = [  # name, numpy version where numpy has the op
        ("gelu", None), ("silu", None), ("relu", lambda x: np.maximum(x, 0)), ("sigmoid", None), ("tanh", np.tanh),
    ]
    out = []
    for shape in shapes:
        for act, np_op in acts:
            def data(shape=shape):
                return {"x": _randn(shape, 0), "g": _randn(shape, 1)}
            np_fn = None if np_op is None else (lambda d, np_op=np_op: (lambda: np_op(d["x"])))
            out += _fwd_and_bwd(f"{act} {_shape(shape)}", "activation", f"F.{act}(x), {_shape(shape)} float32", data,
                                lambda F, x, act=act: getattr(F, act)(x), math.prod(shape), ("x",),
                                rtol=1e-5, atol=1e-6, numpy=np_fn)
    return out


# ---- matrix products ------------------------------------------------------------------------------

def _matmul_cases(scale):
    sizes = {"full": [64, 128, 256, 512, 1024, 2048], "quick": [64, 128, 256, 512, 1024],
             "check": [3, 8, 16, 31, 33, 65]}[scale]
    f64 = {"full": 1024, "quick": 1024, "check": 17}[scale]
    batch, side = {"full": (512, 32), "quick": (512, 32), "check": (4, 5)}[scale]

    def mm(lib, device, d):
        a, b = tensor(lib, device, d["a"]), tensor(lib, device, d["b"])
        return lambda: a @ b

    def np_mm(d):
        a, b = d["a"], d["b"]
        return lambda: a @ b

    out = []
    for n, dtype in [(n, np.float32) for n in sizes] + [(f64, np.float64)]:
        name = "float32" if dtype == np.float32 else "float64"
        size = dtype(0).itemsize
        out.append(Case(f"matmul {name} {n}", "gemm", f"a @ b, {n}x{n} @ {n}x{n} {name}",
                        lambda n=n, dtype=dtype: {"a": _randn((n, n), 0, dtype), "b": _randn((n, n), 1, dtype)},
                        mm, np_mm, flops=2.0 * n ** 3, bytes=3 * size * n * n, dtype=name,
                        rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-4 if dtype == np.float32 else 1e-10,
                        peak_shares=True))
    out.append(Case(f"bmm {batch}x{side}x{side}", "gemm", f"a @ b, {batch} x ({side}x{side} @ {side}x{side}) float32",
                    lambda: {"a": _randn((batch, side, side), 0), "b": _randn((batch, side, side), 1)}, mm, np_mm,
                    flops=2.0 * batch * side ** 3, bytes=3 * 4 * batch * side * side, peak_shares=True, atol=1e-4))
    # complex64: 8 real flops per complex multiply-add (ember runs it as one real GEMM of twice the width)
    cn = {"full": 512, "quick": 256, "check": 9}[scale]

    def complex_pair():
        return {k: (_randn((cn, cn), s) + 1j * _randn((cn, cn), s + 2)).astype(np.complex64)
                for k, s in (("a", 0), ("b", 1))}
    out.append(Case(f"matmul complex64 {cn}", "gemm", f"a @ b, {cn}x{cn} @ {cn}x{cn} complex64", complex_pair,
                    mm, np_mm, flops=8.0 * cn ** 3, bytes=3 * 8 * cn * cn, dtype="complex64", rtol=1e-4, atol=1e-3,
                    peak_shares=True))
    return out


# ---- convolution ----------------------------------------------------------------------------------

def _conv_cases(scale):
    if scale == "check":
        layers = [("3x3 8->8 6x6 b2", (2, 8, 6, 6), (8, 8, 3, 3), dict(padding=1)),
                  ("3x3 s2 8->16 6x6 b2", (2, 8, 6, 6), (16, 8, 3, 3), dict(stride=2, padding=1)),
                  ("1x1 s2 8->16 6x6 b2", (2, 8, 6, 6), (16, 8, 1, 1), dict(stride=2)),
                  ("depthwise 3x3 8ch 7x7 b2", (2, 8, 7, 7), (8, 1, 3, 3), dict(padding=1, groups=8))]
    else:  # the ResNet block's layers (suite/models.py resnet_block) and a depthwise layer
        layers = [("3x3 64->64 16x16 b32", (32, 64, 16, 16), (64, 64, 3, 3), dict(padding=1)),
                  ("3x3 s2 64->128 16x16 b32", (32, 64, 16, 16), (128, 64, 3, 3), dict(stride=2, padding=1)),
                  ("1x1 s2 64->128 16x16 b32", (32, 64, 16, 16), (128, 64, 1, 1), dict(stride=2)),
                  ("depthwise 3x3 64ch 32x32 b32", (32, 64, 32, 32), (64, 1, 3, 3), dict(padding=1, groups=64))]
    out = []
    for name, x_shape, w_shape, kw in layers:
        n, cin, h, w = x_shape
        cout, cin_g, kh, kw_ = w_shape
        stride, pad = kw.get("stride", 1), kw.get("padding", 0)
        ho, wo = (h + 2 * pad - kh) // stride + 1, (w + 2 * pad - kw_) // stride + 1
        flops = 2.0 * n * cout * ho * wo * cin_g * kh * kw_
        traffic = 4 * (math.prod(x_shape) + math.prod(w_shape) + n * cout * ho * wo)

        def data(x_shape=x_shape, w_shape=w_shape, y_shape=(n, cout, ho, wo)):
            return {"x": _randn(x_shape, 0), "w": 0.1 * _randn(w_shape, 1), "b": _randn(w_shape[0], 2),
                    "g": _randn(y_shape, 3)}

        def fwd(lib, device, d, kw=kw):
            x, wt, b = (tensor(lib, device, d[k]) for k in ("x", "w", "b"))
            F = lib.nn.functional
            return lambda: F.conv2d(x, wt, b, **kw)

        def fwd_bwd(lib, device, d, kw=kw):
            x, wt, b = (tensor(lib, device, d[k], grad=True) for k in ("x", "w", "b"))
            g = tensor(lib, device, d["g"])
            F = lib.nn.functional
            return lambda: _fwd_bwd(lib, lambda: F.conv2d(x, wt, b, **kw), [x, wt, b], g)

        what = f"F.conv2d(x {_shape(x_shape)}, w {_shape(w_shape)}, b, {', '.join(f'{k}={v}' for k, v in kw.items())})"
        out.append(Case(f"conv {name} fwd", "conv", what, data, fwd, flops=flops, bytes=traffic,
                        peak_shares=True, rtol=1e-4, atol=1e-4))
        # backward: the input's and the weight's gradients each cost what the forward does
        out.append(Case(f"conv {name} fwd+bwd", "conv", what + ", and the gradients by autograd.grad", data, fwd_bwd,
                        flops=3 * flops, bytes=3 * traffic, peak_shares=True, rtol=1e-4, atol=1e-3))
    return out


# ---- attention, random numbers, loss, optimizer ---------------------------------------------------

def _attention_cases(scale):
    shape = (12, 4, 64, 16) if scale != "check" else (2, 2, 5, 4)
    b, h, t, dh = shape
    flops = 4.0 * b * h * t * t * dh / 2  # q k^T and p v over the causal half

    def data():
        return {"q": _randn(shape, 0), "k": _randn(shape, 1), "v": _randn(shape, 2), "g": _randn(shape, 3)}

    return _fwd_and_bwd_attention(shape, data, flops)


def _fwd_and_bwd_attention(shape, data, flops):
    def call(F, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    cases = _fwd_and_bwd(f"sdpa causal {_shape(shape)}", "attention",
                         f"F.scaled_dot_product_attention(q, k, v, is_causal=True), (B, H, T, D) = {shape} float32",
                         data, call, math.prod(shape), ("q", "k", "v"), rtol=1e-4, atol=1e-5)
    cases[0].flops, cases[0].bytes = flops, 4 * 4 * math.prod(shape)
    cases[1].flops, cases[1].bytes = 3.5 * flops, 11 * 4 * math.prod(shape)  # backward: 5 products to forward's 2
    for c in cases:
        c.peak_shares = True
    return cases


def _misc_cases(scale):
    n = {"full": 1 << 24, "quick": 1 << 22, "check": 1000}[scale]
    rows, classes = {"full": (4096, 1000), "quick": (1024, 1000), "check": (7, 10)}[scale]

    def randn(lib, device, d):
        return lambda: lib.randn(n, device=device)

    def np_randn(d):
        gen = _rng(0)
        return lambda: gen.standard_normal(n, dtype=np.float32)

    def ce_data():
        return {"x": _randn((rows, classes), 0), "y": _rng(1).integers(0, classes, rows)}

    def ce(lib, device, d):
        x, y = tensor(lib, device, d["x"], grad=True), tensor(lib, device, d["y"])
        F = lib.nn.functional

        def run():
            loss = F.cross_entropy(x, y)
            return (loss,) + tuple(lib.autograd.grad(loss, [x]))
        return run

    return [
        Case(f"randn {_mn(n)}", "random", f"randn({n:,}) float32", dict, randn, np_randn, bytes=4 * n,
             compare_by="shape"),
        Case(f"cross_entropy {rows}x{classes} fwd+bwd", "loss",
             f"F.cross_entropy(logits {rows}x{classes}, targets) and the logits' gradient", ce_data, ce,
             bytes=2 * 4 * rows * classes, rtol=1e-4, atol=1e-6),
        _adamw_case(scale),
    ]


def _gpt_parameter_shapes(n_layer, n_embd, vocab, block):
    """The parameters of a nanoGPT model (its tied head counted once)."""
    shapes = [(vocab, n_embd), (block, n_embd)]
    for _ in range(n_layer):
        shapes += [(n_embd,), (n_embd,), (3 * n_embd, n_embd), (3 * n_embd,), (n_embd, n_embd), (n_embd,),
                   (n_embd,), (n_embd,), (4 * n_embd, n_embd), (4 * n_embd,), (n_embd, 4 * n_embd), (n_embd,)]
    return shapes + [(n_embd,), (n_embd,)]


def _adamw_case(scale):
    # nanoGPT's Shakespeare-character model (6 layers, 384 wide, block 256, vocab 65): 10.7M parameters
    n_layer, n_embd = {"full": (6, 384), "quick": (2, 384), "check": (1, 8)}[scale]
    shapes = _gpt_parameter_shapes(n_layer, n_embd, 65, 256 if scale != "check" else 4)
    numel = sum(math.prod(s) for s in shapes)

    def data():
        rng = _rng(0)
        return {"p": [rng.standard_normal(s).astype(np.float32) for s in shapes],
                "g": [rng.standard_normal(s).astype(np.float32) for s in shapes]}

    def adamw(lib, device, d):
        params = []
        for p, g in zip(d["p"], d["g"]):
            param = lib.nn.Parameter(tensor(lib, device, p))
            param.grad = tensor(lib, device, g)
            params.append(param)
        opt = lib.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)

        def step():
            opt.step()
            return tuple(params)
        return step

    count = f"{numel / 1e6:.1f}M" if numel >= 1e5 else f"{numel:,}"
    return Case(f"adamw gpt {n_layer}x{n_embd} ({count} params)", "optimizer",
                f"AdamW(lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1).step() over nanoGPT's {len(shapes)} "
                f"parameters ({n_layer} layers, {n_embd} wide, {numel:,} floats)", data, adamw,
                bytes=7 * 4 * numel, rtol=1e-5, atol=1e-6)  # reads p, g, m, v; writes p, m, v


def cases(scale="full"):
    """The ops suite's cases in the order it runs them."""
    if scale not in ("full", "quick", "check"):
        raise ValueError(f"ops.cases: scale must be full, quick or check, not {scale!r}")
    return (_overhead_cases() + _elementwise_cases(scale) + _softmax_cases(scale) + _norm_cases(scale)
            + _activation_cases(scale) + _matmul_cases(scale) + _conv_cases(scale) + _attention_cases(scale)
            + _misc_cases(scale))
