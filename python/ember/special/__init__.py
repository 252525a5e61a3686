"""ember.special: torch.special's functions.

Those ember already has (erf, expm1, lgamma, digamma, ...) are the same ops under torch.special's
names. The others are composites of ember ops, so autograd differentiates them (to any order)
through their parts:

- polygamma and zeta: the Hurwitz zeta function by Euler-Maclaurin summation (a direct sum of
  the first terms, then the integral and Bernoulli-number corrections for the tail);
- i0, i0e, i1, i1e: the power series for |x| <= 30, the asymptotic expansion beyond;
- gammainc / gammaincc: the series of the lower incomplete gamma function for x < a + 1, the
  continued fraction of the upper one otherwise (Lentz's method), each with a fixed number of
  terms;
- erfcx: exp(x^2) erfc(x), with the asymptotic series for large x where exp(x^2) overflows;
  log_ndtr uses it for the far left tail.

Where a composite selects between two formulas, each formula sees only the inputs it is used
for (the others are replaced by a harmless value), so the unused branch cannot put inf or NaN
into a gradient.
"""
import math


from .._op_layer import namespace
from .._tensor import Tensor

op = namespace("special")

__all__ = ["erf", "erfc", "erfcx", "erfinv", "expit", "logit", "exp2", "expm1", "log1p", "log_softmax", "softmax",
           "logsumexp", "xlogy", "xlog1py", "gammaln", "digamma", "psi", "polygamma", "multigammaln", "i0", "i0e",
           "i1", "i1e", "ndtr", "ndtri", "log_ndtr", "sinc", "round", "entr", "zeta", "gammainc", "gammaincc"]


def _E():
    import ember
    return ember


