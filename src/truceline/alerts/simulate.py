"""The detector measured on simulated counts with known change points (pure: pass a numpy
Generator; same seed, same figures).

* False-alarm rate: Poisson counts at a constant rate (or one that drifts slowly), the
  detector in steady state (a full baseline window of history before the measured bins),
  alarms per 1,000 measured bins, with restarts as in service. Design: ``1000 / arl0``.
* Detection delay: the rate multiplies by ``ratio`` at a known bin; the delay is the number
  of bins from that bin to the first alarm, inclusive (an alarm in the first bin of the rise
  is a delay of 1). Series that raise no alarm within ``horizon`` bins count as undetected.
* A scenario as ``fire`` findings inside a sector (:func:`simulated_findings`), for the
  end-to-end exercise: store them, run the alert worker, read the alert.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from truceline.agreement.model import Agreement
from truceline.alerts.detector import CusumDesign, run
from truceline.rules.finding import Finding, finding_id


@dataclass(frozen=True, slots=True)
class FalseAlarms:
    alarms: int
    bins: int
    design_per_1000: float

    @property
    def per_1000(self) -> float:
        return 1000.0 * self.alarms / self.bins

    @property
    def interval_95(self) -> tuple[float, float]:
        """A normal-approximation 95 % interval for the rate (alarms are rare and nearly
        independent after restarts, so Poisson variance)."""
        half = 1.96 * np.sqrt(max(self.alarms, 1)) * 1000.0 / self.bins
        return max(0.0, self.per_1000 - half), self.per_1000 + half


@dataclass(frozen=True, slots=True)
class Delays:
    ratio: float
    delays: tuple[int, ...]
    replicates: int

    @property
    def detected(self) -> float:
        return len(self.delays) / self.replicates

    @property
    def median(self) -> float:
        return float(np.median(self.delays)) if self.delays else float("nan")

    @property
    def quartiles(self) -> tuple[float, float]:
        if not self.delays:
            return float("nan"), float("nan")
        q1, q3 = np.percentile(self.delays, [25, 75])
        return float(q1), float(q3)


def history_bins(design: CusumDesign) -> int:
    """Bins of history before the detector first sees a full baseline window."""
    return design.window_bins + design.guard_bins


def _steady(design: CusumDesign) -> CusumDesign:
    return replace(design, min_window_bins=design.window_bins)


def counts(
    rng: np.random.Generator,
    replicates: int,
    rates: np.ndarray,
) -> np.ndarray:
    """Poisson counts, ``replicates`` series over the per-bin ``rates``."""
    return rng.poisson(np.broadcast_to(rates, (replicates, len(rates))))


def false_alarms(
    design: CusumDesign,
    rate: float,
    rng: np.random.Generator,
    *,
    replicates: int = 200,
    bins: int = 2000,
    growth_per_bin: float = 0.0,
) -> FalseAlarms:
    """Alarms per 1,000 bins with no change (``growth_per_bin``: a slow multiplicative drift
    of the baseline itself, e.g. ``log(1.5) / 720`` for +50 % over 30 days)."""
    lead = history_bins(design)
    t = np.arange(lead + bins)
    rates = rate * np.exp(growth_per_bin * np.clip(t - lead, 0, None))
    _, _, _, alarms = run(counts(rng, replicates, rates), _steady(design))
    hits = sum(1 for a in alarms if a.bin >= lead)
    return FalseAlarms(hits, replicates * bins, design.false_alarms_per_1000)


def delays(
    design: CusumDesign,
    rate: float,
    ratio: float,
    rng: np.random.Generator,
    *,
    replicates: int = 200,
    before: int = 48,
    horizon: int = 336,
) -> Delays:
    """Bins from a ``ratio``-fold rise to the first alarm, per replicate."""
    change = history_bins(design) + before
    rates = np.full(change + horizon, rate)
    rates[change:] *= ratio
    _, _, _, alarms = run(counts(rng, replicates, rates), _steady(design))
    first: dict[int, int] = {}
    for a in alarms:
        if a.bin >= change and a.series not in first:
            first[a.series] = a.bin - change + 1
    return Delays(ratio, tuple(sorted(first.values())), replicates)


# --- a simulated escalation as findings (for the end-to-end exercise) -------------------


@dataclass(frozen=True, slots=True)
class Scenario:
    """``rate_per_hour`` fire findings per hour in one sector for ``quiet_hours``, then
    ``rise`` times as many for ``rise_hours``."""

    sector: str
    start: datetime
    quiet_hours: int = 240
    rise_hours: int = 12
    rate_per_hour: float = 0.5
    rise: float = 4.0

    @property
    def change(self) -> datetime:
        return self.start + timedelta(hours=self.quiet_hours)


def _points_in(
    geometry: BaseGeometry, n: int, rng: np.random.Generator
) -> list[tuple[float, float]]:
    """``n`` points inside ``geometry`` (lon/lat), by rejection from its bounding box."""
    minx, miny, maxx, maxy = geometry.bounds
    out: list[tuple[float, float]] = []
    while len(out) < n:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.intersects_xy(geometry, lon, lat):
            out.append((float(lat), float(lon)))
    return out


def simulated_findings(
    agreement: Agreement, scenario: Scenario, rng: np.random.Generator
) -> list[Finding]:
    """``fire`` findings of the scenario, placed at random inside its sector."""
    sector = next(
        (f for f in agreement.features_with_role("sector") if f.label == scenario.sector), None
    )
    if sector is None:
        raise ValueError(f"agreement {agreement.id} has no sector {scenario.sector!r}")
    hours = scenario.quiet_hours + scenario.rise_hours
    rates = np.full(hours, scenario.rate_per_hour)
    rates[scenario.quiet_hours :] *= scenario.rise
    per_hour = rng.poisson(rates)
    out = []
    for hour, n in enumerate(per_hour):
        seconds = np.sort(rng.uniform(0.0, 3600.0, size=int(n)))
        for s, (lat, lon) in zip(seconds, _points_in(sector.geometry, int(n), rng), strict=True):
            key = f"sim-{scenario.sector}-{hour}-{s:.3f}"
            out.append(
                Finding(
                    id=finding_id("fire", agreement.id, [key]),
                    rule="fire",
                    subjects=(key,),
                    time=scenario.start + timedelta(hours=hour, seconds=float(s)),
                    location=(lat, lon),
                    responsible_side=None,
                    affected_side=None,
                    grave=False,
                    agreement_id=agreement.id,
                    agreement_version=agreement.version,
                    instrument=None,
                    basis="simulated fire, for an exercise of the escalation detector",
                    facts={"simulated": True},
                )
            )
    return out
