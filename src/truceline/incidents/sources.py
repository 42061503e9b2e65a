"""One shape for everything that can say a breach happened (pure).

Findings, located events, monitor reports, allegations (and a party's denials) and
open-source reports all reduce to a :class:`Source`: when (a time window), where (a point
with a 95 % radius, an area, or nothing but a place name), what (a category), who says so,
whom it blames, and an *independence key*. Two sources are independent only when their keys
share no token: every source carries ``record:<its id>`` (so a finding and the events it
rests on are one line of evidence), an event ``sensor_owner:<owner>`` for each owner of the
sensors that heard it, a monitor report ``monitor:<patrol>`` (the ``patrol`` or ``post``
extra, else its originator), an allegation or denial ``party:<side>`` (two allegations from
one side are one voice), an open-source report ``outlet:<host>`` of its URL (else its
originator).

A party's response that denies an allegation is an observation of type ``allegation`` with
the extra field ``"stance": "denies"``; its ``accused_side`` is the side whose responsibility
it denies (normally its own), and ``responds_to`` may name the allegation. Explicit
references (a finding's ``subjects``, an event's ``paired_with`` and ``salvo``, an
observation's ``responds_to``/``refers_to`` extras) become ``links``: correlation puts
linked sources in one incident whatever their distance, because they say outright that
they are about it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, get_args
from urllib.parse import urlsplit

from shapely.geometry import MultiPolygon, Polygon

from truceline.errors import Problem
from truceline.formats.records import Markings, Observation
from truceline.incidents.categories import CATEGORIES
from truceline.incidents.errors import IncidentInputError
from truceline.incidents.location import AreaLocation, Location, PointLocation, sector
from truceline.timefmt import parse_time

SourceKind = Literal["finding", "event", "monitor_report", "allegation", "open_source"]
Stance = Literal["asserts", "denies"]
SOURCE_KINDS: Final[tuple[str, ...]] = get_args(SourceKind)
TECHNICAL_KINDS: Final = frozenset({"finding", "event"})

# 95 % radii assumed when a source gives a point but no uncertainty (metres). A finding's
# point comes from a fused event or a sighting; people's reports are coarser, and
# open-source ones coarser still (a village name geocoded to its centre).
DEFAULT_RADIUS_M: Final[dict[str, float]] = {
    "finding": 500.0,
    "event": 500.0,
    "monitor_report": 1_000.0,
    "allegation": 2_000.0,
    "open_source": 5_000.0,
}

# Rule of docs/formats/findings.md -> category of the happening it is about.
RULE_CATEGORY: Final[dict[str, str]] = {
    "fire": "fire",
    "fire_at_protected_site": "fire",
    "fire_in_disengagement_area": "fire",
    "weapon_in_withdrawal_zone": "weapon_sighting",
    "presence_in_disengagement_area": "presence",
    "airspace": "uav_overflight",
    "restriction_on_monitors": "restriction",
    "weapon_missing_from_holding_area": "weapon_missing",
}


@dataclass(frozen=True, slots=True)
class Claims:
    """Whom a source names: the side it says is responsible, the side hit, the side accused.

    Technical sources and monitors state ``responsible_side``; parties and open sources
    ``accused_side``. :attr:`blamed` is whichever is given.
    """

    responsible_side: str | None = None
    affected_side: str | None = None
    accused_side: str | None = None

    @property
    def blamed(self) -> str | None:
        return self.responsible_side or self.accused_side


@dataclass(frozen=True, slots=True)
class Source:
    """Anything correlated into incidents, reduced to what correlation and grading need."""

    kind: SourceKind
    id: str
    time_from: datetime
    time_to: datetime
    location: Location | None
    category: str
    originator: str
    independence_key: frozenset[str]
    claims: Claims = Claims()
    stance: Stance = "asserts"
    links: frozenset[str] = frozenset()
    grave: bool = False
    place: str | None = None
    markings: Markings | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        problems = [Problem(self.kind, None, f, m, self.id) for f, m in self._faults()]
        if problems:
            raise IncidentInputError(
                f"{self.kind} {self.id!r} is not a valid source", problems=problems
            )

    def _faults(self) -> Iterable[tuple[str, str]]:
        if self.kind not in SOURCE_KINDS:
            yield "kind", f"unknown kind {self.kind!r}; expected one of {list(SOURCE_KINDS)}"
        if not self.id:
            yield "id", "must not be empty"
        for name in ("time_from", "time_to"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.utcoffset() is None:
                yield name, "must be a time with a zone (UTC)"
                return
        if self.time_to < self.time_from:
            yield "time_to", "is before time_from"
        if self.category not in CATEGORIES:
            yield "category", f"unknown category {self.category!r}"
        if self.stance not in ("asserts", "denies"):
            yield "stance", f"must be 'asserts' or 'denies', not {self.stance!r}"
        if self.stance == "denies" and (self.kind != "allegation" or not self.claims.blamed):
            yield "stance", "only a party's allegation-type response can deny, naming a side"
        if not self.independence_key:
            yield "independence_key", "must hold at least one token"

    @property
    def key(self) -> tuple[str, str]:
        """Identity of the source within the mechanism: (kind, id)."""
        return (self.kind, self.id)

    @property
    def technical(self) -> bool:
        """A sensor event or a rules-engine finding (machine evidence)."""
        return self.kind in TECHNICAL_KINDS


def _fail(kind: str, rid: str | None, problems: list[Problem]) -> IncidentInputError:
    return IncidentInputError(
        f"{kind} {rid!r} cannot be read as a source" if rid else f"{kind} cannot be read",
        problems=problems,
    )


def _number(value: object) -> float | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def finding_radius_m(facts: Mapping[str, Any]) -> float:
    """The 95 % radius a finding's ``facts`` state, else :data:`DEFAULT_RADIUS_M`."""
    for key in ("uncertainty_m", "radius_m", "semi_major_m", "error_ellipse_m"):
        if (r := _number(facts.get(key))) is not None:
            return r
    ellipse = facts.get("error_ellipse")
    if isinstance(ellipse, Mapping) and (r := _number(ellipse.get("semi_major_m"))) is not None:
        return r
    return DEFAULT_RADIUS_M["finding"]


