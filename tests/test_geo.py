"""Exact WGS84 conversions: known answers, round trips, one point as many."""

import numpy as np

from truceline.geo import WGS84_A, WGS84_B, ecef_to_geodetic, geodetic_to_ecef


def test_known_points() -> None:
    assert np.allclose(geodetic_to_ecef(0.0, 0.0, 0.0), [WGS84_A, 0.0, 0.0], atol=1e-9)
    assert np.allclose(geodetic_to_ecef(0.0, 90.0, 10.0), [0.0, WGS84_A + 10.0, 0.0], atol=1e-9)
    assert np.allclose(geodetic_to_ecef(90.0, 0.0, 0.0), [0.0, 0.0, WGS84_B], atol=1e-6)


def test_round_trip_is_sub_millimetre() -> None:
    rng = np.random.default_rng(0)
    lat, lon, h = (
        rng.uniform(-89, 89, 500),
        rng.uniform(-180, 180, 500),
        rng.uniform(-400, 9e3, 500),
    )
    la, lo, hh = ecef_to_geodetic(geodetic_to_ecef(lat, lon, h))
    assert np.abs(hh - h).max() < 1e-3
    assert np.abs(la - lat).max() < 1e-8 and np.abs(lo - lon).max() < 1e-8


def test_one_point_gives_the_same_bits_as_an_array() -> None:
    """Floats take a scalar path (fusion converts events one at a time): the same
    operations in the same order as the array path, so the same shape and values to the
    last bit or so (numpy's vector sine may differ from the C library's by an ulp on some
    processors; on this project's machine they agree bit for bit)."""
    rng = np.random.default_rng(1)
    lat, lon, h = (
        rng.uniform(-90, 90, 2000),
        rng.uniform(-180, 180, 2000),
        rng.uniform(-500, 5e3, 2000),
    )
    many = geodetic_to_ecef(lat, lon, h)
    for i in range(len(lat)):
        one = geodetic_to_ecef(float(lat[i]), float(lon[i]), float(h[i]))
        assert one.shape == (3,) and one.dtype == np.float64
        assert np.allclose(one, many[i], rtol=0.0, atol=1e-8)
    assert np.array_equal(
        geodetic_to_ecef(lat[0], lon[0]), geodetic_to_ecef(np.array(lat[0]), np.array(lon[0]))
    )
