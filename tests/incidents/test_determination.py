from __future__ import annotations

from typing import Any

import pytest

from truceline.incidents.determination import Determination, Dissent, determination_from_dict
from truceline.incidents.errors import IncidentInputError
from truceline.incidents.requests import (
    ACTIONS,
    Amend,
    Determine,
    MarkDuplicate,
    parse_request,
    request_as_dict,
)

BASIS = "Impact 2.1 km inside side A's area; launch 14.2 km behind side B's line."


@pytest.mark.parametrize(
    ("outcome", "side", "confidence"),
    [
        ("violation", "B", "high"),
        ("violation", "A", "low"),
        ("violation", None, "not_attributable"),
        ("no_violation", None, "not_attributable"),
        ("inconclusive", None, "not_attributable"),
    ],
)
def test_consistent_determinations_are_accepted(
    outcome: Any, side: str | None, confidence: Any
) -> None:
    d = Determination(outcome, side, confidence, BASIS)
    assert determination_from_dict(d.as_dict()) == d


@pytest.mark.parametrize(
    ("outcome", "side", "confidence", "basis", "field"),
    [
        ("violation", "B", "high", "  ", "basis"),
        ("violation", None, "high", BASIS, "confidence"),
        ("violation", "B", "not_attributable", BASIS, "responsible_side"),
        ("no_violation", "B", "not_attributable", BASIS, "responsible_side"),
        ("inconclusive", None, "medium", BASIS, "confidence"),
        ("breach", None, "not_attributable", BASIS, "outcome"),
        ("violation", "B", "certain", BASIS, "confidence"),
    ],
)
def test_inconsistent_determinations_name_the_field(
    outcome: Any, side: str | None, confidence: Any, basis: str, field: str
) -> None:
    with pytest.raises(IncidentInputError) as err:
        Determination(outcome, side, confidence, basis)
    assert field in {p.field for p in err.value.problems}
    assert err.value.status == 422


def test_dissents_and_remedies_must_say_something() -> None:
    with pytest.raises(IncidentInputError) as err:
        Determination("violation", "B", "high", BASIS, (Dissent("", "x"),), ("",))
    assert {p.field for p in err.value.problems} == {"dissents.0", "remedies.0"}


def test_parse_request_round_trips_every_field() -> None:
    body = {
        "amends": "inc-1:v5",
        "reason": "new imagery",
        "determination": {
            "outcome": "violation",
            "responsible_side": "B",
            "confidence": "medium",
            "basis": BASIS,
            "dissents": [{"commissioner": "com-2", "text": "Too uncertain."}],
            "remedies": ["Withdraw the battery"],
        },
    }
    req = parse_request("amend", body)
    assert isinstance(req, Amend) and req.determination.dissents[0].commissioner == "com-2"
    assert request_as_dict(req) == body
    assert parse_request("mark_duplicate", {"duplicate_of": "inc-2"}) == MarkDuplicate("inc-2")


def test_parse_request_names_every_bad_field() -> None:
    with pytest.raises(IncidentInputError) as err:
        parse_request("determine", {"determination": {"outcome": "violation", "basis": ""}})
    fields = {p.field for p in err.value.problems}
    assert "determination.basis" in fields
    with pytest.raises(IncidentInputError) as err:
        parse_request("amend", {"determination": "x"})
    assert {"amends", "reason", "determination"} <= {str(p.field) for p in err.value.problems}
    with pytest.raises(IncidentInputError, match="unknown workflow action"):
        parse_request("delete", {})
    with pytest.raises(IncidentInputError) as err:
        parse_request("triage", {"grave": "yes"})
    assert err.value.problems[0].field == "grave"


def test_every_action_parses_from_its_own_json() -> None:
    minimal: dict[str, dict[str, Any]] = {
        "submit": {"summary": "s"},
        "return": {"reason": "r"},
        "determine": {"determination": Determination("violation", "B", "low", BASIS).as_dict()},
        "amend": {
            "amends": "x",
            "reason": "r",
            "determination": Determination(
                "inconclusive", None, "not_attributable", BASIS
            ).as_dict(),
        },
        "dissent": {"refers_to": "x", "text": "t"},
        "mark_duplicate": {"duplicate_of": "inc-2"},
    }
    for action in ACTIONS:
        req = parse_request(action, minimal.get(action, {}))
        assert req.action == action
        assert parse_request(action, request_as_dict(req)) == req
    assert isinstance(parse_request("determine", minimal["determine"]), Determine)
