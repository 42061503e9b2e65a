"""Association of one block of picks into located events (pure, numpy).

Candidates come from space-time partitioning (:mod:`truceline.fusion.partition`): every
leaf box holds the picks that could have come from it. Each distinct set of picks is
turned into a located candidate the way a seismic locator does it, all candidates at once
(:mod:`truceline.fusion.batch`):

1. one pick per sensor, the one whose implied origin time is closest to the box's;
2. a robust (Cauchy) fit from the box's centre, so a mistimed pick cannot drag it;
3. re-association against every free pick of the block: a pick joins when its residual,
   normalised by its timing sigma and the prediction's own uncertainty, is within
   ``gate_sigmas`` (the best pick per sensor); bearings beyond their gate are ignored;
4. weighted least squares, dropping the worst pick while a normalised residual exceeds
   ``reject_sigmas`` (mistimed picks), then 3–4 once more with the better location.

A candidate is acceptable when it has enough sensors (``min_sensors``, or fewer with
bearings), its chi-square passes the goodness-of-fit test at ``min_fit_p`` (picks of
different blasts that happen to line up rarely fit to the millisecond), and its ellipse is
bounded, and it passes the tests against chance alignments (:func:`_chance_p` on the
local pick rate, :func:`_missed_near` on near sensors that missed it, off a salvo's
area the stricter test of :mod:`truceline.fusion.halo` and, where chance is in doubt, the
amplitude test of :mod:`truceline.fusion.amplitude`). Acceptable candidates are taken
best first (most sensors, then best fit), each only if none of its picks is taken yet;
candidates that lost picks are rebuilt from their boxes' remaining picks and the round
repeats. A detection is therefore in at most one event.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from weakref import WeakKeyDictionary

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from scipy.special import chdtrc, pdtrc

from truceline.fusion import amplitude, batch, kernels, packing, shadows, spot
from truceline.fusion.config import FusionConfig
from truceline.fusion.ellipse import semi_major_axes
from truceline.fusion.halo import (
    AREA_PICKS,
    HALO_IN_M,
    LINK_M,
    LINK_S,
    MAX_AREAS,
    Areas,
    area_of,
    in_bursts,
    in_halo,
    in_window,
    salvo_areas,
    strays,
    window_bits,
)
from truceline.fusion.linked import linked_groups
from truceline.fusion.locate import (
    CAUCHY_C,
    Fix,
    Frame,
    TravelMemo,
    arrivals,
    predict,
    travel_model,
)
from truceline.fusion.network import Network, WeatherAt, WeatherTable
from truceline.fusion.partition import NEAR_ALL, Geometry, Halo, Leaves, Limits, PickSet, walk
from truceline.fusion.propagation import sound_speed
from truceline.geo import F64, ecef_to_enu, ecef_to_geodetic, enu_to_ecef, geodetic_to_ecef

I64 = np.ndarray
MAX_ROUNDS = 6
REPURIFY = True  # the smallest pass purifies again leaves whose purified picks were taken
VOTES = 3
EXPLAIN_ROUNDS = 3
MAX_SHIFT_M = 3_000.0
NEAR_WINDOW_S = 1.0
NEAR_FLOOR_S = 0.01
KEY_SPAN_S = 1e4
CHANCE_SPAN_S = 2.0
MAX_WALKS = 8
WIDEST_FIRST = True
RUN_GAP_S = 1.2
RUN_MIN = 5
ONSET_THRESHOLD = 4
ONSET_REPEAT_MIN = 8
STRONG_MIN = 12
MIDDLE_MIN = 8
LOW_MIN = 6
REPEAT_SPOT_M = 20.0
SPREAD_MIN = 2
SPOT_SEEDS = 5
SPOT_LINK_S = 3.0
SPOT_ROUNDS = 8
SPOT_SHIFT_M = 5_000.0
AREA_ROUNDS = True
AREA_CHANCE_P = 1e-2
AREA_NEAR_M = 200.0
AREA_FIT_WEIGHT = 0.05
REPACK = True  # an area's small events are chosen again with its rounds
REPACK_MAX_CANDIDATES = 500
SPOT_MEMBERS = True  # a weak salvo's launch spot may be one of its seed group's events
SPOT_FITS = True  # rounds at a launch spot fitted with the spot as a prior (spot.fit_at_spot)
SPOT_SPREAD_M = 5.0
SPOT_FIT_P = 0.05
SPOT_HEARD_P = 1e-3
SLOW_SOUND_MS = 300.0  # the slowest sound (cold air, wind against), m/s
BUSY_SPOTS = True  # launch spots sought from busy sensors' lags too, not only seed groups
BUSY_SPAN_S = 20.0
GRID_STEP_M = 250.0
WEAK_AREAS = True  # impact areas of weakly heard salvos, from candidates only chance doubted
WEAK_LINK_M = 300.0
WEAK_LINK_S = 10.0
WEAK_MIN = 4
WEAK_ROUNDS = 6
WEAK_FIT_P = 0.01
WEAK_HELD = True  # weak areas sought among the small suspect events found, too
WEAK_DENSE = True  # ... grouped around their densest points (_dense), then chained
WEAK_CORE_M = 300.0  # a group's reach from its densest point, m
WEAK_SPAN_S = 20.0  # and in origin time (a salvo's 40 rounds take 20 s)
WEAK_HALO = True  # a weak area's ghosts (the halo test's) are dropped, its rounds chosen again
# Impact areas sought again once the strays are dropped, from the small events the stray
# rule's pass accepts too (``_Ctx.suspects``): a weakly heard salvo's true rounds are strays.
STRAY_AREAS = True
# A working sensor silent through a block's pool that this many of its events, heard
# farther off, should have heard is taken as down (0: never).
SILENT_MISSES = 2
SPLIT_SWAPS = True  # a small event in the way of two disjoint ones gives way
DROP_STRAYS = True  # a weakly heard salvo's stray ghosts are dropped (halo.strays)
NEAR_SENSORS = True  # passes above small events prune near misses in salvo windows only
MIDDLE_HALO = True  # the middle stage's walks drop boxes off a known salvo area (halo test)


@dataclass(frozen=True, slots=True)
class Located:
    """One associated, located event: pool indices of its picks and its fix.

    ``uses_bearing`` is parallel to ``picks``: whether that pick's bearing was kept.
    ``fix.origin`` is relative to the block's reference time.
    """

    picks: I64
    uses_bearing: np.ndarray
    fix: Fix
    weather: WeatherAt
    chance: float = 0.0  # its chance probability (_chance_p; 0 where not tested)


@dataclass(frozen=True, slots=True)
class Members:
    """Events that may belong to a salvo area (``AREA_PICKS`` picks or more), in one
    block's time frame: ECEF, origin time, pick count and predicted arrival at every
    sensor (:func:`_members`)."""

    ecef: F64
    origin: F64
    n_picks: I64
    arrival: F64

    @classmethod
    def none(cls) -> Members:
        return cls(np.zeros((0, 3)), np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros((0, 0)))


@dataclass
class _Ctx:
    pool: PickSet
    free: np.ndarray
    net: Network
    table: WeatherTable
    cfg: FusionConfig
    ref: float
    alive: np.ndarray
    keys: F64  # every pick of the block (free or taken), sorted: ``sensor · KEY_SPAN_S + t``
    unsearched: int = 0
    masters: dict[int, tuple[Located, _Master]] = field(default_factory=dict)
    barren: set[int] = field(default_factory=set)  # ids of masters with no repeat left
    areas: Areas = field(default_factory=Areas.none)  # salvo areas (all but the strong stage)
    amp_var: float | None = None  # the block's amplitude scatter, dB² (amplitude.scatter)
    doubtful: list[Located] | None = None  # weak passes: candidates failing chance only
    suspects: list[Located] | None = None  # the stray rule's pass: small ones it accepts
    # Each sensor's latest block (reference time) that took it as down (_silenced),
    # shared by the engine's blocks; None: each block judges alone.
    silenced: F64 | None = None
    # The neighbouring blocks' events near this block's window, in its time frame: more
    # masters for the repeat-source search (a salvo fired across the block's edge). Their
    # ``picks`` index the neighbours' pools: only their number is read here.
    foreign: list[Located] = field(default_factory=list)
    # Each foreign event's copy, made once (keyed by the original's id, which it keeps
    # alive), so that its master view and barren mark last from stage to stage.
    copies: dict[int, tuple[Located, Located]] = field(default_factory=dict)
    # The sensors with a bearing among the picks: the only ones whose frames the batches
    # turn (batch.Frames.to_sensors).
    bearers: I64 = field(init=False)

    def __post_init__(self) -> None:
        self.bearers = np.unique(self.pool.sensor[np.isfinite(self.pool.bearing)])


@dataclass(frozen=True, slots=True)
class _Master:
    """What the repeat-source search needs of a master event, computed once: its travel
    time to every sensor and its place (east, north) in the network's centre frame."""

    tt: F64
    east: float
    north: float
    place: tuple[float, float, float]  # lat, lon, height (the spot fits)
    weather: WeatherAt
    cov: F64  # the place's covariance, east and north, m²


@dataclass
class _Sel:
    """Flat (candidate, pool pick, uses bearing) triples, sorted by candidate."""

    ci: I64
    pi: I64
    wb: np.ndarray


@dataclass(frozen=True, slots=True)
class _Air:
    """The weather of each candidate (at its start box's time): the records, for the
    events, and the speed of sound and wind (east, north) the fits take, computed once
    a fitting round instead of at every step."""

    records: list[WeatherAt]
    speed: F64
    wind: F64

    @classmethod
    def of(cls, records: list[WeatherAt]) -> _Air:
        speed = sound_speed(np.array([w.temperature_c for w in records]))
        wind = np.array([[w.wind_u_ms, w.wind_v_ms] for w in records]).reshape(len(records), 2)
        return cls(records, speed, wind)


def _first_per(keys: tuple[I64, ...], score: F64) -> I64:
    """Indices of the smallest ``score`` in each group of equal ``keys``."""
    if not len(score):
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((score, *reversed(keys)))
    new = np.zeros(len(order), dtype=bool)
    new[0] = True
    for k in keys:
        ks = k[order]
        new[1:] |= ks[1:] != ks[:-1]
    return np.sort(order[new])


def _pad(sel: _Sel, n_cand: int) -> tuple[I64, I64, int]:
    """Row (candidate) and column (slot) of each selected pick in a padded array."""
    counts = np.bincount(sel.ci, minlength=n_cand)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    col = np.arange(len(sel.ci)) - start[sel.ci]
    return sel.ci, col, int(max(counts.max(), 1))


def _build(ctx: _Ctx, sel: _Sel, frames: batch.Frames, air: _Air) -> tuple[batch.Batch, I64]:
    """Padded batch of the selected picks; also the pool index of each slot (−1 padding).

    Compiled (:func:`_fit_kernels.build`) when numba is installed; :func:`_build_numpy`
    is the reference and the fallback.
    """
    if not kernels.COMPILED:
        return _build_numpy(ctx, sel, frames, air)
    net, pool = ctx.net, ctx.pool
    n = len(frames.lat)
    k = int(max(np.bincount(sel.ci, minlength=n).max(initial=0), 1)) if n else 1
    sens, t, sig, bear, sigb, brot, mask, slot = kernels.build(
        sel.ci, sel.pi, sel.wb, n, k, pool.t, pool.sensor, pool.bearing, pool.sigma_b,
        net.ecef, net.sigma_t, frames.to_sensors(net.rot, ctx.bearers), frames.rot,
        frames.origin,
    )  # fmt: skip
    b = batch.Batch(sens, t, sig, bear, sigb, brot, mask, air.speed, air.wind, frames.inv2n,
                    frames.inv2m)  # fmt: skip
    return b, slot


def _build_numpy(ctx: _Ctx, sel: _Sel, frames: batch.Frames, air: _Air) -> tuple[batch.Batch, I64]:
    """Reference (numpy) form of :func:`_build`."""
    net, pool = ctx.net, ctx.pool
    n = len(frames.lat)
    row, col, k = _pad(sel, n)
    s = pool.sensor[sel.pi]
    slot = np.full((n, k), -1, dtype=np.int64)
    slot[row, col] = sel.pi
    mask = slot >= 0
    sens_ecef = np.zeros((n, k, 3))
    sens_ecef[row, col] = net.ecef[s]
    t = np.zeros((n, k))
    t[row, col] = pool.t[sel.pi]
    sig = np.ones((n, k))
    sig[row, col] = net.sigma_t[s]
    bear = np.full((n, k), np.nan)
    bear[row, col] = np.where(sel.wb, pool.bearing[sel.pi], np.nan)
    sigb = np.ones((n, k))
    sigb[row, col] = pool.sigma_b[sel.pi]
    brot = np.zeros((n, k, 3, 3))  # padding slots are masked out: never read
    brot[row, col] = np.matmul(net.rot[s], frames.rot[row].transpose(0, 2, 1))
    b = batch.Batch(
        frames.local(sens_ecef), t, sig, bear, sigb, brot, mask, air.speed, air.wind,
        frames.inv2n, frames.inv2m,
    )  # fmt: skip
    return b, slot


def _heights(ctx: _Ctx, sel: _Sel, n: int) -> F64:
    """Median height of each candidate's sensors (the spec's assumed source height)."""
    row, col, k = _pad(sel, n)
    h = np.full((n, k), np.inf)
    h[row, col] = ctx.net.alt[ctx.pool.sensor[sel.pi]]
    # Sorted rows (padding last) and each row's own count: nanmedian's masked arrays had
    # cost as much as a tenth of the fits.
    h.sort(axis=1)
    c = np.bincount(row, minlength=n)
    rows = np.arange(n)
    lo, hi = h[rows, np.maximum(c - 1, 0) // 2], h[rows, c // 2]
    return np.where(c > 0, 0.5 * (lo + hi), np.nan)


def _initial(ctx: _Ctx, boxes: F64, ci: I64, pi: I64) -> tuple[_Sel, batch.Frames, F64, _Air]:
    """One pick per sensor per candidate, the frames at the boxes' centres, start values."""
    net, pool = ctx.net, ctx.pool
    n = len(boxes)
    cx, cy = 0.5 * (boxes[:, 0] + boxes[:, 1]), 0.5 * (boxes[:, 2] + boxes[:, 3])
    tmid = 0.5 * (boxes[:, 4] + boxes[:, 5])
    up = -(cx * cx + cy * cy) / (2.0 * 6_371_000.0)
    air = _Air.of(ctx.table.at_many(ctx.ref + tmid))
    speed = air.speed
    centre = np.stack([cx, cy, up], axis=1)
    s = pool.sensor[pi]
    d = np.linalg.norm(net.enu[s] - centre[ci], axis=1)
    implied = pool.t[pi] - d / speed[ci]
    keep = _first_per((ci, s), np.abs(implied - tmid[ci]))
    sel = _Sel(ci[keep], pi[keep], np.isfinite(pool.bearing[pi[keep]]))
    lat, lon = _lat_lon(net, centre)
    frames = batch.Frames(lat, lon, _heights(ctx, sel, n))
    sums = np.bincount(sel.ci, weights=implied[keep], minlength=n)
    origin0 = sums / np.maximum(np.bincount(sel.ci, minlength=n), 1)
    x0 = np.stack([np.zeros(n), np.zeros(n), origin0], axis=1)
    return sel, frames, x0, air


def _gate(ctx: _Ctx, frames: batch.Frames, air: _Air, x: F64, cov: F64) -> _Sel:
    """Free picks that fit each candidate: the best per sensor, bearings checked (the
    numpy form of the gate :func:`_fit_kernels.gate_rounds` runs)."""
    cfg, net, pool = ctx.cfg, ctx.net, ctx.pool
    n = len(x)
    free = np.flatnonzero(ctx.free)
    if not len(free) or not n:
        return _Sel(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool))
    ci, pi = _gate_numpy(ctx, free, frames, air, x, cov)
    wb = np.isfinite(pool.bearing[pi])
    if wb.any():
        # A pick whose bearing points elsewhere came from another source: drop it whole.
        src = np.einsum("ci,cij->cj", frames.surface(x[:, 0], x[:, 1]), frames.rot)
        src = src + frames.origin
        sp = pool.sensor[pi]
        q = np.einsum("kij,kj->ki", net.rot[sp], src[ci] - net.ecef[sp])
        az = np.arctan2(q[:, 0], q[:, 1])
        off = np.abs((pool.bearing[pi] - az + np.pi) % (2 * np.pi) - np.pi)
        bad = wb & (off > cfg.bearing_gate_sigmas * pool.sigma_b[pi])
        ci, pi, wb = ci[~bad], pi[~bad], wb[~bad]
    return _Sel(ci, pi, wb)


def _gate_numpy(ctx: _Ctx, free: I64, frames: batch.Frames, air: _Air, x: F64, cov: F64
                ) -> tuple[I64, I64]:  # fmt: skip
    """The time part of :func:`_gate`: (candidate, pick) pairs sorted by candidate, then
    pick. Compiled, :func:`_fit_kernels._gate_one` does it one candidate at a time."""
    cfg, net, pool = ctx.cfg, ctx.net, ctx.pool
    n = len(x)
    sens = frames.local(np.broadcast_to(net.ecef, (n, *net.ecef.shape)))
    b = batch.Batch(
        sens, np.zeros(sens.shape[:2]), np.ones(sens.shape[:2]), np.full(sens.shape[:2], np.nan),
        np.ones(sens.shape[:2]), np.zeros((*sens.shape[:2], 3, 3)), np.ones(sens.shape[:2], bool),
        air.speed, air.wind, frames.inv2n, frames.inv2m,
    )  # fmt: skip
    r, jac = batch.evaluate(b, x)
    ns = len(net)
    arrival = -r[:, :ns]  # with t = 0 and sigma = 1 the residual is −(origin + tt)
    grad = jac[:, :ns, :]
    var = (np.matmul(grad, np.where(np.isfinite(cov), cov, 1e6)) * grad).sum(axis=2)
    horiz = np.hypot(sens[..., 0] - x[:, None, 0], sens[..., 1] - x[:, None, 1])
    # The best pick of a sensor is the one nearest the predicted arrival (its sd is the
    # same for all of them): found by bisection in the free picks sorted by (sensor,
    # time), (candidates × sensors) work instead of (candidates × free picks).
    pick, gap = _nearest_free(pool, free, arrival)
    sd = np.sqrt(net.sigma_t[None, :] ** 2 + np.maximum(var, 0.0))
    ok = (pick >= 0) & (gap <= cfg.gate_sigmas * sd) & (horiz <= cfg.max_range_m)
    ci, si = np.nonzero(ok)
    pi = pick[ci, si]
    order = np.lexsort((pi, ci))
    return ci[order], pi[order]


