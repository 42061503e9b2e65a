from __future__ import annotations

import pytest

from truceline.incidents.categories import CATEGORIES, compatibility
from truceline.incidents.gates import DEFAULT_CONFIG, compare

from .factories import source


def test_space_gate_is_the_sum_of_radii_plus_slack() -> None:
    gate = 600.0 + 400.0 + DEFAULT_CONFIG.spatial_slack_m
    assert gate > DEFAULT_CONFIG.min_space_gate_m
    a = source("a", radius_m=600.0)
    inside = source("b", radius_m=400.0, east_m=gate - 1.0)
    outside = source("c", radius_m=400.0, east_m=gate + 1.0)
    t_in, t_out = compare(a, inside), compare(a, outside)
    assert t_in.space_gate_m == pytest.approx(gate)
    assert t_in.within() and not t_out.within()
    assert t_out.within(DEFAULT_CONFIG.duplicate_factor)


def test_precise_sources_still_meet_within_one_happenings_extent() -> None:
    floor = DEFAULT_CONFIG.min_space_gate_m
    a = source("a", radius_m=20.0)
    assert compare(a, source("b", radius_m=20.0, east_m=floor - 1.0)).within()
    assert not compare(a, source("c", radius_m=20.0, east_m=floor + 1.0)).within()


def test_time_gate_is_the_sum_of_the_kinds_slacks() -> None:
    slack = DEFAULT_CONFIG.time_slack
    gate_min = (slack["event"] + slack["allegation"]).total_seconds() / 60
    event = source("e", "event")
    near = source("al", "allegation", minutes=gate_min - 0.5)
    late = source("al2", "allegation", minutes=gate_min + 0.5)
    assert compare(event, near).within()
    assert not compare(event, late).within()


def test_windows_that_overlap_have_no_gap() -> None:
    long_report = source("mr", "monitor_report", minutes=-60, duration_min=120)
    assert compare(long_report, source("e", minutes=30)).time_gap_s == 0.0


def test_incompatible_categories_never_match() -> None:
    a = source("a", category="restriction")
    b = source("b", category="weapon_sighting")
    assert compatibility("restriction", "weapon_sighting") == 0.0
    assert not compare(a, b).within(10.0)


def test_a_source_without_location_matches_only_through_a_link() -> None:
    unplaced = source("al", "allegation", located=False)
    event = source("e")
    assert not compare(unplaced, event).within()
    linked = source("rsp", "allegation", located=False, links={"e"})
    assert compare(event, linked).within() and compare(event, linked).score == 1.0


def test_compare_is_symmetric() -> None:
    a = source("a", radius_m=80.0, minutes=1.0, category="fire", kind="finding")
    b = source("b", "monitor_report", east_m=300.0, north_m=-90.0, radius_m=900.0)
    ab, ba = compare(a, b), compare(b, a)
    assert ab == ba
    assert 0.0 < ab.score <= 1.0
    assert "m apart" in ab.reason and "min apart" in ab.reason


def test_compatibility_table_is_symmetric_and_reflexive() -> None:
    for x in CATEGORIES:
        assert compatibility(x, x) == 1.0
        for y in CATEGORIES:
            assert compatibility(x, y) == compatibility(y, x)
            assert 0.0 <= compatibility(x, y) <= 1.0
