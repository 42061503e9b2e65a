"""How long each sensor was down or degraded in a period (pure).

A report that says "no violations in sector X" is worth only as much as the sensors that
listened there: this module turns recorded status spans into seconds per status for one
period, so the report can say which sensors were silent and for how long.

Spans may overlap (a correction recorded later, an outage inside a degraded spell). As in
``services.sensors.status_at``, the span recorded LAST wins where spans overlap, and time
no span covers is operational. Spans are passed in the order they were recorded.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Span:
    """One recorded status span; ``end`` None means still open."""

    status: str
    start: datetime
    end: datetime | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of the period with one status (after resolving overlaps)."""

    status: str
    start: datetime
    end: datetime
    reason: str | None

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def resolve(spans: Sequence[Span], start: datetime, end: datetime) -> list[Piece]:
    """The period [start, end) cut into pieces of one status each, oldest first.

    Adjacent pieces with the same status and reason are merged; operational time is
    included, so the pieces tile the period exactly.
    """
    if end <= start:
        return []
    cuts = {start, end}
    for s in spans:
        for t in (s.start, s.end):
            if t is not None and start < t < end:
                cuts.add(t)
    edges = sorted(cuts)
    pieces: list[Piece] = []
    for a, b in itertools.pairwise(edges):
        status, reason = "operational", None
        for s in spans:  # recorded order: the last covering span wins
            if s.start <= a and (s.end is None or s.end >= b):
                status, reason = s.status, s.reason
        last = pieces[-1] if pieces else None
        if last is not None and last.status == status and last.reason == reason:
            pieces[-1] = Piece(status, last.start, b, reason)
        else:
            pieces.append(Piece(status, a, b, reason))
    return pieces


def seconds_by_status(pieces: Sequence[Piece]) -> dict[str, float]:
    """Total seconds of each status among ``pieces``."""
    out: dict[str, float] = {}
    for p in pieces:
        out[p.status] = out.get(p.status, 0.0) + p.seconds
    return out
