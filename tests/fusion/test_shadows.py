import numpy as np

from truceline.fusion import shadows


def test_events_at_one_spot_group_and_an_impact_area_does_not() -> None:
    # Five launches from one spot (within metres), 0.5-3 s apart; a salvo's impacts,
    # 25 m apart and well located (1 m), chained within 30 m; three shots from another
    # spot a minute later, each placed within 5 m (a 5 m error).
    rng = np.random.default_rng(1)
    east = np.concatenate([rng.normal(0.0, 3.0, 5), 12_000.0 + 20.0 * np.arange(6),
                           [2.0, -4.0, 1.0]])  # fmt: skip
    north = np.concatenate([rng.normal(0.0, 3.0, 5), 15.0 * (np.arange(6) % 2), [0.0, 3.0, -2.0]])
    origin = np.array([0.0, 0.5, 2.0, 5.0, 8.0, 40.0, 40.5, 41.0, 41.5, 42.0, 42.5,
                       70.0, 71.0, 72.0])  # fmt: skip
    cov = np.array([np.eye(2) * 4.0] * 5 + [np.eye(2)] * 6 + [np.eye(2) * 25.0] * 3)
    groups = [g.tolist() for g in shadows.spot_groups(east, north, origin, cov)]
    assert groups == [[0, 1, 2, 3, 4], [11, 12, 13]]  # 62 s apart: two spots in time
    # the impacts placed as poorly as the spread of their area: one spot to the test
    cov[5:11] = np.eye(2) * 50.0**2
    assert [5, 6, 7, 8, 9, 10] in [g.tolist() for g in
                                   shadows.spot_groups(east, north, origin, cov)]  # fmt: skip
    # one stray of eight (a mixture placed 25 m off) is dropped; two of eight, no spot
    e8, n8, t8 = np.r_[np.zeros(7), 25.0], np.zeros(8), np.arange(8.0)
    c8 = np.array([np.eye(2) * 4.0] * 8)
    assert [g.tolist() for g in shadows.spot_groups(e8, n8, t8, c8)] == [list(range(7))]
    e8[6] = 25.0
    assert shadows.spot_groups(e8, n8, t8, c8) == []


def test_a_pulse_needs_two_sensors_and_no_pick_counts_twice() -> None:
    width = 0.05
    implied = np.array([1.000, 1.010, 1.020,  # three sensors agree
                        2.000, 2.004,  # one sensor's two picks: no pulse
                        3.000, 3.030, 3.045,  # two sensors, then a third just within
                        4.000, 4.200])  # fmt: skip
    sensor = np.array([0, 1, 2, 3, 3, 0, 1, 2, 0, 1])
    got = shadows.pulses(implied, sensor, width)
    assert np.allclose(got, [1.010, 3.030])
    # in any order, the same pulses
    perm = np.random.default_rng(0).permutation(len(implied))
    assert np.allclose(shadows.pulses(implied[perm], sensor[perm], width), got)
    assert np.allclose(shadows.pulses(implied, sensor, width, min_sensors=3), [1.010, 3.030])
    assert len(shadows.pulses(implied, sensor, 0.01, min_sensors=3)) == 0


def test_unlocated_pulses_are_near_the_spots_rounds_and_none_of_them() -> None:
    known = np.array([10.0, 12.5])
    times = np.array([-1.0, 0.5, 10.1, 11.0, 12.0, 12.6, 22.4, 23.0])
    assert np.allclose(shadows.unlocated(times, known), [0.5, 11.0, 12.0, 22.4])
    assert len(shadows.unlocated(times, np.zeros(0))) == 0
    assert len(shadows.unlocated(np.zeros(0), known)) == 0


def test_just_enough_events_at_one_spot_make_it_and_one_fewer_none() -> None:
    east, north = np.zeros(shadows.SPOT_EVENTS), np.zeros(shadows.SPOT_EVENTS)
    origin = np.arange(float(shadows.SPOT_EVENTS))
    cov = np.array([np.eye(2)] * shadows.SPOT_EVENTS)
    groups = shadows.spot_groups(east, north, origin, cov)
    assert [g.tolist() for g in groups] == [list(range(shadows.SPOT_EVENTS))]
    # one fewer, beside as many at another spot 5 km off: two spots too small, none
    k = shadows.SPOT_EVENTS - 1
    east = np.r_[np.zeros(k), np.full(k, 5_000.0)]
    origin = np.r_[np.arange(float(k)), np.arange(float(k))]
    cov = np.array([np.eye(2)] * len(east))
    assert shadows.spot_groups(east, np.zeros(len(east)), origin, cov) == []


def test_a_spot_heard_by_many_sensors_a_round_needs_more_of_them_to_agree() -> None:
    """A launcher's rounds take the same paths, so a round of a spot that eleven sensors
    hear a round is not heard by two alone: its pulses need four (``SHADOW_SHARE``); a
    weakly heard salvo's (four or five sensors a round) still two."""
    assert shadows.agreeing(np.array([4.0, 5.0, 4.0])) == shadows.MIN_SENSORS == 2
    assert shadows.agreeing(np.array([7.0])) == 3
    assert shadows.agreeing(np.array([11.0, 10.0, 13.0, 11.0])) == 4
    assert shadows.agreeing(np.zeros(0)) == shadows.MIN_SENSORS
    # Two sensors agreeing are a round of the weakly heard spot, none of the busy one's.
    implied, sensor = np.array([5.000, 5.010]), np.array([0, 1])
    weak = shadows.agreeing(np.array([4.0, 5.0]))
    busy = shadows.agreeing(np.array([11.0, 12.0]))
    assert len(shadows.pulses(implied, sensor, 0.05, weak)) == 1
    assert len(shadows.pulses(implied, sensor, 0.05, busy)) == 0
