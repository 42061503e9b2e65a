"""Findings (and, by the same function, incidents) as rows of the ACLED column set (pure).

Analysts compare the mechanism's record with the Armed Conflict Location & Event Data
project's, so the CSV export of findings and incidents uses ACLED's column names where a
column applies (ACLED Codebook, 2023: event_date, time_precision, event_type,
sub_event_type, actor1, actor2, admin1, location, latitude, longitude, geo_precision,
source, notes, fatalities). The mapping is ours and deliberately plain:

- ``event_type`` / ``sub_event_type`` come from the happening's category (the observation
  categories of docs/formats/observations.md, which ``truceline.incidents.categories``
  extends with ``fire``, ``presence`` and ``weapon_missing``): fire, explosions and flares
  are "Explosions/Remote violence" (shelling, or an air/drone strike for a UAV weapon, or a
  remote explosive for a mine); small-arms shots and bursts "Battles / Armed clash"; a
  casualty "Violence against civilians / Attack" only when the casualties are civilians;
  presence, movements, sightings and missing weapons "Strategic developments / Change to
  group/activity"; overflights, restrictions and anything else "Strategic developments /
  Other". A finding's category follows from its rule, as incidents take it
  (:data:`truceline.incidents.sources.RULE_CATEGORY`).
- ``time_precision`` is 1 (the day is known) for timed records; ``geo_precision`` is 1 when
  the location is known to within 2 km, 2 within 25 km, 3 otherwise (ACLED: town, district,
  region). ``admin1`` and ``location`` (oblast and nearest settlement) come from the
  gazetteer through an injected ``Placer``.
- ``actor1`` is the responsible side's name, ``actor2`` the affected side's; blank when the
  record does not say. ``fatalities`` is blank, not 0, when nothing is known: a finding
  establishes a breach, not its toll.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from truceline.incidents.sources import RULE_CATEGORY
from truceline.timefmt import parse_time

ACLED_COLUMNS: tuple[str, ...] = (
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
)
SOURCE = "Truceline monitoring mission"

_EXPLOSIVE = frozenset(
    {"fire", "explosion", "projectile_in_flight", "muzzle_flash", "illumination_flare"}
)
_PRESENCE = frozenset({"weapon_sighting", "movement", "presence", "weapon_missing"})

Placer = Callable[[float, float], tuple[str, str]]  # (lat, lon) -> (admin1, location)
SideName = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class AcledEvent:
    """What an ACLED row says, before the place names are looked up."""

    time: datetime
    category: str
    weapon: str | None
    civilian_casualties: bool
    actor1: str | None
    actor2: str | None
    lat: float | None
    lon: float | None
    uncertainty_m: float | None
    notes: str
    fatalities: int | None
    time_precision: int = 1
    source: str = SOURCE


def acled_type(category: str, weapon: str | None, civilian: bool) -> tuple[str, str]:
    """ACLED (event_type, sub_event_type) for a category and, for fire, the weapon."""
    weapon = (weapon or "").lower()
    if category == "mine":
        return "Explosions/Remote violence", "Remote explosive/landmine/IED"
    if category in _EXPLOSIVE:
        if "uav" in weapon or "drone" in weapon or "air" in weapon:
            return "Explosions/Remote violence", "Air/drone strike"
        if weapon == "small_arms":
            return "Battles", "Armed clash"
        return "Explosions/Remote violence", "Shelling/artillery/missile attack"
    if category in ("shot", "burst"):
        return "Battles", "Armed clash"
    if category == "casualty":
        if civilian:
            return "Violence against civilians", "Attack"
        return "Explosions/Remote violence", "Shelling/artillery/missile attack"
    if category in _PRESENCE:
        return "Strategic developments", "Change to group/activity"
    return "Strategic developments", "Other"


def geo_precision(uncertainty_m: float | None) -> int:
    if uncertainty_m is None or uncertainty_m <= 2_000:
        return 1
    return 2 if uncertainty_m <= 25_000 else 3


def acled_row(event: AcledEvent, place: Placer) -> dict[str, Any]:
    """One row keyed by :data:`ACLED_COLUMNS` (blank where nothing is known)."""
    event_type, sub_type = acled_type(event.category, event.weapon, event.civilian_casualties)
    admin1, location = ("", "")
    located = event.lat is not None and event.lon is not None
    if located:
        assert event.lat is not None and event.lon is not None
        admin1, location = place(event.lat, event.lon)
    return {
        "event_date": event.time.date().isoformat(),
        "time_precision": event.time_precision,
        "event_type": event_type,
        "sub_event_type": sub_type,
        "actor1": event.actor1 or "",
        "actor2": event.actor2 or "",
        "admin1": admin1,
        "location": location,
        "latitude": event.lat if located else "",
        "longitude": event.lon if located else "",
        "geo_precision": geo_precision(event.uncertainty_m) if located else "",
        "source": event.source,
        "notes": event.notes,
        "fatalities": "" if event.fatalities is None else event.fatalities,
    }


def finding_event(finding: Mapping[str, Any], side_name: SideName) -> AcledEvent:
    """A finding (docs/formats/findings.md) as an :class:`AcledEvent`."""
    facts = finding.get("facts") or {}
    location = finding.get("location") or {}
    killed = facts.get("killed", facts.get("fatalities"))
    responsible, affected = finding.get("responsible_side"), finding.get("affected_side")
    return AcledEvent(
        time=parse_time(finding["time"]),
        category=RULE_CATEGORY.get(finding.get("rule", ""), "other"),
        weapon=facts.get("weapon") or facts.get("weapon_class"),
        civilian_casualties=facts.get("casualty_group") == "civilian",
        actor1=side_name(responsible) if responsible else None,
        actor2=side_name(affected) if affected else None,
        lat=location.get("lat"),
        lon=location.get("lon"),
        uncertainty_m=facts.get("semi_major_m"),
        notes=str(finding.get("basis") or ""),
        fatalities=killed if isinstance(killed, int) else None,
    )


def _time_precision(start: datetime, end: datetime) -> int:
    """ACLED: 1 when the day is known, 2 the week, 3 only the month."""
    days = (end - start).total_seconds() / 86_400
    return 1 if start.date() == end.date() else 2 if days <= 7 else 3


def incident_event(incident: Mapping[str, Any], side_name: SideName) -> AcledEvent:
    """An incident (the API's list form, docs/incidents.md) as an :class:`AcledEvent`.

    ``notes`` is the title with the state and grade, so a reader sees how far verification
    went: ACLED rows are reported events, ours may still be under investigation.
    """
    start, end = parse_time(incident["time_from"]), parse_time(incident["time_to"])
    location = incident.get("location") or {}
    responsible, affected = incident.get("responsible_side"), incident.get("affected_side")
    return AcledEvent(
        time=start,
        category=str(incident.get("category") or "other"),
        weapon=None,
        civilian_casualties=False,
        actor1=side_name(responsible) if responsible else None,
        actor2=side_name(affected) if affected else None,
        lat=location.get("lat"),
        lon=location.get("lon"),
        uncertainty_m=location.get("uncertainty_m"),
        notes=f"{incident.get('title', '')} [{incident.get('state')}, grade "
        f"{incident.get('grade')}]",
        fatalities=None,
        time_precision=_time_precision(start, end),
    )
