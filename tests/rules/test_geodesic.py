"""The vectorised line measure against the agreement index and a brute-force sampling."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString

from truceline.agreement.spatial import AgreementIndex, aeqd
from truceline.rules.geodesic import GEOD, LineMeasure, point_distances

from .conftest import BASE, agreement

WIGGLY = [(37.50, 48.60), (37.80, 48.30), (37.70, 47.90), (37.72, 47.89), (38.1, 47.6)]
MEASURE = LineMeasure(LineString(WIGGLY), aeqd(48.1, 37.8))


def _brute(lat: float, lon: float) -> float:
    """Scan every segment at 2001 samples, then 2001 more around the best one."""
    best = float("inf")
    for (lon0, lat0), (lon1, lat1) in itertools.pairwise(WIGGLY):
        t = np.linspace(0.0, 1.0, 2001)
        for _ in range(2):
            lons, lats = lon0 + (lon1 - lon0) * t, lat0 + (lat1 - lat0) * t
            _, _, d = GEOD.inv(np.full(t.size, lon), np.full(t.size, lat), lons, lats)
            k = int(np.argmin(d))
            step = t[1] - t[0]
            t = np.clip(np.linspace(t[k] - step, t[k] + step, 2001), 0.0, 1.0)
        best = min(best, float(np.min(d)))
    return best


@settings(max_examples=30, deadline=None)
@given(lat=st.floats(47.4, 48.8), lon=st.floats(37.2, 38.4))
def test_matches_brute_force_sampling(lat: float, lon: float) -> None:
    got = float(MEASURE.distance([lat], [lon]).distance_m[0])
    assert abs(got - _brute(lat, lon)) < 0.01


def test_matches_the_agreement_index_to_the_centimetre() -> None:
    a = agreement()
    index = AgreementIndex(a)
    terms_line = LineMeasure(a.features_with_role("contact_line")[0].geometry, aeqd(48.0, 37.5))
    rng = np.random.default_rng(7)
    lats, lons = rng.uniform(47.6, 48.4, 12), rng.uniform(36.6, 38.4, 12)
    got = terms_line.distance(lats, lons)
    for i in range(lats.size):
        ref = index.distance_to_contact_line(float(lats[i]), float(lons[i]))
        assert abs(got.distance_m[i] - ref.distance_m) < 0.02
        assert (
            point_distances(
                ref.nearest_lat, ref.nearest_lon, [got.nearest_lat[i]], [got.nearest_lon[i]]
            )[0]
            < 0.05
        )


def test_a_point_on_the_line_is_at_zero() -> None:
    lon, lat = WIGGLY[1]
    d = MEASURE.distance([lat, 48.45], [lon, 37.65])
    assert d.distance_m[0] < 0.01
    assert d.distance_m[1] < 0.02  # midpoint of the first segment (straight in lon/lat)


def test_empty_input() -> None:
    assert MEASURE.distance([], []).distance_m.size == 0
    assert BASE["agreement"]["id"] == "test-2026"
