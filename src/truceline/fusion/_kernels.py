"""Compiled inner loops of the association (pure; numba when installed).

Association tests every (candidate box, pick) pair many times per block; in numpy that
costs ~160 ns a pair in temporaries, compiled it costs a few ns. Each kernel here is the
exact loop form of a numpy function elsewhere, which remains the reference (and the
fallback when numba is missing: ``HAVE_NUMBA``), except :func:`purify_leaves`, which has
no numpy form: it loops over hundreds of thousands of leaves of a few picks each, and
without numba the leaves are searched as the walk left them
(:func:`truceline.fusion.associate._purify`); its tests check it against exact
propagation instead. Kernels are cached on disk (``cache=True``) so only the first run
after an install pays the compilation.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np


def _no_jit(*args: Any, **kwargs: Any) -> Any:
    def wrap(f: Any) -> Any:
        return f

    return wrap


_njit: Any
try:  # pragma: no cover - exercised by the environment, not by a test
    _njit = importlib.import_module("numba").njit
    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    _njit = _no_jit
    HAVE_NUMBA = False

_F = TypeVar("_F", bound=Callable[..., Any])


def jit(f: _F) -> _F:
    """Compile ``f`` with numba (cached on disk), or leave it as Python without numba."""
    return cast(_F, _njit(cache=True, nogil=True)(f))


EARTH_R = 6_371_000.0


@jit
def consistent(
    box: np.ndarray, pv: np.ndarray, pp: np.ndarray, t: np.ndarray, sensor: np.ndarray,
    bearing: np.ndarray, sigma_b: np.ndarray, east: np.ndarray, north: np.ndarray,
    up: np.ndarray, sigma_t: np.ndarray, c_lo: float, c_hi: float, wind_u: float,
    wind_v: float, wind_slack: float, assoc_sigmas: float, model_tol: float,
    max_range: float,
) -> np.ndarray:  # fmt: skip
    """Loop form of :func:`truceline.fusion.partition._consistent_numpy` (same test)."""
    n = len(pv)
    out = np.empty(n, dtype=np.bool_)
    wabs = math.hypot(wind_u, wind_v)
    max_r2 = max_range * max_range
    for k in range(n):
        b, p = pv[k], pp[k]
        s = sensor[p]
        out[k] = _pick_ok(box[b, 0], box[b, 1], box[b, 2], box[b, 3], box[b, 4], box[b, 5],
                          t[p], bearing[p], sigma_b[p], east[s], north[s], up[s], sigma_t[s],
                          c_lo, c_hi, wind_u, wind_v, wabs, wind_slack, assoc_sigmas,
                          model_tol, max_r2)  # fmt: skip
    return out


@jit
def _pick_ok(
    x0: float, x1: float, y0: float, y1: float, t0: float, t1: float, tp: float, br: float,
    sb: float, sx: float, sy: float, sz: float, sig: float, c_lo: float, c_hi: float,
    wind_u: float, wind_v: float, wabs: float, wind_slack: float, assoc_sigmas: float,
    model_tol: float, max_r2: float,
) -> bool:  # fmt: skip
    """One (box, pick) consistency test: the body of :func:`consistent`."""
    reach, tt_min, tt_max, tol, az, width = _sensor_bounds(
        x0, x1, y0, y1, sx, sy, sz, sig, c_lo, c_hi, wind_u, wind_v, wabs, wind_slack,
        assoc_sigmas, model_tol, max_r2,
    )  # fmt: skip
    return reach and _pick_in(tp, br, sb, t0, t1, tt_min, tt_max, tol, az, width, assoc_sigmas)


@jit
def _sensor_bounds(
    x0: float, x1: float, y0: float, y1: float, sx: float, sy: float, sz: float,
    sig: float, c_lo: float, c_hi: float, wind_u: float, wind_v: float, wabs: float,
    wind_slack: float, assoc_sigmas: float, model_tol: float, max_r2: float,
) -> tuple[bool, float, float, float, float, float]:  # fmt: skip
    """The part of the test that depends on the box and the sensor only (not the pick).

    Returns (in range, shortest and longest travel time, time tolerance, azimuth from the
    sensor to the box's centre, half-width of the bearings into the box).
    """
    reach, tt_min, tt_max, tol = _sensor_times(
        x0, x1, y0, y1, sx, sy, sz, sig, c_lo, c_hi, wind_u, wind_v, wabs, wind_slack,
        assoc_sigmas, model_tol, max_r2,
    )  # fmt: skip
    if not reach:
        return False, 0.0, 0.0, 0.0, 0.0, 0.0
    az, width = _bearing_cone(x0, x1, y0, y1, sx, sy)
    return True, tt_min, tt_max, tol, az, width


@jit
def _gap2(x0: float, x1: float, y0: float, y1: float, sx: float, sy: float) -> float:
    """Squared horizontal distance from a sensor to the nearest point of a box (0 inside)."""
    dxn = max(max(x0 - sx, sx - x1), 0.0)
    dyn = max(max(y0 - sy, sy - y1), 0.0)
    return dxn * dxn + dyn * dyn


@jit
def _sensor_times(
    x0: float, x1: float, y0: float, y1: float, sx: float, sy: float, sz: float,
    sig: float, c_lo: float, c_hi: float, wind_u: float, wind_v: float, wabs: float,
    wind_slack: float, assoc_sigmas: float, model_tol: float, max_r2: float,
) -> tuple[bool, float, float, float]:  # fmt: skip
    """(in range, shortest and longest travel time, time tolerance) from a box to a
    sensor. Computed once per sensor for all its picks: in dense fire a sensor has dozens
    of picks in a box."""
    cx, cy, zc, half = _box_centre(x0, x1, y0, y1)
    return _sensor_times_at(x0, x1, y0, y1, cx, cy, zc, half, _gap2(x0, x1, y0, y1, sx, sy),
                            sx, sy, sz, sig, c_lo, c_hi, wind_u, wind_v, wabs, wind_slack,
                            assoc_sigmas, model_tol, max_r2)  # fmt: skip


@jit
def _box_centre(x0: float, x1: float, y0: float, y1: float) -> tuple[float, float, float, float]:
    """The box's centre (east, north, the surface's drop there) and half its diagonal:
    the parts of :func:`_sensor_times` that do not depend on the sensor, computed once a
    box by the walk."""
    cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    zc = -(cx * cx + cy * cy) / (2.0 * EARTH_R)
    return cx, cy, zc, 0.5 * math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2)


@jit
def _sensor_times_at(
    x0: float, x1: float, y0: float, y1: float, cx: float, cy: float, zc: float,
    half: float, hmin2: float, sx: float, sy: float, sz: float, sig: float, c_lo: float,
    c_hi: float, wind_u: float, wind_v: float, wabs: float, wind_slack: float,
    assoc_sigmas: float, model_tol: float, max_r2: float,
) -> tuple[bool, float, float, float]:  # fmt: skip
    """:func:`_sensor_times` given the box's :func:`_box_centre` and the sensor's
    :func:`_gap2` to the box, ``hmin2`` (the walk keeps the smallest of the sensors that
    heard the box for its near-miss test)."""
    if hmin2 > max_r2:
        return False, 0.0, 0.0, 0.0
    dxf = max(abs(sx - x0), abs(sx - x1))
    dyf = max(abs(sy - y0), abs(sy - y1))
    dz = zc - sz
    dz2 = dz * dz
    dmin = math.sqrt(hmin2 + dz2)
    dmax = math.sqrt(dxf * dxf + dyf * dyf + dz2)
    ex, ey = sx - cx, sy - cy
    safe = max(math.sqrt(ex * ex + ey * ey), 1e-3)
    ratio = min(half / safe, 1.0)
    wproj = (wind_u * ex + wind_v * ey) / safe
    slack = wabs * min(2.0 * ratio, 1.0) + wind_slack
    tt_min = dmin / (c_hi + wproj + slack)
    tt_max = dmax / (c_lo + wproj - slack)
    return True, tt_min, tt_max, assoc_sigmas * sig + model_tol


@jit
def _pick_in(
    tp: float, br: float, sb: float, t0: float, t1: float, tt_min: float, tt_max: float,
    tol: float, az: float, width: float, assoc_sigmas: float,
) -> bool:  # fmt: skip
    """The pick's part of the test, given its sensor's :func:`_sensor_bounds`."""
    if not _time_in(tp, t0, t1, tt_min, tt_max, tol):
        return False
    return math.isnan(br) or _bearing_in(br, sb, az, width, assoc_sigmas)


@jit
def _time_in(tp: float, t0: float, t1: float, tt_min: float, tt_max: float, tol: float) -> bool:
    """Whether a pick's implied origin times overlap the box's time span."""
    return (tp - tt_max <= t1 + tol) and (tp - tt_min >= t0 - tol)


@jit
def _bearing_in(br: float, sb: float, az: float, width: float, assoc_sigmas: float) -> bool:
    """Whether a bearing points into the box (its cone ``az ± width``, within its sigma)."""
    off = abs((br - az + math.pi) % (2.0 * math.pi) - math.pi)
    return off <= width + assoc_sigmas * sb


@jit
def _grow_f(a: np.ndarray, n: int) -> np.ndarray:
    if n <= a.shape[0]:
        return a
    out = np.empty((max(n, 2 * a.shape[0]), a.shape[1]))
    out[: a.shape[0]] = a
    return out


@jit
def _grow_i(a: np.ndarray, n: int) -> np.ndarray:
    if n <= len(a):
        return a
    out = np.empty(max(n, 2 * len(a)), dtype=a.dtype)
    out[: len(a)] = a
    return out


@jit
def _bearing_cone(
    x0: float, x1: float, y0: float, y1: float, sx: float, sy: float
) -> tuple[float, float]:
    """Azimuth from a sensor to the box's centre and the half-width of the bearings into
    the box (the bearing part of :func:`_sensor_bounds`, for the walk to compute only at
    sensors that have a bearing pick: ``atan2`` and ``asin`` cost more than the rest)."""
    cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    ex, ey = sx - cx, sy - cy
    safe = max(math.sqrt(ex * ex + ey * ey), 1e-3)
    half = 0.5 * math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2)
    width = math.pi if half >= safe else math.asin(min(half / safe, 1.0))
    return math.atan2(-ex, -ey), width


@jit
def _missed_count(
    x0: float, x1: float, y0: float, y1: float, closest: float, east: np.ndarray,
    north: np.ndarray, along_north: bool, by_axis: np.ndarray, axis_sorted: np.ndarray,
    stamp: np.ndarray, mark: int, max_missed: int,
) -> int:  # fmt: skip
    """Working sensors certainly nearer to the box than every sensor that heard it
    (:func:`truceline.fusion.partition._missed`), counted up to ``max_missed``;
    ``closest`` is the smallest :func:`_gap2` of the sensors that heard it (those stamped
    ``mark``).

    Only sensors within the nearest hearing sensor's distance of the box can count, so
    only the strip of sensors that close along the network's longer axis (north with
    ``along_north``, else east; the working sensors sorted by it in ``by_axis``, their
    coordinate in ``axis_sorted``) is looked at: the test runs on most boxes of a walk,
    and looping over every sensor twice cost more than the picks. The count is the same
    whichever axis the strip is taken along.
    """
    # dmax² < closest needs |east − centre| + half the box's width < sqrt(closest), and
    # the same along north.
    root = math.sqrt(closest)
    reach_e, reach_n = root - 0.5 * (x1 - x0), root - 0.5 * (y1 - y0)
    if not (reach_e > 0.0 and reach_n > 0.0):
        return 0
    if along_north:
        centre, reach = 0.5 * (y0 + y1), reach_n
    else:
        centre, reach = 0.5 * (x0 + x1), reach_e
    lo = np.searchsorted(axis_sorted, centre - reach)
    hi = np.searchsorted(axis_sorted, centre + reach, side="right")
    missed = 0
    for j in range(lo, hi):
        s = by_axis[j]
        if stamp[s] != mark:
            dxf = max(abs(east[s] - x0), abs(east[s] - x1))
            dyf = max(abs(north[s] - y0), abs(north[s] - y1))
            if dxf * dxf + dyf * dyf < closest:
                missed += 1
                if missed >= max_missed:
                    break
    return missed


@jit
def _origin_spread(
    pool: np.ndarray, start: int, top: int, t: np.ndarray, sensor: np.ndarray,
    east: np.ndarray, north: np.ndarray, up: np.ndarray, cx: float, cy: float, zc: float,
    speed: float, wind_u: float, wind_v: float,
) -> float:  # fmt: skip
    """The spread (max − min) of the origin times that the picks ``pool[start:top]``
    imply at a box's centre (``cx``, ``cy``, ``zc``; the wind along each path, as
    :func:`_path` has it): the smaller, the nearer the centre lies to a source they all
    fit."""
    lo, hi = np.inf, -np.inf
    for k in range(start, top):
        p = pool[k]
        s = sensor[p]
        _, _, dist, ceff = _path(east[s] - cx, north[s] - cy, up[s] - zc, speed, wind_u,
                                 wind_v)  # fmt: skip
        implied = t[p] - dist / ceff
        lo, hi = min(lo, implied), max(hi, implied)
    return hi - lo


@jit
def _same(pool: np.ndarray, start: int, prev: np.ndarray, m: int) -> bool:
    """Whether ``pool[start:start + m]`` equals ``prev[:m]`` (a loop: no slices to
    allocate, once per leaf)."""
    for q in range(m):  # noqa: SIM110 - a generator in all() does not compile lean
        if pool[start + q] != prev[q]:
            return False
    return True


@jit
def _in_halo(
    x0: float, x1: float, y0: float, y1: float, common: np.int64, member_e: np.ndarray,
    member_n: np.ndarray, member_area: np.ndarray, halo_in_m: float,
) -> bool:  # fmt: skip
    """Whether the box lies farther than ``halo_in_m`` from every member of some salvo
    area in ``common`` (a bit set): its small events would be made only of picks the
    salvo could have made, off its area (:mod:`truceline.fusion.halo`)."""
    near = np.int64(0)  # areas with a member within reach of the box
    for i in range(len(member_e)):
        bit = np.int64(1) << member_area[i]
        if not (common & bit) or (near & bit):
            continue
        dx = max(max(x0 - member_e[i], member_e[i] - x1), 0.0)
        dy = max(max(y0 - member_n[i], member_n[i] - y1), 0.0)
        if dx * dx + dy * dy <= halo_in_m * halo_in_m:
            near |= bit
    return bool((common & ~near) != 0)


@jit
def partition_dfs(
    root: np.ndarray, t: np.ndarray, sensor: np.ndarray, bearing: np.ndarray,
    sigma_b: np.ndarray, east: np.ndarray, north: np.ndarray, up: np.ndarray,
    sigma_t: np.ndarray, alive: np.ndarray, c_lo: float, c_hi: float, wind_u: float,
    wind_v: float, wind_slack: float, assoc_sigmas: float, model_tol: float,
    max_range: float, min_sensors: int, leaf_s: float, near_box_m: float,
    max_missed: int, near_sensors: int, max_visits: int, max_leaf_picks: int,
    dedupe: bool, best_start: bool,
    in_areas: np.ndarray, member_e: np.ndarray, member_n: np.ndarray, member_area: np.ndarray,
    halo_sensors: int, halo_in_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Depth-first form of :func:`truceline.fusion.partition.partition` (same tests).

    A stack of boxes, each holding the pick list of its parent (a segment of one pick
    pool that is truncated as subtrees finish, so memory stays proportional to the tree's
    depth); a box keeps the picks consistent with it, dies with fewer than
    ``min_sensors`` distinct sensors (or, once smaller than ``near_box_m``, when
    ``max_missed`` working sensors nearer than all that heard it heard nothing, unless it
    has more than ``near_sensors`` sensors and its picks are not all in one salvo area's
    windows: ``common`` is then 0), becomes
    a leaf at ``leaf_s`` and is otherwise halved along its longest side (time as
    metres / c). ``max_visits`` bounds the boxes visited and ``max_leaf_picks`` the picks
    the leaves hold (pathological density: a salvo heard by every sensor). With
    ``dedupe``, a leaf holding exactly the picks of the leaf before it is not kept:
    neighbouring leaves of one blast mostly do, and they are one candidate (with
    ``best_start``, its box is that of the run's leaf whose picks agree best:
    :func:`_origin_spread`). A box of at
    most ``halo_sensors`` sensors dies in a salvo's halo (:func:`_in_halo`): ``in_areas``
    is each pick's bit set of the salvo areas whose arrival windows hold it, ``member_*``
    the areas' members (centre frame) and their area.
    Returns (leaf boxes, leaf start offsets, leaf picks, leaf sensor counts, rest):
    ``rest`` are the boxes still on the stack when the bound stopped the walk (none when
    it finished), for the caller to walk in turn.
    """
    nsens = len(east)
    wabs = math.hypot(wind_u, wind_v)
    max_r2 = max_range * max_range
    n = len(t)
    pool = np.empty(max(4 * n, 16), dtype=np.int64)
    pool[:n] = np.argsort(sensor, kind="mergesort")  # grouped by sensor, kept in children
    top = n
    along_north = nsens > 0 and np.ptp(north) > np.ptp(east)  # the near-miss strips
    axis = north if along_north else east
    by_axis = np.argsort(axis, kind="mergesort")
    by_axis = by_axis[alive[by_axis]]  # only working sensors can miss a box
    axis_sorted = axis[by_axis]
    sbox = np.empty((64, 6))
    sseg = np.empty(64, dtype=np.int64)
    slen = np.empty(64, dtype=np.int64)
    ssens = np.empty(64, dtype=np.int64)  # distinct sensors of each box's pick segment
    sbox[0] = root
    sseg[0] = 0
    slen[0] = n
    ssens[0] = len(np.unique(sensor))
    depth = 1
    lbox = np.empty((16, 6))
    lstart = np.zeros(17, dtype=np.int64)
    lpicks = np.empty(64, dtype=np.int64)
    lcount = np.empty(16, dtype=np.int64)
    nleaf = 0
    prev = np.empty(64, dtype=np.int64)  # the last leaf's picks, in pool order
    prev_len = -1
    prev_spread = np.inf
    c_mid = 0.5 * (c_lo + c_hi)  # the speed _origin_spread takes
    stamp = np.full(nsens, -1, dtype=np.int64)
    visited = 0
    while depth > 0 and visited < max_visits and lstart[nleaf] < max_leaf_picks:
        depth -= 1
        visited += 1
        x0, x1, y0, y1, t0, t1 = (sbox[depth, 0], sbox[depth, 1], sbox[depth, 2],
                                  sbox[depth, 3], sbox[depth, 4], sbox[depth, 5])  # fmt: skip
        seg, ln, left = sseg[depth], slen[depth], ssens[depth]
        cx, cy, zc, half = _box_centre(x0, x1, y0, y1)
        top = seg + ln
        # Each growth is tested here, not in the call: a call per box, even where nothing
        # grows, took 5-13 % of the walk (hard seed 16's costliest walks replayed).
        if top + ln > len(pool):
            pool = _grow_i(pool, top + ln)
        start = top
        count = 0
        cur = -1
        dead = False
        common = np.int64(-1)  # areas whose windows hold every pick kept
        reach, tt_min, tt_max, tol = False, 0.0, 0.0, 0.0
        az, width, cone = 0.0, 0.0, False
        closest = np.inf  # the smallest _gap2 of the sensors heard so far
        gap = 0.0  # the current sensor's _gap2
        for k in range(seg, seg + ln):
            p = pool[k]
            s = sensor[p]
            if s != cur:  # picks are grouped by sensor: its bounds once for all its picks
                if count + left < min_sensors:  # even the sensors left cannot make it
                    dead = True
                    break
                left -= 1
                cur = s
                gap = _gap2(x0, x1, y0, y1, east[s], north[s])
                reach, tt_min, tt_max, tol = _sensor_times_at(
                    x0, x1, y0, y1, cx, cy, zc, half, gap, east[s], north[s], up[s],
                    sigma_t[s], c_lo, c_hi, wind_u, wind_v, wabs, wind_slack, assoc_sigmas,
                    model_tol, max_r2,
                )  # fmt: skip
                cone = False
            if not reach:
                continue
            if not _time_in(t[p], t0, t1, tt_min, tt_max, tol):
                continue
            br = bearing[p]
            if not math.isnan(br):
                if not cone:
                    az, width = _bearing_cone(x0, x1, y0, y1, east[s], north[s])
                    cone = True
                if not _bearing_in(br, sigma_b[p], az, width, assoc_sigmas):
                    continue
            pool[top] = p
            common &= in_areas[p]
            top += 1
            if stamp[s] != visited:
                stamp[s] = visited
                count += 1
                closest = min(closest, gap)
        if dead or count < min_sensors:
            continue
        if (count <= halo_sensors and common != 0
                and _in_halo(x0, x1, y0, y1, common, member_e, member_n, member_area,
                             halo_in_m)):  # fmt: skip
            continue
        sx_ = (x1 - x0) / c_hi
        sy_ = (y1 - y0) / c_hi
        st_ = t1 - t0
        leafy = max(sx_, max(sy_, st_)) <= leaf_s
        span = max(sx_, sy_) * c_hi
        m = top - start
        if leafy and dedupe and m == prev_len and _same(pool, start, prev, m):
            # The same picks as the previous leaf kept: one candidate. Pick lists are
            # subsequences of one order (the root's, by sensor), so equal sets are equal
            # lists; tested before the near-miss test, which those picks passed there.
            # Its box, where the candidate's fit starts, is the run's leaf whose picks'
            # implied origin times agree best (the first one may lie at the far end of
            # a kilometre-long region that four picks are consistent with).
            if best_start:
                spread = _origin_spread(pool, start, top, t, sensor, east, north, up, cx,
                                        cy, zc, c_mid, wind_u, wind_v)  # fmt: skip
                if spread < prev_spread:
                    prev_spread = spread
                    lbox[nleaf - 1, 0], lbox[nleaf - 1, 1], lbox[nleaf - 1, 2] = x0, x1, y0
                    lbox[nleaf - 1, 3], lbox[nleaf - 1, 4], lbox[nleaf - 1, 5] = y1, t0, t1
            continue
        # A child misses at least what its parent did.
        if (count <= near_sensors or common != 0) and (span <= near_box_m or leafy):
            missed = _missed_count(x0, x1, y0, y1, closest, east, north, along_north,
                                   by_axis, axis_sorted, stamp, visited,
                                   max_missed)  # fmt: skip
            if missed >= max_missed:
                continue
        if leafy:
            if m > len(prev):
                prev = _grow_i(prev, m)
            prev[:m] = pool[start:top]
            prev_len = m
            if best_start:
                prev_spread = _origin_spread(pool, start, top, t, sensor, east, north, up,
                                             cx, cy, zc, c_mid, wind_u, wind_v)  # fmt: skip
            picks = np.sort(pool[start:top])
            if nleaf + 1 > len(lcount):  # with lbox: both grow together
                lbox = _grow_f(lbox, nleaf + 1)
                lcount = _grow_i(lcount, nleaf + 1)
            if nleaf + 2 > len(lstart):
                lstart = _grow_i(lstart, nleaf + 2)
            if lstart[nleaf] + m > len(lpicks):
                lpicks = _grow_i(lpicks, lstart[nleaf] + m)
            lbox[nleaf, 0], lbox[nleaf, 1], lbox[nleaf, 2] = x0, x1, y0
            lbox[nleaf, 3], lbox[nleaf, 4], lbox[nleaf, 5] = y1, t0, t1
            lpicks[lstart[nleaf] : lstart[nleaf] + m] = picks
            lcount[nleaf] = count
            lstart[nleaf + 1] = lstart[nleaf] + m
            nleaf += 1
            continue
        if depth + 2 > len(sseg):  # the stack's four arrays grow together
            sbox = _grow_f(sbox, depth + 2)
            sseg = _grow_i(sseg, depth + 2)
            slen = _grow_i(slen, depth + 2)
            ssens = _grow_i(ssens, depth + 2)
        if sx_ >= sy_ and sx_ >= st_:
            dim = 0
        elif sy_ >= st_:
            dim = 1
        else:
            dim = 2
        lo = sbox[depth, 2 * dim]
        hi = sbox[depth, 2 * dim + 1]
        mid = 0.5 * (lo + hi)
        # Upper half pushed first so the lower half is explored first.
        for j in range(6):
            sbox[depth + 1, j] = sbox[depth, j]
        sbox[depth, 2 * dim] = mid
        sbox[depth + 1, 2 * dim + 1] = mid
        sseg[depth] = start
        slen[depth] = top - start
        sseg[depth + 1] = start
        slen[depth + 1] = top - start
        ssens[depth] = count
        ssens[depth + 1] = count
        depth += 2
    rest = sbox[:depth].copy()
    return lbox[:nleaf], lstart[: nleaf + 1], lpicks[: lstart[nleaf]], lcount[:nleaf], rest


