"""Rule ``restriction_on_monitors``: the mission's freedom of movement restricted.

Clause: the monitoring and verification mechanism's access (e.g. Minsk II para. 3 and the
OSCE SMM mandate's "safe and secure access throughout Ukraine"; the 2026 declaration's
monitoring annex); cited from the contact line's ``instrument`` or the agreement's title,
since agreements rarely map this term to a feature. Logic: every judged report of category
``restriction``; its ``subtype`` (denial, delay, conditional_access, interference,
harassment) is in the basis. No geometry is needed: a report with only a place name is a
finding without a location. The responsible side is the report's ``side``; failing that,
for a denial, delay or conditional access at a located point, the side whose ground holds
it (who controls a road controls access to it), else none (a jammer's owner is unknown).

Basis: "restriction on the mission's monitors (denial) between T0 and T1 at 48.6837,
38.5308 on side RU's ground, attributed to side RU by the report".
"""

from __future__ import annotations

from collections.abc import Sequence

from truceline.formats.records import Observation
from truceline.rules import text
from truceline.rules.context import Judge, place_phrase
from truceline.rules.finding import Finding
from truceline.rules.place import observation_place

RULE = "restriction_on_monitors"
ACCESS = ("denial", "delay", "conditional_access")


def evaluate(judge: Judge, observations: Sequence[Observation]) -> list[Finding]:
    agreement = judge.terms.agreement
    out = []
    for obs in observations:
        if obs.category != "restriction":
            continue
        place = observation_place(obs, judge.options.bearing_uncertainty_deg)
        ground = judge.terms.side_of(place) if place is not None else None
        responsible, source = obs.side, "report"
        if responsible is None and obs.subtype in ACCESS and place is not None and not place.area:
            responsible, source = ground, "ground"
        subtype = (obs.subtype or "unspecified").replace("_", " ")
        when = text.span(obs.time_from, obs.time_to)
        basis = f"restriction on the mission's monitors ({subtype}) {when}"
        if place is not None:
            basis += f" at {place.lat:.4f}, {place.lon:.4f} ({place_phrase(place)})"
            basis += f" on {text.side(agreement, ground)}'s ground" if ground else ""
        elif obs.place:
            basis += f" at {obs.place!r} (not yet resolved to coordinates)"
        if responsible is not None:
            by = "by the report" if source == "report" else "as the side holding the ground"
            basis += f", attributed to {text.side(agreement, responsible)} {by}"
        facts = {
            "subtype": obs.subtype,
            "means": obs.means,
            "time_to": text.when(obs.time_to),
            "side_from": source if responsible else None,
            "ground_side": ground,
            "place": place.facts() if place is not None else {"name": obs.place},
        }
        out.append(
            judge.subject_finding(
                RULE,
                obs,
                time=obs.time_from,
                location=(place.lat, place.lon) if place is not None else None,
                responsible=responsible,
                instrument=judge.terms.instrument(),
                basis=basis,
                facts=facts,
            )
        )
    return out
