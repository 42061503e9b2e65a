"""The rules engine's tunable judgements, each with the reason for its default (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from truceline.rules.area import DEFAULT_HALF_WIDTH_DEG


@dataclass(frozen=True, slots=True)
class RuleOptions:
    """Thresholds the rules apply; the defaults are documented in docs/rules.md.

    ``bearing_uncertainty_deg``: half-width of the sector a bearing report describes; 22.5
    degrees is half a point of the eight-point compass patrols report in.
    ``judged_observation_types``: observation types that rules judge. Only the mission's own
    reports by default: an allegation or an open-source item is a claim, which the incident
    service correlates and grades, not a fact a rule may build a finding on.
    ``casualty_distance_m`` / ``casualty_window_s``: how close in space (beyond both
    locations' uncertainties) and time a casualty report must be to a fire to be counted as
    its consequence; 1 km is about the lethal radius of the heaviest common tube artillery
    fragments, and half an hour covers a report's rounding of the time.
    ``holding_point_radius_m``: the extent assumed for a holding area declared as a bare
    Point without ``radius_m``, when matching a report to it by location.
    """

    bearing_uncertainty_deg: float = DEFAULT_HALF_WIDTH_DEG
    judged_observation_types: tuple[str, ...] = ("monitor_report",)
    casualty_distance_m: float = 1_000.0
    casualty_window_s: float = 1_800.0
    holding_point_radius_m: float = 500.0


DEFAULT_OPTIONS = RuleOptions()
