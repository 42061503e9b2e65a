"""Sensors gone silent while the blasts around them were heard (pure, numpy).

A sensor that stops sending (a flat battery, a cut link, a shell) says nothing, and its
status stays whatever an operator last recorded: the coverage then shows a working
sensor over a quiet stretch, and silence reads as calm, the failure this project exists
to avoid. Association already stops counting such a sensor's silence as "heard nothing"
(:mod:`truceline.fusion.liveness`), but only for itself.

The evidence is physical. A well-located blast (``CHECK_SENSORS`` picks or more) heard by
sensors farther away should have been picked by a sensor nearer it than the
``NEAR_RANK``-th nearest that did (or the farthest, where fewer did). For each such
blast and each registered sensor that near, the blast is a *hit* when the sensor holds
one of its picks or has a pick within ``REACH_S`` of its predicted arrival, and a *miss*
when the sensor sent nothing at all in the block's pool (a sensor sending other picks is
no sign of being down, and its clock is the clock checks' to judge). A sensor whose
last ``DOWN_MISSES`` near blasts were all misses, with no hit since, is *silent*: down
since its first miss of the run (a working sensor seldom misses a near blast and sends
nothing else around it: on 24 simulated hours of 90 sensors, never three times in a row;
docs/fusion.md "Silent sensors").
"""

from __future__ import annotations

import numpy as np

from truceline.geo import F64

I64 = np.ndarray
NEAR_RANK = 5  # nearer than the fifth-nearest sensor that heard it: it should hear it
DOWN_MISSES = 5  # near blasts missed in a row, sending nothing, before it counts as down


def near_blasts(dist: F64, held: np.ndarray, heard: np.ndarray, silent: np.ndarray,
                listening: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(hit, miss), each (event, sensor): ``dist`` each sensor's distance from each event
    (m), ``held`` the sensors holding one of its picks, ``heard`` those with a pick
    within reach of its prediction, ``silent`` the sensors with no pick in the pool and
    ``listening`` those registered and not known late (whose silence says something)."""
    far = np.sort(np.where(held, dist, np.inf), axis=1)
    rank = np.clip(np.minimum(held.sum(axis=1), NEAR_RANK) - 1, 0, None)
    reach = far[np.arange(len(far)), rank]  # the farthest that heard it, if fewer
    near = listening[None, :] & (dist <= reach[:, None])
    hit = near & (held | heard)
    return hit, near & ~hit & silent[None, :]


class SilenceWatch:
    """Each sensor's run of near blasts missed while it sent nothing, and when it began
    (Unix s), fed block by block in the engine's order."""

    def __init__(self, n_sensors: int) -> None:
        self.run = np.zeros(n_sensors, dtype=np.int64)
        self.since = np.full(n_sensors, np.nan)
        self.heard = np.full(n_sensors, np.nan)  # its latest hit (Unix s): heard again

    def add(self, origin: F64, hit: np.ndarray, miss: np.ndarray) -> None:
        """One block's events (``origin``, Unix s) and their hits and misses."""
        for e in np.argsort(origin, kind="stable").tolist():
            self.run[hit[e]] = 0
            self.since[hit[e]] = np.nan
            self.heard[hit[e]] = origin[e]
            starts = miss[e] & (self.run == 0)
            self.since[starts] = origin[e]
            self.run[miss[e]] += 1

    def silent(self) -> I64:
        """The sensors whose last ``DOWN_MISSES`` near blasts or more were all missed."""
        return np.nonzero(self.run >= DOWN_MISSES)[0]
