"""Rule ``weapon_in_withdrawal_zone``: a class of weapon inside its distance of the line."""

from __future__ import annotations

from typing import Any

from truceline.rules import Finding, check

from .conftest import agreement, east_of_line, located, observation, track

A = agreement()  # tank 15 km, artillery_100mm_plus 25 km (with its own instrument)


def _zone(**kw: Any) -> list[Finding]:
    agreements = kw.pop("agreements", [A])
    return [f for f in check(agreements, **kw) if f.rule == "weapon_in_withdrawal_zone"]


def _tanks(metres: float, **fields: Any) -> Any:
    lat, lon = east_of_line(48.3, metres)
    base = {"count": 2, "means": "uav", "weapon_class": "tank", "side": "B"}
    return observation("mr-t", "weapon_sighting", **{**base, **located(lat, lon, 100.0), **fields})


def test_tanks_8_km_behind_their_line_are_inside_the_15_km_zone() -> None:
    [f] = _zone(observations=[_tanks(8_000.0)])
    assert f.responsible_side == "B" and f.affected_side is None
    assert abs(f.facts["distance_m"] - 8_000.0) < 0.1 and f.facts["limit_km"] == 15
    assert f.facts["side_from"] == "report"
    assert f.basis.startswith("2 × tank of side B (seen from a UAV) 8.0 km behind side B's line")
    assert f.instrument == "Art. 1"  # no instrument on the entry: the contact line's


def test_outside_the_distance_or_on_the_other_sides_ground_is_no_finding() -> None:
    assert _zone(observations=[_tanks(16_000.0)]) == []
    assert _zone(observations=[_tanks(-8_000.0)]) == []  # B's tanks on A's ground


def test_the_owner_defaults_to_the_side_holding_the_ground() -> None:
    lat, lon = east_of_line(48.3, -20_000.0)
    obs = observation(
        "mr-a", "weapon_sighting", weapon_class="artillery_100mm_plus", **located(lat, lon)
    )
    [f] = _zone(observations=[obs])
    assert f.responsible_side == "A" and f.facts["side_from"] == "ground"
    assert f.instrument == "Art. 2"  # the withdrawal entry's own instrument


def test_weapons_in_their_owners_declared_holding_area_are_not_in_breach() -> None:
    # East depot (side B) lies at 38.2 E, about 52 km from the line: make artillery reach it
    wide = agreement(withdrawal=[{"weapon_class": "artillery_100mm_plus", "distance_km": 60}])
    obs = observation(
        "mr-h",
        "weapon_sighting",
        weapon_class="artillery_100mm_plus",
        side="B",
        **located(47.7, 38.2),
    )
    assert _zone(agreements=[wide], observations=[obs]) == []
    moved = obs.model_copy(update={"location": obs.location.model_copy(update={"lat": 47.8})})  # type: ignore[union-attr]
    assert len(_zone(agreements=[wide], observations=[moved])) == 1


def test_a_version_in_force_later_changes_the_verdict() -> None:
    v2 = agreement(
        version=2,
        effective_from="2026-03-10T00:00:00Z",
        withdrawal=[{"weapon_class": "tank", "distance_km": 5}],
    )
    before = _tanks(8_000.0)
    after = _tanks(8_000.0, time_from="2026-03-11T10:00:00Z", time_to="2026-03-11T10:00:00Z")
    [f] = _zone(agreements=[A, v2], observations=[before, after])
    assert f.subjects == ("mr-t",) and f.agreement_version == 1
    assert _zone(agreements=[A, v2], observations=[after]) == []


def test_a_bearing_report_counts_when_its_area_reaches_into_the_zone() -> None:
    lat, lon = east_of_line(48.3, 30_000.0)
    obs = observation(
        "mr-b",
        "weapon_sighting",
        weapon_class="tank",
        side="B",
        observer={"lat": lat, "lon": lon},
        direction_deg=270.0,
        distance_m=[12_000.0, 20_000.0],  # 10-18 km from the line, due west
    )
    [f] = _zone(observations=[obs])
    assert 9_000.0 < f.facts["distance_m"] < 10_050.0
    assert f.facts["place"]["kind"] == "bearing_sector"
    assert "in an area reaching to within" in f.basis


def test_a_track_of_a_weapon_entering_the_zone() -> None:
    pts = []
    for i, metres in enumerate((30_000.0, 20_000.0, 14_000.0, 10_000.0)):
        lat, lon = east_of_line(48.1, metres)
        pts.append((f"2026-03-02T05:0{i}:00Z", lat, lon))
    tr = track("tr-1", "vehicle", pts, weapon_class="tank")
    [f] = _zone(tracks=[tr])
    assert f.facts["points_inside"] == 2 and f.to_dict()["time"] == "2026-03-02T05:02:00Z"
    assert f.responsible_side == "B" and abs(f.facts["distance_m"] - 14_000.0) < 0.1
    assert _zone(tracks=[track("tr-2", "vehicle", pts[:2], weapon_class="tank")]) == []
