"""Sensors gone silent while blasts they should have heard were heard beyond them: the
chance, hits, misses, evidence and each sensor's hearing."""

import math
from collections import Counter
from datetime import timedelta

import numpy as np
import pytest

from truceline.fusion.engine import FusionEngine
from truceline.fusion.silence import (
    DOWN_EVIDENCE,
    MEMORY,
    Blasts,
    SilenceWatch,
    blasts_at_sensors,
    hear_chance,
)
from truceline.fusion.simulate import SimulationConfig, simulate


def test_a_sensor_should_hear_a_blast_as_often_as_the_four_beyond_it_did() -> None:
    # One blast; sensors 0-7 at 1, 2, 3, 4, 5, 6, 7 and 2.5 km, 0-3 and 5 holding one of
    # its picks; 8 (at 0.5 km) is not registered, so says nothing of the others either.
    dist = np.array([[1, 2, 3, 4, 5, 6, 7, 2.5, 0.5]]) * 1e3
    held = np.array([[1, 1, 1, 1, 0, 1, 0, 0, 0]], dtype=bool)
    listening = np.array([1] * 8 + [0], dtype=bool)
    p = hear_chance(dist, held, listening)[0]
    assert p[7] == p[0] == 3 / 5  # beyond 2.5 km: 3, 4, 5 (none), 6 km; beyond 1: 2, 2.5, 3, 4
    assert p[4] == 1 / 5 and p[6] == 0.0  # beyond 5 km only 6 and 7; nothing beyond 7
    assert p[8] == 3 / 5  # its own chance, were it there


def test_a_miss_is_a_silent_listening_sensor_that_should_have_heard() -> None:
    # Sensors at 1-5 km and 9 km; 0-3 hold the blast's picks (0 sent another pick too), 4
    # has a pick at its predicted arrival; 5 (9 km, nothing beyond it) and 6 (2.5 km) sent
    # nothing in the pool, 7 (1.5 km) sent another pick, 8 (0.5 km) is not registered.
    dist = np.array([[1, 2, 3, 4, 5, 9, 2.5, 1.5, 0.5]]) * 1e3
    held = np.array([[1, 1, 1, 1, 0, 0, 0, 0, 0]], dtype=bool)
    heard = np.array([[0, 0, 0, 0, 1, 0, 0, 0, 0]], dtype=bool)
    sent = np.array([2, 1, 1, 1, 1, 0, 0, 1, 0])
    listening = np.array([1] * 8 + [0], dtype=bool)
    got = blasts_at_sensors(dist, held, heard, sent, listening)
    assert np.nonzero(got.hit[0])[0].tolist() == [0, 1, 2, 3, 4]
    assert np.nonzero(got.miss[0])[0].tolist() == [6]  # 5: none beyond heard; 7 sends; 8 absent
    assert got.chance[0, 6] == pytest.approx(2 / 5)  # beyond it: 3, 4, 5 and 9 km
    # Sending besides, whatever they made of it: 0 heard it, 7 did not; their hearing.
    # Not 6: silent, its miss must not lower its hearing (an outage excusing itself).
    assert np.nonzero(got.tally[0])[0].tolist() == [0, 7] and not got.tally[0, 6]


def _blasts(hit: list[bool], miss: list[bool], chance: float, tally: bool = False) -> Blasts:
    """One event's take at two sensors: each sensor's hit (a pick held) and miss, one
    chance for both."""
    flags = np.array([hit, miss], dtype=bool)
    return Blasts(flags[:1], flags[1:], np.full((1, 2), chance), np.full((1, 2), tally),
                  flags[:1])  # fmt: skip


