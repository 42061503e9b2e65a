"""Time-of-flight and range envelopes of the weapon classes that pair (pure).

Indirect fire follows the vacuum trajectory between points at the same height: a round
fired at quadrant elevation ``θ`` that lands at range ``R`` has been in the air
``t = sqrt(2 R tan θ / g)`` (from ``R = v² sin 2θ / g`` and ``t = 2 v sin θ / g``). Air
drag shortens the range for a given elevation and muzzle velocity, which for the same range
changes the time by some ten percent either way (firing tables: FT 155-AM-2 for 155 mm
M107/M795; the 2A65 and D-30 tables for 152 and 122 mm), hence ``DRAG_MARGIN``. Each class
has its usual elevation band and its range band (docs/fusion.md has the sources):

================  ===========  ================  =====================================
class             range (km)   elevation (deg)   sources
================  ===========  ================  =====================================
mortar            0.2 – 8.0    45 – 80           FM 3-22.90 (fires at 800–1511 mils);
                                                 2B11/M120 120 mm max 7.1–7.2 km
artillery         2 – 42       15 – 50           D-30 15.4 km, 2A65 24.7 km, M777 24 km
                                                 (30 km RAP, 40 km Excalibur); low-angle
                                                 fire is below 800 mils (45°)
mlrs              4 – 90       12 – 55           BM-21 20 km (40 km 9M538), Uragan 35 km,
                                                 Smerch/Tornado-S 70–90 km, GMLRS 70 km
tank              0.1 – 5.0    direct fire       APFSDS ~1,650 m/s, HE-FRAG ~850 m/s:
                               700–1,800 m/s     mean speed over the path
================  ===========  ================  =====================================

Small arms and "explosion" (mines, demolitions) are not paired: the former's impacts are
not blasts and the latter have no launch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from truceline.geo import F64

G = 9.80665
DRAG_MARGIN = (0.85, 1.2)


@dataclass(frozen=True, slots=True)
class Envelope:
    """Range band (m) and, for a range, the band of plausible times of flight (s)."""

    name: str
    range_m: tuple[float, float]
    elevation_deg: tuple[float, float] | None = None
    speed_ms: tuple[float, float] | None = None

    def tof_band(self, range_m: F64) -> tuple[F64, F64]:
        """Shortest and longest plausible time of flight for each range."""
        r = np.asarray(range_m, dtype=np.float64)
        if self.speed_ms is not None:
            return r / self.speed_ms[1], r / self.speed_ms[0]
        assert self.elevation_deg is not None
        lo, hi = (math.tan(math.radians(a)) for a in self.elevation_deg)
        base = np.sqrt(2.0 * r / G)
        return base * math.sqrt(lo) * DRAG_MARGIN[0], base * math.sqrt(hi) * DRAG_MARGIN[1]


ENVELOPES: tuple[Envelope, ...] = (
    Envelope("artillery", (2_000.0, 42_000.0), elevation_deg=(15.0, 50.0)),
    Envelope("mortar", (200.0, 8_000.0), elevation_deg=(45.0, 80.0)),
    Envelope("mlrs", (4_000.0, 90_000.0), elevation_deg=(12.0, 55.0)),
    Envelope("tank", (100.0, 5_000.0), speed_ms=(700.0, 1_800.0)),
)
PAIRED_CLASSES: tuple[str, ...] = tuple(e.name for e in ENVELOPES)
LABELS: tuple[str, ...] = ("artillery", "mortar", "mlrs", "tank", "small_arms", "explosion")


def max_time_of_flight() -> float:
    """Longest time of flight any envelope allows (seconds)."""
    return max(float(e.tof_band(np.array([e.range_m[1]]))[1][0]) for e in ENVELOPES)