def _free_index(pool: PickSet, free: I64, ns: int) -> tuple[F64, I64, I64, I64]:
    """The free picks sorted by ``sensor · KEY_SPAN_S + t`` (keys and pool indices) and
    each sensor's range ``[lo, hi)`` in them."""
    key = pool.sensor[free] * KEY_SPAN_S + pool.t[free]
    order = np.argsort(key, kind="stable")
    key, idx = key[order], free[order]
    base = np.arange(ns) * KEY_SPAN_S
    lo = np.searchsorted(key, base - 0.5 * KEY_SPAN_S)
    hi = np.searchsorted(key, base + 0.5 * KEY_SPAN_S)
    return key, idx, lo, hi


def _nearest_free(pool: PickSet, free: I64, arrival: F64) -> tuple[I64, F64]:
    """For each (candidate, sensor), the free pick of that sensor nearest in time to
    ``arrival[c, s]`` (pool index, −1 for none) and its distance in time (the earlier
    pick on a tie)."""
    n, ns = arrival.shape
    key, idx, lo, hi = _free_index(pool, free, ns)
    base = np.arange(ns) * KEY_SPAN_S
    target = base[None, :] + np.clip(arrival, -0.49 * KEY_SPAN_S, 0.49 * KEY_SPAN_S)
    at = np.searchsorted(key, np.nan_to_num(target, nan=0.0).ravel()).reshape(n, ns)
    at = np.clip(at, lo[None, :], hi[None, :])
    has_prev, has_next = at > lo[None, :], at < hi[None, :]
    prev = np.where(has_prev, idx[np.maximum(at - 1, 0)], -1)
    nxt = np.where(has_next, idx[np.minimum(at, len(idx) - 1)], -1)
    d_prev = np.where(has_prev, np.abs(arrival - pool.t[np.maximum(prev, 0)]), np.inf)
    d_next = np.where(has_next, np.abs(pool.t[np.maximum(nxt, 0)] - arrival), np.inf)
    take_prev = d_prev <= d_next
    pick = np.where(take_prev, prev, nxt)
    gap = np.where(take_prev, d_prev, d_next)
    return pick, np.where(np.isnan(arrival), np.inf, gap)


def _reject(ctx: _Ctx, sel: _Sel, b: batch.Batch, slot: I64, x: F64) -> tuple[_Sel, bool]:
    """Drop each candidate's worst pick (or bearing) beyond its gate; report a change."""
    cfg = ctx.cfg
    r, _ = batch.evaluate(b, x)
    k = slot.shape[1]
    zt, zb = np.abs(r[:, :k]), np.abs(r[:, k:])
    wt, wbi = np.argmax(zt, axis=1), np.argmax(zb, axis=1)
    rows = np.arange(len(x))
    worst_t, worst_b = zt[rows, wt], zb[rows, wbi]
    drop_b = (worst_b > cfg.bearing_gate_sigmas) & (worst_b >= worst_t)
    drop_t = ~drop_b & (worst_t > cfg.reject_sigmas)
    if not (drop_b.any() or drop_t.any()):
        return sel, False
    # Pool indices repeat across candidates: drop only from the candidate that asked.
    n = len(ctx.pool.t)
    gone = np.concatenate([_owners(rows[drop_t], slot[rows[drop_t], wt[drop_t]], n),
                           _owners(rows[drop_b], slot[rows[drop_b], wbi[drop_b]], n)])  # fmt: skip
    keep = ~np.isin(sel.ci * n + sel.pi, gone)
    return _Sel(sel.ci[keep], sel.pi[keep], sel.wb[keep]), True


def _owners(rows: I64, picks: I64, n: int) -> I64:
    """Keys ``row · n + pick`` of the (candidate, pick) pairs to drop. A pick that several
    candidates asked to drop in one round goes from the last of them only, as it did when
    this was a dict from pick to candidate (the others drop it in the next round if it
    is still their worst). Dropping it from every candidate that asked was measured over
    seeds 1–13: precision +0.005 and pairing −0.028 summed, recall the same (moderate 4
    pairing 0.927 → 0.911, hard 7 0.863 → 0.852), so it was not changed."""
    if not len(picks):
        return np.zeros(0, dtype=np.int64)
    _, last = np.unique(picks[::-1], return_index=True)
    at = len(picks) - 1 - last
    return np.asarray(rows[at] * n + picks[at], dtype=np.int64)


def _fit(ctx: _Ctx, sel: _Sel, frames: batch.Frames, air: _Air, x: F64,
         *, robust: bool, iterations: int) -> tuple[F64, batch.Batch, I64]:  # fmt: skip
    b, slot = _build(ctx, sel, frames, air)
    return batch.solve(b, x, robust=robust, iterations=iterations), b, slot


Found = list[tuple[tuple[float, ...], Located, int]]


def _locate_all(ctx: _Ctx, boxes: F64, ci: I64, pi: I64, *, near_test: bool | np.ndarray = True,
                spot_m: float = np.inf, max_chance: float | None = None,
                min_picks: int = 0) -> Found:  # fmt: skip
    """Fit every candidate; return the acceptable ones with at least ``min_picks`` picks:
    (ranking key, event, candidate).

    ``near_test`` applies the near-miss test (:func:`_missed_near`) and the chance test
    (:func:`_chance_p`) to acceptance; a candidate whose fit lands more than ``spot_m``
    from its start box faces them whatever ``near_test`` says (a repeat-source candidate
    that left its master's spot is no repeat: see :func:`_repeat_sources`).
    ``max_chance`` replaces ``max_chance_p`` (see :func:`_area_rounds`).
    """
    sel, frames, x, air = _initial(ctx, boxes, ci, pi)
    x, sel, b, slot = _fit_rounds(ctx, sel, frames, air, x)
    cov, chi2, r = batch.covariance(b, x)
    tested = near_test | (np.hypot(x[:, 0], x[:, 1]) > spot_m)
    limit = ctx.cfg.max_chance_p if max_chance is None else max_chance
    return _accept(ctx, slot, b, x, cov, chi2, r, frames, air, tested, limit, min_picks)


def _fit_rounds(ctx: _Ctx, sel: _Sel, frames: batch.Frames, air: _Air, x: F64
                ) -> tuple[F64, _Sel, batch.Batch, I64]:  # fmt: skip
    """Each candidate's fit from its first picks and the picks it ends with: a robust fit,
    then twice the gate (:func:`_gate`), a fit and up to three rounds of rejecting its
    worst pick (:func:`_reject`). The gate's rounds are compiled
    (:func:`_fit_kernels.gate_rounds`) when numba is installed: between the fits, the
    numpy form's gates and batches cost more than the fits (hard seed 16: 5.8 of the
    12.2 s candidates took). :func:`_fit_rounds_numpy` is the reference and the fallback.
    Returns the fits, their picks, and the padded batch of those picks with its slots."""
    if not kernels.COMPILED:
        return _fit_rounds_numpy(ctx, sel, frames, air, x)
    cfg, net, pool = ctx.cfg, ctx.net, ctx.pool
    key, idx, lo, hi = _free_index(pool, np.flatnonzero(ctx.free), len(net))
    x, b, slot = _fit(ctx, sel, frames, air, x, robust=True, iterations=10)
    for _ in range(2):
        cov, _, _ = batch.covariance(b, x)
        x, ci, pi, wb = kernels.gate_rounds(
            np.ascontiguousarray(x, dtype=np.float64), cov, frames.rot, frames.origin,
            frames.inv2n, frames.inv2m, air.speed, air.wind, pool.t, pool.sensor, pool.bearing,
            pool.sigma_b, net.ecef, net.sigma_t, net.rot,
            frames.to_sensors(net.rot, ctx.bearers), key, idx, lo, hi, KEY_SPAN_S,
            cfg.gate_sigmas, cfg.max_range_m, cfg.reject_sigmas, cfg.bearing_gate_sigmas,
            CAUCHY_C,
        )  # fmt: skip
        sel = _Sel(ci, pi, wb)
        b, slot = _build(ctx, sel, frames, air)
    return x, sel, b, slot


def _fit_rounds_numpy(ctx: _Ctx, sel: _Sel, frames: batch.Frames, air: _Air, x: F64
                      ) -> tuple[F64, _Sel, batch.Batch, I64]:  # fmt: skip
    """Reference (numpy) form of :func:`_fit_rounds`."""
    x, b, slot = _fit(ctx, sel, frames, air, x, robust=True, iterations=10)
    for _ in range(2):
        cov, _, _ = batch.covariance(b, x)
        sel = _gate(ctx, frames, air, x, cov)
        x, b, slot = _fit(ctx, sel, frames, air, x, robust=False, iterations=6)
        for _ in range(3):
            sel, changed = _reject(ctx, sel, b, slot, x)
            if not changed:
                break
            x, b, slot = _fit(ctx, sel, frames, air, x, robust=False, iterations=4)
    return x, sel, b, slot


def _accept(ctx: _Ctx, slot: I64, b: batch.Batch, x: F64, cov: F64, chi2: F64, r: F64,
            frames: batch.Frames, air: _Air, near_test: np.ndarray, max_chance: float,
            min_picks: int = 0) -> Found:  # fmt: skip
    """The candidates with at least ``min_picks`` picks that pass every acceptance test,
    as (ranking key, event, candidate). The tests run on all candidates at once and only
    those passing are built into events: most fail (hard seed 16: 11,425 of 86,477
    pass), and a loop testing them one by one cost more than the tests. A pass takes
    only events of its own size (:func:`_take_best`), so smaller candidates are not
    tested against chance nor placed. While ``ctx.doubtful`` is a list (the weak
    stage), the candidates failing the chance test alone are kept in it, and while
    ``ctx.suspects`` is (the stray rule's pass), the small ones passing that chance does
    not rule out (:func:`_weak_areas`)."""
    cfg = ctx.cfg
    plain = _plain_tests(cfg, b, x, cov, chi2)
    big = plain.n_t >= min_picks
    rows = np.flatnonzero(_acceptable(cfg, plain, np.inf) & big)
    tests = _chance_tests(ctx, plain, rows, slot, b, x, cov, frames, near_test)
    passing = _acceptable(cfg, tests, max_chance) & big
    if ctx.doubtful is not None and max_chance < AREA_CHANCE_P:
        doubt = np.flatnonzero(_acceptable(cfg, tests, AREA_CHANCE_P) & big & ~passing)
        ctx.doubtful += [ev for _, ev, _ in _built(slot, b, x, cov, chi2, r, frames, air,
                                                    tests, doubt)]  # fmt: skip
    if ctx.suspects is not None and max_chance < AREA_CHANCE_P:
        small = (tests.n_t <= cfg.small_event_sensors) & (tests.chance >= cfg.halo_chance_p)
        suspect = np.flatnonzero(passing & small)
        ctx.suspects += [ev for _, ev, _ in _built(slot, b, x, cov, chi2, r, frames, air,
                                                    tests, suspect)]  # fmt: skip
    return _built(slot, b, x, cov, chi2, r, frames, air, tests, np.flatnonzero(passing))


def _built(slot: I64, b: batch.Batch, x: F64, cov: F64, chi2: F64, r: F64,
           frames: batch.Frames, air: _Air, tests: _Tests, ok: I64) -> Found:  # fmt: skip
    """The candidates ``ok`` as (ranking key, event, candidate)."""
    k = slot.shape[1]
    n_t, n_b, dof = tests.n_t, tests.n_b, tests.n_t + tests.n_b - 3
    lat, lon = frames.take(ok).geodetic(x[ok, 0], x[ok, 1])
    out: list[tuple[tuple[float, ...], Located, int]] = []
    for c, la, lo in zip(ok.tolist(), lat.tolist(), lon.tolist(), strict=True):
        m = b.mask[c]
        picks = slot[c][m]
        res_t = r[c, :k][m] * b.sig[c][m]
        res_b = np.where(np.isfinite(b.bear[c][m]), r[c, k:][m] * b.sigb[c][m], np.nan)
        order = np.argsort(picks)
        fix = Fix(
            lat=la, lon=lo, height=float(frames.height[c]),
            origin=float(x[c, 2]), cov=cov[c], res_t=res_t[order], res_b=res_b[order],
            chi2=float(chi2[c]), dof=int(dof[c]), converged=True,
        )  # fmt: skip
        located = Located(picks[order], np.isfinite(b.bear[c][m])[order], fix, air.records[c],
                          float(tests.chance[c]))  # fmt: skip
        key = (-float(n_t[c]), -float(n_b[c]), float(chi2[c] / max(dof[c], 1)))
        out.append((key, located, c))
    return out


def _plain_tests(cfg: FusionConfig, b: batch.Batch, x: F64, cov: F64, chi2: F64) -> _Tests:
    """Each candidate's tests of its own fit (sensors, chi-square, covariance, shift,
    ellipse), those against chance left passing (:func:`_chance_tests` runs them)."""
    n = len(x)
    n_t = b.mask.sum(axis=1)
    n_b = (b.mask & np.isfinite(b.bear)).sum(axis=1)
    dof = n_t + n_b - 3
    p = np.where(dof > 0, chdtrc(np.maximum(dof, 1), chi2), 1.0)
    finite = np.asarray(np.isfinite(cov).all(axis=(1, 2)))
    none = np.zeros(n, dtype=bool)
    return _Tests(n_t, n_b, p, finite, np.zeros(n, dtype=np.int64), np.zeros(n), none, none,
                  np.ones(n), np.hypot(x[:, 0], x[:, 1]),
                  _semi_major(cov, chi2, dof, finite))  # fmt: skip


def _chance_tests(ctx: _Ctx, plain: _Tests, rows: I64, slot: I64, b: batch.Batch, x: F64,
                  cov: F64, frames: batch.Frames, near_test: np.ndarray) -> _Tests:  # fmt: skip
    """``plain`` with the tests against chance (near misses, chance, halo, loudness) run
    on the candidates ``rows``, those that pass every other test.

    They cost most of the acceptance, and most candidates fail a plain test (hard seed 16:
    49,535 of 86,477 keep too few sensors after their fit), which decides them whatever
    these say. Each test is computed row by row, so a row's result does not depend on the
    others computed with it.
    """
    cfg = ctx.cfg
    missed, chance = plain.missed.copy(), plain.chance.copy()
    ghost, loud = plain.ghost.copy(), plain.loud.copy()
    if len(rows):
        sb, sf, sx, sc, ss = b.take(rows), frames.take(rows), x[rows], cov[rows], slot[rows]
        hear = _hearing(ctx, sb, ss, sx, sf)
        missed[rows] = _missed_near(ctx, sb, sx, sc, sf, hear)
        near = near_test[rows]
        if near.any():
            chance[rows] = np.where(near, _chance_p(ctx, sb, sx, sc, sf, hear), 0.0)
        ch = chance[rows]
        if (near & (ch >= cfg.sure_chance_p)).any():
            loud[rows] = _loudness_p(ctx, sb, ss, hear)
        small = near & (ch >= cfg.halo_chance_p) & (plain.n_t[rows] <= cfg.small_event_sensors)
        if small.any():
            g = np.flatnonzero(small)
            ghost[rows[g]] = in_halo(ctx.areas, hear.src[g], ctx.pool.sensor[ss[g]], sb.t[g],
                                     sb.mask[g])  # fmt: skip
    near_test_of = near_test & (chance >= cfg.sure_chance_p)
    return _Tests(plain.n_t, plain.n_b, plain.fit_p, plain.finite, missed, chance,
                  near_test_of, ghost, loud, plain.shift, plain.semi)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Tests:
    """What each candidate's acceptance turns on (arrays over the candidates)."""

    n_t: I64  # picks (timed sensors)
    n_b: I64  # bearings
    fit_p: F64  # the fit's chi-square probability
    finite: np.ndarray  # its covariance is finite
    missed: I64  # silent working sensors nearer than all that heard it
    chance: F64  # probability of a chance alignment (0 where not tested)
    near_test: np.ndarray  # the near-miss and loudness tests apply
    ghost: np.ndarray  # a salvo's ghost (:func:`truceline.fusion.halo.in_halo`)
    loud: F64  # amplitude consistency probability
    shift: F64  # distance from its start box, m
    semi: F64  # 95 % semi-major axis, m


def _acceptable(cfg: FusionConfig, c: _Tests, max_chance: float) -> np.ndarray:
    """Which candidates pass every acceptance test: enough sensors, a fit that is not
    rejected, no two near misses (one for a small event unless chance is very unlikely),
    chance below ``max_chance``, no ghost, consistent loudness, within ``MAX_SHIFT_M`` of
    its start and an ellipse within ``max_semi_major_m``. A NaN fails no test."""
    enough = (c.n_t >= cfg.min_sensors) | ((c.n_t >= cfg.min_sensors_bearings)
                                           & (c.n_b >= cfg.min_bearings))  # fmt: skip
    missed = c.near_test & (
        (c.missed >= 2)
        | ((c.missed == 1) & (c.n_t <= cfg.small_event_sensors)
           & (c.chance >= cfg.single_miss_chance_p))
    )  # fmt: skip
    return np.asarray(
        enough & c.finite & ~(c.fit_p < cfg.min_fit_p) & ~missed & ~(c.chance > max_chance)
        & ~c.ghost & ~(c.near_test & (c.loud < cfg.min_amplitude_p))
        & ~(c.shift > MAX_SHIFT_M) & ~(c.semi > cfg.max_semi_major_m)
    )  # fmt: skip


