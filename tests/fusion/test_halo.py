"""Salvo areas and the ghost halo around them."""

import numpy as np

from truceline.fusion.halo import (
    AREA_MIN,
    BURST_S,
    HALO_IN_M,
    NEAR_S,
    SOUND_M,
    TWIN_M,
    WINDOW_PAD_S,
    in_bursts,
    in_halo,
    salvo_areas,
    strays,
    window_bits,
)


def _line(n: int, step_m: float, step_s: float, x0: float = 0.0) -> tuple[np.ndarray, ...]:
    """``n`` events ``step_m`` apart along x (ECEF-like metres), ``step_s`` apart in time,
    with arrivals at two sensors 10 s and 20 s after their origins."""
    ecef = np.zeros((n, 3))
    ecef[:, 0] = x0 + step_m * np.arange(n)
    origin = step_s * np.arange(n)
    arrival = origin[:, None] + np.array([10.0, 20.0])[None, :]
    return ecef, origin, arrival


def test_a_salvo_area_is_a_chain_of_enough_well_heard_events() -> None:
    ecef, origin, arrival = _line(5, 200.0, 2.0)
    areas = salvo_areas(ecef, origin, np.full(5, 8), arrival)
    assert len(areas.area) == 5 and len(areas.lo) == 1
    assert np.allclose(areas.lo[0], [10.0 - WINDOW_PAD_S, 20.0 - WINDOW_PAD_S])
    assert np.allclose(areas.hi[0], [18.0 + WINDOW_PAD_S, 28.0 + WINDOW_PAD_S])
    # Too few, too weakly heard, or too far apart: no area.
    assert len(salvo_areas(ecef[:3], origin[:3], np.full(3, 8), arrival[:3]).area) == 0
    assert len(salvo_areas(ecef, origin, np.array([8, 8, 8, 5, 5]), arrival).area) == 0
    far, _, _ = _line(5, 900.0, 2.0)
    assert len(salvo_areas(far, origin, np.full(5, 8), arrival).area) == 0


def test_a_chain_of_just_enough_events_each_linked_to_its_neighbours_is_an_area() -> None:
    # 500 m apart: each event links to the next only (1 km to the next but one), so only
    # AREA_MIN events have a link besides their own, and they make one area; three
    # chains of three (nine linked events, no chain long enough) make none.
    ecef, origin, arrival = _line(AREA_MIN, 500.0, 2.0)
    areas = salvo_areas(ecef, origin, np.full(AREA_MIN, 8), arrival)
    assert np.bincount(areas.area).tolist() == [AREA_MIN]
    parts = [_line(3, 500.0, 2.0, x0=20_000.0 * k) for k in range(3)]
    ecef, origin, arrival = (np.concatenate([p[i] for p in parts]) for i in range(3))
    assert len(salvo_areas(ecef, origin, np.full(9, 8), arrival).area) == 0


def test_two_salvos_make_two_areas_each_with_its_own_windows() -> None:
    a = _line(4, 100.0, 1.0)
    b = _line(4, 100.0, 1.0, x0=50_000.0)
    ecef = np.concatenate([a[0], b[0]])
    origin = np.concatenate([a[1], b[1] + 100.0])
    arrival = np.concatenate([a[2], b[2] + 100.0])
    areas = salvo_areas(ecef, origin, np.full(8, 7), arrival)
    assert len(areas.lo) == 2
    assert sorted(np.bincount(areas.area).tolist()) == [4, 4]
    assert sorted(areas.lo[:, 0].tolist()) == [10.0 - WINDOW_PAD_S, 110.0 - WINDOW_PAD_S]


def test_the_halo_holds_candidates_off_the_area_made_only_of_its_picks() -> None:
    ecef, origin, arrival = _line(5, 100.0, 2.0)
    areas = salvo_areas(ecef, origin, np.full(5, 8), arrival)
    cand = np.array([[1_500.0, 0.0, 0.0], [200.0, 50.0, 0.0], [1_500.0, 0.0, 0.0]])
    sensor = np.array([[0, 1], [0, 1], [0, 1]])
    t = np.array([[12.0, 25.0], [12.0, 25.0], [12.0, 60.0]])  # the last: one pick outside
    mask = np.ones((3, 2), dtype=bool)
    assert in_halo(areas, cand, sensor, t, mask).tolist() == [True, False, False]
    # A masked-out (padding) pick does not count; with no area nothing is in a halo.
    mask[2, 1] = False
    assert in_halo(areas, cand, sensor, t, mask).tolist() == [True, False, True]
    none = salvo_areas(ecef[:2], origin[:2], np.full(2, 8), arrival[:2])
    assert not in_halo(none, cand, sensor, t, mask).any()
    assert HALO_IN_M < 1_500.0


