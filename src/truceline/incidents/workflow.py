"""The verification workflow: states, who may move an incident, and the decisions (pure).

``received`` → ``triaged`` → ``under_investigation`` → ``ready_for_review`` → ``determined``
→ ``published`` → ``archived``, plus ``duplicate`` from any state before ``determined``.
:data:`RULES` is the whole table of (action, from, to, roles); docs/incidents.md prints it.

Every change is a :class:`Decision`, an immutable record of who (user and role), when, from
which state to which, at which version, with what payload; the incident's state is the fold
of its decisions (:func:`replay`). A transition names the version the caller last saw and
is refused if the incident has moved on since (optimistic locking). From ``determined`` on,
the incident is sealed: the determination is never edited; an ``amend`` is a new decision
that references the one it replaces, and a later ``dissent`` references the determination
it dissents from. Two-person rule: nobody who was ever assigned to investigate the incident
may review, return, determine, amend it or dissent on it.

Checks run in this order, so the error says the most useful thing and nothing changes on
any refusal: the role may take the action at all (403); the version is current (409); the
action is allowed from this state (409); the role may take it in this state (403); the
person may (assigned investigator, two-person rule: 403); the payload's references hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final, Literal, get_args

from truceline.errors import Problem
from truceline.incidents.determination import Determination, Dissent
from truceline.incidents.errors import (
    IncidentInputError,
    RoleError,
    StaleVersionError,
    WorkflowError,
)
from truceline.incidents.requests import (
    AddDissent,
    Amend,
    Assign,
    Determine,
    MarkDuplicate,
    Receive,
    Request,
    Triage,
    parse_request,
    request_as_dict,
)
from truceline.timefmt import format_time, parse_time

State = Literal[
    "received",
    "triaged",
    "under_investigation",
    "ready_for_review",
    "determined",
    "published",
    "archived",
    "duplicate",
]
Role = Literal[
    "admin",
    "monitor",
    "analyst",
    "investigator",
    "reviewer",
    "commissioner",
    "party_liaison",
    "observer",
    "public",
]
STATES: Final[tuple[str, ...]] = get_args(State)
ROLES: Final[tuple[str, ...]] = get_args(Role)
SEALED: Final = frozenset({"determined", "published", "archived"})
REVIEW_ACTIONS: Final = frozenset({"return", "determine", "amend", "dissent"})


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the transition table."""

    action: str
    from_state: State | None
    to_state: State
    roles: frozenset[str]


def _r(action: str, src: State | None, dst: State, *roles: str) -> Rule:
    return Rule(action, src, dst, frozenset(roles))


