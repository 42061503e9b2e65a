"""Compiled inner loops of the association (pure; numba when installed).

Association tests every (candidate box, pick) pair many times per block; in numpy that
costs ~160 ns a pair in temporaries, compiled it costs a few ns. Each kernel here is the
exact loop form of a numpy function elsewhere, which remains the reference (and the
fallback when numba is missing: ``HAVE_NUMBA``). Kernels are cached on disk
(``cache=True``) so only the first run after an install pays the compilation.
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
    dxn = max(max(x0 - sx, sx - x1), 0.0)
    dyn = max(max(y0 - sy, sy - y1), 0.0)
    hmin2 = dxn * dxn + dyn * dyn
    if hmin2 > max_r2:
        return False
    dxf = max(abs(sx - x0), abs(sx - x1))
    dyf = max(abs(sy - y0), abs(sy - y1))
    cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    dz = -(cx * cx + cy * cy) / (2.0 * EARTH_R) - sz
    dz2 = dz * dz
    dmin = math.sqrt(hmin2 + dz2)
    dmax = math.sqrt(dxf * dxf + dyf * dyf + dz2)
    ex, ey = sx - cx, sy - cy
    safe = max(math.sqrt(ex * ex + ey * ey), 1e-3)
    half = 0.5 * math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2)
    ratio = min(half / safe, 1.0)
    wproj = (wind_u * ex + wind_v * ey) / safe
    slack = wabs * min(2.0 * ratio, 1.0) + wind_slack
    tt_min = dmin / (c_hi + wproj + slack)
    tt_max = dmax / (c_lo + wproj - slack)
    tol = assoc_sigmas * sig + model_tol
    if not ((tp - tt_max <= t1 + tol) and (tp - tt_min >= t0 - tol)):
        return False
    if math.isnan(br):
        return True
    az = math.atan2(-ex, -ey)
    width = math.pi if half >= safe else math.asin(ratio)
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
def partition_dfs(
    root: np.ndarray, t: np.ndarray, sensor: np.ndarray, bearing: np.ndarray,
    sigma_b: np.ndarray, east: np.ndarray, north: np.ndarray, up: np.ndarray,
    sigma_t: np.ndarray, alive: np.ndarray, c_lo: float, c_hi: float, wind_u: float,
    wind_v: float, wind_slack: float, assoc_sigmas: float, model_tol: float,
    max_range: float, min_sensors: int, leaf_s: float, near_box_m: float,
    max_missed: int, max_boxes: int, max_leaf_picks: int, dedupe: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Depth-first form of :func:`truceline.fusion.partition.partition` (same tests).

    A stack of boxes, each holding the pick list of its parent (a segment of one pick
    pool that is truncated as subtrees finish, so memory stays proportional to the tree's
    depth); a box keeps the picks consistent with it, dies with fewer than
    ``min_sensors`` distinct sensors (or, once smaller than ``near_box_m``, when
    ``max_missed`` working sensors nearer than all that heard it heard nothing), becomes
    a leaf at ``leaf_s`` and is otherwise halved along its longest side (time as
    metres / c). ``max_boxes`` bounds the boxes visited and ``max_leaf_picks`` the picks
    the leaves hold (pathological density: a salvo heard by every sensor). With
    ``dedupe``, a leaf holding exactly the picks of the leaf before it is not kept:
    neighbouring leaves of one blast mostly do, and they are one candidate.
    Returns (leaf boxes, leaf start offsets, leaf picks, leaf sensor counts, rest):
    ``rest`` are the boxes still on the stack when the bound stopped the walk (none when
    it finished), for the caller to walk in turn.
    """
    nsens = len(east)
    wabs = math.hypot(wind_u, wind_v)
    max_r2 = max_range * max_range
    n = len(t)
    pool = np.empty(max(4 * n, 16), dtype=np.int64)
    pool[:n] = np.arange(n)
    top = n
    sbox = np.empty((64, 6))
    sseg = np.empty(64, dtype=np.int64)
    slen = np.empty(64, dtype=np.int64)
    sbox[0] = root
    sseg[0] = 0
    slen[0] = n
    depth = 1
    lbox = np.empty((16, 6))
    lstart = np.zeros(17, dtype=np.int64)
    lpicks = np.empty(64, dtype=np.int64)
    lcount = np.empty(16, dtype=np.int64)
    nleaf = 0
    stamp = np.full(nsens, -1, dtype=np.int64)
    visited = 0
    while depth > 0 and visited < max_boxes and lstart[nleaf] < max_leaf_picks:
        depth -= 1
        visited += 1
        x0, x1, y0, y1, t0, t1 = (sbox[depth, 0], sbox[depth, 1], sbox[depth, 2],
                                  sbox[depth, 3], sbox[depth, 4], sbox[depth, 5])  # fmt: skip
        seg, ln = sseg[depth], slen[depth]
        top = seg + ln
        pool = _grow_i(pool, top + ln)
        start = top
        count = 0
        for k in range(seg, seg + ln):
            p = pool[k]
            s = sensor[p]
            if _pick_ok(x0, x1, y0, y1, t0, t1, t[p], bearing[p], sigma_b[p], east[s],
                        north[s], up[s], sigma_t[s], c_lo, c_hi, wind_u, wind_v, wabs,
                        wind_slack, assoc_sigmas, model_tol, max_r2):  # fmt: skip
                pool[top] = p
                top += 1
                if stamp[s] != visited:
                    stamp[s] = visited
                    count += 1
        if count < min_sensors:
            continue
        sx_ = (x1 - x0) / c_hi
        sy_ = (y1 - y0) / c_hi
        st_ = t1 - t0
        leafy = max(sx_, max(sy_, st_)) <= leaf_s
        span = max(sx_, sy_) * c_hi
        if leafy or (span <= near_box_m and span > near_box_m / 2.0):
            closest = np.inf
            for s in range(nsens):
                if stamp[s] == visited:
                    dxn = max(max(x0 - east[s], east[s] - x1), 0.0)
                    dyn = max(max(y0 - north[s], north[s] - y1), 0.0)
                    closest = min(closest, dxn * dxn + dyn * dyn)
            missed = 0
            for s in range(nsens):
                if alive[s] and stamp[s] != visited:
                    dxf = max(abs(east[s] - x0), abs(east[s] - x1))
                    dyf = max(abs(north[s] - y0), abs(north[s] - y1))
                    if dxf * dxf + dyf * dyf < closest:
                        missed += 1
            if missed >= max_missed:
                continue
        if leafy:
            m = top - start
            picks = np.sort(pool[start:top])
            prev = lpicks[lstart[nleaf - 1] : lstart[nleaf]] if nleaf > 0 else lpicks[:0]
            if dedupe and nleaf > 0 and len(prev) == m and np.array_equal(prev, picks):
                continue  # the same picks as the previous leaf: one candidate
            lbox = _grow_f(lbox, nleaf + 1)
            lcount = _grow_i(lcount, nleaf + 1)
            lstart = _grow_i(lstart, nleaf + 2)
            lpicks = _grow_i(lpicks, lstart[nleaf] + m)
            lbox[nleaf, 0], lbox[nleaf, 1], lbox[nleaf, 2] = x0, x1, y0
            lbox[nleaf, 3], lbox[nleaf, 4], lbox[nleaf, 5] = y1, t0, t1
            lpicks[lstart[nleaf] : lstart[nleaf] + m] = picks
            lcount[nleaf] = count
            lstart[nleaf + 1] = lstart[nleaf] + m
            nleaf += 1
            continue
        sbox = _grow_f(sbox, depth + 2)
        sseg = _grow_i(sseg, depth + 2)
        slen = _grow_i(slen, depth + 2)
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
        depth += 2
    rest = sbox[:depth].copy()
    return lbox[:nleaf], lstart[: nleaf + 1], lpicks[: lstart[nleaf]], lcount[:nleaf], rest
