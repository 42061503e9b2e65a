"""Rule ``weapon_missing_from_holding_area``: declared weapons not found where declared.

Clause: a ``holding_area`` feature ("a declared site where a side keeps withdrawn weapons;
weapons missing from it are a finding", agreement.md; e.g. the 2015 addendum's storage
sites), cited by its ``instrument``. Logic: a judged verification report carrying the
holding-area extras of :mod:`truceline.rules.holding` whose missing count is above zero,
matched to a declared holding area by name (else by location). The responsible side is the
side that declared the area. A report naming an area the agreement does not declare is
not this rule's business (the incident service still has it).

Basis: "3 of 12 declared artillery_100mm_plus missing from the Ilovaisk holding area
(side RU) at the visit between T0 and T1 (9 found)".
"""

from __future__ import annotations

from collections.abc import Sequence

from truceline.formats.records import Observation
from truceline.rules import text
from truceline.rules.context import Judge
from truceline.rules.finding import Finding
from truceline.rules.holding import holding_report, match_holding_area
from truceline.rules.place import observation_place

RULE = "weapon_missing_from_holding_area"


def evaluate(judge: Judge, observations: Sequence[Observation]) -> list[Finding]:
    agreement = judge.terms.agreement
    out = []
    for obs in observations:
        report = holding_report(obs)
        if report is None:
            continue
        missing = report.missing
        if missing is None and report.expected is not None:
            missing = report.expected - obs.count
        if missing is None or missing <= 0:
            continue
        place = observation_place(obs, judge.options.bearing_uncertainty_deg)
        area = match_holding_area(
            judge.terms, report.name, place, judge.options.holding_point_radius_m
        )
        if area is None:
            continue
        what = obs.weapon_class or "weapons"
        of = f"{missing} of {report.expected}" if report.expected is not None else f"{missing}"
        basis = (
            f"{of} declared {what} missing from the {area.label} "
            f"({text.side(agreement, area.side)}) at the visit "
            f"{text.span(obs.time_from, obs.time_to)} ({obs.count} found)"
        )
        rep = area.geometry.representative_point()
        location = (place.lat, place.lon) if place is not None else (rep.y, rep.x)
        facts = {
            "holding_area": area.label,
            "holding_area_feature": area.index,
            "side": area.side,
            "weapon_class": obs.weapon_class,
            "expected_count": report.expected,
            "found_count": obs.count,
            "missing_count": missing,
            "matched_by": "name" if report.name else "location",
        }
        out.append(
            judge.subject_finding(
                RULE,
                obs,
                time=obs.time_from,
                location=location,
                responsible=area.side,
                instrument=judge.terms.instrument(area),
                basis=basis,
                facts=facts,
            )
        )
    return out
