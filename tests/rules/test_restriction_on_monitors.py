"""Rule ``restriction_on_monitors``: every restriction report, geometry or not."""

from __future__ import annotations

from truceline.rules import check

from .conftest import agreement, east_of_line, located, observation

A = agreement()


def test_a_denial_with_the_side_named() -> None:
    lat, lon = east_of_line(48.3, 2_000.0)
    obs = observation("mr-d", "restriction", subtype="denial", side="B", **located(lat, lon))
    [f] = check([A], observations=[obs])
    assert f.rule == "restriction_on_monitors" and f.responsible_side == "B"
    assert "(denial)" in f.basis and "attributed to side B by the report" in f.basis


def test_a_denial_without_a_side_points_to_the_ground_but_jamming_does_not() -> None:
    lat, lon = east_of_line(48.3, -2_000.0)
    denial = observation("mr-1", "restriction", subtype="denial", **located(lat, lon))
    jam = observation("mr-2", "restriction", subtype="interference", **located(lat, lon))
    found = {f.subjects[0]: f for f in check([A], observations=[denial, jam])}
    f1, f2 = found["mr-1"], found["mr-2"]
    assert f1.responsible_side == "A" and f1.facts["side_from"] == "ground"
    assert f2.responsible_side is None


def test_a_report_with_only_a_place_name_is_a_finding_without_location() -> None:
    obs = observation("mr-3", "restriction", subtype="delay", place="Zolote")
    [f] = check([A], observations=[obs])
    assert f.location is None and f.to_dict()["location"] is None
    assert "'Zolote'" in f.basis
