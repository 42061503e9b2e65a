from __future__ import annotations

import itertools
from dataclasses import replace
from typing import get_args

import pytest

from truceline.access import policy
from truceline.incidents.determination import Determination
from truceline.incidents.errors import (
    IncidentInputError,
    RoleError,
    StaleVersionError,
    WorkflowError,
)
from truceline.incidents.requests import (
    AddDissent,
    Amend,
    Archive,
    Assign,
    Determine,
    MarkDuplicate,
    Publish,
    Request,
    SendBack,
    Submit,
    Triage,
)
from truceline.incidents.workflow import (
    ROLES,
    STATES,
    Actor,
    Decision,
    IncidentState,
    Role,
    allowed_actions,
    decision_from_dict,
    determination_in_force,
    incident_from_dict,
    open_incident,
    replay,
    transition,
)

from .workflow_helpers import (
    ADMIN,
    COMMISSIONER,
    INVESTIGATOR,
    REVIEWER,
    T0,
    VIOLATION,
    later,
    reach,
)

# The brief's table, written out independently of the module's RULES:
# (state, action) -> (new state, roles allowed)
EXPECTED: dict[tuple[str, str], tuple[str, set[str]]] = {
    ("received", "triage"): ("triaged", {"analyst"}),
    ("triaged", "assign"): ("under_investigation", {"investigator"}),
    ("under_investigation", "assign"): ("under_investigation", {"investigator"}),
    ("under_investigation", "submit"): ("ready_for_review", {"investigator"}),
    ("ready_for_review", "return"): ("under_investigation", {"reviewer", "commissioner"}),
    ("ready_for_review", "determine"): ("determined", {"reviewer", "commissioner"}),
    ("determined", "amend"): ("determined", {"reviewer", "commissioner"}),
    ("published", "amend"): ("published", {"commissioner"}),
    ("determined", "dissent"): ("determined", {"commissioner"}),
    ("published", "dissent"): ("published", {"commissioner"}),
    ("determined", "publish"): ("published", {"commissioner"}),
    ("published", "archive"): ("archived", {"commissioner", "admin"}),
}
for _s in ("received", "triaged", "under_investigation", "ready_for_review"):
    EXPECTED[(_s, "mark_duplicate")] = (
        "duplicate",
        {"analyst", "investigator", "reviewer", "commissioner"},
    )
ACTIONS = sorted({a for _, a in EXPECTED})


def _request(action: str, inc: IncidentState) -> Request:
    ref = inc.determination or "none"
    requests: dict[str, Request] = {
        "triage": Triage(),
        "assign": Assign("inv"),
        "submit": Submit("summary"),
        "return": SendBack("more crater analysis"),
        "determine": Determine(VIOLATION),
        "amend": Amend(ref, VIOLATION, "new imagery"),
        "dissent": AddDissent(ref, "The launch point is too uncertain."),
        "publish": Publish(),
        "archive": Archive(),
        "mark_duplicate": MarkDuplicate("inc-other"),
    }
    return requests[action]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_every_transition_by_every_role(state: str, action: str, role: str) -> None:
    inc, _ = reach(state)
    actor = Actor("inv" if role == "investigator" else f"user-{role}", role)  # type: ignore[arg-type]
    allowed = EXPECTED.get((state, action))
    any_role = set().union(*(r for (_, a), (_, r) in EXPECTED.items() if a == action))

    def call() -> tuple[IncidentState, Decision]:
        return transition(inc, _request(action, inc), actor, inc.version, later(inc))

    if allowed is not None and role in allowed[1]:
        new, decision = call()
        assert new.state == decision.to_state == allowed[0]
        assert (decision.from_state, decision.version, new.version) == (
            state,
            inc.version + 1,
            inc.version + 1,
        )
        assert (decision.actor, decision.role, decision.action) == (actor.user, role, action)
    elif role not in any_role or allowed is not None:
        with pytest.raises(RoleError) as err:
            call()
        assert inc.id in err.value.message and action in err.value.message
        assert err.value.status == 403
    else:
        with pytest.raises(WorkflowError) as refused:
            call()
        assert inc.id in refused.value.message and state in refused.value.message
        assert refused.value.status == 409


def test_the_full_walk_is_versioned_and_replayable() -> None:
    inc, decisions = reach("archived")
    assert [d.version for d in decisions] == list(range(1, len(decisions) + 1))
    assert [d.to_state for d in decisions] == [
        "received", "triaged", "under_investigation", "ready_for_review",
        "determined", "published", "archived",
    ]  # fmt: skip
    assert all(b.from_state == a.to_state for a, b in itertools.pairwise(decisions))
    assert replay(decisions) == inc
    stored = [decision_from_dict(d.as_dict()) for d in decisions]
    assert stored == decisions
    assert incident_from_dict(inc.as_dict()) == inc
    with pytest.raises(IncidentInputError, match="stored incident"):
        incident_from_dict({**inc.as_dict(), "state": "closed"})


def test_opening_needs_a_role_that_files_reports() -> None:
    with pytest.raises(RoleError):
        open_incident("inc-9", Actor("x", "public"), T0)
    inc, d = open_incident("inc-9", Actor("lo-a", "party_liaison"), T0)
    assert (inc.state, inc.version, d.from_state, d.to_state) == ("received", 1, None, "received")


