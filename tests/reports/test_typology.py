"""The SMM typology of ceasefire violations, from fused events and monitors' reports."""

from __future__ import annotations

from truceline.reports.typology import KINDS, classify, shot_count, shot_kind, tally


def test_fused_events_count_by_phase_and_weapon() -> None:
    assert shot_kind({"phase": "launch"}, "artillery") == "explosion_outgoing"
    assert shot_kind({"phase": "impact"}, "mlrs") == "explosion_impact"
    assert shot_kind({"phase": "unknown"}, "mortar") == "explosion_undetermined"
    assert shot_kind({"phase": "launch"}, "small_arms") == "burst_or_shot"


def test_reports_keep_their_category_and_subtype() -> None:
    assert shot_kind({"category": "explosion", "subtype": "airburst"}) == "explosion_airburst"
    assert shot_kind({"category": "explosion"}) == "explosion_undetermined"
    assert shot_kind({"category": "burst"}) == shot_kind({"category": "shot"}) == "burst_or_shot"
    assert shot_kind({"category": "muzzle_flash"}) == "muzzle_flash"
    assert shot_kind({"category": "illumination_flare"}) == "illumination_flare"
    assert shot_kind({"category": "projectile_in_flight"}) == "projectile_in_flight"
    assert shot_count({"category": "explosion", "count": 12}) == (12, True)
    assert shot_count({"category": "burst", "count": 60, "count_qualifier": "approx"}) == (
        60,
        False,
    )
    assert shot_count({"phase": "impact"}) == (1, True)


def test_a_paired_launch_and_impact_count_as_two_explosions() -> None:
    finding = {
        "facts": {"weapon": "artillery", "shots": [{"phase": "launch"}, {"phase": "impact"}]}
    }
    assert classify(finding) == {"explosion_outgoing": (1, True), "explosion_impact": (1, True)}


def test_tally_lists_every_kind() -> None:
    findings = [
        {"facts": {"shots": [{"category": "explosion", "subtype": "impact", "count": 3}]}},
        {"facts": {"weapon": "small_arms", "shots": [{"phase": "unknown"}]}},
        {"facts": {"shots": [{"category": "burst", "count": 5, "count_qualifier": "at_least"}]}},
    ]
    counts = tally(findings)
    assert list(counts) == list(KINDS)
    assert counts["explosion_impact"] == (3, True)
    assert counts["burst_or_shot"] == (6, False)
    assert counts["muzzle_flash"] == (0, True)