def _semi_major(cov: F64, chi2: F64, dof: I64, finite: np.ndarray) -> F64:
    """Each candidate's 95 % semi-major axis (:func:`.ellipse.semi_major_axes` of the
    covariance scaled by the reduced chi-square where it exceeds 1), NaN where the
    covariance is not ``finite``."""
    out = np.full(len(cov), np.nan)
    if not finite.any():
        return out
    scale = np.where(dof > 0, np.maximum(1.0, chi2 / np.maximum(dof, 1)), 1.0)[finite]
    out[finite] = semi_major_axes(cov[finite, :2, :2] * scale[:, None, None])
    return out


def _loudness_p(ctx: _Ctx, b: batch.Batch, slot: I64, hear: _Hearing) -> F64:
    """Each candidate's amplitude consistency (:func:`amplitude.consistency_p`) against
    the block's scatter (1 where the test cannot run)."""
    snr = ctx.pool.snr
    if snr is None or ctx.amp_var is None:
        return np.ones(len(slot))
    rows = np.arange(len(slot))[:, None]
    dist = hear.dist[rows, ctx.pool.sensor[slot]]
    level = np.where(b.mask, amplitude.levels(snr[slot], dist), np.nan)
    return amplitude.consistency_p(level, ctx.amp_var)


@dataclass
class _Hearing:
    """Where each candidate's source is and which sensors heard it (its picks)."""

    src: F64  # (C, 3) ECEF
    dist: F64  # (C, S) source–sensor distance, m
    heard: np.ndarray  # (C, S) the candidate has a pick at that sensor


def _hearing(ctx: _Ctx, b: batch.Batch, slot: I64, x: F64, frames: batch.Frames) -> _Hearing:
    net, pool = ctx.net, ctx.pool
    src = np.einsum("ci,cij->cj", frames.surface(x[:, 0], x[:, 1]), frames.rot) + frames.origin
    dist = np.linalg.norm(net.ecef[None, :, :] - src[:, None, :], axis=2)
    heard = np.zeros_like(dist, dtype=bool)
    r_, c_ = np.nonzero(b.mask)
    heard[r_, pool.sensor[slot[r_, c_]]] = True
    return _Hearing(src, dist, heard)


def _arrivals(ctx: _Ctx, b: batch.Batch, x: F64, cov: F64, frames: batch.Frames,
              hear: _Hearing, ci: I64, si: I64) -> tuple[F64, F64]:  # fmt: skip
    """Predicted arrival of candidate ``ci`` at sensor ``si`` and its pick gate (half
    width, s): the timing sigma and the prediction's own uncertainty, ``gate_sigmas``.

    The propagation model's travel time, wind along the path included (7 m/s shifts the
    arrival at a sensor 1.5 km away by 90 ms, more than the gate).
    """
    net = ctx.net
    rel = np.einsum("kij,kj->ki", frames.rot[ci], net.ecef[si] - hear.src[ci])
    tt, _, _ = travel_model(rel, b.speed[ci], b.wind[ci, 0], b.wind[ci, 1])
    speed = hear.dist[ci, si] / np.maximum(tt, 1e-9)
    pred = cov[ci, 2, 2] + (cov[ci, 0, 0] + cov[ci, 1, 1]) / speed**2
    gate = ctx.cfg.gate_sigmas * np.sqrt(net.sigma_t[si] ** 2 + np.maximum(pred, 0.0))
    return x[ci, 2] + tt, gate


