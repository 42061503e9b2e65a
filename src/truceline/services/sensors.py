"""The sensor registry and sensor status spans.

Status spans are what lets the mission say where it could not have heard anything: a
report of "no violations" in a sector is only worth something for the hours its sensors
were operational.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import orjson
from sqlalchemy import Connection, and_, or_, select

from truceline.errors import InputError, Problem
from truceline.formats.records import Sensor
from truceline.services.ledger import append_records
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import format_time, from_micros, to_micros

Status = Literal["operational", "degraded", "non_operational"]
STATUSES: tuple[str, ...] = ("operational", "degraded", "non_operational")


def load_registry(conn: Connection) -> dict[str, Sensor]:
    """Every registered sensor by id (the registry is small: thousands of rows)."""
    out: dict[str, Sensor] = {}
    for row in conn.execute(select(tables.sensors.c.id, tables.sensors.c.raw)):
        out[row.id] = Sensor.model_validate(orjson.loads(row.raw))
    return out


@dataclass(frozen=True, slots=True)
class StatusSpan:
    sensor: str
    status: str
    start: datetime
    end: datetime | None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "sensor": self.sensor,
            "status": self.status,
            "from": format_time(self.start),
            "to": format_time(self.end) if self.end else None,
            "reason": self.reason,
        }


def record_status(store: Store, spans: list[StatusSpan], *, source: str, now_us: int) -> int:
    """Store status spans (idempotent: the same span again is a no-op); returns new count."""
    problems: list[Problem] = []
    with store.write() as conn:
        known = set(conn.execute(select(tables.sensors.c.id)).scalars())
        rows = []
        for i, span in enumerate(spans, start=1):
            if span.sensor not in known:
                problems.append(Problem(source, i, "sensor", f"unknown sensor {span.sensor!r}"))
            if span.status not in STATUSES:
                problems.append(Problem(source, i, "status", f"unknown status {span.status!r}"))
            if span.end is not None and span.end <= span.start:
                problems.append(Problem(source, i, "to", "must be after 'from'"))
            digest = hashlib.sha256(orjson.dumps(span.as_dict(), option=orjson.OPT_SORT_KEYS))
            rows.append(
                {
                    "sensor_id": span.sensor,
                    "status": span.status,
                    "from_us": to_micros(span.start),
                    "to_us": to_micros(span.end) if span.end else None,
                    "reason": span.reason,
                    "content_hash": digest.hexdigest(),
                    "recorded_us": now_us,
                }
            )
        if problems:
            raise InputError(f"{source}: bad status spans; nothing was written", problems=problems)
        existing = set(conn.execute(select(tables.sensor_status.c.content_hash)).scalars())
        fresh = {r["content_hash"]: r for r in rows if r["content_hash"] not in existing}
        if fresh:
            conn.execute(tables.sensor_status.insert(), list(fresh.values()))
            append_records(conn, "sensor_status", list(fresh.values()), now_us=now_us)
        return len(fresh)


def status_spans(
    conn: Connection,
    *,
    sensor: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[StatusSpan]:
    """Spans overlapping [start, end), oldest first."""
    t = tables.sensor_status
    query = select(t).order_by(t.c.from_us, t.c.seq)
    if sensor is not None:
        query = query.where(t.c.sensor_id == sensor)
    if end is not None:
        query = query.where(t.c.from_us < to_micros(end))
    if start is not None:
        query = query.where(or_(t.c.to_us.is_(None), t.c.to_us > to_micros(start)))
    return [
        StatusSpan(
            r.sensor_id,
            r.status,
            from_micros(r.from_us),
            from_micros(r.to_us) if r.to_us is not None else None,
            r.reason,
        )
        for r in conn.execute(query)
    ]


def status_at(conn: Connection, sensor: str, when: datetime) -> str:
    """A sensor's status at a time: the latest recorded span covering it, else operational."""
    t = tables.sensor_status
    us = to_micros(when)
    row = conn.execute(
        select(t.c.status)
        .where(
            and_(
                t.c.sensor_id == sensor, t.c.from_us <= us, or_(t.c.to_us.is_(None), t.c.to_us > us)
            )
        )
        .order_by(t.c.recorded_us.desc(), t.c.seq.desc())
        .limit(1)
    ).scalar()
    return str(row) if row is not None else "operational"
