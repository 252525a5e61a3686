"""einsum (and tensordot/kron) against numpy.einsum: fixed equations covering traces, diagonals,
outer products, batch matmul, ellipsis broadcasting and many operands, then random equations;
PyTorch agrees where installed. Bad equations raise ValueError naming the problem."""
import string

import numpy as np
import pytest

import ember
from conftest import assert_close, snapshot, assert_unchanged, to_numpy

CASES = [
    ("ii", [(4, 4)]), ("ii->i", [(4, 4)]), ("ii->", [(3, 3)]), ("iii->i", [(2, 2, 2)]),
    ("ij->", [(3, 4)]), ("ij->j", [(3, 4)]), ("ij->ji", [(3, 4)]), ("ijk->kji", [(2, 3, 4)]),
    ("i,i->", [(5,), (5,)]), ("i,j->ij", [(3,), (4,)]), ("i,j", [(3,), (4,)]), ("i,i->i", [(3,), (3,)]),
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("ij,jk", [(3, 4), (4, 5)]), ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("ij,ij->", [(3, 4), (3, 4)]), ("ij,ji->", [(3, 4), (4, 3)]), ("ij,j->i", [(3, 4), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("bij,bjk->bki", [(2, 3, 4), (2, 4, 5)]),
    ("bij,jk->bik", [(2, 3, 4), (4, 5)]), ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]), ("...ij->...ji", [(2, 3, 4)]),
    ("...,...->...", [(2, 3), (3,)]), ("i...->...", [(3, 2, 2)]), ("...i->...", [(2, 3, 4)]),
    ("i...i->...", [(3, 2, 3)]), ("ij...,jk...->ik...", [(2, 3, 4), (3, 5, 4)]),
    ("ii,ij->j", [(3, 3), (3, 4)]), ("iij,jk->ik", [(3, 3, 2), (2, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("ij,jk,kl,lm->im", [(2, 3), (3, 4), (4, 2), (2, 3)]),
    ("abc,cde,ea->bd", [(2, 3, 4), (4, 2, 3), (3, 2)]), ("i,j,k->ijk", [(2,), (3,), (4,)]),
    ("ab,ab,ab->ab", [(2, 3), (2, 3), (2, 3)]), ("Ab,bC->AC", [(2, 3), (3, 4)]), ("aA->Aa", [(2, 3)]),
    ("ij,jk->ik", [(0, 3), (3, 4)]), ("ij,jk->ik", [(3, 0), (0, 4)]), ("ij->i", [(3, 0)]),
    ("i,j->", [(3,), (4,)]), ("i->", [(1,)]), ("", [()]), (",->", [(), ()]), ("i,->i", [(3,), ()]),
]


def _operands(rng, shapes, dtype=ember.float64):
    arrays = [rng.uniform(-2, 2, size=s) for s in shapes]
    return arrays, [ember.tensor(a, dtype=dtype) for a in arrays]


@pytest.mark.parametrize("equation,shapes", CASES, ids=[c[0] or "scalar" for c in CASES])
def test_against_numpy(equation, shapes):
    rng = np.random.default_rng(0)
    arrays, tensors = _operands(rng, shapes)
    before = snapshot(*tensors)
    got = ember.einsum(equation, *tensors)
    assert_close(got, np.asarray(np.einsum(equation, *arrays)), ember.float64)
    assert_unchanged(before)
    # the list form and float32 give the same
    assert_close(ember.einsum(equation, tensors), np.asarray(np.einsum(equation, *arrays)), ember.float64)
    f32 = [t.to(ember.float32) for t in tensors]
    assert_close(ember.einsum(equation, *f32), np.asarray(np.einsum(equation, *arrays)), ember.float32,
                 rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("equation,shapes", CASES, ids=[c[0] or "scalar" for c in CASES])
def test_against_torch(equation, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    arrays, tensors = _operands(rng, shapes, ember.float32)
    want = torch.einsum(equation, *[torch.from_numpy(a).float() for a in arrays])
    got = ember.einsum(equation, *tensors)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-5, atol=1e-5)


def test_non_contiguous_operands():
    rng = np.random.default_rng(2)
    a = rng.uniform(-1, 1, size=(6, 5, 4))
    b = rng.uniform(-1, 1, size=(4, 8))
    ta = ember.tensor(a).transpose(0, 2)[:, ::-1, ::2]  # (4, 5, 3), negative and stepped strides
    tb = ember.tensor(b)[:, 1::2]
    want = np.einsum("kjb,kl->bjl", a.transpose(2, 1, 0)[:, ::-1, ::2], b[:, 1::2])
    assert_close(ember.einsum("kjb,kl->bjl", ta, tb), want, ember.float64)
    # a broadcast (stride 0) operand
    e = ember.tensor(rng.uniform(size=(3,))).expand(4, 3)
    assert_close(ember.einsum("ij,ij->i", e, e), np.einsum("ij,ij->i", *[to_numpy(e)] * 2), ember.float64)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16, ember.int32, ember.int64, ember.uint8])
def test_dtypes(dtype):
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, size=(3, 4)).astype(np.float64)
    b = rng.integers(0, 4, size=(4, 2)).astype(np.float64)
    for eq, ops in (("ij,jk->ik", (a, b)), ("ij->j", (a,)), ("ij,ij->i", (a, a))):
        got = ember.einsum(eq, *[ember.tensor(x, dtype=dtype) for x in ops])
        assert got.dtype == dtype
        np.testing.assert_allclose(to_numpy(got).astype(np.float64), np.einsum(eq, *ops))


def test_sublist_form():
    rng = np.random.default_rng(4)
    a, b = rng.uniform(size=(2, 3)), rng.uniform(size=(3, 4))
    got = ember.einsum(ember.tensor(a), [0, 1], ember.tensor(b), [1, 2], [0, 2])
    assert_close(got, a @ b, ember.float64)
    got = ember.einsum(ember.tensor(a), [Ellipsis, 1], [Ellipsis])
    assert_close(got, a.sum(1), ember.float64)


def _random_equation(rng):
    """An equation over 1-3 operands with repeated labels, ellipses and an implicit or explicit
    output, with operand shapes that agree."""
    letters = list(string.ascii_letters[:6]) + ["Q"]
    sizes = {c: int(rng.integers(1, 4)) for c in letters}
    ell = tuple(int(rng.integers(1, 3)) for _ in range(int(rng.integers(0, 3))))
    terms, shapes = [], []
    use_ellipsis = bool(ell) and rng.random() < 0.5
    for _ in range(int(rng.integers(1, 4))):
        labels = list(rng.choice(letters, size=int(rng.integers(0, 4))))
        term, shape = "".join(labels), [sizes[c] for c in labels]
        if use_ellipsis and rng.random() < 0.7:
            cut = int(rng.integers(0, len(labels) + 1))
            keep = int(rng.integers(0, len(ell) + 1))  # fewer ellipsis dims broadcast
            e = ell[len(ell) - keep:]
            e = tuple(1 if rng.random() < 0.2 else s for s in e)
            term = "".join(labels[:cut]) + "..." + "".join(labels[cut:])
            shape = shape[:cut] + list(e) + shape[cut:]
        terms.append(term)
        shapes.append(tuple(shape))
    equation = ",".join(terms)
    if rng.random() < 0.5:
        used = sorted(set("".join(terms).replace(".", "")))
        out = [c for c in used if rng.random() < 0.5]
        rng.shuffle(out)
        out = "".join(out)
        if "..." in equation:
            cut = int(rng.integers(0, len(out) + 1))
            out = out[:cut] + "..." + out[cut:]
        equation += "->" + out
    return equation, shapes


def test_random_equations():
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(300):
        equation, shapes = _random_equation(rng)
        arrays = [rng.uniform(-1, 1, size=s) for s in shapes]
        try:
            want = np.asarray(np.einsum(equation, *arrays))
        except ValueError:
            continue  # NumPy refuses some ellipsis broadcasts; the fixed cases cover ours
        got = ember.einsum(equation, *[ember.tensor(a) for a in arrays])
        assert_close(got, want, ember.float64, rtol=1e-10, atol=1e-12)
        checked += 1
    assert checked > 200


def test_errors_name_the_problem():
    a, b = ember.ones(2, 3), ember.ones(4, 5)
    with pytest.raises(ValueError, match="subscript 'j' has size 3 in operand 0 but size 4 in operand 1"):
        ember.einsum("ij,jk->ik", a, b)
    with pytest.raises(ValueError, match="2 operands but 1 tensor was given"):
        ember.einsum("ij,jk->ik", a)
    with pytest.raises(ValueError, match="1 operand but 2 tensors were given"):
        ember.einsum("ij", a, b)
    with pytest.raises(ValueError, match="invalid subscript '#'"):
        ember.einsum("i#->i", a)
    with pytest.raises(ValueError, match="operand 0 has 2 dims"):
        ember.einsum("i->i", a)
    with pytest.raises(ValueError, match="fewer than the 3"):
        ember.einsum("...ijk->", a)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        ember.einsum("...,...->...", ember.ones(2), ember.ones(3))
    with pytest.raises(ValueError, match="needs at least one operand"):
        ember.einsum("i")
    with pytest.raises(TypeError, match="bool"):
        ember.einsum("i->", ember.ones(2, dtype=ember.bool))
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.einsum("i->", [1, 2])
    # ShapeError is a RuntimeError too, as PyTorch raises
    with pytest.raises(RuntimeError):
        ember.einsum("ij,jk->ik", a, b)


def test_tensordot_and_kron():
    rng = np.random.default_rng(6)
    a, b = rng.uniform(size=(3, 4, 5)), rng.uniform(size=(5, 4, 2))
    ta, tb = ember.tensor(a), ember.tensor(b)
    assert_close(ember.tensordot(ta, tb, dims=([1, 2], [1, 0])), np.tensordot(a, b, ([1, 2], [1, 0])), ember.float64)
    assert_close(ember.tensordot(ta, tb, 1), np.tensordot(a, b, 1), ember.float64)
    assert_close(ember.tensordot(ta, tb, dims=([2], [0])), np.tensordot(a, b, ([2], [0])), ember.float64)
    with pytest.raises(ValueError, match="cannot contract 4 dims"):
        ember.tensordot(ta, tb, 4)
    x, y = rng.uniform(size=(2, 3)), rng.uniform(size=(4,))
    assert_close(ember.kron(ember.tensor(x), ember.tensor(y)), np.kron(x, y), ember.float64)
    assert_close(ember.tensor(x).kron(ember.tensor(x)), np.kron(x, x), ember.float64)
