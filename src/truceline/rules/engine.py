"""The rules engine: judge events, observations and tracks against the agreement (pure).

For every subject and every agreement given, the version in force at the subject's time
(:mod:`truceline.rules.versions`) and the features valid then (:mod:`truceline.rules.terms`)
decide; nothing before ``effective_from`` or after ``effective_to`` is judged. Subjects are
grouped by the terms that govern them so that distances are measured in one vectorised pass
per group. Each rule lives in its own module, whose docstring cites the clause and states
the logic (docs/rules.md collects them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from truceline.agreement.model import Agreement
from truceline.formats.records import Observation, Track
from truceline.rules import (
    airspace,
    fire,
    fire_at_protected_site,
    fire_in_disengagement_area,
    presence_in_disengagement_area,
    restriction_on_monitors,
    weapon_in_withdrawal_zone,
    weapon_missing_from_holding_area,
)
from truceline.rules.casualties import CasualtyReport, casualty_reports
from truceline.rules.context import Judge, locate_shots
from truceline.rules.events import FireEvent, parse_events
from truceline.rules.finding import RULES, Finding
from truceline.rules.options import DEFAULT_OPTIONS, RuleOptions
from truceline.rules.subjects import (
    FIRE_CATEGORIES,
    Fire,
    fires_from_events,
    fires_from_observations,
)
from truceline.rules.terms import Terms, TermsCache
from truceline.rules.tracks import TrackSpan
from truceline.rules.versions import AgreementBook

EventInput = Mapping[str, Any] | FireEvent


def _events(events: Sequence[EventInput]) -> list[FireEvent]:
    """Events as given: parsed FireEvents pass through, Feature dicts are validated."""
    parsed = [e for e in events if isinstance(e, FireEvent)]
    raw = [e for e in events if not isinstance(e, FireEvent)]
    return parsed + (parse_events(raw) if raw else [])


def _fire_groups(
    book: AgreementBook, agreement_id: str, fires: Sequence[Fire], cache: TermsCache
) -> list[tuple[Terms, list[Fire]]]:
    groups: dict[int, tuple[Terms, list[Fire]]] = {}
    for f in fires:
        version = book.in_force_throughout(agreement_id, f.time, f.time_to)
        if version is not None:
            terms = cache.get(version, f.time)
            groups.setdefault(id(terms), (terms, []))[1].append(f)
    return list(groups.values())


def _observation_groups(
    book: AgreementBook, agreement_id: str, observations: Sequence[Observation], cache: TermsCache
) -> list[tuple[Terms, list[Observation]]]:
    groups: dict[int, tuple[Terms, list[Observation]]] = {}
    for o in observations:
        version = book.in_force_throughout(agreement_id, o.time_from, o.time_to)
        if version is not None:
            terms = cache.get(version, o.time_from)
            groups.setdefault(id(terms), (terms, []))[1].append(o)
    return list(groups.values())


def track_spans(
    book: AgreementBook, agreement_id: str, track: Track, cache: TermsCache
) -> Iterator[tuple[Terms, TrackSpan]]:
    """Runs of consecutive points that the same version and valid features govern."""
    current: Terms | None = None
    start = 0
    for i, p in enumerate(track.points):
        version = book.in_force(agreement_id, p.time)
        terms = cache.get(version, p.time) if version is not None else None
        if terms is not current:
            if current is not None:
                yield current, TrackSpan(track, start, i)
            current, start = terms, i
    if current is not None:
        yield current, TrackSpan(track, start, len(track.points))


def _judge_fires(
    judge: Judge, fires: list[Fire], casualties: Sequence[CasualtyReport]
) -> list[Finding]:
    where = locate_shots(judge.terms, fires)
    return (
        fire.evaluate(judge, fires, where, casualties)
        + fire_at_protected_site.evaluate(judge, fires, where)
        + fire_in_disengagement_area.evaluate(judge, fires, where)
    )


def _judge_observations(judge: Judge, observations: list[Observation]) -> list[Finding]:
    return (
        weapon_in_withdrawal_zone.evaluate_observations(judge, observations)
        + presence_in_disengagement_area.evaluate_observations(judge, observations)
        + airspace.evaluate_observations(judge, observations)
        + restriction_on_monitors.evaluate(judge, observations)
        + weapon_missing_from_holding_area.evaluate(judge, observations)
    )


def _judge_track(judge: Judge, span: TrackSpan) -> list[Finding]:
    return (
        airspace.evaluate_track(judge, span)
        + weapon_in_withdrawal_zone.evaluate_track(judge, span)
        + presence_in_disengagement_area.evaluate_track(judge, span)
    )


def check(
    agreements: Sequence[Agreement],
    *,
    events: Sequence[EventInput] = (),
    observations: Sequence[Observation] = (),
    tracks: Sequence[Track] = (),
    options: RuleOptions = DEFAULT_OPTIONS,
) -> list[Finding]:
    """Every finding the subjects give under the agreements, sorted by time, rule and id.

    ``events`` are GeoJSON Features of events.md (or parsed :class:`FireEvent`);
    malformed ones raise :class:`~truceline.errors.InputError` naming the feature index and
    field. Only observations whose ``type`` is in ``options.judged_observation_types`` are
    judged. Ids are deterministic, so a re-run yields the same findings.
    """
    book = AgreementBook(agreements)
    half_width = options.bearing_uncertainty_deg
    judged = [o for o in observations if o.type in options.judged_observation_types]
    fires = fires_from_events(_events(events)) + fires_from_observations(judged, half_width)
    casualties = casualty_reports(judged, half_width)
    others = [o for o in judged if o.category not in FIRE_CATEGORIES]
    found: dict[str, Finding] = {}
    for agreement_id in book.ids:
        cache = TermsCache()
        in_force = [
            c
            for c in casualties
            if book.in_force_throughout(
                agreement_id, c.observation.time_from, c.observation.time_to
            )
        ]
        batches: list[Finding] = []
        for terms, group in _fire_groups(book, agreement_id, fires, cache):
            batches += _judge_fires(Judge(terms, options), group, in_force)
        for terms, obs in _observation_groups(book, agreement_id, others, cache):
            batches += _judge_observations(Judge(terms, options), obs)
        for track in tracks:
            for terms, span in track_spans(book, agreement_id, track, cache):
                batches += _judge_track(Judge(terms, options), span)
        for finding in batches:
            found.setdefault(finding.id, finding)
    order = {rule: i for i, rule in enumerate(RULES)}
    return sorted(found.values(), key=lambda f: (f.time, order[f.rule], f.id))
