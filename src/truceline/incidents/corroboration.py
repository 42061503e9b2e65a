"""How well an incident is corroborated, counting only independent sources (pure).

Independence: two sources are one *line* of evidence when their independence keys share a
token (:mod:`truceline.incidents.sources`), and lines are the connected components of that
relation, so a finding, the events it rests on and another event of the same sensor owner
are one line; two allegations from one side are one line. Only asserting sources make
lines; a party's denial is weighed separately. A line is *technical* when it holds a
finding or a sensor event, *strong* when technical or holding a mission monitor report.

The grade is the first of these that holds:

1. ``weak``: nothing asserts that it happened (only a denial).
2. ``discounted``: a :class:`Coverage` says at least ``min_silent_sensors`` sensors
   (default 2) were operational over the place and the whole window and recorded nothing,
   every asserting source is of a category they would have recorded
   (:data:`truceline.incidents.categories.AUDIBLE`), and no line is strong.
3. ``contested``: the asserting sources name two or more different sides as responsible;
   or a party denies responsibility that a line puts on it while no technical line does.
4. ``confirmed``: two or more independent lines, at least one of them strong. (A denial
   that survives to here is outweighed by technical evidence naming the denying side.)
5. ``fair``: two or more independent lines, none strong (e.g. an allegation and an
   open-source report from an unrelated outlet).
6. ``weak``: a single line, however many sources are in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from truceline.incidents.categories import AUDIBLE
from truceline.incidents.sources import Source

Grade = Literal["confirmed", "fair", "weak", "contested", "discounted"]
GRADES: Final[tuple[str, ...]] = ("confirmed", "fair", "weak", "contested", "discounted")


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the sensors covering an incident's place and window did.

    ``operational_sensors``: how many were operational (active and reporting health) over
    the whole window within hearing range; ``heard_nothing``: none of them recorded anything
    there and then; ``owners``: their owners, for the reason sentence; ``categories``: what
    they would have recorded.
    """

    operational_sensors: int
    heard_nothing: bool
    owners: frozenset[str] = frozenset()
    categories: frozenset[str] = AUDIBLE


@dataclass(frozen=True, slots=True)
class Corroboration:
    """A grade, one sentence saying why, and the counts behind it."""

    grade: Grade
    reason: str
    independent: int
    lines: tuple[tuple[str, ...], ...]
    strong: bool
    technical: bool
    blamed: tuple[str, ...]
    denials: tuple[str, ...]


def independence_lines(sources: Iterable[Source]) -> list[list[Source]]:
    """Sources grouped into independent lines (components of "shares a key token").

    Deterministic: sources and lines ordered by (kind, id) of their first member.
    """
    items = sorted(sources, key=lambda s: s.key)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, s in enumerate(items):
        for token in sorted(s.independence_key):
            j = first_with.setdefault(token, i)
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    lines: dict[int, list[Source]] = {}
    for i, s in enumerate(items):
        lines.setdefault(find(i), []).append(s)
    return [lines[k] for k in sorted(lines)]


def _name(s: Source) -> str:
    kind = s.kind.replace("_", " ")
    if s.kind in ("allegation", "open_source"):
        return f"{kind} {s.id} (by {s.originator})"
    return f"{kind} {s.id}"


def _describe(line: Sequence[Source]) -> str:
    return " with ".join(_name(s) for s in line)


def _strong(line: Sequence[Source]) -> bool:
    return any(s.technical or s.kind == "monitor_report" for s in line)


def _technical(line: Sequence[Source]) -> bool:
    return any(s.technical for s in line)


def _blamed(line: Sequence[Source]) -> set[str]:
    return {side for s in line if (side := s.claims.blamed) is not None}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def grade(
    sources: Sequence[Source],
    coverage: Coverage | None = None,
    min_silent_sensors: int = 2,
) -> Corroboration:
    """Grade the sources of one incident (rules in the module docstring)."""
    if not sources:
        raise ValueError("an incident has at least one source")
    asserting = [s for s in sources if s.stance == "asserts"]
    denials = sorted((s for s in sources if s.stance == "denies"), key=lambda s: s.key)
    lines = independence_lines(asserting)
    strong = any(_strong(line) for line in lines)
    technical_blame = set().union(*(_blamed(ln) for ln in lines if _technical(ln)))
    blame = set().union(*(_blamed(ln) for ln in lines))

    def result(g: Grade, reason: str) -> Corroboration:
        return Corroboration(
            grade=g,
            reason=reason,
            independent=len(lines),
            lines=tuple(tuple(s.id for s in ln) for ln in lines),
            strong=strong,
            technical=any(_technical(ln) for ln in lines),
            blamed=tuple(sorted(blame)),
            denials=tuple(s.id for s in denials),
        )

    if not lines:
        return result("weak", "Weak: no source asserts that it happened; only a denial is on file.")
    if (
        coverage is not None
        and coverage.heard_nothing
        and coverage.operational_sensors >= min_silent_sensors
        and not strong
        and all(s.category in coverage.categories for s in asserting)
    ):
        owners = ", ".join(sorted(coverage.owners)) or "unstated owners"
        return result(
            "discounted",
            f"Discounted: {coverage.operational_sensors} operational sensors ({owners}) "
            f"covering the place and window recorded nothing, and the claim rests only on "
            f"{'; '.join(_describe(ln) for ln in lines)}, with no sensor or mission monitor.",
        )
    if len(blame) >= 2:
        who = "; ".join(
            f"{_describe(ln)} names {', '.join(sorted(_blamed(ln)))}" for ln in lines if _blamed(ln)
        )
        return result("contested", f"Contested: sources disagree on who is responsible: {who}.")
    for d in denials:
        side = d.claims.blamed
        if side in blame and side not in technical_blame:
            return result(
                "contested",
                f"Contested: side {side} denies responsibility ({_name(d)}) and no sensor "
                f"evidence or finding names {side}.",
            )
    n = len(lines)
    listed = "; ".join(_describe(ln) for ln in lines)
    if n >= 2 and strong:
        outweighed = [d for d in denials if d.claims.blamed in technical_blame]
        tail = (
            f" The denial {', '.join(d.id for d in outweighed)} is outweighed by technical "
            f"evidence naming {', '.join(sorted({str(d.claims.blamed) for d in outweighed}))}."
            if outweighed
            else ""
        )
        return result(
            "confirmed",
            f"Confirmed: {n} independent sources ({listed}), at least one from a sensor, "
            f"a finding or a mission monitor.{tail}",
        )
    if n >= 2:
        return result(
            "fair",
            f"Fair: {n} independent sources ({listed}), none from a sensor, a finding or a "
            f"mission monitor.",
        )
    return result(
        "weak",
        f"Weak: a single line of evidence ({listed}); "
        f"{_plural(len(asserting), 'source')}, all from one origin.",
    )