def _missed_near(ctx: _Ctx, b: batch.Batch, x: F64, cov: F64, frames: batch.Frames,
                 hear: _Hearing) -> I64:  # fmt: skip
    """Sensors that should have heard each candidate but have no pick at that time.

    A blast loud enough to be picked at the hearing sensors' median distance ``d`` is
    picked almost surely (spherical spreading loses 6 dB per halving of distance) by a
    working sensor within ``near_fraction · d``. Picks that happen to line up from several
    blasts (a ghost) put the source at an arbitrary point whose nearest sensors heard
    nothing. A near sensor counts as missed when it has no pick at all (free or taken by
    another event) within ``gate_sigmas`` of the predicted arrival (its timing sigma and
    the prediction's own, bounded by the fix's covariance). The window is the pick gate,
    not seconds: inside an MLRS salvo every sensor has a pick every half second, so a
    looser window let the salvo's ghosts (picks of different rounds that line up) pass
    with their nearest sensors "hearing" some other round. Sensors not known to be working
    (``ctx.alive``) are not counted.
    """
    n = len(x)
    d_heard = np.where(hear.heard, hear.dist, np.inf)
    n_heard = hear.heard.sum(axis=1)
    ranked = np.sort(d_heard, axis=1)
    rows = np.arange(n)
    lo = ranked[rows, np.maximum((n_heard - 1) // 2, 0)]
    hi = ranked[rows, np.maximum(n_heard // 2, 0)]
    radius = ctx.cfg.near_fraction * 0.5 * (lo + hi)
    near = ctx.alive[None, :] & ~hear.heard & (hear.dist < radius[:, None])
    ci, si = np.nonzero(near)
    if not len(ci):
        return np.zeros(n, dtype=np.int64)
    arrival, gate = _arrivals(ctx, b, x, cov, frames, hear, ci, si)
    window = np.minimum(gate + NEAR_FLOOR_S, NEAR_WINDOW_S)
    keys = ctx.keys
    q = si * KEY_SPAN_S + arrival
    pos = np.clip(np.searchsorted(keys, q), 1, max(len(keys) - 1, 1))
    gap = (
        np.minimum(np.abs(keys[pos] - q), np.abs(keys[pos - 1] - q))
        if len(keys) > 1
        else (np.abs(keys[0] - q))
    )
    missed = gap > window
    return np.bincount(ci[missed], minlength=n).astype(np.int64)


def _chance_p(ctx: _Ctx, b: batch.Batch, x: F64, cov: F64, frames: batch.Frames,
              hear: _Hearing) -> F64:  # fmt: skip
    """Probability that picks of other sources alone put a pick inside the gate of at
    least as many sensors as each candidate has.

    Where picks are sparse, four sensors agreeing to a few milliseconds is no accident;
    inside a salvo's impact area every sensor that hears it has a pick every half second,
    and some point in that area always lines up four of them (the ghosts a free search
    finds there). Each working sensor within the candidate's hearing radius (its farthest
    hearing sensor) has a local pick rate ``λ`` (picks within ``CHANCE_SPAN_S`` of the
    predicted arrival, its own pick excluded) and so a chance ``1 − exp(−2 g λ)`` of a pick
    inside its gate ``±g``; the count of such sensors is taken as Poisson with the sum of
    those chances as its mean (the upper tail of the sum of independent Bernoullis, a
    touch conservative).
    """
    n = len(x)
    radius = np.max(np.where(hear.heard, hear.dist, 0.0), axis=1)
    ci, si = np.nonzero(ctx.alive[None, :] & (hear.dist <= radius[:, None]))
    if not len(ci):
        return np.ones(n)
    arrival, gate = _arrivals(ctx, b, x, cov, frames, hear, ci, si)
    q = si * KEY_SPAN_S + arrival
    count = np.searchsorted(ctx.keys, q + CHANCE_SPAN_S) - np.searchsorted(
        ctx.keys, q - CHANCE_SPAN_S
    )
    count = np.maximum(count - hear.heard[ci, si], 0)
    rate = count / (2.0 * CHANCE_SPAN_S)
    hit = -np.expm1(-2.0 * np.minimum(gate, CHANCE_SPAN_S) * rate)  # (an unbounded fix: 1)
    mean = np.bincount(ci, weights=hit, minlength=n)
    n_t = b.mask.sum(axis=1)
    return np.asarray(pdtrc(np.maximum(n_t - 1, 0), mean), dtype=np.float64)


def _set_hashes(leaf_of: I64, flat: I64, n: int) -> np.ndarray:
    """A 64-bit hash of each leaf's pick set (order-free: a sum of mixed pick indices).

    ``leaf_of`` must be sorted (the leaves' picks in leaf order). Sets are compared by
    hash: with a million sets a collision has odds of about 1e-7, and a collision only
    skips one candidate, which its picks' next votes recover.
    """
    x = flat.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    out = np.zeros(n, dtype=np.uint64)
    if len(x):
        leaves, starts = np.unique(leaf_of, return_index=True)
        out[leaves] = np.add.reduceat(x, starts)  # sums wrap modulo 2**64, in any order
    return out


@dataclass(frozen=True, slots=True)
class _LeafPicks:
    """The pool picks of one walk's leaves, leaf ``i`` holding ``pick[start[i]:start[i+1]]``;
    built once a walk and filtered by the free picks each round."""

    pick: I64
    start: I64

    @property
    def n(self) -> int:
        return len(self.start) - 1

    @property
    def leaf(self) -> I64:
        """Each pick's leaf."""
        return np.repeat(np.arange(self.n), np.diff(self.start))

    def kept(self, mask: np.ndarray) -> _LeafPicks:
        """The same leaves holding only the picks where ``mask`` (one flag a pick) is set."""
        size = np.bincount(self.leaf[mask], minlength=self.n)
        return _LeafPicks(self.pick[mask], np.concatenate([[0], np.cumsum(size)]).astype(np.int64))


def _no_leaves() -> _LeafPicks:
    return _LeafPicks(np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64))


def _leaf_picks(leaves: Leaves, sub: I64) -> _LeafPicks:
    return _LeafPicks(sub[leaves.picks], leaves.start)


def _candidates(lp: _LeafPicks, free: np.ndarray, sensor: I64, min_sensors: int,
                tried: set[int]) -> tuple[list[int], list[I64]]:  # fmt: skip
    """Distinct, untried free pick sets of the leaves with enough sensors, one per pick.

    Neighbouring leaves of one blast hold nearly the same picks, and in a salvo thousands
    of leaves hold chance mixtures of neighbouring rounds; fitting them all costs far more
    than the partition. Each free pick votes for the ``VOTES`` untried leaves with the most
    distinct sensors that hold it (ties: the first leaves), and only leaves that win a
    vote are fitted in this round; leaves whose set was fitted are marked tried (by
    :func:`_set_hashes`), so a pick whose best leaves failed votes for its next best in the
    following round. Compiled (:func:`_kernels.leaf_votes`) when numba is there: on a
    salvo's million leaf picks the numpy form's sorts, run every round, cost a quarter of
    the hard load's time.
    """
    if not lp.n:
        return [], []
    if not kernels.COMPILED:
        return _candidates_numpy(lp, free, sensor, min_sensors, tried)
    known = np.sort(np.fromiter(tried, dtype=np.uint64, count=len(tried)))
    boxes, digests = kernels.leaf_votes(lp.start, lp.pick, free, sensor, int(sensor.max()) + 1,
                                         min_sensors, known, VOTES)  # fmt: skip
    tried.update(int(h) for h in digests)
    out = []
    for i in boxes.tolist():
        picks = lp.pick[lp.start[i] : lp.start[i + 1]]
        out.append(picks[free[picks]])
    return boxes.tolist(), out


def _candidates_numpy(lp: _LeafPicks, free: np.ndarray, sensor: I64, min_sensors: int,
                      tried: set[int]) -> tuple[list[int], list[I64]]:  # fmt: skip
    """Vectorised form of :func:`_candidates` (the reference, and the fallback)."""
    n = lp.n
    # Flat (leaf, pool pick) pairs of the free picks, and each leaf's distinct sensors.
    leaf = lp.leaf
    keep = free[lp.pick]
    leaf_of, flat = leaf[keep], lp.pick[keep]
    by_sensor = np.lexsort((sensor[lp.pick], leaf))
    grouped = by_sensor[keep[by_sensor]]
    ls, ss = leaf[grouped], sensor[lp.pick[grouped]]
    first = np.ones(len(ls), dtype=bool)
    first[1:] = (ls[1:] != ls[:-1]) | (ss[1:] != ss[:-1])
    score = np.bincount(ls[first], minlength=n)
    n_picks = np.bincount(leaf_of, minlength=n)
    bounds = np.concatenate([[0], np.cumsum(n_picks)])
    digest = _set_hashes(leaf_of, flat, n)
    seen_before = np.isin(digest, np.fromiter(tried, dtype=np.uint64, count=len(tried)))
    live = (score >= min_sensors) & ~seen_before
    if not live.any():
        return [], []
    sel = live[leaf_of]
    leaf, pick = leaf_of[sel], flat[sel]
    order = np.lexsort((leaf, -score[leaf], pick))
    ps = pick[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = ps[1:] != ps[:-1]
    group_start = np.maximum.accumulate(np.where(new, np.arange(len(order)), 0))
    rank = np.arange(len(order)) - group_start
    winners = np.unique(leaf[order][rank < VOTES])
    _, first_of = np.unique(digest[winners], return_index=True)
    boxes = winners[np.sort(first_of)].tolist()
    tried.update(int(h) for h in digest[boxes])
    return boxes, [flat[bounds[i] : bounds[i + 1]] for i in boxes]


@dataclass
class BlockSearch:
    """A block between its strong stage and its weak one: its context and events so far."""

    ctx: _Ctx
    geo: Geometry
    window: tuple[float, float]
    bounds: tuple[float, float, float, float]
    found: list[Located]


def search_strong(
    pool: PickSet,
    used: np.ndarray,
    net: Network,
    weather: WeatherTable,
    cfg: FusionConfig,
    *,
    ref: float,
    window: tuple[float, float],
    bounds: tuple[float, float, float, float],
    alive: np.ndarray | None = None,
    foreign: list[tuple[Located, float]] | None = None,
    silenced: F64 | None = None,
) -> BlockSearch:
    """The block's strong stage: its salvos' onsets and the passes of at least
    ``STRONG_MIN`` sensors, for the events whose origin time lies in ``window`` (seconds
    relative to ``ref``). :func:`search_middle` and :func:`search_weak` finish the block.

    ``pool`` holds the block's picks (times relative to ``ref``, sorted; bearings in each
    sensor's own frame, radians); ``used`` marks picks already taken and is updated in
    place. ``bounds`` is the search area (x0, x1, y0, y1) in the network's centre frame;
    ``alive`` marks the sensors known to be working (default: those with a pick here);
    ``foreign`` are the neighbouring blocks' events for the repeat-source search, each
    with the shift into this block's time frame (:func:`set_foreign`; the engine sets
    them again before each later stage).

    The pool of a block reaches a travel time past its window, so it holds most picks of
    the next block's events too (on a 4-hour moderate input, 77 % of the picks its
    threshold-4 walks held). None of them can be this block's, but they line up by chance with one
    another and with its own: the weak passes, where chance alignments abound, spent most
    of their time on them. The engine therefore runs each stage of a block after the stage
    before it of the next block (strong, middle, low, weak), so the next block's better-heard
    events have taken their picks first, as within a block strong events take theirs
    before the weak passes.
    """
    if alive is None:
        alive = np.zeros(len(net), dtype=bool)
        alive[pool.sensor] = True
    geo = _geometry(net, weather, ref + window[0], ref + window[1])
    keys = np.sort(pool.sensor * KEY_SPAN_S + pool.t)
    ctx = _Ctx(pool, ~used, net, weather, cfg, ref, alive, keys, silenced=silenced)
    search = BlockSearch(ctx, geo, window, bounds, [])
    set_foreign(search, foreign or [])
    if len(pool.t) == 0:
        return search
    out = search.found
    onset = _run_onsets(ctx)
    if onset.any():
        out += _pass(ctx, geo, window, bounds, max(cfg.min_sensors, ONSET_THRESHOLD), out,
                     only=onset)  # fmt: skip
        out += _repeat_sources(ctx, out, window, ONSET_REPEAT_MIN)
    _passes(search, STRONG_MIN, None)
    used[:] = ~ctx.free
    return search


def set_foreign(search: BlockSearch, events: list[tuple[Located, float]]) -> None:
    """The neighbouring blocks' ``events`` (each with the seconds that move its origin
    into this block's time frame) as masters for the block's repeat-source search
    (:func:`_repeat_sources`)."""
    ctx = search.ctx
    out: list[Located] = []
    for e, shift in events:
        hit = ctx.copies.get(id(e))  # the entry keeps ``e`` alive: its id is not reused
        if hit is None:
            hit = (e, replace(e, fix=replace(e.fix, origin=e.fix.origin + shift)))
            ctx.copies[id(e)] = hit
        out.append(hit[1])
    ctx.foreign = out


def _passes(search: BlockSearch, lo: int, hi: int | None, *,
            areas: Members | None = None) -> None:  # fmt: skip
    """The block's passes of ``lo`` to fewer than ``hi`` sensors (``None``: no upper
    bound), strongest first, each followed by the repeat-source search; with ``areas``
    (the neighbouring blocks' members), the salvo areas of the events so far and of those
    are found before each pass (the halo test of the middle, low and weak stages)."""
    ctx, out = search.ctx, search.found
    for threshold in _thresholds(ctx.cfg.min_sensors):
        if threshold < lo or (hi is not None and threshold >= hi):
            continue
        if areas is not None:
            ctx.areas = _salvo_areas(ctx, out, areas)
        ctx.amp_var = _amplitude_scatter(ctx, out)
        out += _pass(ctx, search.geo, search.window, search.bounds, threshold, out)
        out += _repeat_sources(ctx, out, search.window)


def _resume(search: BlockSearch, used: np.ndarray) -> _Ctx:
    """The block's context for its next stage: free are the picks ``used`` leaves free
    (the stages of other blocks in between took some, and may have freed some), and the
    sensors its events so far, or a neighbouring block's, show to be down no longer count
    as working (:func:`_silenced`)."""
    ctx = search.ctx
    if (~used & ~ctx.free).any():  # freed since the last stage: clusters may be back
        ctx.barren.clear()
    ctx.free = ~used
    if SILENT_MISSES:
        _silenced(ctx, search.found)
    return ctx


def _silenced(ctx: _Ctx, events: list[Located]) -> None:
    """Take as down (``ctx.alive``) each working sensor with no pick in the block's pool
    that ``SILENT_MISSES`` or more of ``events`` should have heard (nearer to them than
    ``near_fraction`` of their hearing sensors' median distance, as :func:`_missed_near`
    reads it), or that a block within ``alive_window_s`` took as down (``ctx.silenced``).

    The pick-rate test (:mod:`truceline.fusion.liveness`) knows a sensor's own past
    only, and a sensor that went down minutes before a salvo still counts as working;
    as the nearest sensor it then rejects every round that fewer than six sensors hear
    (independent hard 12: a sensor 5.9 km from a salvo's impacts, down two minutes
    before them, heard none of its 40 rounds)."""
    silent = ctx.alive.copy()
    silent[ctx.pool.sensor] = False
    if ctx.silenced is not None:
        known = silent & (np.abs(ctx.silenced - ctx.ref) <= ctx.cfg.alive_window_s)
        ctx.alive[known] = False
        silent &= ~known
    if not silent.any() or len(events) < SILENT_MISSES:
        return
    at = _ecef(events)
    sizes = [len(e.picks) for e in events]
    owner = np.repeat(np.arange(len(events)), sizes)
    picks = np.concatenate([e.picks for e in events])
    heard = np.linalg.norm(ctx.net.ecef[ctx.pool.sensor[picks]] - at[owner], axis=1)
    radius = ctx.cfg.near_fraction * np.array(
        [np.median(h) for h in np.split(heard, np.cumsum(sizes)[:-1])]
    )
    dist = np.linalg.norm(at[:, None, :] - ctx.net.ecef[None, silent, :], axis=2)
    misses = (dist < radius[:, None]).sum(axis=0)
    down = np.flatnonzero(silent)[misses >= SILENT_MISSES]
    ctx.alive[down] = False
    if ctx.silenced is not None:
        ctx.silenced[down] = ctx.ref


def search_middle(search: BlockSearch, used: np.ndarray, nearby: Members = Members.none()
                  ) -> None:  # fmt: skip
    """The block's middle stage: the passes of at least ``MIDDLE_MIN`` and fewer than
    ``STRONG_MIN`` sensors, on the picks still free in ``used`` (updated).

    It runs after the next block's strong stage, as the low and weak stages run after
    the next block's middle and low ones (see :func:`search_strong`): the 8-sensor pass
    of a block whose next block held a salvo spent most of its walk on phantom boxes near
    the end of its window, made of the salvo's picks (58–74 % of the leaf picks of the
    three costliest such walks of hard seed 3 arrived more than 30 s after the block's
    end). With ``MIDDLE_HALO`` its walks know the salvo areas of its events so far and of
    ``nearby`` (:func:`neighbours`), as the low stage's do, and drop the boxes off them
    that hold only their window picks (:func:`_halo_reach`); knowing them, they also
    prune such boxes for near misses (``NEAR_SENSORS``, :func:`_limits`), as the low
    stage's walks do.
    """
    if len(search.ctx.pool.t) == 0:
        return
    ctx = _resume(search, used)
    _passes(search, MIDDLE_MIN, STRONG_MIN, areas=nearby if MIDDLE_HALO else None)
    used[:] = ~ctx.free


def search_low(search: BlockSearch, used: np.ndarray, nearby: Members = Members.none()
               ) -> None:  # fmt: skip
    """The block's low stage: the passes of at least ``LOW_MIN`` and fewer than
    ``MIDDLE_MIN`` sensors, on the picks still free in ``used`` (updated), with the halo
    test of the salvo areas of its events and ``nearby`` (:func:`neighbours`).

    It runs after the next block's middle stage, and the weak stage after the next
    block's low one, so a salvo whose impacts fall in the next block has formed its area
    there before this block's smallest events are taken: on moderate seed 50 four ghosts
    of four and five picks, 10–12 km off such a salvo's impact area, took the picks of its
    first rounds in the block before it, where no area was known.
    """
    if len(search.ctx.pool.t) == 0:
        return
    ctx = _resume(search, used)
    _passes(search, LOW_MIN, MIDDLE_MIN, areas=nearby)
    used[:] = ~ctx.free


def search_weak(
    search: BlockSearch, used: np.ndarray, stats: dict[str, int] | None = None,
    nearby: Members = Members.none(),
) -> list[Located]:  # fmt: skip
    """The block's weak stage: the passes below ``LOW_MIN`` sensors, the launch spots
    of weakly heard salvos (:func:`_launch_spots`), their impact areas (:func:`_weak_areas`,
    sought again once the strays are dropped, ``STRAY_AREAS``) and the explaining away,
    on the picks still free in ``used`` (updated); returns every event of the block.
    Salvo areas come from its events and ``nearby`` as in :func:`search_low`, for the
    halo test and the stray rule (:func:`_strays`) alike.
    ``stats["unsearched"]`` (when given) counts partition boxes left unsearched for lack
    of budget (see :func:`_pass`).
    """
    if len(search.ctx.pool.t) == 0:
        return []
    ctx = _resume(search, used)
    ctx.doubtful = [] if WEAK_AREAS else None
    _passes(search, 0, LOW_MIN, areas=nearby)
    if AREA_ROUNDS:
        search.found = _area_rounds(ctx, search.geo, search.window, search.found)
    search.found = _launch_spots(ctx, search.found, search.window)
    if BUSY_SPOTS:
        search.found = _busy_spots(ctx, search.found, search.window)
    if WEAK_AREAS:
        search.found = _weak_areas(ctx, search.geo, search.window, search.found)
    if WEAK_AREAS and STRAY_AREAS:
        ctx.suspects = []  # the stray rule's pass keeps them, as it keeps doubtful ones
    else:
        ctx.doubtful = None
    if DROP_STRAYS:
        search.found = _drop_strays(ctx, search, nearby)
    if ctx.doubtful is not None and ctx.suspects is not None:
        ctx.doubtful += ctx.suspects
        search.found = _weak_areas(ctx, search.geo, search.window, search.found)
    ctx.doubtful = ctx.suspects = None
    out = search.found
    for _ in range(EXPLAIN_ROUNDS):
        n_before = len(out)
        out = _explain_away(ctx, out)
        if len(out) == n_before:
            break
    used[:] = ~ctx.free
    if stats is not None:
        stats["unsearched"] = stats.get("unsearched", 0) + ctx.unsearched
    return out


def shadow_rounds(search: BlockSearch, events: list[Located]) -> list[tuple[I64, F64]]:
    """Rounds fired from the launch spots of ``events`` (the block's, after its weak
    stage) that no event holds (:mod:`truceline.fusion.shadows`): for each spot that has
    some, its events (best heard first) and the rounds' origin times in the block's
    window. A spot's round is a pulse of origin times that two or more of the sensors
    that heard its found rounds agree on (:func:`.shadows.agreeing`: more where each
    round is heard by many), among their free picks (a found round's picks are taken; a
    pick another event took is that event's)."""
    ctx = search.ctx
    if len(events) < shadows.SPOT_EVENTS:
        return []
    pool, net = ctx.pool, ctx.net
    en = ecef_to_enu(_ecef(events), net.lat0, net.lon0, net.h0)
    origin = np.array([e.fix.origin for e in events])
    cov = np.array([e.fix.cov[:2, :2] for e in events])
    lo, hi = search.window
    out: list[tuple[I64, F64]] = []
    for group in shadows.spot_groups(en[:, 0], en[:, 1], origin, cov):
        members = np.array(sorted(group.tolist(), key=lambda k: (-len(events[k].picks),
                                                                 events[k].fix.chi2)))  # fmt: skip
        view = _master(ctx, events[int(members[0])])
        heard = np.unique(np.concatenate([pool.sensor[events[k].picks] for k in members]))
        sel = np.flatnonzero(ctx.free & np.isin(pool.sensor, heard))
        width = _cluster_width(ctx.cfg, float(net.sigma_t[heard].max()))
        implied = pool.t[sel] - view.tt[pool.sensor[sel]]
        hearing = [len(np.unique(pool.sensor[events[k].picks])) for k in members.tolist()]
        agree = shadows.agreeing(np.asarray(hearing, dtype=np.float64))
        times = shadows.unlocated(shadows.pulses(implied, pool.sensor[sel], width, agree),
                                  origin[members])  # fmt: skip
        times = times[(times >= lo) & (times < hi)]  # each block adds its own
        if len(times):
            out.append((members, times))
    return out


def neighbours(searches: list[tuple[BlockSearch, float]]) -> Members:
    """The members of neighbouring blocks (:func:`_members`), each search with its
    block's reference time minus this block's."""
    return _joined([_members(s.ctx, s.found, shift) for s, shift in searches])


def _area_rounds(ctx: _Ctx, geo: Geometry, window: tuple[float, float],
                 events: list[Located]) -> list[Located]:  # fmt: skip
    """``events`` with the rounds of each salvo area chosen as a whole.

    Inside an impact area every sensor that hears the salvo has a pick every half second,
    so the chance test (:func:`_chance_p`) rejects rounds heard by 4–7 sensors as readily
    as the mixtures of neighbouring rounds' picks: both have chance probabilities of
    1e-4–1e-2 there, and both fit. Here the area's free picks (those in its arrival
    windows) are walked again over its members' extent widened by ``HALO_IN_M``, every
    distinct purified leaf is fitted, the candidates that land within ``AREA_NEAR_M`` of
    a member pass with a chance probability up to ``AREA_CHANCE_P`` (every other test as
    before), and of those the disjoint set explaining the most picks is taken
    (:func:`truceline.fusion.packing.pack`): rounds partition the picks between them, a
    mixture leaves several rounds short of sensors.

    The area's small events (:func:`_area_small`) are chosen again with them (``REPACK``):
    their picks are free to the walk and the fits, and they stand as candidates as they
    are. The passes had taken them best first, so a mixture that fitted best had kept the
    picks of the rounds it mixed: on moderate seed 11, 0.972 of the blasts have an event
    drawing most of its picks from them with this, 0.954 without.
    """
    areas = _salvo_areas(ctx, events)
    if not len(areas.area):
        return events
    bits = window_bits(areas, ctx.pool.sensor, ctx.pool.t)
    for a in range(min(len(areas.lo), MAX_AREAS)):
        members = areas.ecef[areas.area == a]
        inside = ((bits >> a) & 1) == 1
        small = _area_small(ctx, events, inside, members)
        kept, new = _area_choice(ctx, geo, window, members, inside, small)
        events = _rechosen(events, small, kept, new)
    return events


def _rechosen(events: list[Located], small: list[Located], kept: list[Located],
              new: list[Located]) -> list[Located]:  # fmt: skip
    """``events`` once an area's ``small`` events were chosen again: those ``kept``
    stay put, the others go, and its ``new`` rounds are added."""
    gone = {id(ev) for ev in small} - {id(ev) for ev in kept}
    return [ev for ev in events if id(ev) not in gone] + new


def _weak_areas(ctx: _Ctx, geo: Geometry, window: tuple[float, float],
                events: list[Located]) -> list[Located]:  # fmt: skip
    """``events`` with the rounds of impact areas that formed no salvo area.

    A salvo area (:mod:`truceline.fusion.halo`) needs four events of six picks or more.
    A salvo whose impacts four to six sensors hear leaves none, and its rounds fail the
    chance test one by one (1e-4–1e-2 there, as mixtures of their picks do): on the
    independent hard scenario 22, 38 of a salvo's 40 impacts were lost so. The weak
    stage keeps the candidates its fits (passes and launch-spot searches) reject for
    that test alone and that would pass it at ``AREA_CHANCE_P`` (``ctx.doubtful``).
    Those still free, and the block's small suspect events (``WEAK_HELD``,
    :func:`_suspect`), are grouped where they gather (``WEAK_DENSE``, :func:`_dense`),
    or, where no such group's rounds pass their test, along chains within
    ``WEAK_LINK_M`` and ``WEAK_LINK_S`` (:func:`_chained`); each group's suspect events
    and disjoint candidates (least likely chance first), ``WEAK_MIN`` or more, are an
    area's members, and its rounds are chosen as a salvo area's are (:func:`_weak_area`).

    Why both: when four or five sensors hear each round, ghosts made of the picks of
    three or four rounds, 0.6–3 km off, are found first and hold most rounds' picks, so
    few doubtful candidates are rounds (own moderate seed 23, an hour: 7 of the salvo's
    40 impacts found within 50 m, 11 ghosts). Its rounds found as events are evidence of
    the area as much as doubtful candidates are; and candidates linked in chains
    (``WEAK_LINK_M``, :func:`_chained`) let ghosts, each a few hundred metres from the
    next, join the rounds' chain, whose rounds then failed their test together. A
    salvo's rounds land within a few hundred metres; its ghosts scatter. Chains stay the
    fallback: on own moderate seed 19 (an hour) a chain's rounds passed the test where
    the dense group's, a few members short, just failed it.

    With ``STRAY_AREAS`` it runs again once the strays are dropped, ``ctx.doubtful``
    then holding too the doubtful candidates of the stray rule's pass (on the picks the
    strays freed) and the small ones that pass accepts with a chance probability of
    ``halo_chance_p`` or more (``ctx.suspects``). A salvo's impacts that five sensors
    on one side hear (independent moderate 7) are found one by one and dropped as
    strays, each alone among ghosts; those four sensors hear are doubtful, and ghosts
    hold their picks until the strays go: 3 of the 60 doubtful candidates free before
    the strays were dropped were rounds, 16 of the 695 after, which chained into an
    area of 32 rounds, each within 4.1 m of its impact.
    """
    doubt = sorted((d for d in ctx.doubtful or [] if ctx.free[d.picks].all()),
                   key=lambda d: d.chance)  # fmt: skip
    held = _suspects(ctx, events) if WEAK_HELD else []
    pool = held + doubt
    if len(pool) < WEAK_MIN:
        return events
    before = events
    if WEAK_DENSE:
        events = _weak_groups(ctx, geo, window, events, held, pool, _dense(pool))
    if events is before:  # no area around a dense point: along chains, as before
        events = _weak_groups(ctx, geo, window, events, held, pool, _chained(pool))
    return events


def _weak_groups(ctx: _Ctx, geo: Geometry, window: tuple[float, float], events: list[Located],
                 held: list[Located], pool: list[Located], groups: list[I64]
                 ) -> list[Located]:  # fmt: skip
    """``events`` with the rounds of each group's area (:func:`_weak_area`), a group
    indexing ``pool``, whose first ``len(held)`` are events found (members as they are)
    and the rest candidates (members if their picks are free and disjoint); a new list
    only if some area's rounds were taken."""
    for group in groups:
        taken = [pool[k] for k in group if k < len(held)]
        members = taken + _disjoint_free(ctx, [pool[k] for k in group if k >= len(held)])
        if len(members) >= WEAK_MIN:
            events = _weak_area(ctx, geo, window, events, members)
    return events


def _suspects(ctx: _Ctx, events: list[Located]) -> list[Located]:
    """The suspects among ``events`` (:func:`_suspect`)."""
    return [ev for ev, s in zip(events, _suspect(ctx, events), strict=True) if s]


def _suspect(ctx: _Ctx, events: list[Located]) -> np.ndarray:
    """Which ``events`` are suspects (:mod:`truceline.fusion.halo`): small, not unlikely
    as chance (``halo_chance_p`` or more), every pick in a burst at its sensor."""
    cfg, pool = ctx.cfg, ctx.pool
    out = np.zeros(len(events), dtype=bool)
    for i, e in enumerate(events):
        if len(e.picks) <= cfg.small_event_sensors and e.chance >= cfg.halo_chance_p:
            p = e.picks
            out[i] = in_bursts(ctx.keys, pool.sensor[p] * KEY_SPAN_S + pool.t[p]).all()
    return out


def _chained(events: list[Located]) -> list[I64]:
    """The chains (indices, ascending) of ``events`` linked within ``WEAK_LINK_M`` and
    ``WEAK_LINK_S``."""
    t = np.array([e.fix.origin for e in events])
    i, j = cKDTree(_ecef(events)).query_pairs(WEAK_LINK_M, output_type="ndarray").T
    near = np.abs(t[i] - t[j]) <= WEAK_LINK_S
    i, j = i[near], j[near]
    n = len(events)
    n_chains, label = connected_components(csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n)))
    return [np.flatnonzero(label == c) for c in range(n_chains)]


def _dense(events: list[Located]) -> list[I64]:
    """Groups (indices, ascending) of ``events`` around their densest points: the event
    with the most distinct others within ``WEAK_CORE_M`` and ``WEAK_SPAN_S`` leads a group
    of those, which leave; again while a group would hold ``WEAK_MIN``. A pick set listed
    twice counts once. Neighbours come from a k-d tree, as :func:`_chained`'s do, not an
    all-pairs matrix: a block's candidates run to hundreds (420 on own moderate seed 19)."""
    n, t = len(events), np.array([e.fix.origin for e in events])
    first: dict[tuple[int, ...], int] = {}
    for i, e in enumerate(events):
        first.setdefault(tuple(np.sort(e.picks).tolist()), i)
    distinct = np.zeros(n, dtype=bool)
    distinct[list(first.values())] = True
    i, j = cKDTree(_ecef(events)).query_pairs(WEAK_CORE_M, output_type="ndarray").T
    close = np.abs(t[i] - t[j]) <= WEAK_SPAN_S
    rows = np.concatenate([i[close], j[close], np.arange(n)])  # each one near itself too
    cols = np.concatenate([j[close], i[close], np.arange(n)])
    near = csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)), shape=(n, n))
    left = np.ones(n, dtype=bool)
    out: list[I64] = []
    while True:
        count = near @ (left & distinct).astype(np.int64)
        count[~left] = -1
        lead = int(np.argmax(count))
        if count[lead] < WEAK_MIN:
            return out
        mates = np.sort(near.indices[near.indptr[lead] : near.indptr[lead + 1]])
        group = mates[left[mates]]
        left[group] = False
        out.append(group)


def _disjoint_free(ctx: _Ctx, events: list[Located]) -> list[Located]:
    """``events``, in order, each kept if its picks are free and not a kept one's."""
    held = ~ctx.free
    out = []
    for ev in events:
        if not held[ev.picks].any():
            held[ev.picks] = True
            out.append(ev)
    return out


