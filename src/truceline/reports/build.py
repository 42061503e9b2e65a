"""Build report models from data passed in (pure: no I/O, no clock).

The caller (``truceline.services.reports``) reads, through the access-controlled queries,
exactly what the report's principal may see and hands it over here; this module counts,
compares and describes. Counting rules (docs/reports.md):

* a *ceasefire violation* is a ``fire`` finding, as in ``GET /api/v1/stats/violations``;
  its sector is the first sector of the newest agreement that holds its location
  ("outside sectors" when none does, "unassigned" without a location), its side the
  finding's responsible side ("not attributed" when the geometry names none);
* the previous day is the UTC day before; the 7-day mean is the mean over the seven UTC
  days before the report's day (so the day itself never dilutes its own baseline);
* the typology counts items as the SMM did (:mod:`truceline.reports.typology`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from truceline.access.markings import derive
from truceline.agreement.model import Agreement
from truceline.agreement.spatial import AgreementIndex
from truceline.formats.records import Markings
from truceline.reports import coverage as cov
from truceline.reports.model import (
    CasualtyItem,
    DailyReport,
    Determination,
    Dissent,
    FindingItem,
    Header,
    IncidentItem,
    ObservationItem,
    Outage,
    SectorCoverage,
    Sensing,
    SpotReport,
    Step,
    Trend,
)
from truceline.reports.places import Placer, must_coarsen
from truceline.reports.typology import KINDS, tally
from truceline.timefmt import parse_time

OUTSIDE = "outside sectors"
UNASSIGNED = "unassigned"
NOT_ATTRIBUTED = "not attributed"
TREND_DAYS = 8
WITHDRAWAL_RULES = ("weapon_in_withdrawal_zone", "weapon_missing_from_holding_area")
GRAVE_STATES = ("determined", "published")
PUBLIC_MARKINGS = Markings(releasable_to=["PUBLIC"], tlp="CLEAR", originator="MISSION")
# Facts a public report may keep for a coarsened record: none of them locates it.
_COARSE_FACTS = frozenset(
    {
        "weapon", "weapon_class", "count", "count_qualifier", "side", "kind", "object",
        "subtype", "zone", "area", "site", "holding_area", "expected_count", "found_count",
        "missing_count", "paired", "origin_side", "entry_side", "from_side", "to_side",
        "ground_side", "limit_km", "means",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SensorInfo:
    """A sensor the principal may see."""

    id: str
    kind: str
    owner: str
    lat: float
    lon: float
    markings: Mapping[str, Any]
    active_from: datetime | None = None
    active_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class ObservationInput:
    """An observation as filed (``record``), with the store's best point for it."""

    record: Mapping[str, Any]
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class IncidentInput:
    """An incident view (``services.incidents.incident_view``) and its events' sensors."""

    view: Mapping[str, Any]
    event_sensors: Mapping[str, Sequence[tuple[str, str, str]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Context:
    """What every report needs besides its data: who, when, which agreement, gazetteer."""

    principal: str
    public: bool
    as_of: datetime
    agreement: Agreement
    index: AgreementIndex
    placer: Placer
    events_complete_to: datetime | None = None  # live fusion's release front, if stored


@dataclass(frozen=True, slots=True)
class DailyInputs:
    day: date
    fire: Sequence[Mapping[str, Any]]  # visible `fire` findings of the 8 trend days
    findings: Sequence[Mapping[str, Any]]  # visible findings of other rules on the day
    observations: Sequence[ObservationInput]  # visible observations on the day
    sensors: Sequence[SensorInfo]  # visible sensors (none in a public report)
    spans: Mapping[str, Sequence[cov.Span]]  # sensor id -> spans, in recorded order
    incidents: Sequence[IncidentInput]  # visible incidents overlapping the day


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def trend_days(day: date) -> tuple[date, ...]:
    return tuple(day - timedelta(days=TREND_DAYS - 1 - i) for i in range(TREND_DAYS))


def sector_of(index: AgreementIndex, lat: float | None, lon: float | None) -> str:
    """The sector label the statistics API uses for a location."""
    if lat is None or lon is None:
        return UNASSIGNED
    found = index.sectors_at(lat, lon)
    return found[0].label if found else OUTSIDE


def _time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else parse_time(str(value))


def _markings(record: Mapping[str, Any]) -> Markings:
    raw = record.get("markings")
    if raw is None and record.get("type") == "Feature":
        raw = record.get("properties", {}).get("markings")
    return Markings.model_validate(raw) if raw else Markings()


def _tlp(record: Mapping[str, Any]) -> str:
    return str(_markings(record).tlp)


# --- findings ----------------------------------------------------------------------------


def _uncertainty(facts: Mapping[str, Any]) -> float | None:
    shots = facts.get("shots") or []
    places = [s.get("place") or {} for s in shots] + [facts.get("place") or {}]
    for p in places:
        if p.get("uncertainty_m") is not None:
            return float(p["uncertainty_m"])
    value = facts.get("track_uncertainty_m")
    return float(value) if value is not None else None


def finding_item(record: Mapping[str, Any], ctx: Context) -> FindingItem:
    """A finding as the report's reader may see it (coarsened in a public report)."""
    facts = dict(record.get("facts") or {})
    coarse = must_coarsen(ctx.public, _tlp(record))
    loc = record.get("location") or {}
    place = ctx.placer.place(
        loc.get("lat"), loc.get("lon"), coarse=coarse, uncertainty_m=_uncertainty(facts)
    )
    weapon = facts.get("weapon") or facts.get("weapon_class")
    if coarse:
        facts = {k: v for k, v in facts.items() if k in _COARSE_FACTS}
    return FindingItem(
        id=str(record["id"]),
        rule=str(record["rule"]),
        time=_time(record["time"]),
        place=place,
        responsible_side=record.get("responsible_side"),
        affected_side=record.get("affected_side"),
        grave=bool(record.get("grave")),
        weapon=str(weapon) if weapon else None,
        facts=facts,
        basis=None if coarse else record.get("basis"),
        tlp=_tlp(record),
    )


def observation_item(obs: ObservationInput, ctx: Context) -> ObservationItem:
    r = obs.record
    tlp = _tlp(r)
    coarse = must_coarsen(ctx.public, tlp)
    loc = r.get("location") or {}
    place = ctx.placer.place(
        obs.lat, obs.lon, coarse=coarse, uncertainty_m=loc.get("uncertainty_m")
    )
    return ObservationItem(
        id=str(r["id"]),
        type=str(r["type"]),
        category=str(r["category"]),
        subtype=r.get("subtype"),
        time_from=_time(r["time_from"]),
        time_to=_time(r["time_to"]),
        place=place,
        count=r.get("count"),
        means=r.get("means"),
        originator=str(r.get("originator", "")),
        accused_side=r.get("accused_side"),
        weapon=r.get("weapon_class"),
        text=None if coarse else r.get("text"),
        language=r.get("language"),
        tlp=tlp,
    )


# --- counting ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fire:
    day: date
    sector: str
    side: str
    record: Mapping[str, Any]


def _fire(record: Mapping[str, Any], index: AgreementIndex) -> _Fire:
    loc = record.get("location") or {}
    return _Fire(
        _time(record["time"]).date(),
        sector_of(index, loc.get("lat"), loc.get("lon")),
        record.get("responsible_side") or NOT_ATTRIBUTED,
        record,
    )


def _trend(key: str, per_day: Sequence[int], exact: bool = True) -> Trend:
    """``per_day`` holds the 8 trend days, oldest first; the last is the report's day."""
    return Trend(key, per_day[-1], per_day[-2], sum(per_day[:-1]) / (len(per_day) - 1), exact)


def _by(
    fires: Sequence[_Fire], days: Sequence[date], keys: Sequence[str], attr: str
) -> list[Trend]:
    counts = {(k, d): 0 for k in keys for d in days}
    for f in fires:
        key = (getattr(f, attr), f.day)
        counts[key] = counts.get(key, 0) + 1
    present = [*keys, *sorted({getattr(f, attr) for f in fires} - set(keys), key=str)]
    return [_trend(k, [counts.get((k, d), 0) for d in days]) for k in present]


def _typology(fires: Sequence[_Fire], days: Sequence[date]) -> list[Trend]:
    per_day = {d: tally(f.record for f in fires if f.day == d) for d in days}
    out = []
    for kind in KINDS:
        counts = [per_day[d][kind][0] for d in days]
        exact = per_day[days[-1]][kind][1]
        out.append(_trend(kind, counts, exact))
    return out


def _sector_keys(agreement: Agreement) -> list[str]:
    return [f.label for f in agreement.features_with_role("sector")]


def _side_keys(agreement: Agreement) -> list[str]:
    return [*agreement.side_codes, NOT_ATTRIBUTED]


# --- coverage ----------------------------------------------------------------------------


def _active(s: SensorInfo, start: datetime, end: datetime) -> bool:
    return (s.active_from is None or s.active_from < end) and (
        s.active_to is None or s.active_to > start
    )


def coverage(
    sensors: Sequence[SensorInfo],
    spans: Mapping[str, Sequence[cov.Span]],
    index: AgreementIndex,
    sector_keys: Sequence[str],
    start: datetime,
    end: datetime,
) -> tuple[list[SectorCoverage], list[Outage]]:
    """Sensor-time per sector and the sensors that were down or degraded in [start, end)."""
    per_sector: dict[str, list[float]] = {}
    outages: list[Outage] = []
    for s in sorted(sensors, key=lambda x: x.id):
        if not _active(s, start, end):
            continue
        sector = sector_of(index, s.lat, s.lon)
        lo, hi = max(start, s.active_from or start), min(end, s.active_to or end)
        pieces = cov.resolve(spans.get(s.id, ()), lo, hi)
        secs = cov.seconds_by_status(pieces)
        down, degraded = secs.get("non_operational", 0.0), secs.get("degraded", 0.0)
        acc = per_sector.setdefault(sector, [0, 0, 0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += 1 if down or degraded else 0
        acc[2] += (hi - lo).total_seconds()
        acc[3] += down
        acc[4] += degraded
        if down or degraded:
            kept = tuple(p for p in pieces if p.status != "operational")
            outages.append(Outage(s.id, s.kind, s.owner, sector, down, degraded, kept))
    order = [*sector_keys, *sorted(set(per_sector) - set(sector_keys))]
    rows = []
    for k in order:
        n, affected, sensor_s, down_s, degraded_s = per_sector.get(k, [0, 0, 0.0, 0.0, 0.0])
        rows.append(SectorCoverage(k, int(n), int(affected), sensor_s, down_s, degraded_s))
    rank = {k: i for i, k in enumerate(order)}
    outages.sort(key=lambda o: (rank.get(o.sector, len(order)), -o.down_s, o.sensor_id))
    return rows, outages


# --- incidents ---------------------------------------------------------------------------


def _sensing(inp: IncidentInput, observations: Sequence[ObservationItem]) -> Sensing:
    view = inp.view
    events = view.get("events") or []
    sensors: set[str] = set()
    nations: set[str] = set()
    kinds: set[str] = set()
    for ev in events:
        eid = (ev.get("properties") or ev).get("id")
        for sensor, owner, kind in inp.event_sensors.get(str(eid), ()):
            sensors.add(sensor)
            nations.add(owner)
            kinds.add(kind)
    monitors = [o for o in observations if o.type == "monitor_report"]
    return Sensing(
        events=len(events),
        sensors=tuple(sorted(sensors)),
        nations=tuple(sorted(nations)),
        sensor_kinds=tuple(sorted(kinds)),
        monitor_reports=tuple(o.id for o in monitors),
        means=tuple(sorted({o.means for o in monitors if o.means})),
        allegations=tuple(sorted(o.originator for o in observations if o.type == "allegation")),
        open_sources=tuple(o.id for o in observations if o.type == "open_source"),
    )


def _determination(view: Mapping[str, Any], public: bool) -> Determination | None:
    d = view.get("determination")
    if not d:
        return None
    decision = next(
        (s for s in view.get("timeline") or [] if s.get("id") == d.get("decision")), None
    )
    return Determination(
        outcome=str(d.get("outcome")),
        responsible_side=d.get("responsible_side"),
        confidence=str(d.get("confidence")),
        basis=str(d.get("basis") or ""),
        remedies=tuple(str(r) for r in d.get("remedies") or ()),
        decided_by=None if public or decision is None else str(decision.get("actor")),
        role=str(decision.get("role")) if decision else None,
        decided_at=_time(decision["at"]) if decision else None,
        dissents=tuple(
            Dissent(
                "" if public else str(x.get("by") or x.get("commissioner") or ""),
                str(x.get("text") or ""),
            )
            for x in d.get("dissents") or ()
        ),
    )


def incident_item(inp: IncidentInput, ctx: Context) -> IncidentItem:
    """An incident view as the reader may see it (actors' names withheld when public)."""
    v = inp.view
    coarse = must_coarsen(ctx.public, _tlp(v))
    loc = v.get("location") or {}
    place = ctx.placer.place(
        loc.get("lat"), loc.get("lon"), coarse=coarse, uncertainty_m=loc.get("uncertainty_m")
    )
    findings = tuple(finding_item(f, ctx) for f in v.get("findings") or ())
    observations = tuple(
        observation_item(ObservationInput(o, *_obs_point(o)), ctx)
        for o in v.get("observations") or ()
    )
    weapon = next((f.weapon for f in findings if f.weapon), None) or next(
        (o.weapon for o in observations if o.weapon), None
    )
    steps = tuple(
        Step(
            _time(s["at"]),
            str(s["action"]),
            "" if ctx.public else str(s.get("actor", "")),
            str(s.get("role", "")),
            s.get("to_state"),
        )
        for s in v.get("timeline") or ()
    )
    return IncidentItem(
        id=str(v["id"]),
        category=str(v.get("category") or "other"),
        sector=v.get("sector"),
        state=str(v["state"]),
        grade=str(v["grade"]),
        grave=bool(v.get("grave")),
        time_from=_time(v["time_from"]),
        time_to=_time(v["time_to"]),
        place=place,
        responsible_side=v.get("responsible_side"),
        affected_side=v.get("affected_side"),
        weapon=weapon,
        findings=findings,
        observations=observations,
        sensing=_sensing(inp, observations),
        determination=_determination(v, ctx.public),
        timeline=steps,
    )


def _obs_point(record: Mapping[str, Any]) -> tuple[float | None, float | None]:
    loc = record.get("location") or {}
    if loc.get("lat") is not None:
        return float(loc["lat"]), float(loc["lon"])
    return None, None


def notable(view: Mapping[str, Any]) -> bool:
    """Grave, confirmed, or determined/published incidents make the daily report."""
    return (
        bool(view.get("grave"))
        or view.get("grade") == "confirmed"
        or (view.get("state") in GRAVE_STATES)
    )


# --- the reports -------------------------------------------------------------------------


def _names(agreement: Agreement) -> dict[str, dict[str, str]]:
    """Translated names of agreement features (``name_uk``, ``name_ru`` properties)."""
    out: dict[str, dict[str, str]] = {}
    for f in agreement.features:
        if not f.name:
            continue
        names = {
            lang: str(f.properties[f"name_{lang}"])
            for lang in ("en", "uk", "ru")
            if f.properties.get(f"name_{lang}")
        }
        if names:
            out[f.name] = names
    return out


def report_markings(records: Iterable[Markings], agreement: Agreement, public: bool) -> Markings:
    """Markings of a report: releasable only where everything in it is (``derive``); a
    public report contains only PUBLIC records and is PUBLIC, TLP:CLEAR."""
    if public:
        return PUBLIC_MARKINGS
    return derive(list(records), side_codes=agreement.side_codes, originator="MISSION")


def _header(kind: str, ctx: Context, start: datetime, end: datetime, markings: Markings) -> Header:
    a = ctx.agreement
    return Header(
        kind=kind,
        public=ctx.public,
        principal=ctx.principal,
        as_of=ctx.as_of,
        events_complete_to=ctx.events_complete_to,
        period_start=start,
        period_end=end,
        agreement_id=a.id,
        agreement_version=a.version,
        agreement_title=a.title,
        sides=a.side_codes,
        names=_names(a),
        markings=markings.model_dump(mode="json", exclude_none=True),
    )


def build_daily(inputs: DailyInputs, ctx: Context) -> DailyReport:
    """The daily report of ``inputs.day`` for ``ctx.principal`` (see the module docstring)."""
    index = ctx.index
    days = trend_days(inputs.day)
    start, end = day_bounds(inputs.day)
    fires = [_fire(r, index) for r in inputs.fire]
    fires = [f for f in fires if days[0] <= f.day <= days[-1]]
    sectors, sides = _sector_keys(ctx.agreement), _side_keys(ctx.agreement)
    per_day = [sum(1 for f in fires if f.day == d) for d in days]
    today = [f for f in fires if f.day == inputs.day]
    matrix: dict[tuple[str, str], int] = {}
    for f in today:
        matrix[(f.sector, f.side)] = matrix.get((f.sector, f.side), 0) + 1
    by_rule: dict[str, list[FindingItem]] = {}
    for r in sorted(inputs.findings, key=lambda x: (str(x["time"]), str(x["id"]))):
        by_rule.setdefault(str(r["rule"]), []).append(finding_item(r, ctx))
    casualties = _casualties(inputs.observations, ctx)
    released = not ctx.public
    rows, outages = (
        coverage(inputs.sensors, inputs.spans, index, sectors, start, end) if released else ([], [])
    )
    incidents = [i for i in inputs.incidents if notable(i.view)]
    items = tuple(incident_item(i, ctx) for i in incidents)
    marks = [_markings(f.record) for f in fires]
    marks += [_markings(r) for r in inputs.findings]
    marks += [_markings(o.record) for o in inputs.observations if _is_casualty(o.record)]
    marks += [_markings(i.view) for i in incidents]
    marks += [Markings.model_validate(s.markings) for s in inputs.sensors] if released else []
    sources = sorted(
        {str(f.record["id"]) for f in fires}
        | {str(r["id"]) for r in inputs.findings}
        | {c.id for c in casualties}
        | {i.id for i in items}
        | ({s.id for s in inputs.sensors} if released else set())
    )
    other_rules = set(by_rule) - {*WITHDRAWAL_RULES, "airspace", "restriction_on_monitors"}
    return DailyReport(
        header=_header("daily", ctx, start, end, report_markings(marks, ctx.agreement, ctx.public)),
        day=inputs.day,
        days=days,
        total=_trend("total", per_day),
        by_sector=tuple(_by(fires, days, sectors, "sector")),
        by_side=tuple(_by(fires, days, sides, "side")),
        by_sector_side=tuple((s, d, n) for (s, d), n in sorted(matrix.items())),
        trend=tuple(per_day),
        typology=tuple(_typology(fires, days)),
        withdrawal=tuple(i for rule in WITHDRAWAL_RULES for i in by_rule.get(rule, [])),
        airspace=tuple(by_rule.get("airspace", [])),
        restrictions=tuple(by_rule.get("restriction_on_monitors", [])),
        other=tuple(i for rule in sorted(other_rules) for i in by_rule[rule]),
        casualties=tuple(casualties),
        coverage_released=released,
        coverage=tuple(rows),
        outages=tuple(outages),
        incidents=items,
        sources=tuple(sources),
    )


def _is_casualty(record: Mapping[str, Any]) -> bool:
    return record.get("category") == "casualty" and bool(record.get("casualties"))


def _casualties(observations: Sequence[ObservationInput], ctx: Context) -> list[CasualtyItem]:
    out = []
    for o in observations:
        r = o.record
        if not _is_casualty(r):
            continue
        c = r["casualties"]
        coarse = must_coarsen(ctx.public, _tlp(r))
        out.append(
            CasualtyItem(
                id=str(r["id"]),
                type=str(r["type"]),
                time=_time(r["time_from"]),
                place=ctx.placer.place(o.lat, o.lon, coarse=coarse),
                killed=int(c.get("killed") or 0),
                injured=int(c.get("injured") or 0),
                group=str(c.get("group") or "unknown"),
            )
        )
    return sorted(out, key=lambda c: (c.time, c.id))


def build_spot(inp: IncidentInput, ctx: Context) -> SpotReport:
    """The spot report of one incident for ``ctx.principal``."""
    item = incident_item(inp, ctx)
    v = inp.view
    marks = [_markings(v)]
    marks += [_markings(f) for f in v.get("findings") or ()]
    marks += [_markings(o) for o in v.get("observations") or ()]
    marks += [_markings(e) for e in v.get("events") or ()]
    sources = sorted({item.id, *(f.id for f in item.findings), *(o.id for o in item.observations)})
    header = _header(
        "spot", ctx, item.time_from, item.time_to, report_markings(marks, ctx.agreement, ctx.public)
    )
    return SpotReport(header, item, tuple(sources))
