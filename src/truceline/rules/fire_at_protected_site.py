"""Rule ``fire_at_protected_site``: fire on or near protected civilian infrastructure (grave).

Clause: a ``protected_site`` feature (agreement.md: "fire on or near it is a grave
violation"), cited by the site's ``instrument``. Logic: every impact, or blast or report of
fire of unknown phase, whose location lies within the site (a Polygon, or a Point's
``radius_m``) widened by the location's uncertainty: the 95 % error ellipse's semi-major
axis for a fused event, ``uncertainty_m`` for a located report; a bearing report counts when
its sector meets the site. Launches are not fire *at* a site. Widening means uncertain fire
near a site is still judged; the facts say whether the site was reached only thanks to it.
The responsible side comes from the paired launch, the affected side from the impact.

Basis: "impact 250 m from Donetsk Filter Station (protected within 1.0 km; 95 % ellipse
40 m); launch located 5.2 km behind side RU's line".
"""

from __future__ import annotations

from collections.abc import Sequence

from truceline.rules import text
from truceline.rules.context import Judge, Where, shot_facts, shot_phrase, shot_uncertainty
from truceline.rules.finding import Finding
from truceline.rules.subjects import Fire

RULE = "fire_at_protected_site"


def evaluate(judge: Judge, fires: Sequence[Fire], where: dict[str, Where]) -> list[Finding]:
    if "fire" not in judge.terms.agreement.prohibited:
        return []
    out = []
    for fire in fires:
        launch = fire.launch
        for shot in fire.shots:
            if shot.phase == "launch":
                continue
            widen = shot.place.radius_m
            for site, dist in judge.terms.near("protected_site", shot.place, widen):
                radius = site.radius_m or 0.0
                only_widened = dist > radius
                what = "impact" if shot.phase == "impact" else shot.label
                basis = (
                    f"{what} {text.distance(dist)} from {site.label} (protected "
                    f"{'within ' + text.distance(radius) if radius else 'area'}; "
                    f"{shot_uncertainty(shot)})"
                )
                if only_widened:
                    basis += ", reaching the site only within its uncertainty"
                if launch is not None:
                    basis += "; " + shot_phrase(launch, where[launch.id], judge)
                facts = {
                    "site": site.label,
                    "site_feature": site.index,
                    "site_radius_m": radius,
                    "distance_m": text.metres(dist),
                    "widened_by_m": text.metres(widen),
                    "within_site_without_widening": not only_widened,
                    "shots": [shot_facts(s, where[s.id]) for s in fire.shots],
                }
                out.append(
                    judge.finding(
                        RULE,
                        key=fire.key,
                        discriminator=f"site:{site.index}",
                        subjects=[s.id for s in fire.shots],
                        marks=[s.markings for s in fire.shots],
                        time=fire.time,
                        location=(shot.place.lat, shot.place.lon),
                        responsible=where[launch.id].side if launch else None,
                        affected=where[shot.id].side if shot.phase == "impact" else None,
                        grave=True,
                        instrument=judge.terms.instrument(site),
                        basis=basis,
                        facts=facts,
                    )
                )
    return out
