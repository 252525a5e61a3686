"""Random sampling with PyTorch's names: seeding and generator state, rand / randn / randint /
randperm and their *_like forms, bernoulli, normal, and the in-place Tensor samplers.

Every op draws from a counter-based Philox generator: the same seed gives the same numbers
whatever the thread count, and each call advances the generator past the numbers it used.
"""
import math
import numbers
import os

import numpy as np

from .. import _C
from .creation import _device, _finish, _into, _shape
from .._defaults import float_dtype
from .._layout import like_strides
from .._op_layer import install_methods, op
from .._tensor import Tensor, _size_args, _wrap

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "rand", "randn", "randint", "randperm", "rand_like", "randn_like",
           "randint_like", "bernoulli", "normal", "multinomial"]

_U64_MAX = (1 << 64) - 1


def _seed_value(seed):
    """A Python int seed as the uint64 Philox key; negative seeds map like torch's
    (0xffff_ffff_ffff_ffff + seed)."""
    seed = int(seed)
    if not -(1 << 63) <= seed <= _U64_MAX:
        raise ValueError(f"manual_seed: seed must be within [-0x8000_0000_0000_0000, "
                         f"0xffff_ffff_ffff_ffff], got {seed}")
    return _U64_MAX + seed if seed < 0 else seed


def _state_tensor(seed, offset):
    """(seed, offset) as 16 bytes in a uint8 tensor, like torch's ByteTensor states."""
    raw = np.array([seed, offset], dtype="<u8").view(np.uint8).copy()
    return _wrap(_C.from_numpy(raw))


def _state_values(state):
    if isinstance(state, Tensor):
        if state.dtype != _C.dtype.uint8 or tuple(state.shape) != (16,):
            raise ValueError("set_rng_state: expected a uint8 tensor of 16 bytes as get_rng_state() "
                             f"returns, got a {state.dtype} tensor of shape {tuple(state.shape)}")
        seed, offset = state.numpy().copy().view("<u8")
        return int(seed), int(offset)
    seed, offset = state
    return int(seed), int(offset)


class Generator:
    """A Philox stream, (seed, offset). Pass it as `generator=` to any sampling op to draw
    from it instead of the default generator."""

    __slots__ = ("_impl",)

    def __init__(self, device="cpu"):
        if _device(device).type != "cpu" and not _C.cuda.is_available():
            raise RuntimeError(f"Generator: device {device} is not available")
        self._impl = _C.Generator()

    @property
    def device(self):
        return _C.device("cpu")

    def manual_seed(self, seed):
        self._impl.manual_seed(_seed_value(seed))
        return self

    def initial_seed(self):
        return self._impl.initial_seed()

    def seed(self):
        """Reseeds from the operating system's entropy and returns the new seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self._impl.manual_seed(s)
        return s

    def get_state(self):
        return _state_tensor(*self._impl.get_state())

    def set_state(self, new_state):
        self._impl.set_state(*_state_values(new_state))
        return self

    def __repr__(self):
        return f"<ember.Generator seed={self._impl.initial_seed()} offset={self._impl.offset}>"


default_generator = object.__new__(Generator)
default_generator._impl = _C.default_generator()


def manual_seed(seed):
    """Seeds the default generator (and restarts its stream); returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


def _gen(generator):
    if generator is None:
        return None
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be an ember.Generator, got {type(generator).__name__}")
    return generator._impl


def _draw(sampler, shape, dtype, device, gen):
    """sampler(shape, dtype, device, gen) (_C.rand or _C.randn); a complex dtype draws its
    real and imaginary parts independently, as torch does, randn's each with variance 1/2 so
    that E|z|^2 = 1."""
    if not dtype.is_complex:
        return sampler(shape, dtype, device, gen)
    part = _C.dtype.float32 if dtype == _C.dtype.complex64 else _C.dtype.float64
    pairs = sampler(list(shape) + [2], part, device, gen)
    if sampler is _C.randn:
        pairs = _C.mul(pairs, math.sqrt(0.5))
    return _C.view_as_complex(pairs)


@op
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False,
         out=None, **kwargs):
    impl = _draw(_C.rand, _shape_kw(size, kwargs, "rand"), float_dtype(dtype), _device(device), _gen(generator))
    return _into(impl, out, requires_grad)


@op
def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False,
          out=None, **kwargs):
    impl = _draw(_C.randn, _shape_kw(size, kwargs, "randn"), float_dtype(dtype), _device(device), _gen(generator))
    return _into(impl, out, requires_grad)


def _shape_kw(size, kwargs, op):
    shape = _shape(size, kwargs.pop("size", None), op)
    if kwargs:
        raise TypeError(f"{op}() got unexpected keyword arguments {sorted(kwargs)}")
    return shape


