"""Salvo areas and the ghosts around them (pure, numpy/scipy).

A salvo lands some forty rounds within a few hundred metres in twenty seconds, and every
sensor that hears it has a pick every half second. Picks of *different* rounds then line
up, four or five at a time, into "ghosts": well-fitting events away from the impact area,
their origin time shifted by the travel time of the offset (a network on one side of a
source tells range from time poorly), most of them 0.5–2.5 km away, some 3–11 km. On
moderate seed 2, 19 events held no majority of any one blast's picks, 17 of them made of
picks of its one salvo (heard by 5–8 sensors a round), and the rounds they robbed of
picks were lost or paired with the wrong launch. Their chance probabilities (2e-6 to 8e-5, from
:func:`~truceline.fusion.associate._chance_p`) pass the usual ``max_chance_p``, because
that test is local: it knows the pick rate around a candidate, not that a dense source
nearby makes some such alignment certain.

A *salvo area* is a cluster of at least ``AREA_MIN`` well-heard events (``AREA_PICKS``
picks or more, which chance does not line up) chained within ``LINK_M`` and ``LINK_S``.
Its *arrival window* at a sensor spans its members' predicted arrivals there, widened by
``WINDOW_PAD_S`` (rounds before the first and after the last member found). A small
candidate (at most ``small_event_sensors``) that lies farther than ``HALO_IN_M`` from every
member of an area while *all* its picks fall in that area's windows is made only of picks
the salvo could have made: it is taken as a ghost unless it is less likely than
``halo_chance_p`` to be chance (:func:`~truceline.fusion.associate._accept`). Rounds of
the salvo itself lie within ``HALO_IN_M`` of a member (they land 150 m apart along the
line of fire, 75 m across) and keep the usual test; so does fire elsewhere, whose picks
fall outside the salvo's windows at some sensor.

A salvo heard by too few sensors a round forms no area, and its launch picks mix with its
impact picks, which no one area's windows hold: on moderate seed 38 (unseen) a salvo far
outside the network, heard by 0–8 sensors a round, left 33 such ghosts 4–18 km off (recall
0.923, precision 0.916). So once a block's passes are done, a small event is a *stray*
(:func:`strays`) when it is a suspect, namely

- not unlikely as chance (``halo_chance_p`` or more),
- every pick of it in a *burst* at its sensor (``BURST_MIN`` picks or more within
  ``BURST_S``; a sensor hearing a salvo picks every half second, one hearing ordinary fire
  every half minute or so),
- farther than ``HALO_IN_M`` from every area member,

and it stands alone: no event within ``SOUND_M`` but other suspects off every member,
nor any other event within ``TWIN_M``, in ``NEAR_S`` of its origin time. A weakly heard salvo's true
rounds are found at one spot, tens of metres apart (hard seed 15's launches); its ghosts
scatter, although the ghosts of one salvo, made of the same picks, fall near one another
more often than chance (within 300 m on moderate seeds 7 and 38). A weakly heard salvo's
*impacts*, though, land a few hundred metres apart, and those found one by one are strays
too: the weak stage seeks their area again once the strays are dropped
(:func:`truceline.fusion.associate._weak_areas`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truceline.fusion.linked import linked_groups
from truceline.geo import F64

AREA_MIN = 4
AREA_PICKS = 6
LINK_M = 600.0
LINK_S = 10.0
HALO_IN_M = 400.0
WINDOW_PAD_S = 10.0
MAX_AREAS = 62  # areas :func:`window_bits` can tell apart (bits of an int64)
BURST_S = 5.0
BURST_MIN = 3
SOUND_M = 1000.0
TWIN_M = 100.0
NEAR_S = 30.0


@dataclass(frozen=True, slots=True)
class Areas:
    """Salvo areas: their members' ECEF positions and area index, and each area's
    arrival window ``[lo, hi]`` at every sensor (block-relative seconds)."""

    ecef: F64  # (M, 3)
    area: np.ndarray  # (M,) index into lo/hi
    lo: F64  # (A, S)
    hi: F64  # (A, S)

    @classmethod
    def none(cls) -> Areas:
        return cls(np.zeros((0, 3)), np.zeros(0, dtype=np.int64), np.zeros((0, 0)),
                   np.zeros((0, 0)))  # fmt: skip


def salvo_areas(ecef: F64, origin: F64, n_picks: np.ndarray, arrival: F64) -> Areas:
    """The salvo areas among events (ECEF, origin time, pick count, predicted arrival at
    every sensor)."""
    strong = np.flatnonzero(n_picks >= AREA_PICKS)
    if len(strong) < AREA_MIN:
        return Areas.none()
    pos, t = ecef[strong], origin[strong]
    dist = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=2)
    label = linked_groups((dist <= LINK_M) & (np.abs(t[:, None] - t[None, :]) <= LINK_S),
                          AREA_MIN)  # fmt: skip
    keep = label >= 0
    if not keep.any():
        return Areas.none()
    _, area = np.unique(label[keep], return_inverse=True)
    return _areas(pos[keep], area, arrival[strong][keep])


def area_of(ecef: F64, arrival: F64) -> Areas:
    """One area of the given members (ECEF, predicted arrival at every sensor), its
    windows as :func:`salvo_areas` gives each of its areas."""
    return _areas(ecef, np.zeros(len(ecef), dtype=np.int64), arrival)


def _areas(ecef: F64, area: np.ndarray, arrival: F64) -> Areas:
    """Areas of members (``area`` their index): each area's window at a sensor spans its
    members' predicted arrivals there, widened by ``WINDOW_PAD_S``."""
    n_areas = int(area.max()) + 1
    lo = np.full((n_areas, arrival.shape[1]), np.inf)
    hi = np.full((n_areas, arrival.shape[1]), -np.inf)
    np.minimum.at(lo, area, arrival)
    np.maximum.at(hi, area, arrival)
    return Areas(ecef, area, lo - WINDOW_PAD_S, hi + WINDOW_PAD_S)


