"""Space-time partitioning: candidate source volumes for a block of picks (pure, numpy).

This is the idea of PyOcto (Münchmeyer 2024, "PyOcto: a high-throughput seismic phase
associator", Seismica 3(1)): split space-time into boxes ``[x0,x1]×[y0,y1]×[t0,t1]``
(east, north, origin time) and keep only boxes that some picks from enough distinct sensors
could have come from. A pick at sensor ``s`` and time ``t`` is *consistent* with a box when
``t − tt_max(s, box) ≤ t1 + tol`` and ``t − tt_min(s, box) ≥ t0 − tol``, with ``tt_min``
and ``tt_max`` the shortest and longest travel time from anywhere in the box (distance
bounds from the box's corners, sound speed bounds from temperature and from the wind's
component along the directions the box subtends), and its bearing, if any, points into the
box. Boxes with enough consistent sensors are halved along their longest side (time counted
as metres / c) until they are ``leaf_s`` small; the survivors are the candidates.

Unlike GaMMA's Gaussian mixture (Zhu et al. 2022, JGR 127) it needs no guess of the number
of events, which a 40-round salvo would break, and unlike REAL's fixed grid (Zhang et al.
2019, SRL 90) its cost follows the picks, not the area. The tree is walked breadth-first so
each level is one vectorised pass over (box, pick) pairs; the children of a box inherit
only the picks consistent with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truceline.fusion import kernels
from truceline.geo import F64

I64 = np.ndarray
DEDUPE = True
BEST_START = True  # a run of leaves with the same picks keeps its best-agreeing box


@dataclass(frozen=True, slots=True)
class PickSet:
    """The picks of one block, in canonical order (time, id).

    ``t`` is seconds relative to the block's reference time; ``bearing`` is the azimuth in
    the centre frame (the sensor's bearing plus its meridian convergence), NaN if none.
    ``in_areas`` (optional) is each pick's bit set of the salvo areas whose arrival windows
    hold it (see :class:`Halo`); ``snr`` (optional) each pick's signal-to-noise ratio, dB
    (NaN where not given; see :mod:`truceline.fusion.amplitude`).
    """

    t: F64
    sensor: I64
    bearing: F64
    sigma_b: F64
    in_areas: I64 | None = None
    snr: F64 | None = None


def _contiguous(a: np.ndarray) -> F64:
    return np.ascontiguousarray(a, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Geometry:
    """Sensor positions in the centre frame and the speed bounds during the block.

    The positions are held contiguous (columns of the network's frame are strided views):
    the compiled walk and purifier then index them with a unit stride, and are compiled
    for one layout only, not once for each.
    """

    east: F64
    north: F64
    up: F64
    sigma_t: F64
    c_lo: float
    c_hi: float
    wind_u: float
    wind_v: float
    wind_slack: float

    def __post_init__(self) -> None:
        for name in ("east", "north", "up", "sigma_t"):
            object.__setattr__(self, name, _contiguous(getattr(self, name)))


NEAR_ALL = 2**62  # Limits.near_sensors: every box is put to the near-miss prune


@dataclass(frozen=True, slots=True)
class Limits:
    """Search settings (see :class:`truceline.fusion.config.FusionConfig`)."""

    leaf_s: float
    assoc_sigmas: float
    model_tol_s: float
    max_range_m: float
    min_sensors: int
    min_sensors_bearings: int
    min_bearings: int
    near_box_m: float = 3_000.0
    max_missed: int = 2
    # Boxes of more sensors than this skip the near-miss prune unless all their picks lie
    # in a salvo area's windows (:func:`truceline.fusion.associate._limits`); by default
    # every box is put to it.
    near_sensors: int = NEAR_ALL
    max_boxes: int = 20_000
    max_visits: int = 2_000_000
    max_leaf_picks: int = 1_000_000
    halo_sensors: int = 0


@dataclass(frozen=True, slots=True)
class Halo:
    """Salvo areas' members in the centre frame and their area index (bit of
    ``PickSet.in_areas``): boxes of at most ``Limits.halo_sensors`` sensors farther than
    ``in_m`` from every member of an area whose windows hold all their picks die
    (:mod:`truceline.fusion.halo`)."""

    east: F64
    north: F64
    area: I64
    in_m: float

    def __post_init__(self) -> None:  # one layout for the compiled walk (see Geometry)
        object.__setattr__(self, "east", _contiguous(self.east))
        object.__setattr__(self, "north", _contiguous(self.north))

    @classmethod
    def none(cls) -> Halo:
        return cls(np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64), 0.0)


@dataclass(frozen=True, slots=True)
class Leaves:
    """Candidate boxes (rows of ``box``: x0, x1, y0, y1, t0, t1) and their picks.

    ``picks[start[i]:start[i+1]]`` are the picks consistent with box ``i``; ``count`` is
    its number of distinct sensors.
    """

    box: F64
    start: I64
    picks: I64
    count: I64


def _consistent(box: F64, pv: I64, pp: I64, ps: PickSet, geo: Geometry, lim: Limits) -> I64:
    """Mask of the (box, pick) pairs whose pick could come from the box.

    This test over every (box, pick) pair is where association spends its time, so it runs
    as one compiled loop (:func:`truceline.fusion._kernels.consistent`) when numba is
    installed; :func:`_consistent_numpy` is the same test in numpy (fallback, and the
    reference the kernel is tested against). Only the breadth-first form calls it, so
    numba is imported here, not for every walk (:mod:`truceline.fusion.kernels`).
    """
    from truceline.fusion import _kernels

    if _kernels.HAVE_NUMBA and len(pv):
        return _kernels.consistent(
            box, pv, pp, ps.t, ps.sensor, ps.bearing, ps.sigma_b, geo.east, geo.north,
            geo.up, geo.sigma_t, geo.c_lo, geo.c_hi, geo.wind_u, geo.wind_v,
            geo.wind_slack, lim.assoc_sigmas, lim.model_tol_s, lim.max_range_m,
        )  # fmt: skip
    return _consistent_numpy(box, pv, pp, ps, geo, lim)


def _consistent_numpy(box: F64, pv: I64, pp: I64, ps: PickSet, geo: Geometry, lim: Limits) -> I64:
    """Reference (numpy) version of :func:`_consistent`."""
    s = ps.sensor[pp]
    sx, sy, sz = geo.east[s], geo.north[s], geo.up[s]
    b = box[pv]
    x0, x1, y0, y1, t0, t1 = (b[:, i] for i in range(6))
    dxn = np.maximum(np.maximum(x0 - sx, sx - x1), 0.0)
    dyn = np.maximum(np.maximum(y0 - sy, sy - y1), 0.0)
    dxf = np.maximum(np.abs(sx - x0), np.abs(sx - x1))
    dyf = np.maximum(np.abs(sy - y0), np.abs(sy - y1))
    hmin2 = dxn * dxn + dyn * dyn
    cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    dz = -(cx * cx + cy * cy) / (2.0 * 6_371_000.0) - sz
    dz2 = dz * dz
    dmin = np.sqrt(hmin2 + dz2)
    dmax = np.sqrt(dxf * dxf + dyf * dyf + dz2)
    ex, ey = sx - cx, sy - cy
    dist_c = np.sqrt(ex * ex + ey * ey)
    safe = np.maximum(dist_c, 1e-3)
    half = 0.5 * np.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2)
    ratio = np.minimum(half / safe, 1.0)
    wproj = (geo.wind_u * ex + geo.wind_v * ey) / safe
    wabs = float(np.hypot(geo.wind_u, geo.wind_v))
    slack = wabs * np.minimum(2.0 * ratio, 1.0) + geo.wind_slack
    tt_min = dmin / (geo.c_hi + wproj + slack)
    tt_max = dmax / (geo.c_lo + wproj - slack)
    tol = lim.assoc_sigmas * geo.sigma_t[s] + lim.model_tol_s
    t = ps.t[pp]
    ok = (t - tt_max <= t1 + tol) & (t - tt_min >= t0 - tol) & (hmin2 <= lim.max_range_m**2)
    bearing = ps.bearing[pp]
    has_b = np.isfinite(bearing)
    if has_b.any():
        az = np.arctan2(-ex, -ey)
        width = np.where(half >= safe, np.pi, np.arcsin(ratio))
        off = np.abs((bearing - az + np.pi) % (2 * np.pi) - np.pi)
        ok &= ~has_b | (off <= width + lim.assoc_sigmas * ps.sigma_b[pp])
    return np.asarray(ok)


def _occupancy(nbox: int, nsens: int, pv: I64, pp: I64, ps: PickSet) -> np.ndarray:
    """``occ[b, s]``: sensor ``s`` has a pick consistent with box ``b``."""
    occ = np.zeros((nbox, nsens), dtype=bool)
    occ[pv, ps.sensor[pp]] = True
    return occ


def _missed(box: F64, occ: np.ndarray, geo: Geometry, alive: np.ndarray) -> I64:
    """Working sensors certainly closer to the box than every sensor that heard it.

    A blast is heard first and best nearby; a box whose nearest working sensors have no
    consistent pick can only hold a chance alignment of picks from other blasts. The count
    can only grow from a box to its children (fewer hearing sensors, tighter distances), so
    every box below ``near_box_m`` is tested: a box pruned here would have no leaf below it.
    """
    sx, sy = geo.east[None, :], geo.north[None, :]
    x0, x1, y0, y1 = (box[:, i : i + 1] for i in range(4))
    dxn = np.maximum(np.maximum(x0 - sx, sx - x1), 0.0)
    dyn = np.maximum(np.maximum(y0 - sy, sy - y1), 0.0)
    dxf = np.maximum(np.abs(sx - x0), np.abs(sx - x1))
    dyf = np.maximum(np.abs(sy - y0), np.abs(sy - y1))
    dmin2 = dxn * dxn + dyn * dyn
    dmax2 = dxf * dxf + dyf * dyf
    closest = np.min(np.where(occ, dmin2, np.inf), axis=1)
    closer = alive[None, :] & ~occ & (dmax2 < closest[:, None])
    return np.asarray(closer.sum(axis=1), dtype=np.int64)


def partition(
    root: F64,
    ps: PickSet,
    geo: Geometry,
    lim: Limits,
    alive: np.ndarray | None = None,
    halo: Halo | None = None,
) -> Leaves:
    """Split ``root`` (x0, x1, y0, y1, t0, t1) down to candidate leaves.

    Boxes smaller than ``lim.near_box_m`` are also dropped when ``lim.max_missed`` or more
    working sensors (``alive``; default: those with a pick in the block) are nearer than
    all that heard it, unless they have more than ``lim.near_sensors`` sensors and not all
    their picks lie in one salvo area's windows.
    """
    nsens = len(geo.east)
    if alive is None:
        alive = np.zeros(nsens, dtype=bool)
        alive[ps.sensor] = True
    if kernels.COMPILED:
        leaves, rest = walk(np.asarray(root, dtype=np.float64), ps, geo, lim, alive, halo)
        for sub in rest[::-1]:  # the stack's top, next in depth-first order, is its last row
            leaves = _concat(leaves, partition(sub, ps, geo, lim, alive, halo))
        return leaves
    return partition_bfs(root, ps, geo, lim, alive, halo)


def walk(
    root: F64,
    ps: PickSet,
    geo: Geometry,
    lim: Limits,
    alive: np.ndarray,
    halo: Halo | None = None,
) -> tuple[Leaves, F64]:
    """One depth-first walk within ``lim.max_visits`` boxes and ``lim.max_leaf_picks``
    leaf picks: its leaves and the boxes it left.

    Dense fire (a salvo heard by every sensor) can make the tree far bigger than one
    walk's budget. The boxes still on the walk's stack are returned, to be walked in turn
    (each afresh from a pick set: a box's consistent picks are a subset of its parent's,
    so nothing is lost): the walk is split, never cut. Without numba, the breadth-first
    form runs (whose budget, ``max_boxes`` per level, keeps the best-supported boxes).
    """
    if not kernels.COMPILED:
        return partition_bfs(root, ps, geo, lim, alive, halo), np.zeros((0, 6))
    halo = Halo.none() if halo is None else halo
    box, start, picks, count, rest = kernels.partition_dfs(
        np.asarray(root, dtype=np.float64), ps.t, ps.sensor, ps.bearing, ps.sigma_b,
        geo.east, geo.north, geo.up, geo.sigma_t, alive, geo.c_lo, geo.c_hi, geo.wind_u,
        geo.wind_v, geo.wind_slack, lim.assoc_sigmas, lim.model_tol_s, lim.max_range_m,
        lim.min_sensors, lim.leaf_s, lim.near_box_m, lim.max_missed, lim.near_sensors,
        lim.max_visits, lim.max_leaf_picks, DEDUPE, BEST_START, _in_areas(ps), halo.east,
        halo.north, halo.area, lim.halo_sensors, halo.in_m,
    )  # fmt: skip
    return Leaves(box, start, picks, count), rest


def _in_areas(ps: PickSet) -> I64:
    return np.zeros(len(ps.t), dtype=np.int64) if ps.in_areas is None else ps.in_areas


def _common_areas(nbox: int, pv: I64, pp: I64, ps: PickSet) -> I64:
    """Each box's bit set of the salvo areas whose arrival windows hold all its picks."""
    common = np.full(nbox, -1, dtype=np.int64)
    np.bitwise_and.at(common, pv, _in_areas(ps)[pp])
    return common


def _halo_boxes(box: F64, common: I64, count: I64, lim: Limits, halo: Halo) -> np.ndarray:
    """Numpy form of the walk's halo test (:func:`truceline.fusion._kernels._in_halo`)
    for every box: at most ``lim.halo_sensors`` sensors, and off some area whose windows
    hold all its picks (``common``, :func:`_common_areas`)."""
    out = np.zeros(len(box), dtype=bool)
    small = (count <= lim.halo_sensors) & (common != 0)
    for a in np.unique(halo.area).tolist():
        e, n = halo.east[halo.area == a], halo.north[halo.area == a]
        dx = np.maximum(np.maximum(box[:, 0:1] - e, e - box[:, 1:2]), 0.0)
        dy = np.maximum(np.maximum(box[:, 2:3] - n, n - box[:, 3:4]), 0.0)
        near = (dx * dx + dy * dy <= halo.in_m**2).any(axis=1)
        out |= small & ((common >> a) & 1).astype(bool) & ~near
    return out


def _concat(a: Leaves, b: Leaves) -> Leaves:
    return Leaves(
        np.concatenate([a.box, b.box]),
        np.concatenate([a.start, a.start[-1] + b.start[1:]]),
        np.concatenate([a.picks, b.picks]),
        np.concatenate([a.count, b.count]),
    )


def partition_bfs(root: F64, ps: PickSet, geo: Geometry, lim: Limits, alive: np.ndarray,
                  halo: Halo | None = None) -> Leaves:  # fmt: skip
    """Breadth-first numpy form of :func:`partition` (reference and numba-less fallback)."""
    nsens = len(geo.east)
    box = np.asarray(root, dtype=np.float64).reshape(1, 6)
    pv = np.zeros(len(ps.t), dtype=np.int64)
    pp = np.arange(len(ps.t), dtype=np.int64)
    leaf_boxes: list[F64] = []
    leaf_pv: list[I64] = []
    leaf_pp: list[I64] = []
    leaf_count: list[I64] = []
    n_leaves = 0
    scale = np.array([1.0 / geo.c_hi, 1.0 / geo.c_hi, 1.0])
    while len(box) and len(pv):
        ok = _consistent(box, pv, pp, ps, geo, lim)
        pv, pp = pv[ok], pp[ok]
        occ = _occupancy(len(box), nsens, pv, pp, ps)
        count = occ.sum(axis=1)
        size = (box[:, 1::2] - box[:, 0::2]) * scale
        live = count >= lim.min_sensors
        common = _common_areas(len(box), pv, pp, ps)
        if halo is not None and lim.halo_sensors and len(halo.area):
            live &= ~_halo_boxes(box, common, count, lim, halo)
        span = np.maximum(size[:, 0], size[:, 1]) * geo.c_hi
        leafy = size.max(axis=1) <= lim.leaf_s
        near = (count <= lim.near_sensors) | (common != 0)
        small = live & ((span <= lim.near_box_m) | leafy) & near
        if small.any():
            live[small] = _missed(box[small], occ[small], geo, alive) < lim.max_missed
        if live.sum() > lim.max_boxes:
            # Safety valve for pathological density: keep the best-supported boxes.
            order = np.lexsort((np.arange(len(count)), -count))
            live[order[lim.max_boxes :]] = False
        is_leaf = live & leafy
        if is_leaf.any():
            new_id = np.cumsum(is_leaf) - 1 + n_leaves
            sel = is_leaf[pv]
            leaf_boxes.append(box[is_leaf])
            leaf_pv.append(new_id[pv[sel]])
            leaf_pp.append(pp[sel])
            leaf_count.append(count[is_leaf])
            n_leaves += int(is_leaf.sum())
        split = live & ~is_leaf
        if not split.any():
            break
        sel = split[pv]
        pv, pp = pv[sel], pp[sel]
        new_id = np.cumsum(split) - 1
        parents = box[split]
        dim = np.argmax(size[split], axis=1)
        mid = 0.5 * (
            parents[np.arange(len(parents)), 2 * dim]
            + parents[np.arange(len(parents)), 2 * dim + 1]
        )
        lower, upper = parents.copy(), parents.copy()
        rows = np.arange(len(parents))
        lower[rows, 2 * dim + 1] = mid
        upper[rows, 2 * dim] = mid
        box = np.empty((2 * len(parents), 6))
        box[0::2], box[1::2] = lower, upper
        base = 2 * new_id[pv]
        pv = np.concatenate([base, base + 1])
        pp = np.concatenate([pp, pp])
    if not n_leaves:
        empty = np.zeros(0, dtype=np.int64)
        return Leaves(np.zeros((0, 6)), np.zeros(1, dtype=np.int64), empty, empty)
    all_pv = np.concatenate(leaf_pv)
    all_pp = np.concatenate(leaf_pp)
    order = np.lexsort((all_pp, all_pv))
    start = np.searchsorted(all_pv[order], np.arange(n_leaves + 1))
    return Leaves(np.concatenate(leaf_boxes), start, all_pp[order], np.concatenate(leaf_count))
