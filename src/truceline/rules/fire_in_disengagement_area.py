"""Rule ``fire_in_disengagement_area``: fire in or into a disengagement area (grave).

Clause: a ``disengagement_area`` feature (agreement.md: "both sides withdrew from it: any
armed presence or fire there is a violation"; e.g. the 2016 Framework Decision on
Disengagement), cited by the area's ``instrument``. Logic: every shot of a happening of fire
(launch, impact or unknown phase: firing from inside an area breaks it as much as firing
into it) whose location lies within the area widened by the location's uncertainty (the
95 % ellipse's semi-major axis, or ``uncertainty_m``; a bearing sector that meets it). One
finding per happening and area; the facts list which shots were inside and whether only the
widening reached the area. Sides as for ``fire``.

Basis: "impact inside the Zolote disengagement area (95 % ellipse 40 m); launch located
6.1 km behind side RU's line".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from truceline.rules import text
from truceline.rules.context import Judge, Where, shot_facts, shot_phrase, shot_uncertainty
from truceline.rules.finding import Finding
from truceline.rules.subjects import Fire, Shot

RULE = "fire_in_disengagement_area"


def _phrase(shot: Shot, dist: float, area: str) -> str:
    unc = shot_uncertainty(shot)
    if dist <= 0.0:
        return f"{shot.label} inside the {area} ({unc})"
    return f"{shot.label} {text.distance(dist)} outside the {area}, within its uncertainty ({unc})"


def evaluate(judge: Judge, fires: Sequence[Fire], where: dict[str, Where]) -> list[Finding]:
    if "fire" not in judge.terms.agreement.prohibited:
        return []
    out = []
    for fire in fires:
        hits: dict[int, list[tuple[Shot, float]]] = {}
        areas = {}
        for shot in fire.shots:
            for area, dist in judge.terms.near(
                "disengagement_area", shot.place, shot.place.radius_m
            ):
                hits.setdefault(area.index, []).append((shot, dist))
                areas[area.index] = area
        launch, impact = fire.launch, fire.impact
        for index, inside in hits.items():
            area = areas[index]
            phrases = [_phrase(s, d, area.label) for s, d in inside]
            inside_ids = {s.id for s, _ in inside}
            others = [s for s in fire.shots if s.id not in inside_ids]
            phrases += [shot_phrase(s, where[s.id], judge) for s in others]
            facts: dict[str, Any] = {
                "area": area.label,
                "area_feature": area.index,
                "inside": [
                    {
                        "id": s.id,
                        "phase": s.phase,
                        "distance_m": text.metres(d),
                        "widened_by_m": text.metres(s.place.radius_m),
                    }
                    for s, d in inside
                ],
                "shots": [shot_facts(s, where[s.id]) for s in fire.shots],
            }
            first = inside[0][0]
            out.append(
                judge.finding(
                    RULE,
                    key=fire.key,
                    discriminator=f"area:{index}",
                    subjects=[s.id for s in fire.shots],
                    marks=[s.markings for s in fire.shots],
                    time=fire.time,
                    location=(first.place.lat, first.place.lon),
                    responsible=where[launch.id].side if launch else None,
                    affected=where[impact.id].side if impact else None,
                    grave=True,
                    instrument=judge.terms.instrument(area),
                    basis="; ".join(phrases),
                    facts=facts,
                )
            )
    return out
