"""Walk an incident to any state through allowed transitions (for workflow tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from truceline.incidents.determination import Determination
from truceline.incidents.requests import (
    Archive,
    Assign,
    Determine,
    MarkDuplicate,
    Publish,
    Request,
    Submit,
    Triage,
)
from truceline.incidents.workflow import Actor, Decision, IncidentState, open_incident, transition

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
ANALYST = Actor("ana", "analyst")
INVESTIGATOR = Actor("inv", "investigator")
REVIEWER = Actor("rev", "reviewer")
COMMISSIONER = Actor("com", "commissioner")
ADMIN = Actor("adm", "admin")
VIOLATION = Determination(
    outcome="violation",
    responsible_side="B",
    confidence="high",
    basis="Launch located 14.2 km behind side B's line (95 % ellipse 40 m); impact 2.1 km "
    "inside side A's area; two independent sensor owners.",
    remedies=("Side B to withdraw the battery beyond 25 km within 72 h",),
)

PATH: dict[str, list[tuple[Request, Actor]]] = {
    "received": [],
    "triaged": [(Triage(), ANALYST)],
    "under_investigation": [(Triage(), ANALYST), (Assign(), INVESTIGATOR)],
    "ready_for_review": [
        (Triage(), ANALYST),
        (Assign(), INVESTIGATOR),
        (Submit("Two sensor owners place the launch behind B's line."), INVESTIGATOR),
    ],
}
PATH["determined"] = [*PATH["ready_for_review"], (Determine(VIOLATION), REVIEWER)]
PATH["published"] = [*PATH["determined"], (Publish(), COMMISSIONER)]
PATH["archived"] = [*PATH["published"], (Archive(), COMMISSIONER)]
PATH["duplicate"] = [(MarkDuplicate("inc-other"), ANALYST)]


def reach(state: str, incident_id: str = "inc-1") -> tuple[IncidentState, list[Decision]]:
    """The incident in ``state``, with the decisions that brought it there (hourly steps)."""
    inc, first = open_incident(incident_id, ADMIN, T0)
    decisions = [first]
    for i, (request, actor) in enumerate(PATH[state], start=1):
        inc, d = transition(inc, request, actor, inc.version, T0 + timedelta(hours=i))
        decisions.append(d)
    assert inc.state == state
    return inc, decisions


def later(inc: IncidentState, hours: float = 1.0) -> datetime:
    return inc.updated_at + timedelta(hours=hours)
