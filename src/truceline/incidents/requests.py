"""What a person asks the workflow to do: one typed request per action (pure).

The HTTP layer maps ``POST /incidents/{id}/actions/{action}`` with a JSON body to
:func:`parse_request`; the stored decision keeps the request as its payload
(:func:`request_as_dict` / :func:`parse_request` round-trip).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from truceline.errors import Problem
from truceline.incidents.determination import Determination, determination_from_dict
from truceline.incidents.errors import IncidentInputError


@dataclass(frozen=True, slots=True)
class Receive:
    """Open the incident (state ``received``); ``grave`` from its sources (e.g. a finding)."""

    action: ClassVar[str] = "receive"
    grave: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Triage:
    """Accept it for work; ``grave`` may raise (never lower) the incident's gravity."""

    action: ClassVar[str] = "triage"
    grave: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Assign:
    """Assign (or reassign) the investigator; ``None`` means the caller."""

    action: ClassVar[str] = "assign"
    investigator: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Submit:
    """The assigned investigator hands the case to review, with a summary."""

    action: ClassVar[str] = "submit"
    summary: str


@dataclass(frozen=True, slots=True)
class SendBack:
    """A reviewer returns the case to investigation, saying why."""

    action: ClassVar[str] = "return"
    reason: str


@dataclass(frozen=True, slots=True)
class Determine:
    """A reviewer or commissioner (not the investigator) records the determination."""

    action: ClassVar[str] = "determine"
    determination: Determination


@dataclass(frozen=True, slots=True)
class Amend:
    """A new determination that replaces the one in force (decision ``amends``)."""

    action: ClassVar[str] = "amend"
    amends: str
    determination: Determination
    reason: str


@dataclass(frozen=True, slots=True)
class AddDissent:
    """A commissioner's dissent from the determination in force (decision ``refers_to``)."""

    action: ClassVar[str] = "dissent"
    refers_to: str
    text: str


@dataclass(frozen=True, slots=True)
class Publish:
    action: ClassVar[str] = "publish"
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Archive:
    action: ClassVar[str] = "archive"
    note: str | None = None


@dataclass(frozen=True, slots=True)
class MarkDuplicate:
    """The incident is the same happening as ``duplicate_of``; work continues there."""

    action: ClassVar[str] = "mark_duplicate"
    duplicate_of: str
    note: str | None = None


Request = (
    Receive
    | Triage
    | Assign
    | Submit
    | SendBack
    | Determine
    | Amend
    | AddDissent
    | Publish
    | Archive
    | MarkDuplicate
)
ACTIONS: tuple[str, ...] = (
    "receive",
    "triage",
    "assign",
    "submit",
    "return",
    "determine",
    "amend",
    "dissent",
    "publish",
    "archive",
    "mark_duplicate",
)


def _under(parent: str, child: str | None) -> str:
    return parent if child is None else f"{parent}.{child}"


class _Body:
    """Typed reads from a JSON body, collecting every problem before failing."""

    def __init__(self, action: str, body: Mapping[str, Any]) -> None:
        self.action, self.body, self.problems = action, body, list[Problem]()

    def text(self, key: str, required: bool = True) -> Any:
        value = self.body.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problems.append(Problem(self.action, None, key, "is required (non-empty text)"))
        return value

    def flag(self, key: str) -> bool:
        value = self.body.get(key, False)
        if not isinstance(value, bool):
            self.problems.append(Problem(self.action, None, key, "must be true or false"))
            return False
        return value

    def determination(self) -> Any:
        value = self.body.get("determination")
        try:
            return determination_from_dict(value)
        except IncidentInputError as exc:
            self.problems += [
                Problem(self.action, None, _under("determination", p.field), p.message)
                for p in exc.problems
            ]
            return None


_PARSERS: dict[str, Callable[[_Body], Request]] = {
    "receive": lambda b: Receive(b.flag("grave"), b.text("note", False)),
    "triage": lambda b: Triage(b.flag("grave"), b.text("note", False)),
    "assign": lambda b: Assign(b.text("investigator", False), b.text("note", False)),
    "submit": lambda b: Submit(b.text("summary")),
    "return": lambda b: SendBack(b.text("reason")),
    "determine": lambda b: Determine(b.determination()),
    "amend": lambda b: Amend(b.text("amends"), b.determination(), b.text("reason")),
    "dissent": lambda b: AddDissent(b.text("refers_to"), b.text("text")),
    "publish": lambda b: Publish(b.text("note", False)),
    "archive": lambda b: Archive(b.text("note", False)),
    "mark_duplicate": lambda b: MarkDuplicate(b.text("duplicate_of"), b.text("note", False)),
}


def parse_request(action: str, body: Mapping[str, Any]) -> Request:
    """The request for ``action`` from its JSON body; 422 naming every bad field."""
    parser = _PARSERS.get(action)
    if parser is None:
        problem = Problem(
            "request", None, "action", f"unknown action; expected one of {list(ACTIONS)}"
        )
        raise IncidentInputError(f"unknown workflow action {action!r}", problems=[problem])
    if not isinstance(body, Mapping):
        problem = Problem(action, None, None, "the body must be a JSON object")
        raise IncidentInputError(f"bad body for action {action!r}", problems=[problem])
    reader = _Body(action, body)
    request = parser(reader)
    if reader.problems:
        raise IncidentInputError(f"bad body for action {action!r}", problems=reader.problems)
    return request


def request_as_dict(request: Request) -> dict[str, Any]:
    """JSON form of a request (the stored payload of its decision)."""
    out: dict[str, Any] = {}
    for f in fields(request):
        value = getattr(request, f.name)
        out[f.name] = value.as_dict() if isinstance(value, Determination) else value
    return out
