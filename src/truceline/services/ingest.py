"""Ingest raw inputs: validate, refuse or skip bad records, store idempotently by id.

A file or batch is one transaction: if any record is bad, nothing from it is written,
unless the caller asked for skip-and-report mode, which writes the good records and
reports each bad one. The same id with the same content again is a no-op; the same id with
different content is refused (inputs are immutable: a correction is a new record).
Records stream through in chunks, so memory stays flat however long the file is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Table, select

from truceline.errors import ConflictError, ForbiddenError, InputError, Problem
from truceline.formats.readers import Parsed
from truceline.formats.records import Detection, Observation, Sensor, Track, Weather
from truceline.services import rows
from truceline.services.ledger import append_records
from truceline.services.sensors import load_registry
from truceline.store import tables
from truceline.store.engine import Store

CHUNK = 2_000
MAX_PROBLEMS = 200
Result = Parsed[Any] | Problem | list[Problem]


@dataclass(frozen=True, slots=True)
class InputKind:
    """How one kind of input is stored: its table, key column, model and row builder."""

    name: str
    table: Table
    key: str
    model: type[BaseModel]
    build: rows.RowBuilder
    needs_sensors: bool = False


KINDS: dict[str, InputKind] = {
    "sensors": InputKind("sensors", tables.sensors, "id", Sensor, rows.sensor_row),
    "detections": InputKind(
        "detections", tables.detections, "id", Detection, rows.detection_row, True
    ),
    "weather": InputKind("weather", tables.weather, "time_us", Weather, rows.weather_row),
    "observations": InputKind(
        "observations", tables.observations, "id", Observation, rows.observation_row
    ),
    "tracks": InputKind("tracks", tables.tracks, "id", Track, rows.track_row, True),
}


@dataclass
class IngestReport:
    """What one ingest did; ``rejected`` lists the bad records in skip mode."""

    kind: str
    source: str
    received: int = 0
    inserted: int = 0
    unchanged: int = 0
    rejected: list[Problem] = field(default_factory=list)
    inserted_keys: list[Any] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "received": self.received,
            "inserted": self.inserted,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "problems": [p.as_dict() for p in self.rejected[:MAX_PROBLEMS]],
        }


def ingest(
    store: Store,
    kind: InputKind,
    results: Iterable[Result],
    *,
    source: str,
    skip_bad: bool = False,
    now_us: int | None = None,
    progress: Callable[[int], None] | None = None,
    keep_keys: bool = False,
    authorize: Callable[[dict[str, Any]], str | None] | None = None,
) -> IngestReport:
    """Store one file or batch of ``kind`` in a single transaction."""
    report = IngestReport(kind.name, source)
    now = now_us if now_us is not None else time.time_ns() // 1000
    with store.write() as conn:
        ctx = rows.RowContext(source, load_registry(conn) if kind.needs_sensors else {}, now)
        for chunk in _chunks(results, CHUNK):
            built = _build(kind, chunk, ctx, report)
            if authorize is not None:
                _authorize(built, authorize, source)
            new_rows = _new_rows(conn, kind, built, source, report)
            failing = not skip_bad and bool(report.rejected)
            if failing and len(report.rejected) >= MAX_PROBLEMS:
                _refuse(report)
            if new_rows and not failing:
                conn.execute(kind.table.insert(), new_rows)
                append_records(conn, kind.name, new_rows, now_us=now)
                report.inserted += len(new_rows)
                if keep_keys:
                    report.inserted_keys.extend(r[kind.key] for r in new_rows)
            if progress is not None:
                progress(len(chunk))
        if not skip_bad and report.rejected:
            _refuse(report)
    return report


def _chunks(results: Iterable[Result], size: int) -> Iterator[list[Result]]:
    chunk: list[Result] = []
    for item in results:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _build(
    kind: InputKind, chunk: list[Result], ctx: rows.RowContext, report: IngestReport
) -> list[tuple[Parsed[Any], dict[str, Any]]]:
    built = []
    for item in chunk:
        report.received += 1
        if isinstance(item, Problem):
            report.rejected.append(item)
        elif isinstance(item, list):
            report.rejected.extend(item)
        else:
            row = kind.build(item, ctx)
            if isinstance(row, Problem):
                report.rejected.append(row)
            else:
                built.append((item, row))
    return built


def _authorize(
    built: list[tuple[Parsed[Any], dict[str, Any]]],
    authorize: Callable[[dict[str, Any]], str | None],
    source: str,
) -> None:
    """Refuse the whole batch (403) if the caller may not file one of its records."""
    for parsed, row in built:
        reason = authorize(row)
        if reason is not None:
            raise ForbiddenError(
                f"{source}, {parsed.unit} {parsed.line}: {reason}; nothing was written"
            )


def _new_rows(
    conn: Connection,
    kind: InputKind,
    built: list[tuple[Parsed[Any], dict[str, Any]]],
    source: str,
    report: IngestReport,
) -> list[dict[str, Any]]:
    """Drop records already stored with equal content; refuse those stored differently."""
    key_col = kind.table.c[kind.key]
    keys = list({row[kind.key] for _, row in built})
    stored: dict[Any, str] = {}
    for i in range(0, len(keys), 500):
        query = select(key_col, kind.table.c.content_hash).where(key_col.in_(keys[i : i + 500]))
        stored.update({k: h for k, h in conn.execute(query)})
    fresh: dict[Any, dict[str, Any]] = {}
    for parsed, row in built:
        key, digest = row[kind.key], row["content_hash"]
        known = stored.get(key) or (fresh[key]["content_hash"] if key in fresh else None)
        if known is None:
            fresh[key] = row
        elif known == digest:
            report.unchanged += 1
        else:
            report.rejected.append(
                Problem(
                    source,
                    parsed.line,
                    kind.key,
                    f"{kind.name} {key!r} is already stored with different content; "
                    "inputs are immutable, send a correction as a new record",
                    str(parsed.raw.get("id", key)),
                    parsed.unit,
                )
            )
    return list(fresh.values())


def _refuse(report: IngestReport) -> None:
    conflicts = all("already stored with different content" in p.message for p in report.rejected)
    cls = ConflictError if conflicts else InputError
    n = len(report.rejected)
    report.rejected.sort(key=lambda p: (p.line is None, p.line or 0))
    raise cls(
        f"{report.source}: {n} bad record{'s' if n != 1 else ''}; nothing was written",
        problems=report.rejected[:MAX_PROBLEMS],
    )
