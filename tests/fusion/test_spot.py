import numpy as np
from fusion_synth import LAT0, LON0, enu_to_latlon, grid_network

from truceline.fusion.locate import Frame
from truceline.fusion.network import WeatherAt
from truceline.fusion.propagation import sound_speed
from truceline.fusion.spot import (
    Lag,
    busy_spans,
    fit_at_spot,
    grid_starts,
    lag_covariance,
    locate_spot,
    pair_peak,
    sensor_lags,
    slowness,
    travel_times,
)
from truceline.geo import ecef_to_enu, geodetic_to_ecef

WEATHER = WeatherAt(temperature_c=3.0, wind_u_ms=5.0, wind_v_ms=-2.0)


def _sharp_lag(a: np.ndarray, b: np.ndarray, max_lag: float) -> float | None:
    """The lag of ``a − b`` when its peak holds 8 or more pick pairs and is sharp (the
    rule alone, without triangles)."""
    peak = pair_peak(a, b, max_lag, 0.026)
    return peak.lag if peak is not None and peak.count >= 8 and peak.sharp else None


def _trains(rng: np.random.Generator, lags: list[float], n: int = 30) -> list[np.ndarray]:
    """Picks of ``n`` rounds 0.5 s apart (plus up to 0.125 s of jitter) at sensors whose
    arrivals lag the first by ``lags``, each pick timed to 2 ms."""
    launch = 0.5 * np.arange(n) + rng.uniform(0.0, 0.125, n)
    return [launch + lag + rng.normal(0.0, 0.002, n) for lag in lags]


def test_the_lag_of_a_salvo_at_two_sensors_is_its_sharp_peak() -> None:
    # Shifted by a round the differences spread over the launch cadence's jitter; at the
    # true lag every round agrees to the timing errors.
    rng = np.random.default_rng(1)
    a, b = _trains(rng, [3.2, 1.1])
    lag = _sharp_lag(a, b, 10.0)
    assert lag is not None and abs(lag - 2.1) < 0.005
    assert _sharp_lag(a, b, 1.0) is None  # the true lag is out of reach


def test_sources_spread_in_place_have_no_sharp_lag() -> None:
    # A salvo's impacts land some 150 m apart: their lags at two sensors spread over
    # ±0.4 s, and no window of 26 ms holds 8 of 30.
    rng = np.random.default_rng(2)
    t = 0.5 * np.arange(30) + rng.uniform(0.0, 0.125, 30)
    a = t + 3.2 + rng.normal(0.0, 0.4, 30)
    b = t + 1.1 + rng.normal(0.0, 0.4, 30)
    assert _sharp_lag(a, b, 10.0) is None


def test_lags_place_a_launcher_outside_the_network() -> None:
    ecef, spot = _launcher(6, -9_000.0, 1_500.0)
    arrival = travel_times(ecef, spot, WEATHER)
    rng = np.random.default_rng(3)
    lags = sensor_lags(_trains(rng, list(arrival)), np.full((6, 6), 30.0), 0.026, 8)
    assert len(lags) == 15 and min(lag.count for lag in lags) >= 28
    start = enu_to_latlon(-7_000.0, 0.0)
    got = locate_spot(lags, ecef, (*start, 175.0), WEATHER, max_rms_s=0.026,
                      max_shift_m=5_000.0)  # fmt: skip
    assert got is not None
    err = np.linalg.norm(geodetic_to_ecef(*got) - geodetic_to_ecef(*spot))
    assert err < 15.0
    assert locate_spot(lags, ecef, (*start, 175.0), WEATHER, max_rms_s=0.026,
                       max_shift_m=1_000.0) is None  # fmt: skip


def test_a_regular_cadence_heard_patchily_is_placed_by_lags_that_close() -> None:
    # Rounds every 0.5 s with under 0.1 s of jitter, each heard by three sensors in
    # five: the pairing shifted by one round holds up to half the true peak's count,
    # so most pairs fail the sharpness test alone; their peaks still add up around
    # every triangle of sensors, and together place the launcher.
    ecef, spot = _launcher(5, -9_000.0, 1_500.0)
    arrival = travel_times(ecef, spot, WEATHER)
    rng = np.random.default_rng(4)
    launch = 0.5 * np.arange(40) + rng.uniform(0.0, 0.1, 40)
    times = []
    for lag in arrival:
        heard = rng.random(40) < 0.6
        times.append(launch[heard] + lag + rng.normal(0.0, 0.002, int(heard.sum())))
    pairs = [(i, j) for i in range(5) for j in range(i + 1, 5)]
    sharp = [_sharp_lag(times[i], times[j], 30.0) for i, j in pairs]
    assert sum(peak is not None for peak in sharp) <= 2  # too few to place a spot
    lags = sensor_lags(times, np.full((5, 5), 30.0), 0.026, 8)
    assert len(lags) >= 9
    assert all(abs(lag.lag - (arrival[lag.i] - arrival[lag.j])) < 0.005 for lag in lags)
    got = locate_spot(lags, ecef, (*enu_to_latlon(-7_000.0, 0.0), 175.0), WEATHER,
                      max_rms_s=0.026, max_shift_m=5_000.0)  # fmt: skip
    assert got is not None
    assert np.linalg.norm(geodetic_to_ecef(*got) - geodetic_to_ecef(*spot)) < 15.0