def _weak_area(ctx: _Ctx, geo: Geometry, window: tuple[float, float],
               events: list[Located], members: list[Located]) -> list[Located]:  # fmt: skip
    """``events`` with the rounds of the area of ``members`` (:func:`_area_choice`),
    if they are a salvo's rounds: ``WEAK_ROUNDS`` or more whose fits' chi-squares, summed,
    are not improbable (``WEAK_FIT_P``); otherwise ``events`` and every pick as they were.

    Chains of mixtures (the ghosts of a salvo's launches or impacts, made of picks of
    several rounds) fit worse together: on the independent scenarios of seeds 1–30 the 3
    chains that gave rounds within 10 m of their blasts had summed chi-square
    probabilities of 0.21–0.95, the 11 others 6e-12–2e-3 (those traced: mixtures
    0.4–1.1 km off their blasts, ghosts 1.2–1.9 km off a launch salvo, one with no blast
    within 2 km). The rounds of an area that passes then face its ghosts
    (``WEAK_HALO``, :func:`_without_weak_ghosts`).
    """
    area = area_of(_ecef(members), _predicted(ctx, members))
    inside = in_window(area, 0, ctx.pool.sensor, ctx.pool.t)
    small = _area_small(ctx, events, inside, area.ecef)
    kept, new = _area_choice(ctx, geo, window, area.ecef, inside, small)
    rounds = kept + new
    if not _salvo_rounds(rounds):
        _undo_choice(ctx, small, rounds)
        return events
    events = _rechosen(events, small, kept, new)
    if WEAK_HALO:
        events = _without_weak_ghosts(ctx, geo, window, events, rounds, inside)
    return events


def _salvo_rounds(rounds: list[Located]) -> bool:
    """Whether ``rounds`` may be a salvo's: ``WEAK_ROUNDS`` or more whose fits'
    chi-squares, summed, are not improbable (``WEAK_FIT_P``)."""
    dof = max(sum(e.fix.dof for e in rounds), 1)
    return len(rounds) >= WEAK_ROUNDS and chdtrc(dof, sum(e.fix.chi2 for e in rounds)) >= WEAK_FIT_P


def _undo_choice(ctx: _Ctx, before: list[Located], chosen: list[Located]) -> None:
    """Give the picks back as they were before an area's rounds were chosen: those of
    the ``chosen`` freed, those of the events held ``before`` taken."""
    for ev in chosen:
        ctx.free[ev.picks] = True
    for ev in before:
        ctx.free[ev.picks] = False


def _without_weak_ghosts(ctx: _Ctx, geo: Geometry, window: tuple[float, float],
                         events: list[Located], rounds: list[Located], inside: np.ndarray
                         ) -> list[Located]:  # fmt: skip
    """``events`` without the ghosts of a weak area's ``rounds``, whose picks the area's
    rounds are then chosen again with (:func:`_area_choice`).

    A ghost is what the halo test (:mod:`truceline.fusion.halo`) takes one for around a
    salvo area: a small event (at most ``small_event_sensors``) not unlikely as chance
    (``halo_chance_p`` or more), every pick in the area's arrival windows (``inside``),
    farther than ``HALO_IN_M`` from every round. A weak area forms no salvo area, so the
    passes before it took such events at the usual ``max_chance_p``: on the independent
    moderate scenario 12, eight of them, 500–1,200 m off a salvo whose rounds land
    within 170 m, each made of the picks of three or four rounds, held the picks of its
    rounds 3–14 (19 of its 40 impacts found within 50 m before, 32 after). The rounds
    chosen again must pass the area's own test (:func:`_salvo_rounds`), or every pick
    goes back as it was: with a stricter stray rule (measured, not kept), independent
    hard 1's area of mixtures, which had passed it, gave way to 15 mixtures 650–1,500 m
    off whose chi-squares summed did not.
    """
    cfg = ctx.cfg
    members = _ecef(rounds)
    own = {id(ev) for ev in rounds}
    small = [ev for ev in events if id(ev) not in own and len(ev.picks) <= cfg.small_event_sensors
             and ev.chance >= cfg.halo_chance_p and inside[ev.picks].all()]  # fmt: skip
    if not small:
        return events
    gone = [ev for ev, d in zip(small, _gaps(small, members), strict=True) if d > HALO_IN_M]
    if not gone:
        return events
    for ev in gone:
        ctx.free[ev.picks] = True
    kept, new = _area_choice(ctx, geo, window, members, inside, rounds)
    if not _salvo_rounds(kept + new):  # chosen again, they must still be a salvo's
        _undo_choice(ctx, rounds + gone, kept + new)
        return events
    ghosts = {id(ev) for ev in gone}
    return _rechosen([ev for ev in events if id(ev) not in ghosts], rounds, kept, new)


def _area_choice(ctx: _Ctx, geo: Geometry, window: tuple[float, float], members: F64,
                 inside: np.ndarray, small: list[Located]
                 ) -> tuple[list[Located], list[Located]]:  # fmt: skip
    """The area's ``small`` events kept and its new rounds (their picks taken): the
    disjoint set of them and of the candidates from its window picks (``inside``, the
    small events' included) that explains the most picks.

    The exact packing's cost grows steeply with its candidates and with how they
    overlap: on hard seed 13, 689 of them over 119 picks took HiGHS 5.6 s (232 nodes,
    most of it strong branching), while moderate seed 11's largest, 452, took 0.19 s.
    Beyond ``REPACK_MAX_CANDIDATES`` the area's small events are kept as they are and
    only its free picks are packed.
    """
    for ev in small:
        ctx.free[ev.picks] = True
    sub = np.flatnonzero(ctx.free & inside)
    found = []
    if len(np.unique(ctx.pool.sensor[sub])) >= ctx.cfg.min_sensors:
        found = _area_candidates(ctx, geo, window, members, sub)
    too_many = bool(small) and len(small) + len(found) > REPACK_MAX_CANDIDATES
    if too_many or not found:
        for ev in small:
            ctx.free[ev.picks] = False
        rest = _area_choice(ctx, geo, window, members, inside, [])[1] if too_many else []
        return small, rest
    cands = small + found
    weight = np.array([len(ev.picks) - AREA_FIT_WEIGHT * ev.fix.chi2 / max(ev.fix.dof, 1)
                       for ev in cands])  # fmt: skip
    chosen = packing.pack([ev.picks for ev in cands], weight)
    for i in chosen:
        ctx.free[cands[i].picks] = False
    return ([cands[i] for i in chosen if i < len(small)],
            [cands[i] for i in chosen if i >= len(small)])  # fmt: skip


def _area_small(ctx: _Ctx, events: list[Located], inside: np.ndarray, members: F64
                ) -> list[Located]:  # fmt: skip
    """The events of an area chosen again with its rounds: at most ``small_event_sensors``
    picks, all in its arrival windows (``inside``), within ``AREA_NEAR_M`` of one of its
    ``members`` (ECEF); none without ``REPACK``."""
    if not REPACK:
        return []
    cap = ctx.cfg.small_event_sensors
    return _near_members([ev for ev in events if len(ev.picks) <= cap
                          and inside[ev.picks].all()], members)  # fmt: skip


def _near_members(events: list[Located], members: F64) -> list[Located]:
    """The ``events`` within ``AREA_NEAR_M`` of one of an area's ``members`` (ECEF)."""
    if not events:
        return []
    return [ev for ev, d in zip(events, _gaps(events, members), strict=True) if d <= AREA_NEAR_M]


def _gaps(events: list[Located], members: F64) -> F64:
    """Each of ``events``' distance to the nearest of an area's ``members`` (ECEF), m."""
    return np.asarray(np.linalg.norm(_ecef(events)[:, None, :] - members[None], axis=2).min(axis=1))


def _area_candidates(ctx: _Ctx, geo: Geometry, window: tuple[float, float], members: F64,
                     sub: I64) -> list[Located]:  # fmt: skip
    """The acceptable candidates (chance up to ``AREA_CHANCE_P``) within ``AREA_NEAR_M``
    of an area's ``members`` (ECEF), from its free window picks ``sub``."""
    net = ctx.net
    enu = ecef_to_enu(members, net.lat0, net.lon0, net.h0)
    root = np.array([enu[:, 0].min() - HALO_IN_M, enu[:, 0].max() + HALO_IN_M,
                     enu[:, 1].min() - HALO_IN_M, enu[:, 1].max() + HALO_IN_M,
                     window[0], window[1]])  # fmt: skip
    boxes, sets = _area_sets(ctx, geo, root, sub)
    if not sets:
        return []
    ci = np.repeat(np.arange(len(sets)), [len(st) for st in sets])
    found = _locate_all(ctx, boxes, ci, np.concatenate(sets), max_chance=AREA_CHANCE_P)
    return _near_members([ev for _, ev, _ in found], members)


def _area_sets(ctx: _Ctx, geo: Geometry, root: F64, sub: I64) -> tuple[F64, list[I64]]:
    """The distinct purified leaves (start boxes, pool picks) of a walk of ``sub`` from
    ``root`` with ``min_sensors``."""
    cfg = ctx.cfg
    leaves, _ = walk(root, _walk_picks(ctx, sub), geo, _limits(cfg, cfg.min_sensors), ctx.alive)
    pure, _ = _purify(ctx, geo, leaves, _leaf_picks(leaves, sub), cfg.min_sensors)
    if not pure.n:
        return np.zeros((0, 6)), []
    size = np.diff(pure.start)
    digest = _set_hashes(pure.leaf, pure.pick, pure.n)
    live = np.flatnonzero(size >= cfg.min_sensors)
    _, first = np.unique(digest[live], return_index=True)
    keep = live[np.sort(first)]
    return leaves.box[keep], [pure.pick[pure.start[i] : pure.start[i + 1]] for i in keep]


def _launch_spots(ctx: _Ctx, events: list[Located], window: tuple[float, float]
                  ) -> list[Located]:  # fmt: skip
    """Rounds of a weakly heard salvo, from its launch spot (:mod:`truceline.fusion.spot`).

    Where a salvo's launches are heard by a few sensors on one side of the launcher, the
    free search finds mixtures of neighbouring rounds: small events close in time at the
    same sensors, placed kilometres off (hard seed 11's third salvo, heard by the same
    five sensors: 29 of 40 launches missed, mixtures 2.3 km off taking their picks), and
    no round has the picks to be a master for :func:`_repeat_sources`. Such a group of
    small events (``SPOT_SEEDS`` or more, linked within ``SPOT_LINK_S`` when they share
    all but one of ``min_sensors`` sensors) is a seed: if the picks of its sensors hold
    lags of ``SPOT_ROUNDS`` rounds, each sharp or closing a triangle with two others
    (:func:`.spot.sensor_lags`), that place one spot within ``SPOT_SHIFT_M``, the
    group's events are dissolved and the rounds are taken from the spot like repeat
    sources (see :func:`_retake`).
    """
    cfg = ctx.cfg
    small = [e for e in events if len(e.picks) <= cfg.small_event_sensors]
    if len(small) < SPOT_SEEDS:
        return events
    for members in _seed_groups(ctx, small):
        view = _spot_view(ctx, members)
        if view is None and SPOT_MEMBERS:
            view = _member_view(ctx, members, window)
        if view is None:
            continue
        events = _retake(ctx, events, members, view, window)
    return events


def _seed_groups(ctx: _Ctx, small: list[Located]) -> list[list[Located]]:
    """Groups of small events linked within ``SPOT_LINK_S`` that share at least
    ``min_sensors − 1`` sensors, ``SPOT_SEEDS`` or more."""
    n = len(small)
    bits = np.zeros((n, len(ctx.net)), dtype=bool)
    for k, e in enumerate(small):
        bits[k, ctx.pool.sensor[e.picks]] = True
    shared = bits.astype(np.int64) @ bits.T.astype(np.int64)
    t = np.array([e.fix.origin for e in small])
    link = (np.abs(t[:, None] - t[None, :]) <= SPOT_LINK_S) & (shared >= ctx.cfg.min_sensors - 1)
    lab = linked_groups(link, SPOT_SEEDS)
    return [[small[k] for k in np.flatnonzero(lab == g)] for g in np.unique(lab[lab >= 0])]


def _spot_view(ctx: _Ctx, members: list[Located]) -> _Master | None:
    """The master view of the launch spot of a seed group's sensors (those in at least two
    of its events), from the lags of their picks over the group's time span; ``None`` if
    they place no spot.

    Every pick counts, free or taken: the lags are evidence of one repeated source, and
    a round's picks held by a mixture outside the group line up at them as well as free
    ones. Counting only the free picks and the group's own, hard seed 11's third salvo
    (once the leaves were purified, see :func:`_purify`) had a group of five events over
    two seconds whose sensors lined up one lag; with every pick they line up four, at
    29–34 rounds each, and place the launcher.
    """
    cfg, pool = ctx.cfg, ctx.pool
    sensors, lo, hi = _seed_span(ctx, members)
    if len(sensors) < cfg.min_sensors:
        return None
    near = (pool.t >= lo) & (pool.t <= hi)
    lags, width = _pair_lags(ctx, sensors, [pool.t[near & (pool.sensor == s)] for s in sensors])
    weather = members[0].weather
    start = (
        float(np.median([e.fix.lat for e in members])),
        float(np.median([e.fix.lon for e in members])),
        float(np.median([e.fix.height for e in members])),
    )
    return _lag_master(ctx, lags, sensors, start, weather, width)


def _pair_lags(ctx: _Ctx, sensors: I64, times: list[F64], reach_m: float = np.inf
               ) -> tuple[list[spot.Lag], float]:  # fmt: skip
    """The lags of ``sensors``, whose picks are ``times`` (:func:`.spot.sensor_lags`,
    ``SPOT_ROUNDS`` pick pairs or more), and the width they were sought with; two sensors
    farther apart than ``reach_m`` are given no lag."""
    cfg, net = ctx.cfg, ctx.net
    ecef = net.ecef[sensors]
    apart = np.linalg.norm(ecef[:, None, :] - ecef[None, :, :], axis=2)
    # No lag exceeds the sensors' distance at the slowest sound (300 m/s, wind against).
    max_lags = np.where(apart <= reach_m, apart / SLOW_SOUND_MS + 0.1, -1.0)
    width = _cluster_width(cfg, float(net.sigma_t[sensors].max()))
    return spot.sensor_lags(times, max_lags, width, SPOT_ROUNDS), width


def _lag_master(ctx: _Ctx, lags: list[spot.Lag], sensors: I64,
                start: tuple[float, float, float], weather: WeatherAt, width: float
                ) -> _Master | None:  # fmt: skip
    """The master view of the spot that ``lags`` (between ``sensors``' positions) place,
    fitted from ``start`` (:func:`.spot.locate_spot`); ``None`` if they place none."""
    net = ctx.net
    ecef = net.ecef[sensors]
    place = spot.locate_spot(lags, ecef, start, weather, max_rms_s=width,
                             max_shift_m=SPOT_SHIFT_M)  # fmt: skip
    if place is None:
        return None
    e, n, _ = ecef_to_enu(geodetic_to_ecef(*place), net.lat0, net.lon0, net.h0)
    cov = spot.lag_covariance(lags, spot.slowness(ecef, place, weather), net.sigma_t[sensors])
    return _Master(spot.travel_times(net.ecef, place, weather), float(e), float(n), place,
                   weather, cov)  # fmt: skip


def _seed_span(ctx: _Ctx, members: list[Located]) -> tuple[I64, float, float]:
    """A seed group's sensors (those in at least two of its events) and the time span
    of its picks, widened by 2 s each side: where its launch spot's lags are sought."""
    pool = ctx.pool
    own = np.concatenate([e.picks for e in members])
    sensors = np.flatnonzero(np.bincount(pool.sensor[own], minlength=len(ctx.net)) >= 2)
    return sensors, float(pool.t[own].min()) - 2.0, float(pool.t[own].max()) + 2.0


def _retake(ctx: _Ctx, events: list[Located], members: list[Located], view: _Master,
            window: tuple[float, float]) -> list[Located]:  # fmt: skip
    """Dissolve ``members`` and their bystanders (:func:`_bystanders`) and take the rounds
    at ``view``'s spot like repeat sources (untested while their fit stays at the spot,
    see :func:`_repeat_sources`): the lags that placed it are the evidence a master's
    picks are for those. Dissolved events whose picks stay free are kept. Unless
    ``SPOT_ROUNDS`` rounds are taken, everything is undone.

    Only members still among ``events`` are dissolved: an earlier group of the same salvo
    may have dissolved one as its bystander and given its picks to a round, and freeing
    them again let this group take that round a second time (hard seed 41, unseen: an
    8-sensor launch written twice, its 8 detections in two events)."""
    current = {id(e) for e in events}
    members = [e for e in members if id(e) in current]
    if not members:
        return events
    return _take_at_spot(ctx, events, members + _bystanders(ctx, events, members), view,
                         window)  # fmt: skip


def _take_at_spot(ctx: _Ctx, events: list[Located], members: list[Located], view: _Master,
                  window: tuple[float, float]) -> list[Located]:  # fmt: skip
    """Dissolve ``members`` (events of ``events``) and take the rounds at ``view``'s spot
    like repeat sources (see :func:`_retake`); unless ``SPOT_ROUNDS`` rounds are taken,
    everything is undone."""
    gone = {id(e) for e in members}
    held = (np.concatenate([e.picks for e in members]) if members
            else np.zeros(0, dtype=np.int64))  # fmt: skip
    ctx.free[held] = True
    found = _repeat_groups(ctx, view, np.flatnonzero(ctx.free), window)
    taken = []
    if found:
        boxes = np.array([box for _, box in found])
        sets = [st for st, _ in found]
        taken = _take_best(ctx, boxes, sets, near_test=False, spot_m=REPEAT_SPOT_M)
    if SPOT_FITS:
        taken += _spot_rounds(ctx, view, window)
    if len(taken) < SPOT_ROUNDS:
        for e in taken:
            ctx.free[e.picks] = True
        ctx.free[held] = False
        return events
    kept = [e for e in members if ctx.free[e.picks].all()]
    for e in kept:
        ctx.free[e.picks] = False
    return [e for e in events if id(e) not in gone] + kept + taken


