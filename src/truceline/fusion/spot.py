"""A salvo's launch spot from its sensors' pick-time differences (pure, numpy/scipy).

A launcher fires every round of a salvo from one spot, so at every pair of sensors that
hears it the difference of arrival times is the same for every round, to the timing
errors (milliseconds). A free search locates one round at a time, and where few sensors
hear the salvo (five, all on one side of the launcher) it mostly finds mixtures of
neighbouring rounds, which fit a place kilometres off as well as the true rounds fit the
spot: rounds half a second apart line up one round shifted at every sensor to within the
launch cadence's jitter. The differences of all the picks at two sensors, taken over the
whole salvo, hold one sharp peak at the true lag, one count per round heard at both,
while a shifted pairing of rounds spreads over that jitter (tens of milliseconds). The
peaks of the sensor pairs then place the spot by least squares on the exact geometry
and the propagation model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import least_squares

from truceline.fusion.locate import Fix, Frame, predict
from truceline.fusion.network import WeatherAt
from truceline.geo import F64


@dataclass(frozen=True, slots=True)
class Lag:
    """The arrival-time difference ``t_i − t_j`` of one source at sensors ``i`` and ``j``
    and how many pick pairs agree on it (within the window of :func:`pair_peak`)."""

    i: int
    j: int
    lag: float
    count: int


@dataclass(frozen=True, slots=True)
class Peak:
    """The window of pick differences at two sensors that holds the most: its lag (the
    window's median), its count, and the most any window apart from it holds."""

    lag: float
    count: int
    rival: int

    @property
    def sharp(self) -> bool:
        """No window apart from the peak holds more than half its count."""
        return self.rival * 2 <= self.count


def pair_peak(a: F64, b: F64, max_lag: float, width: float) -> Peak | None:
    """The :class:`Peak` of the pick differences ``a − b`` within ``max_lag`` over windows
    of width ``width``; ``None`` when there are no differences."""
    d = (a[:, None] - b[None, :]).ravel()
    d = np.sort(d[np.abs(d) <= max_lag])
    if not len(d):
        return None
    ends = np.searchsorted(d, d + width, side="right")
    counts = ends - np.arange(len(d))
    best = int(np.argmax(counts))
    lag = float(np.median(d[best : ends[best]]))
    apart = np.abs(d + 0.5 * width - lag) > 1.5 * width
    return Peak(lag, int(counts[best]), int(counts[apart].max()) if apart.any() else 0)


def sensor_lags(times: Sequence[F64], max_lags: F64, width: float, min_count: int) -> list[Lag]:
    """The lags of every pair of sensors (``times[k]``: the picks at sensor ``k``;
    ``max_lags[i, j]``: the largest lag the geometry allows) whose peak holds at least
    ``min_count`` pairs of picks and is sharp (:attr:`Peak.sharp`) or closes a triangle:
    equals, to ``width``, the sum of the peaks of ``i, k`` and ``k, j`` for some third
    sensor ``k``.

    Where the launch cadence is regular (rounds every 0.5 s with under 0.1 s of jitter),
    the pairing shifted by one round holds a third to a half of the true peak's count,
    and the sharpness test alone rejected most pairs: on the independent moderate
    scenario 7 (benchmarks/spec_scenarios.py) 8 of a weak salvo's 10 pairs, peaks of
    16–37 rounds, leaving too few lags to place the spot; with the triangles, 9 of the
    10 (the tenth, a peak of 10 rounds 7.5 s off, closes none) place it within 2 m of
    the salvo's first round.
    Three true lags always add up; a peak of rounds paired one off is off by the
    cadence and closes no triangle with two true ones, and the spot's fit
    (:func:`locate_spot`) must still hold every lag kept within ``max_rms_s``.
    """
    n = len(times)
    lags = np.full((n, n), np.nan)  # lags[i, j] = −lags[j, i]: the peaks kept so far
    peaks: dict[tuple[int, int], Peak] = {}
    for i in range(n):
        for j in range(i + 1, n):
            peak = pair_peak(times[i], times[j], float(max_lags[i, j]), width)
            if peak is not None and peak.count >= min_count:
                peaks[(i, j)] = peak
                lags[i, j], lags[j, i] = peak.lag, -peak.lag
    # |lags[i, k] + lags[k, j] − lags[i, j]| over every third sensor k (NaN: no peak).
    closure = np.abs(lags[:, :, None] + lags[None, :, :] - lags[:, None, :])
    return [Lag(i, j, p.lag, p.count) for (i, j), p in peaks.items()
            if p.sharp or bool((closure[i, :, j] <= width).any())]  # fmt: skip


def locate_spot(
    lags: Sequence[Lag],
    sensors_ecef: F64,
    start: tuple[float, float, float],
    weather: WeatherAt,
    *,
    max_rms_s: float,
    max_shift_m: float,
) -> tuple[float, float, float] | None:
    """The spot (lat, lon, height) whose predicted lags fit ``lags`` by least squares,
    starting at ``start`` and moving over the surface of its height (``Frame``).
    ``None`` unless the lags join at least three sensors with three pairs, the fit's RMS
    residual is at most ``max_rms_s`` and the spot lies within ``max_shift_m`` of
    ``start``."""
    used = {k for lag in lags for k in (lag.i, lag.j)}
    if len(lags) < 3 or len(used) < 3:
        return None
    lat0, lon0, h0 = start
    ii = np.array([lag.i for lag in lags])
    jj = np.array([lag.j for lag in lags])
    want = np.array([lag.lag for lag in lags])

    frame = Frame(lat0, lon0, h0)

    def place(x: F64) -> tuple[float, float, float]:
        return (*frame.geodetic(float(x[0]), float(x[1])), h0)

    def residual(x: F64) -> F64:
        arrival, _ = predict(sensors_ecef, _fix(*place(x)), weather)
        return np.asarray(arrival[ii] - arrival[jj] - want, dtype=np.float64)

    fit = least_squares(residual, np.zeros(2), x_scale=1000.0)
    rms = float(np.sqrt(np.mean(fit.fun**2)))
    if not fit.success or rms > max_rms_s or float(np.hypot(*fit.x)) > max_shift_m:
        return None
    return place(fit.x)


def travel_times(sensors_ecef: F64, spot: tuple[float, float, float], weather: WeatherAt) -> F64:
    """Travel time from the spot to every sensor."""
    arrival, _ = predict(sensors_ecef, _fix(*spot), weather)
    return arrival


def _fix(lat: float, lon: float, height: float) -> Fix:
    """A point source at origin time 0 with no uncertainty (for predictions)."""
    empty = np.zeros(0)
    return Fix(lat, lon, height, 0.0, np.zeros((3, 3)), empty, empty, 0.0, 0, True)


def slowness(
    sensors_ecef: F64, spot: tuple[float, float, float], weather: WeatherAt, step_m: float = 1.0
) -> F64:
    """How each sensor's travel time changes as the source moves east and north of
    ``spot`` (s/m, one row per sensor): central differences of the exact model, over a
    few metres where it is linear to far below the timing errors."""
    frame = Frame(*spot)
    out = np.empty((len(sensors_ecef), 2))
    for k, (de, dn) in enumerate(((step_m, 0.0), (0.0, step_m))):
        plus = travel_times(sensors_ecef, (*frame.geodetic(de, dn), spot[2]), weather)
        minus = travel_times(sensors_ecef, (*frame.geodetic(-de, -dn), spot[2]), weather)
        out[:, k] = (plus - minus) / (2.0 * step_m)
    return out


@dataclass(frozen=True, slots=True)
class SpotFit:
    """One round fitted at a known launch spot: its shift from the spot (east, north, m),
    origin time, covariance (east, north, origin), chi-square and timing residuals (s)."""

    shift: F64
    origin: float
    cov: F64
    chi2: float
    residuals: F64


def fit_at_spot(t: F64, tt: F64, grad: F64, sigma: F64, prior: F64) -> SpotFit:
    """A round's origin time from its picks ``t`` at a launcher's known spot (travel
    times ``tt``, their gradient ``grad`` from :func:`slowness`, timing sigmas
    ``sigma``), its launch point free to lie off the spot as the 2 × 2 covariance
    ``prior`` (east, north, m²) allows: the launcher's own spread and the spot's error.

    A launcher fires every round from within a few metres, so the spot (placed by the
    salvo's well-heard rounds or its lags) is known far better than four picks from
    15 km away could place one round: alone, their fit moves hundreds of metres along
    the range, where mixtures of neighbouring rounds fit as well. With the spot as a
    prior (two pseudo-observations of the shift), the round has one unknown that
    matters, its origin time, and its picks must agree on it to their timing errors:
    the chi-square has ``n − 1`` degrees of freedom. The model is linear in the shift
    over metres, so this is one weighted least-squares solve, and its covariance is the
    round's: where the picks say nothing (along the range) it is the prior's, spot error
    included.
    """
    w = 1.0 / sigma
    root = np.linalg.cholesky(np.linalg.inv(prior))  # prior⁻¹ = root · rootᵀ
    a = np.vstack([
        np.column_stack([grad * w[:, None], w]),
        np.column_stack([root.T, np.zeros(2)]),
    ])  # fmt: skip
    y = np.concatenate([(t - tt) * w, [0.0, 0.0]])
    x, *_ = np.linalg.lstsq(a, y, rcond=None)
    r = y - a @ x
    cov = np.linalg.inv(a.T @ a)
    residuals = (t - tt) - (grad @ x[:2] + x[2])
    return SpotFit(x[:2].copy(), float(x[2]), cov, float(r @ r), residuals)


def lag_covariance(lags: Sequence[Lag], grad: F64, sigma_t: F64) -> F64:
    """The covariance (east, north, m²) of a spot placed by ``lags`` (:func:`locate_spot`):
    each lag is the median of ``count`` pick differences at two sensors, each with
    variance ``σi² + σj²``; ``grad`` is :func:`slowness` of the lags' sensors at the
    spot, so a lag changes by ``grad[i] − grad[j]`` a metre."""
    info = np.zeros((2, 2))
    for lag in lags:
        j = grad[lag.i] - grad[lag.j]
        var = (sigma_t[lag.i] ** 2 + sigma_t[lag.j] ** 2) / lag.count
        info += np.outer(j, j) / var
    return np.asarray(np.linalg.inv(info), dtype=np.float64)


def busy_spans(t: F64, sensor: NDArray[np.int64], span_s: float, min_count: int
               ) -> tuple[NDArray[np.int64], F64, F64]:  # fmt: skip
    """The sensors with ``min_count`` or more picks within some ``span_s`` (a salvo's
    rounds, half a second apart), and for each the first and last pick of those spans.

    Outside salvos a sensor picks a blast every minute or so (twice that on the hard
    load) and a false alarm every ten minutes (the hard load's six an hour): within 20 s
    a Poisson mean of about 0.7, so eight picks there are chance about once in a million
    spans, while a sensor that hears a salvo's launches has one each round it hears.
    """
    if not len(t):
        empty = np.zeros(0)
        return np.zeros(0, dtype=np.int64), empty, empty
    # One sorted key per (sensor, time): sensors laid far enough apart that no span
    # reaches from one sensor's picks to the next one's.
    gap = float(t.max() - t.min()) + 2.0 * span_s + 1.0
    key = sensor * gap + (t - t.min())
    order = np.argsort(key, kind="stable")
    key, ts, ss = key[order], t[order], sensor[order]
    ends = np.searchsorted(key, key + span_s, side="right")
    dense = np.flatnonzero(ends - np.arange(len(key)) >= min_count)
    if not len(dense):
        empty = np.zeros(0)
        return np.zeros(0, dtype=np.int64), empty, empty
    first = ts[dense]
    last = ts[ends[dense] - 1]
    busy = np.unique(ss[dense])
    at = np.searchsorted(busy, ss[dense])
    lo = np.full(len(busy), np.inf)
    hi = np.full(len(busy), -np.inf)
    np.minimum.at(lo, at, first)
    np.maximum.at(hi, at, last)
    return busy, lo, hi


def grid_starts(lags: Sequence[Lag], sensors_enu: F64, speed: float, *, reach_m: float,
                step_m: float, count: int = 3, apart_m: float = 3_000.0
                ) -> list[tuple[float, float]]:  # fmt: skip
    """Up to ``count`` points (east, north, in the sensors' frame), at least ``apart_m``
    apart, of a grid ``step_m`` apart over the ground within ``reach_m`` of every
    sensor of ``lags``, whose straight-line lags at ``speed`` fit ``lags`` best, best
    first: starts for :func:`locate_spot` where no event of the salvo gives one.

    Lags alone place the spot on hyperbolas: a fit started far off may settle on the
    wrong branch or stall where they are nearly parallel, and sensors on one side of the
    launcher, nearly in a line, fit its mirror image across that line almost as well.
    The grid finds the basins; the exact model's fit from each does the rest (the
    grid's straight rays and still air are off by a few per cent, within a basin), and
    the caller tells a spot from its mirror."""
    used, pos = np.unique([(lag.i, lag.j) for lag in lags], return_inverse=True)
    pos = pos.reshape(len(lags), 2)
    want = np.array([lag.lag for lag in lags])
    en = sensors_enu[used, :2]
    lo = en.max(axis=0) - reach_m
    hi = en.min(axis=0) + reach_m
    if (hi < lo).any():
        return []
    east = np.arange(lo[0], hi[0] + step_m, step_m)
    north = np.arange(lo[1], hi[1] + step_m, step_m)
    ge, gn = (a.ravel() for a in np.meshgrid(east, north))
    dist = np.hypot(ge[:, None] - en[:, 0], gn[:, None] - en[:, 1])
    cost = (((dist[:, pos[:, 0]] - dist[:, pos[:, 1]]) / speed - want) ** 2).sum(axis=1)
    out: list[tuple[float, float]] = []
    for k in np.argsort(cost, kind="stable"):
        if all(np.hypot(ge[k] - e, gn[k] - n) >= apart_m for e, n in out):
            out.append((float(ge[k]), float(gn[k])))
            if len(out) == count:
                break
    return out