def _time(d: Mapping[str, Any], key: str, kind: str, rid: str | None, out: list[Problem]) -> Any:
    try:
        return parse_time(d[key])
    except (KeyError, ValueError) as exc:
        out.append(Problem(kind, None, key, str(exc) if d.get(key) else "is required", rid))
        return None


def _point(value: object, radius: float, field_name: str) -> PointLocation:
    if not isinstance(value, Mapping):
        raise ValueError(f"{field_name}: expected an object with lat and lon")
    return PointLocation(float(value["lat"]), float(value["lon"]), radius)


def from_finding(
    finding: Mapping[str, Any],
    markings: Markings | None = None,
    subject_keys: Mapping[str, frozenset[str]] | None = None,
) -> Source:
    """A source from one finding of docs/formats/findings.md.

    ``subject_keys`` (subject id -> its source's independence key) lets a finding share the
    sensor owners of the events it rests on even when those events are not correlated too.
    """
    rid = finding.get("id") if isinstance(finding.get("id"), str) else None
    problems: list[Problem] = []
    if rid is None:
        problems.append(Problem("finding", None, "id", "is required (a string)"))
    rule = finding.get("rule")
    if not isinstance(rule, str) or not rule:
        problems.append(Problem("finding", None, "rule", "is required (a string)", rid))
    subjects = finding.get("subjects", [])
    if not isinstance(subjects, list) or not all(isinstance(s, str) for s in subjects):
        problems.append(Problem("finding", None, "subjects", "must be a list of ids", rid))
        subjects = []
    when = _time(finding, "time", "finding", rid, problems)
    facts = finding.get("facts") or {}
    location: Location | None = None
    if finding.get("location") is not None:
        try:
            location = _point(finding["location"], finding_radius_m(facts), "location")
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(Problem("finding", None, "location", f"not a position: {exc}", rid))
    if problems or rid is None or not isinstance(rule, str):
        raise _fail("finding", rid, problems)
    key = {f"record:{rid}", *(f"record:{s}" for s in subjects)}
    for s in subjects:
        key |= (subject_keys or {}).get(s, frozenset())
    if markings is None and isinstance(finding.get("markings"), Mapping):
        markings = Markings.model_validate(finding["markings"])
    return Source(
        kind="finding",
        id=rid,
        time_from=when,
        time_to=when,
        location=location,
        category=RULE_CATEGORY.get(rule, "other"),
        originator=str(finding.get("originator") or "MISSION"),
        independence_key=frozenset(key),
        claims=Claims(finding.get("responsible_side"), finding.get("affected_side")),
        links=frozenset(subjects),
        grave=bool(finding.get("grave", False)),
        markings=markings,
    )


