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
spread of shifts. ``attributed`` counts the rounds found at impact whose event names a
launch of this salvo, by its pair or by its ``salvo`` label
(:func:`truceline.fusion.evaluate.named_launcher`): the launcher is right, whichever
round it was.

Events and blasts are matched by the evaluator's rule (:func:`match_events`), and a round
is paired right exactly when :mod:`truceline.fusion.evaluate` counts it so: its launch's
event and its impact's event name each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from truceline.fusion.evaluate import (
    EventRecord,
    Match,
    match_events,
    named_launcher,
    paired_right,
    right_launcher,
)
from truceline.fusion.truth import Truth


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
    attributed: int = 0


def salvo_scores(
    truth: Truth,
    events: Sequence[EventRecord],
    *,
    max_distance_m: float = 3_000.0,
    matches: Sequence[Match] | None = None,
) -> list[SalvoScore]:
    """Each salvo's pairing (:class:`SalvoScore`), in order of its first launch
    (``matches``, when the caller has them: :func:`match_events`'s)."""
    if matches is None:
        matches = match_events(truth, events, max_distance_m=max_distance_m)
    by_id = {e.id: e for e in events}
    event_of = {m.blast: by_id[m.event] for m in matches}
    blast_of = {m.event: m.blast for m in matches}
    rounds: dict[str, list[tuple[str, str]]] = {}  # (launch, impact) blast ids, in order
    for b in sorted(truth.blasts, key=lambda b: (b.time, b.id)):
        if b.salvo is not None and b.phase == "launch" and b.pair is not None:
            rounds.setdefault(b.salvo, []).append((b.id, b.pair))
    blasts = {b.id: b for b in truth.blasts}

    def attributed(impact: str) -> bool:
        named = named_launcher(event_of[impact], by_id)
        launch = blasts.get(blast_of.get(named.id, "")) if named is not None else None
        return right_launcher(blasts[impact], launch)

    return [_score(name, pairs, event_of, blast_of, attributed) for name, pairs in rounds.items()]


def _score(name: str, pairs: list[tuple[str, str]], event_of: Mapping[str, EventRecord],
           blast_of: Mapping[str, str], attributed: Callable[[str], bool]
           ) -> SalvoScore:  # fmt: skip
    """The pairing of one salvo's rounds, its (launch, impact) blast ids in launch order;
    ``attributed(impact)`` says whether a found impact's event names a launch of its salvo."""
    round_of_impact = {impact: i for i, (_, impact) in enumerate(pairs)}
    both = right = other = unpaired = 0
    shifts: Counter[int] = Counter()
    for i, (launch, impact) in enumerate(pairs):
        el, ei = event_of.get(launch), event_of.get(impact)
        if el is None or ei is None:
            continue
        both += 1
        if paired_right(el, ei):
            right += 1
        elif el.paired_with is None:
            unpaired += 1
        elif (j := round_of_impact.get(blast_of.get(el.paired_with, ""))) is not None:
            shifts[j - i] += 1  # the impact of the salvo's round j
        else:
            other += 1
    common = shifts.most_common(1)
    return SalvoScore(
        salvo=name,
        rounds=len(pairs),
        launches=sum(launch in event_of for launch, _ in pairs),
        impacts=sum(impact in event_of for _, impact in pairs),
        both=both,
        right=right,
        shifted=sum(shifts.values()),
        shift=common[0][0] if common else None,
        at_shift=common[0][1] if common else 0,
        other=other,
        unpaired=unpaired,
        attributed=sum(attributed(impact) for _, impact in pairs if impact in event_of),
    )