def test_evidence_of_misses_makes_a_sensor_silent_from_its_first_and_a_hit_ends_it() -> None:
    watch = SilenceWatch(2)
    strong = -np.log(1 - 0.8)  # every one of the four beyond it heard the blast
    watch.add(np.array([50.0]), np.array([[55.0, 52.0]]), _blasts([0, 1], [1, 0], 0.2))
    needed = math.ceil((DOWN_EVIDENCE + np.log(1 - 0.2)) / strong)
    for k in range(needed):
        assert watch.silent().tolist() == []
        watch.add(np.array([100.0 + k]), np.full((1, 2), 110.0 + k), _blasts([0, 1], [1, 0], 0.8))
    assert watch.silent().tolist() == [0] and watch.run[0] == needed + 1
    assert watch.since[0] == 55.0  # its first missed arrival, the faint one's
    assert watch.evidence[0] == pytest.approx(-np.log(1 - 0.2) + needed * strong)
    watch.add(np.array([300.0]), np.array([[305.0, 309.0]]), _blasts([1, 0], [0, 1], 0.8))
    assert watch.silent().tolist() == [] and np.isnan(watch.since[0])  # 0 heard one
    assert watch.evidence[0] == 0.0 and watch.run[0] == 0
    assert watch.evidence[1] == pytest.approx(strong)
    assert watch.heard.tolist() == [305.0, 110.0 + needed - 1]  # when a heard blast last came


def test_a_sensor_that_hears_half_what_its_neighbours_promise_has_its_misses_weighed_so() -> None:
    # Sending all along, sensor 0 heard every other blast its neighbours promised at 0.8;
    # sensor 1, every one. A miss of sensor 0 then counts as one at half the chance.
    watch = SilenceWatch(2)
    for k in range(200):
        watch.add(np.array([k]), np.full((1, 2), k + 5.0),
                  _blasts([k % 2 == 0, True], [False, False], 0.8, tally=True))  # fmt: skip
    hearing = watch.hearing()
    assert hearing[0] == pytest.approx(0.5 / 0.8, abs=0.02) and hearing[1] == 1.0
    assert watch.expected[0] == pytest.approx(MEMORY)  # it remembers so much, no more
    watch.add(np.array([300.0]), np.full((1, 2), 305.0), _blasts([0, 0], [1, 1], 0.8))
    assert watch.evidence[0] == pytest.approx(-np.log(1 - 0.8 * hearing[0]))
    assert watch.evidence[1] == pytest.approx(-np.log(1 - 0.8))


def test_a_sensor_down_half_an_hour_is_found_silent_and_heard_again() -> None:
    """The busiest sensor of a moderate hour sends nothing from 10 to 40 minutes in: it
    is found silent from its first missed blast after 10 minutes, and heard again after
    40; the sensors silent at the end are those down in the scenario's truth."""
    sc = simulate(SimulationConfig.from_preset("moderate", seed=21, hours=1.0))
    busiest = Counter(d.sensor for d in sc.detections).most_common(1)[0][0]
    t0 = min(d.time for d in sc.detections)
    down = (t0 + timedelta(minutes=10), t0 + timedelta(minutes=40))
    dets = sorted((d for d in sc.detections
                   if d.sensor != busiest or not down[0] <= d.time < down[1]),
                  key=lambda d: (d.time, d.id))  # fmt: skip
    engine = FusionEngine(sc.sensors, sc.weather)
    found: list = []
    for m in range(70):
        engine.add([d for d in dets if t0 + timedelta(minutes=m) <= d.time
                    < t0 + timedelta(minutes=m + 1)] or [])  # fmt: skip
        engine.ready(t0 + timedelta(minutes=m))
        found += [s for s in engine.silences() if s[0] == busiest and not found]
    engine.finish()
    assert found, "the sensor was found silent"
    _, since, missed = found[0]
    assert down[0] <= since <= down[0] + timedelta(minutes=5) and missed >= 1
    # It heard the blasts near it again; those silent at the end are down in the truth.
    end = max(d.time for d in sc.detections)
    down_then = {o.sensor for o in sc.truth.outages if o.start <= end <= o.end}
    silent = {s for s, _, _ in engine.silences()}
    assert silent == down_then == {"AA-0073", "AC-0016"}  # AC-0016 down its last 15 min
