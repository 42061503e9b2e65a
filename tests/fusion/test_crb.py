"""Tests of the Cramér–Rao bound: against a Monte Carlo of least squares, and its geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import least_squares

from truceline.fusion.crb import (
    bearing_gradients,
    crb_rms_wgs84,
    fisher_information,
    horizontal_covariance,
    rms,
    toa_gradients_enu,
    toa_gradients_wgs84,
)
from truceline.fusion.propagation import sound_speed
from truceline.geo import ecef_to_enu, enu_to_ecef

C = 340.0


def _network(rng: np.random.Generator, n: int) -> np.ndarray:
    xy = rng.uniform(-8_000.0, 8_000.0, (n, 2))
    return np.column_stack([xy, rng.uniform(-50.0, 50.0, n)])


@pytest.mark.parametrize("seed", [1, 2])
def test_crb_matches_monte_carlo_least_squares(seed: int) -> None:
    """The efficient ML estimator's RMS error approaches the bound (within 10 %)."""
    rng = np.random.default_rng(seed)
    sensors = _network(rng, 7)
    sigma = rng.uniform(0.001, 0.003, len(sensors)) * 20  # large noise: a visible spread
    source = np.array([1_200.0, -700.0, 0.0])
    bound = rms(horizontal_covariance(fisher_information(
        toa_gradients_enu(source, sensors, C), sigma)))  # fmt: skip
    true_t = np.linalg.norm(sensors - source, axis=1) / C
    errors = []
    for _ in range(400):
        obs = true_t + rng.normal(0.0, sigma)

        def resid(p: np.ndarray, obs: np.ndarray = obs) -> np.ndarray:
            pos = np.array([p[0], p[1], 0.0])
            return (p[2] + np.linalg.norm(sensors - pos, axis=1) / C - obs) / sigma

        fit = least_squares(resid, x0=[0.0, 0.0, 0.0], x_scale=[1000.0, 1000.0, 1.0])
        errors.append(np.hypot(fit.x[0] - source[0], fit.x[1] - source[1]))
    mc_rms = math.sqrt(np.mean(np.square(errors)))
    assert bound > 1.0
    assert abs(mc_rms / bound - 1.0) < 0.1


def test_wgs84_gradients_match_the_analytic_ones_without_wind() -> None:
    lat, lon, h = 48.0, 37.8, 200.0
    rng = np.random.default_rng(3)
    enu = _network(rng, 6)
    sensors_ecef = enu_to_ecef(enu, lat, lon, h)
    g = toa_gradients_wgs84(lat, lon, h, sensors_ecef, temperature_c=15.0)
    local = ecef_to_enu(sensors_ecef, lat, lon, h)
    expected = toa_gradients_enu(np.zeros(3), local, float(sound_speed(15.0)))
    assert np.allclose(g, expected, rtol=1e-6, atol=1e-12)


def test_bound_scales_with_timing_sigma_and_needs_three_sensors() -> None:
    lat, lon = 48.0, 37.8
    rng = np.random.default_rng(4)
    sensors = enu_to_ecef(_network(rng, 5), lat, lon, 0.0)
    one = crb_rms_wgs84(lat, lon, 0.0, sensors, np.full(5, 0.001))
    two = crb_rms_wgs84(lat, lon, 0.0, sensors, np.full(5, 0.002))
    assert two == pytest.approx(2.0 * one, rel=1e-9)
    assert math.isinf(crb_rms_wgs84(lat, lon, 0.0, sensors[:2], np.full(2, 0.001)))


def test_bearings_tighten_the_bound_and_their_gradient_is_right() -> None:
    lat, lon = 48.0, 37.8
    enu = np.array([[3_000.0, 0.0, 0.0], [0.0, 4_000.0, 0.0], [-2_000.0, -2_000.0, 0.0]])
    sensors = enu_to_ecef(enu, lat, lon, 0.0)
    sig = np.full(3, 0.002)
    toa_only = crb_rms_wgs84(lat, lon, 0.0, sensors, sig)
    with_b = crb_rms_wgs84(lat, lon, 0.0, sensors, sig, bearing_sensors_ecef=sensors,
                           bearing_sigma_rad=np.radians([0.01] * 3))  # fmt: skip
    assert with_b < toa_only
    g = bearing_gradients(lat, lon, 0.0, sensors)
    # seen from the sensor at (0, 4000) the source lies due south (180 deg); moving the
    # source east turns that bearing anticlockwise by 1/4000 rad per metre
    assert g[1, 0] == pytest.approx(-1.0 / 4_000.0, rel=1e-3)