def test_lags_that_disagree_place_no_spot() -> None:
    ecef, _ = _launcher(4, 0.0, 0.0)
    # t1 − t0 = 1, t2 − t1 = 1, yet t2 − t0 = 5: no source has those lags.
    lags = [Lag(0, 1, -1.0, 20), Lag(1, 2, -1.0, 20), Lag(0, 2, -5.0, 20)]
    assert locate_spot(lags, ecef, (LAT0, LON0, 175.0), WEATHER, max_rms_s=0.026,
                       max_shift_m=5_000.0) is None  # fmt: skip


def test_a_sensor_hearing_a_salvo_is_busy_over_its_rounds() -> None:
    # Sensor 2 picks 12 rounds half a second apart among sparse other picks; sensor 0
    # picks as often as a busy front makes it, once a minute; sensor 1 holds seven picks
    # within 20 s, one short.
    rounds = 100.0 + 0.5 * np.arange(12)
    t = np.concatenate([60.0 * np.arange(5), 30.0 + 2.5 * np.arange(7), [10.0, 300.0], rounds])
    sensor = np.concatenate([np.zeros(5), np.ones(7), [2, 2], np.full(12, 2)]).astype(np.int64)
    order = np.random.default_rng(5).permutation(len(t))
    busy, lo, hi = busy_spans(t[order], sensor[order], 20.0, 8)
    assert busy.tolist() == [2]
    assert (lo[0], hi[0]) == (100.0, 105.5)
    assert len(busy_spans(t, sensor, 20.0, 13)[0]) == 0
    assert len(busy_spans(np.zeros(0), np.zeros(0, dtype=np.int64), 20.0, 8)[0]) == 0


def test_the_best_grid_start_lies_next_to_the_spot_that_made_the_lags() -> None:
    # Lags from the exact model (wind and all) at four sensors nearly in a line, on one
    # side of the launcher: the straight-ray grid's best point lies within a few steps,
    # where the exact fit from it finds the spot; from the sensors' centre it finds none.
    ecef, spot = _launcher(4, -9_000.0, 1_500.0)
    arrival = travel_times(ecef, spot, WEATHER)
    lags = [Lag(i, j, float(arrival[i] - arrival[j]), 30) for i in range(4)
            for j in range(i + 1, 4)]  # fmt: skip
    enu = ecef_to_enu(ecef, LAT0, LON0, 0.0)
    speed = float(sound_speed(np.array([WEATHER.temperature_c]))[0])
    starts = grid_starts(lags, enu, speed, reach_m=25_000.0, step_m=250.0)
    assert 1 < len(starts) <= 3
    assert all(np.hypot(a[0] - b[0], a[1] - b[1]) >= 3_000.0
               for k, a in enumerate(starts) for b in starts[k + 1 :])  # fmt: skip
    east, north = starts[0]
    want = ecef_to_enu(geodetic_to_ecef(*spot), LAT0, LON0, 0.0)
    assert np.hypot(east - want[0], north - want[1]) < 750.0
    frame = Frame(LAT0, LON0, 0.0)
    got = locate_spot(lags, ecef, (*frame.geodetic(east, north), 175.0), WEATHER,
                      max_rms_s=0.026, max_shift_m=2_000.0)  # fmt: skip
    assert got is not None
    assert np.linalg.norm(geodetic_to_ecef(*got) - geodetic_to_ecef(*spot)) < 5.0
    centre = enu[:, :2].mean(axis=0)
    assert locate_spot(lags, ecef, (*frame.geodetic(*centre), 175.0), WEATHER,
                       max_rms_s=0.026, max_shift_m=50_000.0) is None  # fmt: skip


def test_sensors_too_far_apart_to_share_a_source_give_no_grid_start() -> None:
    lags = [Lag(0, 1, 0.0, 20), Lag(1, 2, 0.0, 20), Lag(0, 2, 0.0, 20)]
    enu = np.array([[0.0, 0.0, 0.0], [60_000.0, 0.0, 0.0], [30_000.0, 1_000.0, 0.0]])
    assert grid_starts(lags, enu, 330.0, reach_m=25_000.0, step_m=250.0) == []


def _launcher(n: int, east: float, north: float) -> tuple[np.ndarray, tuple[float, float, float]]:
    """The first ``n`` sensors of the grid (ECEF) and a launch spot ``east``, ``north``
    metres from the network's centre, 175 m up."""
    sensors = grid_network()[:n]
    ecef = geodetic_to_ecef([s.lat for s in sensors], [s.lon for s in sensors],
                            [s.alt_m for s in sensors])  # fmt: skip
    return ecef, (*enu_to_latlon(east, north), 175.0)


