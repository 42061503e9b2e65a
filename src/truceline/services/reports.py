"""Reports from the store: gather what a principal may see, build, render, publish.

Every read goes through the access-controlled queries (``store.visibility.visible``), so a
report holds exactly what its reader could list through the API, and its numbers equal
the API's counts for the same period and principal. A *public* report is read as the
anonymous principal, whoever asks for it.

Publishing stores the rendered bytes in ``reports`` and appends a ledger leaf (kind
``report``) in the same transaction; the report prints its own SHA-256
(``truceline.reports.digest``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, func, or_, select

from truceline.access.policy import PUBLIC, Principal
from truceline.agreement.spatial import AgreementIndex
from truceline.errors import BadRequestError, ForbiddenError, NotFoundError
from truceline.formats.records import Markings
from truceline.gazetteer import Gazetteer, default_gazetteer
from truceline.reports import build
from truceline.reports import coverage as cov
from truceline.reports.digest import check
from truceline.reports.i18n import LANGS
from truceline.reports.model import DailyReport, Report, SpotReport
from truceline.reports.places import Placer
from truceline.reports.render import FORMATS, Rendered
from truceline.services.agreements import latest_agreement
from truceline.services.events import fusion_complete_us
from truceline.services.incidents import incident_view, list_incidents
from truceline.services.ledger import append_records, record_leaves
from truceline.services.report_table import reports as REPORTS
from truceline.services.rows import audience, markings_json
from truceline.store import tables
from truceline.store.visibility import visible
from truceline.timefmt import format_time, from_micros, to_micros

DAY_US = 86_400_000_000
PUBLISH_PERMISSION = "reports:publish"


def is_public(principal: Principal) -> bool:
    """Whether ``principal`` only ever gets the public report (the anonymous public)."""
    return principal.roles <= {"public"}


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequestError(f"date {text!r}: expected YYYY-MM-DD") from None


def check_options(lang: str, fmt: str) -> None:
    if lang not in LANGS:
        raise BadRequestError(f"lang {lang!r}: one of {', '.join(LANGS)}")
    if fmt not in FORMATS:
        raise BadRequestError(f"format {fmt!r}: one of {', '.join(FORMATS)}")


def context(
    conn: Connection,
    principal: Principal,
    *,
    public: bool,
    now_us: int,
    gazetteer: Gazetteer | None = None,
) -> build.Context:
    agreement = latest_agreement(conn)  # the one whose sectors the statistics use
    if agreement is None:
        raise NotFoundError("no agreement is loaded: a report needs one")
    index = AgreementIndex(agreement)
    placer = Placer(gazetteer or default_gazetteer(), index.side_at)
    name = PUBLIC.name if public else principal.name
    front = fusion_complete_us(conn)
    return build.Context(
        name, public, from_micros(now_us), agreement, index, placer,
        None if front is None else from_micros(front),
    )  # fmt: skip


# --- reading -----------------------------------------------------------------------------


def _with_markings(record_json: str, markings_json: str) -> dict[str, Any]:
    record = dict(orjson.loads(record_json))
    record["markings"] = orjson.loads(markings_json)
    return record


def _findings(
    conn: Connection, principal: Principal, start_us: int, end_us: int, *, fire: bool
) -> list[dict[str, Any]]:
    f = tables.findings
    rule = f.c.rule == "fire" if fire else f.c.rule != "fire"
    q = (
        select(f.c.record, f.c.markings)
        .where(visible(f, principal), rule, f.c.time_us >= start_us, f.c.time_us < end_us)
        .order_by(f.c.time_us, f.c.id)
    )
    return [_with_markings(r.record, r.markings) for r in conn.execute(q)]


def _observations(
    conn: Connection, principal: Principal, start_us: int, end_us: int
) -> list[build.ObservationInput]:
    o = tables.observations
    q = (
        select(o.c.raw, o.c.markings, o.c.lat, o.c.lon)
        .where(visible(o, principal), o.c.time_to_us >= start_us, o.c.time_from_us < end_us)
        .order_by(o.c.time_from_us, o.c.id)
    )
    return [
        build.ObservationInput(_with_markings(r.raw, r.markings), r.lat, r.lon)
        for r in conn.execute(q)
    ]


def _sensors(conn: Connection, principal: Principal) -> list[build.SensorInfo]:
    s = tables.sensors
    q = select(s).where(visible(s, principal)).order_by(s.c.id)
    return [
        build.SensorInfo(
            r.id,
            r.kind,
            r.owner,
            r.lat,
            r.lon,
            orjson.loads(r.markings),
            from_micros(r.active_from_us) if r.active_from_us is not None else None,
            from_micros(r.active_to_us) if r.active_to_us is not None else None,
        )
        for r in conn.execute(q)
    ]


def _spans(
    conn: Connection, sensor_ids: Sequence[str], start_us: int, end_us: int
) -> dict[str, list[cov.Span]]:
    """Status spans overlapping the period, per sensor, in the order they were recorded."""
    t = tables.sensor_status
    wanted = set(sensor_ids)
    if not wanted:  # a public report lists no sensors: nothing to read
        return {}
    q = (
        select(t)
        .where(t.c.from_us < end_us, or_(t.c.to_us.is_(None), t.c.to_us > start_us))
        .order_by(t.c.recorded_us, t.c.seq)
    )
    out: dict[str, list[cov.Span]] = {}
    for r in conn.execute(q):
        if r.sensor_id in wanted:
            end = from_micros(r.to_us) if r.to_us is not None else None
            out.setdefault(r.sensor_id, []).append(
                cov.Span(r.status, from_micros(r.from_us), end, r.reason)
            )
    return out


def _event_sensors(
    conn: Connection, principal: Principal, events: Sequence[dict[str, Any]]
) -> dict[str, list[tuple[str, str, str]]]:
    """Event id → (sensor, owner, kind) of the visible detections it explains."""
    wanted = {}
    for ev in events:
        props = ev.get("properties") or ev
        for det in props.get("detections") or ():
            wanted[str(det)] = str(props.get("id"))
    if not wanted:
        return {}
    d, s = tables.detections, tables.sensors
    out: dict[str, list[tuple[str, str, str]]] = {}
    ids = sorted(wanted)
    for i in range(0, len(ids), 500):
        q = (
            select(d.c.id, d.c.sensor_id, s.c.owner, s.c.kind)
            .join(s, s.c.id == d.c.sensor_id)
            .where(visible(d, principal), d.c.id.in_(ids[i : i + 500]))
        )
        for r in conn.execute(q):
            out.setdefault(wanted[r.id], []).append((r.sensor_id, r.owner, r.kind))
    return out


def _incidents(
    conn: Connection, principal: Principal, start_us: int, end_us: int
) -> list[build.IncidentInput]:
    views = []
    after = None
    while True:
        items, after = list_incidents(
            conn, principal, start_us=start_us, end_us=end_us, limit=500, after=after
        )
        for item in items:
            if build.notable(item):
                view = incident_view(conn, item["id"], principal)
                views.append(
                    build.IncidentInput(view, _event_sensors(conn, principal, view["events"]))
                )
        if after is None:
            return views


def gather_daily(
    conn: Connection, principal: Principal, day: date, *, public: bool
) -> build.DailyInputs:
    """Everything the daily report of ``day`` rests on, as ``principal`` may see it."""
    reader = PUBLIC if public else principal
    start, end = build.day_bounds(day)
    start_us, end_us = to_micros(start), to_micros(end)
    trend_start_us = to_micros(build.day_bounds(build.trend_days(day)[0])[0])
    sensors = [] if public else _sensors(conn, reader)
    return build.DailyInputs(
        day=day,
        fire=_findings(conn, reader, trend_start_us, end_us, fire=True),
        findings=_findings(conn, reader, start_us, end_us, fire=False),
        observations=_observations(conn, reader, start_us, end_us),
        sensors=sensors,
        spans=_spans(conn, [s.id for s in sensors], start_us, end_us),
        incidents=_incidents(conn, reader, start_us, end_us),
    )


def daily_report(
    conn: Connection,
    principal: Principal,
    day: date,
    *,
    now_us: int,
    public: bool = False,
    gazetteer: Gazetteer | None = None,
) -> DailyReport:
    """The daily report of ``day`` for ``principal`` (public: as the anonymous public)."""
    public = public or is_public(principal)
    ctx = context(conn, principal, public=public, now_us=now_us, gazetteer=gazetteer)
    return build.build_daily(gather_daily(conn, principal, day, public=public), ctx)


def spot_report(
    conn: Connection,
    principal: Principal,
    incident_id: str,
    *,
    now_us: int,
    public: bool = False,
    gazetteer: Gazetteer | None = None,
) -> SpotReport:
    """The spot report of one incident the principal may see (404 otherwise)."""
    public = public or is_public(principal)
    reader = PUBLIC if public else principal
    view = incident_view(conn, incident_id, reader)
    ctx = context(conn, principal, public=public, now_us=now_us, gazetteer=gazetteer)
    return build.build_spot(
        build.IncidentInput(view, _event_sensors(conn, reader, view["events"])), ctx
    )


def report_days(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    """The UTC days with findings or observations the principal may see, newest first."""
    counts: dict[int, dict[str, int]] = {}
    f, o = tables.findings, tables.observations
    for name, table, col in (("findings", f, f.c.time_us), ("observations", o, o.c.time_from_us)):
        day_col = (col // DAY_US).label("day")
        rows = conn.execute(
            select(day_col, func.count()).where(visible(table, principal)).group_by(day_col)
        )
        for day_no, n in rows:
            counts.setdefault(int(day_no), {"findings": 0, "observations": 0})[name] = int(n)
    epoch = date(1970, 1, 1)
    return [
        {"date": (epoch + timedelta(days=k)).isoformat(), **v}
        for k, v in sorted(counts.items(), reverse=True)
    ]


# --- publishing --------------------------------------------------------------------------


def _kind(report: Report) -> tuple[str, str]:
    if isinstance(report, DailyReport):
        return ("public_daily" if report.header.public else "daily"), report.day.isoformat()
    return "spot", report.incident.id


def publish(
    conn: Connection,
    report: Report,
    rendered: Rendered,
    principal: Principal,
    *,
    now_us: int,
) -> dict[str, Any]:
    """Store a rendered report and append its ledger leaf (idempotent for the same bytes)."""
    if not principal.may(PUBLISH_PERMISSION):
        raise ForbiddenError(f"{principal.name} may not publish reports")
    existing = conn.execute(select(REPORTS).where(REPORTS.c.id == rendered.sha256)).first()
    if existing is not None:
        return published_summary(existing, conn)
    kind, subject = _kind(report)
    markings = Markings.model_validate(report.header.markings)
    row = {
        "id": rendered.sha256,
        "kind": kind,
        "subject": subject,
        "lang": rendered.lang,
        "format": rendered.format,
        "media_type": rendered.media_type,
        "sha256": rendered.sha256,
        "size": len(rendered.content),
        "published_by": principal.name,
        "published_us": now_us,
        "content": rendered.content,
        "originator": "MISSION",
        "markings": markings_json(markings),
        "audience": audience(markings),
    }
    conn.execute(REPORTS.insert().values(**row))
    append_records(conn, "report", [row], now_us=now_us)
    stored = conn.execute(select(REPORTS).where(REPORTS.c.id == rendered.sha256)).one()
    return published_summary(stored, conn)


def published_summary(row: Any, conn: Connection) -> dict[str, Any]:
    leaves = record_leaves(conn, "report", row.id)
    return {
        "id": row.id,
        "kind": row.kind,
        "subject": row.subject,
        "lang": row.lang,
        "format": row.format,
        "media_type": row.media_type,
        "sha256": row.sha256,
        "size": row.size,
        "published_by": row.published_by,
        "published_at": format_time(from_micros(row.published_us)),
        "markings": orjson.loads(row.markings),
        "ledger_index": leaves[-1].index if leaves else None,
    }


def list_published(
    conn: Connection, principal: Principal, *, kind: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    q = select(REPORTS).where(visible(REPORTS, principal))
    if kind is not None:
        q = q.where(REPORTS.c.kind == kind)
    rows = conn.execute(q.order_by(REPORTS.c.published_us.desc(), REPORTS.c.id).limit(limit))
    return [published_summary(r, conn) for r in rows]


def get_published(conn: Connection, principal: Principal, report_id: str) -> Any:
    row = conn.execute(
        select(REPORTS).where(REPORTS.c.id == report_id, visible(REPORTS, principal))
    ).first()
    if row is None:
        raise NotFoundError(f"report {report_id!r} not found")
    return row


def verify_file(conn: Connection | None, content: bytes) -> dict[str, Any]:
    """Check the digest a report prints; with a store, also whether it was published."""
    result = check(content)
    out: dict[str, Any] = asdict(result)
    if conn is not None and result.ok:
        row = conn.execute(select(REPORTS).where(REPORTS.c.sha256 == result.computed)).first()
        out["published"] = published_summary(row, conn) if row is not None else None
    return out
