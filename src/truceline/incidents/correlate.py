"""Group sources that describe the same happening into incidents (pure).

Batch (:func:`correlate`): the incidents are the connected components of the "passes every
gate, or is linked" relation of :mod:`truceline.incidents.gates` (single linkage). A
partition defined this way does not depend on the order the sources come in, and no source
can be in two incidents. An incident's id is derived from its founding source, the earliest
by (``time_from``, kind, id): ``inc-`` and 16 hex digits of SHA-256 of ``kind:id``, so the
same sources always give the same ids, and an incident the live service opened for its
first source keeps the id a batch run would give it.

Incremental (:func:`assign`): a new source joins the open incident it matches best (score,
then id), or founds a new one. It never merges incidents: when it matches two or more, or
matches only sealed ones (determined or later, which only a new decision may change), the
result carries :class:`DuplicateProposal`\\ s for a person to decide (``duplicate_of``).
:func:`propose_duplicates` finds incidents that merely look alike (every gate passes when
widened by ``duplicate_factor``).

Candidate pairs come from a sweep over time windows widened by each kind's slack, so a day
of thousands of events costs pairs within minutes of each other, not all pairs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from truceline.errors import Problem
from truceline.incidents.errors import IncidentInputError
from truceline.incidents.gates import (
    DEFAULT_CONFIG,
    CorrelationConfig,
    PairTest,
    compare,
    may_match,
)
from truceline.incidents.sources import Source

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class IncidentCandidate:
    """An incident as correlation sees it: an id, its sources, whether it is sealed."""

    id: str
    sources: tuple[Source, ...]
    sealed: bool = False


@dataclass(frozen=True, slots=True)
class DuplicateProposal:
    """Two incidents a person should look at: one may be a ``duplicate_of`` the other.

    ``incident_a`` < ``incident_b``; ``score`` in (0, 1]; ``reason`` names the sources and
    the numbers.
    """

    incident_a: str
    incident_b: str
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class Correlation:
    """A batch result: incidents by founding time, then proposals by falling score."""

    incidents: tuple[IncidentCandidate, ...]
    duplicates: tuple[DuplicateProposal, ...]


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where a new source goes: ``incident_id`` (``new``: found it), and what to review."""

    incident_id: str
    new: bool
    score: float
    reason: str
    duplicates: tuple[DuplicateProposal, ...]


def incident_id_for(source: Source) -> str:
    """Id of the incident ``source`` founds: ``inc-`` + 16 hex of SHA-256 of ``kind:id``."""
    digest = hashlib.sha256(f"{source.kind}:{source.id}".encode()).hexdigest()
    return f"inc-{digest[:16]}"


def _order(source: Source) -> tuple[datetime, str, str]:
    return (source.time_from, source.kind, source.id)


def _unique(sources: Iterable[Source]) -> list[Source]:
    seen: dict[Key, Source] = {}
    problems: list[Problem] = []
    for s in sources:
        if s.key in seen and seen[s.key] != s:
            problems.append(Problem(s.kind, None, "id", "given twice with different content", s.id))
        seen.setdefault(s.key, s)
    if problems:
        raise IncidentInputError("sources to correlate repeat an id", problems=problems)
    return sorted(seen.values(), key=_order)


def candidate_pairs(
    sources: Sequence[Source], config: CorrelationConfig, factor: float
) -> Iterator[tuple[Source, Source]]:
    """Pairs whose windows, widened by ``factor`` × their slacks, overlap; plus linked pairs.

    Each unordered pair at most once.
    """
    padded = sorted(
        (
            (s.time_from - factor * config.slack(s), s.time_to + factor * config.slack(s), s)
            for s in sources
        ),
        key=lambda t: (t[0], t[2].key),
    )
    yielded: set[tuple[Key, Key]] = set()
    active: list[tuple[datetime, Source]] = []
    for start, end, s in padded:
        active = [(e, a) for e, a in active if e >= start]
        for _, a in active:
            yielded.add((min(a.key, s.key), max(a.key, s.key)))
            yield a, s
        active.append((end, s))
    by_id: dict[str, list[Source]] = {}
    for s in sources:
        by_id.setdefault(s.id, []).append(s)
    for s in sources:
        for target in sorted(s.links):
            for t in by_id.get(target, []):
                pair = (min(s.key, t.key), max(s.key, t.key))
                if t.key != s.key and pair not in yielded:
                    yielded.add(pair)
                    yield s, t


class _Components:
    """Union-find over source keys; the representative is the smallest key (deterministic)."""

    def __init__(self, keys: Iterable[Key]) -> None:
        self._parent = {k: k for k in keys}

    def find(self, k: Key) -> Key:
        while self._parent[k] != k:
            self._parent[k] = self._parent[self._parent[k]]
            k = self._parent[k]
        return k

    def union(self, a: Key, b: Key) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = min(ra, rb), max(ra, rb)
            self._parent[hi] = lo


def _proposal(a: str, b: str, test: PairTest, prefix: str = "") -> DuplicateProposal:
    lo, hi = min(a, b), max(a, b)
    return DuplicateProposal(lo, hi, round(test.score, 6), prefix + test.reason)


def _best_proposals(
    found: dict[tuple[str, str], PairTest], prefix: str = ""
) -> tuple[DuplicateProposal, ...]:
    out = [_proposal(a, b, t, prefix) for (a, b), t in found.items()]
    return tuple(sorted(out, key=lambda p: (-p.score, p.incident_a, p.incident_b)))


