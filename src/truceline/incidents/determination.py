"""What the commission decided about an incident, and on what basis (pure).

A determination says whether the agreement was broken (``violation``, ``no_violation``,
``inconclusive``), who is responsible and how sure the commission is (``high``, ``medium``,
``low``; ``not_attributable`` when it cannot say), the basis in words a reader can check,
the dissenting opinions of commission members and the remedies. The consistency rules are
the ones the OSCE SMM's reports were criticised for lacking: a violation either names a
side with a confidence or says plainly that it is not attributable; a finding of no
violation, or an inconclusive one, names no side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from truceline.errors import Problem
from truceline.incidents.errors import IncidentInputError

Outcome = Literal["violation", "no_violation", "inconclusive"]
Confidence = Literal["high", "medium", "low", "not_attributable"]
OUTCOMES: Final[tuple[str, ...]] = get_args(Outcome)
CONFIDENCES: Final[tuple[str, ...]] = get_args(Confidence)


@dataclass(frozen=True, slots=True)
class Dissent:
    """A commission member's dissenting opinion, in their words."""

    commissioner: str
    text: str


@dataclass(frozen=True, slots=True)
class Determination:
    """Outcome, responsible side with confidence, basis, dissents and remedies."""

    outcome: Outcome
    responsible_side: str | None
    confidence: Confidence
    basis: str
    dissents: tuple[Dissent, ...] = ()
    remedies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems = [Problem("determination", None, f, m) for f, m in self._faults()]
        if problems:
            raise IncidentInputError("the determination is not valid", problems=problems)

    def _faults(self) -> Iterable[tuple[str, str]]:
        if self.outcome not in OUTCOMES:
            yield "outcome", f"must be one of {list(OUTCOMES)}, not {self.outcome!r}"
        if self.confidence not in CONFIDENCES:
            yield "confidence", f"must be one of {list(CONFIDENCES)}, not {self.confidence!r}"
        if not isinstance(self.basis, str) or not self.basis.strip():
            yield "basis", "is required: the facts and reasoning a reader can check"
        side = self.responsible_side
        if side is not None and (not isinstance(side, str) or not side):
            yield "responsible_side", "must be a side code or null"
        if self.outcome == "violation":
            if side is None and self.confidence != "not_attributable":
                yield "confidence", "a violation with no responsible side is 'not_attributable'"
            if side is not None and self.confidence == "not_attributable":
                yield "responsible_side", "must be null when the confidence is 'not_attributable'"
        elif self.outcome in OUTCOMES:
            if side is not None:
                yield "responsible_side", f"an outcome of {self.outcome!r} names no side"
            if self.confidence != "not_attributable":
                yield "confidence", f"an outcome of {self.outcome!r} is 'not_attributable'"
        for i, d in enumerate(self.dissents):
            if not isinstance(d, Dissent) or not d.commissioner or not d.text.strip():
                yield f"dissents.{i}", "a dissent names its commissioner and has text"
        for i, r in enumerate(self.remedies):
            if not isinstance(r, str) or not r.strip():
                yield f"remedies.{i}", "must be a non-empty text"

    def with_dissent(self, dissent: Dissent) -> Determination:
        """The same determination with one more dissent (for the record as published)."""
        return Determination(
            self.outcome,
            self.responsible_side,
            self.confidence,
            self.basis,
            (*self.dissents, dissent),
            self.remedies,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "responsible_side": self.responsible_side,
            "confidence": self.confidence,
            "basis": self.basis,
            "dissents": [{"commissioner": d.commissioner, "text": d.text} for d in self.dissents],
            "remedies": list(self.remedies),
        }


def _list(body: Mapping[str, Any], key: str, out: list[Problem]) -> list[Any]:
    value = body.get(key, [])
    if not isinstance(value, list):
        out.append(Problem("determination", None, key, "must be a list"))
        return []
    return value


def determination_from_dict(body: object) -> Determination:
    """Parse the JSON form (as :meth:`Determination.as_dict` writes it); 422 on bad fields."""
    if not isinstance(body, Mapping):
        problem = Problem("determination", None, None, "must be an object")
        raise IncidentInputError("the determination is not valid", problems=[problem])
    problems: list[Problem] = []
    dissents: list[Dissent] = []
    for i, d in enumerate(_list(body, "dissents", problems)):
        if (
            isinstance(d, Mapping)
            and isinstance(d.get("commissioner"), str)
            and isinstance(d.get("text"), str)
        ):
            dissents.append(Dissent(d["commissioner"], d["text"]))
        else:
            problems.append(
                Problem("determination", None, f"dissents.{i}", "needs commissioner and text")
            )
    remedies = _list(body, "remedies", problems)
    if problems:
        raise IncidentInputError("the determination is not valid", problems=problems)
    return Determination(
        outcome=body.get("outcome"),  # type: ignore[arg-type]  # checked in __post_init__
        responsible_side=body.get("responsible_side"),
        confidence=body.get("confidence", "not_attributable"),
        basis=body.get("basis", ""),
        dissents=tuple(dissents),
        remedies=tuple(remedies),
    )