def _busy_spots(ctx: _Ctx, events: list[Located], window: tuple[float, float]
                ) -> list[Located]:  # fmt: skip
    """Rounds of weakly heard salvos from launch spots that the lags of busy sensors place
    (:func:`.spot.busy_spans`), where no seed group formed (:func:`_launch_spots`).

    A seed group needs five small events linked round to round, and where a salvo's
    launches are heard by four sensors the free search's mixtures need not link: on the
    independent moderate scenario 19 (benchmarks/spec_scenarios.py) a salvo's 40 launches,
    each heard by the same four or five sensors, left no group and 20 of them were lost
    (recall 0.835). The rounds are there all the same, one pick a round at each sensor
    that hears them, so sensors with eight or more picks within 20 s that a spot could
    take (free, or held by small events) are searched for lags directly, over the span
    of those picks (every pick in it counting, as in :func:`_spot_view`). A salvo
    already found holds its sensors' picks in large events and is not searched again:
    searching every busy sensor cost 8 % of the 4-hour moderate input's time and found
    nothing new there, and with picks a spot could take counted only to go on, the busy
    sensors of two salvos joined in one set of lags that placed no spot (independent
    hard 5 kept missing the 20 launches of its salvo v4 that this finds). Lags that
    join three or more sensors place a spot from the best points of a grid
    (:func:`.spot.grid_starts`); small events with two or more picks at those sensors
    over their spans are dissolved (unless they lie at the spot already) and the rounds
    are taken from the spot as a seed group's are (:func:`_take_at_spot`, undone unless
    ``SPOT_ROUNDS`` are taken).
    """
    cfg, pool = ctx.cfg, ctx.pool
    open_ = ctx.free.copy()  # picks a spot could take: free, or held by small events
    for e in events:
        if len(e.picks) <= cfg.small_event_sensors:
            open_[e.picks] = True
    busy, lo, hi = spot.busy_spans(pool.t[open_], pool.sensor[open_], BUSY_SPAN_S,
                                   SPOT_ROUNDS)  # fmt: skip
    if len(busy) < 3:
        return events
    lo, hi = lo - 2.0, hi + 2.0
    times = [pool.t[(pool.sensor == s) & (pool.t >= a) & (pool.t <= b)]
             for s, a, b in zip(busy.tolist(), lo, hi, strict=True)]  # fmt: skip
    # Two sensors farther apart than twice the range hear no source in common.
    lags, width = _pair_lags(ctx, busy, times, 2.0 * cfg.max_range_m)
    for group in _lag_groups(lags, len(busy)):
        used = np.unique([k for lag in group for k in (lag.i, lag.j)])
        local = {int(k): q for q, k in enumerate(used)}
        mine = [spot.Lag(local[g.i], local[g.j], g.lag, g.count) for g in group]
        sensors = busy[used]
        mid = float(np.median(np.concatenate([times[k] for k in used])))
        view = _grid_master(ctx, mine, sensors, ctx.table.at(ctx.ref + mid), width)
        if view is None:
            continue
        spans = (sensors, lo[used], hi[used])
        events = _take_at_spot(ctx, events, _holders(ctx, events, view, spans), view, window)
    return events


def _lag_groups(lags: list[spot.Lag], n: int) -> list[list[spot.Lag]]:
    """``lags`` (between ``n`` sensors) split by the sensors they join (connected
    components), those joining three or more sensors by three or more lags."""
    if not lags:
        return []
    ii = np.array([lag.i for lag in lags])
    jj = np.array([lag.j for lag in lags])
    _, lab = connected_components(csr_matrix((np.ones(len(lags)), (ii, jj)), shape=(n, n)),
                                  directed=False)  # fmt: skip
    groups = [[lag for lag, g in zip(lags, lab[ii], strict=True) if g == k]
              for k in np.unique(lab[ii])]  # fmt: skip
    return [g for g in groups if len(g) >= 3 and len({k for lag in g for k in (lag.i, lag.j)}) >= 3]


def _grid_master(ctx: _Ctx, lags: list[spot.Lag], sensors: I64, weather: WeatherAt,
                 width: float) -> _Master | None:  # fmt: skip
    """The master view of the spot ``lags`` place, fitted from each of the grid's best
    starts (:func:`.spot.grid_starts`) at the median height of ``sensors`` (the spec's
    source height); ``None`` if they place none, or two equally well.

    Where the spots of two starts both fit, the lags cannot tell a launcher from its
    mirror image across its sensors' line; the one with fewer working sensors nearer
    than every sensor that heard it is taken (a launcher outside the network, heard by
    the sensors of its edge, has none, its mirror inside the network many)."""
    net = ctx.net
    speed = float(sound_speed(np.array([weather.temperature_c]))[0])
    height = float(np.median(net.alt[sensors]))
    views: list[tuple[int, _Master]] = []
    for e, n in spot.grid_starts(lags, net.enu[sensors], speed, reach_m=ctx.cfg.max_range_m,
                                 step_m=GRID_STEP_M):  # fmt: skip
        lat, lon = _lat_lon(net, np.array([e, n, 0.0]))
        view = _lag_master(ctx, lags, sensors, (float(lat), float(lon), height), weather,
                           width)  # fmt: skip
        if view is not None and all(np.hypot(view.east - v.east, view.north - v.north)
                                    > REPEAT_SPOT_M for _, v in views):  # fmt: skip
            views.append((_silent_nearer(ctx, view, sensors), view))
    if not views:
        return None
    views.sort(key=lambda kv: kv[0])
    if len(views) > 1 and views[1][0] == views[0][0]:
        return None
    return views[0][1]


def _silent_nearer(ctx: _Ctx, view: _Master, heard: I64) -> int:
    """The working sensors other than ``heard`` nearer to ``view``'s spot than every one
    of ``heard``."""
    net = ctx.net
    d = np.hypot(net.enu[:, 0] - view.east, net.enu[:, 1] - view.north)
    others = ctx.alive.copy()
    others[heard] = False
    return int((others & (d < d[heard].min())).sum())


def _holders(ctx: _Ctx, events: list[Located], view: _Master,
             spans: tuple[I64, F64, F64]) -> list[Located]:  # fmt: skip
    """The small events holding two or more picks of the busy sensors' spans (``spans``:
    sensors, first and last time; :func:`_holding`), other than those at ``view``'s spot
    already (within ``REPEAT_SPOT_M``): mixtures holding the salvo's rounds."""
    out = []
    for e in _holding(ctx, events, *spans):
        east, north = _east_north(ctx.net, e.fix)
        if np.hypot(east - view.east, north - view.north) > REPEAT_SPOT_M:
            out.append(e)
    return out


def _holding(ctx: _Ctx, events: list[Located], sensors: I64, lo: F64 | float,
             hi: F64 | float) -> list[Located]:  # fmt: skip
    """The small events of ``events`` with two or more picks at ``sensors`` between
    ``lo`` and ``hi`` (one span for all of them, or one each)."""
    pool = ctx.pool
    first = np.full(len(ctx.net), np.inf)
    last = np.full(len(ctx.net), -np.inf)
    first[sensors], last[sensors] = lo, hi
    out = []
    for e in events:
        if len(e.picks) > ctx.cfg.small_event_sensors:
            continue
        s, t = pool.sensor[e.picks], pool.t[e.picks]
        if ((t >= first[s]) & (t <= last[s])).sum() >= 2:
            out.append(e)
    return out


def _member_view(ctx: _Ctx, members: list[Located], window: tuple[float, float]
                 ) -> _Master | None:  # fmt: skip
    """The master view of the seed group's event at whose spot the most rounds line up
    (``SPOT_ROUNDS`` or more), where the lags placed no spot; ``None`` if none does.

    When the launcher lies far outside the network, its sensors are tens of kilometres
    apart and the pairs' lag windows span the whole salvo, so a shifted pairing of rounds
    rivals the true lag and few pairs are sharp (moderate seed 52, unseen: two of ten,
    no spot). A well-heard round of the group placed the launcher within metres, though,
    and at its spot the picks of the salvo's other rounds line up round by round (on
    moderate 52, 11 disjoint rounds of four or more sensors at the spot of its one
    round in the group; 1–4 at each of its ten mixtures' spots, 0.5–2 km off). Every
    pick counts, free or taken, as in :func:`_spot_view`.
    """
    best, most = None, SPOT_ROUNDS - 1
    for m in members:
        view = _master(ctx, m)
        n = len(_lineup(ctx, view, window))
        if n > most:
            best, most = view, n
    return best


def _lineup(ctx: _Ctx, view: _Master, window: tuple[float, float]) -> list[I64]:
    """The rounds that line up at ``view``'s spot: the disjoint clusters of implied origins
    (:func:`_disjoint`) within the spot width, every pick counting, free or taken (the
    evidence of one repeated source, as in :func:`_spot_view`)."""
    every = np.arange(len(ctx.pool.t))
    return _disjoint(_repeat_groups(ctx, view, every, window, _spot_width(ctx)))


def _disjoint(groups: list[tuple[I64, F64]]) -> list[I64]:
    """The pick sets of ``groups`` that share no pick, taken largest first: the rounds
    they hold (overlapping windows of one round's implied origins each make a group)."""
    seen: set[int] = set()
    out = []
    for st, _ in sorted(groups, key=lambda g: -len(g[0])):
        picks = set(st.tolist())
        if not picks & seen:
            seen |= picks
            out.append(st)
    return out


def _spot_width(ctx: _Ctx) -> float:
    """How close the implied origins of one launcher's rounds lie at its spot: the
    cluster width of :func:`_cluster_width` and the time sound takes across
    ``SPOT_SPREAD_M`` each way (the rounds leave from points metres apart)."""
    cfg, net = ctx.cfg, ctx.net
    return _cluster_width(cfg, float(net.sigma_t.max())) + 2.0 * SPOT_SPREAD_M / SLOW_SOUND_MS


def _spot_rounds(ctx: _Ctx, view: _Master, window: tuple[float, float]) -> list[Located]:
    """The rounds left at a launch spot, each fitted with the spot as a prior
    (:func:`.spot.fit_at_spot`): best first (most sensors, then best fit), each only
    while all its picks are free, rejecting a worst pick while the fit fails and
    ``min_sensors`` would remain.

    The free fit of :func:`_take_best` moves a round heard by four sensors from 15 km
    away hundreds of metres along the range, off the spot, and it is then tested like a
    free candidate and fails (moderate seed 52, unseen: 11 of 40 launches heard by four
    sensors, none found). At the spot its picks must agree on one origin time.
    """
    net, pool = ctx.net, ctx.pool
    free = np.flatnonzero(ctx.free)
    free = free[_spot_hearers(ctx, view, window)[pool.sensor[free]]]
    found = _repeat_groups(ctx, view, free, window, _spot_width(ctx))
    if not found:
        return []
    grad = spot.slowness(net.ecef, view.place, view.weather)
    fits = []
    for st, _ in found:
        fit = _fit_spot(ctx, view, grad, np.sort(st))
        if fit is not None:
            picks, f = fit
            fits.append(((-len(picks), f.chi2 / (len(picks) - 1)), picks, f))
    fits.sort(key=lambda kv: kv[0])
    out = []
    for _, picks, f in fits:
        if ctx.free[picks].all():
            ctx.free[picks] = False
            out.append(_spot_event(view, picks, f))
    return out


def _spot_hearers(ctx: _Ctx, view: _Master, window: tuple[float, float]) -> np.ndarray:
    """Which sensors hear the launcher: those whose picks fall in the disjoint rounds
    lined up at its spot (:func:`_lineup`) more often than their pick rate makes chance
    (Poisson, below ``SPOT_HEARD_P``).

    A launcher is heard by the sensors within its reach, round after round. A sensor
    busy with other fire has a pick in some of the rounds' windows all the same: on
    moderate seed 2 a round heard by three sensors took, as its fourth, a pick of an
    impact 31 km away heard by seven (chi-square probability 0.2 at the spot), at a sensor
    hearing that salvo's impacts every half second and none of its launches; the impact,
    left with six, was lost into mixtures of its neighbours."""
    pool = ctx.pool
    width = _spot_width(ctx)
    rounds = _lineup(ctx, view, window)
    ns = len(ctx.net)
    if not rounds:
        return np.zeros(ns, dtype=bool)
    implied = pool.t - view.tt[pool.sensor]
    own = np.concatenate(rounds)
    lo, hi = float(implied[own].min()), float(implied[own].max())
    span = (implied >= lo - width) & (implied <= hi + width)
    rate = np.bincount(pool.sensor[span], minlength=ns) / (hi - lo + 2.0 * width)
    count = np.bincount(pool.sensor[own], minlength=ns)
    chance = pdtrc(np.maximum(count - 1, 0), len(rounds) * rate * width)
    heard: np.ndarray = (count > 0) & (chance < SPOT_HEARD_P)
    return heard


def _fit_spot(ctx: _Ctx, view: _Master, grad: F64, picks: I64
              ) -> tuple[I64, spot.SpotFit] | None:  # fmt: skip
    """``picks`` fitted at the spot, dropping the worst pick while the fit fails and more
    than ``min_sensors`` remain; ``None`` if it never passes.

    The bar is ``SPOT_FIT_P``, not ``min_fit_p``: these rounds skip the tests against
    chance, so their fit must be good, not merely not rejected. At ``min_fit_p`` (1e-4;
    measured with a 10 m spread and before :func:`_spot_hearers`), hard seed 54 took two
    false events at spots, at chi-square probabilities of 1–3 %: three picks of a launch
    with one of an impact, and four neighbouring impacts' picks fitted at an impact's
    spot. Where the model holds, a round truly fired from the spot fails it one time in
    twenty."""
    cfg, net, pool = ctx.cfg, ctx.net, ctx.pool
    prior = SPOT_SPREAD_M**2 * np.eye(2) + view.cov
    while len(picks) >= cfg.min_sensors:
        s = pool.sensor[picks]
        f = spot.fit_at_spot(pool.t[picks], view.tt[s], grad[s], net.sigma_t[s], prior)
        if chdtrc(len(picks) - 1, f.chi2) >= SPOT_FIT_P:
            return picks, f
        picks = np.delete(picks, int(np.argmax(np.abs(f.residuals) / net.sigma_t[s])))
    return None


def _spot_event(view: _Master, picks: I64, f: spot.SpotFit) -> Located:
    """The event of a round fitted at the spot (no bearing used; untested against chance,
    as the repeat sources are)."""
    lat, lon, height = view.place
    la, lo = Frame(lat, lon, height).geodetic(float(f.shift[0]), float(f.shift[1]))
    n = len(picks)
    fix = Fix(lat=la, lon=lo, height=height, origin=f.origin, cov=f.cov, res_t=f.residuals,
              res_b=np.full(n, np.nan), chi2=f.chi2, dof=n - 1, converged=True)  # fmt: skip
    return Located(picks, np.zeros(n, dtype=bool), fix, view.weather)


def _bystanders(ctx: _Ctx, events: list[Located], members: list[Located]) -> list[Located]:
    """Small events outside a seed group with two or more picks at its sensors (those in
    two of its events) over its time span: mixtures that hold picks of the salvo's rounds
    without sharing enough sensors to be linked to the group. Left standing, each kept a
    pick of a round the spot would have taken (hard seed 11's third salvo: 16 of its 40
    launches found within 10 m, as single rounds, at the spot; 32 with them dissolved
    too, as many as before the leaves were purified)."""
    inside = {id(e) for e in members}
    return [e for e in _holding(ctx, events, *_seed_span(ctx, members)) if id(e) not in inside]


def _drop_strays(ctx: _Ctx, search: BlockSearch, nearby: Members = Members.none()
                 ) -> list[Located]:  # fmt: skip
    """The block's events without the stray ghosts of a salvo (:func:`.halo.strays`),
    and the rounds whose picks they held: the smallest pass runs once more on the picks
    they free, their own pick sets barred, and the strays it finds go too. The salvo
    areas whose members spare a suspect come from the block's events and ``nearby``
    (:func:`neighbours`), as in the halo test."""
    events, gone = _strays(ctx, search.found, nearby)
    if not gone:
        return events
    barred = {int(_set_hashes(np.zeros(len(e.picks), dtype=np.int64), e.picks, 1)[0])
              for e in gone}  # fmt: skip
    events += _pass(ctx, search.geo, search.window, search.bounds, ctx.cfg.min_sensors,
                    events, barred=barred)  # fmt: skip
    return _strays(ctx, events, nearby)[0]


def _strays(ctx: _Ctx, events: list[Located], nearby: Members = Members.none()
            ) -> tuple[list[Located], list[Located]]:  # fmt: skip
    """``events`` split into those kept and the stray ghosts dropped (their picks freed).

    A suspect near a member of a salvo area among ``events`` and ``nearby`` (the
    neighbouring blocks' members in this block's time frame) is no stray: a salvo that
    lands just across the block's edge forms its area in the next block, and its rounds
    here are as small and as bursty as its ghosts."""
    suspect = _suspect(ctx, events)
    if not suspect.any():
        return events, []
    ecef = _ecef(events)
    members = _salvo_areas(ctx, events, nearby).ecef
    drop = strays(ecef, np.array([e.fix.origin for e in events]), suspect, members)
    for i in np.flatnonzero(drop).tolist():
        ctx.free[events[i].picks] = True
    return ([e for e, d in zip(events, drop, strict=True) if not d],
            [e for e, d in zip(events, drop, strict=True) if d])  # fmt: skip


def _salvo_areas(ctx: _Ctx, events: list[Located], nearby: Members | None = None) -> Areas:
    """The salvo areas among ``events`` and ``nearby`` (see :mod:`truceline.fusion.halo`)."""
    m = _joined([_members(ctx, events), nearby or Members.none()])
    if not len(m.origin):
        return Areas.none()
    return salvo_areas(m.ecef, m.origin, m.n_picks, m.arrival)


def _members(ctx: _Ctx, events: list[Located], shift: float = 0.0) -> Members:
    """The events of ``ctx``'s block that can be salvo-area members, in the time frame of
    a block whose reference time lies ``shift`` seconds before it; only they get their
    predicted arrivals (one prediction each, cached in ``ctx``)."""
    events = [e for e in events if len(e.picks) >= AREA_PICKS]
    if not events:
        return Members.none()
    origin = np.array([e.fix.origin + shift for e in events])
    return Members(_ecef(events), origin, np.array([len(e.picks) for e in events]),
                   _predicted(ctx, events, shift))  # fmt: skip


