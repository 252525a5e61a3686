"""Samplers of Poisson and binomial counts, vectorized over a tensor of parameters with
ember's generators: sequential inversion where the mean is small, and Hormann's transformed
rejection (PTRS for Poisson, BTRS for the binomial, 1993) where it is large, each in rounds
over the elements still pending. Computed in float64; results are whole numbers in floats."""
import ember

_INVERSION_LIMIT = 10.0  # a mean below this is drawn by inversion


def _uniform(like, generator):
    shape = tuple(like.shape)
    return ember.rand(shape, dtype=ember.float64, generator=generator) if shape else \
        ember.rand((), dtype=ember.float64, generator=generator)


def _poisson_inversion(rate, generator):
    """k with cdf(k - 1) <= u < cdf(k), by walking the pmf from k = 0."""
    u = _uniform(rate, generator)
    k = ember.zeros_like(rate)
    pmf = (-rate).exp()
    cdf = pmf.clone()
    pending = u >= cdf
    while bool(pending.any()):
        k = ember.where(pending, k + 1, k)
        pmf = ember.where(pending, pmf * rate / k, pmf)
        cdf = ember.where(pending, cdf + pmf, cdf)
        # pmf underflowing to 0 ends the walk where float64 cannot tell further terms apart
        pending = pending & (u >= cdf) & (pmf > 0)
    return k


def _poisson_ptrs(rate, generator):
    slam = rate.sqrt()
    loglam = rate.log()
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    result = ember.zeros_like(rate)
    pending = ember.ones_like(rate, dtype=ember.bool)
    while bool(pending.any()):
        u = _uniform(rate, generator) - 0.5
        v = _uniform(rate, generator)
        us = 0.5 - u.abs()
        k = ((2 * a / us + b) * u + rate + 0.43).floor()
        quick = (us >= 0.07) & (v <= vr)
        valid = (k >= 0) & ~((us < 0.013) & (v > us))
        kk = k.clamp(min=0)
        test = v.log() + inv_alpha.log() - (a / (us * us) + b).log() <= -rate + kk * loglam - (kk + 1).lgamma()
        accept = pending & (quick | (valid & test))
        result = ember.where(accept, k, result)
        pending = pending & ~accept
    return result


def poisson(rate, generator=None):
    """Poisson counts of rate `rate` (a tensor), in rate's dtype."""
    r = rate.detach().to(ember.float64)
    small = r < _INVERSION_LIMIT
    out = _poisson_inversion(ember.where(small, r, 0.0), generator)
    if bool((~small).any()):
        out = ember.where(small, out, _poisson_ptrs(ember.where(small, 100.0, r), generator))
    return ember.where(r == 0, 0.0, out).to(rate.dtype)


def _binomial_inversion(n, p, generator):
    """p <= 1/2 and n p small: walk the pmf from k = 0."""
    q = 1 - p
    u = _uniform(p, generator)
    k = ember.zeros_like(p)
    pmf = (n * (-p).log1p()).exp()
    cdf = pmf.clone()
    ratio = p / q
    pending = (u >= cdf) & (k < n)
    while bool(pending.any()):
        pmf = ember.where(pending, pmf * (n - k) / (k + 1) * ratio, pmf)
        k = ember.where(pending, k + 1, k)
        cdf = ember.where(pending, cdf + pmf, cdf)
        pending = pending & (u >= cdf) & (k < n) & (pmf > 0)
    return k


def _binomial_btrs(n, p, generator):
    """p <= 1/2 and n p >= 10."""
    q = 1 - p
    spq = (n * p * q).sqrt()
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    vr = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    lpq = (p / q).log()
    m = ((n + 1) * p).floor()
    h = (m + 1).lgamma() + (n - m + 1).lgamma()
    result = ember.zeros_like(p)
    pending = ember.ones_like(p, dtype=ember.bool)
    while bool(pending.any()):
        u = _uniform(p, generator) - 0.5
        v = _uniform(p, generator)
        us = 0.5 - u.abs()
        k = ((2 * a / us + b) * u + c).floor()
        inside = (k >= 0) & (k <= n)
        quick = (us >= 0.07) & (v <= vr)
        kk = k.clamp(min=0)
        kk = ember.minimum(kk, n)
        log_v = (v * alpha / (a / (us * us) + b)).log()
        test = log_v <= h - (kk + 1).lgamma() - (n - kk + 1).lgamma() + (kk - m) * lpq
        accept = pending & inside & (quick | test)
        result = ember.where(accept, k, result)
        pending = pending & ~accept
    return result


def binomial(total_count, probs, generator=None):
    """Binomial counts for tensors total_count and probs of one shape, in probs' dtype."""
    n = total_count.detach().to(ember.float64)
    p = probs.detach().to(ember.float64)
    flip = p > 0.5
    p_low = ember.where(flip, 1 - p, p)
    small = n * p_low < _INVERSION_LIMIT
    out = _binomial_inversion(ember.where(small, n, 0.0), ember.where(small, p_low, 0.25), generator)
    if bool((~small).any()):
        big = _binomial_btrs(ember.where(small, 100.0, n), ember.where(small, 0.25, p_low), generator)
        out = ember.where(small, out, big)
    out = ember.where(flip, n - out, out)
    out = ember.where(p_low == 0, ember.where(flip, n, 0.0), out)
    return out.to(probs.dtype)