@op
def randint(*args, low=None, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad=False):
    """randint(high, size) or randint(low, high, size): integers uniform on [low, high)."""
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
    if high is None:
        if not args:
            raise TypeError("randint() missing required argument 'high'")
        high = args.pop()
    if low is None:
        low = args.pop() if args else 0
    if args:
        raise TypeError("randint() takes at most 3 positional arguments (low, high, size)")
    if isinstance(size, numbers.Integral):
        raise TypeError("randint(): size must be a tuple of ints, not int")
    return _finish(_C.randint(_int_arg(low, "low"), _int_arg(high, "high"), _size_args((size,)), dtype,
                              _device(device), _gen(generator)), requires_grad)


def _int_arg(x, name):
    if isinstance(x, Tensor):
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, (numbers.Integral, float)):
        raise TypeError(f"randint(): {name} must be an int, got {type(x).__name__}")
    return int(x)


@op
def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    n = _int_arg(n, "n")
    return _finish(_C.randperm(n, dtype, _device(device), _gen(generator)), requires_grad)


def _like(input, dtype, device):
    return list(input.shape), dtype or input.dtype, _device(device) or input.device


def _in_format(impl, input, memory_format, op):
    """A sample drawn contiguous, laid out like `input` as `memory_format` says (torch's
    default keeps a dense input's strides); the values are the same either way."""
    strides = like_strides(input._impl, memory_format, op)
    if strides is None:
        return impl
    out = _C.empty_strided(list(impl.shape), strides, impl.dtype, impl.device)
    out.copy_(impl)
    return out


@op
def rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None, layout=None,
              memory_format=None):
    impl = _draw(_C.rand, *_like(input, dtype, device), _gen(generator))
    return _finish(_in_format(impl, input, memory_format, "rand_like"), requires_grad)


@op
def randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None, layout=None,
               memory_format=None):
    impl = _draw(_C.randn, *_like(input, dtype, device), _gen(generator))
    return _finish(_in_format(impl, input, memory_format, "randn_like"), requires_grad)


@op
def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, generator=None,
                 layout=None, memory_format=None):
    """randint_like(input, high) or randint_like(input, low, high)."""
    if high is None:
        low, high = 0, low
    impl = _C.randint(_int_arg(low, "low"), _int_arg(high, "high"), *_like(input, dtype, device), _gen(generator))
    return _finish(_in_format(impl, input, memory_format, "randint_like"), requires_grad)


@op
def bernoulli(input, p=None, *, generator=None):
    """1 with probability `input` (elementwise), or with probability p for every element of a
    tensor shaped like `input` when p is given."""
    if p is None:
        return _wrap(_C.bernoulli(input._impl, _gen(generator)))
    return _wrap(_C.bernoulli_p(input._impl, float(p), _gen(generator)))


@op
def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Normal samples: tensor mean and/or std (broadcast), or numbers with a size."""
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal(): with a number mean and std, size is required")
        t = _C.empty(_size_args((size,)), float_dtype(dtype), _device(device))
        _C.normal_(t, float(mean), float(std), _gen(generator))
        return _finish(t, requires_grad)
    if size is not None:
        raise TypeError("normal(): size is only allowed when mean and std are numbers")
    m = mean._impl if isinstance(mean, Tensor) else float(mean)
    s = std._impl if isinstance(std, Tensor) else float(std)
    return _finish(_C.normal(m, s, _gen(generator)), requires_grad)


_MAX_CATEGORIES = 1 << 24  # torch's limit: category indices must stay exact in a float32 sum


@op
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """`num_samples` category indices per row of `input` (1-D: one distribution; 2-D: one per
    row), drawn with probabilities proportional to the row's non-negative weights.

    With replacement, uniform draws are located in the row's cumulative sums. Without, each
    category gets the key E / w (E exponential): sorting the keys ascending samples without
    replacement in proportion to the weights; zero weights get infinite keys, so they come
    last, only once every positive weight is taken (as in torch)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"multinomial(): argument 'input' must be Tensor, not {type(input).__name__}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral):
        raise TypeError(f"multinomial(): argument 'num_samples' (position 2) must be int, not "
                        f"{type(num_samples).__name__}")
    num_samples = int(num_samples)
    impl = input._impl
    if not impl.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {impl.dtype}")
    if impl.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {impl.ndim} dims "
                           f"(shape {list(impl.shape)})")
    n = impl.shape[-1]
    if n > _MAX_CATEGORIES:
        raise RuntimeError(f"multinomial: number of categories cannot exceed 2^24, got {n}")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples, got {num_samples}")
    if not replacement and num_samples > n:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement (n_sample {num_samples}, {n} categories)")
    gen = _gen(generator)
    f64 = _C.dtype.float64
    rows = impl.shape[0] if impl.ndim == 2 else 1
    p = impl.to_dtype(f64).reshape([rows, n])
    if rows == 0:
        result = _C.empty([0, num_samples], _C.dtype.int64, impl.device)
    else:
        result = _sample_rows(p, rows, n, num_samples, bool(replacement), gen)
    if impl.ndim == 1:
        result = result.reshape([num_samples])
    result = _wrap(result)
    if out is not None:
        if not isinstance(out, Tensor) or out.dtype != _C.dtype.int64 or tuple(out.shape) != tuple(result.shape):
            raise RuntimeError(f"multinomial: out must be an int64 tensor of shape {list(result.shape)}, got "
                               + (f"{out.dtype} of shape {list(out.shape)}" if isinstance(out, Tensor)
                                  else type(out).__name__))
        out._impl.copy_(result._impl)
        return out
    return result


