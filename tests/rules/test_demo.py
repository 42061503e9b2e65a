"""A run over the demo data finds what the demo was built to contain.

scripts/build_demo_data.py plants these on 2 March 2026: two tanks 8 km behind side RU's
line, a UAV flying from side RU into the filter station's no-fly zone, a denial of passage
at a checkpoint near Zolote, three howitzers missing from the Ilovaisk holding area, armed
men digging inside the Zolote disengagement area, an impact by the filter station and one
inside the Zolote area.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from truceline.agreement.io import read_agreement_file
from truceline.formats.records import Observation, Track
from truceline.rules import Finding, check

DATA = Path(__file__).resolve().parents[2] / "src" / "truceline" / "demo" / "data"


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    agreement = read_agreement_file(DATA / "agreement.geojson")
    lines = (DATA / "observations.ndjson").read_bytes().splitlines()
    observations = [Observation.model_validate(orjson.loads(x)) for x in lines if x.strip()]
    lines = (DATA / "tracks.ndjson").read_bytes().splitlines()
    tracks = [Track.model_validate(orjson.loads(x)) for x in lines if x.strip()]
    return check([agreement], observations=observations, tracks=tracks)


def _one(findings: list[Finding], rule: str, subject: str) -> Finding:
    [f] = [f for f in findings if f.rule == rule and subject in f.subjects]
    return f


def test_tanks_in_the_withdrawal_zone(findings: list[Finding]) -> None:
    f = _one(findings, "weapon_in_withdrawal_zone", "mr-2026-03-02-0040")
    assert f.responsible_side == "RU" and f.facts["weapon_class"] == "tank"
    assert 7_000.0 < f.facts["distance_m"] < 9_000.0 and f.facts["limit_km"] == 15


def test_uav_into_the_no_fly_zone(findings: list[Finding]) -> None:
    [f] = [
        f
        for f in findings
        if f.rule == "airspace"
        and f.facts.get("kind") == "no_fly_zone"
        and f.subjects == ("tr-0009",)
    ]
    assert f.facts["zone"] == "Donetsk Filter Station no-fly zone"
    assert f.responsible_side == "RU"


def test_denial_of_access(findings: list[Finding]) -> None:
    f = _one(findings, "restriction_on_monitors", "mr-2026-03-02-0050")
    assert f.responsible_side == "RU" and f.facts["subtype"] == "denial"


def test_howitzers_missing_from_the_holding_area(findings: list[Finding]) -> None:
    f = _one(findings, "weapon_missing_from_holding_area", "mr-2026-03-02-0045")
    assert f.facts["holding_area"] == "Ilovaisk holding area" and f.facts["missing_count"] == 3
    assert f.responsible_side == "RU"


def test_armed_men_in_the_zolote_area(findings: list[Finding]) -> None:
    f = _one(findings, "presence_in_disengagement_area", "mr-2026-03-02-0032")
    assert f.facts["area"] == "Zolote disengagement area" and f.responsible_side == "UA"


def test_grave_fire_at_the_filter_station_and_in_zolote(findings: list[Finding]) -> None:
    site = _one(findings, "fire_at_protected_site", "mr-2026-03-02-0030")
    assert site.grave and site.facts["site"] == "Donetsk Filter Station"
    area = _one(findings, "fire_in_disengagement_area", "mr-2026-03-02-0031")
    assert area.grave and area.facts["area"] == "Zolote disengagement area"


def test_what_the_demo_does_not_contain(findings: list[Finding]) -> None:
    # only monitor reports are judged, place-only reports have no geometry, and the armoured
    # column's class has no withdrawal distance in the demo agreement
    judged = {s for f in findings for s in f.subjects}
    assert not any(s.startswith(("al-", "os-")) for s in judged)
    assert "tr-0010" not in judged and "mr-2026-03-02-0052" not in judged
    assert Counter(f.rule for f in findings)["fire_at_protected_site"] == 1