def _keep_best(found: dict[tuple[str, str], PairTest], a: str, b: str, test: PairTest) -> None:
    pair = (min(a, b), max(a, b))
    old = found.get(pair)
    if old is None or (test.score, test.a.key, test.b.key) > (old.score, old.a.key, old.b.key):
        found[pair] = test


def correlate(sources: Iterable[Source], config: CorrelationConfig = DEFAULT_CONFIG) -> Correlation:
    """Group ``sources`` into incidents; propose look-alike incidents as duplicates."""
    items = _unique(sources)
    comps = _Components(s.key for s in items)
    loose: list[PairTest] = []
    factor = max(1.0, config.duplicate_factor)
    for a, b in candidate_pairs(items, config, factor):
        if not may_match(a, b, config, factor):
            continue
        test = compare(a, b, config)
        if test.within(1.0):
            comps.union(a.key, b.key)
        elif test.within(config.duplicate_factor):
            loose.append(test)
    groups: dict[Key, list[Source]] = {}
    for s in items:  # already in founding order, so each group's first is its founder
        groups.setdefault(comps.find(s.key), []).append(s)
    incidents = [IncidentCandidate(incident_id_for(g[0]), tuple(g)) for g in groups.values()]
    incidents.sort(key=lambda i: (_order(i.sources[0]), i.id))
    owner = {s.key: i.id for i in incidents for s in i.sources}
    found: dict[tuple[str, str], PairTest] = {}
    for test in loose:
        ia, ib = owner[test.a.key], owner[test.b.key]
        if ia != ib:
            _keep_best(found, ia, ib, test)
    return Correlation(tuple(incidents), _best_proposals(found))


def _best_match(
    source: Source, incident: IncidentCandidate, config: CorrelationConfig
) -> PairTest | None:
    best: PairTest | None = None
    for member in incident.sources:
        if not may_match(source, member, config):
            continue
        test = compare(source, member, config)
        if test.within(1.0) and (best is None or test.score > best.score):
            best = test
    return best


def assign(
    source: Source,
    open_incidents: Iterable[IncidentCandidate],
    config: CorrelationConfig = DEFAULT_CONFIG,
) -> Assignment:
    """The incident a newly arrived source belongs to, never merging incidents.

    Already attached: that incident. Matching none: a new incident. Otherwise the best
    matching unsealed incident (highest score, then smallest id), with a proposal for each
    other match; if only sealed incidents match, a new incident with a proposal for each.
    """
    incidents = sorted(open_incidents, key=lambda i: i.id)
    for inc in incidents:
        if any(s.key == source.key for s in inc.sources):
            return Assignment(
                inc.id, False, 1.0, f"{source.kind} {source.id} is already in {inc.id}", ()
            )
    matches = [(t, inc) for inc in incidents if (t := _best_match(source, inc, config)) is not None]
    matches.sort(key=lambda m: (-m[0].score, m[1].id))
    unsealed = [m for m in matches if not m[1].sealed]
    if unsealed:
        test, target = unsealed[0]
        target_id, new, score, reason = target.id, False, test.score, test.reason
    else:
        target_id, new, score = incident_id_for(source), True, 1.0
        reason = f"{source.kind} {source.id} matches no open incident"
    found: dict[tuple[str, str], PairTest] = {}
    for test, inc in matches:
        if inc.id != target_id:
            _keep_best(found, target_id, inc.id, test)
    sealed = {inc.id for _, inc in matches if inc.sealed}
    note = "; {} is sealed, so only a new decision can change it"
    proposals = tuple(
        DuplicateProposal(
            p.incident_a,
            p.incident_b,
            p.score,
            f"{source.kind} {source.id} matches both: {p.reason}"
            + "".join(note.format(i) for i in (p.incident_a, p.incident_b) if i in sealed),
        )
        for p in _best_proposals(found)
    )
    return Assignment(target_id, new, round(score, 6), reason, proposals)


def propose_duplicates(
    incidents: Iterable[IncidentCandidate], config: CorrelationConfig = DEFAULT_CONFIG
) -> tuple[DuplicateProposal, ...]:
    """Pairs of incidents that look alike: some pair of their sources passes every gate
    widened by ``duplicate_factor`` (or shares a key or a link). Best pair per incident pair.
    """
    owners: dict[Key, set[str]] = {}
    members: dict[Key, Source] = {}
    for inc in incidents:
        for s in inc.sources:
            owners.setdefault(s.key, set()).add(inc.id)
            members.setdefault(s.key, s)
    shared: dict[tuple[str, str], DuplicateProposal] = {}
    for (kind, sid), ids in owners.items():  # one source in two incidents: always shown
        ordered = sorted(ids)
        for i, first in enumerate(ordered):
            for second in ordered[i + 1 :]:
                reason = f"{kind} {sid} is in both incidents"
                shared.setdefault((first, second), DuplicateProposal(first, second, 1.0, reason))
    found: dict[tuple[str, str], PairTest] = {}
    items = sorted(members.values(), key=_order)
    factor = max(1.0, config.duplicate_factor)
    for a, b in candidate_pairs(items, config, factor):
        if not may_match(a, b, config, factor):
            continue
        test = compare(a, b, config)
        if not test.within(config.duplicate_factor):
            continue
        for ia in owners[a.key]:
            for ib in owners[b.key]:
                if ia != ib and (min(ia, ib), max(ia, ib)) not in shared:
                    _keep_best(found, ia, ib, test)
    out = list(shared.values()) + list(_best_proposals(found))
    return tuple(sorted(out, key=lambda p: (-p.score, p.incident_a, p.incident_b)))
