from __future__ import annotations

from typing import Any

import pytest

from truceline.incidents.corroboration import Coverage, grade, independence_lines
from truceline.incidents.sources import Source

from .factories import source


def allegation(sid: str = "al-1", by: str = "A", blames: str | None = "B", **kw: Any) -> Source:
    return source(sid, "allegation", originator=by, blamed=blames, **kw)


def test_a_single_allegation_is_weak() -> None:
    g = grade([allegation()])
    assert g.grade == "weak" and g.independent == 1
    assert "al-1" in g.reason


def test_two_allegations_from_one_side_are_one_line_and_weak() -> None:
    g = grade([allegation("al-1"), allegation("al-2")])
    assert g.grade == "weak" and g.independent == 1
    assert g.lines == (("al-1", "al-2"),)


def test_a_finding_and_the_event_it_rests_on_are_one_line() -> None:
    event = source("ev-1", originator="USA", blamed="B")
    finding = source("f-1", "finding", category="fire", key={"record:ev-1"}, blamed="B")
    g = grade([event, finding])
    assert g.grade == "weak" and g.independent == 1


def test_shared_tokens_chain_into_one_line() -> None:
    a = source("a", key={"t1"})
    b = source("b", key={"t1", "t2"})
    c = source("c", key={"t2"})
    d = source("d", key={"t3"})
    assert [[s.id for s in ln] for ln in independence_lines([d, c, b, a])] == [
        ["a", "b", "c"],
        ["d"],
    ]


def test_events_of_different_sensor_owners_confirm_each_other() -> None:
    same = grade([source("ev-1", originator="USA"), source("ev-2", originator="USA")])
    other = grade([source("ev-1", originator="USA"), source("ev-2", originator="GBR")])
    assert same.grade == "weak"
    assert other.grade == "confirmed" and other.independent == 2


def test_an_allegation_and_an_unrelated_outlet_are_fair() -> None:
    g = grade(
        [allegation(), source("os-1", "open_source", originator="KYIV_INDEPENDENT", blamed="B")]
    )
    assert g.grade == "fair" and not g.strong


def test_an_allegation_corroborated_by_a_finding_is_confirmed() -> None:
    g = grade([allegation(), source("f-1", "finding", category="fire", blamed="B")])
    assert g.grade == "confirmed" and g.technical and g.blamed == ("B",)


def test_a_monitor_report_is_strong_enough_to_confirm() -> None:
    g = grade([allegation(), source("mr-1", "monitor_report", originator="P-3")])
    assert g.grade == "confirmed" and not g.technical and g.strong


def test_allegation_against_counter_allegation_is_contested() -> None:
    g = grade([allegation("al-1", "A", "B"), allegation("al-2", "B", "A")])
    assert g.grade == "contested"
    assert "al-1" in g.reason and "al-2" in g.reason


def test_technical_sources_that_disagree_are_contested() -> None:
    g = grade(
        [
            source("f-1", "finding", category="fire", blamed="B"),
            source("ev-7", originator="GBR", blamed="A"),
        ]
    )
    assert g.grade == "contested" and g.blamed == ("A", "B")


def test_a_denial_against_an_uncorroborated_accusation_is_contested() -> None:
    denial = allegation("rsp-1", "B", "B", stance="denies", links={"al-1"})
    g = grade([allegation(), denial])
    assert g.grade == "contested" and g.denials == ("rsp-1",)
    assert "denies" in g.reason


def test_a_denial_outweighed_by_technical_evidence_still_confirms() -> None:
    denial = allegation("rsp-1", "B", "B", stance="denies")
    g = grade([allegation(), source("f-1", "finding", category="fire", blamed="B"), denial])
    assert g.grade == "confirmed"
    assert "outweighed" in g.reason and "rsp-1" in g.reason


def test_a_denial_alone_is_weak() -> None:
    g = grade([allegation("rsp-1", "B", "B", stance="denies")])
    assert g.grade == "weak" and g.independent == 0


SILENT = Coverage(operational_sensors=3, heard_nothing=True, owners=frozenset({"USA", "GBR"}))


def test_an_allegation_the_sensors_did_not_hear_is_discounted() -> None:
    g = grade([allegation(), source("os-1", "open_source", blamed="B")], SILENT)
    assert g.grade == "discounted"
    assert "3 operational sensors" in g.reason and "GBR, USA" in g.reason


@pytest.mark.parametrize(
    ("coverage", "extra", "category"),
    [
        (Coverage(operational_sensors=1, heard_nothing=True), None, "explosion"),
        (Coverage(operational_sensors=3, heard_nothing=False), None, "explosion"),
        (SILENT, source("mr-1", "monitor_report"), "explosion"),
        (SILENT, None, "weapon_sighting"),  # acoustic sensors cannot see tanks
    ],
)
def test_silence_does_not_discount_what_it_cannot_refute(
    coverage: Coverage, extra: Source | None, category: str
) -> None:
    sources = [allegation(category=category)]
    if extra is not None:
        sources.append(extra)
    assert grade(sources, coverage).grade != "discounted"


def test_grading_needs_a_source() -> None:
    with pytest.raises(ValueError, match="at least one"):
        grade([])
