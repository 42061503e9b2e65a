"""Average run length of a Poisson CUSUM and the threshold that gives a target one (pure).

The chart (:mod:`truceline.alerts.detector`) accumulates the log-likelihood ratio of a
``rho``-fold rise against a baseline rate ``lam0`` per bin (Page 1954; Lucas 1985)::

    S_t = max(0, S_{t-1} + x_t * ln(rho) - (rho - 1) * lam0)

and signals when ``S_t >= h``. Its in-control average run length (ARL0, the mean number of
bins between false alarms) is computed by the Markov-chain method of Brook & Evans (1972):
in units of ``1/q`` of an event's jump ``ln(rho)`` an event adds ``q`` cells and a bin's
drift ``k = (rho - 1) lam0 / ln(rho)`` (Lucas's reference value) takes ``p`` away; when
``k = p/q`` the statistic only takes lattice values, ``R`` holds the transition
probabilities between the cells below ``h`` and the ARL from zero is the first element of
``(I - R)^-1 1``, exactly. Other drifts are interpolated between the nearest fractions. The
chain agrees with simulation to about 2 % (tests/alerts/test_arl.py).

The baseline is not known but estimated from a trailing window of ``n`` bins, and a
baseline that happens to be low raises the false-alarm rate far more than a high one lowers
it. :func:`false_alarm_rate` therefore averages ``1 / ARL`` over the sampling distribution of
the estimate (``Poisson(n lam) / n``, represented by equal-probability strata), holding the
estimate fixed during a run, which is the worst case for a rolling window. The threshold
solves ``false_alarm_rate(h) = 1 / ARL0`` on a 0.01 grid (:func:`solve_threshold`). With a
known rate, Lorden's bound ``ARL0 >= exp(h)`` would be safe but five to fifty times too
strict for these counts.

References: E. S. Page, "Continuous inspection schemes", Biometrika 41 (1954) 100-115;
J. M. Lucas, "Counted data CUSUM's", Technometrics 27 (1985) 129-144; D. Brook and
D. A. Evans, "An approach to the probability distribution of CUSUM run length",
Biometrika 59 (1972) 539-549; W. A. Jensen et al., "Effects of parameter estimation on
control chart properties", J. Quality Technology 38 (2006) 349-364.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.linalg import solve_triangular
from scipy.stats import poisson

MAX_DENOMINATOR = 24
"""Cells per event jump at most (more for tiny drifts, whose lattice must resolve them)."""
STRATA = 7
"""Equal-probability strata representing the baseline estimate's sampling distribution."""


def fractions(drift: float) -> tuple[tuple[int, int], tuple[int, int]]:
    """The closest fractions ``p/q`` below and above ``drift`` (in event jumps per bin) with
    ``q`` at most ``max(24, 1 / drift + 1)`` (capped at 400); equal when one is exact."""
    limit = min(400, max(MAX_DENOMINATOR, math.ceil(1.0 / drift) + 1))
    low, high = (0, 1), (math.ceil(drift), 1)
    for q in range(1, limit + 1):
        p = math.floor(drift * q)
        if p >= 1 and p / q > low[0] / low[1]:
            low = (p, q)
        if p / q == drift:
            return (p, q), (p, q)
        if (p + 1) / q < high[0] / high[1]:
            high = (p + 1, q)
    return (low if low[0] else high), high


def chain_arl(h: float, rate: float, p: int, q: int, jump: float) -> float:
    """Zero-state ARL when each event adds ``q`` cells and each bin takes ``p`` away, the
    threshold ``h`` being ``h / jump`` events (Brook & Evans 1972; exact on this lattice)."""
    top = h / jump
    size = max(1, math.ceil(top * q - 1e-9))
    xs = np.arange(math.ceil(top + p / q) + 1)
    prob = poisson.pmf(xs, rate)
    moves = xs * q - p
    after = np.arange(size)[:, None] + moves[None, :]
    weight = np.where(after >= size, 0.0, np.broadcast_to(prob, after.shape))
    target = np.clip(after, 0, size - 1)
    rows = np.broadcast_to(np.arange(size)[:, None], after.shape)
    flat = np.bincount((rows * size + target).ravel(), weights=weight.ravel(), minlength=size**2)
    lengths = solve_m_matrix(np.eye(size) - flat.reshape(size, size), np.ones(size), band=p)
    return float(lengths[0])


def arl(h: float, rate: float, used_rate: float, rho: float) -> float:
    """Zero-state ARL (bins) of the chart with threshold ``h`` on counts ~ Poisson(``rate``)
    when the chart believes the baseline is ``used_rate``.

    In units of ``1/q`` of an event's jump, an event moves the statistic up by exactly ``q``
    cells; when the drift is ``p/q`` jumps a bin, the statistic only ever takes lattice
    values and the chain is exact. For any other drift the ARL is interpolated, in log ARL
    (nearly linear in the drift over so short a step), between the closest fractions below
    and above (:func:`fractions`). The lattices do not depend on ``h``, so the ARL grows
    monotonically with ``h`` and a search for a threshold has one answer.
    """
    if h <= 0:
        return 1.0
    jump = math.log(rho)
    k = (rho - 1.0) * used_rate / jump  # the drift per bin, in units of one event's jump
    (p1, q1), (p2, q2) = fractions(k)
    a1 = chain_arl(h, rate, p1, q1, jump)
    if (p1, q1) == (p2, q2):
        return a1
    a2 = chain_arl(h, rate, p2, q2, jump)
    f1, f2 = p1 / q1, p2 / q2
    w = min(max((k - f1) / (f2 - f1), 0.0), 1.0)
    return float(math.exp((1.0 - w) * math.log(a1) + w * math.log(a2)))


