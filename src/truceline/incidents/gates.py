"""Whether two sources can describe the same happening: the pairwise gates (pure).

Three gates, all of which must pass (unless one source links the other outright):

* **space**: the geodesic gap between the two places (0 when areas overlap) is at most the
  sum of their 95 % radii (areas: their margins) plus a fixed slack (default 250 m) for
  datum and digitising error, and never less than the extent of one happening (default
  1 km: a salvo's dispersion, a hamlet), so that the shells of one barrage, each located to
  tens of metres, still make one incident. For two circular Gaussian positions the sum of
  the 95 % radii is 1.41 to 1 times the 95 % radius of their difference (equal to unequal
  sigmas), so a true pair fails the gate with probability between 0.25 % and 5 % before
  the slack.
* **time**: the gap between the two time windows is at most the sum of the kinds' slacks
  (clock error, "about 02:10", and the pauses within one barrage): event 5 min, finding
  5 min, monitor report 15 min, allegation 30 min, open source 60 min. Equivalently, the
  windows widened by their slacks overlap, which is what the sweep in
  :mod:`truceline.incidents.correlate` uses.
* **kind**: the categories are compatible (:func:`truceline.incidents.categories.compatibility`).

A source with no location (a place name not yet resolved) passes no space gate: it joins an
incident only through an explicit link, or when a person attaches it.

The score of a passing pair is ``compatibility × (1 − ds/2) × (1 − dt/2)`` where ``ds`` and
``dt`` are the gap over the gate in space and time: 1 for the same category at the same
place and time, down to a quarter of the compatibility at the edge of both gates. Linked
pairs score 1. Pairs within ``duplicate_factor`` (default 2) times both gates, but not
within the gates, "look alike": they make duplicate proposals for a person, never merges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Final

from truceline.incidents.categories import compatibility
from truceline.incidents.location import separation_m
from truceline.incidents.sources import Source

DEFAULT_TIME_SLACK: Final[Mapping[str, timedelta]] = MappingProxyType(
    {
        "event": timedelta(minutes=5),
        "finding": timedelta(minutes=5),
        "monitor_report": timedelta(minutes=15),
        "allegation": timedelta(minutes=30),
        "open_source": timedelta(minutes=60),
    }
)


@dataclass(frozen=True, slots=True)
class CorrelationConfig:
    """Gate settings; the defaults are the numbers in the module docstring."""

    time_slack: Mapping[str, timedelta] = field(default_factory=lambda: DEFAULT_TIME_SLACK)
    spatial_slack_m: float = 250.0
    min_space_gate_m: float = 1_000.0
    duplicate_factor: float = 2.0

    def slack(self, source: Source) -> timedelta:
        return self.time_slack[source.kind]


DEFAULT_CONFIG: Final = CorrelationConfig()


@dataclass(frozen=True, slots=True)
class PairTest:
    """The numbers behind one pair's gates, in the canonical order of the pair's keys."""

    a: Source
    b: Source
    linked: bool
    separation_m: float | None
    space_gate_m: float
    time_gap_s: float
    time_gate_s: float
    compatibility: float

    def within(self, factor: float = 1.0) -> bool:
        """Both gates pass when each is widened by ``factor`` (1: a match)."""
        if self.linked:
            return True
        if self.compatibility <= 0.0 or self.separation_m is None:
            return False
        return (
            self.separation_m <= factor * self.space_gate_m
            and self.time_gap_s <= factor * self.time_gate_s
        )

    @property
    def score(self) -> float:
        if self.linked:
            return 1.0
        if self.separation_m is None:
            return 0.0
        ds = _ratio(self.separation_m, self.space_gate_m)
        dt = _ratio(self.time_gap_s, self.time_gate_s)
        return self.compatibility * max(0.0, 1.0 - ds / 2.0) * max(0.0, 1.0 - dt / 2.0)

    @property
    def reason(self) -> str:
        """One sentence a person can check, with the numbers."""
        names = f"{self.a.kind} {self.a.id} and {self.b.kind} {self.b.id}"
        if self.linked:
            return f"{names} refer to each other explicitly"
        if self.separation_m is None:
            return f"{names}: one has no resolved location"
        return (
            f"{names} are {self.separation_m:,.0f} m apart (gate {self.space_gate_m:,.0f} m) "
            f"and {self.time_gap_s / 60:,.1f} min apart (gate {self.time_gate_s / 60:,.1f} min); "
            f"categories {self.a.category}/{self.b.category} "
            f"(compatibility {self.compatibility:.1f})"
        )


def _ratio(gap: float, gate: float) -> float:
    if gate > 0.0:
        return gap / gate
    return 0.0 if gap <= 0.0 else float("inf")


def linked(a: Source, b: Source) -> bool:
    return a.id in b.links or b.id in a.links


def time_gap_s(a: Source, b: Source) -> float:
    """Seconds between two windows; 0 when they overlap."""
    gap = max(a.time_from - b.time_to, b.time_from - a.time_to, timedelta(0))
    return gap.total_seconds()


def may_match(a: Source, b: Source, config: CorrelationConfig, factor: float = 1.0) -> bool:
    """A cheap necessary condition for ``compare(a, b).within(factor)``: link, or time,
    kind and a location on both sides (no geodesy), to skip hopeless pairs quickly.
    """
    if linked(a, b):
        return True
    if a.location is None or b.location is None:
        return False
    if compatibility(a.category, b.category) <= 0.0:
        return False
    return time_gap_s(a, b) <= factor * (config.slack(a) + config.slack(b)).total_seconds()


def compare(a: Source, b: Source, config: CorrelationConfig = DEFAULT_CONFIG) -> PairTest:
    """The gates for one pair; symmetric, because the pair is put in key order first."""
    if b.key < a.key:
        a, b = b, a
    sep = None
    gate = config.spatial_slack_m
    if a.location is not None and b.location is not None:
        sep = separation_m(a.location, b.location)
        gate += a.location.margin_m + b.location.margin_m
    gate = max(gate, config.min_space_gate_m)
    return PairTest(
        a=a,
        b=b,
        linked=linked(a, b),
        separation_m=sep,
        space_gate_m=gate,
        time_gap_s=time_gap_s(a, b),
        time_gate_s=(config.slack(a) + config.slack(b)).total_seconds(),
        compatibility=compatibility(a.category, b.category),
    )
