"""Sensors gone silent while blasts they should have heard were heard (pure, numpy).

A sensor that stops sending (a flat battery, a cut link, a shell) says nothing, and its
status stays whatever an operator last recorded: the coverage then shows a working
sensor over a quiet stretch, and silence reads as calm, the failure this project exists
to avoid. Association already stops counting such a sensor's silence as "heard nothing"
(:mod:`truceline.fusion.liveness`), but only for itself.

The evidence is physical, and weighed. A blast fades with distance, so a sensor is at
least as likely to hear a well-located blast (``CHECK_SENSORS`` picks or more) as the
sensors just beyond it: of the ``BEYOND`` registered sensors next farther from it, the
share holding one of its picks, ``h / (BEYOND + 1)`` (conservative: ``0`` when none did,
0.8 when all did), is the chance ``p`` that it should have heard it too. The blast is a
*hit* for a sensor that holds one of its picks or has a pick within ``REACH_S`` of its
predicted arrival (a down sensor sends nothing, so any pick is proof it is sending), and
a *miss* for one with ``p > 0`` that sent nothing at all in the block's pool (a sensor
sending other picks is no sign of being down; its clock is the clock checks' to judge).
Each miss adds ``-log(1 - p · hearing)`` to the sensor's evidence, the log of how much
likelier that silence is if it is down than if it is up, where ``hearing`` (at most 1)
is how well it has heard, while sending, against what its neighbours promised; a hit
clears it. A sensor whose evidence reaches ``DOWN_EVIDENCE`` is *silent*: down since its
first missed arrival. A miss of a blast all four beyond it heard adds 1.6, so five in a
row make a sensor that hears as well as its neighbours silent, as do many blasts heard
only by some of them (docs/fusion.md "Silent sensors" gives the figures).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from truceline.geo import F64

I64 = np.ndarray
BEYOND = 4  # the sensors next beyond a sensor that say how audible a blast was there
DOWN_EVIDENCE = 7.0  # log-likelihood of its silence, down against up, to count as down
PRIOR = 2.0  # expected picks, all held, a sensor is credited with before any tally
MEMORY = 40.0  # expected picks the hearing tallies remember


def hear_chance(dist: F64, held: np.ndarray, listening: np.ndarray) -> F64:
    """(event, sensor): the chance each sensor should have heard each event, the share
    of the ``BEYOND`` listening sensors next farther from it that hold one of its picks
    (``held``), over ``BEYOND + 1``.

    Only held picks count: a pick merely near a prediction is often another blast's in
    a busy stretch (a salvo's rounds come every half second), and counting those made
    sensors 30 km from a salvo, beyond any hearing, seem to hear it. Nor are the
    neighbours chosen by whether they sent anything (one that heard the blast always
    did), which would make every blast seem heard by all."""
    n_ev, n_s = dist.shape
    out = np.zeros((n_ev, n_s))
    for e in range(n_ev):
        order = np.argsort(dist[e], kind="stable")
        pos = np.nonzero(listening[order])[0]  # the listening sensors, nearest first
        counted = np.concatenate([[0], np.cumsum(held[e, order][pos])])
        first = np.searchsorted(pos, np.arange(n_s), side="right")  # next beyond each
        last = np.minimum(first + BEYOND, len(pos))
        out[e, order] = (counted[last] - counted[first]) / (BEYOND + 1)
    return out


class Blasts(NamedTuple):
    """One block's well-located events as its sensors took them (each (event, sensor))."""

    hit: np.ndarray  # it holds one of the event's picks, or has a pick at its arrival
    miss: np.ndarray  # it sent nothing in the pool, though it should have heard it
    chance: F64  # how likely it was to hear it, as a sensor as good as its neighbours
    tally: np.ndarray  # it sent other picks in the pool: whether it held one of the ...
    held: np.ndarray  # ... event's picks says how well it hears


def blasts_at_sensors(dist: F64, held: np.ndarray, heard: np.ndarray, sent: I64,
                      listening: np.ndarray) -> Blasts:  # fmt: skip
    """How each sensor took each event: ``dist`` each sensor's distance from each event
    (m), ``held`` the sensors holding one of its picks, ``heard`` those with a pick
    within reach of its prediction, ``sent`` each sensor's picks in the pool and
    ``listening`` the sensors registered and not known late (whose silence says
    something)."""
    got = held | heard
    hit = listening[None, :] & got
    p = hear_chance(dist, held, listening)
    silent = sent == 0
    miss = listening[None, :] & silent[None, :] & ~hit & (p > 0)
    tally = listening[None, :] & (p > 0) & (sent[None, :] - got >= 1)
    return Blasts(hit, miss, p, tally, held)


class SilenceWatch:
    """Each sensor's evidence of silence, its run of blasts missed while it sent
    nothing, and when that began (the first missed arrival, Unix s), fed block by block
    in the engine's order; and how well each hears against its neighbours.

    That last is what keeps a sensor that hears less than its neighbours (a worse
    microphone, a valley) from being taken for a silent one: its faint misses would
    add up. Where a sensor sent other picks in the pool (it was sending, whatever it
    made of this blast), whether it held one of the blast's picks is tallied against the
    chance: a sensor that held half of what its neighbours promised has each miss
    weighed at half the chance. A better one is weighed as its neighbours (the chance
    is already a lower bound). The tallies forget beyond ``MEMORY`` expected picks, and
    only move while the sensor sends, so an outage does not excuse itself."""

    def __init__(self, n_sensors: int) -> None:
        self.run = np.zeros(n_sensors, dtype=np.int64)
        self.evidence = np.zeros(n_sensors)
        self.since = np.full(n_sensors, np.nan)
        self.heard = np.full(n_sensors, np.nan)  # its latest hit (Unix s): heard again
        self.expected = np.zeros(n_sensors)  # the chances of the blasts tallied ...
        self.got = np.zeros(n_sensors)  # ... and of how many it held a pick

    def hearing(self) -> F64:
        """Each sensor's hearing against its neighbours', at most 1 (``PRIOR`` expected
        picks, all held, before any tally)."""
        return np.minimum((self.got + PRIOR) / (self.expected + PRIOR), 1.0)

    def add(self, origin: F64, arrival: F64, blasts: Blasts) -> None:
        """One block's events (``origin``, Unix s), when each reached each sensor
        (``arrival``, Unix s), and how each sensor took them. A silence begins at its
        first missed arrival, not at the blast: a blast 30 km away reached a sensor 90 s
        on, when it may have been down already."""
        hit, miss = blasts.hit, blasts.miss
        for e in np.argsort(origin, kind="stable").tolist():
            self.run[hit[e]] = 0
            self.evidence[hit[e]] = 0.0
            self.since[hit[e]] = np.nan
            self.heard[hit[e]] = arrival[e, hit[e]]
            starts = miss[e] & (self.run == 0)
            self.since[starts] = arrival[e, starts]
            self.run[miss[e]] += 1
            p = np.where(miss[e], blasts.chance[e] * self.hearing(), 0.0)
            self.evidence -= np.log1p(-p)
            self._tally(blasts.tally[e], blasts.chance[e], blasts.held[e])

    def _tally(self, tally: np.ndarray, chance: F64, held: np.ndarray) -> None:
        """Add one event's tallied chances and the picks held, forgetting beyond
        ``MEMORY``. Held, as for the chance: a pick merely near the prediction, in a
        salvo, is as often another round's (every half second), and counting those made
        a sensor hearing half its neighbours' rounds seem to hear them all."""
        self.expected += np.where(tally, chance, 0.0)
        self.got += tally & held
        over = self.expected > MEMORY
        scale = MEMORY / self.expected[over]
        self.expected[over] *= scale
        self.got[over] *= scale

    def silent(self) -> I64:
        """The sensors whose evidence of silence reached ``DOWN_EVIDENCE``."""
        return np.nonzero(self.evidence >= DOWN_EVIDENCE)[0]
