"""Sensor clocks checked against the events they heard (pure).

A sensor's arrival times are only as good as its clock, and along a front where satellite
navigation is jammed a field sensor can lose its time source and run tens or hundreds of
milliseconds off. Fusion cannot see that pick by pick: a pick 40 ms off a 2 ms sensor's
prediction is rejected from its event like any outlier, so the sensor silently stops
contributing, its picks are left free for chance alignments, and nothing says why. A
smaller offset (a few sigmas) is worse: the picks are kept and pull every fix they join.

Every well-located event (``CHECK_SENSORS`` picks or more) predicts when each working
sensor within its hearing reach (its farthest hearing sensor's distance) should have
picked it. The sensor's *offset* for that event is its pick minus the prediction: for a
pick the event holds, its residual divided by ``1 − h`` (``h`` its leverage, the
prediction's variance over the pick's: the residual a fit without that pick would have
left); otherwise each of its picks within ``REACH_S`` of the prediction, whoever holds it.
A sound sensor's offsets cluster at zero, within its timing sigma; a clock that is off
moves the cluster; picks of other blasts and false alarms spread evenly around it.

:class:`ClockWatch` keeps each sensor's offsets over the last ``WINDOW_S`` of event time
and :func:`judge` reads them (those of the last ``RECENT_S`` first, which tell how the
clock is now, then twice that, the whole window where they are too few to say): the
densest cluster of width ``2 g`` (``g`` the sensor's gate, :func:`gate`), how unlikely
that many offsets are from the even background alone (Poisson), its median and that
median's standard error (from the cluster's spread). A sensor is ``offset`` when the
cluster of ``MIN_CLUSTER`` offsets or more is no chance (below ``PEAK_P``) and its median
lies more than ``OFF_SIGMAS`` timing sigmas and ``OFF_SE`` standard errors from zero;
otherwise ``few`` with fewer than ``MIN_OFFSETS`` offsets, ``inconsistent`` when no
cluster stands out and fewer than ``MIN_CLUSTER`` of ``LOST_OFFSETS`` offsets or more are
on time (picks that agree with no prediction), ``few`` when fewer say so, ``ok`` else.

A clock seconds off has no offsets but chance ones within ``REACH_S``: :func:`far_off`
matches its picks against the arrivals events predicted for it, within ``FAR_S``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
from scipy.special import pdtrc

from truceline.fusion.batch import Frames
from truceline.fusion.locate import travel_model
from truceline.fusion.propagation import sound_speed
from truceline.geo import F64

I64 = np.ndarray
CHECK_SENSORS = 8  # picks an event needs to check the clocks of the sensors around it
REACH_S = 2.0  # offsets looked at either side of a prediction, s
WINDOW_S = 3600.0  # offsets kept, s of event time
RECENT_S = 900.0  # the latest offsets, which say how a clock is now where they can
MIN_OFFSETS = 10  # offsets a sensor needs for a verdict
MIN_CLUSTER = 6  # offsets a cluster needs to say a clock is off
LOST_OFFSETS = 30  # offsets a sensor needs to say none of them agree (``inconsistent``)
PEAK_P = 1e-6  # how unlikely as background a cluster must be
OFF_SIGMAS = 3.0  # a clock is off beyond this many timing sigmas ...
OFF_SE = 5.0  # ... and this many standard errors of its offset
PREDICTION_S = 0.002  # a well-located event's prediction error at a sensor, s (gate)
GATE_SIGMAS = 3.0
MAX_LEVERAGE = 0.9
_SPAN = 10.0  # sensor · _SPAN + offset sorts offsets by sensor (|offset| ≤ REACH_S)
DRIFT_ROUNDS = 8  # fits of a drifting clock's line, each to the offsets near the last
DRIFT_T = 5.0  # standard errors a drift's rate must lie from zero
MAX_DRIFT = 5e-4  # fastest drift sought, s/s (REACH_S over WINDOW_S)
FAR_S = 600.0  # how far off a clock is sought among the picks no event took (far_off), s
FAR_LOCAL_S = 1.0  # a far cluster's background is counted within this of it, s
FAR_CLEAR = 1.5  # a far cluster holds this many times the next one's offsets or more


def gate(sigma: F64) -> F64:
    """Half-width of each sensor's cluster, s: ``GATE_SIGMAS`` of its timing sigma and a
    well-located event's prediction error together."""
    return np.asarray(GATE_SIGMAS * np.hypot(sigma, PREDICTION_S))


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a sensor's offsets say of its clock (times in seconds)."""

    offsets: int  # offsets within ``REACH_S`` of their predictions
    on_time: int  # of them within the sensor's gate of zero
    cluster: int  # offsets in the densest cluster
    offset: float  # the cluster's median (NaN: no offsets)
    stderr: float  # its standard error
    chance: float  # how likely that cluster is from the background alone
    status: str  # "ok", "offset", "inconsistent" or "few"
    drift: float = 0.0  # s/s: the offset grows by this much a second (0: a step)
    unheld: int = 0  # arrivals well-located events predicted for it that it holds no pick of
    picks: int = 0  # its picks in the window (set where that settles a verdict: _unheard)


def judge(offsets: F64, sigma: float, frame: float = 0.0, raw: F64 | None = None) -> Verdict:
    """The verdict on one sensor's clock from its offsets (s) and its timing sigma (s)
    (in a correction's frame: see :func:`judge_all`)."""
    offsets = np.asarray(offsets, dtype=np.float64)
    return judge_all(np.zeros(len(offsets), dtype=np.int64), offsets, np.array([sigma]),
                     np.array([frame]), raw)[0]  # fmt: skip