def _far_launcher() -> tuple[np.ndarray, tuple[float, float, float]]:
    """Four sensors of the grid and a launch spot 15 km off the network's side."""
    return _launcher(4, -15_000.0, 2_000.0)


def test_slowness_is_the_travel_times_change_per_metre_away_from_each_sensor() -> None:
    ecef, spot = _far_launcher()
    grad = slowness(ecef, spot, WEATHER)
    lat, lon = Frame(*spot).geodetic(7.0, -4.0)  # 7 m east, 4 m south, at the spot
    moved = travel_times(ecef, (lat, lon, 175.0), WEATHER)
    # Linear over metres to far below a timing error (2 ms): the wavefront's curvature
    # adds some d²/(2·r·c), about 10 µs for 8 m at 10 km.
    assert np.abs(moved - travel_times(ecef, spot, WEATHER) - grad @ [7.0, -4.0]).max() < 2e-5
    # The sensors lie east of the spot: moving east shortens every travel time, by
    # about 1/c a metre.
    assert (grad[:, 0] < 0).all()
    assert np.allclose(np.hypot(grad[:, 0], grad[:, 1]), 1 / 335.0, rtol=0.05)


def test_a_round_at_a_known_spot_is_timed_from_four_picks() -> None:
    ecef, spot = _far_launcher()
    tt, grad = travel_times(ecef, spot, WEATHER), slowness(ecef, spot, WEATHER)
    rng = np.random.default_rng(4)
    sigma = np.full(4, 0.002)
    # Launched 4 m east and 3 m north of the spot (another tube of the launcher).
    t = 12.5 + tt + grad @ [4.0, 3.0] + rng.normal(0.0, 0.002, 4)
    fit = fit_at_spot(t, tt, grad, sigma, np.diag([25.0, 25.0]))
    assert abs(fit.origin - 12.5) < 3 * np.sqrt(fit.cov[2, 2])
    assert fit.chi2 < 11.3  # chi-square, 3 degrees of freedom, p = 0.01
    assert np.abs(fit.residuals).max() < 0.01
    assert np.hypot(*fit.shift) < 15.0


def test_a_mixture_of_two_rounds_does_not_fit_at_the_spot() -> None:
    # Two picks of a round and two of the next, 0.5 s later: alone, four picks from 15 km
    # away fit some place along the range about as well; at the spot they cannot agree on
    # one origin time, even with the launch point free to move metres.
    ecef, spot = _far_launcher()
    tt, grad = travel_times(ecef, spot, WEATHER), slowness(ecef, spot, WEATHER)
    t = 12.5 + tt + np.array([0.0, 0.0, 0.5, 0.5])
    fit = fit_at_spot(t, tt, grad, np.full(4, 0.002), np.diag([25.0, 25.0]))
    assert fit.chi2 > 1_000.0


def test_a_rounds_covariance_holds_the_spots_error_where_its_picks_cannot_tell() -> None:
    # From 15 km west the four picks place a round north-south to about a metre, but
    # east-west (along the range) only through the wavefront's curvature across the
    # network, which the origin time mostly absorbs: there the spot's error carries over.
    ecef, spot = _far_launcher()
    tt, grad = travel_times(ecef, spot, WEATHER), slowness(ecef, spot, WEATHER)
    t = 12.5 + tt
    sharp = fit_at_spot(t, tt, grad, np.full(4, 0.002), np.diag([25.0, 25.0]))
    loose = fit_at_spot(t, tt, grad, np.full(4, 0.002), np.diag([25.0 + 900.0, 25.0]))
    assert sharp.cov[1, 1] < 1.5 and loose.cov[1, 1] < 1.5
    assert loose.cov[0, 0] > 1.5 * sharp.cov[0, 0] > 15.0


def test_a_spot_placed_by_more_rounds_is_known_better() -> None:
    sensors = grid_network()[:6]
    ecef = geodetic_to_ecef([s.lat for s in sensors], [s.lon for s in sensors],
                            [s.alt_m for s in sensors])  # fmt: skip
    lat, lon = enu_to_latlon(-9_000.0, 1_500.0)
    grad = slowness(ecef, (lat, lon, 175.0), WEATHER)
    sigma = np.full(6, 0.002)
    few = [Lag(i, j, 0.0, 8) for i in range(6) for j in range(i + 1, 6)]
    many = [Lag(i, j, 0.0, 32) for i in range(6) for j in range(i + 1, 6)]
    c8, c32 = lag_covariance(few, grad, sigma), lag_covariance(many, grad, sigma)
    assert np.allclose(c8, 4.0 * c32)  # four times the rounds: half the error
    assert np.all(np.linalg.eigvalsh(c8) > 0)
