"""Rule ``presence_in_disengagement_area``: armed presence inside an area."""

from __future__ import annotations

from typing import Any

from truceline.rules import Finding, check

from .conftest import agreement, located, observation, track

A = agreement()  # the area spans 37.48-37.52 E, 47.98-48.02 N


def _presence(**kw: Any) -> list[Finding]:
    return [f for f in check([A], **kw) if f.rule == "presence_in_disengagement_area"]


def test_armed_men_inside_the_area() -> None:
    obs = observation(
        "mr-m",
        "movement",
        count=6,
        count_qualifier="approx",
        means="uav",
        side="A",
        **located(48.005, 37.49, 100.0),
    )
    [f] = _presence(observations=[obs])
    assert f.responsible_side == "A" and f.instrument == "DA clause"
    assert f.basis.startswith("about 6 movement of side A (seen from a UAV) inside the Test")


def test_outside_the_area_or_only_a_place_name_is_no_finding() -> None:
    outside = observation("mr-o", "movement", side="A", **located(48.05, 37.49))
    named = observation("mr-p", "movement", side="A", place="Zolote")
    assert _presence(observations=[outside, named]) == []


def test_a_vehicle_track_driving_in_but_not_a_uav() -> None:
    pts = [
        ("2026-03-02T06:00:00Z", 48.0, 37.45),
        ("2026-03-02T06:01:00Z", 48.0, 37.47),
        ("2026-03-02T06:02:00Z", 48.0, 37.49),
    ]
    [f] = _presence(tracks=[track("tr-v", "vehicle", pts)])
    assert f.facts["first_inside"] == "2026-03-02T06:02:00Z" and f.responsible_side is None
    assert _presence(tracks=[track("tr-u", "uav", pts)]) == []