def judge_all(sensor: I64, offsets: F64, sigma: F64, frame: F64 | None = None,
              raw: F64 | None = None) -> list[Verdict]:  # fmt: skip
    """Every sensor's verdict at once: ``offsets`` (s) with their ``sensor``, and each
    sensor's timing sigma (s). Sorted by sensor and offset, each cluster is a run of
    consecutive offsets, so the whole network's verdicts take a few array passes (the
    engine reads them every few blocks).

    With ``frame`` (each sensor's clock correction now, s), the offsets are measured
    from the corrections (a corrected clock's offsets cluster at zero however far off it
    runs); the verdicts' offsets, and whether a clock is off, are the clock's own.
    ``raw`` (default: the offsets plus ``frame``) are the same offsets on the raw clock,
    those within the gate of zero ``on_time``."""
    ns = len(sigma)
    base = np.zeros(ns) if frame is None else np.asarray(frame, dtype=np.float64)
    inside = np.abs(offsets) <= REACH_S
    order = np.lexsort((offsets[inside], sensor[inside]))
    s, o = sensor[inside][order], offsets[inside][order]
    r = o + base[s] if raw is None else np.asarray(raw)[inside][order]
    key = s * _SPAN + o
    g = gate(np.asarray(sigma, dtype=np.float64))
    n = np.bincount(s, minlength=ns)
    on_time = np.bincount(s, weights=np.abs(r) <= g[s], minlength=ns).astype(np.int64)
    idx = np.arange(len(o))
    width = np.searchsorted(key, key + 2.0 * g[s], side="right") - idx
    # The densest window of each sensor: its first widest run.
    widest = np.zeros(ns, dtype=np.int64)
    np.maximum.at(widest, s, width)
    first = np.full(ns, len(o), dtype=np.int64)
    np.minimum.at(first, s, np.where(width == widest[s], idx, len(o)))
    has = n > 0
    centre = np.full(ns, np.nan)
    centre[has] = _run_median(o, first[has], widest[has])
    sh = np.where(has, np.arange(ns), 0) * _SPAN
    lo = np.searchsorted(key, sh + centre - g)
    m = np.where(has, np.searchsorted(key, sh + centre + g, side="right") - lo, 0)
    offset = np.full(ns, np.nan)
    offset[has] = _run_median(o, lo[has], m[has])
    own = offset + base  # the clock's own offset
    # The cluster's spread about its median, from running sums of the offsets' distances
    # to their sensor's median (small numbers: the sums lose no precision to the rest).
    d = np.where(has[s], o - np.nan_to_num(offset)[s], 0.0)
    c1, c2 = np.concatenate([[0.0], np.cumsum(d)]), np.concatenate([[0.0], np.cumsum(d * d)])
    mm = np.maximum(m, 1)
    mean = (c1[lo + m] - c1[lo]) / mm
    sd = np.sqrt(np.maximum((c2[lo + m] - c2[lo]) / mm - mean * mean, 0.0))
    stderr = np.where(has, 1.2533 * np.maximum(sd, 1e-4) / np.sqrt(mm), np.nan)
    background = (n - m) * (2.0 * g) / np.maximum(2.0 * REACH_S - 2.0 * g, 2.0 * g)
    chance = np.where(has, pdtrc(np.maximum(m - 1, 0), np.maximum(background, 1e-9)), 1.0)
    off = (chance < PEAK_P) & (m >= MIN_CLUSTER) & _beyond(own, sigma, stderr)
    lost = ((chance >= PEAK_P) | (m < MIN_CLUSTER)) & (on_time < MIN_CLUSTER)
    status = np.where(off, "offset",
                      np.where((n < MIN_OFFSETS) | (lost & (n < LOST_OFFSETS)), "few",
                               np.where(lost, "inconsistent", "ok")))  # fmt: skip
    return [Verdict(int(n[i]), int(on_time[i]), int(m[i]), float(own[i]),
                    float(stderr[i]), float(chance[i]), str(status[i]))
            for i in range(ns)]  # fmt: skip


def _beyond(own: F64 | float, sigma: F64 | float, stderr: F64 | float) -> np.ndarray:
    """Whether a clock's own offset lies beyond ``OFF_SIGMAS`` timing sigmas and
    ``OFF_SE`` standard errors of zero (the cluster's other tests passed)."""
    return np.asarray((np.abs(own) > OFF_SIGMAS * np.asarray(sigma))
                      & (np.abs(own) > OFF_SE * np.asarray(stderr)))  # fmt: skip


