"""Casualties that coincide with fire make its ``fire`` finding grave (pure).

docs/formats/findings.md: ``grave`` is true "for fire at protected sites, fire into
disengagement areas, and casualties". The finding rules have no rule of their own for
casualties, so a judged report of category ``casualty`` with someone killed or injured
attaches to every ``fire`` finding whose landing (impact, or blast of unknown phase) lies
within ``RuleOptions.casualty_distance_m`` of the report, beyond both locations'
uncertainties, and whose time falls in the report's span widened by
``RuleOptions.casualty_window_s``. The finding becomes grave, the report joins its subjects
(not its key: the finding keeps its id), and the facts and basis give the toll. Every
``group`` counts, as the spec does not distinguish; the facts carry it. A casualty with no
fire to attach to is not a finding: it may be a mine or an accident, and the incident
service weighs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from truceline.formats.records import Observation
from truceline.rules import text
from truceline.rules.options import RuleOptions
from truceline.rules.place import Place, observation_place
from truceline.rules.subjects import Fire


@dataclass(frozen=True)
class CasualtyReport:
    observation: Observation
    place: Place

    @property
    def toll(self) -> tuple[int, int, str]:
        c = self.observation.casualties
        return (c.killed, c.injured, c.group) if c is not None else (0, 0, "unknown")

    def facts(self, distance_m: float) -> dict[str, Any]:
        killed, injured, group = self.toll
        return {
            "id": self.observation.id,
            "killed": killed,
            "injured": injured,
            "group": group,
            "distance_m": text.metres(distance_m),
        }

    def phrase(self, distance_m: float) -> str:
        killed, injured, group = self.toll
        toll = " and ".join(
            p
            for p in (f"{killed} killed" if killed else "", f"{injured} injured" if injured else "")
            if p
        )
        return (
            f"{toll} ({group}) reported by {self.observation.id} {text.distance(distance_m)} away"
        )


def casualty_reports(
    observations: Iterable[Observation], half_width_deg: float
) -> list[CasualtyReport]:
    out = []
    for obs in observations:
        c = obs.casualties
        if obs.category != "casualty" or c is None or c.killed + c.injured == 0:
            continue
        place = observation_place(obs, half_width_deg)
        if place is not None:
            out.append(CasualtyReport(obs, place))
    return out


def matching(
    fire: Fire, reports: Sequence[CasualtyReport], options: RuleOptions
) -> list[tuple[CasualtyReport, float]]:
    """Reports whose casualties this fire may have caused, with their distance."""
    landing = fire.landing
    if landing.phase == "launch":
        return []
    window = timedelta(seconds=options.casualty_window_s)
    out = []
    for r in reports:
        obs = r.observation
        if not obs.time_from - window <= fire.time <= obs.time_to + window:
            continue
        d = r.place.distance_m(landing.place.lat, landing.place.lon)
        reach = options.casualty_distance_m + landing.place.radius_m + r.place.radius_m
        if d <= reach:
            out.append((r, d))
    return out
