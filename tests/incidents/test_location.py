from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from shapely.geometry import Point, Polygon

from truceline.incidents.location import (
    GEOD,
    SIGMA_TO_R95,
    AreaLocation,
    PointLocation,
    sector,
    separation_m,
)

from .factories import LAT0, LON0, offset


def _square(lat: float, lon: float, half_deg: float) -> Polygon:
    return Polygon(
        [
            (lon - half_deg, lat - half_deg),
            (lon + half_deg, lat - half_deg),
            (lon + half_deg, lat + half_deg),
            (lon - half_deg, lat + half_deg),
        ]
    )


def _brute_distance(lat: float, lon: float, poly: Polygon, step_deg: float = 1e-5) -> float:
    """Geodesic distance to a densely sampled boundary (independent of the module)."""
    ring = np.asarray(poly.exterior.coords)
    best = math.inf
    for (x0, y0), (x1, y1) in itertools.pairwise(ring.tolist()):
        n = int(max(abs(x1 - x0), abs(y1 - y0)) / step_deg) + 2
        xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        _, _, d = GEOD.inv(np.full(n, lon), np.full(n, lat), xs, ys)
        best = min(best, float(np.min(d)))
    return best


def test_point_to_point_is_the_geodesic_inverse() -> None:
    lat, lon = offset(37.0, 12_345.0)
    a, b = PointLocation(LAT0, LON0, 10.0), PointLocation(lat, lon, 10.0)
    assert separation_m(a, b) == pytest.approx(12_345.0, abs=1e-3)
    assert separation_m(b, a) == pytest.approx(separation_m(a, b), abs=1e-6)


def test_point_inside_an_area_is_at_zero() -> None:
    area = AreaLocation(_square(LAT0, LON0, 0.01))
    assert separation_m(PointLocation(LAT0, LON0, 5.0), area) == 0.0


@pytest.mark.parametrize("bearing", [0.0, 45.0, 100.0, 200.0, 290.0])
def test_point_to_area_matches_a_brute_force_geodesic(bearing: float) -> None:
    poly = _square(LAT0, LON0, 0.02)
    lat, lon = offset(bearing, 6_000.0)
    expected = _brute_distance(lat, lon, poly)
    got = separation_m(PointLocation(lat, lon, 0.0), AreaLocation(poly))
    assert got == pytest.approx(expected, abs=1.0)


def test_area_to_area_gap_and_overlap() -> None:
    a = _square(LAT0, LON0, 0.01)
    b = _square(LAT0, LON0 + 0.05, 0.01)  # a 0.03° gap in longitude at 48.15°N
    _, _, expected = GEOD.inv(LON0 + 0.01, LAT0, LON0 + 0.04, LAT0)
    assert separation_m(AreaLocation(a), AreaLocation(b)) == pytest.approx(expected, rel=1e-3)
    c = _square(LAT0, LON0 + 0.015, 0.01)
    assert separation_m(AreaLocation(a), AreaLocation(c)) == 0.0


def test_sector_holds_the_reported_direction_and_band_only() -> None:
    poly = sector(LAT0, LON0, 135.0, (3_000.0, 5_000.0))
    inside = offset(135.0, 4_000.0)
    edge_of_octant = offset(135.0 + 20.0, 4_000.0)
    opposite = offset(315.0, 4_000.0)
    too_near = offset(135.0, 2_000.0)
    too_far = offset(135.0, 6_000.0)
    assert poly.is_valid
    assert poly.contains(Point(inside[1], inside[0]))
    assert poly.contains(Point(edge_of_octant[1], edge_of_octant[0]))
    for lat, lon in (opposite, too_near, too_far):
        assert not poly.contains(Point(lon, lat))


def test_sector_from_the_observer_includes_it_when_the_band_starts_at_zero() -> None:
    poly = sector(LAT0, LON0, 10.0, (0.0, 1_000.0))
    near = offset(10.0, 50.0)
    assert poly.contains(Point(near[1], near[0]))


def test_from_sigma_is_the_95_percent_radius_of_a_circular_normal() -> None:
    # P(r <= R) = 1 - exp(-R^2 / (2 sigma^2)) for a circular bivariate normal
    loc = PointLocation.from_sigma(LAT0, LON0, 10.0)
    assert 1.0 - math.exp(-(loc.radius_m**2) / 200.0) == pytest.approx(0.95)
    assert pytest.approx(2.4477, abs=1e-4) == SIGMA_TO_R95


@pytest.mark.parametrize(
    ("lat", "lon", "radius"), [(91.0, 0.0, 1.0), (0.0, 181.0, 1.0), (0.0, 0.0, -1.0)]
)
def test_bad_points_are_refused(lat: float, lon: float, radius: float) -> None:
    with pytest.raises(ValueError, match="location"):
        PointLocation(lat, lon, radius)


def test_bad_areas_are_refused() -> None:
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    with pytest.raises(ValueError, match="not a valid polygon"):
        AreaLocation(bowtie)
    with pytest.raises(ValueError, match="distance_m"):
        sector(LAT0, LON0, 0.0, (5.0, 1.0))