def _run_median(o: F64, start: I64, length: I64) -> F64:
    """Medians of the sorted runs ``o[start : start + length]`` (lengths ≥ 1)."""
    return np.asarray(0.5 * (o[start + (length - 1) // 2] + o[start + length // 2]))


def drifting(t: F64, sensor: I64, offsets: F64, sigma: F64, now: float, which: I64,
             frame: Correction | None = None) -> dict[int, Verdict]:  # fmt: skip
    """The verdicts of those of the sensors ``which`` whose clock drifts, at time ``now``.

    A free-running clock drifts: its offsets (measured at their picks' times ``t``) lie on a
    line, a cluster of one gate's width holding only a stretch of it. The line is sought
    among the offsets of the last ``2 · RECENT_S`` (:func:`_densest_line`: the rate, on a
    grid, whose detrended offsets cluster most), then fitted (least squares against time)
    to the offsets within the sensor's gate of it, and again to those near the fit, up to
    ``DRIFT_ROUNDS`` times, so that it follows the drift along the whole window. A
    sensor drifts when the line's rate is ``DRIFT_T`` standard errors from zero, moves its
    offset by more than a gate over the offsets' span (a clock that stepped off gives a
    flat line: it stays a step), holds as many of the recent offsets as the densest
    flat cluster does, or more, fits them better than a step does (:func:`_step_rss`)
    and keeps its rate without its most leveraged offset (:func:`_without_lever`). Its
    verdict is then :func:`judge_all`'s on the offsets since the line's first, taken
    back to ``now`` along it (not those before: a burst of fire before the drift began,
    taken along a line, makes a dense cluster of its own), with the rate as ``drift``
    and the chance multiplied by the rates tried, where that verdict is ``offset``
    still. With ``frame``, the offsets are measured from its corrections
    (:func:`judge_all`): the line is how far the clock has run from its correction, the
    verdict the clock's own."""
    out: dict[int, Verdict] = {}
    sig = np.asarray(sigma, dtype=np.float64)
    frame = Correction.none(len(sig)) if frame is None else frame
    for i in which.tolist():
        mine = (sensor == i) & (np.abs(offsets) <= REACH_S)
        ti, oi = t[mine] - now, offsets[mine]
        recent = ti >= -2.0 * RECENT_S
        if np.count_nonzero(recent) < MIN_CLUSTER or np.ptp(ti[recent]) <= 0.0:
            continue
        g = float(gate(sig[i]))
        rate, at, tries, flat = _densest_line(ti[recent], oi[recent], g)
        near = recent & (np.abs(oi - (at + rate * ti)) <= g)
        se = math.inf
        for _ in range(DRIFT_ROUNDS):
            if np.count_nonzero(near) < MIN_CLUSTER or np.ptp(ti[near]) <= 0.0:
                break
            rate, at, se = _line(ti[near], oi[near], g / GATE_SIGMAS)
            now_near = np.abs(oi - (at + rate * ti)) <= g
            if (now_near == near).all():
                break
            near = now_near
        held = np.count_nonzero(recent & (np.abs(oi - (at + rate * ti)) <= g))
        if not (abs(rate) > DRIFT_T * se and abs(rate) * float(np.ptp(ti[near])) > g
                and held >= flat):  # fmt: skip
            continue
        line = float(((oi[near] - at - rate * ti[near]) ** 2).sum())
        if _step_rss(ti[near], oi[near]) <= line:  # a step smaller than the gate
            continue
        if not _without_lever(ti[near], oi[near], g):  # one offset makes the line
            continue
        since = ti >= ti[near].min()
        raw = oi[since] + frame.at(i, ti[since] + now)
        v = judge(oi[since] - rate * ti[since], float(sig[i]), float(frame.at(i, now)), raw)
        chance = min(1.0, v.chance * tries)
        if v.status == "offset" and chance < PEAK_P:
            out[i] = replace(v, drift=float(rate + frame.drift[i]), chance=chance)
    return out


def _without_lever(t: F64, o: F64, g: float) -> bool:
    """Whether the line through the offsets ``o`` at ``t`` still has a rate ``DRIFT_T``
    standard errors from zero without its most leveraged offset: five on-time offsets of
    one burst and a stray pick two minutes on made a 369 ppm line on their own."""
    lever = np.argmax(np.abs(t - t.mean()))
    rest = np.arange(len(t)) != lever
    if np.count_nonzero(rest) < MIN_CLUSTER or np.ptp(t[rest]) <= 0.0:
        return False
    rate, _, se = _line(t[rest], o[rest], g / GATE_SIGMAS)
    return abs(rate) > DRIFT_T * se


def _step_rss(t: F64, o: F64) -> float:
    """The least residual sum of squares of a step (one level before some time, another
    after, each on ``MIN_CLUSTER // 2`` offsets or more) through the offsets ``o`` at
    ``t``: a step smaller than the gate, its two levels within one gate's reach of a
    line, fits them better than the line does."""
    o = o[np.argsort(t, kind="stable")]
    n, k = len(o), MIN_CLUSTER // 2
    if n < 2 * k:
        return math.inf
    c1, c2 = np.cumsum(o), np.cumsum(o * o)
    j = np.arange(k, n - k + 1)  # offsets before the step
    left = c2[j - 1] - c1[j - 1] ** 2 / j
    right = (c2[-1] - c2[j - 1]) - (c1[-1] - c1[j - 1]) ** 2 / (n - j)
    return float((left + right).min())


def _densest_line(t: F64, o: F64, g: float) -> tuple[float, float, int, int]:
    """The line ``o = at + rate · t`` that most offsets lie within ``g`` of: rates on a
    grid ``g / span`` apart up to ``MAX_DRIFT`` either way (neighbours part by one gate
    over the offsets' span), each with its densest cluster of width ``2 g``, the
    smallest rate of the largest. Returns (rate, at, rates tried, the flat cluster's
    count)."""
    step = g / float(np.ptp(t))
    k = int(MAX_DRIFT / step)
    rates = np.arange(-k, k + 1) * step
    rates = rates[np.argsort(np.abs(rates), kind="stable")]  # ties go to the smaller rate
    d = np.sort(o[None, :] - rates[:, None] * t[None, :], axis=1)
    row = np.arange(len(rates))[:, None] * (4.0 * REACH_S + 4.0 * MAX_DRIFT * np.abs(t).max())
    key = (d + row).ravel()
    width = (np.searchsorted(key, key + 2.0 * g, side="right")
             - np.arange(key.size)).reshape(d.shape)  # fmt: skip
    best = width.max(axis=1)
    r = int(np.argmax(best))
    j = int(np.argmax(width[r]))
    # The window's mid-range, not its median: every offset of the window lies within
    # ``g`` of it (a burst of picks at one time pulls the median to one end).
    at = 0.5 * float(d[r, j] + d[r, j + best[r] - 1])
    return float(rates[r]), at, len(rates), int(best[0])


def _line(t: F64, o: F64, sigma: float = 0.0) -> tuple[float, float, float]:
    """Least-squares line ``o = at + rate · t``: (rate, at, the rate's standard error,
    from the residuals' spread but never below ``sigma``, the offsets' own: a few
    offsets can lie closer to a line than their noise, and one of them 4 sigmas off made
    8 on-time offsets over 3.5 minutes a 65 ppm drift)."""
    tm, om = float(t.mean()), float(o.mean())
    stt = float(((t - tm) ** 2).sum())
    rate = float(((t - tm) * (o - om)).sum()) / stt
    at = om - rate * tm
    dof = max(len(t) - 2, 1)
    res = float(((o - at - rate * t) ** 2).sum()) / dof
    return rate, at, math.sqrt(max(res, sigma * sigma, 1e-10) / stt)


def far_off(picks: F64, expected: F64, sigma: float, base: float = 0.0) -> Verdict | None:
    """The verdict on a clock more than ``REACH_S`` (up to ``FAR_S``) off, from its
    picks and the arrivals events predicted for it, or ``None`` when none stands out.

    A clock seconds off has none of its picks taken by an event, and offsets within
    ``REACH_S`` of the predictions only by chance: :func:`judge_all` finds them too few
    (``few``) or none agreeing (``inconsistent``), and the sensor would be lost for good.
    Here its picks (s, less the correction in force) are matched against every arrival
    that well-located events predicted for it (``expected``, s; those it holds no pick
    of) within ``FAR_S``: the offsets of a clock that is off pile up at its lateness, the
    rest spread out. The densest cluster of width ``2 g`` must be no chance: Poisson, on
    the background counted within ``FAR_LOCAL_S`` of it (a salvo's rounds, tenths of a
    second apart, crowd the offsets near any one) or over all ``FAR_S``, whichever is
    denser, times the clusters ``FAR_S`` holds (one sought among thousands); it must
    hold ``MIN_CLUSTER`` offsets, and ``FAR_CLEAR`` times those of the next cluster clear
    of it (a salvo's rounds heard against its predictions alias by one round), and lie
    beyond ``REACH_S − g`` (nearer, :func:`judge_all` sees it). The verdict is ``offset``
    at the cluster's median plus ``base`` (the correction in force) as :func:`judge_all`
    would judge it, or ``ok`` where that is near zero (a wrong correction, undone)."""
    p = np.sort(np.asarray(picks, dtype=np.float64))
    q = np.asarray(expected, dtype=np.float64)
    at, k = _within(p, q, FAR_S)
    d = np.sort(p[at] - np.repeat(q, k))
    n, g = len(d), float(gate(np.array(sigma)))
    if n < MIN_CLUSTER:
        return None
    width = np.searchsorted(d, d + 2.0 * g, side="right") - np.arange(n)
    j = int(np.argmax(width))
    m = int(width[j])
    first, last = float(d[j]), float(d[j + m - 1])
    clear = (d + 2.0 * g < first) | (d > last)
    second = int(width[clear].max()) if clear.any() else 0
    centre = float(np.median(d[j : j + m]))
    near = np.searchsorted(d, centre + FAR_LOCAL_S, side="right") - np.searchsorted(
        d, centre - FAR_LOCAL_S
    )
    rate = max((near - m) / (2.0 * FAR_LOCAL_S - 2.0 * g), (n - m) / (2.0 * FAR_S))
    chance = min(1.0, float(pdtrc(m - 1, max(rate * 2.0 * g, 1e-9))) * FAR_S / g)
    if (m < MIN_CLUSTER or chance >= PEAK_P or FAR_CLEAR * second > m
            or abs(centre) <= REACH_S - g):  # fmt: skip
        return None
    sd = max(float(np.std(d[j : j + m])), 1e-4)
    stderr = 1.2533 * sd / math.sqrt(m)
    own = centre + base
    return Verdict(n, 0, m, own, stderr, chance,
                   "offset" if _beyond(own, sigma, stderr) else "ok")  # fmt: skip


def _within(keys: F64, q: F64, reach: float) -> tuple[I64, I64]:
    """The indices of the sorted ``keys`` within ``reach`` of each ``q``, run after run,
    and each run's length."""
    lo = np.searchsorted(keys, q - reach)
    k = np.searchsorted(keys, q + reach, side="right") - lo
    return np.repeat(lo - np.cumsum(k) + k, k) + np.arange(int(k.sum())), k


@dataclass(frozen=True, slots=True)
class Checked:
    """A block's well-located events, as :func:`block_offsets` needs them: place
    (degrees, m), origin (block time, s), fix covariance (east m, north m, origin s),
    weather in force (°C, m/s), and their picks (sensor, block time; ``first`` the
    start of each event's run of picks, with a final end)."""

    lat: F64
    lon: F64
    height: F64
    origin: F64
    cov: F64  # (E, 3, 3)
    temperature: F64
    wind_u: F64
    wind_v: F64
    pick_sensor: I64
    pick_t: F64
    first: I64  # (E + 1,)


class BlockOffsets(NamedTuple):
    """A block's offsets (:func:`block_offsets`), and the arrivals its events predict at
    the working sensors within their reach that hold none of their picks."""

    event: I64
    sensor: I64
    offset: F64  # s
    at: F64  # the pick's time in the block's frame, s
    unheld: I64  # a sensor that holds none of an event's picks ...
    expected: F64  # ... and when the event should have reached it (block frame, s)
    dist: F64  # (event, sensor): the distance, m
    held: np.ndarray  # (event, sensor): the sensor holds one of the event's picks
    arrival: F64  # (event, sensor): when the event should have reached it (block frame, s)


def block_offsets(ev: Checked, sensors_ecef: F64, sigma: F64, working: np.ndarray,
                  keys: F64, span: float) -> BlockOffsets:  # fmt: skip
    """Every offset of a block's events: (event, sensor, offset in s, the pick's time in
    the block's frame), and the arrivals the far search (:func:`far_off`) matches.

    Each event predicts its arrival at every sensor as its fit did (the exact ENU frame at
    its place, :func:`.locate.travel_model`), with the prediction's standard deviation
    from its covariance. A sensor holding one of its picks gives that pick's leave-one-out
    residual; any other working sensor within its reach (its farthest pick's distance)
    every pick it has within ``REACH_S`` of the prediction (not only the nearest: a clock
    off by a second puts other blasts' picks nearer the prediction than its own). ``keys``
    are every pick of the block as ``sensor · span + t``, sorted.
    """
    n_ev, n_s = len(ev.lat), len(sensors_ecef)
    rel = Frames(ev.lat, ev.lon, ev.height).local(sensors_ecef)  # (E, S, 3): in each frame
    each = np.repeat(np.arange(n_ev), n_s)
    tt, de, dn = travel_model(rel.reshape(-1, 3), sound_speed(ev.temperature)[each],
                              ev.wind_u[each], ev.wind_v[each])  # fmt: skip
    grad = np.stack([de, dn, np.ones_like(de)], axis=1).reshape(n_ev, n_s, 3)
    var = np.einsum("esi,eij,esj->es", grad, ev.cov, grad)
    arrival = ev.origin[:, None] + tt.reshape(n_ev, n_s)
    dist = np.linalg.norm(rel, axis=2)
    counts = np.diff(ev.first)
    owner = np.repeat(np.arange(n_ev), counts)
    held = np.zeros((n_ev, n_s), dtype=bool)
    held[owner, ev.pick_sensor] = True
    reach_m = np.zeros(n_ev)
    np.maximum.at(reach_m, owner, dist[owner, ev.pick_sensor])
    # Picks the events hold: leave-one-out residuals.
    leverage = np.minimum(var[owner, ev.pick_sensor] / sigma[ev.pick_sensor] ** 2, MAX_LEVERAGE)
    own = (ev.pick_t - arrival[owner, ev.pick_sensor]) / (1.0 - leverage)
    # Other working sensors within reach: every pick of theirs near the prediction.
    e_i, s_i = np.nonzero(working[None, :] & ~held & (dist <= reach_m[:, None]))
    q = s_i * span + arrival[e_i, s_i]
    at, k = _within(keys, q, REACH_S)
    event = np.concatenate([owner, np.repeat(e_i, k)])
    sensor = np.concatenate([ev.pick_sensor, np.repeat(s_i, k)])
    offset = np.concatenate([own, keys[at] - np.repeat(q, k)])
    keep = np.abs(offset) <= REACH_S
    event, sensor, offset = event[keep], sensor[keep].astype(np.int64), offset[keep]
    return BlockOffsets(event, sensor, offset, arrival[event, sensor] + offset,
                        s_i.astype(np.int64), arrival[e_i, s_i], dist, held,
                        arrival)  # fmt: skip


@dataclass
class Correction:
    """The clock corrections in force: sensor ``i``'s picks at Unix time ``t`` are
    ``offset[i] + drift[i] · (t − now)`` late (seconds); with ``since``, only from Unix
    time ``since[i]`` on, and as ``before`` says earlier (a schedule: :meth:`schedule`)."""

    offset: F64
    drift: F64
    now: float = 0.0
    since: F64 | None = None
    before: Correction | None = None

    @classmethod
    def none(cls, n: int) -> Correction:
        return cls(np.zeros(n), np.zeros(n))

    @classmethod
    def schedule(cls, n: int, pieces: Sequence[Piece]) -> Correction:
        """The corrections that ``pieces`` put in force, each from its ``since`` until
        its sensor's next (none before a sensor's first)."""
        last: dict[int, Piece] = {}
        for p in sorted(pieces, key=lambda p: p.since):
            last[p.sensor] = p
        if not last:
            return cls.none(n)
        now = max(p.now for p in last.values())
        offset, drift, since = np.zeros(n), np.zeros(n), np.full(n, -math.inf)
        for i, p in last.items():  # each sensor's latest, on one common ``now``
            offset[i] = p.offset + p.drift * (now - p.now)
            drift[i], since[i] = p.drift, p.since
        rest = [p for p in pieces if last[p.sensor] is not p]
        return cls(offset, drift, now, since, cls.schedule(n, rest))

    def at(self, sensor: I64 | int, t: F64 | float) -> F64:
        """How late each pick (its sensor, Unix time) is."""
        own = np.asarray(self.offset[sensor] + self.drift[sensor] * (t - self.now))
        if self.before is None or self.since is None:
            return own
        return np.asarray(np.where(t < self.since[sensor], self.before.at(sensor, t), own))

    def every_at(self, t: float) -> F64:
        """How late every sensor's picks are at Unix time ``t``."""
        own = np.asarray(self.offset + self.drift * (t - self.now))
        if self.before is None or self.since is None:
            return own
        return np.asarray(np.where(t < self.since, self.before.every_at(t), own))


class Piece(NamedTuple):
    """One clock correction of a schedule (:meth:`Correction.schedule`): sensor ``sensor``'s
    picks are ``offset + drift · (t − now)`` late from Unix time ``since`` on."""

    sensor: int
    since: float
    offset: float
    drift: float
    now: float

    def at(self, t: F64 | float) -> F64:
        """How late the sensor's picks at Unix time ``t`` are by this piece (s)."""
        return np.asarray(self.offset + self.drift * (np.asarray(t) - self.now))


@dataclass
class _Series:
    """Arrays added in time order (the first of each is the times, Unix s), kept over the
    last ``window_s`` before ``latest`` (compacted every 64 additions)."""

    dtypes: tuple[type, ...]  # of each array: the times' first
    parts: list[tuple[np.ndarray, ...]] = field(default_factory=list)

    def add(self, *arrays: np.ndarray) -> None:
        if len(arrays[0]):
            self.parts.append(arrays)

    def compact(self, latest: float, window_s: float, every: int = 64) -> None:
        if len(self.parts) > every:
            self.keep(self.arrays()[0] >= latest - window_s)

    def keep(self, mask: np.ndarray) -> None:
        """Keep the rows ``mask`` says (over :meth:`arrays`), as one part."""
        self.parts = [tuple(a[mask] for a in self.arrays())] if mask.any() else []

    def arrays(self) -> tuple[np.ndarray, ...]:
        if not self.parts:
            return tuple(np.zeros(0, dtype=d) for d in self.dtypes)
        return tuple(np.concatenate([p[k] for p in self.parts]) for k in range(len(self.dtypes)))


@dataclass
class ClockWatch:
    """Each sensor's offsets over the last ``window_s`` of event time (memory bounded by
    the events of that window), added block by block in the engine's order; and, for the
    far search (:func:`far_off`), its picks and the arrivals predicted for it unheld."""

    n_sensors: int
    window_s: float = WINDOW_S
    recent_s: float = RECENT_S
    _offsets: _Series = field(
        default_factory=lambda: _Series((np.float64, np.int64, np.float64))
    )  # t, sensor, s
    _picks: _Series = field(default_factory=lambda: _Series((np.float64, np.int64)))
    _expected: _Series = field(default_factory=lambda: _Series((np.float64, np.int64)))
    latest: float = -math.inf

    def add(self, t: F64, sensors: I64, offsets: F64) -> None:
        """Offsets (s) of ``sensors``, each measured at its pick's time ``t`` (Unix s)."""
        if not len(sensors):
            return
        self._offsets.add(np.asarray(t, dtype=np.float64), np.asarray(sensors, dtype=np.int64),
                          np.asarray(offsets, dtype=np.float64))  # fmt: skip
        self.latest = max(self.latest, float(np.max(t)))
        self._offsets.compact(self.latest, self.window_s)

    def forget(self, sensors: I64, before: float) -> None:
        """Drop the offsets of ``sensors`` measured before ``before`` (Unix s): those
        measured while their correction was seconds off are chance matches within 2 s
        of the wrong predictions, and a salvo's rounds, half a second apart, lay them in
        rows that a drift's line runs through (a clock found 2,484 ms early was then
        "followed" at −298 ppm to −972 ms)."""
        t, s, _ = self._offsets.arrays()
        self._offsets.keep(~np.isin(s, sensors) | (t >= before))

    def add_picks(self, t: F64, sensors: I64) -> None:
        """Picks (Unix s, on their sensors' own clocks) as fusion is done with them."""
        self._picks.add(np.asarray(t, dtype=np.float64), np.asarray(sensors, dtype=np.int64))
        self._picks.compact(self.latest, self.window_s)

    def add_expected(self, t: F64, sensors: I64) -> None:
        """When events should have reached ``sensors`` that hold none of their picks
        (Unix s)."""
        self._expected.add(np.asarray(t, dtype=np.float64),
                           np.asarray(sensors, dtype=np.int64))  # fmt: skip
        self._expected.compact(self.latest, self.window_s)

    def verdicts(self, sigma: Sequence[float] | F64, frame: Correction | None = None
                 ) -> list[Verdict]:  # fmt: skip
        """Each sensor's :class:`Verdict`: on the latest offsets that say ``offset`` or
        ``ok`` (the last ``RECENT_S`` first, then twice that: a clock that went off half
        an hour ago has more offsets at zero before than off since), else on the whole
        window; its drift where it drifts (:func:`drifting`: sought for a sensor found
        off or inconsistent, or whose recent offsets settle nothing); and whether it is
        seconds off (:func:`far_off`: sought for a sensor whose last ``RECENT_S`` of
        offsets settle nothing, or with too few offsets or none agreeing; a clock that
        stepped seconds off twenty minutes ago was judged ``ok`` on the offsets of the
        half hour, most of them from before).

        With ``frame`` (the corrections in force), each offset is judged by how far it
        lies from its sensor's correction at its time: offsets are only measured within
        ``REACH_S`` of the corrected predictions, so a drift followed by its correction
        is followed past ``REACH_S``. A clock found off keeps its correction's drift and
        adds any found from it."""
        self._offsets.compact(self.latest, self.window_s, every=0)
        t, s, o = self._offsets.arrays()
        sig = np.asarray(sigma, dtype=np.float64)
        frame = Correction.none(len(sig)) if frame is None else frame
        raw, o = o, o - frame.at(s, t)
        now = self.latest if math.isfinite(self.latest) else frame.now
        base = frame.every_at(now)
        out = judge_all(s, o, sig, base, raw)
        settled = np.zeros(len(sig), dtype=bool)  # a recent window said offset or ok
        for span in (2.0 * self.recent_s, self.recent_s):  # the latest say last
            late = t >= self.latest - span
            recent = judge_all(s[late], o[late], sig, base, raw[late])
            out = [r if r.status in ("offset", "ok") else w
                   for r, w in zip(recent, out, strict=True)]  # fmt: skip
            settled |= np.array([r.status in ("offset", "ok") for r in recent], dtype=bool)
        out = [replace(v, drift=float(frame.drift[i])) if v.status == "offset" else v
               for i, v in enumerate(out)]  # fmt: skip
        # Is it a drift? Sought for sensors found off or inconsistent, and for those whose
        # recent offsets settled nothing (a fast drift spreads them beyond any cluster).
        odd = np.array([i for i, v in enumerate(out)
                        if v.status in ("offset", "inconsistent") or not settled[i]],
                       dtype=np.int64)  # fmt: skip
        if len(odd):
            for i, v in drifting(t, s, o, sig, self.latest, odd, frame).items():
                out[i] = v
        # Is it seconds off? Sought for sensors whose last quarter hour's offsets settled
        # nothing (a clock seconds off has none near the predictions; the half hour's
        # may still be the on-time ones before it stepped), or with too few offsets, or
        # none agreeing.
        quiet = [r.status not in ("offset", "ok") for r in recent]
        lost = [i for i, v in enumerate(out)
                if v.status in ("few", "inconsistent") or quiet[i]]  # fmt: skip
        for i, v in self._far(lost, sig, frame, base).items():
            out[i] = replace(v, on_time=out[i].on_time)
        return self._unheard(out, frame)

    def _unheard(self, out: list[Verdict], frame: Correction) -> list[Verdict]:
        """``inconsistent`` for each sensor judged ``few`` though it sends plenty
        (``LOST_OFFSETS`` picks or more in the window) and as many arrivals were predicted
        for it, of which fewer than ``MIN_CLUSTER`` lie on time: its picks meet none of
        the events around it. A clock hours off (a time zone taken for UTC) has its picks
        beyond every search, and only chance offsets within ``REACH_S`` (a sensor sending
        276 picks an hour, 66 arrivals predicted for it and none met, was judged ``few``,
        as if it had been quiet); so has a sensor whose position is wrong, or that picks
        only noise. Only where no correction is in force: then ``few`` and ``inconsistent``
        both leave none, so fusion is as before, and a corrected clock whose offsets are
        few is not judged on evidence measured around its raw clock."""
        self._picks.compact(self.latest, self.window_s, every=0)
        self._expected.compact(self.latest, self.window_s, every=0)
        _, ps = self._picks.arrays()
        _, es = self._expected.arrays()
        n = len(out)
        picks, unheld = np.bincount(ps, minlength=n), np.bincount(es, minlength=n)
        now = self.latest if math.isfinite(self.latest) else frame.now
        free = (frame.every_at(now) == 0.0) & (frame.drift == 0.0)
        for i, v in enumerate(out):
            if (v.status == "few" and free[i] and picks[i] >= LOST_OFFSETS
                    and unheld[i] >= LOST_OFFSETS and v.on_time < MIN_CLUSTER):  # fmt: skip
                out[i] = replace(v, status="inconsistent", unheld=int(unheld[i]),
                                 picks=int(picks[i]))  # fmt: skip
        return out

    def onset(self, old: Piece, new: Piece, g: float) -> float | None:
        """When ``new``'s sensor's clock began to read as it says rather than as ``old``
        (Unix s; ``None``: nothing in the window that only ``new`` explains).

        The evidence is the window's: its offsets, and the arrivals predicted for it that
        one of its picks meets, each within ``g`` of what a correction says. The onset
        is the time that splits that evidence best, ``old`` before and ``new`` after
        (fewest of either on the wrong side; evidence both explain says nothing): a
        chance offset after a step does not hold it back alone. Of equally good splits
        the latest: a pick corrected too early is lost as surely as one left."""
        i = new.sensor
        t, s, o = self._offsets.arrays()
        t, o = t[s == i], o[s == i]
        pt, ps = self._picks.arrays()
        et, es = self._expected.arrays()
        picks, expected = pt[ps == i], et[es == i]

        def explained(c: Piece) -> np.ndarray:
            """Which offsets, then which predicted arrivals, ``c`` explains."""
            q = np.sort(picks - c.at(picks))
            met = np.searchsorted(q, expected + g, side="right") > np.searchsorted(q, expected - g)
            return np.concatenate([np.abs(o - c.at(t)) <= g, met])

        yes, no = explained(new), explained(old)
        keep = yes != no  # evidence that only one of them explains
        when = np.concatenate([t, expected])[keep]
        order = np.argsort(when, kind="stable")
        when, says_new = when[order], yes[keep][order]
        # Split before evidence j: the old evidence from j on and the new before j are wrong.
        wrong = np.concatenate([[0], np.cumsum(says_new)]) + np.concatenate(
            [np.cumsum(~says_new[::-1])[::-1], [0]]
        )
        j = len(wrong) - 1 - int(np.argmin(wrong[::-1]))
        return float(when[j]) if j < len(when) else None

    def _far(self, which: list[int], sig: F64, frame: Correction, base: F64
             ) -> dict[int, Verdict]:  # fmt: skip
        """:func:`far_off`'s verdicts on the sensors ``which``, each with the correction's
        drift where it is off."""
        if not which:
            return {}
        self._picks.compact(self.latest, self.window_s, every=0)
        self._expected.compact(self.latest, self.window_s, every=0)
        pt, ps = self._picks.arrays()
        et, es = self._expected.arrays()
        # Each sensor's rows as one run (a stable sort keeps their time order).
        po, eo = np.argsort(ps, kind="stable"), np.argsort(es, kind="stable")
        pt, ps, et, es = pt[po], ps[po], et[eo], es[eo]
        n = len(sig) + 1
        pcut, ecut = np.searchsorted(ps, np.arange(n)), np.searchsorted(es, np.arange(n))
        out = {}
        for i in which:
            if ecut[i + 1] - ecut[i] < MIN_CLUSTER:  # too few arrivals for a cluster
                continue
            mine = pt[pcut[i] : pcut[i + 1]]
            picks = mine - frame.at(i, mine)
            v = far_off(picks, et[ecut[i] : ecut[i + 1]], float(sig[i]), float(base[i]))
            if v is not None:
                out[i] = replace(v, drift=float(frame.drift[i])) if v.status == "offset" else v
        return out


@dataclass(frozen=True, slots=True)
class ClockCheck:
    """One sensor's clock as the events of the window saw it, and the correction fusion
    takes off its picks (s late at the checks' time, and s/s; zero: none)."""

    sensor: str
    timing_sigma_ms: float
    verdict: Verdict
    correction: float = 0.0
    correction_drift: float = 0.0

    @property
    def kept(self) -> bool:
        """A correction still in force though the latest offsets are too few to say."""
        return self.verdict.status == "few" and (self.correction != 0.0
                                                 or self.correction_drift != 0.0)  # fmt: skip

    def as_dict(self) -> dict[str, object]:
        """The check as JSON-ready values (milliseconds; ``null`` for no offsets)."""
        v = self.verdict

        def ms(x: float) -> float | None:
            return None if math.isnan(x) else round(x * 1e3, 3)

        return {"sensor": self.sensor, "status": v.status, "offset_ms": ms(v.offset),
                "stderr_ms": ms(v.stderr), "offsets": v.offsets, "on_time": v.on_time,
                "cluster": v.cluster, "chance": v.chance, "unheld": v.unheld,
                "drift_ppm": round(v.drift * 1e6, 2),
                "timing_sigma_ms": self.timing_sigma_ms,
                "correction_ms": round(self.correction * 1e3, 3),
                "correction_ppm": round(self.correction_drift * 1e6, 2)}  # fmt: skip

    def describe(self) -> str:
        """One line for an operator: what is wrong and what to check."""
        v = self.verdict
        if v.status == "offset":
            return (f"sensor {self.sensor}: its arrival times run "
                    f"{_lateness(v.offset, v.drift, v.stderr)} ({v.cluster} of its "
                    f"{v.offsets} checks against well-located events agree; timing_sigma_ms "
                    f"{self.timing_sigma_ms:g}): check its clock")  # fmt: skip
        if v.status == "inconsistent" and v.unheld:
            return (f"sensor {self.sensor}: its picks meet none of the {v.unheld} "
                    "arrivals well-located events predicted for it in the last hour (on "
                    f"time: {v.on_time} of {v.picks} picks): check its clock (a time zone "
                    "taken for UTC?) and position")  # fmt: skip
        if v.status == "inconsistent":
            return (f"sensor {self.sensor}: its picks agree with none of the well-located "
                    f"events around it ({v.offsets} checks): check its clock and "
                    "position")  # fmt: skip
        if self.kept:
            return (f"sensor {self.sensor}: too few checks against well-located events of the "
                    f"last hour to judge its clock ({v.offsets}); the correction found "
                    f"before is kept ({_lateness(self.correction, self.correction_drift)}): "
                    "check its clock")  # fmt: skip
        return f"sensor {self.sensor}: {v.status}"


def _lateness(offset: float, drift: float, stderr: float | None = None) -> str:
    """How late a clock runs (s), and how fast that grows (s/s), in an operator's words:
    a clock a minute off or more in minutes and seconds too (one that reset to a wrong
    minute is set right by its minutes, not by 150,000 ms)."""
    spread = "" if stderr is None else f" ± {stderr * 1e3:.1f}"
    way = "late" if offset > 0 else "early"
    grows = f", drifting {drift * 3.6e6:+.0f} ms an hour ({drift * 1e6:+.0f} ppm)" if drift else ""
    minutes, seconds = divmod(round(abs(offset), 1), 60.0)
    clock = f" (about {minutes:.0f} min {seconds:.1f} s)" if minutes >= 1 else ""
    return f"{abs(offset) * 1e3:,.1f}{spread} ms {way}{clock}{grows}"
