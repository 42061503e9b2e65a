"""Rule ``fire_at_protected_site``: impacts on or near a site, widened by their ellipse."""

from __future__ import annotations

from typing import Any

from truceline.rules import Finding, check
from truceline.rules.geodesic import GEOD

from .conftest import agreement, east_of_line, event, located, observation

A = agreement()
SITE_LAT, SITE_LON = 48.2, 37.55  # Water station, radius 500 m


def _near_site(metres: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(SITE_LON, SITE_LAT, 30.0, metres)
    return float(lat), float(lon)


def _site_findings(events: list[dict[str, Any]], **kw: Any) -> list[Finding]:
    return [f for f in check([A], events=events, **kw) if f.rule == "fire_at_protected_site"]


def test_an_impact_within_the_radius_is_grave_and_names_both_sides() -> None:
    ilat, ilon = _near_site(300.0)
    llat, llon = east_of_line(48.2, -6_000.0)
    evs = [
        event("ev-1", llat, llon, "launch", side="A", paired_with="ev-2"),
        event("ev-2", ilat, ilon, "impact", side="B", paired_with="ev-1"),
    ]
    [f] = _site_findings(evs)
    assert f.grave and (f.responsible_side, f.affected_side) == ("A", "B")
    assert f.instrument == "Art. 7"
    assert abs(f.facts["distance_m"] - 300.0) < 0.1
    assert f.facts["within_site_without_widening"] is True
    assert f.basis.startswith("impact 300 m from Water station (protected within 500 m")


def test_uncertain_fire_just_outside_is_judged_and_says_so() -> None:
    ilat, ilon = _near_site(700.0)
    [f] = _site_findings([event("ev-3", ilat, ilon, "impact", semi_major_m=250.0)])
    assert f.facts["within_site_without_widening"] is False
    assert f.facts["widened_by_m"] == 250.0
    assert "only within its uncertainty" in f.basis
    # the same blast located more precisely is not at the site
    assert _site_findings([event("ev-3", ilat, ilon, "impact", semi_major_m=150.0)]) == []


def test_launches_and_distant_impacts_are_not_fire_at_a_site() -> None:
    lat, lon = _near_site(100.0)
    assert _site_findings([event("ev-4", lat, lon, "launch")]) == []
    lat, lon = _near_site(3_000.0)
    assert _site_findings([event("ev-5", lat, lon, "impact")]) == []


def test_a_located_report_of_an_impact_is_judged_with_its_uncertainty() -> None:
    lat, lon = _near_site(560.0)
    obs = observation(
        "mr-9", "explosion", subtype="impact", means="camera", **located(lat, lon, 100.0)
    )
    [f] = _site_findings([], observations=[obs])
    assert f.subjects == ("mr-9",) and f.grave
    assert "location ± 100 m" in f.basis
