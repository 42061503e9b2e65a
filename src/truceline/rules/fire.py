"""Rule ``fire``: any fire while the ceasefire holds (pure).

Clause: the agreement's ``prohibited`` list holds ``fire`` (its default; e.g. Minsk II
para. 1, "an immediate and comprehensive ceasefire"); the citation is the contact line's
``instrument``. Logic: every happening of fire in force is a finding. The responsible side
is the side whose ground holds the launch, the affected side the one whose ground holds the
impact (docs/formats/findings.md): a paired launch and impact give one finding naming both;
an unpaired impact names only the affected side, an unpaired launch only the responsible
side, and a blast of unknown phase neither. An unpaired impact that fusion put in a salvo
(its ``salvo``: the rounds' launches at one spot, their impacts in one area fitted to
them) names the responsible side from the salvo's first launch: which round it was is
not known, which launcher fired it is. Reports of fire by monitors are judged the same
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
from truceline.rules.subjects import Fire, Shot

RULE = "fire"
# A pair whose best alternative is within this many nats is called ambiguous: on the
# 192 independent scenarios such pairs were right 59–60 % (under 0.5 nats) and 74–77 %
# (0.5–1) of the time, against 99 % at 5 nats or more (docs/benchmarks.md, "Exact pair
# margins").
AMBIGUOUS_NATS = 1.0


def _conclusion(
    judge: Judge, responsible: str | None, affected: str | None, by_salvo: bool = False
) -> str:
    agreement = judge.terms.agreement

    def name(code: str) -> str:
        full = agreement.side_name(code)
        return code if full == code else f"{code} [{full}]"

    if responsible and affected and by_salvo:
        return (f"fire from {name(responsible)} into {name(affected)} (by its salvo's "
                "launches; which round it was is not known)")  # fmt: skip
    if responsible and affected:
        return f"fire from {name(responsible)} into {name(affected)}"
    if responsible:
        return f"fire from {name(responsible)}; where it landed is not located"
    if affected:
        return f"fire into {name(affected)}; the launch is not located, so no side is named"
    return "fire while the ceasefire holds; the geometry names no side"


def _ambiguity(launch: Shot | None, impact: Shot | None) -> str:
    """A note for a pair whose best alternative is within ``AMBIGUOUS_NATS``: within one
    salvo it is which round it was that is in doubt, not who fired."""
    if launch is None or impact is None:
        return ""
    margin = launch.info.get("pair_margin_nats")
    if margin is None or margin >= AMBIGUOUS_NATS:
        return ""
    salvo = launch.info.get("salvo")
    if salvo is not None and impact.info.get("salvo") == salvo:
        return (f"; which round of the salvo it was is ambiguous (another within {margin:.1f} "
                "nats), not who fired it")  # fmt: skip
    return f"; the pairing is ambiguous (another within {margin:.1f} nats)"


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
        # salvo: who fired an impact whose own launch is not paired (Fire.salvo_launch)
        launch, impact, salvo = fire.launch, fire.impact, fire.salvo_launch
        fired_from = launch or salvo
        responsible = where[fired_from.id].side if fired_from else None
        affected = where[impact.id].side if impact else None
        phrases = [shot_phrase(s, where[s.id], judge) for s in fire.shots]
        if salvo is not None:
            phrases.append("a round of a salvo, its first "
                           + shot_phrase(salvo, where[salvo.id], judge))  # fmt: skip
        conclusion = _conclusion(judge, responsible, affected, salvo is not None)
        basis = ", ".join(phrases) + ": " + conclusion
        basis += _ambiguity(launch, impact)
        landing = fire.landing
        facts: dict[str, Any] = {
            "shots": [shot_facts(s, where[s.id]) for s in fire.shots],
            "weapon": next((s.weapon for s in fire.shots if s.weapon), None),
            "paired": launch is not None and impact is not None,
        }
        if salvo is not None:
            facts["salvo_launch"] = shot_facts(salvo, where[salvo.id])
        hurt = matching(fire, casualties, judge.options)
        if hurt:
            basis += "; " + "; ".join(r.phrase(d) for r, d in hurt)
            facts["casualties"] = [r.facts(d) for r, d in hurt]
        out.append(
            judge.finding(
                RULE,
                key=fire.key,
                subjects=[s.id for s in fire.shots] + [r.observation.id for r, _ in hurt],
                marks=[s.markings for s in fire.shots]
                + [r.observation.markings for r, _ in hurt]
                + ([salvo.markings] if salvo is not None else []),
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
