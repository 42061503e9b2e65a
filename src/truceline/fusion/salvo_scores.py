"""How each salvo's rounds were paired: the evaluator's pairing, salvo by salvo (pure).

A scenario's pairing accuracy mixes single shots with salvos, and one 40-round salvo
paired a round shifted costs as much as 40 single shots paired wrong: the figure alone
cannot say whether a salvo slid as a whole (its launches and impacts fitted one time of
flight a round off), whether its pairs were scrambled here and there, or whether its
rounds were simply not found. :func:`salvo_scores` says, for each salvo in the truth,
how many of its rounds were found at launch, at impact and at both ends (what the
pairing accuracy counts), and how those went: paired right, paired with another round's
impact of the same salvo (and by how many rounds, the commonest shift and how many
pairs have it), paired with an event of other fire or a false event, or left unpaired.
A salvo that slid reads one shift on nearly all its rounds; scattered errors read as a
spread of shifts.

Events and blasts are matched by the evaluator's rule (:func:`match_events`), and a round
is paired right exactly when :mod:`truceline.fusion.evaluate` counts it so: its launch's
event and its impact's event name each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from truceline.fusion.evaluate import EventRecord, match_events
from truceline.fusion.truth import TrueBlast, Truth


@dataclass(frozen=True, slots=True)
class SalvoScore:
    """One salvo's pairing. ``both`` = ``right + shifted + other + unpaired``.

    ``shift`` is the commonest ``impact round − launch round`` among the ``shifted``
    pairs (rounds numbered in launch order; ``None`` when there are none), and
    ``at_shift`` how many of them have it.
    """

    salvo: str
    rounds: int
    launches: int
    impacts: int
    both: int
    right: int
    shifted: int
    shift: int | None
    at_shift: int
    other: int
    unpaired: int


def salvo_scores(
    truth: Truth, events: Sequence[EventRecord], *, max_distance_m: float = 3_000.0
) -> list[SalvoScore]:
    """Each salvo's pairing (:class:`SalvoScore`), in order of its first launch."""
    matches = match_events(truth, events, max_distance_m=max_distance_m)
    event_of = {m.blast: m.event for m in matches}
    blast_of = {m.event: m.blast for m in matches}
    paired = {e.id: e.paired_with for e in events}
    salvos: dict[str, list[TrueBlast]] = {}
    for b in sorted(truth.blasts, key=lambda b: (b.time, b.id)):
        if b.salvo is not None and b.phase == "launch" and b.pair is not None:
            salvos.setdefault(b.salvo, []).append(b)
    return [_score(name, launches, event_of, blast_of, paired)
            for name, launches in salvos.items()]  # fmt: skip


def _score(
    name: str,
    launches: list[TrueBlast],
    event_of: Mapping[str, str],
    blast_of: Mapping[str, str],
    paired: Mapping[str, str | None],
) -> SalvoScore:
    """The pairing of one salvo's ``launches`` (in launch order)."""
    round_of_impact = {b.pair: i for i, b in enumerate(launches)}
    both = right = other = unpaired = 0
    shifts: Counter[int] = Counter()
    for i, b in enumerate(launches):
        el, ei = event_of.get(b.id), event_of.get(str(b.pair))
        if el is None or ei is None:
            continue
        both += 1
        partner = paired.get(el)
        if partner == ei and paired.get(ei) == el:
            right += 1
        elif partner is None:
            unpaired += 1
        elif blast_of.get(partner) in round_of_impact:
            shifts[round_of_impact[str(blast_of[partner])] - i] += 1
        else:
            other += 1
    common = shifts.most_common(1)
    return SalvoScore(
        salvo=name,
        rounds=len(launches),
        launches=sum(b.id in event_of for b in launches),
        impacts=sum(str(b.pair) in event_of for b in launches),
        both=both,
        right=right,
        shifted=sum(shifts.values()),
        shift=common[0][0] if common else None,
        at_shift=common[0][1] if common else 0,
        other=other,
        unpaired=unpaired,
    )
