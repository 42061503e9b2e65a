"""The report model (pure): what a report says, in no language yet.

:mod:`truceline.reports.build` makes these records from data passed in;
:mod:`truceline.reports.compose` writes them in one language; the renderers lay them out.
Everything here is already cleared for the report's reader: the builder leaves out what
the principal may not see and coarsens what a public report may not locate precisely, so
the JSON form (:func:`as_jsonable`) is as safe to hand out as the rendered report.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from truceline.reports.coverage import Piece
from truceline.timefmt import format_time


@dataclass(frozen=True, slots=True)
class Place:
    """Where, relative to a settlement of the gazetteer.

    ``coarse``: exact coordinates are withheld (lat/lon rounded to the public grid,
    distance and bearing None) and the place is named only by its nearest large settlement.
    ``held_by`` is the side whose control area (per the agreement) holds the settlement.
    """

    lat: float
    lon: float
    settlement_id: str
    distance_m: float | None
    bearing_deg: float | None
    held_by: str | None
    coarse: bool = False
    uncertainty_m: float | None = None


@dataclass(frozen=True, slots=True)
class Trend:
    """One count for the report's day against the day before and the 7-day mean before it."""

    key: str
    today: int
    previous: int
    mean7: float
    exact: bool = True


@dataclass(frozen=True, slots=True)
class FindingItem:
    """A finding of the rules engine as a report shows it.

    ``facts`` are the rule's computed facts (without coordinates when the place is
    coarse); ``basis`` the rule's own English sentence (None when coarse).
    """

    id: str
    rule: str
    time: datetime
    place: Place | None
    responsible_side: str | None
    affected_side: str | None
    grave: bool
    weapon: str | None
    facts: dict[str, Any]
    basis: str | None
    tlp: str


@dataclass(frozen=True, slots=True)
class ObservationItem:
    """A person's report (monitor, party, open source), as cleared for the reader."""

    id: str
    type: str
    category: str
    subtype: str | None
    time_from: datetime
    time_to: datetime
    place: Place | None
    count: int | None
    means: str | None
    originator: str
    accused_side: str | None
    weapon: str | None
    text: str | None
    language: str | None
    tlp: str


@dataclass(frozen=True, slots=True)
class Sensing:
    """How an incident was sensed: fused events and their sensors, and people's reports."""

    events: int
    sensors: tuple[str, ...]
    nations: tuple[str, ...]
    sensor_kinds: tuple[str, ...]
    monitor_reports: tuple[str, ...]
    means: tuple[str, ...]
    allegations: tuple[str, ...]
    open_sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Dissent:
    by: str
    text: str


@dataclass(frozen=True, slots=True)
class Determination:
    """The mechanism's determination: who decided, on what basis, with what confidence."""

    outcome: str
    responsible_side: str | None
    confidence: str
    basis: str
    remedies: tuple[str, ...]
    decided_by: str | None
    role: str | None
    decided_at: datetime | None
    dissents: tuple[Dissent, ...]


@dataclass(frozen=True, slots=True)
class Step:
    """One step of an incident's workflow (who did what, when)."""

    at: datetime
    action: str
    actor: str
    role: str
    to_state: str | None


@dataclass(frozen=True, slots=True)
class IncidentItem:
    id: str
    category: str
    sector: str | None
    state: str
    grade: str
    grave: bool
    time_from: datetime
    time_to: datetime
    place: Place | None
    responsible_side: str | None
    affected_side: str | None
    weapon: str | None
    findings: tuple[FindingItem, ...]
    observations: tuple[ObservationItem, ...]
    sensing: Sensing
    determination: Determination | None
    timeline: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class CasualtyItem:
    id: str
    type: str
    time: datetime
    place: Place | None
    killed: int
    injured: int
    group: str


@dataclass(frozen=True, slots=True)
class Outage:
    """A sensor that was not fully operational during the report's day."""

    sensor_id: str
    kind: str
    owner: str
    sector: str
    down_s: float
    degraded_s: float
    pieces: tuple[Piece, ...]


@dataclass(frozen=True, slots=True)
class SectorCoverage:
    """Sensor-time in one sector: how much of the listening the mission actually had."""

    sector: str
    sensors: int
    affected: int
    sensor_s: float
    down_s: float
    degraded_s: float


@dataclass(frozen=True, slots=True)
class Header:
    """Who the report is for, what it covers, and how it is marked."""

    kind: str  # "daily" or "spot"
    public: bool
    principal: str
    as_of: datetime
    period_start: datetime
    period_end: datetime
    agreement_id: str
    agreement_version: int
    agreement_title: str
    sides: tuple[str, ...]
    names: dict[str, dict[str, str]]  # agreement labels -> {lang: name} where known
    markings: dict[str, Any]
    # Live fusion has stored every event before this; blasts after it are not located yet,
    # so nothing resting on them is counted (None: no live fusion front is stored).
    events_complete_to: datetime | None = None

    def fused_short(self) -> datetime | None:
        """The release front, where it falls before the period's end (else None)."""
        front = self.events_complete_to
        return front if front is not None and front < self.period_end else None


@dataclass(frozen=True, slots=True)
class DailyReport:
    header: Header
    day: date
    days: tuple[date, ...]  # the eight days of the trend, oldest first (the last is `day`)
    total: Trend
    by_sector: tuple[Trend, ...]
    by_side: tuple[Trend, ...]
    by_sector_side: tuple[tuple[str, str, int], ...]
    trend: tuple[int, ...]  # violations on each of `days`
    typology: tuple[Trend, ...]
    withdrawal: tuple[FindingItem, ...]
    airspace: tuple[FindingItem, ...]
    restrictions: tuple[FindingItem, ...]
    other: tuple[FindingItem, ...]
    casualties: tuple[CasualtyItem, ...]
    coverage_released: bool
    coverage: tuple[SectorCoverage, ...]
    outages: tuple[Outage, ...]
    incidents: tuple[IncidentItem, ...]
    sources: tuple[str, ...] = field(default=())  # ids of every record the report rests on


@dataclass(frozen=True, slots=True)
class SpotReport:
    header: Header
    incident: IncidentItem
    sources: tuple[str, ...] = field(default=())


Report = DailyReport | SpotReport


def as_jsonable(value: Any) -> Any:
    """The model as JSON-ready values (times RFC 3339 UTC, dates ISO 8601)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): as_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_jsonable(v) for v in value]
    return value
