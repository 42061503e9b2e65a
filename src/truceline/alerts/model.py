"""Alert records: what an escalation alarm or a grave finding becomes (pure).

An alert is stored once and never changed (it is a leaf of the tamper-evident log), so its
record carries everything a message needs: the area (the sector's polygon, or a circle
around a grave finding), the place described in each language, the statistic or the
finding, the ids of the findings it rests on, and its markings. Headlines are rendered
from the record per language (:mod:`truceline.alerts.text`).

Severity (CAP's scale): an escalation is ``Severe`` when the observed count is at least
four times the expected over the run, else ``Moderate``; a grave finding is ``Extreme``
when casualties are reported with it, else ``Severe``. Urgency is ``Immediate`` and
certainty ``Likely`` for both: findings are machine conclusions not yet verified by people.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from truceline.alerts.detector import Alarm, CusumDesign
from truceline.timefmt import format_time, from_micros

KINDS: tuple[str, ...] = ("escalation", "grave")
SEVERITIES: tuple[str, ...] = ("Minor", "Moderate", "Severe", "Extreme")
EXPIRES_S = 24 * 3600
"""How long an alert's information stays current (CAP ``expires``)."""
MIN_RADIUS_KM = 1.0
SEVERE_RATIO = 4.0

LatLon = tuple[float, float]


def alert_id(*parts: str) -> str:
    """``al-`` and 16 hex digits of SHA-256 over the parts: the same cause, the same id."""
    return "al-" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def severity_rank(severity: str) -> int:
    """Position on CAP's scale (``Unknown`` ranks below ``Minor``)."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def iso(us: int) -> str:
    """RFC 3339 UTC to the second, as records store times."""
    return format_time(from_micros(us - us % 1_000_000))


@dataclass(frozen=True, slots=True)
class Escalation:
    """An alarm of the detector in one sector, with what the service knows around it."""

    sector: str
    rings: tuple[tuple[LatLon, ...], ...]  # the sector's exterior rings, closed, (lat, lon)
    alarm: Alarm
    onset_us: int  # start of the run's first bin (the change-point estimate)
    time_us: int  # when the statistic crossed: the finding that made it cross
    bin_start_us: int  # start of the alarm's bin (part of the alert's identity)
    subjects: tuple[str, ...]  # the run's findings
    centre: LatLon | None  # the run's findings' geodesic centroid
    place: Mapping[str, str]  # the centre described per language
    agreement: tuple[str, int]
    design: CusumDesign
    bin_s: int


def escalation_alert(e: Escalation, markings: Mapping[str, Any]) -> dict[str, Any]:
    """The record of an escalation alert."""
    a, d = e.alarm, e.design
    per_hour = 3600.0 / e.bin_s
    ratio = a.ratio
    return {
        "id": alert_id("escalation", e.agreement[0], e.sector, str(e.bin_start_us)),
        "kind": "escalation",
        "severity": "Severe" if ratio >= SEVERE_RATIO else "Moderate",
        "urgency": "Immediate",
        "certainty": "Likely",
        "sector": e.sector,
        "time": iso(e.time_us),
        "onset": iso(e.onset_us),
        "expires": iso(e.time_us + EXPIRES_S * 1_000_000),
        "agreement": {"id": e.agreement[0], "version": e.agreement[1]},
        "location": None if e.centre is None else {"lat": e.centre[0], "lon": e.centre[1]},
        "place": dict(e.place),
        "area": {
            "description": f"Sector {e.sector}",
            "polygons": [[[round(lat, 6), round(lon, 6)] for lat, lon in r] for r in e.rings],
        },
        "statistic": {
            "method": "poisson_cusum",
            "bin_s": e.bin_s,
            "hours": max(1, math.ceil((e.time_us - e.onset_us) / 3.6e9)),
            "observed": a.observed,
            "expected": round(a.expected, 3),
            "ratio": round(ratio, 3) if math.isfinite(ratio) else None,
            "baseline_per_hour": round(a.baseline * per_hour, 4),
            "threshold": round(a.threshold, 3),
            "statistic": round(a.statistic, 3),
            "rho": d.rho,
            "arl0_hours": d.arl0_bins / per_hour,
            "window_hours": d.window_bins / per_hour,
            "guard_hours": d.guard_bins / per_hour,
        },
        "subjects": list(e.subjects),
        "markings": dict(markings),
    }


def _shot_radius_m(place: Mapping[str, Any]) -> float:
    if place.get("kind") == "bearing_sector":
        near, far = place.get("distance_m") or (0.0, 0.0)
        spread = math.sqrt(float(place.get("area_km2") or 0.0) / math.pi) * 1000.0
        return max((float(far) - float(near)) / 2.0, spread)
    return float(place.get("uncertainty_m") or 0.0)


def radius_km(finding: Mapping[str, Any]) -> float:
    """The circle a grave alert covers: the finding's location error, at least 1 km,
    rounded up to 0.1 km."""
    shots = (finding.get("facts") or {}).get("shots") or []
    worst = max([_shot_radius_m(s.get("place") or {}) for s in shots] or [0.0])
    return max(MIN_RADIUS_KM, math.ceil(worst / 100.0) / 10.0)


def _casualties(finding: Mapping[str, Any]) -> bool:
    return bool((finding.get("facts") or {}).get("casualties"))


def grave_alert(
    finding: Mapping[str, Any],
    *,
    sector: str | None,
    place: Mapping[str, str],
    markings: Mapping[str, Any],
    time_us: int,
) -> dict[str, Any]:
    """The record of the immediate alert for one grave finding (findings.md JSON)."""
    loc = finding.get("location")
    area: dict[str, Any] = {"description": place.get("en") or (sector or "unlocated")}
    if loc:
        area["circle"] = {
            "lat": round(float(loc["lat"]), 6),
            "lon": round(float(loc["lon"]), 6),
            "radius_km": radius_km(finding),
        }
    return {
        "id": alert_id("grave", str(finding["id"])),
        "kind": "grave",
        "severity": "Extreme" if _casualties(finding) else "Severe",
        "urgency": "Immediate",
        "certainty": "Likely",
        "sector": sector,
        "time": iso(time_us),
        "onset": iso(time_us),
        "expires": iso(time_us + EXPIRES_S * 1_000_000),
        "agreement": dict(finding.get("agreement") or {}),
        "location": None if not loc else {"lat": float(loc["lat"]), "lon": float(loc["lon"])},
        "place": dict(place),
        "area": area,
        "finding": {
            "id": finding["id"],
            "rule": finding["rule"],
            "time": finding["time"],
            "basis": finding.get("basis") or "",
            "instrument": finding.get("instrument"),
            "responsible_side": finding.get("responsible_side"),
            "affected_side": finding.get("affected_side"),
        },
        "subjects": [str(finding["id"])],
        "markings": dict(markings),
    }


def sector_rings(polygons: Sequence[Sequence[Sequence[float]]]) -> tuple[tuple[LatLon, ...], ...]:
    """GeoJSON exterior rings (``[lon, lat]`` pairs) as closed ``(lat, lon)`` rings."""
    rings = []
    for ring in polygons:
        pts = tuple((float(p[1]), float(p[0])) for p in ring)
        if pts and pts[0] != pts[-1]:
            pts = (*pts, pts[0])
        rings.append(pts)
    return tuple(rings)
