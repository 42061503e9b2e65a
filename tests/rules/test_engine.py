"""The engine as a whole: deterministic ids, markings, judged types, several agreements."""

from __future__ import annotations

import random
from typing import Any

from truceline.formats.records import Observation
from truceline.rules import Finding, RuleOptions, check, finding_id

from .conftest import agreement, east_of_line, event, located, observation

A = agreement()
FIELDS = {
    "id",
    "rule",
    "subjects",
    "time",
    "location",
    "responsible_side",
    "affected_side",
    "grave",
    "agreement",
    "instrument",
    "basis",
    "facts",
}


def _inputs() -> tuple[list[dict[str, Any]], list[Observation]]:
    llat, llon = east_of_line(48.0, 6_000.0)
    events = [
        event("ev-1", llat, llon, "launch", side="B", paired_with="ev-2"),
        event(
            "ev-2",
            48.0,
            37.49,
            "impact",
            side="A",
            paired_with="ev-1",
            markings={"releasable_to": ["USA", "MISSION"], "tlp": "AMBER"},
        ),
        event("ev-3", 48.2, 37.3, "unknown", time="2026-03-02T05:00:00Z"),
    ]
    tlat, tlon = east_of_line(48.3, 8_000.0)
    observations = [
        observation(
            "mr-1",
            "weapon_sighting",
            weapon_class="tank",
            side="B",
            markings={"releasable_to": ["PUBLIC"], "tlp": "CLEAR"},
            **located(tlat, tlon),
        ),
        observation("mr-2", "restriction", subtype="delay", place="Somewhere"),
    ]
    return events, observations


def test_every_finding_has_exactly_the_spec_fields() -> None:
    events, observations = _inputs()
    findings = check([A], events=events, observations=observations)
    assert {f.rule for f in findings} == {
        "fire",
        "fire_in_disengagement_area",
        "weapon_in_withdrawal_zone",
        "restriction_on_monitors",
    }
    for f in findings:
        d = f.to_dict()
        assert set(d) - {"markings"} == FIELDS
        assert d["agreement"] == {"id": "test-2026", "version": 1}
        assert d["facts"]["agreement_version"] == 1
        assert d["id"].startswith("fd-") and len(d["id"]) == 19


def test_ids_are_deterministic_and_independent_of_input_order() -> None:
    events, observations = _inputs()
    first = check([A], events=events, observations=observations)
    random.Random(3).shuffle(events)
    observations.reverse()
    again = check([A], events=events, observations=observations)
    assert [f.to_dict() for f in first] == [f.to_dict() for f in again]
    fire = next(f for f in first if f.rule == "fire" and "ev-1" in f.subjects)
    assert fire.id == finding_id("fire", "test-2026", ["ev-2", "ev-1"])


def test_markings_are_derived_from_the_subjects() -> None:
    events, observations = _inputs()
    found = {
        (f.rule, f.subjects[0]): f for f in check([A], events=events, observations=observations)
    }
    pair = found[("fire", "ev-1")]
    # ev-1 carries none (so the default, MISSION), ev-2 USA and MISSION: only MISSION remains
    assert pair.markings is not None and pair.markings.releasable_to == ["MISSION"]
    assert found[("weapon_in_withdrawal_zone", "mr-1")].markings.tlp == "CLEAR"  # type: ignore[union-attr]
    assert found[("fire", "ev-3")].markings is None
    assert "markings" not in found[("fire", "ev-3")].to_dict()


def test_allegations_are_judged_only_when_asked() -> None:
    lat, lon = east_of_line(48.3, 8_000.0)
    claim = observation(
        "al-1",
        "weapon_sighting",
        type="allegation",
        originator="A",
        accused_side="B",
        weapon_class="tank",
        side="B",
        **located(lat, lon),
    )
    assert check([A], observations=[claim]) == []
    opts = RuleOptions(judged_observation_types=("monitor_report", "allegation"))
    [f] = check([A], observations=[claim], options=opts)
    assert f.rule == "weapon_in_withdrawal_zone"


def test_coexisting_agreements_are_each_judged() -> None:
    other = agreement(id="local-accord", prohibited=["fire"])
    events, _ = _inputs()
    findings: list[Finding] = check([A, other], events=events[2:])
    assert sorted(f.agreement_id for f in findings) == ["local-accord", "test-2026"]
    assert len({f.id for f in findings}) == 2
