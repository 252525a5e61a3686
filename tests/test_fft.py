"""ember.fft: torch.fft's functions. numpy.fft is the oracle for values (hfft2/hfftn/ihfft2/ihfftn,
which numpy lacks, through torch's definitions in numpy's terms: irfftn of the conjugate and
the conjugate of rfftn with the dual norm); torch.fft for result dtypes and the Hermitian
transforms' semantics; ember.autograd.gradcheck for every transform's backward rule."""
import math

import numpy as np
import pytest

import ember
import ember.fft
from conftest import backend_is_torch

TOL = {np.float32: 1e-5, np.float64: 1e-12}
NORMS = [None, "backward", "ortho", "forward"]
DUAL = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}

ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
TWO_D = ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2"]
N_D = ["fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]
TRANSFORMS = ONE_D + TWO_D + N_D
REAL_INPUT = {"rfft", "rfft2", "rfftn", "ihfft", "ihfft2", "ihfftn"}  # refuse complex input
REAL_OUTPUT = {"irfft", "irfft2", "irfftn", "hfft", "hfft2", "hfftn"}


def crandn(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def signal(rng, name, shape):
    """A float64 / complex128 numpy input of the kind the transform takes."""
    return rng.standard_normal(shape) if name in REAL_INPUT else crandn(rng, shape)


def as_dtype(a, dt):
    """a in float32/float64 precision: complex data as complex64/complex128."""
    if np.iscomplexobj(a):
        return a.astype(np.complex64 if dt == np.float32 else np.complex128)
    return a.astype(dt)


def reference(name, a, sn=None, dim=None, norm=None):
    """numpy's value of ember.fft.<name>(a, sn, dim, norm) in float64 / complex128; sn and dim
    as the transform's own (n and an int dim for the 1-D ones)."""
    a = a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)
    if name in ONE_D:
        return getattr(np.fft, name)(a, n=sn, axis=-1 if dim is None else dim, norm=norm)
    axes = ((-2, -1) if name in TWO_D else None) if dim is None else dim
    if axes is None and sn is not None:  # torch's rule (numpy 2 deprecates leaving axes out)
        axes = tuple(range(a.ndim - len(sn), a.ndim))
    if name.startswith("hfft"):
        return np.fft.irfftn(np.conj(a), s=sn, axes=axes, norm=DUAL[norm])
    if name.startswith("ihfft"):
        return np.conj(np.fft.rfftn(a, s=sn, axes=axes, norm=DUAL[norm]))
    return getattr(np.fft, name.replace("2", "n"))(a, s=sn, axes=axes, norm=norm)


def call(name, x, sn=None, dim=None, norm=None):
    kwargs = {"norm": norm}
    if sn is not None:
        kwargs["n" if name in ONE_D else "s"] = sn
    if dim is not None:
        kwargs["dim"] = dim
    return getattr(ember.fft, name)(x, **kwargs)


def check(got, want, dt):
    got = got.numpy()
    assert got.shape == want.shape, f"shape {got.shape}, expected {want.shape}"
    scale = max(np.abs(want).max(initial=0.0), 1e-300)
    err = np.abs(got.astype(want.dtype) - want).max(initial=0.0)
    assert err <= TOL[dt] * scale, f"error {err:.3g} relative {err / scale:.3g}"


# ---- values against numpy ---------------------------------------------------------------------------

@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("name", ONE_D)
def test_1d_transforms_match_numpy(name, dt, rng):
    # even, odd, prime and composite lengths, under every norm; n crops, pads, or keeps
    for m in (1, 2, 7, 8, 12, 13, 17, 30):
        a = as_dtype(signal(rng, name, (3, m)), dt)
        for norm in NORMS:
            if name in REAL_OUTPUT and m == 1:  # the default length 2 * (m - 1) is 0: an error
                continue
            check(call(name, ember.from_numpy(a), norm=norm), reference(name, a, norm=norm), dt)
        for n in (1, 5, m + 3, 2 * m):
            check(call(name, ember.from_numpy(a), n, norm="ortho"), reference(name, a, n, norm="ortho"), dt)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("name", TWO_D + N_D)
def test_multi_dim_transforms_match_numpy(name, dt, rng):
    a = as_dtype(signal(rng, name, (2, 5, 6, 4)), dt)
    x = ember.from_numpy(a)
    for norm in NORMS:
        check(call(name, x, norm=norm), reference(name, a, norm=norm), dt)
    # s crops one dim and pads another; dims in any order and negative; s alone (the last dims)
    check(call(name, x, (3, 9), (1, -1), "ortho"), reference(name, a, (3, 9), (1, 3), "ortho"), dt)
    check(call(name, x, (7, 3), (-1, 0), "forward"), reference(name, a, (7, 3), (3, 0), "forward"), dt)
    check(call(name, x, (4, 5)), reference(name, a, (4, 5)), dt)
    if name in N_D:
        check(call(name, x, dim=(2,)), reference(name, a, dim=(2,)), dt)
        check(call(name, x, (3, 4, 5), (0, 3, 1)), reference(name, a, (3, 4, 5), (0, 3, 1)), dt)


@pytest.mark.parametrize("name", TWO_D + N_D)
def test_s_minus_one_keeps_the_input_size(name, rng):
    a = signal(rng, name, (4, 6))
    x = ember.from_numpy(a)
    # -1: the input's size (in the one-sided last dim of the c2r transforms: 2 * (m - 1))
    last = 2 * (6 - 1) if name in REAL_OUTPUT else 6
    check(call(name, x, (-1, -1), (0, 1)), reference(name, a, (4, last), (0, 1)), np.float64)
    check(call(name, x, (3, -1), (0, 1)), reference(name, a, (3, last), (0, 1)), np.float64)


@pytest.mark.parametrize("name", TRANSFORMS)
def test_non_contiguous_inputs(name, rng):
    a = signal(rng, name, (6, 10, 4))
    x = ember.from_numpy(a)
    views = [(x.transpose(0, 2), a.swapaxes(0, 2)), (x[::2, 1:9:3], a[::2, 1:9:3]),
             (x.permute(1, 2, 0), a.transpose(1, 2, 0))]
    for v, va in views:
        assert not v.is_contiguous()
        check(call(name, v), reference(name, va), np.float64)
        dim = 0 if name in ONE_D else (0, 1)
        check(call(name, v, dim=dim, norm="ortho"), reference(name, va, dim=dim, norm="ortho"), np.float64)


@pytest.mark.parametrize("name", TRANSFORMS)
def test_part_views_and_expanded_inputs(name, rng):
    c = crandn(rng, (5, 8))
    x = ember.from_numpy(c)
    a = c.real if name in REAL_INPUT else c
    v = x.real if name in REAL_INPUT else x
    check(call(name, v[:, 1:]), reference(name, a[:, 1:]), np.float64)  # .real: stride 2
    e = ember.from_numpy(a[0]).expand(3, 8)  # stride 0 along the batch, then along the transform
    check(call(name, e), reference(name, np.broadcast_to(a[0], (3, 8))), np.float64)
    dim = 0 if name in ONE_D else (1, 0)
    check(call(name, e, dim=dim), reference(name, np.broadcast_to(a[0], (3, 8)), dim=dim), np.float64)


@pytest.mark.ember_only
@pytest.mark.parametrize("name", TRANSFORMS)
def test_negative_step_views(name, rng):
    a = signal(rng, name, (4, 9))
    x = ember.from_numpy(a)
    check(call(name, x[::-1, ::-2]), reference(name, a[::-1, ::-2]), np.float64)


@pytest.mark.parametrize("name", TRANSFORMS)
def test_zero_size_batch(name, rng):
    # torch's CPU backend raises here; a batch of no transforms is an empty result
    dim = -1 if name in ONE_D else (-2, -1) if name in TWO_D else (1, 2)
    a = signal(rng, name, (0, 3, 4))
    got = call(name, ember.from_numpy(a), dim=dim)
    want = reference(name, np.zeros((1, 3, 4), a.dtype), dim=dim)
    assert tuple(got.shape) == (0,) + want.shape[1:]


@pytest.mark.parametrize("name", TRANSFORMS)
def test_one_element(name, rng):
    a = signal(rng, name, (1,) if name in ONE_D else (1, 1))
    sn = 1 if name in ONE_D else (1, 1)  # the c2r transforms' default length would be 0
    check(call(name, ember.from_numpy(a), sn), reference(name, a, sn), np.float64)


def test_0_dim_inputs():
    x = ember.tensor(2.5, dtype=ember.float64)
    got = ember.fft.fftn(x)  # no dims: the input itself, complex
    assert got.dtype == ember.complex128 and got.shape == () and got.item() == 2.5
    assert ember.fft.ifftn(x, dim=()).item() == 2.5
    for name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"):
        with pytest.raises(IndexError):
            getattr(ember.fft, name)(x)
    for name in ("rfftn", "irfftn", "hfftn", "ihfftn"):
        with pytest.raises(RuntimeError, match="at least one"):
            getattr(ember.fft, name)(x)


def test_large_power_of_two_and_prime(rng):
    for n in (1 << 16, 65537):
        a = crandn(rng, n).astype(np.complex64)
        check(ember.fft.fft(ember.from_numpy(a)), np.fft.fft(a.astype(np.complex128)), np.float32)
        r = rng.standard_normal(n)
        check(ember.fft.rfft(ember.from_numpy(r)), np.fft.rfft(r), np.float64)


def test_inverses_round_trip(rng):
    a = crandn(rng, (4, 9))
    x = ember.from_numpy(a)
    for norm in NORMS:
        check(ember.fft.ifft(ember.fft.fft(x, norm=norm), norm=norm), a, np.float64)
        check(ember.fft.ifftn(ember.fft.fftn(x, norm=norm), norm=norm), a, np.float64)
    r = rng.standard_normal((4, 9))
    y = ember.from_numpy(r)
    check(ember.fft.irfft(ember.fft.rfft(y), n=9), r, np.float64)
    check(ember.fft.irfftn(ember.fft.rfftn(y), s=(4, 9)), r, np.float64)
    check(ember.fft.hfft(ember.fft.ihfft(y), n=9), r, np.float64)
    check(ember.fft.hfftn(ember.fft.ihfftn(y), s=(4, 9)), r, np.float64)


# ---- dtypes ------------------------------------------------------------------------------------------

RESULT_DTYPES = [
    (ember.float32, ember.complex64, ember.float32), (ember.float64, ember.complex128, ember.float64),
    (ember.complex64, ember.complex64, ember.float32), (ember.complex128, ember.complex128, ember.float64),
]


@pytest.mark.parametrize("dtype,complex_result,real_result", RESULT_DTYPES)
def test_result_dtypes(dtype, complex_result, real_result):
    x = ember.ones(4, 6, dtype=dtype)
    for name in TRANSFORMS:
        if name in REAL_INPUT and dtype.is_complex:
            continue
        want = real_result if name in REAL_OUTPUT else complex_result
        assert getattr(ember.fft, name)(x).dtype == want, name


@pytest.mark.parametrize("dtype", [ember.int64, ember.int32, ember.uint8, ember.bool])
def test_integer_and_bool_inputs_promote_to_the_default_dtype(dtype):
    a = np.array([[1, 0, 1, 1], [0, 1, 1, 0]])
    x = ember.tensor(a.tolist(), dtype=dtype)
    got = ember.fft.fft(x)
    assert got.dtype == ember.complex64
    check(got, np.fft.fft(a), np.float32)
    assert ember.fft.rfft(x).dtype == ember.complex64
    assert ember.fft.irfft(x).dtype == ember.float32
    previous = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.fft.fft(x).dtype == ember.complex128
        assert ember.fft.hfft(x).dtype == ember.float64
    finally:
        ember.set_default_dtype(previous)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_half_precision_is_refused(dtype):
    # torch computes half only on CUDA; ember's CPU transforms run in float32/float64
    x = ember.ones(8, dtype=dtype)
    for name in ("fft", "rfft", "irfft", "fftn"):
        with pytest.raises((TypeError, RuntimeError), match="float16|bfloat16|Half|BFloat16"):
            getattr(ember.fft, name)(x)


def test_complex_input_to_the_real_transforms_is_refused():
    x = ember.ones(4, 4, dtype=ember.complex64)
    for name in sorted(REAL_INPUT):
        with pytest.raises(RuntimeError, match="real input"):
            getattr(ember.fft, name)(x)


def test_real_input_to_c2r_and_c2c_transforms(rng):
    a = rng.standard_normal((3, 7))
    x = ember.from_numpy(a)
    for name in ("fft", "ifft", "irfft", "hfft", "fft2", "irfftn", "hfftn"):
        check(call(name, x), reference(name, a.astype(np.complex128)), np.float64)


# ---- out= --------------------------------------------------------------------------------------------

def test_out(rng):
    a = crandn(rng, (3, 8))
    out = ember.empty(0, dtype=ember.complex128)
    assert ember.fft.fft(ember.from_numpy(a), out=out) is out
    check(out, np.fft.fft(a), np.float64)
    wide = ember.empty(2, dtype=ember.complex128)  # a wider dtype takes the result
    ember.fft.fft(ember.from_numpy(a.astype(np.complex64)), out=wide)
    check(wide, np.fft.fft(a.astype(np.complex64).astype(np.complex128)), np.float32)
    real_out = ember.empty(0, dtype=ember.float64)
    ember.fft.irfft(ember.from_numpy(a), out=real_out)
    check(real_out, np.fft.irfft(a), np.float64)
    with pytest.raises(TypeError, match="complex"):
        ember.fft.fft(ember.from_numpy(a), out=ember.empty(0, dtype=ember.float64))
    with pytest.raises(TypeError, match="real"):
        ember.fft.irfft(ember.from_numpy(a), out=ember.empty(0, dtype=ember.complex128))


# ---- bad input -----------------------------------------------------------------------------------

BAD_CALLS = [
    ("bad norm", lambda x: ember.fft.fft(x, norm="bad"), ValueError, "fft.*normalization.*bad"),
    ("n = 0", lambda x: ember.fft.fft(x, n=0), RuntimeError, "fft.fft.*data points \\(0\\)"),
    ("n < 0", lambda x: ember.fft.rfft(x.real, n=-3), RuntimeError, "rfft.*data points \\(-3\\)"),
    ("length 0", lambda x: ember.fft.fft(x[:, :0]), RuntimeError, "data points \\(0\\).*\\[4, 0\\]"),
    ("irfft of 1 bin", lambda x: ember.fft.irfft(x[:, :1]), RuntimeError, "irfft.*data points \\(0\\)"),
    ("s entry 0", lambda x: ember.fft.fftn(x, s=(0, 4)), RuntimeError, "fftn.*data points \\(0\\)"),
    ("s entry -2", lambda x: ember.fft.fft2(x, s=(-2, 4)), RuntimeError, "fft2.*data points \\(-2\\)"),
    ("dim out of range", lambda x: ember.fft.fft(x, dim=2), IndexError, "fft.fft.*dim 2.*\\[4, 6\\]"),
    ("dims out of range", lambda x: ember.fft.fftn(x, dim=(0, -3)), IndexError, "fftn.*dim -3"),
    ("duplicate dims", lambda x: ember.fft.fftn(x, dim=(1, -1)), RuntimeError, "fftn.*unique"),
    ("duplicate dims 2-D", lambda x: ember.fft.rfft2(x.real, dim=(0, 0)), RuntimeError, "rfft2.*unique"),
    ("len(s) != len(dim)", lambda x: ember.fft.fftn(x, s=(3,), dim=(0, 1)), RuntimeError, "fftn.*same length"),
    ("s longer than ndim", lambda x: ember.fft.ifftn(x, s=(2, 3, 4)), RuntimeError, "ifftn.*3 values.*\\[4, 6\\]"),
    ("complex to rfft", lambda x: ember.fft.rfft(x), RuntimeError, "rfft.*real input.*complex128"),
    ("complex to ihfftn", lambda x: ember.fft.ihfftn(x), RuntimeError, "ihfftn.*real input"),
    ("no dims for rfftn", lambda x: ember.fft.rfftn(x.real, dim=()), RuntimeError, "rfftn.*at least one"),
    ("float n", lambda x: ember.fft.fft(x, n=4.0), TypeError, "fft.*'n' must be int"),
    ("not a tensor", lambda x: ember.fft.fft([1.0, 2.0]), TypeError, "fft.*Tensor"),
    ("half", lambda x: ember.fft.fft(x.real.half()), RuntimeError, "fft.fft.*float16"),
    ("fftfreq int dtype", lambda x: ember.fft.fftfreq(4, dtype=ember.int64), RuntimeError, "fftfreq.*int64"),
]


@pytest.mark.parametrize("what,fn,error,message", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_input_raises_a_clear_error(what, fn, error, message):
    x = ember.ones(4, 6, dtype=ember.complex128)
    with pytest.raises(error) as info:
        fn(x)
    if not backend_is_torch():  # ember's messages name the function, shapes and dtypes
        assert info.match(message)


# ---- helpers -----------------------------------------------------------------------------------------

def test_fftfreq_and_rfftfreq_match_numpy():
    for n in (1, 2, 7, 8, 101):
        for d in (1.0, 0.25, 3):
            check(ember.fft.fftfreq(n, d, dtype=ember.float64), np.fft.fftfreq(n, d), np.float64)
            check(ember.fft.rfftfreq(n, d, dtype=ember.float64), np.fft.rfftfreq(n, d), np.float64)
    assert ember.fft.fftfreq(0).shape == (0,)  # numpy divides by zero; torch gives these
    assert math.isnan(ember.fft.rfftfreq(0).item())
    assert ember.fft.fftfreq(5).dtype == ember.float32
    assert ember.fft.rfftfreq(5, dtype=ember.complex128).dtype == ember.complex128
    t = ember.fft.fftfreq(4, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    out = ember.empty(0, dtype=ember.float64)
    assert ember.fft.fftfreq(6, out=out) is out and out.shape == (6,)


def test_fftshift_and_ifftshift_match_numpy(rng):
    for shape in ((7,), (8,), (3, 4), (5, 2, 6)):
        a = rng.standard_normal(shape)
        x = ember.from_numpy(a)
        np.testing.assert_array_equal(ember.fft.fftshift(x).numpy(), np.fft.fftshift(a))
        np.testing.assert_array_equal(ember.fft.ifftshift(x).numpy(), np.fft.ifftshift(a))
        np.testing.assert_array_equal(ember.fft.fftshift(x, dim=-1).numpy(), np.fft.fftshift(a, axes=-1))
        np.testing.assert_array_equal(ember.fft.ifftshift(x, dim=(0,)).numpy(), np.fft.ifftshift(a, axes=(0,)))
    c = ember.from_numpy(crandn(rng, (3, 5)))
    np.testing.assert_array_equal(ember.fft.ifftshift(ember.fft.fftshift(c)).numpy(), c.numpy())
    assert ember.fft.fftshift(ember.arange(5)).tolist() == [3, 4, 0, 1, 2]


def test_fftshift_is_differentiable(rng):
    x = ember.from_numpy(rng.standard_normal((3, 4))).requires_grad_()
    assert ember.autograd.gradcheck(lambda t: ember.fft.fftshift(t, dim=1) * 2, (x,))


# ---- torch parity --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", TRANSFORMS)
def test_torch_parity_values_and_dtypes(name, rng):
    torch = pytest.importorskip("torch")
    for dt in (np.float32, np.float64):
        a = as_dtype(signal(rng, name, (3, 5, 6)), dt)
        for sn, dim in ((None, None), ((4, 7) if name not in ONE_D else 7, (0, 2) if name not in ONE_D else 1)):
            for norm in (None, "ortho", "forward"):
                kwargs = {"norm": norm}
                if sn is not None:
                    kwargs.update({"n" if name in ONE_D else "s": sn, "dim": dim})
                got = getattr(ember.fft, name)(ember.from_numpy(a), **kwargs)
                want = getattr(torch.fft, name)(torch.from_numpy(a), **kwargs)
                assert str(got.dtype).rsplit(".", 1)[-1] == str(want.dtype).rsplit(".", 1)[-1]
                check(got, want.resolve_conj().numpy().astype(np.complex128 if want.is_complex() else np.float64), dt)


@pytest.mark.skipif(backend_is_torch(), reason="torch's functions are builtins without signatures")
def test_signatures_are_torchs():
    import inspect
    torch = pytest.importorskip("torch")
    for name in ember.fft.__all__:
        documented = getattr(torch.fft, name).__doc__.strip().splitlines()[0].split(" -> ")[0]
        ours = name + str(inspect.signature(getattr(ember.fft, name))).replace("ember.", "torch.")
        assert ours == documented


def test_torch_parity_integer_input_and_helpers():
    torch = pytest.importorskip("torch")
    for name in TRANSFORMS:
        got = getattr(ember.fft, name)(ember.arange(12).reshape(3, 4))
        want = getattr(torch.fft, name)(torch.arange(12).reshape(3, 4))
        assert str(got.dtype).rsplit(".", 1)[-1] == str(want.dtype).rsplit(".", 1)[-1], name
        assert tuple(got.shape) == tuple(want.shape), name
    for n in (1, 6, 7):
        np.testing.assert_allclose(ember.fft.fftfreq(n, 0.1).numpy(), torch.fft.fftfreq(n, 0.1).numpy())
        np.testing.assert_allclose(ember.fft.rfftfreq(n, 0.1).numpy(), torch.fft.rfftfreq(n, 0.1).numpy())


# ---- autograd --------------------------------------------------------------------------------------

def _grad_input(rng, name, shape):
    a = signal(rng, name, shape)
    return ember.from_numpy(a).requires_grad_()


# (name, input shape, transform arguments): odd and even lengths, n / s cropping and padding,
# multi-dim with dims out of order
GRAD_CASES = [(name, (2, 5), {}) for name in ONE_D] + [(name, (3, 4), {"n": 7}) for name in ONE_D] + [
    ("fft", (5, 2), {"n": 3, "dim": 0}), ("ifft", (2, 6), {"n": 4}), ("rfft", (2, 6), {"n": 4}),
    ("irfft", (2, 6), {"n": 5}), ("hfft", (2, 6), {"n": 4}), ("ihfft", (2, 5), {"n": 3}),
] + [(name, (3, 4), {}) for name in TWO_D] + [(name, (2, 3, 4), {"s": (4, 5), "dim": (2, 0)}) for name in TWO_D] + [
    (name, (3, 4), {}) for name in N_D] + [(name, (3, 4, 2), {"s": (2, 3, 5), "dim": (1, 2, 0)}) for name in N_D] + [
    ("fftn", (3, 2), {"dim": ()}), ("ifftn", (4,), {"s": (6,)}),
]


@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
@pytest.mark.parametrize("name,shape,kwargs", GRAD_CASES,
                         ids=[f"{n}-{'x'.join(map(str, s))}-{k}" for n, s, k in GRAD_CASES])
def test_gradcheck(name, shape, kwargs, norm, rng):
    x = _grad_input(rng, name, shape)
    fn = getattr(ember.fft, name)
    assert ember.autograd.gradcheck(lambda t: fn(t, norm=norm, **kwargs), (x,))


@pytest.mark.parametrize("name", ["fft", "fft2", "irfft", "hfftn"])
def test_gradcheck_of_real_input_to_complex_input_transforms(name, rng):
    x = ember.from_numpy(rng.standard_normal((3, 4))).requires_grad_()
    assert ember.autograd.gradcheck(lambda t: getattr(ember.fft, name)(t, norm="ortho"), (x,))


def test_gradgradcheck(rng):
    # the backward rules are transforms themselves, so they differentiate again (real outputs:
    # gradgradcheck draws its output gradients with randn, which has no complex dtypes)
    c = ember.from_numpy(crandn(rng, (2, 4))).requires_grad_()
    r = ember.from_numpy(rng.standard_normal((3, 5))).requires_grad_()
    F = ember.fft
    assert ember.autograd.gradgradcheck(lambda t: F.irfft(F.fft(t, n=6), n=5, norm="ortho"), (c,))
    assert ember.autograd.gradgradcheck(lambda t: F.hfft(F.rfft(t)), (r,))
    assert ember.autograd.gradgradcheck(lambda t: F.irfftn(F.ifftn(F.ihfftn(t)), s=(3, 4)), (r,))


def test_gradients_match_torch(rng):
    torch = pytest.importorskip("torch")
    a = crandn(rng, (3, 6))
    g = rng.standard_normal((3, 10))
    x = ember.from_numpy(a).requires_grad_()
    ember.fft.irfft(x, n=10, norm="ortho").backward(ember.from_numpy(g))
    tx = torch.from_numpy(a).requires_grad_()
    torch.fft.irfft(tx, n=10, norm="ortho").backward(torch.from_numpy(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-12)
    r = rng.standard_normal((4, 7))
    gc = crandn(rng, (4, 4))
    y = ember.from_numpy(r).requires_grad_()
    ember.fft.rfft(y).backward(ember.from_numpy(gc))
    ty = torch.from_numpy(r).requires_grad_()
    torch.fft.rfft(ty).backward(torch.from_numpy(gc))
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), atol=1e-12)


def test_out_with_grad_is_refused():
    x = ember.ones(4, dtype=ember.complex128, requires_grad=True)
    with pytest.raises(RuntimeError, match="out="):
        ember.fft.fft(x, out=ember.empty(0, dtype=ember.complex128))


@pytest.mark.skipif(backend_is_torch(), reason="checks ember's op layer")
def test_every_transform_is_an_op_with_a_backward_rule():
    from ember._op_layer import op_of
    from ember.autograd.recording import RULES
    assert sorted(ember.fft.__all__) == sorted(TRANSFORMS + ["fftfreq", "rfftfreq", "fftshift", "ifftshift"])
    for name in ember.fft.__all__:
        od = op_of(getattr(ember.fft, name))
        assert od is not None and od.name == f"fft.{name}", name
        # the helpers: creation (no input) and rolls (recorded through roll)
        assert (f"fft.{name}" in RULES) == (name in TRANSFORMS), name
    x = ember.ones(4, dtype=ember.complex128, requires_grad=True)
    assert ember.fft.fft(x).grad_fn.name() == "FftBackward0"
    assert math.isclose(ember.fft.fft(x).abs().sum().item(), 4.0)


# ---- the benchmark cases ---------------------------------------------------------------------------

def test_benchmark_cases_agree_with_their_peers():
    """benchmarks/suite/spectral.py (run.py --suite fft) at its check sizes: ember's result is
    numpy's (and torch's, when installed)."""
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
    from suite import ops, spectral
    try:
        import torch
    except ImportError:
        torch = None
    cases = spectral.cases("check")
    assert [c.name.split()[0] for c in cases] == ["fft", "fft2", "fft", "rfft"]
    assert len(spectral.cases("full")) == len(spectral.cases("quick")) == len(cases)
    for case in cases:
        data = case.data()
        got = ops.to_numpy(case.torchlike(ember, "cpu", data)())
        ops.compare(case, ops.to_numpy(case.numpy(data)()), got)
        if torch is not None:
            ops.compare(case, ops.to_numpy(case.torchlike(torch, "cpu", data)()), got)
