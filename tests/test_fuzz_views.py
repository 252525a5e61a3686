"""Differential property tests of chains of view ops against NumPy.

A random sequence of reshape / view / permute / transpose / flip / narrow / select /
unsqueeze / squeeze / expand / slicing runs on a NumPy array and an ember tensor of the same
values. After each step the shapes and values must agree; at the end a write through the
last tensor must reach the base exactly where the NumPy model says it does. The model
follows PyTorch's view semantics: `flip` copies (NumPy's flip is a view, so the model copies
too), `reshape` is a view where NumPy's reshape is one, and `view` must succeed where a
no-copy reshape exists. A chain that went through `expand` is only read (its elements
overlap; NumPy's broadcast_to is read-only).

EMBER_FUZZ_EXAMPLES=N (tools/fuzz_long.sh) reruns every test with N random examples.
"""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

import ember  # noqa: E402
from conftest import fuzz_settings, make_tensor, to_numpy  # noqa: E402

OPS = ["reshape", "view", "permute", "transpose", "flip", "narrow", "select", "unsqueeze",
       "squeeze", "squeeze_all", "expand", "slice", "contiguous", "T"]


class Chain:
    """The NumPy side and ember side of one chain, and whether each still aliases the base."""

    def __init__(self, a, t):
        self.a, self.t = a, t
        self.aliases = True     # False once a step copied (both libraries copy at the same steps)
        self.read_only = False  # after expand (overlapping elements) or a view NumPy cannot model
        self.steps = []


def numpy_no_copy_reshape(a, shape):
    """NumPy's reshape of `a` to `shape` if it can be a view, else None."""
    view = a.view()
    try:
        view.shape = shape
    except AttributeError:
        return None
    return view


def random_factor_shape(draw, numel):
    """A shape with `numel` elements (a 0 among the dims when numel is 0), of up to 4 dims."""
    ndim = draw(st.integers(0 if numel == 1 else 1, 4))
    if numel == 0:
        dims = [draw(st.integers(0, 4)) for _ in range(ndim)]
        dims[draw(st.integers(0, ndim - 1))] = 0
        return tuple(dims)
    dims, rest = [], numel
    for _ in range(ndim - 1):
        divisors = [d for d in range(1, rest + 1) if rest % d == 0]
        d = draw(st.sampled_from(divisors))
        dims.append(d)
        rest //= d
    if ndim:
        dims.append(rest)
    draw_pos = draw(st.integers(0, len(dims)))
    return tuple(dims[draw_pos:] + dims[:draw_pos])