def _event_sensors(
    props: Mapping[str, Any], detection_sensors: Mapping[str, str] | None, rid: str
) -> tuple[list[str], list[Problem]]:
    listed = props.get("sensors")
    if isinstance(listed, list) and all(isinstance(s, str) for s in listed):
        return list(listed), []
    detections = props.get("detections")
    if not isinstance(detections, list) or not detections:
        return [], [Problem("event", None, "detections", "must list detection ids", rid)]
    lookup = detection_sensors or {}
    missing = [d for d in detections if d not in lookup]
    if missing:
        msg = f"no sensor known for detections {missing[:5]}: pass detection_sensors"
        return [], [Problem("event", None, "detections", msg, rid)]
    return [lookup[d] for d in detections], []


def from_event(
    feature: Mapping[str, Any],
    owners: Mapping[str, str],
    detection_sensors: Mapping[str, str] | None = None,
    markings: Markings | None = None,
) -> Source:
    """A source from one located event (a GeoJSON Feature of docs/formats/events.md).

    ``owners`` maps sensor id -> owner. The event's sensors are its ``sensors`` property
    when present, else found from its ``detections`` through ``detection_sensors``
    (detection id -> sensor id). A launch names the side it was fired from as responsible;
    an impact names the side hit as affected; an event of unknown phase names no side.
    """
    props = feature.get("properties") if isinstance(feature, Mapping) else None
    if not isinstance(props, Mapping) or not isinstance(props.get("id"), str):
        raise _fail("event", None, [Problem("event", None, "properties.id", "is required")])
    rid: str = props["id"]
    problems: list[Problem] = []
    when = _time(props, "time", "event", rid, problems)
    try:
        lon, lat = (float(v) for v in feature["geometry"]["coordinates"][:2])
    except (KeyError, TypeError, ValueError):
        problems.append(Problem("event", None, "geometry", "must be a Point [lon, lat]", rid))
        lon = lat = 0.0
    ellipse = props.get("error_ellipse")
    radius = _number(ellipse.get("semi_major_m")) if isinstance(ellipse, Mapping) else None
    sensors, more = _event_sensors(props, detection_sensors, rid)
    problems += more
    unowned = sorted({s for s in sensors if s not in owners})
    if unowned:
        msg = f"no owner known for sensors {unowned[:5]}"
        problems.append(Problem("event", None, "sensors", msg, rid))
    if problems:
        raise _fail("event", rid, problems)
    side, phase = props.get("side"), props.get("phase")
    # Its partner, and its salvo's first launch: a salvo is one happening (one launcher,
    # one volley), and an unpaired round is linked to it by nothing else.
    named = (props.get("paired_with"), props.get("salvo"))
    links = frozenset(n for n in named if isinstance(n, str) and n != rid)
    return Source(
        kind="event",
        id=rid,
        time_from=when,
        time_to=when,
        location=PointLocation(
            lat, lon, radius if radius is not None else DEFAULT_RADIUS_M["event"]
        ),
        category="burst" if props.get("weapon") == "small_arms" else "explosion",
        originator="+".join(sorted({owners[s] for s in sensors})),
        independence_key=frozenset(
            {f"record:{rid}", *(f"sensor_owner:{owners[s]}" for s in sensors)}
        ),
        claims=Claims(
            responsible_side=side if phase == "launch" else None,
            affected_side=side if phase == "impact" else None,
        ),
        links=links,
        markings=markings,
    )


