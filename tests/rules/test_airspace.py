"""Rule ``airspace``: crossings of the line (point and time) and no-fly zone entries."""

from __future__ import annotations

from typing import Any

import pytest

from truceline.rules import Finding, check
from truceline.rules.geodesic import GEOD

from .conftest import LINE_LON, agreement, located, observation, track

A = agreement()  # the no-fly zone is a 2 km circle around 48.35 N, 37.56 E


def _air(agreements: list[Any] | None = None, **kw: Any) -> list[Finding]:
    return [f for f in check(agreements or [A], **kw) if f.rule == "airspace"]


def test_a_uav_crossing_the_line_gives_point_time_and_sides() -> None:
    pts = [
        ("2026-03-02T02:00:00Z", 48.10, 37.60),
        ("2026-03-02T02:00:20Z", 48.11, 37.52),
        ("2026-03-02T02:00:40Z", 48.12, 37.44),
    ]
    [f] = _air(tracks=[track("tr-1", "uav", pts)])
    assert (f.responsible_side, f.affected_side) == ("B", "A")
    lat, lon = f.location  # type: ignore[misc]
    assert lon == pytest.approx(LINE_LON, abs=1e-9)
    # the crossing lies a quarter of the way along the segment 37.52 -> 37.44 (straight in
    # lon/lat); the time is interpolated by geodesic distance along it
    assert lat == pytest.approx(48.1125, abs=1e-9)
    _, _, whole = GEOD.inv(37.52, 48.11, 37.44, 48.12)
    _, _, part = GEOD.inv(37.52, 48.11, lon, lat)
    expected = 20.0 + 20.0 * part / whole
    got = (f.time - f.time.replace(second=0, microsecond=0)).total_seconds()
    assert got == pytest.approx(expected, abs=1e-3)
    assert f.facts["from_side"] == "B" and f.facts["to_side"] == "A"
    assert "crossed the contact line from side B's ground into side A's" in f.basis


def test_crossings_are_no_finding_when_overflight_is_not_prohibited() -> None:
    pts = [("2026-03-02T02:00:00Z", 48.1, 37.6), ("2026-03-02T02:01:00Z", 48.1, 37.4)]
    assert _air([agreement(prohibited=["fire"])], tracks=[track("tr-1", "uav", pts)]) == []
    assert _air(tracks=[track("tr-2", "vehicle", pts)]) == []


def test_entering_a_no_fly_zone_even_without_the_general_prohibition() -> None:
    pts = [
        ("2026-03-02T03:00:00Z", 48.35, 37.70),
        ("2026-03-02T03:01:00Z", 48.35, 37.62),
        ("2026-03-02T03:02:00Z", 48.35, 37.56),
    ]
    [f] = _air([agreement(prohibited=["fire"])], tracks=[track("tr-3", "uav", pts)])
    assert f.facts["zone"] == "Test NFZ" and f.instrument == "Art. 9"
    assert f.responsible_side == "B" and f.affected_side is None
    _, _, d = GEOD.inv(37.56, 48.35, f.location[1], f.location[0])  # type: ignore[index]
    assert d == pytest.approx(2_000.0, abs=5.0)  # on the zone's (polygonal) boundary
    assert "03:01:" in f.to_dict()["time"]


def test_a_reported_overflight() -> None:
    obs = observation("mr-u", "uav_overflight", means="seen", **located(48.2, 37.4))
    [f] = _air(observations=[obs])
    assert (f.responsible_side, f.affected_side) == (None, "A")
    assert _air([agreement(prohibited=["fire"])], observations=[obs]) == []
