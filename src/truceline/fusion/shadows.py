"""Rounds a launch spot fired that too few sensors heard to be located (pure, numpy).

A salvo's launches heard by three or four sensors a round are found a few at a time: on
the independent moderate scenario 21 (``benchmarks/spec_scenarios.py``) 12 of a salvo's
40, while the three sensors nearest the launcher each picked 39 or 40 of its rounds. The
pairing fits the salvo's time of flight by matching its launches to its impacts, and 12
launches against 40 impacts tie that matching down only loosely: it was fitted a round
off (every pair wrong). The rounds not found are there all the same: with the spot known
from the rounds found, each pick of a sensor that heard them implies an origin time, and
two or more sensors agreeing on one (more at a spot heard by many: :func:`agreeing`) is
a round fired from the spot. These *shadow rounds* carry a time and the spot's place,
never picks of their own: the pairing counts them among the salvo's launches when it
fits the time of flight (so the matching holds all 40 rounds, and a shifted alignment
leaves a round unpaired at each end), but never pairs or reports them.
"""

from __future__ import annotations

import math

import numpy as np

from truceline.fusion.linked import linked_groups

F64 = np.ndarray
I64 = np.ndarray

SPOT_LINK_M = 30.0  # events of one spot lie within this of each other (chained)
SPOT_LINK_S = 10.0  # ... and this far apart in time (a salvo is 20 s of rounds)
SPOT_EVENTS = 3  # events that make a spot
SPOT_SPREAD_M = 3.0  # how far apart a launcher's rounds leave, besides their places' errors
SPOT_CHI2 = 9.21  # chi-square (2 dof, 0.99) of a place against the spot's
SPOT_SHARE = 0.8  # of a chain's events that must agree with its spot
MIN_SENSORS = 2  # sensors agreeing on an origin time make a shadow round
SHADOW_SHARE = 0.3  # ... and this share of the sensors that hear a found round of the spot
KNOWN_S = 0.2  # a pulse this near a found round's origin is that round
REACH_S = 10.0  # shadow rounds lie within this of the spot's found rounds


def spot_groups(east: F64, north: F64, origin: F64, cov: F64) -> list[I64]:
    """Indices of events at one spot, ``SPOT_EVENTS`` or more: chained within
    ``SPOT_LINK_M`` and ``SPOT_LINK_S``, then kept where each place agrees with the
    group's (its median) within its own error (``cov``, ``(n, 2, 2)`` east and north m²,
    widened by ``SPOT_SPREAD_M``): ``SPOT_CHI2`` at most, for ``SPOT_SHARE`` of the chain.

    A launcher fires every round from one place, within metres, so its events' places
    differ by their errors alone. A salvo's impacts land some 150 m apart, and in a dense
    impact area chains of them within 30 m formed (independent hard 27: ten impacts,
    well located, 53 m from their median at most); their places differ by far more than
    their errors, so they make no spot."""
    n = len(origin)
    if n < SPOT_EVENTS:
        return []
    d = np.hypot(east[:, None] - east[None, :], north[:, None] - north[None, :])
    link = (d <= SPOT_LINK_M) & (np.abs(origin[:, None] - origin[None, :]) <= SPOT_LINK_S)
    lab = linked_groups(link, SPOT_EVENTS)
    out: list[I64] = []
    for g in np.unique(lab[lab >= 0]).tolist():
        members = np.flatnonzero(lab == g)
        off = np.column_stack([east[members] - np.median(east[members]),
                               north[members] - np.median(north[members])])  # fmt: skip
        wide = cov[members] + SPOT_SPREAD_M**2 * np.eye(2)
        chi2 = np.einsum("ki,kij,kj->k", off, np.linalg.inv(wide), off)
        agree = members[chi2 <= SPOT_CHI2]
        if len(agree) >= SPOT_EVENTS and len(agree) >= SPOT_SHARE * len(members):
            out.append(agree)
    return out


def pulses(implied: F64, sensor: I64, width: float, min_sensors: int = MIN_SENSORS) -> F64:
    """Origin times that ``min_sensors`` or more sensors' picks agree on within ``width``
    (each pick's ``implied`` origin time at the spot): scanning the sorted times, the
    first window that spans enough sensors is one pulse (its median), and the scan goes
    on after it, so no pick counts twice."""
    order = np.argsort(implied, kind="stable")
    t, s = implied[order], sensor[order]
    ends = np.searchsorted(t, t + width, side="right")
    out: list[float] = []
    i = 0
    while i < len(t):
        j = int(ends[i])
        if j - i >= min_sensors and len(np.unique(s[i:j])) >= min_sensors:
            out.append(float(np.median(t[i:j])))
            i = j
        else:
            i += 1
    return np.array(out, dtype=np.float64)


def agreeing(hearing: F64) -> int:
    """Sensors that must agree on a pulse at a spot whose found rounds were heard by
    ``hearing`` sensors each: ``SHADOW_SHARE`` of their median, and ``MIN_SENSORS`` at least.

    A launcher's rounds leave one place and take the same paths, so the sensors that hear
    one hear most: a round of a spot heard by 11 sensors a round is not heard by two
    alone. Two sensors' free picks agreeing by chance are common where the fire is dense:
    on independent hard 37 nine pulses of two or three sensors were taken for rounds of a
    salvo whose 40 rounds were all found, seven of them in the 9 s after its last, and
    counted among its launches they stretched it to 57 rounds and bent its time of
    flight. A weakly heard salvo's rounds (four or five sensors a round) still need two.
    """
    if not len(hearing):
        return MIN_SENSORS
    return max(MIN_SENSORS, math.ceil(SHADOW_SHARE * float(np.median(hearing)) - 1e-9))


def unlocated(times: F64, known: F64) -> F64:
    """The pulses ``times`` that are none of the spot's found rounds (``known`` origin
    times, within ``KNOWN_S``) and lie within ``REACH_S`` of one of them."""
    if not len(times) or not len(known):
        return np.zeros(0, dtype=np.float64)
    gap = np.abs(times[:, None] - known[None, :]).min(axis=1)
    return np.asarray(times[(gap > KNOWN_S) & (gap <= REACH_S)], dtype=np.float64)
