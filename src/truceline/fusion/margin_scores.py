"""Pairing accuracy by the pairs' own margins: does a sure pair turn out right? (pure)

Each pair fusion makes carries ``pair_margin``, how many nats its pairing block's best
alternative would cost more (:mod:`truceline.fusion.pair_margins`). :func:`margin_scores`
bins the launch events paired to an event that the evaluator matched to a blast by that
margin and says, per bin, how many pairs are right (the launch's true impact) and how many name
the right launcher (the impact's own launch or one of its salvo,
:func:`truceline.fusion.evaluate.right_launcher`). If the margin means anything, the share
right grows with it; ``e^margin`` is not a calibrated probability (an event may be a
mixture of blasts, and only the best alternative is weighed, not all of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from truceline.fusion.evaluate import EventRecord, Match, match_events, right_launcher
from truceline.fusion.truth import Truth

EDGES = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)  # nats; the last bin is open


@dataclass(frozen=True, slots=True)
class MarginBin:
    """Pairs whose margin lies in ``[low, high)`` nats (``high`` None: no upper edge)."""

    low: float
    high: float | None
    pairs: int
    right: int
    launcher_right: int


def margin_scores(
    truth: Truth,
    events: Sequence[EventRecord],
    *,
    max_distance_m: float = 3_000.0,
    matches: Sequence[Match] | None = None,
) -> list[MarginBin]:
    """Pairs by margin bin, every bin listed (empty ones too), lowest first
    (``matches``, when the caller has them: :func:`match_events`'s)."""
    if matches is None:
        matches = match_events(truth, events, max_distance_m=max_distance_m)
    blast_of = {m.event: m.blast for m in matches}
    blasts = {b.id: b for b in truth.blasts}
    counts = [[0, 0, 0] for _ in EDGES]
    for ev in events:
        if ev.phase != "launch" or ev.pair_margin is None or ev.id not in blast_of:
            continue
        partner = blasts.get(blast_of.get(ev.paired_with or "", ""))
        if partner is None:
            continue
        launch = blasts[blast_of[ev.id]]
        k = max(i for i, edge in enumerate(EDGES) if ev.pair_margin >= edge)
        counts[k][0] += 1
        counts[k][1] += launch.pair == partner.id
        counts[k][2] += right_launcher(partner, launch)
    highs: list[float | None] = [*EDGES[1:], None]
    return [MarginBin(lo, hi, *c) for lo, hi, c in zip(EDGES, highs, counts, strict=True)]
