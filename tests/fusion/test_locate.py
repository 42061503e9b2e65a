from dataclasses import replace

import numpy as np
import pytest
from fusion_synth import enu_to_latlon, grid_network

from truceline.fusion.locate import Picks, TravelMemo, arrivals, locate, predict
from truceline.fusion.network import Network, WeatherAt
from truceline.fusion.propagation import travel_times
from truceline.geo import ecef_to_enu, geodetic_to_ecef


def _picks(net: Network, lat: float, lon: float, h: float, w: WeatherAt, t0: float,
           noise: np.ndarray | None = None, bearings: bool = False) -> Picks:  # fmt: skip
    src = geodetic_to_ecef(lat, lon, h)
    tt = travel_times(src, lat, lon, net.ecef, temperature_c=w.temperature_c,
                      wind_u_ms=w.wind_u_ms, wind_v_ms=w.wind_v_ms)  # fmt: skip
    t = t0 + tt + (0.0 if noise is None else noise)
    bear = np.full(len(net), np.nan)
    if bearings:
        q = np.einsum("nij,nj->ni", net.rot, src - net.ecef)
        bear = np.where(net.is_array, np.arctan2(q[:, 0], q[:, 1]), np.nan)
    return Picks(net.ecef, net.rot, t, net.sigma_t, bear, net.sigma_b)


@pytest.mark.parametrize("wind", [(0.0, 0.0), (7.0, -4.0)])
def test_noise_free_blast_is_recovered_to_the_millimetre(wind: tuple[float, float]) -> None:
    net = Network(grid_network())
    w = WeatherAt(-5.0, *wind)
    lat, lon = enu_to_latlon(1234.0, -2345.0)
    h = float(np.median(net.alt))
    fix = locate(_picks(net, lat, lon, h, w, 100.0), lat0=net.lat0, lon0=net.lon0,
                 origin0=95.0, height=h, weather=w)  # fmt: skip
    assert fix is not None and fix.converged
    err = ecef_to_enu(geodetic_to_ecef(fix.lat, fix.lon, h), lat, lon, h)
    assert np.hypot(err[0], err[1]) < 1e-3
    assert fix.origin == pytest.approx(100.0, abs=1e-8)


def test_covariance_matches_monte_carlo_scatter() -> None:
    net = Network(grid_network())
    w = WeatherAt()
    lat, lon = enu_to_latlon(500.0, 800.0)
    h = float(np.median(net.alt))
    rng = np.random.default_rng(7)
    errs = []
    fix = None
    for _ in range(200):
        noise = rng.normal(0.0, net.sigma_t)
        fix = locate(_picks(net, lat, lon, h, w, 0.0, noise), lat0=lat, lon0=lon, origin0=0.0,
                     height=h, weather=w)  # fmt: skip
        assert fix is not None
        e = ecef_to_enu(geodetic_to_ecef(fix.lat, fix.lon, h), lat, lon, h)
        errs.append(e[:2])
    scatter = np.cov(np.array(errs).T)
    assert fix is not None
    np.testing.assert_allclose(np.diag(scatter), np.diag(fix.cov)[:2], rtol=0.3)


def test_bearings_join_the_fit_and_predict_gives_arrivals() -> None:
    net = Network(grid_network())
    w = WeatherAt(10.0, 3.0, 3.0)
    lat, lon = enu_to_latlon(-3000.0, 2500.0)
    h = float(np.median(net.alt))
    p = _picks(net, lat, lon, h, w, 50.0, bearings=True)
    fix = locate(p, lat0=net.lat0, lon0=net.lon0, origin0=40.0, height=h, weather=w,
                 robust=True)  # fmt: skip
    assert fix is not None
    assert np.nanmax(np.abs(fix.res_b)) < 1e-6
    arrival, sd = predict(net.ecef, fix, w)
    np.testing.assert_allclose(arrival, p.t, atol=1e-6)
    assert np.all(sd > 0)


def test_travel_memo_serves_the_same_bits_and_forgets_the_oldest() -> None:
    net = Network(grid_network())
    w = WeatherAt(10.0, 3.0, -2.0)
    lat, lon = enu_to_latlon(-3000.0, 2500.0)
    h = float(np.median(net.alt))
    p = _picks(net, lat, lon, h, w, 50.0)
    fix = locate(p, lat0=net.lat0, lon0=net.lon0, origin0=40.0, height=h, weather=w)
    assert fix is not None
    memo = TravelMemo(net.ecef, size=2)
    fresh = predict(net.ecef, fix, w)
    for _ in range(2):  # computed, then served
        got = predict(net.ecef, fix, w, memo)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(got, fresh, strict=True))
    assert arrivals(net.ecef, fix, w, memo).tobytes() == fresh[0].tobytes()
    tt, g = memo.at(fix, w)
    assert not tt.flags.writeable and not g.flags.writeable
    # Another origin time or covariance is the same place: served. Another weather or
    # place is not, and its prediction differs.
    later = replace(fix, origin=fix.origin + 60.0, cov=fix.cov * 4.0)
    assert memo.at(later, w)[0] is tt
    np.testing.assert_allclose(predict(net.ecef, later, w, memo)[0], fresh[0] + 60.0, atol=1e-9)
    warm = WeatherAt(30.0, 3.0, -2.0)
    assert memo.at(fix, warm)[0] is not tt
    assert np.all(predict(net.ecef, fix, warm, memo)[0] < fresh[0])  # sound is faster
    # Two places kept at most: a third pushes out the first (computed anew, equal bits).
    moved = replace(fix, lat=fix.lat + 0.01)
    memo.at(moved, w)
    again, _ = memo.at(fix, w)
    assert again is not tt and again.tobytes() == tt.tobytes()
