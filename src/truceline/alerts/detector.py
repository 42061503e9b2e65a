"""Escalation detector: a one-sided Poisson CUSUM on counts per bin against a rolling
baseline (pure: counts in, alarms out; no clock, no randomness).

Counts are ``fire`` findings of one sector per bin (an hour by default). For bin ``t``:

* baseline ``lam_t``: the mean count of the ``window_bins`` bins that end ``guard_bins``
  before ``t`` (the guard keeps a rise out of its own baseline while it is being detected;
  the rolling window follows a baseline that itself drifts slowly), never below
  ``rate_floor`` (so a quiet sector's first shots are judged against a small rate, not 0);
  no monitoring until ``min_window_bins`` of history exist;
* statistic ``S_t = max(0, S_{t-1} + x_t ln(rho) - (rho - 1) lam_t)``: the log-likelihood
  ratio of a ``rho``-fold rise (Page 1954; Lucas 1985 for counts), optimal for that rise;
* alarm when ``S_t >= h_t``, after which the chart restarts from 0. ``h_t`` is chosen for an
  in-control average run length of ``arl0_bins`` given that ``lam_t`` is itself estimated
  from ``window_bins`` bins (:mod:`truceline.alerts.arl`).

The run that led to an alarm starts after the last bin where ``S`` was 0: the CUSUM's
estimate of the change point, over which the alarm reports observed against expected.
Alarms can be raised on a partly filled bin: ``S_t`` only grows with ``x_t``, so a crossing
on the events seen so far is a crossing on the completed bin too; ``crossing_count`` says
how many of the bin's events it took.

Defaults (hourly bins): ``rho = 2``, ``arl0_bins = 720`` (one false alarm per 30 days per
sector), a 7-day window, a 1-day guard, at least 3 days of history, a floor of one event
a week. Measured figures: docs/alerts.md and ``truceline alerts simulate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from truceline.alerts.arl import LEVEL_RATIO, level_threshold

WINDOW_STEP = 72
"""A short (warm-up) window's length is rounded down to this many bins for its threshold."""


@dataclass(frozen=True, slots=True)
class CusumDesign:
    """The detector's parameters (see the module docstring)."""

    rho: float = 2.0
    arl0_bins: float = 720.0
    window_bins: int = 168
    guard_bins: int = 24
    min_window_bins: int = 72
    rate_floor: float = 1.0 / 168.0

    def __post_init__(self) -> None:
        if self.rho <= 1.0:
            raise ValueError("rho must exceed 1: the chart looks for a rise")
        if self.arl0_bins <= 1.0:
            raise ValueError("arl0_bins must exceed 1")
        if not 0 < self.min_window_bins <= self.window_bins:
            raise ValueError("need 0 < min_window_bins <= window_bins")
        if self.guard_bins < 0 or self.rate_floor <= 0:
            raise ValueError("guard_bins must be >= 0 and rate_floor > 0")

    @property
    def jump(self) -> float:
        """What one event adds to the statistic: ``ln(rho)``."""
        return math.log(self.rho)

    @property
    def false_alarms_per_1000(self) -> float:
        """The design's false-alarm rate per 1,000 bins under no change."""
        return 1000.0 / self.arl0_bins

    def threshold(self, rate: float, window_bins: int) -> float:
        """``h`` for a baseline estimate ``rate`` from ``window_bins`` bins."""
        return float(thresholds(np.array([rate]), np.array([window_bins]), self)[0])


@dataclass(frozen=True, slots=True)
class Alarm:
    """One crossing of the threshold."""

    bin: int
    start_bin: int
    crossing_count: int
    observed: int
    expected: float
    baseline: float
    threshold: float
    statistic: float

    @property
    def ratio(self) -> float:
        """Observed over expected over the run (the size of the rise, as estimated)."""
        return self.observed / self.expected if self.expected > 0 else math.inf


@dataclass(frozen=True, slots=True)
class Chart:
    """The detector's trace over one series: arrays per bin (NaN where not monitored)."""

    baseline: np.ndarray
    threshold: np.ndarray
    statistic: np.ndarray
    alarms: list[Alarm] = field(default_factory=list)


def window_lengths(bins: int, design: CusumDesign) -> np.ndarray:
    """How many baseline bins bin ``t`` has: ``min(W, max(0, t - guard))``."""
    t = np.arange(bins)
    return np.clip(t - design.guard_bins, 0, design.window_bins)