def test_two_person_rule_the_investigator_cannot_review() -> None:
    inc, _ = reach("ready_for_review")
    as_reviewer = Actor("inv", "reviewer")  # the same person holding a second role
    for request in (Determine(VIOLATION), SendBack("x")):
        with pytest.raises(RoleError, match="two-person rule"):
            transition(inc, request, as_reviewer, inc.version, later(inc))
    new, _ = transition(inc, Determine(VIOLATION), REVIEWER, inc.version, later(inc))
    assert new.state == "determined"


def test_a_former_investigator_still_cannot_review() -> None:
    inc, _ = reach("under_investigation")
    inc, _ = transition(inc, Assign("inv-2"), INVESTIGATOR, inc.version, later(inc))
    inc, _ = transition(
        inc, Submit("done"), Actor("inv-2", "investigator"), inc.version, later(inc)
    )
    with pytest.raises(RoleError, match="inv investigated"):
        transition(inc, Determine(VIOLATION), Actor("inv", "commissioner"), inc.version, later(inc))


def test_only_the_assigned_investigator_submits() -> None:
    inc, _ = reach("under_investigation")
    with pytest.raises(RoleError, match="assigned investigator"):
        transition(inc, Submit("x"), Actor("other", "investigator"), inc.version, later(inc))


def test_reassignment_keeps_the_stage_clock() -> None:
    inc, _ = reach("under_investigation")
    new, _ = transition(inc, Assign("inv-2"), INVESTIGATOR, inc.version, later(inc))
    assert new.since == inc.since and new.investigator == "inv-2"
    assert new.investigators == {"inv", "inv-2"}


def test_stale_version_is_refused_and_nothing_changes() -> None:
    inc, _ = reach("received")
    before = replace(inc)
    moved, _ = transition(inc, Triage(), Actor("ana", "analyst"), 1, later(inc))
    with pytest.raises(StaleVersionError) as err:
        transition(moved, MarkDuplicate("inc-2"), Actor("ana2", "analyst"), 1, later(moved))
    assert "version 1" in err.value.message and "version 2" in err.value.message
    assert err.value.status == 409
    assert inc == before and moved.state == "triaged"


def test_a_determined_incident_is_sealed_and_changes_by_amendment() -> None:
    inc, decisions = reach("determined")
    first = inc.determination
    assert first == decisions[-1].id
    with pytest.raises(WorkflowError, match="sealed") as err:
        transition(inc, Determine(VIOLATION), REVIEWER, inc.version, later(inc))
    assert first is not None and first in err.value.message and "amend" in err.value.message
    amended = Determination(
        "violation", "B", "medium", "Satellite imagery shows the battery moved earlier."
    )
    inc2, d = transition(
        inc, Amend(first, amended, "imagery"), COMMISSIONER, inc.version, later(inc)
    )
    assert d.refers_to == first and inc2.determination == d.id != first
    assert inc2.state == "determined"
    with pytest.raises(StaleVersionError, match="in force"):
        transition(inc2, Amend(first, amended, "again"), REVIEWER, inc2.version, later(inc2))
    inc3, dissent = transition(
        inc2, AddDissent(d.id, "Confidence should be low."), COMMISSIONER, inc2.version, later(inc2)
    )
    in_force = determination_in_force([*decisions, d, dissent])
    assert in_force is not None
    assert in_force[0] == d.id and in_force[1].confidence == "medium"
    assert [(x.commissioner, x.text) for x in in_force[1].dissents] == [
        ("com", "Confidence should be low.")
    ]
    assert decisions[-1].payload == Determine(VIOLATION)  # the original stands unchanged
    assert replay([*decisions, d, dissent]) == inc3


def test_duplicate_needs_another_incident_and_ends_the_work() -> None:
    inc, _ = reach("triaged")
    with pytest.raises(IncidentInputError, match="itself"):
        transition(inc, MarkDuplicate("inc-1"), REVIEWER, inc.version, later(inc))
    dup, _ = transition(inc, MarkDuplicate("inc-7"), REVIEWER, inc.version, later(inc))
    assert dup.duplicate_of == "inc-7"
    with pytest.raises(WorkflowError, match="inc-7"):
        transition(dup, Triage(), Actor("ana", "analyst"), dup.version, later(dup))


def test_decision_time_cannot_go_backwards() -> None:
    inc, _ = reach("triaged")
    with pytest.raises(IncidentInputError, match="before the last decision"):
        transition(inc, Assign(), INVESTIGATOR, inc.version, T0)


def test_replay_refuses_a_tampered_log() -> None:
    _, decisions = reach("published")
    forged = list(decisions)
    forged[4] = replace(forged[4], actor="inv", role="reviewer")  # the investigator determines
    with pytest.raises(RoleError):
        replay(forged)
    with pytest.raises(IncidentInputError, match="does not follow"):
        replay([*decisions[:2], replace(decisions[2], to_state="triaged")])
    with pytest.raises(IncidentInputError, match="starts with"):
        replay(decisions[1:])


def test_allowed_actions_follow_role_and_person() -> None:
    inc, _ = reach("ready_for_review")
    assert set(allowed_actions(inc, REVIEWER)) == {"return", "determine", "mark_duplicate"}
    assert allowed_actions(inc, Actor("inv", "reviewer")) == ("mark_duplicate",)
    assert allowed_actions(inc, Actor("x", "public")) == ()
    inc, _ = reach("published")
    assert set(allowed_actions(inc, ADMIN)) == {"archive"}


def test_workflow_roles_are_the_access_roles_but_sensor_feed() -> None:
    """``Role`` is spelled out for the type checker; it must not drift from the policy."""
    assert set(get_args(Role)) == set(policy.ROLES) - {"sensor_feed"}
    assert len(get_args(Role)) == len(policy.ROLES) - 1