def _predicted(ctx: _Ctx, events: list[Located], shift: float = 0.0) -> F64:
    """Each event's predicted arrival at every sensor, ``(N, S)``, in the time frame of a
    block whose reference time lies ``shift`` seconds before ``ctx``'s (one prediction
    each, cached in ``ctx``)."""
    origin = np.array([e.fix.origin + shift for e in events])
    return np.asarray(np.array([_master(ctx, e).tt for e in events]) + origin[:, None])


def _joined(parts: list[Members]) -> Members:
    """``parts`` as one set of members, in order."""
    parts = [m for m in parts if len(m.origin)]
    if len(parts) < 2:
        return parts[0] if parts else Members.none()
    return Members(*(np.concatenate([getattr(m, f) for m in parts])
                     for f in ("ecef", "origin", "n_picks", "arrival")))  # fmt: skip


def _amplitude_scatter(ctx: _Ctx, events: list[Located]) -> float | None:
    """The network's amplitude scatter on ``events`` (:func:`amplitude.scatter`), or
    ``None`` when the picks carry no SNR or too few events are well heard."""
    snr = ctx.pool.snr
    events = [e for e in events if len(e.picks) >= amplitude.CAL_PICKS]
    if snr is None or not events or not np.isfinite(snr).any():
        return None
    width = max(len(e.picks) for e in events)
    level = np.full((len(events), width), np.nan)
    for i, (e, pos) in enumerate(zip(events, _ecef(events), strict=True)):
        dist = np.linalg.norm(ctx.net.ecef[ctx.pool.sensor[e.picks]] - pos, axis=1)
        level[i, : len(e.picks)] = amplitude.levels(snr[e.picks], dist)
    return amplitude.scatter(level)


def _ecef(events: list[Located]) -> F64:
    """The events' fixes in ECEF, ``(N, 3)``."""
    fixes = [e.fix for e in events]
    return geodetic_to_ecef([f.lat for f in fixes], [f.lon for f in fixes],
                            [f.height for f in fixes])  # fmt: skip


def _explained(ctx: _Ctx, events: list[Located]) -> tuple[np.ndarray, list[np.ndarray]]:
    """For each event, which of its picks an event with at least as many picks predicts at
    a sensor it lacks.

    Returns the predicted-arrival table's owner mask per event (``heard[e, s]``) and, per
    event, the index of an explaining event for each pick (−1: none).
    """
    net, pool, cfg = ctx.net, ctx.pool, ctx.cfg
    n, ns = len(events), len(net)
    arrival = np.empty((n, ns))
    sd = np.empty((n, ns))
    heard = np.zeros((n, ns), dtype=bool)
    size = np.array([len(ev.picks) for ev in events])
    memo = _memo(net)
    for i, ev in enumerate(events):
        arrival[i], sd[i] = predict(net.ecef, ev.fix, ev.weather, memo)
        heard[i, pool.sensor[ev.picks]] = True
    who: list[np.ndarray] = []
    for i, ev in enumerate(events):
        s = pool.sensor[ev.picks]
        z = np.abs(pool.t[ev.picks][None, :] - arrival[:, s])
        z /= np.sqrt(net.sigma_t[s][None, :] ** 2 + sd[:, s] ** 2)
        ok = (z <= cfg.gate_sigmas) & ~heard[:, s] & (size >= size[i])[:, None]
        ok[i] = False
        who.append(np.where(ok.any(axis=0), np.argmax(ok, axis=0), -1))
    return heard, who


def _explain_away(ctx: _Ctx, events: list[Located]) -> list[Located]:
    """Dissolve events whose picks other events already explain; give the picks to those.

    In a salvo, picks of many rounds at one spot line up by chance into "ghost" events at
    other places; nearly every pick of such a ghost arrives exactly when a found round
    predicts it at a sensor that round lacks (a round's own pick, taken by the ghost
    first). An event that keeps fewer than ``min_sensors`` unexplained picks carries no
    evidence of its own and is dissolved (weakest first: fewest sensors, worst fit; only
    events with at least as many picks explain, and only while they survive); the
    events that explained its picks are refitted with the freed picks available to their
    re-association gate. A real blast is almost never explained away: its picks would
    have to coincide, to a few timing sigmas, with another event's predictions.
    """
    cfg = ctx.cfg
    if len(events) < 2:
        return events
    rank = sorted(range(len(events)), key=lambda i: (len(events[i].picks),
                  -events[i].fix.chi2 / max(events[i].fix.dof, 1)))  # fmt: skip
    alive = np.ones(len(events), dtype=bool)
    gainers: set[int] = set()
    _, who = _explained(ctx, events)
    for i in rank:
        w = who[i]
        w = np.where((w >= 0) & alive[np.maximum(w, 0)], w, -1)
        if int((w < 0).sum()) >= cfg.min_sensors:
            continue
        alive[i] = False
        ctx.free[events[i].picks] = True
        gainers |= {int(x) for x in w[w >= 0]}
    gainers = {g for g in gainers if alive[g]}
    if not gainers:
        return [e for e, a in zip(events, alive, strict=True) if a]
    return _refit(ctx, events, alive, sorted(gainers))


def _refit_rest(ctx: _Ctx, events: list[Located], lost: list[int]) -> dict[int, Located]:
    """Events ``lost`` to a refit (another refitted event's gate took some of their
    picks), fitted again on their picks still free, best first.

    Explaining away runs after every pass, so an event dropped here is never found again:
    on hard seed 3 a salvo round heard by 14 sensors lost one pick to a neighbouring round's
    refit and, with it, all 13 others.
    """
    out: dict[int, Located] = {}
    for _ in range(2):  # a second time for those that lost picks to each other's refits
        rest = [(i, events[i].picks[ctx.free[events[i].picks]]) for i in lost]
        rest = [(i, p) for i, p in rest
                if len(np.unique(ctx.pool.sensor[p])) >= ctx.cfg.min_sensors]  # fmt: skip
        if not rest:
            break
        boxes = np.array([_centre_box(ctx.net, events[i].fix, events[i].fix.origin)
                          for i, _ in rest])  # fmt: skip
        ci = np.repeat(np.arange(len(rest)), [len(p) for _, p in rest])
        found = sorted(_locate_all(ctx, boxes, ci, np.concatenate([p for _, p in rest])),
                       key=lambda kv: kv[0])  # fmt: skip
        lost = [i for i, _ in rest]
        for _, ev, c in found:
            if ctx.free[ev.picks].all():
                ctx.free[ev.picks] = False
                out[rest[c][0]] = ev
                lost.remove(rest[c][0])
    return out


def _refit(ctx: _Ctx, events: list[Located], alive: np.ndarray, idx: list[int]) -> list[Located]:
    """Refit events ``idx`` with every free pick available to their gate (best first)."""
    for i in idx:
        ctx.free[events[i].picks] = True
    boxes = np.array([_centre_box(ctx.net, events[i].fix, events[i].fix.origin) for i in idx])
    sets = [events[i].picks for i in idx]
    ci = np.repeat(np.arange(len(idx)), [len(st) for st in sets])
    found = _locate_all(ctx, boxes, ci, np.concatenate(sets))
    by_cand = {c: (key, ev) for key, ev, c in found}
    order = sorted(range(len(idx)), key=lambda c: by_cand[c][0] if c in by_cand else (0.0,))
    new = {}
    lost = []
    for c in order:
        i = idx[c]
        ev = by_cand[c][1] if c in by_cand else None
        if ev is not None and ctx.free[ev.picks].all():
            ctx.free[ev.picks] = False
            new[i] = ev
        elif ctx.free[events[i].picks].all():
            ctx.free[events[i].picks] = False
            new[i] = events[i]
        else:
            lost.append(i)
    new |= _refit_rest(ctx, events, lost)
    # A dissolved event none of whose picks the refitted events took was not explained
    # after all (the predictions that matched its picks were chance): it comes back.
    back = set()
    for i in np.flatnonzero(~alive).tolist():
        if ctx.free[events[i].picks].all():
            ctx.free[events[i].picks] = False
            back.add(i)
    return [
        new.get(i, e)
        for i, e in enumerate(events)
        if (alive[i] and (i in new or i not in idx)) or i in back
    ]


def _repeat_sources(
    ctx: _Ctx, masters: list[Located], window: tuple[float, float], min_picks: int = 0
) -> list[Located]:
    """More blasts from the very spot of an event already found (a launcher's salvo).

    Master-event association: with the source fixed at a well-located event, each free pick
    implies an origin time ``t − tt``; picks of a repeat shot from the same spot agree on it
    to within their timing errors, so a tight cluster of implied origins over several
    sensors is a candidate even when rounds follow each other every half second, where
    free-location candidates mix picks of neighbouring rounds. Candidates are then fitted
    and accepted like the others (their location is free again in the fit).

    The exemption of these candidates from the chance and near-miss tests holds only at
    the master's spot: one whose fit moves more than ``REPEAT_SPOT_M`` away is tested like
    a free candidate. From an impact's spot (a salvo's impacts land some 150 m apart)
    the clusters are picks of neighbouring impacts, and on hard seed 3 they had been taken
    as 35 events, most of them mixtures, in one impact area. Nor does it hold for a master
    among a spread of events (:func:`_spread`: an impact area, not a launch spot).

    Picks are only ever taken while the passes run (:func:`_explain_away`, which frees
    some, comes after them), so a master whose implied origins hold no cluster now holds
    none later either: it is marked barren and not searched again in this block (unless
    picks were freed between its strong and weak stages, by the previous block's weak
    stage: then every master is searched again). Most
    events are single shots, and searching each of them again after every pass had cost
    a tenth of the fusion time on moderate seed 1.

    The neighbouring blocks' events near its window (``ctx.foreign``, set by the engine)
    are masters too: a salvo's 20 s of launches straddle a block's edge one time in
    three, and the block after the edge had to find a round of its own first. Where a
    second salvo made that block's walks run out of budget, none was found: on the
    independent hard scenario 18 (benchmarks/spec_scenarios.py) 30 of a salvo's 40
    launches, heard by 4–9 sensors, were lost after the edge (18 of them with every pick
    free) and 182 partition boxes left unsearched; followed from the rounds found before
    it, all 40 are found and 10 boxes are left.
    """
    cfg = ctx.cfg
    out: list[Located] = []
    for _ in range(MAX_ROUNDS):
        every = np.flatnonzero(ctx.free)
        if len(every) < cfg.min_sensors:
            break
        sets: list[I64] = []
        centres: list[F64] = []
        tested: list[bool] = []
        every_event = ctx.foreign + masters + out
        spread = _spread(ctx, every_event)
        for m, sp in zip(every_event, spread, strict=True):
            if len(m.picks) < cfg.repeat_min_master or id(m) in ctx.barren:
                continue
            found = _repeat_groups(ctx, _master(ctx, m), every, window)
            if not found:
                ctx.barren.add(id(m))
            sets += [st for st, _ in found]
            centres += [box for _, box in found]
            tested += [bool(sp)] * len(found)
        if not sets:
            break
        uniq: dict[bytes, int] = {}
        for k, st in enumerate(sets):
            uniq.setdefault(np.sort(st).tobytes(), k)
        keep = sorted(uniq.values())
        sets = [sets[k] for k in keep]
        boxes = np.array([centres[k] for k in keep])
        # From the spot of a found round a tight cluster of implied origins is no chance
        # alignment, and a salvo's rounds are heard by varying sensors: no near-miss test
        # (unless the spot is one of a spread of impacts: see _spread).
        near = np.array([tested[k] for k in keep])
        taken = _take_best(ctx, boxes, sets, min_picks, near_test=near, spot_m=REPEAT_SPOT_M)
        out += taken
        if not taken:
            break
    return out


def _spread(ctx: _Ctx, events: list[Located]) -> np.ndarray:
    """Which events lie in a spread of sources rather than at a repeating one: at least
    ``SPREAD_MIN`` other events within ``LINK_M`` and ``LINK_S`` of them, none within
    ``REPEAT_SPOT_M``.

    A launcher fires every round from one spot, so the rounds found at a launch spot sit
    within metres of one another; a salvo's impacts land 150 m apart. From an impact's
    spot a cluster of implied origins is picks of neighbouring rounds, and on moderate
    seed 5 the untested candidates found there (chance probabilities up to 0.1) took 6
    picks of a round heard by 11 sensors, which then never reached the 8-sensor pass.
    Repeat candidates from such a spot are tested like free ones.
    """
    n = len(events)
    if n < SPREAD_MIN + 1:
        return np.zeros(n, dtype=bool)
    net = ctx.net
    en = ecef_to_enu(_ecef(events), net.lat0, net.lon0, net.h0)[:, :2]
    t = np.array([e.fix.origin for e in events])
    d = np.hypot(en[:, None, 0] - en[None, :, 0], en[:, None, 1] - en[None, :, 1])
    near_t = np.abs(t[:, None] - t[None, :]) <= LINK_S
    np.fill_diagonal(near_t, False)
    spot = (near_t & (d <= REPEAT_SPOT_M)).any(axis=1)
    spread: np.ndarray = ~spot & ((near_t & (d <= LINK_M)).sum(axis=1) >= SPREAD_MIN)
    return spread


def _repeat_groups(ctx: _Ctx, view: _Master, free: I64, window: tuple[float, float],
                   width: float | None = None) -> list[tuple[I64, F64]]:  # fmt: skip
    """Clusters of implied origin times among the ``free`` picks for a source at the
    master's spot: (one pick per sensor, start box), one per window of picks that spans
    enough sensors. Compiled (:func:`_kernels.repeat_windows`) when numba is there;
    :func:`_repeat_windows_numpy` is the same in numpy."""
    cfg, net, pool = ctx.cfg, ctx.net, ctx.pool
    if width is None:
        width = _cluster_width(cfg, float(net.sigma_t.max()))
    implied = pool.t[free] - view.tt[pool.sensor[free]]
    inside = (implied >= window[0] - 1.0) & (implied < window[1] + 1.0)
    free, implied = free[inside], implied[inside]
    order = np.argsort(implied, kind="stable")
    free, implied = free[order], implied[order]
    ends = np.searchsorted(implied, implied + width, side="right")
    sensors = pool.sensor[free]
    if kernels.COMPILED:
        start, pos, mids = kernels.repeat_windows(implied, sensors, ends, len(net),
                                                   cfg.min_sensors)  # fmt: skip
    else:
        start, pos, mids = _repeat_windows_numpy(implied, sensors, ends, cfg.min_sensors)
    return [(free[pos[start[g] : start[g + 1]]], _box_at(view.east, view.north, float(mid)))
            for g, mid in enumerate(mids.tolist())]  # fmt: skip


def _repeat_windows_numpy(implied: F64, sensors: I64, ends: I64, min_sensors: int
                          ) -> tuple[I64, I64, F64]:  # fmt: skip
    """Reference (numpy) form of :func:`_kernels.repeat_windows`."""
    starts, pos, mids = [0], [], []
    for i in np.flatnonzero(ends - np.arange(len(implied)) >= min_sensors).tolist():
        s = sensors[i : ends[i]]
        if len(np.unique(s)) < min_sensors:
            continue
        mid = float(np.median(implied[i : ends[i]]))
        pos.append(i + _first_per((s,), np.abs(implied[i : ends[i]] - mid)))
        starts.append(starts[-1] + len(pos[-1]))
        mids.append(mid)
    flat = np.concatenate(pos) if pos else np.zeros(0, dtype=np.int64)
    return np.array(starts, dtype=np.int64), flat, np.array(mids, dtype=np.float64)


def _cluster_width(cfg: FusionConfig, sigma_t: float) -> float:
    """How close the implied origin times (or lags) of one source's picks lie: twice
    ``assoc_sigmas`` timing sigmas and 5 ms of model error."""
    return 2.0 * (cfg.assoc_sigmas * sigma_t + 0.005)


_MEMOS: WeakKeyDictionary[Network, TravelMemo] = WeakKeyDictionary()


def _memo(net: Network) -> TravelMemo:
    """The network's travel-time memo, shared by every block of the engine that holds
    ``net`` (an event is predicted in its own block and in both neighbours)."""
    memo = _MEMOS.get(net)
    if memo is None:
        memo = _MEMOS[net] = TravelMemo(net.ecef)
    return memo


def _master(ctx: _Ctx, m: Located) -> _Master:
    """The master view of ``m``, cached for the block (keyed by identity; the cache keeps
    ``m`` alive, so its id is not reused)."""
    hit = ctx.masters.get(id(m))
    if hit is not None and hit[0] is m:
        return hit[1]
    arrival = arrivals(ctx.net.ecef, m.fix, m.weather, _memo(ctx.net))
    view = _Master(arrival - m.fix.origin, *_east_north(ctx.net, m.fix),
                   (m.fix.lat, m.fix.lon, m.fix.height), m.weather, m.fix.cov[:2, :2])  # fmt: skip
    ctx.masters[id(m)] = (m, view)
    return view


def _take_best(ctx: _Ctx, boxes: F64, sets: list[I64], min_picks: int = 0, *,
               near_test: bool | np.ndarray = True,
               spot_m: float = np.inf) -> list[Located]:  # fmt: skip
    """Locate every candidate (pick set, start box) at once and take the acceptable ones
    with at least ``min_picks`` picks best first (most sensors, then best fit), each only
    while all its picks are free."""
    ci = np.repeat(np.arange(len(sets)), [len(st) for st in sets])
    found = _locate_all(ctx, boxes, ci, np.concatenate(sets), near_test=near_test,
                        spot_m=spot_m, min_picks=min_picks)  # fmt: skip
    found.sort(key=lambda kv: kv[0])
    taken: list[Located] = []
    for _, ev, _c in found:
        if ctx.free[ev.picks].all():
            ctx.free[ev.picks] = False
            taken.append(ev)
    if SPLIT_SWAPS:
        taken = _split_swaps(ctx, taken, [ev for _, ev, _c in found])
    return taken