def baselines(counts: np.ndarray, design: CusumDesign) -> np.ndarray:
    """Baseline rate per (series, bin), NaN where fewer than ``min_window_bins`` exist."""
    series, bins = counts.shape
    cum = np.concatenate([np.zeros((series, 1)), np.cumsum(counts, axis=1)], axis=1)
    t = np.arange(bins)
    end = np.clip(t - design.guard_bins, 0, None)
    start = np.clip(end - design.window_bins, 0, None)
    n = end - start
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = (cum[:, end] - cum[:, start]) / n
    rate = np.maximum(rate, design.rate_floor)
    rate[:, n < design.min_window_bins] = np.nan
    return np.asarray(rate)


def thresholds(rates: np.ndarray, windows: np.ndarray, design: CusumDesign) -> np.ndarray:
    """``h`` for each baseline estimate (any shape) from windows of the given lengths
    (broadcast against ``rates``), interpolated in log rate between cached grid levels."""
    rates, windows = np.broadcast_arrays(rates, windows)
    out = np.full(rates.shape, np.nan)
    ok = np.isfinite(rates)
    step = np.where(
        windows >= design.window_bins,
        design.window_bins,
        (windows // WINDOW_STEP) * WINDOW_STEP,
    )
    position = np.log(np.maximum(np.where(ok, rates, 1.0), design.rate_floor)) / math.log(
        LEVEL_RATIO
    )
    below = np.floor(position).astype(np.int64)
    for n in np.unique(step[ok]):
        sel = ok & (step == n)
        levels = np.unique(np.concatenate([below[sel], below[sel] + 1]))
        table = {
            int(lv): level_threshold(
                int(lv), design.rho, design.arl0_bins, int(max(n, 1)), design.rate_floor
            )
            for lv in levels
        }
        h0 = np.array([table[int(lv)] for lv in below[sel]])
        h1 = np.array([table[int(lv) + 1] for lv in below[sel]])
        out[sel] = h0 + (h1 - h0) * (position[sel] - below[sel])
    return out


@dataclass(frozen=True, slots=True)
class RawAlarm:
    series: int
    bin: int
    start_bin: int
    before: float


def run(
    counts: np.ndarray, design: CusumDesign
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[RawAlarm]]:
    """The chart over many series at once (``counts``: series x bins).

    Returns baselines, thresholds, the statistic (before any restart) and the alarms.
    """
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 2:
        raise ValueError("counts must be a 2-D array: series x bins")
    rate = baselines(counts, design)
    h = thresholds(rate, window_lengths(counts.shape[1], design)[None, :], design)
    drift = (design.rho - 1.0) * rate
    stat = np.full(rate.shape, np.nan)
    s = np.zeros(counts.shape[0])
    zero_at = np.full(counts.shape[0], -1)
    alarms: list[RawAlarm] = []
    for t in range(counts.shape[1]):
        live = np.isfinite(rate[:, t])
        if not live.any():
            zero_at[:] = t
            continue
        before = s.copy()
        s = np.where(live, np.maximum(0.0, s + counts[:, t] * design.jump - drift[:, t]), 0.0)
        stat[:, t] = np.where(live, s, np.nan)
        hit = live & (s >= h[:, t])
        for i in np.flatnonzero(hit):
            alarms.append(RawAlarm(int(i), t, int(zero_at[i]) + 1, float(before[i])))
        s[hit] = 0.0
        zero_at[(s == 0.0)] = t
    return rate, h, stat, alarms


def detect(counts: np.ndarray | list[int], design: CusumDesign | None = None) -> Chart:
    """Run the detector over one series of counts per bin; returns its trace and alarms."""
    design = design or CusumDesign()
    series = np.asarray(counts, dtype=np.int64)[None, :]
    rate, h, stat, raw = run(series, design)
    x, lam = series[0], rate[0]
    alarms = []
    for a in raw:
        t = a.bin
        need = (h[0, t] - a.before + (design.rho - 1.0) * lam[t]) / design.jump
        crossing = int(min(max(math.ceil(need - 1e-12), 1), x[t]))
        alarms.append(
            Alarm(
                bin=t,
                start_bin=a.start_bin,
                crossing_count=crossing,
                observed=int(x[a.start_bin : t + 1].sum()),
                expected=float(np.nansum(lam[a.start_bin : t + 1])),
                baseline=float(lam[t]),
                threshold=float(h[0, t]),
                statistic=float(stat[0, t]),
            )
        )
    return Chart(baseline=lam, threshold=h[0], statistic=stat[0], alarms=alarms)
