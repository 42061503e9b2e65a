from typing import Any

import pytest

from truceline.ogc.acled import (
    ACLED_COLUMNS,
    RULE_CATEGORY,
    acled_row,
    acled_type,
    finding_event,
    geo_precision,
    incident_event,
)
from truceline.rules.finding import RULES

FINDING: dict[str, Any] = {
    "id": "f-1",
    "rule": "fire_at_protected_site",
    "subjects": ["ev-1", "ev-2"],
    "time": "2026-03-02T23:59:59.5Z",
    "location": {"lat": 48.1, "lon": 37.76},
    "responsible_side": "B",
    "affected_side": "A",
    "grave": True,
    "agreement": {"id": "example-2026", "version": 1},
    "instrument": "Art. 3",
    "basis": "impact 300 m from the water filter station",
    "facts": {"weapon": "mlrs"},
}
NAMES = {"A": "Side A", "B": "Side B"}


def _place(lat: float, lon: float) -> tuple[str, str]:
    return ("Donetsk", f"near {lat:.1f},{lon:.1f}")


def test_a_finding_fills_the_acled_columns() -> None:
    row = acled_row(finding_event(FINDING, NAMES.__getitem__), _place)
    assert list(row) == list(ACLED_COLUMNS)
    assert row["event_date"] == "2026-03-02"  # the UTC day
    assert (row["event_type"], row["sub_event_type"]) == (
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
    )
    assert (row["actor1"], row["actor2"]) == ("Side B", "Side A")
    assert (row["admin1"], row["location"]) == ("Donetsk", "near 48.1,37.8")
    assert (row["latitude"], row["longitude"], row["geo_precision"]) == (48.1, 37.76, 1)
    assert row["notes"] == FINDING["basis"]
    assert row["fatalities"] == ""  # unknown, not zero


def test_an_unlocated_finding_leaves_the_place_blank() -> None:
    finding = {
        **FINDING,
        "location": None,
        "responsible_side": None,
        "rule": "restriction_on_monitors",
    }
    row = acled_row(finding_event(finding, NAMES.__getitem__), _place)
    assert row["latitude"] == row["admin1"] == row["geo_precision"] == row["actor1"] == ""
    assert (row["event_type"], row["sub_event_type"]) == ("Strategic developments", "Other")


@pytest.mark.parametrize(
    ("category", "weapon", "civilian", "expected"),
    [
        ("explosion", "uav", False, ("Explosions/Remote violence", "Air/drone strike")),
        ("mine", None, False, ("Explosions/Remote violence", "Remote explosive/landmine/IED")),
        ("shot", "small_arms", False, ("Battles", "Armed clash")),
        ("casualty", None, True, ("Violence against civilians", "Attack")),
        ("weapon_missing", None, False, ("Strategic developments", "Change to group/activity")),
        ("uav_overflight", None, False, ("Strategic developments", "Other")),
    ],
)
def test_categories_map_to_acled_types(
    category: str, weapon: str | None, civilian: bool, expected: tuple[str, str]
) -> None:
    assert acled_type(category, weapon, civilian) == expected


def test_every_rule_has_a_category_and_precision_grows_with_uncertainty() -> None:
    assert set(RULES) == set(RULE_CATEGORY)  # every rule the engine has
    assert [geo_precision(u) for u in (None, 50, 5_000, 100_000)] == [1, 1, 2, 3]


def test_an_incident_uses_the_same_row_function() -> None:
    incident = {
        "id": "inc-1",
        "title": "Shelling of Zolote",
        "state": "determined",
        "grade": "confirmed",
        "category": "mine",
        "time_from": "2026-03-01T10:00:00Z",
        "time_to": "2026-03-20T10:00:00Z",
        "location": {"lat": 48.7, "lon": 38.5, "uncertainty_m": 10_000},
        "responsible_side": "A",
        "affected_side": None,
    }
    row = acled_row(incident_event(incident, NAMES.__getitem__), _place)
    assert row["time_precision"] == 3  # known to within weeks only
    assert row["sub_event_type"] == "Remote explosive/landmine/IED"
    assert (row["actor1"], row["actor2"], row["geo_precision"]) == ("Side A", "", 2)
    assert "determined" in row["notes"] and "confirmed" in row["notes"]