@jit
def travel(
    ve: float, vn: float, vu: float, speed: float, wu: float, wv: float
) -> tuple[float, float, float, float]:
    """The path from a source to a sensor ``(ve, vn, vu)`` away (the spec's model: the
    wind's component along the horizontal path added to the speed of sound): its length,
    its effective speed, and the travel time's derivatives in the source's east and
    north."""
    h2 = ve * ve + vn * vn
    dist = math.sqrt(h2 + vu * vu)
    hs = max(math.sqrt(h2), 1e-6)
    f = (wu * ve + wv * vn) / hs
    ceff = speed + f
    ds = max(dist, 1e-6)
    inv = 1.0 / (ceff * ceff)
    de = (-ve / ds * ceff - dist * (-wu + f * ve / hs) / hs) * inv
    dn = (-vn / ds * ceff - dist * (-wv + f * vn / hs) / hs) * inv
    return dist, ceff, de, dn


@jit
def _residuals(
    c: int, sens: np.ndarray, t: np.ndarray, sig: np.ndarray, bear: np.ndarray,
    sigb: np.ndarray, brot: np.ndarray, mask: np.ndarray, speed: float, wu: float,
    wv: float, inv2n: float, inv2m: float, e: float, n: float, origin: float,
    r: np.ndarray, jac: np.ndarray,
) -> None:  # fmt: skip
    """One candidate's row of :func:`truceline.fusion.batch.evaluate`, into ``r``/``jac``."""
    k_max = t.shape[1]
    pu = -(e * e * inv2n + n * n * inv2m)
    for k in range(k_max):
        kb = k_max + k
        for j in range(3):
            jac[k, j] = 0.0
            jac[kb, j] = 0.0
        r[k] = 0.0
        r[kb] = 0.0
        if not mask[c, k]:
            continue
        ve, vn, vu = sens[c, k, 0] - e, sens[c, k, 1] - n, sens[c, k, 2] - pu
        dist, ceff, de, dn = travel(ve, vn, vu, speed, wu, wv)
        w = 1.0 / sig[c, k]
        r[k] = (t[c, k] - origin - dist / ceff) * w
        jac[k, 0] = de * w
        jac[k, 1] = dn * w
        jac[k, 2] = w
        if math.isnan(bear[c, k]):
            continue
        q0 = -(brot[c, k, 0, 0] * ve + brot[c, k, 0, 1] * vn + brot[c, k, 0, 2] * vu)
        q1 = -(brot[c, k, 1, 0] * ve + brot[c, k, 1, 1] * vn + brot[c, k, 1, 2] * vu)
        r2 = max(q0 * q0 + q1 * q1, 1e-6)
        wb = 1.0 / sigb[c, k]
        diff = bear[c, k] - math.atan2(q0, q1)
        r[kb] = ((diff + math.pi) % (2.0 * math.pi) - math.pi) * wb
        jac[kb, 0] = q1 / r2 * wb
        jac[kb, 1] = -q0 / r2 * wb


