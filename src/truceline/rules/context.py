"""What every rule needs to turn a judgement into a finding (pure).

A :class:`Judge` binds one agreement version's :class:`~truceline.rules.terms.Terms` and
the options, and builds findings: the id from the rule and the happening's key, markings
derived from the subjects' (releasable only where all of them are, docs/formats/
markings.md), and the agreement version in the facts. :func:`locate_shots` gives every
shot its side and its distance from the contact line in one vectorised pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from truceline.access.markings import derive
from truceline.formats.records import DEFAULT_MARKINGS, Markings, Observation, Track
from truceline.rules import text
from truceline.rules.finding import Finding, finding_id
from truceline.rules.options import RuleOptions
from truceline.rules.place import Place
from truceline.rules.subjects import Fire, Shot
from truceline.rules.terms import Terms


def derived_markings(
    marks: Iterable[Markings | None], side_codes: Sequence[str]
) -> Markings | None:
    """Markings of a finding: None when no subject carries any; else the derivation, in
    which a subject without markings counts with the default (MISSION, AMBER)."""
    given = list(marks)
    if all(m is None for m in given):
        return None
    return derive([m or DEFAULT_MARKINGS for m in given], side_codes=side_codes)


@dataclass(frozen=True)
class Judge:
    terms: Terms
    options: RuleOptions

    @property
    def agreement_id(self) -> str:
        return self.terms.agreement.id

    def finding(
        self,
        rule: str,
        *,
        key: Sequence[str],
        discriminator: str = "",
        subjects: Sequence[str],
        marks: Iterable[Markings | None],
        time: datetime,
        location: tuple[float, float] | None,
        responsible: str | None,
        affected: str | None,
        grave: bool,
        instrument: str | None,
        basis: str,
        facts: dict[str, Any],
    ) -> Finding:
        agreement = self.terms.agreement
        return Finding(
            id=finding_id(rule, agreement.id, key, discriminator),
            rule=rule,
            subjects=tuple(dict.fromkeys(subjects)),
            time=time,
            location=location,
            responsible_side=responsible,
            affected_side=affected,
            grave=grave,
            agreement_id=agreement.id,
            agreement_version=agreement.version,
            instrument=instrument,
            basis=basis,
            facts={**facts, "agreement_version": agreement.version},
            markings=derived_markings(marks, agreement.side_codes),
        )

    def subject_finding(
        self,
        rule: str,
        subject: Observation | Track,
        *,
        discriminator: str = "",
        time: datetime,
        location: tuple[float, float] | None,
        responsible: str | None,
        affected: str | None = None,
        instrument: str | None,
        basis: str,
        facts: dict[str, Any],
    ) -> Finding:
        """A finding on one report or track alone: keyed on its id, with its markings. Not
        grave: only fire makes a finding grave (findings.md)."""
        return self.finding(
            rule,
            key=(subject.id,),
            discriminator=discriminator,
            subjects=[subject.id],
            marks=[subject.markings],
            time=time,
            location=location,
            responsible=responsible,
            affected=affected,
            grave=False,
            instrument=instrument,
            basis=basis,
            facts=facts,
        )


@dataclass(frozen=True)
class Where:
    """A shot's side (from the event, or from the agreement) and distance from the line."""

    side: str | None
    side_from: str
    line_m: float | None


def locate_shots(terms: Terms, fires: Sequence[Fire]) -> dict[str, Where]:
    """Each shot's side (the event's, when it is one of this agreement's codes; else the
    ground's) and contact-line distance, all shots of a group in one vectorised pass."""
    shots = [s for f in fires for s in (*f.shots, f.salvo_launch) if s is not None]
    dist = terms.contact_distances([s.place.lat for s in shots], [s.place.lon for s in shots])
    codes = terms.agreement.side_codes
    out = {}
    for i, s in enumerate(shots):
        side: str | None = s.side
        source = "event"
        if side not in codes or s.observation is not None:
            side, source = terms.side_of(s.place), "agreement"
        line = None if dist is None else float(dist.distance_m[i])
        out[s.id] = Where(side, source, line)
    return out


def place_phrase(place: Place) -> str:
    """The uncertainty of a location, for a basis: "location ± 50 m" or the sector."""
    if place.area is not None:
        a = place.area
        return (
            f"area centred on bearing {a.bearing_deg:.0f}° ± {a.half_width_deg:g}°, "
            f"{text.distance(a.min_m)}–{text.distance(a.max_m)} from the observer"
        )
    return f"location ± {text.distance(place.radius_m)}"


def shot_uncertainty(shot: Shot) -> str:
    """How well a shot is located, for a basis: a fused event's 95 % ellipse, else the
    report's :func:`place_phrase`."""
    if shot.observation is None:
        return f"95 % ellipse {text.distance(shot.place.radius_m)}"
    return place_phrase(shot.place)


def shot_phrase(shot: Shot, where: Where, judge: Judge) -> str:
    """E.g. "launch located 14.2 km behind side B's line (95 % ellipse 40 m)"."""
    agreement = judge.terms.agreement
    obs = shot.observation
    if obs is None:
        what = {"launch": "launch located", "impact": "impact", "unknown": "blast"}[shot.phase]
    else:
        what = f"{text.count(obs.count, obs.count_qualifier)} {shot.label} {text.means(obs.means)}"
    line = None if where.line_m is None else text.distance(where.line_m)
    if shot.place.area is not None:
        centre = f", its centre {line} from the contact line" if line else ""
        if where.side is None:
            touching = judge.terms.sides_touching(shot.place)
            ground = (
                "straddling the contact line" if len(touching) > 1 else "on neither side's ground"
            )
            at = f"in an area {ground}{centre}"
        else:
            at = f"in an area wholly on {text.side(agreement, where.side)}'s ground{centre}"
    elif line is None:
        at = "(no contact line in force to measure from)"
    elif where.side is None:
        at = f"{line} from the contact line, on neither side's ground"
    elif shot.phase == "launch":
        at = f"{line} behind {text.side(agreement, where.side)}'s line"
    else:
        at = f"{line} inside {text.side(agreement, where.side)}'s area"
    return f"{what} {at} ({shot_uncertainty(shot)})"


def shot_facts(shot: Shot, where: Where | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": shot.id,
        "phase": shot.phase,
        "time": text.when(shot.time),
        "place": shot.place.facts(),
        **shot.info,
    }
    if shot.time_to != shot.time:
        out["time_to"] = text.when(shot.time_to)
    if where is not None:
        out["side"] = where.side
        out["side_from"] = where.side_from
        if where.line_m is not None:
            out["contact_line_distance_m"] = text.metres(where.line_m)
    return out