def _observation_location(
    obs: Observation, area: Polygon | MultiPolygon | PointLocation | None
) -> Location | None:
    if isinstance(area, PointLocation):
        return area
    if area is not None:
        return AreaLocation(area)
    if obs.location is not None:
        radius = obs.location.uncertainty_m
        if radius is None:
            radius = DEFAULT_RADIUS_M[obs.type]
        return PointLocation(obs.location.lat, obs.location.lon, radius)
    if obs.observer is not None and obs.direction_deg is not None and obs.distance_m:
        near, far = obs.distance_m
        if far <= 0.0:
            return PointLocation(obs.observer.lat, obs.observer.lon, DEFAULT_RADIUS_M[obs.type])
        return AreaLocation(
            sector(obs.observer.lat, obs.observer.lon, obs.direction_deg, (near, far))
        )
    return None


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _observation_key(obs: Observation, extra: Mapping[str, Any]) -> str:
    if obs.type == "monitor_report":
        patrol = extra.get("patrol") or extra.get("post") or obs.originator
        return f"monitor:{patrol}"
    if obs.type == "allegation":
        return f"party:{obs.originator}"
    host = urlsplit(obs.source_url).hostname if obs.source_url else None
    if host:
        return f"outlet:{host.lower().removeprefix('www.')}"
    return f"outlet:{obs.originator}"


def from_observation(
    obs: Observation, area: Polygon | MultiPolygon | PointLocation | None = None
) -> Source:
    """A source from a monitor report, allegation (or denial) or open-source report.

    ``area`` overrides the place: a polygon (lon/lat) the rules engine or a gazetteer
    resolved, or a point. Otherwise: ``location`` gives a point (its ``uncertainty_m`` read
    as a 95 % radius, else :data:`DEFAULT_RADIUS_M`); observer + direction + distance band
    give the annular sector ±22.5° around the direction; a bare ``place`` gives no location.
    """
    extra: Mapping[str, Any] = obs.model_extra or {}
    stance = extra.get("stance", "asserts")
    if stance not in ("asserts", "denies"):
        problem = Problem(obs.type, None, "stance", "must be 'asserts' or 'denies'", obs.id)
        raise _fail(obs.type, obs.id, [problem])
    try:
        location = _observation_location(obs, area)
    except ValueError as exc:
        raise _fail(
            obs.type, obs.id, [Problem(obs.type, None, "location", str(exc), obs.id)]
        ) from exc
    # ``side`` is the side a sighted weapon or unit belongs to: for those categories, whom
    # the report points at. For fire, a monitor states it explicitly (``responsible_side``).
    owner_side = obs.side if obs.category in ("weapon_sighting", "movement") else None
    responsible = extra.get("responsible_side")
    if responsible is None and obs.type == "monitor_report":
        responsible = owner_side
    accused = obs.accused_side
    if accused is None and obs.type == "open_source":
        accused = owner_side
    links = _strings(extra.get("responds_to")) + _strings(extra.get("refers_to"))
    return Source(
        kind=obs.type,
        id=obs.id,
        time_from=obs.time_from,
        time_to=obs.time_to,
        location=location,
        category=obs.category,
        originator=obs.originator,
        independence_key=frozenset({f"record:{obs.id}", _observation_key(obs, extra)}),
        claims=Claims(
            responsible_side=responsible if isinstance(responsible, str) else None,
            affected_side=extra.get("affected_side")
            if isinstance(extra.get("affected_side"), str)
            else None,
            accused_side=accused,
        ),
        stance=stance,
        links=frozenset(links),
        grave=obs.category == "casualty" or extra.get("grave") is True,
        place=obs.place,
        markings=obs.markings,
    )
