"""The clock checks scored against the simulator's clock faults (pure).

``truceline fuse --clocks`` writes each sensor's clock check at the end of its input
(:mod:`truceline.fusion.clocks`); a scenario made with ``truceline simulate
--clock-faults`` says in its truth which sensors' clocks ran off, from when and by how
much. :func:`clock_scores` counts the faults found (the sensor judged ``offset`` with an
offset within ``TOLERANCE_MS`` or ``TOLERANCE`` of the truth, whichever is larger), the
faults missed, and the false alarms (a sensor judged ``offset`` whose clock was right).
A fault is only expected to be found once enough well-located events have come after its
start: the misses are reported with the checks behind them, not explained away.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from truceline.fusion.truth import Truth

TOLERANCE_MS = 3.0
TOLERANCE = 0.05


@dataclass(frozen=True, slots=True)
class FaultScore:
    """One simulated clock fault and what the checks said of its sensor."""

    sensor: str
    offset_ms: float  # the truth, at the checks' time
    drift_ppm: float  # the truth's drift
    status: str  # the sensor's check ("missing" when the report does not name it)
    found_ms: float | None  # the check's offset
    found: bool


@dataclass(frozen=True, slots=True)
class ClockScore:
    """How the clock checks did on one scenario."""

    faults: int
    found: int
    false_flags: int
    false_sensors: list[str] = field(default_factory=list)  # flagged, with no fault
    detail: list[FaultScore] = field(default_factory=list)


def clock_scores(truth: Truth, checks: Sequence[Mapping[str, object]],
                 as_of: datetime | None = None) -> ClockScore:  # fmt: skip
    """Score the checks (``clocks.json``'s ``sensors``: ``sensor``, ``status``,
    ``offset_ms``, made ``as_of`` the latest event they saw) against ``truth``'s clock
    faults: a drifting clock's offset is the truth's at that time (at the fault's start
    without ``as_of``)."""
    by_sensor = {str(c["sensor"]): c for c in checks}
    detail = []
    for f in truth.clock_faults:
        c = by_sensor.get(f.sensor)
        status = str(c["status"]) if c is not None else "missing"
        raw = c.get("offset_ms") if c is not None else None
        got = float(raw) if isinstance(raw, int | float) and math.isfinite(raw) else None
        true = f.offset_at(as_of) if as_of is not None else f.offset_ms
        tol = max(TOLERANCE_MS, TOLERANCE * abs(true))
        found = status == "offset" and got is not None and abs(got - true) <= tol
        detail.append(FaultScore(f.sensor, true, f.drift_ppm, status, got, found))
    faulty = {f.sensor for f in truth.clock_faults}
    false = sorted(s for s, c in by_sensor.items() if c["status"] == "offset" and s not in faulty)
    return ClockScore(len(detail), sum(d.found for d in detail), len(false), false, detail)