def solve_m_matrix(a: np.ndarray, b: np.ndarray, band: int | None = None) -> np.ndarray:
    """Solve ``a x = b`` for a nonsingular M-matrix ``a`` (here ``I - R``, ``R`` substochastic)
    whose non-zeros below the diagonal lie within ``band`` of it (default: anywhere).

    Gaussian elimination without pivoting is stable for M-matrices (every Schur complement
    is again one) and keeps the lower band: the chain moves down by at most ``p`` cells a
    bin, so each column is eliminated from ``p`` rows only. Written with element-wise
    numpy, not LAPACK's dense solver: for these systems a threaded BLAS on a busy machine
    was slower by two orders of magnitude.
    """
    a = np.array(a, dtype=np.float64)
    b = np.array(b, dtype=np.float64)
    n = len(b)
    reach = n if band is None else band
    for i in range(n - 1):
        end = min(i + 1 + reach, n)
        factor = a[i + 1 : end, i] / a[i, i]
        a[i + 1 : end, i:] -= factor[:, None] * a[i, i:]
        b[i + 1 : end] -= factor * b[i]
    return np.asarray(solve_triangular(a, b, check_finite=False), dtype=np.float64)


def estimate_strata(rate: float, window_bins: int, floor: float) -> np.ndarray:
    """Baseline estimates ``N / n`` at the mid-quantiles of ``N ~ Poisson(n * rate)``."""
    u = (np.arange(STRATA) + 0.5) / STRATA
    counts = poisson.ppf(u, window_bins * rate)
    return np.asarray(np.maximum(counts / window_bins, floor), dtype=np.float64)


def false_alarm_rate(
    h: float, rate: float, rho: float, window_bins: int | None, floor: float
) -> float:
    """False alarms per bin at true rate ``rate``: ``1 / ARL`` averaged over the estimate.

    ``window_bins=None`` means the baseline is known exactly.
    """
    if window_bins is None:
        return 1.0 / arl(h, rate, max(rate, floor), rho)
    used, weight = np.unique(estimate_strata(rate, window_bins, floor), return_counts=True)
    far = [1.0 / arl(h, rate, float(u), rho) for u in used]
    return float(np.dot(far, weight) / weight.sum())


H_STEP = 0.01
"""Thresholds are multiples of this (about 1 % in ARL): a search on this grid has one answer."""


def solve_threshold(
    rate: float, rho: float, arl0: float, window_bins: int | None, floor: float
) -> float:
    """The smallest multiple of ``H_STEP`` whose false-alarm rate at ``rate`` is at most
    ``1 / arl0`` (FAR falls monotonically with ``h``, so the answer is unique).

    Regula falsi on ``log FAR`` (nearly linear in ``h``) over grid indices, with the Illinois
    modification, until the bracket is one step wide.
    """
    target = math.log(1.0 / arl0)

    def gap(index: int) -> float:
        h = index * H_STEP
        return math.log(false_alarm_rate(h, rate, rho, window_bins, floor)) - target

    low, high = 1, math.ceil(math.log(arl0) / H_STEP)
    g_low, g_high = gap(low), gap(high)
    for _ in range(30):  # an estimated baseline can need more than Lorden's exp(h) bound
        if g_high <= 0:
            break
        low, g_low, high = high, g_high, math.ceil(high * 1.5)
        g_high = gap(high)
    else:
        raise ValueError(f"no threshold reaches ARL0 {arl0} at rate {rate}")
    if g_low <= 0:
        return low * H_STEP
    side = 0
    while high - low > 1:
        guess = high - g_high * (high - low) / (g_high - g_low)
        mid = min(max(round(guess), low + 1), high - 1)
        g_mid = gap(mid)
        if g_mid > 0:
            low, g_low = mid, g_mid
            if side == -1:
                g_high /= 2
            side = -1
        else:
            high, g_high = mid, g_mid
            if side == 1:
                g_low /= 2
            side = 1
    return high * H_STEP


LEVEL_RATIO = 1.1
"""Thresholds are solved on a grid of baseline rates 10 % apart and interpolated in log rate."""


@lru_cache(maxsize=4096)
def level_threshold(
    level: int, rho: float, arl0: float, window_bins: int | None, floor: float
) -> float:
    """:func:`solve_threshold` at the grid rate ``LEVEL_RATIO ** level`` (cached: the
    detector interpolates between neighbouring levels in log rate)."""
    return solve_threshold(LEVEL_RATIO**level, rho, arl0, window_bins, floor)