def _sample_rows(p, rows, n, num_samples, replacement, gen):
    """Samples from the (rows, n) float64 weights `p`, after torch's checks of the values."""
    valid = _C.logical_and(_C.isfinite(p), _C.ge(p, 0.0))
    if not _C.all(valid, None, False).item():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    total = _C.sum(p, [1], True, None)
    if n == 0 or not _C.all(_C.gt(total, 0.0), None, False).item():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    device = p.device
    if replacement:
        cdf = _C.cumsum(p, 1, None)
        u = _C.mul(_C.rand([rows, num_samples], _C.dtype.float64, device, gen), total)
        drawn = _C.searchsorted(cdf, u, False, True, None, None)
        # u * total may round up to the total itself: the draw then belongs to the last
        # category of positive weight (never to a zero-weight one after it).
        positions = _C.arange(0, n, 1, _C.dtype.int64, device)
        last = _C.argmax(_C.mul(_C.gt(p, 0.0), positions), 1, True)
        return _C.where(_C.ge(drawn, n), last, drawn)
    keys = _C.empty([rows, n], _C.dtype.float64, device)
    _C.exponential_(keys, 1.0, gen)
    keys = _C.where(_C.gt(p, 0.0), _C.div(keys, p, None), float("inf"))
    return _C.argsort(keys, 1, False, True).narrow(1, 0, num_samples).contiguous()


# ---- Tensor methods ------------------------------------------------------------------------------
def _uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs):
    from_ = kwargs.pop("from", from_)
    if kwargs:
        raise TypeError(f"uniform_() got unexpected keyword arguments {sorted(kwargs)}")
    impl = _C.view_as_real(self._impl) if self._impl.dtype.is_complex else self._impl  # each part uniform
    _C.uniform_(impl, float(from_), float(to), _gen(generator))
    return self


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    impl, std = self._impl, float(std)
    if impl.dtype.is_complex:  # each part N(mean, std^2 / 2), as torch draws them
        impl, std = _C.view_as_real(impl), std * math.sqrt(0.5)
    _C.normal_(impl, float(mean), std, _gen(generator))
    return self


def _exponential_(self, lambd=1.0, *, generator=None):
    _C.exponential_(self._impl, float(lambd), _gen(generator))
    return self


def _random_(self, *args, generator=None, **kwargs):
    """random_() fills with integers on [0, the dtype's largest exact integer]; random_(to) on
    [0, to); random_(from, to) on [from, to)."""
    lo = kwargs.pop("from", None)
    hi = kwargs.pop("to", None)
    if kwargs:
        raise TypeError(f"random_() got unexpected keyword arguments {sorted(kwargs)}")
    if len(args) == 1:
        if lo is None:
            lo, hi = 0, args[0]
        else:
            hi = args[0]
    elif len(args) == 2:
        lo, hi = args
    elif len(args) > 2:
        raise TypeError("random_() takes at most 2 positional arguments (from, to)")
    lo = 0 if lo is None else _int_arg(lo, "from")
    hi = None if hi is None else _int_arg(hi, "to")
    _C.random_(self._impl, lo, hi, _gen(generator))
    return self


def _bernoulli_(self, p=0.5, *, generator=None):
    if isinstance(p, Tensor):
        drawn = _C.bernoulli(p._impl.expand(list(self.shape)), _gen(generator))
        self._impl.copy_(drawn)
    else:
        _C.bernoulli_p_(self._impl, float(p), _gen(generator))
    return self


def _bernoulli(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


install_methods({"uniform_": _uniform_, "normal_": _normal_, "exponential_": _exponential_, "random_": _random_,
                 "bernoulli_": _bernoulli_, "bernoulli": _bernoulli, "multinomial": multinomial})