def test_each_pick_carries_the_bits_of_the_areas_whose_windows_hold_it() -> None:
    """Two areas 100 s apart: a pick inside the first's window at its sensor has bit 0,
    inside the second's bit 1, outside both none; the same time at the other sensor,
    whose windows lie 10 s later, can fall outside."""
    a = _line(4, 100.0, 1.0)
    b = _line(4, 100.0, 1.0, x0=50_000.0)
    areas = salvo_areas(np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1] + 100.0]),
                        np.full(8, 7), np.concatenate([a[2], b[2] + 100.0]))  # fmt: skip
    first = int(np.argmin(areas.lo[:, 0]))
    sensor = np.array([0, 0, 0, 1])
    t = np.array([5.0, 115.0, 60.0, 5.0])  # sensor 1's first window starts at 20 − 10 s
    bits = window_bits(areas, sensor, t)
    assert bits.tolist() == [1 << first, 1 << (1 - first), 0, 0]


def test_a_pick_is_in_a_burst_when_its_sensor_picks_often_around_it() -> None:
    span = 1e4  # keys are sensor · span + t, as the association builds them
    salvo = 0 * span + np.arange(0.0, 10.0, 0.5)  # sensor 0 hears a salvo
    sparse = 1 * span + np.array([0.0, 40.0, 40.0 + BURST_S + 1.0])  # sensor 1: ordinary fire
    keys = np.sort(np.concatenate([salvo, sparse]))
    assert in_bursts(keys, salvo).all()
    assert not in_bursts(keys, sparse).any()
    # The window never reaches into another sensor's picks: sensor 1's first pick at 0 s
    # has sensor 0's salvo on the same clock but not on the same sensor.
    assert not in_bursts(keys, np.array([1 * span + 0.0]))[0]


def _events(*xs: float, t: tuple[float, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
    ecef = np.zeros((len(xs), 3))
    ecef[:, 0] = xs
    return ecef, np.zeros(len(xs)) if t is None else np.asarray(t)


def test_a_suspect_alone_is_a_stray_and_company_spares_it() -> None:
    none = np.zeros((0, 3))
    # Alone: a stray; not a suspect: kept whatever its company.
    ecef, origin = _events(0.0, 50_000.0)
    assert strays(ecef, origin, np.array([True, False]), none).tolist() == [True, False]
    # A sound event (not a suspect) within SOUND_M and NEAR_S spares it ...
    ecef, origin = _events(0.0, SOUND_M - 10.0)
    assert strays(ecef, origin, np.array([True, False]), none).tolist() == [False, False]
    # ... but not one farther away, or later than NEAR_S.
    ecef, origin = _events(0.0, SOUND_M + 10.0)
    assert strays(ecef, origin, np.array([True, False]), none).tolist() == [True, False]
    ecef, origin = _events(0.0, 10.0, t=(0.0, NEAR_S + 1.0))
    assert strays(ecef, origin, np.array([True, False]), none).tolist() == [True, False]
    # Two suspects spare each other only as twins (rounds at one spot), not as neighbours.
    ecef, origin = _events(0.0, TWIN_M - 10.0)
    assert strays(ecef, origin, np.array([True, True]), none).tolist() == [False, False]
    ecef, origin = _events(0.0, TWIN_M + 10.0)
    assert strays(ecef, origin, np.array([True, True]), none).tolist() == [True, True]


def test_a_suspect_near_a_salvo_area_member_is_a_round_not_a_stray() -> None:
    ecef, origin = _events(0.0, 30_000.0)
    members = np.array([[HALO_IN_M - 10.0, 0.0, 0.0]])
    assert strays(ecef, origin, np.array([True, True]), members).tolist() == [False, True]
