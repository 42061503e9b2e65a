"""CAP 1.2 messages: valid against the official XSD and the rules the XSD cannot check."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from lxml import etree

from tests.alerts.test_text import escalation, grave
from truceline.alerts.cap import CAP_NS, cap_alert, cap_time, scope_of
from truceline.alerts.cap_check import (
    SCHEMA_SHA256,
    problems,
    rule_problems,
    schema_bytes,
    xsd_problems,
)
from truceline.alerts.text import LANGS

NS = {"cap": CAP_NS}
SENT = 1_773_230_400_000_000  # 2026-03-11T12:00:00Z


def _escalation() -> dict[str, Any]:
    a = escalation()
    a.update(
        severity="Severe",
        urgency="Immediate",
        certainty="Likely",
        expires="2026-03-12T05:19:55Z",
        subjects=["fd-1", "fd-2"],
        markings={"releasable_to": ["MISSION"], "tlp": "AMBER"},
        area={
            "description": "Sector Donetsk north",
            "polygons": [[[48.1, 37.6], [48.3, 37.6], [48.3, 37.9], [48.1, 37.9], [48.1, 37.6]]],
        },
    )
    return a


def _grave() -> dict[str, Any]:
    a = grave()
    a.update(
        severity="Extreme",
        urgency="Immediate",
        certainty="Likely",
        time="2026-03-02T02:10:02Z",
        onset="2026-03-02T02:10:02Z",
        expires="2026-03-03T02:10:02Z",
        subjects=["fd-1"],
        markings={"releasable_to": ["PUBLIC"], "tlp": "CLEAR"},
        area={"description": "x", "circle": {"lat": 48.147092, "lon": 37.805271, "radius_km": 1.0}},
    )
    return a


def test_shipped_schema_is_the_official_one() -> None:
    data = schema_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256
    assert b"Copyright OASIS Open 2010" in data


@pytest.mark.parametrize("make", [_escalation, _grave])
def test_messages_validate_in_every_language(make: Any) -> None:
    doc = cap_alert(make(), sender="truceline@truceline.local", sent_us=SENT, langs=LANGS)
    assert problems(doc) == []
    root = etree.fromstring(doc)
    assert [e.text for e in root.findall("cap:info/cap:language", NS)] == list(LANGS)
    assert root.findtext("cap:sent", namespaces=NS) == "2026-03-11T12:00:00-00:00"
    assert all(c.text == "Security" for c in root.findall("cap:info/cap:category", NS))


def test_scope_follows_markings() -> None:
    assert scope_of({"releasable_to": ["PUBLIC"]}) == ("Public", None)
    scope, restriction = scope_of(
        {"releasable_to": ["USA", "MISSION"], "tlp": "AMBER+STRICT", "originator_controlled": True}
    )
    assert scope == "Restricted"
    assert restriction is not None and "MISSION, USA" in restriction and "ORCON" in restriction
    doc = cap_alert(_escalation(), sender="s@x", sent_us=SENT)
    assert etree.fromstring(doc).findtext("cap:scope", namespaces=NS) == "Restricted"


def test_times_carry_an_offset_never_z() -> None:
    assert cap_time("2026-03-02T02:10:02Z") == "2026-03-02T02:10:02-00:00"
    assert cap_time(SENT) == "2026-03-11T12:00:00-00:00"


def _mutate(doc: bytes, path: str, value: str) -> bytes:
    root = etree.fromstring(doc)
    root.find(path, NS).text = value  # type: ignore[union-attr]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_rules_the_xsd_cannot_check() -> None:
    good = cap_alert(_escalation(), sender="truceline@truceline.local", sent_us=SENT)
    plus = _mutate(good, "cap:sent", "2026-03-11T12:00:00+00:00")
    assert xsd_problems(plus) == []  # the schema accepts it ...
    assert any("-00:00" in p for p in rule_problems(plus))  # ... CAP 1.2 3.3.2 does not
    open_ring = _mutate(
        good, "cap:info/cap:area/cap:polygon", "48.1,37.6 48.3,37.6 48.3,37.9 48.1,37.9"
    )
    assert any("not closed" in p for p in problems(open_ring))
    short = _mutate(good, "cap:info/cap:area/cap:polygon", "48.1,37.6 48.3,37.6 48.1,37.6")
    assert any("at least 4" in p for p in problems(short))
    wild = _mutate(good, "cap:info/cap:area/cap:polygon", "48.1,37.6 98,37.6 48.3,37.9 48.1,37.6")
    assert any("outside" in p for p in problems(wild))
    spaced = _mutate(good, "cap:identifier", "al 1")
    assert any("identifier" in p for p in problems(spaced))
    root = etree.fromstring(good)
    root.remove(root.find("cap:restriction", NS))
    assert any("restriction" in p for p in problems(etree.tostring(root)))
    update = _mutate(good, "cap:msgType", "Update")
    assert any("references" in p for p in problems(update))


def test_circle_rules() -> None:
    good = cap_alert(_grave(), sender="truceline@truceline.local", sent_us=SENT)
    assert problems(good) == []
    bad = _mutate(good, "cap:info/cap:area/cap:circle", "48.1,37.6")
    assert any("circle" in p for p in problems(bad))
    negative = _mutate(good, "cap:info/cap:area/cap:circle", "48.1,37.6 -1")
    assert any("negative" in p for p in problems(negative))


def test_the_xsd_itself_rejects_a_z_and_a_wrong_order() -> None:
    good = cap_alert(_grave(), sender="truceline@truceline.local", sent_us=SENT)
    assert xsd_problems(_mutate(good, "cap:sent", "2026-03-11T12:00:00Z"))
    root = etree.fromstring(good)
    status = root.find("cap:status", NS)
    root.remove(status)
    root.append(status)
    assert xsd_problems(etree.tostring(root))
    assert xsd_problems(b"<not-xml")