def in_halo(areas: Areas, ecef: F64, sensor: np.ndarray, t: F64, mask: np.ndarray) -> np.ndarray:
    """Whether each candidate (ECEF; its picks' sensors and times, ``(C, K)`` with
    ``mask``) lies off a salvo area while all its picks fall in that area's windows."""
    n = len(ecef)
    if not len(areas.area) or not n:
        return np.zeros(n, dtype=bool)
    dist = np.linalg.norm(ecef[:, None, :] - areas.ecef[None, :, :], axis=2)  # (C, M)
    n_areas = len(areas.lo)
    near = np.full((n, n_areas), np.inf)
    for a in range(n_areas):
        near[:, a] = dist[:, areas.area == a].min(axis=1)
    inside = (areas.lo[:, sensor] <= t[None]) & (t[None] <= areas.hi[:, sensor])  # (A, C, K)
    covered = np.all(inside | ~mask[None], axis=2).T  # (C, A)
    held: np.ndarray = np.any(covered & (near > HALO_IN_M), axis=1)
    return held


def window_bits(areas: Areas, sensor: np.ndarray, t: F64) -> np.ndarray:
    """Each pick's bit set (int64) of the areas (the first ``MAX_AREAS``) whose arrival
    window at its sensor holds it: the partition walk drops boxes whose picks share a
    bit (:class:`truceline.fusion.partition.Halo`)."""
    out = np.zeros(len(t), dtype=np.int64)
    for a in range(min(len(areas.lo), MAX_AREAS)):
        out |= in_window(areas, a, sensor, t).astype(np.int64) << a
    return out


def in_window(areas: Areas, a: int, sensor: np.ndarray, t: F64) -> np.ndarray:
    """Whether each pick (its sensor and time) lies in area ``a``'s arrival window."""
    return np.asarray((areas.lo[a, sensor] <= t) & (t <= areas.hi[a, sensor]))


def in_bursts(keys: F64, picks: F64) -> np.ndarray:
    """Whether each pick lies in a burst at its sensor: ``BURST_MIN`` picks or more, its own
    included, within ``BURST_S`` of it. ``keys`` are every pick of the block as ``sensor ·
    span + t``, sorted, and ``picks`` those to test in the same form (the span parts
    sensors, so a window never reaches into the next sensor's picks)."""
    count = np.searchsorted(keys, picks + BURST_S) - np.searchsorted(keys, picks - BURST_S)
    return np.asarray(count >= BURST_MIN)


def strays(ecef: F64, origin: F64, suspect: np.ndarray, members: F64) -> np.ndarray:
    """Which events (ECEF, origin time) are stray ghosts: ``suspect`` (small, not unlikely
    as chance, every pick in a burst), off every area member (``members``, ECEF), and alone
    (see the module's docstring)."""
    off = suspect.copy()
    if len(members) and off.any():
        gap = np.linalg.norm(ecef[off, None, :] - members[None, :, :], axis=2).min(axis=1)
        off[off] = gap > HALO_IN_M
    rows = np.flatnonzero(off)
    if not len(rows):
        return off
    dist = np.linalg.norm(ecef[rows, None, :] - ecef[None, :, :], axis=2)  # (R, N)
    dist[np.arange(len(rows)), rows] = np.inf
    near = np.abs(origin[rows, None] - origin[None, :]) <= NEAR_S
    sound = near & ~off[None, :] & (dist <= SOUND_M)
    twin = near & (dist <= TWIN_M)
    out = np.zeros(len(ecef), dtype=bool)
    out[rows] = ~(sound.any(axis=1) | twin.any(axis=1))
    return out
