"""Rule ``weapon_missing_from_holding_area`` and the holding-area report convention."""

from __future__ import annotations

from typing import Any

from truceline.rules import Finding, check, extra_problems

from .conftest import agreement, located, observation

A = agreement()


def _missing(*obs: Any) -> list[Finding]:
    return [
        f
        for f in check([A], observations=list(obs))
        if f.rule == "weapon_missing_from_holding_area"
    ]


def test_missing_count_by_name() -> None:
    obs = observation(
        "mr-h",
        "weapon_sighting",
        count=9,
        weapon_class="artillery_100mm_plus",
        holding_area="east DEPOT",
        expected_count=12,
        missing_count=3,
        **located(47.7, 38.2),
    )
    [f] = _missing(obs)
    assert f.responsible_side == "B" and f.facts["missing_count"] == 3
    assert f.basis.startswith("3 of 12 declared artillery_100mm_plus missing from the East depot")


def test_expected_minus_found_and_matching_by_location() -> None:
    obs = observation("mr-x", "other", count=4, expected_count=6, **located(47.701, 36.801))
    [f] = _missing(obs)  # 140 m from the West holding area (a Point)
    assert f.facts["missing_count"] == 2 and f.facts["matched_by"] == "location"
    assert f.responsible_side == "A"


def test_nothing_missing_or_an_undeclared_area_is_no_finding() -> None:
    full = observation("mr-f", "other", count=6, expected_count=6, holding_area="West", place="X")
    unknown = observation("mr-u", "other", missing_count=2, holding_area="Nowhere", place="X")
    assert _missing(full, unknown) == []


def test_malformed_extras_are_reported_by_field() -> None:
    obs = observation("mr-b", "other", missing_count="three", holding_area="", place="X")
    assert {field for field, _ in extra_problems(obs)} == {"missing_count", "holding_area"}
    assert _missing(obs) == []