def apply_step(draw, chain):
    a, t = chain.a, chain.t
    op = draw(st.sampled_from(OPS))
    nd = a.ndim
    if op in ("reshape", "view"):
        shape = random_factor_shape(draw, a.size)
        em_shape = shape
        if shape and a.size > 0 and draw(st.booleans()):
            i = draw(st.integers(0, len(shape) - 1))
            em_shape = shape[:i] + (-1,) + shape[i + 1:]
        no_copy = numpy_no_copy_reshape(a, shape)
        if op == "view":
            if no_copy is None:
                # Either library may refuse: ember must raise a clear error if it does.
                try:
                    t_new = t.view(em_shape)
                except RuntimeError:
                    return None
                # ember found strides NumPy did not: the values must still be the reshape.
                a_new = a.reshape(shape)
                chain.steps.append(f"view{em_shape} (NumPy would copy)")
                chain.a, chain.t = a_new.copy(), t_new
                chain.read_only = True  # the model cannot follow writes through it
                return op
            t_new = t.view(em_shape)
            a_new = no_copy
        else:
            t_new = t.reshape(em_shape)
            a_new = no_copy if no_copy is not None else a.reshape(shape).copy()
            if no_copy is None:
                chain.aliases = False
        chain.steps.append(f"{op}{em_shape}")
        chain.a, chain.t = a_new, t_new
        return op
    if op == "permute":
        perm = tuple(draw(st.permutations(range(nd))))
        chain.a, chain.t = a.transpose(perm), t.permute(*perm) if perm else t.permute(())
        chain.steps.append(f"permute{perm}")
        return op
    if op == "T":
        if nd > 2:
            return None  # Tensor.T of more than 2 dims is deprecated in PyTorch
        chain.a, chain.t = a.T, t.T
        chain.steps.append("T")
        return op
    if nd == 0 and op in ("transpose", "flip", "narrow", "select", "squeeze"):
        return None
    if op == "transpose":
        d0, d1 = draw(st.integers(-nd, nd - 1)), draw(st.integers(-nd, nd - 1))
        chain.a, chain.t = np.swapaxes(a, d0, d1), t.transpose(d0, d1)
        chain.steps.append(f"transpose({d0}, {d1})")
        return op
    if op == "flip":
        dims = tuple(draw(st.lists(st.integers(0, nd - 1), unique=True, max_size=nd)))
        em_dims = tuple(d - nd if draw(st.booleans()) else d for d in dims)
        chain.a = np.flip(a, dims).copy() if dims else a.copy()
        chain.t = t.flip(em_dims) if em_dims else t.flip(())
        chain.aliases = False  # PyTorch's flip copies
        chain.steps.append(f"flip{em_dims}")
        return op
    if op == "narrow":
        d = draw(st.integers(-nd, nd - 1))
        size = a.shape[d]
        pos = draw(st.integers(0, size))
        # PyTorch also takes a start counted from the end.
        start = pos - size if 0 < pos < size and draw(st.booleans()) else pos
        length = draw(st.integers(0, size - pos))
        chain.a = a[(slice(None),) * (d % nd) + (slice(pos, pos + length),)]
        chain.t = t.narrow(d, start, length)
        chain.steps.append(f"narrow({d}, {start}, {length})")
        return op
    if op == "select":
        d = draw(st.integers(-nd, nd - 1))
        size = a.shape[d]
        if size == 0:
            return None
        i = draw(st.integers(-size, size - 1))
        # The trailing Ellipsis keeps NumPy's result a 0-dim view, not a scalar copy.
        chain.a = a[(slice(None),) * (d % nd) + (i, Ellipsis)]
        chain.t = t.select(d, i)
        chain.steps.append(f"select({d}, {i})")
        return op
    if op == "unsqueeze":
        d = draw(st.integers(-nd - 1, nd))
        chain.a, chain.t = np.expand_dims(a, d), t.unsqueeze(d)
        chain.steps.append(f"unsqueeze({d})")
        return op
    if op == "squeeze":
        d = draw(st.integers(-nd, nd - 1))
        # PyTorch's squeeze(d) leaves a dim of size other than 1 alone (NumPy raises).
        chain.a = np.squeeze(a, d) if a.shape[d] == 1 else a
        chain.t = t.squeeze(d)
        chain.steps.append(f"squeeze({d})")
        return op
    if op == "squeeze_all":
        chain.a, chain.t = np.squeeze(a), t.squeeze()
        chain.steps.append("squeeze()")
        return op
    if op == "expand":
        new_lead = draw(st.lists(st.integers(0, 3), max_size=2))
        sizes = [draw(st.integers(0, 3)) if s == 1 and draw(st.booleans()) else s for s in a.shape]
        em_sizes = [(-1 if s == old and draw(st.booleans()) else s) for s, old in zip(sizes, a.shape)]
        target = tuple(new_lead) + tuple(sizes)
        chain.a = np.broadcast_to(a, target)
        chain.t = t.expand(*(tuple(new_lead) + tuple(em_sizes))) if target else t.expand(())
        chain.read_only = True
        chain.steps.append(f"expand{tuple(new_lead) + tuple(em_sizes)}")
        return op
    if op == "contiguous":
        # NumPy's model: contiguous() is a view when the tensor is already C-contiguous.
        if not t.is_contiguous():
            chain.aliases = False
            chain.a = np.ascontiguousarray(a).copy()
        chain.t = t.contiguous()
        chain.steps.append("contiguous()")
        return op
    # basic slicing, one slice per leading dim, any step
    parts = []
    for size in a.shape[:draw(st.integers(0, nd))]:
        bound = st.none() | st.integers(-size - 2, size + 2)
        step = st.none() | st.integers(-3, 3).filter(lambda s: s != 0)
        parts.append(slice(draw(bound), draw(bound), draw(step)))
    key = tuple(parts)
    chain.a, chain.t = a[key + (Ellipsis,)], t[key]
    chain.steps.append(f"[{key}]")
    return op


dtypes = st.sampled_from([ember.float32, ember.int64, ember.float64, ember.int8, ember.bfloat16,
                          ember.complex64])
shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)


def values(shape, dtype):
    a = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    if dtype == ember.int8:
        a = a % 100
    if dtype == ember.complex64:
        return (a + 0.5j * a).astype(np.complex64)
    return a.astype({ember.float32: np.float32, ember.int64: np.int64, ember.float64: np.float64,
                     ember.int8: np.int8, ember.bfloat16: np.float32}[dtype])


@fuzz_settings(200)
@given(shapes, dtypes, st.data())
def test_view_chain_values_and_writes(shape, dtype, data):
    base_a = np.array(values(shape, dtype))  # arithmetic on a 0-dim array gives a scalar
    base_t = make_tensor(base_a, dtype)
    chain = Chain(base_a, base_t)
    for _ in range(data.draw(st.integers(1, 6))):
        before = chain.a
        if apply_step(data.draw, chain) is None:
            continue
        got = to_numpy(chain.t)
        assert tuple(chain.t.shape) == chain.a.shape, (
            f"after {' -> '.join(chain.steps)}: shape {tuple(chain.t.shape)} != {chain.a.shape} "
            f"(from {before.shape})")
        np.testing.assert_array_equal(got, chain.a.astype(got.dtype),
                                      err_msg=f"after {' -> '.join(chain.steps)}")
    if chain.read_only:
        return
    # Write fresh values through the last tensor; the model writes through its NumPy view.
    fresh = (-1 - np.arange(chain.a.size)).reshape(chain.a.shape)
    if dtype == ember.int8:
        fresh = fresh % 100 - 100
    chain.t.copy_(make_tensor(fresh.astype(chain.a.dtype), dtype))
    if chain.aliases:
        chain.a[...] = fresh
    else:
        chain.a = chain.a.copy()
    np.testing.assert_array_equal(to_numpy(chain.t), fresh.astype(to_numpy(chain.t).dtype),
                                  err_msg=f"the written tensor after {' -> '.join(chain.steps)}")
    np.testing.assert_array_equal(to_numpy(base_t), base_a.astype(to_numpy(base_t).dtype),
                                  err_msg=f"the base after writing through {' -> '.join(chain.steps)} "
                                          f"(aliases: {chain.aliases})")