@jit
def residuals(
    sens: np.ndarray, t: np.ndarray, sig: np.ndarray, bear: np.ndarray, sigb: np.ndarray,
    brot: np.ndarray, mask: np.ndarray, speed: np.ndarray, wind: np.ndarray,
    inv2n: np.ndarray, inv2m: np.ndarray, x: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Loop form of :func:`truceline.fusion.batch.evaluate` (same residuals and Jacobian)."""
    n_c, k_max = t.shape
    r = np.zeros((n_c, 2 * k_max))
    jac = np.zeros((n_c, 2 * k_max, 3))
    for c in range(n_c):
        _residuals(c, sens, t, sig, bear, sigb, brot, mask, speed[c], wind[c, 0], wind[c, 1],
                   inv2n[c], inv2m[c], x[c, 0], x[c, 1], x[c, 2], r[c], jac[c])  # fmt: skip
    return r, jac


@jit
def _cost(r: np.ndarray, robust: bool, cauchy: float) -> float:
    total = 0.0
    for v in r:
        total += math.log1p((v / cauchy) ** 2) if robust else v * v
    return total


@jit
def _solve3(a: np.ndarray, g: np.ndarray, out: np.ndarray) -> None:
    """``out = a⁻¹ g`` for a 3×3 system (Gaussian elimination, partial pivoting); a
    singular or non-finite system gives a zero step, as the numpy form does."""
    m = np.empty((3, 4))
    for i in range(3):
        for j in range(3):
            m[i, j] = a[i, j]
        m[i, 3] = g[i]
    scale = max(abs(a[0, 0]), max(abs(a[1, 1]), abs(a[2, 2])))
    for col in range(3):
        piv = col
        for i in range(col + 1, 3):
            if abs(m[i, col]) > abs(m[piv, col]):
                piv = i
        if not abs(m[piv, col]) > 1e-12 * scale:
            out[:] = 0.0
            return
        if piv != col:
            for j in range(4):
                m[col, j], m[piv, j] = m[piv, j], m[col, j]
        for i in range(col + 1, 3):
            f = m[i, col] / m[col, col]
            for j in range(col, 4):
                m[i, j] -= f * m[col, j]
    for i in range(2, -1, -1):
        s = m[i, 3]
        for j in range(i + 1, 3):
            s -= m[i, j] * out[j]
        out[i] = s / m[i, i]
    for i in range(3):
        if not math.isfinite(out[i]):
            out[:] = 0.0
            return


@jit
def lm_solve(
    sens: np.ndarray, t: np.ndarray, sig: np.ndarray, bear: np.ndarray, sigb: np.ndarray,
    brot: np.ndarray, mask: np.ndarray, speed: np.ndarray, wind: np.ndarray,
    inv2n: np.ndarray, inv2m: np.ndarray, x0: np.ndarray, robust: bool, iterations: int,
    cauchy: float,
) -> np.ndarray:  # fmt: skip
    """Loop form of :func:`truceline.fusion.batch.solve` (same steps, same damping)."""
    n_c, k_max = t.shape
    x = x0.copy()
    vec, mat, small = lm_scratch(k_max)
    for c in range(n_c):
        lm_candidate(c, sens, t, sig, bear, sigb, brot, mask, speed[c], wind[c, 0], wind[c, 1],
                     inv2n[c], inv2m[c], x[c], robust, iterations, cauchy, vec, mat,
                     small)  # fmt: skip
    return x


@jit
def lm_scratch(k_max: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scratch arrays of :func:`lm_candidate` for up to ``k_max`` slots, allocated once
    for many candidates."""
    return np.empty((2, 2 * k_max)), np.empty((2, 2 * k_max, 3)), np.empty((3, 3, 3))


@jit
def lm_candidate(
    c: int, sens: np.ndarray, t: np.ndarray, sig: np.ndarray, bear: np.ndarray,
    sigb: np.ndarray, brot: np.ndarray, mask: np.ndarray, sp: float, wu: float, wv: float,
    i2n: float, i2m: float, x: np.ndarray, robust: bool, iterations: int, cauchy: float,
    vec: np.ndarray, mat: np.ndarray, small: np.ndarray,
) -> None:  # fmt: skip
    """Candidate ``c``'s steps of :func:`lm_solve`, updating its ``x`` (e, n, origin) in
    place; ``vec``, ``mat`` and ``small`` are scratch (:func:`lm_scratch`) for at least
    the batch's ``k_max`` slots."""
    k2 = 2 * t.shape[1]
    r, r_new, jac, j_new = vec[0, :k2], vec[1, :k2], mat[0, :k2], mat[1, :k2]
    a, damped, g, step = small[0], small[1], small[2, 0], small[2, 1]
    _residuals(c, sens, t, sig, bear, sigb, brot, mask, sp, wu, wv, i2n, i2m,
               x[0], x[1], x[2], r, jac)  # fmt: skip
    cost = _cost(r, robust, cauchy)
    lam = 1e-3
    for _ in range(iterations):
        a[:] = 0.0
        g[:] = 0.0
        for k in range(k2):
            w = 1.0 / (1.0 + (r[k] / cauchy) ** 2) if robust else 1.0
            for i in range(3):
                wi = jac[k, i] * w
                g[i] += wi * r[k]
                for j in range(3):
                    a[i, j] += wi * jac[k, j]
        for i in range(3):
            for j in range(3):
                damped[i, j] = a[i, j]
            damped[i, i] += lam * (a[i, i] + 1e-12)
        _solve3(damped, g, step)
        xe, xn, xo = x[0] + step[0], x[1] + step[1], x[2] + step[2]
        _residuals(c, sens, t, sig, bear, sigb, brot, mask, sp, wu, wv, i2n, i2m,
                   xe, xn, xo, r_new, j_new)  # fmt: skip
        c_new = _cost(r_new, robust, cauchy)
        if c_new <= cost:
            x[0], x[1], x[2] = xe, xn, xo
            r[:] = r_new
            jac[:] = j_new
            cost = c_new
            lam = max(lam / 10.0, 1e-9)
        else:
            lam = min(lam * 10.0, 1e9)


@jit
def _mix(p: int) -> np.uint64:
    """The per-pick term of :func:`truceline.fusion.associate._set_hashes` (splitmix64)."""
    x = np.uint64(p) + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@jit
def leaf_votes(
    start: np.ndarray, picks: np.ndarray, free: np.ndarray, sensor: np.ndarray, nsens: int,
    min_sensors: int, tried: np.ndarray, votes: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Loop form of :func:`truceline.fusion.associate._candidates_numpy` (same winners).

    Leaf ``i`` holds pool picks ``picks[start[i]:start[i+1]]``; ``tried`` is the sorted
    array of set hashes fitted before. Each leaf's free picks give its distinct-sensor
    score and its set hash in one pass; leaves are then visited best first (score
    descending, then leaf order) and a leaf wins when one of its free picks has voted
    fewer than ``votes`` times, every leaf voting for all its free picks: exactly "each
    pick's ``votes`` best leaves" without sorting the (leaf, pick) pairs. Returns the
    winning leaves with a distinct hash (the first leaf of each hash, in leaf order) and
    their hashes.
    """
    n = len(start) - 1
    score = np.zeros(n, dtype=np.int64)
    digest = np.zeros(n, dtype=np.uint64)
    stamp = np.full(nsens, -1, dtype=np.int64)
    for i in range(n):
        h = np.uint64(0)
        for k in range(start[i], start[i + 1]):
            p = picks[k]
            if not free[p]:
                continue
            h += _mix(p)
            s = sensor[p]
            if stamp[s] != i:
                stamp[s] = i
                score[i] += 1
        digest[i] = h
    live = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        if score[i] >= min_sensors:
            j = np.searchsorted(tried, digest[i])
            live[i] = not (j < len(tried) and tried[j] == digest[i])
    idx = np.flatnonzero(live)
    order = idx[np.argsort(-score[idx], kind="mergesort")]
    cast = np.zeros(len(free), dtype=np.int64)
    winner = np.zeros(n, dtype=np.bool_)
    for i in order:
        for k in range(start[i], start[i + 1]):
            p = picks[k]
            if free[p]:
                if cast[p] < votes:
                    winner[i] = True
                cast[p] += 1
    won = np.flatnonzero(winner)
    by_hash = won[np.argsort(digest[won], kind="mergesort")]
    keep = np.zeros(len(by_hash), dtype=np.bool_)
    for j in range(len(by_hash)):
        keep[j] = j == 0 or digest[by_hash[j]] != digest[by_hash[j - 1]]
    boxes = np.sort(by_hash[keep])
    return boxes, digest[boxes]


@jit
def _quick_fit(
    cp: np.ndarray, act: np.ndarray, k: int, t: np.ndarray, sensor: np.ndarray,
    east: np.ndarray, north: np.ndarray, up: np.ndarray, sd: np.ndarray, zsrc_rel: float,
    c: float, wu: float, wv: float, x: float, y: float, t0: float, iters: int,
    res: np.ndarray,
) -> tuple[float, float, float]:  # fmt: skip
    """Gauss–Newton on (east, north, origin) from the active picks ``cp[act]``: times
    only, in the network's centre frame, the source at height ``zsrc_rel`` (relative to
    the frame's origin) on the curved Earth, the wind along each path in the speed.
    Fills ``res`` with every pick's normalised residual (``sd``) at the result.

    An approximation of :func:`truceline.fusion.batch.solve` (no bearings, a fixed speed
    of sound), good to a few milliseconds: enough to tell which picks one source explains,
    not to place it. The exact fit follows for the leaves that pass.
    """
    for _ in range(iters):
        a00 = a01 = a02 = a11 = a12 = a22 = 0.0
        g0 = g1 = g2 = 0.0
        zs = zsrc_rel - (x * x + y * y) / (2.0 * EARTH_R)
        for j in range(k):
            if not act[j]:
                continue
            s = sensor[cp[j]]
            dx, dy, d, ceff = _path(east[s] - x, north[s] - y, up[s] - zs, c, wu, wv)
            w = 1.0 / sd[j]
            r = (t[cp[j]] - t0 - d / ceff) * w
            j0 = -dx / d / ceff * w
            j1 = -dy / d / ceff * w
            j2 = w
            a00 += j0 * j0
            a01 += j0 * j1
            a02 += j0 * j2
            a11 += j1 * j1
            a12 += j1 * j2
            a22 += j2 * j2
            g0 += j0 * r
            g1 += j1 * r
            g2 += j2 * r
        # Solve the 3×3 normal equations (Cramer's rule; a tiny ridge keeps it defined).
        a00 += 1e-9
        a11 += 1e-9
        a22 += 1e-9
        det = (a00 * (a11 * a22 - a12 * a12) - a01 * (a01 * a22 - a12 * a02)
               + a02 * (a01 * a12 - a11 * a02))  # fmt: skip
        if not abs(det) > 0.0:
            break
        d0 = (g0 * (a11 * a22 - a12 * a12) - a01 * (g1 * a22 - a12 * g2)
              + a02 * (g1 * a12 - a11 * g2)) / det  # fmt: skip
        d1 = (a00 * (g1 * a22 - a12 * g2) - g0 * (a01 * a22 - a12 * a02)
              + a02 * (a01 * g2 - g1 * a02)) / det  # fmt: skip
        d2 = (a00 * (a11 * g2 - g1 * a12) - a01 * (a01 * g2 - g1 * a02)
              + g0 * (a01 * a12 - a11 * a02)) / det  # fmt: skip
        x += d0
        y += d1
        t0 += d2
    zs = zsrc_rel - (x * x + y * y) / (2.0 * EARTH_R)
    for j in range(k):
        s = sensor[cp[j]]
        _, _, d, ceff = _path(east[s] - x, north[s] - y, up[s] - zs, c, wu, wv)
        res[j] = (t[cp[j]] - t0 - d / ceff) / sd[j]
    return x, y, t0


@jit
def _path(dx: float, dy: float, dz: float, c: float, wu: float, wv: float
          ) -> tuple[float, float, float, float]:  # fmt: skip
    """A source-to-sensor path (sensor minus source, centre frame): its horizontal
    offsets, its length and the speed along it (the wind's component along the path
    added to ``c``, as :func:`_residuals` has it)."""
    h = max(math.sqrt(dx * dx + dy * dy), 1e-6)
    return dx, dy, math.sqrt(h * h + dz * dz), c + (wu * dx + wv * dy) / h


@jit
def _keep_nearest(s: int, item: int, d: float, best: np.ndarray, bestd: np.ndarray,
                  order: np.ndarray, k: int) -> int:  # fmt: skip
    """Make ``item`` (at distance ``d``) sensor ``s``'s nearest when it is its first or
    nearer than its nearest so far (the first of equals stays). ``best[s]`` is −1 for a
    sensor not seen yet; ``order[:k]`` lists the sensors seen, in order. Returns ``k``
    counting ``s``."""
    if best[s] < 0:
        best[s] = item
        bestd[s] = d
        order[k] = s
        return k + 1
    if d < bestd[s]:
        best[s] = item
        bestd[s] = d
    return k


@jit
def _median_of(a: np.ndarray, k: int) -> float:
    """``np.median(a[:k])`` (the same value), sorting ``a[:k]`` in place: an insertion
    sort of the few values of one leaf, where the copy ``np.median`` makes cost more."""
    for i in range(1, k):
        v = a[i]
        j = i - 1
        while j >= 0 and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v
    h = k // 2
    return float(a[h]) if k % 2 else 0.5 * float(a[h - 1] + a[h])


@jit
def purify_leaves(
    start: np.ndarray, picks: np.ndarray, t: np.ndarray, sensor: np.ndarray,
    box: np.ndarray, east: np.ndarray, north: np.ndarray, up: np.ndarray,
    sigma_t: np.ndarray, c: float, wu: float, wv: float, floor: float, gate: float,
    min_sensors: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Each leaf's picks reduced to those one source explains; a leaf left with fewer
    than ``min_sensors`` sensors keeps none.

    A leaf (a box of 0.15 s, about 50 m) holds every pick consistent with *some* point of
    it, and inside a salvo that is picks of two or three neighbouring rounds at most
    sensors. Its pick at each sensor is the one whose implied origin time (at the box's
    centre) is nearest the box's; :func:`_quick_fit` fits those from the box's centre and
    the worst pick beyond ``gate`` normalised residuals (timing sigma and ``floor``
    combined) is dropped, one at a time, refitting each time. The exact fit of the
    candidates (:func:`truceline.fusion.associate._locate_all`) then starts from a round's
    own picks instead of a mixture, which it had often settled on (a mixture of rounds
    can fit a point kilometres off). Returns the new leaf offsets and picks, each leaf's
    picks sorted.
    """
    n = len(start) - 1
    nsens = len(east)
    out_start = np.zeros(n + 1, dtype=np.int64)
    out = np.empty(len(picks), dtype=np.int64)
    best = np.full(nsens, -1, dtype=np.int64)
    bestd = np.zeros(nsens)
    height = up + (east * east + north * north) / (2.0 * EARTH_R)
    # One pick per sensor at most: per-leaf work arrays of the network's size, reused.
    sens = np.empty(nsens, dtype=np.int64)
    cp = np.empty(nsens, dtype=np.int64)
    sd = np.empty(nsens)
    hs = np.empty(nsens)
    act = np.empty(nsens, dtype=np.bool_)
    res = np.empty(nsens)
    m = 0
    for i in range(n):
        a, b = start[i], start[i + 1]
        x = 0.5 * (box[i, 0] + box[i, 1])
        y = 0.5 * (box[i, 2] + box[i, 3])
        t0 = 0.5 * (box[i, 4] + box[i, 5])
        zc = -(x * x + y * y) / (2.0 * EARTH_R)
        k = 0
        for q in range(a, b):
            p = picks[q]
            s = sensor[p]
            dx, dy, dz = east[s] - x, north[s] - y, up[s] - zc
            dev = abs(t[p] - math.sqrt(dx * dx + dy * dy + dz * dz) / c - t0)
            k = _keep_nearest(s, p, dev, best, bestd, sens, k)
        for j in range(k):
            s = sens[j]
            cp[j] = best[s]
            best[s] = -1
            sd[j] = math.sqrt(sigma_t[s] ** 2 + floor * floor)
            hs[j] = height[s]
        out_start[i + 1] = m
        if k < min_sensors:
            continue
        zrel = _median_of(hs, k)
        act[:k] = True
        res[:k] = 0.0
        nact = k
        x, y, t0 = _quick_fit(cp, act, k, t, sensor, east, north, up, sd, zrel, c, wu, wv,
                              x, y, t0, 4, res)  # fmt: skip
        while True:
            worst, wj = 0.0, -1
            for j in range(k):
                if act[j] and not abs(res[j]) <= worst:
                    worst, wj = abs(res[j]), j
            if not worst > gate:
                break
            act[wj] = False
            nact -= 1
            if nact < min_sensors:
                break
            x, y, t0 = _quick_fit(cp, act, k, t, sensor, east, north, up, sd, zrel, c, wu, wv,
                                  x, y, t0, 3, res)  # fmt: skip
        if nact < min_sensors:
            continue
        q = m
        for j in range(k):
            if act[j]:
                out[q] = cp[j]
                q += 1
        out[m:q].sort()
        m += nact
        out_start[i + 1] = m
    return out_start, out[:m]


@jit
def repeat_windows(
    implied: np.ndarray, sensor: np.ndarray, ends: np.ndarray, nsens: int, min_sensors: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Loop form of :func:`truceline.fusion.associate._repeat_windows_numpy` (same
    groups): for each window ``[i, ends[i])`` of the sorted implied origin times that
    spans ``min_sensors`` distinct sensors, its median and, per sensor, the pick nearest
    it (the first of equals). Returns the groups' offsets, their picks (window positions,
    ascending within a group) and their medians.

    The repeat-source search runs it for every found event after every pass: in numpy,
    a median, a unique and a lexsort per window cost 7 % of hard seed 5's fusion under
    the profiler (0.93 of 13.5 s).
    """
    n = len(implied)
    best = np.full(nsens, -1, dtype=np.int64)
    bestd = np.zeros(nsens)
    seen = np.full(nsens, -1, dtype=np.int64)
    chosen = np.empty(nsens, dtype=np.int64)
    starts = [0]
    pos: list[int] = []
    mids: list[float] = []
    for i in range(n):
        e = ends[i]
        if e - i < min_sensors:
            continue
        k = 0
        for j in range(i, e):
            s = sensor[j]
            if seen[s] != i:
                seen[s] = i
                k += 1
        if k < min_sensors:
            continue
        m = e - i
        mid = (
            implied[i + m // 2] if m % 2 else (implied[i + m // 2 - 1] + implied[i + m // 2]) / 2.0
        )
        c = 0
        for j in range(i, e):
            s = sensor[j]
            c = _keep_nearest(s, j, abs(implied[j] - mid), best, bestd, chosen, c)
        group = np.empty(c, dtype=np.int64)
        for q in range(c):
            group[q] = best[chosen[q]]
            best[chosen[q]] = -1
        group.sort()
        for q in range(c):
            pos.append(group[q])
        starts.append(len(pos))
        mids.append(mid)
    return np.array(starts, dtype=np.int64), np.array(pos, dtype=np.int64), np.array(mids)
