"""Located events and their GeoJSON form (pure).

An event's id is derived from its inputs alone, ``ev-`` and the first 16 hex digits of the
SHA-256 of its sorted detection ids, so re-running fusion on the same detections, or a
live service receiving a batch twice, gives the same id and never a second event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from truceline.timefmt import format_time


def event_id(detection_ids: Iterable[str]) -> str:
    """``ev-`` + 16 hex digits of SHA-256 over the sorted, newline-joined detection ids."""
    digest = hashlib.sha256("\n".join(sorted(detection_ids)).encode()).hexdigest()
    return f"ev-{digest[:16]}"


@dataclass(frozen=True, slots=True)
class Event:
    """One located blast (docs/formats/events.md), plus a few optional extras.

    ``covariance`` is the 3×3 covariance of (east m, north m, origin time s) in the local
    ENU frame at the event; ``height_m`` is the assumed source height (median of the
    hearing sensors' heights). ``salvo`` is the id of the first paired launch of the salvo
    the event belongs to (:mod:`truceline.fusion.salvos`), ``None`` for other fire;
    ``pair_margin`` how sure its pair is, in nats (:mod:`truceline.fusion.pair_margins`).
    """

    id: str
    time: datetime
    lat: float
    lon: float
    height_m: float
    phase: str
    weapon: str
    detections: tuple[str, ...]
    n_sensors: int
    semi_major_m: float
    semi_minor_m: float
    azimuth_deg: float
    side: str | None
    paired_with: str | None
    rms_residual_ms: float
    n_bearings: int = 0
    chi2: float = 0.0
    dof: int = 0
    covariance: tuple[tuple[float, ...], ...] = ()
    salvo: str | None = None
    pair_margin: float | None = None


def _r(x: float, nd: int) -> float:
    return float(round(x, nd))


def event_to_feature(event: Event) -> dict[str, Any]:
    """The event as the GeoJSON Feature of docs/formats/events.md."""
    props: dict[str, Any] = {
        "id": event.id,
        "time": format_time(event.time),
        "phase": event.phase,
        "weapon": event.weapon,
        "detections": list(event.detections),
        "n_sensors": event.n_sensors,
        "error_ellipse": {
            "semi_major_m": _r(event.semi_major_m, 2),
            "semi_minor_m": _r(event.semi_minor_m, 2),
            "azimuth_deg": _r(event.azimuth_deg, 1),
        },
        "side": event.side,
        "paired_with": event.paired_with,
        "salvo": event.salvo,
        "pair_margin": None if event.pair_margin is None else _r(event.pair_margin, 2),
        "rms_residual_ms": _r(event.rms_residual_ms, 3),
        "height_m": _r(event.height_m, 1),
        "n_bearings": event.n_bearings,
        "chi2": _r(event.chi2, 3),
        "dof": event.dof,
    }
    if event.covariance:
        props["covariance"] = {
            "frame": "ENU at the event; east m, north m, origin s",
            "matrix": [[float(f"{v:.6g}") for v in row] for row in event.covariance],
        }
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [_r(event.lon, 7), _r(event.lat, 7)]},
        "properties": props,
    }
