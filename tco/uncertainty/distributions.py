"""Quantile functions (inverse CDFs) of the scenario's distributions.

A value is drawn as quantile(u) for u uniform on (0, 1): one mechanism serves sampling and the
tornado's P10/P90, and a draw depends only on its uniforms. Truncation to [a, b] maps u onto
[F(a), F(b)] first, so a truncated normal is still drawn in one step:

    uniform      low + u (high - low)
    triangular   low + sqrt(u (high - low)(mode - low))        for u < (mode - low)/(high - low)
                 high - sqrt((1 - u)(high - low)(high - mode))  otherwise
    normal       mean + sd z,  z = Phi^-1(Phi(a') + u (Phi(b') - Phi(a'))),  a' = (a - mean)/sd
    lognormal    median exp(sigma z),  z = Phi^-1(Phi(a') + u (Phi(b') - Phi(a'))) on log scale
    discrete     the smallest value whose cumulative probability exceeds u (values sorted)
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from tco.scenario.schema import Distribution

_STD = NormalDist()


def _phi(x: float) -> float:
    if x == -math.inf:
        return 0.0
    if x == math.inf:
        return 1.0
    return _STD.cdf(x)


def _z(p: np.ndarray) -> np.ndarray:
    eps = 1e-15
    return np.array([_STD.inv_cdf(min(max(float(q), eps), 1 - eps)) for q in np.ravel(p)]
                    ).reshape(np.shape(p))


def quantile(d: Distribution, u, valid: tuple[float, float] = (-math.inf, math.inf)
             ) -> np.ndarray:
    """The values at probabilities `u`, within the `valid` range of what they drive."""
    u = np.asarray(u, dtype=float)
    lo = max(valid[0], d.low if d.low is not None else -math.inf)
    hi = min(valid[1], d.high if d.high is not None else math.inf)
    if d.dist == "uniform":
        return d.low + u * (d.high - d.low)
    if d.dist == "triangular":
        a, c, b = d.low, d.mode, d.high
        if b == a:
            return np.full(u.shape, a)
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)
    if d.dist == "normal":
        pa, pb = _phi((lo - d.mean) / d.sd), _phi((hi - d.mean) / d.sd)
        return np.clip(d.mean + d.sd * _z(pa + u * (pb - pa)), lo, hi)
    if d.dist == "lognormal":
        mu = math.log(d.median)
        la = (math.log(lo) - mu) / d.sigma if lo > 0 else -math.inf
        lb = (math.log(hi) - mu) / d.sigma if hi < math.inf else math.inf
        pa, pb = _phi(la), _phi(lb)
        return d.median * np.exp(d.sigma * _z(pa + u * (pb - pa)))
    order = np.argsort(d.values, kind="stable")
    values = np.asarray(d.values, dtype=float)[order]
    cum = np.cumsum(np.asarray(d.probabilities, dtype=float)[order])
    idx = np.minimum(np.searchsorted(cum, u, side="right"), len(values) - 1)
    return values[idx]


def support(d: Distribution) -> tuple[float, float]:
    """Smallest and largest value the distribution can take (before the driver's range)."""
    if d.dist in ("uniform", "triangular"):
        return d.low, d.high
    if d.dist == "discrete":
        return min(d.values), max(d.values)
    if d.dist == "lognormal":
        return (d.low if d.low is not None else 0.0, d.high if d.high is not None else math.inf)
    return (d.low if d.low is not None else -math.inf, d.high if d.high is not None else math.inf)


def mean(d: Distribution) -> float | None:
    """The mean where it has a closed form without truncation (uniform, triangular,
    lognormal, discrete, an untruncated normal); None otherwise."""
    if d.dist == "uniform":
        return (d.low + d.high) / 2
    if d.dist == "triangular":
        return (d.low + d.mode + d.high) / 3
    if d.dist == "discrete":
        return float(np.dot(d.values, d.probabilities))
    if d.dist == "lognormal" and d.low is None and d.high is None:
        return d.median * math.exp(d.sigma ** 2 / 2)
    if d.dist == "normal" and d.low is None and d.high is None:
        return d.mean
    return None