_BEFORE_DETERMINED: Final[tuple[State, ...]] = (
    "received",
    "triaged",
    "under_investigation",
    "ready_for_review",
)
_DUP_ROLES: Final = ("analyst", "investigator", "reviewer", "commissioner")
RULES: Final[tuple[Rule, ...]] = (
    _r("receive", None, "received", "admin", "monitor", "analyst", "party_liaison"),
    _r("triage", "received", "triaged", "analyst"),
    _r("assign", "triaged", "under_investigation", "investigator"),
    _r("assign", "under_investigation", "under_investigation", "investigator"),
    _r("submit", "under_investigation", "ready_for_review", "investigator"),
    _r("return", "ready_for_review", "under_investigation", "reviewer", "commissioner"),
    _r("determine", "ready_for_review", "determined", "reviewer", "commissioner"),
    _r("amend", "determined", "determined", "reviewer", "commissioner"),
    _r("amend", "published", "published", "commissioner"),
    _r("dissent", "determined", "determined", "commissioner"),
    _r("dissent", "published", "published", "commissioner"),
    _r("publish", "determined", "published", "commissioner"),
    _r("archive", "published", "archived", "commissioner", "admin"),
    *(_r("mark_duplicate", s, "duplicate", *_DUP_ROLES) for s in _BEFORE_DETERMINED),
)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a user id and the role they act in (checked by the service's auth)."""

    user: str
    role: Role


@dataclass(frozen=True, slots=True)
class IncidentState:
    """Where an incident stands; the fold of its decisions.

    ``since``: when the current state was entered (self-loops such as a reassignment keep
    it); ``investigators``: everyone ever assigned (for the two-person rule);
    ``determination``: id of the decision whose determination is in force.
    """

    id: str
    state: State
    version: int
    since: datetime
    updated_at: datetime
    grave: bool = False
    investigator: str | None = None
    investigators: frozenset[str] = frozenset()
    determination: str | None = None
    duplicate_of: str | None = None

    @property
    def sealed(self) -> bool:
        return self.state in SEALED

    def as_dict(self) -> dict[str, Any]:
        """JSON form of the row (times RFC 3339 UTC); :func:`incident_from_dict` reads it."""
        return {
            "id": self.id,
            "state": self.state,
            "version": self.version,
            "since": format_time(self.since),
            "updated_at": format_time(self.updated_at),
            "grave": self.grave,
            "investigator": self.investigator,
            "investigators": sorted(self.investigators),
            "determination": self.determination,
            "duplicate_of": self.duplicate_of,
        }


def incident_from_dict(d: Mapping[str, Any]) -> IncidentState:
    """Inverse of :meth:`IncidentState.as_dict`."""
    try:
        if d["state"] not in STATES:
            raise ValueError(f"unknown state {d['state']!r}")
        return IncidentState(
            id=d["id"],
            state=d["state"],
            version=int(d["version"]),
            since=parse_time(d["since"]),
            updated_at=parse_time(d["updated_at"]),
            grave=bool(d.get("grave", False)),
            investigator=d.get("investigator"),
            investigators=frozenset(d.get("investigators", ())),
            determination=d.get("determination"),
            duplicate_of=d.get("duplicate_of"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        problem = Problem("incident", None, None, f"not a stored incident: {exc}", d.get("id"))
        raise IncidentInputError("cannot read a stored incident", problems=[problem]) from exc


@dataclass(frozen=True, slots=True)
class Decision:
    """One immutable step of an incident's record, as the service stores and logs it."""

    id: str
    incident_id: str
    action: str
    actor: str
    role: Role
    at: datetime
    from_state: State | None
    to_state: State
    version: int
    payload: Request
    refers_to: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (times RFC 3339 UTC); :func:`decision_from_dict` reads it back."""
        return {
            "id": self.id,
            "incident_id": self.incident_id,
            "action": self.action,
            "actor": self.actor,
            "role": self.role,
            "at": format_time(self.at),
            "from_state": self.from_state,
            "to_state": self.to_state,
            "version": self.version,
            "refers_to": self.refers_to,
            "payload": request_as_dict(self.payload),
        }


def decision_from_dict(d: Mapping[str, Any]) -> Decision:
    """Inverse of :meth:`Decision.as_dict` (for reading the stored log back)."""
    try:
        return Decision(
            id=d["id"],
            incident_id=d["incident_id"],
            action=d["action"],
            actor=d["actor"],
            role=d["role"],
            at=parse_time(d["at"]),
            from_state=d["from_state"],
            to_state=d["to_state"],
            version=int(d["version"]),
            payload=parse_request(d["action"], d["payload"]),
            refers_to=d.get("refers_to"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        problem = Problem("decision", None, None, f"not a stored decision: {exc}", d.get("id"))
        raise IncidentInputError("cannot read a stored decision", problems=[problem]) from exc


def decision_id(incident_id: str, version: int) -> str:
    """The id of the decision that brought ``incident_id`` to ``version``."""
    return f"{incident_id}:v{version}"


def _check_time(incident_id: str, at: datetime, after: datetime | None) -> None:
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise IncidentInputError(f"incident {incident_id}: the decision time must be UTC-aware")
    if after is not None and at < after:
        raise IncidentInputError(
            f"incident {incident_id}: the decision time {format_time(at)} is before the last "
            f"decision ({format_time(after)})"
        )


def open_incident(
    incident_id: str, actor: Actor, at: datetime, request: Receive | None = None
) -> tuple[IncidentState, Decision]:
    """A new incident in ``received`` at version 1, with its first decision."""
    request = request or Receive()
    rule = RULES[0]
    if actor.role not in rule.roles:
        raise RoleError(
            f"incident {incident_id}: role {actor.role!r} may not open an incident "
            f"(allowed: {', '.join(sorted(rule.roles))})"
        )
    if not incident_id:
        raise IncidentInputError("an incident needs an id")
    _check_time(incident_id, at, None)
    state = IncidentState(incident_id, "received", 1, at, at, grave=request.grave)
    decision = Decision(
        decision_id(incident_id, 1), incident_id, "receive", actor.user, actor.role, at,
        None, "received", 1, request,
    )  # fmt: skip
    return state, decision


def _state_rule(incident: IncidentState, action: str, actor: Actor, rules: list[Rule]) -> Rule:
    here = [r for r in rules if r.from_state == incident.state]
    if not here:
        raise WorkflowError(_refusal(incident, action, rules))
    rule = here[0]
    if actor.role not in rule.roles:
        raise RoleError(
            f"incident {incident.id} is {incident.state!r}: there only "
            f"{', '.join(sorted(rule.roles))} may {action!r}, not {actor.role!r}"
        )
    return rule


def _refusal(incident: IncidentState, action: str, rules: list[Rule]) -> str:
    where = f"incident {incident.id} is {incident.state!r}"
    if incident.state == "duplicate":
        return f"{where} (of {incident.duplicate_of}): no action is possible; work on that one"
    if incident.state == "archived":
        return f"{where}: the record is closed; {action!r} is not possible"
    if incident.sealed and action != "publish":
        return (
            f"{where} and sealed: {action!r} would change a determination; record an "
            f"'amend' referencing decision {incident.determination} instead"
        )
    starts = ", ".join(sorted({str(r.from_state) for r in rules}))
    return f"{where}: {action!r} is allowed only from {starts}"


def _check_person(incident: IncidentState, request: Request, actor: Actor) -> None:
    if request.action == "submit" and actor.user != incident.investigator:
        raise RoleError(
            f"incident {incident.id}: only the assigned investigator "
            f"({incident.investigator}) may submit it for review, not {actor.user}"
        )
    if request.action in REVIEW_ACTIONS and actor.user in incident.investigators:
        raise RoleError(
            f"incident {incident.id}: two-person rule: {actor.user} investigated this "
            f"incident and may not {request.action!r} it"
        )


def _check_refs(incident: IncidentState, request: Request) -> None:
    ref = None
    if isinstance(request, Amend):
        ref = request.amends
    elif isinstance(request, AddDissent):
        ref = request.refers_to
    if ref is not None and ref != incident.determination:
        raise StaleVersionError(
            f"incident {incident.id}: {request.action!r} must reference the determination "
            f"in force ({incident.determination}), not {ref}"
        )
    if isinstance(request, MarkDuplicate) and request.duplicate_of == incident.id:
        raise IncidentInputError(f"incident {incident.id} cannot be a duplicate of itself")
    if (
        isinstance(request, Assign)
        and request.investigator is not None
        and not request.investigator
    ):
        raise IncidentInputError(f"incident {incident.id}: the investigator id is empty")


def _next(
    incident: IncidentState, rule: Rule, request: Request, actor: Actor, at: datetime
) -> IncidentState:
    version = incident.version + 1
    changes: dict[str, Any] = {"state": rule.to_state, "version": version, "updated_at": at}
    if rule.to_state != incident.state:
        changes["since"] = at
    if isinstance(request, Triage):
        changes["grave"] = incident.grave or request.grave
    elif isinstance(request, Assign):
        who = request.investigator or actor.user
        changes["investigator"] = who
        changes["investigators"] = incident.investigators | {who}
    elif isinstance(request, Determine | Amend):
        changes["determination"] = decision_id(incident.id, version)
    elif isinstance(request, MarkDuplicate):
        changes["duplicate_of"] = request.duplicate_of
    return replace(incident, **changes)


def transition(
    incident: IncidentState,
    request: Request,
    actor: Actor,
    expected_version: int,
    at: datetime,
) -> tuple[IncidentState, Decision]:
    """Apply one action: the new state (version + 1) and the decision that records it.

    Raises :class:`RoleError` (403), :class:`StaleVersionError` (409),
    :class:`WorkflowError` (409) or :class:`IncidentInputError` (422); the incident given
    is never changed (it is immutable).
    """
    if isinstance(request, Receive):
        raise WorkflowError(f"incident {incident.id} is already open ({incident.state!r})")
    rules = [r for r in RULES if r.action == request.action]
    roles = frozenset().union(*(r.roles for r in rules))
    if actor.role not in roles:
        raise RoleError(
            f"incident {incident.id}: role {actor.role!r} may not {request.action!r} "
            f"(allowed: {', '.join(sorted(roles))})"
        )
    if expected_version != incident.version:
        raise StaleVersionError(
            f"incident {incident.id}: {request.action!r} was sent for version "
            f"{expected_version} but the incident is at version {incident.version} "
            f"({incident.state!r}); reload it and decide again"
        )
    rule = _state_rule(incident, request.action, actor, rules)
    _check_person(incident, request, actor)
    _check_refs(incident, request)
    _check_time(incident.id, at, incident.updated_at)
    new = _next(incident, rule, request, actor, at)
    refers = request.amends if isinstance(request, Amend) else None
    if isinstance(request, AddDissent):
        refers = request.refers_to
    decision = Decision(
        decision_id(incident.id, new.version), incident.id, request.action, actor.user,
        actor.role, at, incident.state, new.state, new.version, request, refers,
    )  # fmt: skip
    return new, decision


def allowed_actions(incident: IncidentState, actor: Actor) -> tuple[str, ...]:
    """The actions ``actor`` could take now (for a user interface's buttons)."""
    out = []
    for rule in RULES:
        if rule.from_state != incident.state or actor.role not in rule.roles:
            continue
        if rule.action == "submit" and actor.user != incident.investigator:
            continue
        if rule.action in REVIEW_ACTIONS and actor.user in incident.investigators:
            continue
        if rule.action not in out:
            out.append(rule.action)
    return tuple(out)


def replay(decisions: Iterable[Decision]) -> IncidentState:
    """Rebuild an incident from its stored decisions, re-checking every step.

    Refuses (422) a log that does not start with ``receive``, skips a version, or holds a
    decision the rules would not have allowed, so a tampered or reordered log shows.
    """
    items = list(decisions)
    receive = items[0].payload if items else None
    if not isinstance(receive, Receive):
        raise IncidentInputError("a decision log starts with the incident's 'receive'")
    first = items[0]
    state, made = open_incident(
        first.incident_id, Actor(first.actor, first.role), first.at, receive
    )
    _same(made, first)
    for d in items[1:]:
        state, made = transition(state, d.payload, Actor(d.actor, d.role), state.version, d.at)
        _same(made, d)
    return state


def _same(made: Decision, stored: Decision) -> None:
    if made != stored:
        raise IncidentInputError(
            f"incident {stored.incident_id}: stored decision {stored.id} does not follow from "
            f"the decisions before it (expected {made.id}: {made.from_state} -> {made.to_state})"
        )


def determination_in_force(decisions: Sequence[Decision]) -> tuple[str, Determination] | None:
    """The determination in force (latest ``determine``/``amend``) with the dissents added
    later by ``dissent`` decisions that reference it; ``None`` before any determination.
    """
    current: tuple[str, Determination] | None = None
    for d in decisions:
        if isinstance(d.payload, Determine | Amend):
            current = (d.id, d.payload.determination)
        elif isinstance(d.payload, AddDissent) and current and d.refers_to == current[0]:
            current = (current[0], current[1].with_dissent(Dissent(d.actor, d.payload.text)))
    return current
