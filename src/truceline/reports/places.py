"""Where things happened, said relative to settlements (pure).

Every location in a report is described from its nearest settlement in the gazetteer
(bearing and geodesic distance, ``truceline.gazetteer``) together with the side whose
control area, in the agreement, holds that settlement.

Public reports coarsen locations whose markings' TLP is not CLEAR or GREEN
(docs/reports.md): the point is snapped to a grid of :data:`PUBLIC_GRID_DEG` degrees
(about 5.6 km north-south and 3.7 km east-west at 48° N) and named only by the settlement
of at least :data:`PUBLIC_MIN_POPULATION` people nearest to the snapped point, with no
distance, bearing or coordinates. A reader then learns the area, not the spot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from truceline.gazetteer import Gazetteer
from truceline.reports.model import Place

PUBLIC_GRID_DEG = 0.05
PUBLIC_MIN_POPULATION = 1000
OPEN_TLP = frozenset({"CLEAR", "GREEN"})

SideAt = Callable[[float, float], "str | None"]


def must_coarsen(public: bool, tlp: str | None) -> bool:
    """Whether a public report must coarsen a record with this TLP (default AMBER)."""
    return public and (tlp or "AMBER") not in OPEN_TLP


def snap(value: float, step: float = PUBLIC_GRID_DEG) -> float:
    """``value`` rounded to the nearest multiple of ``step`` (kept to 6 decimals)."""
    return round(round(value / step) * step, 6)


@dataclass(frozen=True, slots=True)
class Placer:
    """Describes points with one gazetteer and one agreement's control areas."""

    gazetteer: Gazetteer
    side_at: SideAt

    def place(
        self,
        lat: float | None,
        lon: float | None,
        *,
        coarse: bool = False,
        uncertainty_m: float | None = None,
    ) -> Place | None:
        """The point described, or None when there is no point (or no settlement)."""
        if lat is None or lon is None:
            return None
        if coarse:
            glat, glon = snap(lat), snap(lon)
            found = self.gazetteer.nearest(glat, glon, min_population=PUBLIC_MIN_POPULATION)
            if not found:
                return None
            s = found[0].settlement
            return Place(glat, glon, s.id, None, None, self.side_at(s.lat, s.lon), True)
        near = self.gazetteer.nearest(lat, lon)
        if not near:
            return None
        n = near[0]
        s = n.settlement
        return Place(
            round(lat, 6),
            round(lon, 6),
            s.id,
            n.distance_m,
            n.bearing_deg,
            self.side_at(s.lat, s.lon),
            False,
            uncertainty_m,
        )