def _float(x, fn, name="input"):
    """`x` as a floating tensor: integer and bool tensors become float32, as in torch.special."""
    if not isinstance(x, Tensor):
        raise TypeError(f"special.{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x if x.is_floating_point() else x.to(_E().float32)


def _pair(x, y, fn):
    """Two operands, at most one a Python number, in one floating dtype."""
    E = _E()
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        raise TypeError(f"special.{fn}(): expected at least one Tensor argument")
    if not isinstance(x, Tensor):
        y = _float(y, fn, "other")
        x = E.full_like(y, float(x))
    elif not isinstance(y, Tensor):
        x = _float(x, fn)
        y = E.full_like(x, float(y))
    else:
        x, y = _float(x, fn), _float(y, fn, "other")
        common = E.promote_types(x.dtype, y.dtype)
        x, y = x.to(common), y.to(common)
    return x, y


def _out(result, out):
    if out is None:
        return result
    out.copy_(result)
    return out


# ---- the same ops under torch.special's names ----------------------------------------------

def _same_op(name):
    return getattr(_E(), name)


@op
def erf(input, *, out=None):
    return _out(_same_op("erf")(input), out)


@op
def erfc(input, *, out=None):
    return _out(_same_op("erfc")(input), out)


@op
def erfinv(input, *, out=None):
    return _out(_same_op("erfinv")(input), out)


@op
def expit(input, *, out=None):
    return _out(_same_op("sigmoid")(input), out)


@op
def exp2(input, *, out=None):
    return _out(_same_op("exp2")(input), out)


@op
def expm1(input, *, out=None):
    return _out(_same_op("expm1")(input), out)


@op
def log1p(input, *, out=None):
    return _out(_same_op("log1p")(input), out)


@op
def gammaln(input, *, out=None):
    return _out(_same_op("lgamma")(input), out)


@op
def digamma(input, *, out=None):
    return _out(_same_op("digamma")(input), out)


psi = digamma


@op
def log_softmax(input, dim, *, dtype=None):
    return _E().log_softmax(input, dim, dtype=dtype)


@op
def softmax(input, dim, *, dtype=None):
    return _E().softmax(input, dim, dtype=dtype)


@op
def logsumexp(input, dim, keepdim=False, *, out=None):
    return _out(_E().logsumexp(input, dim, keepdim), out)


@op
def round(input, *, decimals=0, out=None):
    return _out(_E().round(input, decimals=decimals), out)


@op
def xlogy(input, other, *, out=None):
    if not isinstance(input, Tensor):
        input, other = _pair(input, other, "xlogy")
    return _out(_E().xlogy(input, other), out)


# ---- elementary composites ------------------------------------------------------------------

@op
def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given."""
    x = _float(input, "logit")
    if eps is not None:
        x = x.clamp(eps, 1 - eps)
    return _out((x / (1 - x)).log(), out)


@op
def xlog1py(input, other, *, out=None):
    """input * log1p(other), 0 where input is 0 (unless other is NaN)."""
    x, y = _pair(input, other, "xlog1py")
    E = _E()
    value = x * y.log1p()
    return _out(E.where((x == 0) & ~y.isnan(), E.zeros_like(value), value), out)


@op
def entr(input, *, out=None):
    """-x log x for x > 0, 0 at 0, -inf for x < 0 (NaN stays NaN)."""
    E = _E()
    x = _float(input, "entr")
    positive = x > 0
    safe = E.where(positive, x, E.ones_like(x))
    value = E.where(positive, -safe * safe.log(), E.zeros_like(x))
    value = E.where(x < 0, E.full_like(x, -math.inf), value)
    return _out(E.where(x.isnan(), x, value), out)


@op
def sinc(input, *, out=None):
    """sin(pi x) / (pi x), 1 at 0."""
    E = _E()
    x = _float(input, "sinc")
    zero = x == 0
    safe = E.where(zero, E.ones_like(x), x) * math.pi
    return _out(E.where(zero, E.ones_like(x), safe.sin() / safe), out)


@op
def ndtr(input, *, out=None):
    """The standard normal CDF: erfc(-x / sqrt 2) / 2."""
    x = _float(input, "ndtr")
    return _out((-x * (1 / math.sqrt(2))).erfc() * 0.5, out)


@op
def ndtri(input, *, out=None):
    """The inverse of ndtr: sqrt 2 * erfinv(2p - 1) (-inf at 0, inf at 1, NaN outside [0, 1])."""
    x = _float(input, "ndtri")
    # 2p - 1 loses the left tail's digits: the other dtypes go through float64
    wide = x if x.dtype == _E().float64 else x.double()
    return _out(((wide * 2 - 1).erfinv() * math.sqrt(2)).to(x.dtype), out)


_ERFCX_LARGE = 25.0  # float64: beyond, exp(x^2) erfc(x) would overflow before the product is formed


@op
def erfcx(input, *, out=None):
    """exp(x^2) erfc(x), the scaled complementary error function."""
    E = _E()
    x = _float(input, "erfcx")
    if x.dtype in (E.float16, E.bfloat16):  # computed in float32, as torch does for the 16-bit types
        return _out(erfcx(x.float()).to(x.dtype), out)
    switch = _ERFCX_LARGE if x.dtype == E.float64 else 9.0  # float32's exp overflows near 9.4^2
    large = x >= switch
    small_x = E.where(large, E.zeros_like(x), x)
    direct = small_x.square().exp() * small_x.erfc()
    big = E.where(large, x, E.full_like(x, switch))
    # erfc(x) exp(x^2) ~ 1 / (x sqrt pi) * sum_k (-1)^k (2k-1)!! / (2x^2)^k
    inv = 1 / (2 * big.square())
    total, term = E.ones_like(big), E.ones_like(big)
    for k in range(1, 8):
        term = term * (-(2 * k - 1)) * inv
        total = total + term
    asymptotic = total / (big * math.sqrt(math.pi))
    return _out(E.where(large, asymptotic, direct), out)


@op
def log_ndtr(input, *, out=None):
    """log(ndtr(x)), accurate in both tails: log1p(-erfc(x/sqrt 2)/2) on the right, and on the
    left log(erfcx(-x/sqrt 2) / 2) - x^2/2, which does not underflow."""
    E = _E()
    x = _float(input, "log_ndtr")
    left = x < 0
    xl = E.where(left, x, E.zeros_like(x))
    xr = E.where(left, E.zeros_like(x), x)
    t = -xl * (1 / math.sqrt(2))
    left_value = (erfcx(t) * 0.5).log() - xl.square() * 0.5
    right_value = (-(xr * (1 / math.sqrt(2))).erfc() * 0.5).log1p()
    return _out(E.where(left, left_value, right_value), out)


@op
def multigammaln(input, p, *, out=None):
    """The multivariate log-gamma function of dimension p: p(p-1)/4 log(pi) + sum_i lgamma(x - i/2)."""
    x = _float(input, "multigammaln")
    if not isinstance(p, int) or p < 1:
        raise ValueError(f"special.multigammaln(): p has to be greater than or equal to 1, got {p}")
    if x.numel() and not bool((x > (p - 1) / 2).all()):
        raise ValueError(f"special.multigammaln(): All elements must be greater than (p-1)/2 = {(p - 1) / 2}")
    total = x.lgamma()
    for i in range(1, p):
        total = total + (x - i / 2).lgamma()
    return _out(total + p * (p - 1) / 4 * math.log(math.pi), out)


# ---- the Hurwitz zeta function and polygamma -----------------------------------------------

# B_2j / (2j)! for j = 1..12: the Euler-Maclaurin correction coefficients.
_BERNOULLI_OVER_FACTORIAL = [1 / 12, -1 / 720, 1 / 30240, -1 / 1209600, 1 / 47900160, -691 / 1307674368000,
                             1 / 74724249600, -3617 / 10670622842880000, 43867 / 5109094217170944000,
                             -174611 / 802857662698291200000, 77683 / 14101100039391805440000,
                             -236364091 / 1693824136731743669452800000]
_ZETA_DIRECT_TERMS = 12


@op
def zeta(input, other, *, out=None):
    """The Hurwitz zeta function sum_k (other + k)^-input (Riemann's at other = 1): inf at
    input = 1, NaN for input < 1."""
    E = _E()
    s, q = _pair(input, other, "zeta")
    s, q = E.broadcast_tensors(s, q)
    valid = s > 1
    s_safe = E.where(valid, s, E.full_like(s, 2.0))
    total = E.zeros_like(q)
    for k in range(_ZETA_DIRECT_TERMS):
        total = total + (q + k).pow(-s_safe)
    a = q + _ZETA_DIRECT_TERMS
    total = total + a.pow(1 - s_safe) / (s_safe - 1) + 0.5 * a.pow(-s_safe)
    # sum_j B_2j/(2j)! * s (s+1) ... (s+2j-2) * a^(-s-2j+1)
    rising = s_safe.clone()
    power = a.pow(-s_safe - 1)
    inv_a2 = a.pow(-2)
    for j, coefficient in enumerate(_BERNOULLI_OVER_FACTORIAL):
        if j:
            rising = rising * (s_safe + 2 * j - 1) * (s_safe + 2 * j)
            power = power * inv_a2
        total = total + coefficient * rising * power
    # poles: q a non-positive integer gives an infinite term
    pole = (q <= 0) & (q == q.floor())
    total = E.where(pole, E.full_like(total, math.inf), total)
    result = E.where(s == 1, E.full_like(total, math.inf), E.where(valid, total, E.full_like(total, math.nan)))
    return _out(E.where(s.isnan() | q.isnan(), s + q, result), out)


@op
def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma: digamma for n = 0, (-1)^(n+1) n! zeta(n+1, x) beyond."""
    x = _float(input, "polygamma")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"polygamma(n, x) does not support negative n, got {n}")
    if n == 0:
        return _out(x.digamma(), out)
    sign = 1.0 if n % 2 == 1 else -1.0
    return _out(zeta(_E().full_like(x, float(n + 1)), x) * (sign * math.factorial(n)), out)


# ---- modified Bessel functions of the first kind, orders 0 and 1 ----------------------------

_BESSEL_SWITCH = 30.0
_BESSEL_SERIES_TERMS = 64
_BESSEL_ASYMPTOTIC_TERMS = 14


def _bessel_parts(x, order):
    """(series value for |x| <= switch, asymptotic factor for |x| > switch, mask of the large
    ones, |x| of the large ones): I_order(x) = series, or exp(|x|)/sqrt(2 pi |x|) * factor."""
    E = _E()
    ax = x.abs()
    large = ax > _BESSEL_SWITCH
    xs = E.where(large, E.zeros_like(x), x)
    quarter = xs.square() * 0.25
    term = E.ones_like(xs) if order == 0 else xs * 0.5
    total = term
    for k in range(1, _BESSEL_SERIES_TERMS):
        term = term * quarter / (k * (k + order))
        total = total + term
    xl = E.where(large, ax, E.full_like(ax, _BESSEL_SWITCH))
    mu = 4.0 * order * order
    factor, term = E.ones_like(xl), E.ones_like(xl)
    for k in range(1, _BESSEL_ASYMPTOTIC_TERMS):
        term = term * (-(mu - (2 * k - 1) ** 2) / (k * 8.0)) / xl
        factor = factor + term
    return total, factor, large, xl


def _bessel(input, order, scaled, name):
    E = _E()
    x = _float(input, name)
    series, factor, large, xl = _bessel_parts(x, order)
    if scaled:
        series = series * (-x.abs()).exp()
        asymptotic = factor / (2 * math.pi * xl).sqrt()
    else:
        asymptotic = factor * xl.exp() / (2 * math.pi * xl).sqrt()
    if order == 1:  # odd in x
        asymptotic = asymptotic * x.sign()
    return E.where(large, asymptotic, series)


@op
def i0(input, *, out=None):
    """The modified Bessel function of the first kind of order 0."""
    return _out(_bessel(input, 0, False, "i0"), out)


@op
def i0e(input, *, out=None):
    """exp(-|x|) i0(x)."""
    return _out(_bessel(input, 0, True, "i0e"), out)


@op
def i1(input, *, out=None):
    """The modified Bessel function of the first kind of order 1."""
    return _out(_bessel(input, 1, False, "i1"), out)


@op
def i1e(input, *, out=None):
    """exp(-|x|) i1(x)."""
    return _out(_bessel(input, 1, True, "i1e"), out)


# ---- regularized incomplete gamma functions ------------------------------------------------

_GAMMA_SERIES_TERMS = 300
_GAMMA_FRACTION_TERMS = 200
_TINY = 1e-300


def _gamma_pieces(a, x):
    """(P by series where x < a + 1, Q by continued fraction elsewhere, the series mask)."""
    E = _E()
    series_side = x < a + 1
    # the series: P(a, x) = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a+1)...(a+n))
    xs = E.where(series_side, x, a * 0.5)
    term = E.ones_like(xs)
    total = term
    for n in range(1, _GAMMA_SERIES_TERMS):
        term = term * xs / (a + n)
        total = total + term
    p_series = (a * xs.log() - xs - (a + 1).lgamma()).exp() * total
    # the continued fraction of Q(a, x) = x^a e^-x / Gamma(a) * 1/(x+1-a- 1(1-a)/(x+3-a- ...)), by Lentz
    xc = E.where(series_side, a + 1, x)
    tiny = _TINY if x.dtype == E.float64 else 1e-30
    b = xc + 1 - a
    c = E.full_like(xc, 1 / tiny)
    d = 1 / b
    h = d
    for i in range(1, _GAMMA_FRACTION_TERMS):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = E.where(d.abs() < tiny, E.full_like(d, tiny), d)
        c = b + an / c
        c = E.where(c.abs() < tiny, E.full_like(c, tiny), c)
        d = 1 / d
        h = h * d * c
    q_fraction = (a * xc.log() - xc - a.lgamma()).exp() * h
    return p_series, q_fraction, series_side


def _check_gamma(a, x, fn):
    a, x = _pair(a, x, fn)
    return _E().broadcast_tensors(a, x)


def _gamma_edges(a, x, value, lower):
    """torch's values at the edges: NaN for a < 0 or x < 0, and the limits at 0 and infinity."""
    E = _E()
    nan = E.full_like(value, math.nan)
    at_zero_x = E.zeros_like(value) if lower else E.ones_like(value)
    at_inf_x = E.ones_like(value) if lower else E.zeros_like(value)
    value = E.where(x == 0, at_zero_x, value)
    value = E.where(x.isinf() & (x > 0), at_inf_x, value)
    value = E.where((a == 0) & (x > 0), at_inf_x, value)
    return E.where((a < 0) | (x < 0) | a.isnan() | x.isnan(), nan, value)


@op
def gammainc(input, other, *, out=None):
    """The regularized lower incomplete gamma function P(a, x) (a = input, x = other)."""
    E = _E()
    a, x = _check_gamma(input, other, "gammainc")
    a_safe = E.where(a > 0, a, E.ones_like(a))
    x_safe = E.where((x > 0) & ~x.isinf(), x, E.ones_like(x))
    p_series, q_fraction, series_side = _gamma_pieces(a_safe, x_safe)
    value = E.where(series_side, p_series, 1 - q_fraction)
    return _out(_gamma_edges(a, x, value, lower=True), out)


@op
def gammaincc(input, other, *, out=None):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    E = _E()
    a, x = _check_gamma(input, other, "gammaincc")
    a_safe = E.where(a > 0, a, E.ones_like(a))
    x_safe = E.where((x > 0) & ~x.isinf(), x, E.ones_like(x))
    p_series, q_fraction, series_side = _gamma_pieces(a_safe, x_safe)
    value = E.where(series_side, 1 - p_series, q_fraction)
    return _out(_gamma_edges(a, x, value, lower=False), out)