def _split_swaps(ctx: _Ctx, taken: list[Located], ranked: list[Located]) -> list[Located]:
    """``taken`` with each small event that stood alone in the way of two disjoint
    acceptable candidates of its size replaced by them (their picks taken, its own freed).

    Best first takes the best fit among candidates of one size, and with four or five
    picks a mixture of two blasts' picks fits as well as either blast: on moderate seed
    41 (unseen) a tank's launch and its impact 1.1 km away, each heard by 4 sensors,
    were both acceptable (chance 2e-9, 4e-9), and a mixture of two picks of each fitted
    better (chi-square probability 0.53 against 0.38 and 0.17), so one event stood for
    two blasts, 0.4 and 0.7 km off them. Two disjoint events explain twice the picks; the
    mixture explains them only by leaving the rest short of sensors (as inside a salvo
    area, :func:`_area_rounds`, whose packing this is in miniature). The two must each be
    unlikely as chance (tested, below ``halo_chance_p``, the bar a small event in a
    salvo's windows must pass, :mod:`.halo`): inside an impact area, where rounds and
    mixtures alike are at 1e-4–1e-2, swaps without that bar lost rounds the area's
    packing would have found (moderate seed 11 recall 0.981 → 0.974). And
    they must be as large as the event they replace: two 4-pick mixtures each holding
    picks of a 5-sensor blast had replaced it (moderate seed 32: two blasts lost, two
    false events).
    """
    if all(len(ev.picks) > ctx.cfg.small_event_sensors for ev in taken):
        return taken  # the strong passes': nothing to give way (no scan of ``ranked``)
    gone: set[int] = set()
    added: list[Located] = []
    for i, alts in _alternatives(ctx, taken, ranked).items():
        pair = _disjoint_pair(alts)
        if pair is None:
            continue
        ctx.free[taken[i].picks] = True
        if not all(ctx.free[ev.picks].all() for ev in pair):
            ctx.free[taken[i].picks] = False  # an earlier swap took a pick of the pair
            continue
        for ev in pair:
            ctx.free[ev.picks] = False
        gone.add(i)
        added.extend(pair)
    return [ev for i, ev in enumerate(taken) if i not in gone] + added


def _alternatives(ctx: _Ctx, taken: list[Located], ranked: list[Located]
                  ) -> dict[int, list[Located]]:  # fmt: skip
    """For each small event of ``taken`` (by index), the candidates of ``ranked`` not taken,
    as large as it and unlikely as chance, that only it kept out (every other pick of
    theirs still free), in rank order."""
    owner = np.full(len(ctx.free), -1, dtype=np.int64)
    for i, ev in enumerate(taken):
        if len(ev.picks) <= ctx.cfg.small_event_sensors:
            owner[ev.picks] = i
    out: dict[int, list[Located]] = {}
    chosen = {id(ev) for ev in taken}
    for ev in ranked:
        if id(ev) in chosen or not 0.0 < ev.chance < ctx.cfg.halo_chance_p:
            continue
        own = owner[ev.picks]
        held = np.unique(own[own >= 0])
        if (len(held) == 1 and len(ev.picks) >= len(taken[int(held[0])].picks)
                and ctx.free[ev.picks[own < 0]].all()):  # fmt: skip
            out.setdefault(int(held[0]), []).append(ev)
    return out


def _disjoint_pair(alts: list[Located]) -> tuple[Located, Located] | None:
    """The first two disjoint events of ``alts`` (in rank order: the best pair)."""
    for a in range(len(alts)):
        for b in range(a + 1, len(alts)):
            if not np.intersect1d(alts[a].picks, alts[b].picks).size:
                return alts[a], alts[b]
    return None


def _centre_box(net: Network, fix: Fix, origin: float) -> F64:
    """A small box (centre frame) at a fix, around an origin time."""
    return _box_at(*_east_north(net, fix), origin)


def _lat_lon(net: Network, enu: F64) -> tuple[F64, F64]:
    """Points of the network's centre frame (east, north, up) as latitude and longitude
    (the inverse of :func:`_east_north`)."""
    lat, lon, _ = ecef_to_geodetic(enu_to_ecef(enu, net.lat0, net.lon0, net.h0))
    return lat, lon


def _east_north(net: Network, fix: Fix) -> tuple[float, float]:
    """A fix's place (east, north) in the network's centre frame."""
    e, n, _ = ecef_to_enu(geodetic_to_ecef(fix.lat, fix.lon, fix.height), net.lat0, net.lon0,
                          net.h0)  # fmt: skip
    return float(e), float(n)


def _box_at(east: float, north: float, origin: float) -> F64:
    """A 2 m, 20 ms box (centre frame) around a place and an origin time."""
    return np.array([east - 1.0, east + 1.0, north - 1.0, north + 1.0, origin - 0.01,
                     origin + 0.01])  # fmt: skip


def _run_onsets(ctx: _Ctx) -> np.ndarray:
    """Free picks that start a run at their sensor: at least ``RUN_MIN`` picks, each
    within ``RUN_GAP_S`` of the one before (a salvo's rounds, or its impacts)."""
    pool = ctx.pool
    idx = np.flatnonzero(ctx.free)
    out = np.zeros(len(pool.t), dtype=bool)
    if len(idx) < RUN_MIN or not RUN_MIN:
        return out
    order = idx[np.lexsort((pool.t[idx], pool.sensor[idx]))]
    s, t = pool.sensor[order], pool.t[order]
    brk = np.ones(len(order), dtype=bool)
    brk[1:] = (s[1:] != s[:-1]) | (np.diff(t) > RUN_GAP_S)
    starts = np.flatnonzero(brk)
    lengths = np.diff(np.append(starts, len(order)))
    out[order[starts[lengths >= RUN_MIN]]] = True
    return out


def _thresholds(minimum: int) -> list[int]:
    """Sensor counts of the successive passes: strongest events first.

    Blasts heard by many sensors are found first and take their picks, so the low
    thresholds, where chance alignments of picks abound, see far fewer picks.
    """
    return sorted({max(minimum, t) for t in (12, 8, 6, minimum)}, reverse=True)


def _pass(ctx: _Ctx, geo: Geometry, window: tuple[float, float],
          bounds: tuple[float, float, float, float], threshold: int,
          known: list[Located], only: np.ndarray | None = None,
          barred: set[int] | None = None) -> list[Located]:  # fmt: skip
    """Partition the free picks with ``threshold`` sensors and extract events.

    The partition is walked with a bounded budget (``Limits.max_visits``); where dense
    fire (a salvo heard by every sensor) exhausts it, the events of the part walked are
    taken first, the repeat-source search takes their launcher's other rounds, and the
    boxes left over are walked in turn with the picks still free. Walking them at once
    grew the tree without bound (a 20-round salvo heard by 16 sensors: 85 million leaf
    picks), and cutting the walk lost every event it had not reached. The boxes left are
    walked widest first (``WIDEST_FIRST``): the walk ran out inside the dense region, so
    its deepest boxes hold more of the same, while its widest hold the rest of the block
    (other fire along the front), which the dense region had starved: resuming depth
    first spent every walk there (hard seed 3: recall 0.83, 0.95 widest first). After
    ``MAX_WALKS`` walks the boxes still left are counted in ``ctx.unsearched`` (reported,
    not silently dropped). Pick sets in ``barred`` (:func:`_set_hashes`) are not fitted.
    """
    cfg, pool = ctx.cfg, ctx.pool
    halo = _walk_halo(ctx)
    lim = _limits(cfg, threshold, _halo_reach(cfg, threshold) if len(halo.area) else 0)
    out: list[Located] = []
    roots = [np.array([*bounds, window[0], window[1]])]
    for _ in range(MAX_WALKS):
        if not roots:
            break
        sub = np.flatnonzero(ctx.free if only is None else ctx.free & only)
        if len(np.unique(pool.sensor[sub])) < threshold:
            roots.clear()  # no box holds an event: fewer sensors than that have free picks
            break
        bits = window_bits(ctx.areas, pool.sensor[sub], pool.t[sub]) if len(halo.area) else None
        glob = _walk_picks(ctx, sub, bits)
        root = roots.pop(0 if WIDEST_FIRST else -1)
        leaves, rest = walk(root, glob, geo, lim, ctx.alive, halo)
        tried: set[int] = set(barred or ())
        raw = _leaf_picks(leaves, sub)
        pure, loose = _purify(ctx, geo, leaves, raw, threshold)
        for lp in (pure, loose):
            out += _rounds(ctx, leaves, lp, threshold, tried)
        if REPURIFY and threshold == cfg.min_sensors:
            again = _repurified(ctx, geo, leaves, raw, threshold, pure)
            out += _rounds(ctx, leaves, again, threshold, tried)
        if len(rest):
            out += _repeat_sources(ctx, known + out, window)
            roots.extend(rest)  # the stack's bottom (its first row) is its widest box
    ctx.unsearched += len(roots)
    return out


def _halo_reach(cfg: FusionConfig, threshold: int) -> int:
    """The most sensors a box may have and still die in a salvo area's halo, in a pass
    of ``threshold`` sensors: fewer than ``STRONG_MIN`` in the middle stage's pass (whose
    areas ``MIDDLE_HALO`` gives it), the small ones (``small_event_sensors``) in the low
    and weak stages'. The strong stage knows no areas.

    A middle pass's candidate faces no halo test (its picks are too many to line up by
    chance), so a blast of 8–11 sensors beside a salvo, all of whose picks the area's
    windows hold, is left to the low stage's 6-sensor pass, whose walks drop boxes of at
    most ``small_event_sensors`` only. The boxes dropped are what the 8-sensor walks of a
    salvo's blocks had spent most of their time on: with eight or more of the salvo's
    sensors hearing a round every half second, boxes 1–3 km around its impact area lived
    down to the leaves (the 4-hour moderate input's salvo v-0008: 22,687 leaves in its
    block, 7 % of them within 300 m of an event of six picks or more, 89 % within 3 km),
    and every leaf's picks were fitted and rejected.
    """
    return STRONG_MIN - 1 if threshold >= MIDDLE_MIN else cfg.small_event_sensors


def _limits(cfg: FusionConfig, threshold: int, halo_sensors: int = 0) -> Limits:
    """The walk's settings for a pass of ``threshold`` sensors.

    The walk prunes a box that working sensors nearer than all its hearing ones missed
    (:func:`truceline.fusion.partition.partition`), but an event less likely than
    ``sure_chance_p`` to be chance is exempt from that test (:func:`_acceptable`), and
    strong blasts that near sensors missed were pruned before any test could exempt them:
    on moderate seed 12 two artillery launches, heard by six sensors (chance probability
    0 in double precision) and by seven (4.5e-21), were never found; with the rule below
    both are. In a pass of more than ``small_event_sensors`` (``NEAR_SENSORS``), every
    candidate keeps more than that many picks, so its boxes are pruned for near misses
    only where all their picks lie in a salvo area's windows (a salvo's rounds line up by
    chance there). In the passes of
    small events the prune stays: without it, four-pick mixtures of single blasts with
    two near misses and chance probabilities below ``sure_chance_p`` were taken
    (moderate seed 19: precision 0.995 → 0.976).
    """
    small = cfg.small_event_sensors
    near = small if NEAR_SENSORS and threshold > small else NEAR_ALL
    return Limits(cfg.leaf_s, cfg.assoc_sigmas, cfg.model_tol_s, cfg.max_range_m, threshold,
                  cfg.min_sensors_bearings, cfg.min_bearings, near_sensors=near,
                  halo_sensors=halo_sensors)  # fmt: skip


def _walk_picks(ctx: _Ctx, sub: I64, in_areas: I64 | None = None) -> PickSet:
    """The pool picks ``sub`` as the walk takes them: bearings turned into the network's
    centre frame (each sensor's meridian convergence added)."""
    pool, net = ctx.pool, ctx.net
    sensor = pool.sensor[sub]
    return PickSet(pool.t[sub], sensor, pool.bearing[sub] + net.convergence[sensor],
                   pool.sigma_b[sub], in_areas)  # fmt: skip


def _purify(ctx: _Ctx, geo: Geometry, leaves: Leaves, lp: _LeafPicks, threshold: int
            ) -> tuple[_LeafPicks, _LeafPicks]:  # fmt: skip
    """The walk's leaves reduced to the picks one source explains
    (:func:`_kernels.purify_leaves`), and, whole, the leaves where that left fewer than
    ``threshold`` sensors.

    Each pick votes for the leaves with the most sensors (:func:`_candidates`), and inside
    a salvo those are mixtures of neighbouring rounds: on moderate seed 11 a round heard
    by six sensors, all its picks free, lay in a leaf with one pick of another round, but
    the leaves of seven and eight sensors won every vote, and their fits settled on
    mixtures (or failed), so the round was never found. Its purified leaf holds its six
    picks and nothing else. The purified leaves are searched first; the others after
    them, as before (a weak blast whose leaves hold an outlier pick, or miss one of its
    picks that the exact fit's gate adds, is found from them).
    Without numba the leaves stay as they are (no purified search).
    """
    if not kernels.COMPILED or not lp.n:
        return lp, _no_leaves()
    pure = _purified(ctx, geo, leaves, lp, threshold)
    failed = np.diff(pure.start) == 0
    return pure, lp.kept(failed[lp.leaf])


def _purified(ctx: _Ctx, geo: Geometry, leaves: Leaves, lp: _LeafPicks, threshold: int
              ) -> _LeafPicks:  # fmt: skip
    """Each leaf's picks ``lp`` reduced to those one source explains, one per sensor
    (:func:`_kernels.purify_leaves`); a leaf left with fewer than ``threshold`` sensors
    is empty."""
    pool = ctx.pool
    start, pick = kernels.purify_leaves(
        lp.start, lp.pick, pool.t, pool.sensor, leaves.box, geo.east, geo.north, geo.up,
        geo.sigma_t, 0.5 * (geo.c_lo + geo.c_hi), geo.wind_u, geo.wind_v,
        ctx.cfg.model_tol_s, ctx.cfg.reject_sigmas, threshold,
    )  # fmt: skip
    return _LeafPicks(pick, start)


def _rounds(ctx: _Ctx, leaves: Leaves, lp: _LeafPicks, threshold: int, tried: set[int]
            ) -> list[Located]:  # fmt: skip
    """Up to ``MAX_ROUNDS`` rounds of fitting the leaves' candidate sets
    (:func:`_candidates`) and taking the best (:func:`_take_best`)."""
    out: list[Located] = []
    for _ in range(MAX_ROUNDS):
        idx, sets = _candidates(lp, ctx.free, ctx.pool.sensor, threshold, tried)
        if not idx:
            break
        out += _take_best(ctx, leaves.box[idx], sets, threshold)
    return out


def _repurified(ctx: _Ctx, geo: Geometry, leaves: Leaves, lp: _LeafPicks, threshold: int,
                pure: _LeafPicks) -> _LeafPicks:  # fmt: skip
    """The leaves whose purified picks lost one to an event taken since, purified again
    from the picks still free (``REPURIFY``); every other leaf is left empty.

    Purifying keeps one pick per sensor, and where two picks of a sensor lie a few tens
    of milliseconds apart it may keep the other source's. When that source's event is
    taken first, the leaf's purified set is one sensor short and the blast's own pick,
    still free, is in no candidate: on moderate seed 90 (unseen) a tank's impact heard
    by four sensors, all its picks free and fitting (chi-square probability 0.87, chance
    2e-10), was lost so: at one sensor its pick lies 43 ms before a pick that another
    event took in the same round. Purified again from the free picks, its leaf holds its
    four picks. Only the smallest pass does it: in a larger one such a blast's picks stay
    free for the next pass, whose walk and purification start afresh, and doing it in
    every pass made the 4-hour moderate input 10–15 % slower.
    """
    if not kernels.COMPILED or not lp.n or not len(pure.pick):
        return _no_leaves()
    lost = np.zeros(pure.n, dtype=bool)
    lost[pure.leaf[~ctx.free[pure.pick]]] = True
    free = lp.kept(lost[lp.leaf] & ctx.free[lp.pick])
    return _purified(ctx, geo, leaves, free, threshold)


def _walk_halo(ctx: _Ctx) -> Halo:
    """The block's salvo areas (all but the strong stage) for the walk: their members in
    the network's centre frame (the first ``MAX_AREAS`` areas); none while the halo test
    is off (``halo_chance_p`` ≥ 1).

    Small candidates off an area made only of its window picks face the halo test's
    ``halo_chance_p`` (:func:`_accept`), which those ghosts fail; in a salvo's block the
    walk's leaves there were most of its leaves and its fits. The walk drops such boxes
    (at most ``small_event_sensors`` sensors, farther than ``HALO_IN_M`` from every member,
    every pick in the area's windows) and their subtrees: fewer sensors, farther away
    and a subset of the picks hold below them. The middle stage's walks drop such boxes
    of up to ``STRONG_MIN`` − 1 sensors (:func:`_halo_reach`).
    """
    areas = ctx.areas
    keep = areas.area < MAX_AREAS
    if not keep.any() or ctx.cfg.halo_chance_p >= 1.0:
        return Halo.none()
    net = ctx.net
    enu = ecef_to_enu(areas.ecef[keep], net.lat0, net.lon0, net.h0)
    return Halo(enu[:, 0], enu[:, 1], areas.area[keep].astype(np.int64), HALO_IN_M)


def _geometry(net: Network, table: WeatherTable, t0: float, t1: float) -> Geometry:
    """Speed bounds over every weather record in force during ``[t0, t1]``."""
    records = table.during(t0, t1)
    speeds = sound_speed(np.array([w.temperature_c for w in records]))
    ref = records[len(records) // 2]
    slack = max(
        float(np.hypot(w.wind_u_ms - ref.wind_u_ms, w.wind_v_ms - ref.wind_v_ms)) for w in records
    )
    return Geometry(
        net.enu[:, 0], net.enu[:, 1], net.enu[:, 2], net.sigma_t, float(speeds.min()),
        float(speeds.max()), ref.wind_u_ms, ref.wind_v_ms, slack,
    )  # fmt: skip
