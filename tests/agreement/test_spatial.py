"""Spatial questions against independent geodesic computations (pyproj's Geod)."""

import copy
import itertools

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from tests.conftest import AGREEMENT
from truceline.agreement import parse_agreement
from truceline.agreement.spatial import AgreementIndex

GEOD = Geod(ellps="WGS84")
INDEX = AgreementIndex(parse_agreement(copy.deepcopy(AGREEMENT)))
LINE = [(37.50, 48.60), (37.80, 48.30), (37.70, 47.90)]


def _brute_distance(lat: float, lon: float, line: list[tuple[float, float]] | None = None) -> float:
    """Geodesic distance to the line (or a part of it) by dense sampling (independent of
    the index)."""
    best = float("inf")
    for (lon0, lat0), (lon1, lat1) in itertools.pairwise(line or LINE):
        n = 4000
        lons = [lon0 + (lon1 - lon0) * i / n for i in range(n + 1)]
        lats = [lat0 + (lat1 - lat0) * i / n for i in range(n + 1)]
        _, _, d = GEOD.inv([lon] * (n + 1), [lat] * (n + 1), lons, lats)
        best = min(best, min(d))
    return best


def test_sides() -> None:
    assert INDEX.side_at(48.3, 37.5) == "A"
    assert INDEX.side_at(48.3, 38.2) == "B"
    assert INDEX.side_at(50.0, 30.0) is None
    assert INDEX.side_at_many([48.3, 48.3], [37.5, 38.2]) == ["A", "B"]


@settings(max_examples=25, deadline=None)
@given(lat=st.floats(47.95, 48.55), lon=st.floats(37.1, 38.4))
def test_distance_to_line_matches_dense_geodesic_sampling(lat: float, lon: float) -> None:
    got = INDEX.distance_to_contact_line(lat, lon)
    expected = _brute_distance(lat, lon)
    # the brute force samples every ~10 m, so it can only be longer, by at most ~5 m
    assert got.distance_m <= expected + 0.01
    assert expected - got.distance_m < 6.0
    # the reported nearest point really lies at that distance
    _, _, d = GEOD.inv(lon, lat, got.nearest_lon, got.nearest_lat)
    assert d == pytest.approx(got.distance_m, abs=0.05)


@settings(max_examples=25, deadline=None)
@given(lat=st.floats(47.6, 48.9), lon=st.floats(36.9, 38.6))
def test_many_distances_match_the_exact_one(lat: float, lon: float) -> None:
    """Fusion's vectorised distances (chords in ECEF to the line in 25 m pieces) differ
    from the exact geodesic one by the chord's ``d³ / 24R²`` (0.22 m at 60 km, 0.57 m at
    82 km: a CI run drew such a point) and a centimetre more at most."""
    many = INDEX.contact_line_distances(np.array([lat, 48.3]), np.array([lon, 37.5]))
    assert many.shape == (2,)
    for got, (la, lo) in zip(many, [(lat, lon), (48.3, 37.5)], strict=True):
        exact = INDEX.distance_to_contact_line(la, lo).distance_m
        assert got == pytest.approx(exact, abs=0.01 + exact**3 / (24 * 6_371_000.0**2))


def test_many_distances_of_no_points() -> None:
    assert INDEX.contact_line_distances(np.zeros(0), np.zeros(0)).shape == (0,)


@settings(max_examples=30, deadline=None)
@given(frac=st.floats(0.0, 1.0), side=st.sampled_from([-1, 1]), dist=st.floats(100, 30_000))
@example(frac=1.0, side=1, dist=21_028.0)  # into the bend: the second segment is nearer
def test_offset_from_the_line_is_recovered(frac: float, side: int, dist: float) -> None:
    """Walk perpendicular from a point of the first segment: the distance comes back, unless
    the walk (into the bend) came closer to the second segment."""
    (lon0, lat0), (lon1, lat1) = LINE[0], LINE[1]
    lon, lat = lon0 + (lon1 - lon0) * (0.2 + 0.6 * frac), lat0 + (lat1 - lat0) * (0.2 + 0.6 * frac)
    az, _, _ = GEOD.inv(lon0, lat0, lon1, lat1)
    plon, plat, _ = GEOD.fwd(lon, lat, az + 90 * side, dist)
    got = INDEX.distance_to_contact_line(plat, plon).distance_m
    expected = min(dist, _brute_distance(plat, plon, LINE[1:]))
    # the segment is straight in lon/lat, not a geodesic: allow its small curvature
    assert got == pytest.approx(expected, rel=0.01, abs=5)
    assert got <= expected + 0.01


@settings(max_examples=30, deadline=None)
@given(bearing=st.floats(0, 360), r=st.floats(1, 2000))
def test_protected_site_radius_is_geodesic(bearing: float, r: float) -> None:
    lon, lat, _ = GEOD.fwd(37.76, 48.10, bearing, r)
    names = [f.name for f, _ in INDEX.protected_sites_near(lat, lon)]
    if r < 999.9:
        assert names == ["Water filter station"]
    elif r > 1000.1:
        assert names == []


def test_zones_and_sectors() -> None:
    assert [f.name for f in INDEX.disengagement_areas_at(48.31, 37.80)] == ["Zolote-like"]
    assert [f.name for f in INDEX.sectors_at(48.5, 37.2)] == ["North"]
    assert INDEX.sectors_at(48.0, 37.2) == []
    assert [f.name for f in INDEX.no_fly_zones_at(48.45, 37.65)] == ["NFZ-1"]


@settings(max_examples=20, deadline=None)
@given(dist_km=st.floats(1, 60))
def test_withdrawal_zones_follow_the_distances(dist_km: float) -> None:
    # walk west (into side A) from the middle of the first segment
    lon, lat, _ = GEOD.fwd(37.65, 48.45, 270, dist_km * 1000)
    zones = INDEX.withdrawal_zones_at(lat, lon)
    d = INDEX.distance_to_reference_line("A", lat, lon).distance_m / 1000
    expected = sorted(w for w, km in {"artillery_100mm_plus": 25, "mlrs": 35}.items() if d <= km)
    assert [z.weapon_class for z in zones] == expected
    assert all(z.side == "A" for z in zones)


def test_features_valid_at_time() -> None:
    from datetime import UTC, datetime

    doc = copy.deepcopy(AGREEMENT)
    doc["features"][4]["properties"]["valid_from"] = "2026-06-01T00:00:00Z"
    agreement = parse_agreement(doc)
    before = AgreementIndex(agreement, datetime(2026, 5, 1, tzinfo=UTC))
    after = AgreementIndex(agreement, datetime(2026, 7, 1, tzinfo=UTC))
    assert before.protected_sites_near(48.10, 37.76) == []
    assert len(after.protected_sites_near(48.10, 37.76)) == 1
