"""Rule ``fire``: any fire while the ceasefire holds (pure).

Clause: the agreement's ``prohibited`` list holds ``fire`` (its default; e.g. Minsk II
para. 1, "an immediate and comprehensive ceasefire"); the citation is the contact line's
``instrument``. Logic: every happening of fire in force is a finding. The responsible side
is the side whose ground holds the launch, the affected side the one whose ground holds the
impact (docs/formats/findings.md): a paired launch and impact give one finding naming both;
an unpaired impact names only the affected side, an unpaired launch only the responsible
side, and a blast of unknown phase neither. Reports of fire by monitors are judged the same
way, a muzzle flash or outgoing explosion as a launch, an impact or airburst as an impact.

Basis: "launch located 14.2 km behind side B's line (95 % ellipse 40 m), impact 2.1 km
inside side A's area (95 % ellipse 35 m): fire from B [name] into A [name]".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from truceline.rules.casualties import CasualtyReport, matching
from truceline.rules.context import Judge, Where, shot_facts, shot_phrase
from truceline.rules.finding import Finding
from truceline.rules.subjects import Fire

RULE = "fire"


def _conclusion(judge: Judge, responsible: str | None, affected: str | None) -> str:
    agreement = judge.terms.agreement

    def name(code: str) -> str:
        full = agreement.side_name(code)
        return code if full == code else f"{code} [{full}]"

    if responsible and affected:
        return f"fire from {name(responsible)} into {name(affected)}"
    if responsible:
        return f"fire from {name(responsible)}; where it landed is not located"
    if affected:
        return f"fire into {name(affected)}; the launch is not located, so no side is named"
    return "fire while the ceasefire holds; the geometry names no side"


def evaluate(
    judge: Judge,
    fires: Sequence[Fire],
    where: dict[str, Where],
    casualties: Sequence[CasualtyReport] = (),
) -> list[Finding]:
    """One finding per happening of fire; casualties nearby make it grave
    (:mod:`truceline.rules.casualties`)."""
    if "fire" not in judge.terms.agreement.prohibited:
        return []
    out = []
    for fire in fires:
        launch, impact = fire.launch, fire.impact
        responsible = where[launch.id].side if launch else None
        affected = where[impact.id].side if impact else None
        phrases = [shot_phrase(s, where[s.id], judge) for s in fire.shots]
        basis = ", ".join(phrases) + ": " + _conclusion(judge, responsible, affected)
        landing = fire.landing
        facts: dict[str, Any] = {
            "shots": [shot_facts(s, where[s.id]) for s in fire.shots],
            "weapon": next((s.weapon for s in fire.shots if s.weapon), None),
            "paired": launch is not None and impact is not None,
        }
        hurt = matching(fire, casualties, judge.options)
        if hurt:
            basis += "; " + "; ".join(r.phrase(d) for r, d in hurt)
            facts["casualties"] = [r.facts(d) for r, d in hurt]
        out.append(
            judge.finding(
                RULE,
                key=fire.key,
                subjects=[s.id for s in fire.shots] + [r.observation.id for r, _ in hurt],
                marks=[s.markings for s in fire.shots] + [r.observation.markings for r, _ in hurt],
                time=fire.time,
                location=(landing.place.lat, landing.place.lon),
                responsible=responsible,
                affected=affected,
                grave=bool(hurt),
                instrument=judge.terms.instrument(),
                basis=basis,
                facts=facts,
            )
        )
    return out
