"""Rule ``fire_in_disengagement_area``: fire from or into a disengagement area (grave)."""

from __future__ import annotations

from typing import Any

from truceline.rules import Finding, check

from .conftest import agreement, east_of_line, event, located, observation

A = agreement()  # the area spans 37.48-37.52 E, 47.98-48.02 N


def _da(events: list[dict[str, Any]], **kw: Any) -> list[Finding]:
    return [f for f in check([A], events=events, **kw) if f.rule == "fire_in_disengagement_area"]


def test_an_impact_inside_from_a_located_launch() -> None:
    llat, llon = east_of_line(48.0, 7_000.0)
    evs = [
        event("ev-1", llat, llon, "launch", side="B", paired_with="ev-2"),
        event("ev-2", 48.0, 37.49, "impact", side="A", paired_with="ev-1"),
    ]
    [f] = _da(evs)
    assert f.grave and (f.responsible_side, f.affected_side) == ("B", "A")
    assert f.instrument == "DA clause"
    assert [i["id"] for i in f.facts["inside"]] == ["ev-2"]
    assert f.basis.startswith("impact inside the Test disengagement area")
    assert "launch located 7.0 km behind side B's line" in f.basis


def test_firing_from_inside_is_a_finding_too() -> None:
    ilat, ilon = east_of_line(48.0, -5_000.0)
    evs = [
        event("ev-3", 48.01, 37.51, "launch", side="B", paired_with="ev-4"),
        event("ev-4", ilat, ilon, "impact", side="A", paired_with="ev-3"),
    ]
    [f] = _da(evs)
    assert (f.responsible_side, f.affected_side) == ("B", "A")
    assert f.basis.startswith("launch inside the Test disengagement area")
    assert "impact 5.0 km inside side A's area" in f.basis


def test_widening_by_the_ellipse_and_nothing_beyond_it() -> None:
    # 37.52 E is the area's east edge; 37.524 E is about 300 m east of it
    assert _da([event("ev-4", 48.0, 37.524, "impact", semi_major_m=100.0)]) == []
    [f] = _da([event("ev-4", 48.0, 37.524, "impact", semi_major_m=400.0)])
    inside = f.facts["inside"][0]
    assert 250.0 < inside["distance_m"] < 350.0 and inside["widened_by_m"] == 400.0
    assert "outside the Test disengagement area, within its uncertainty" in f.basis


def test_a_monitor_report_of_an_impact_inside() -> None:
    obs = observation(
        "mr-1", "explosion", subtype="impact", means="uav", **located(48.0, 37.5, 300.0)
    )
    [f] = _da([], observations=[obs])
    assert f.subjects == ("mr-1",)
