"""Store fused events as derived records: markings from their detections, one ledger leaf.

An event is releasable only where all of its detections are (a blast located from a US
feed and a British feed is no wider than either), so its markings are derived from the
stored detections' markings (``truceline.access.markings.derive``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Table, select

from truceline.access.markings import derive
from truceline.formats.records import Markings
from truceline.fusion.event import Event, event_to_feature
from truceline.services.ledger import append_records
from truceline.services.rows import audience, markings_json
from truceline.store import tables
from truceline.timefmt import format_time, from_micros, to_micros

DERIVED_ORIGINATOR = "MISSION"


def markings_of(conn: Connection, ids: Sequence[str], *sources: Table) -> dict[str, Markings]:
    """Id -> stored markings of the records ``ids`` found in ``sources`` (marked tables)."""
    out: dict[str, Markings] = {}
    for t in sources:
        for i in range(0, len(ids), 500):
            q = select(t.c.id, t.c.markings).where(t.c.id.in_(list(ids[i : i + 500])))
            out.update(
                {r.id: Markings.model_validate(orjson.loads(r.markings)) for r in conn.execute(q)}
            )
    return out


def store_events(
    conn: Connection, events: Sequence[Event], *, side_codes: Sequence[str], now_us: int
) -> list[dict[str, Any]]:
    """Insert events not stored yet (ids derive from inputs, so this is idempotent).

    Returns the GeoJSON features of the events inserted now, with their markings.
    """
    if not events:
        return []
    t = tables.events
    ids = [e.id for e in events]
    known = set(conn.execute(select(t.c.id).where(t.c.id.in_(ids))).scalars())
    fresh = [e for e in events if e.id not in known]
    marks = markings_of(conn, [d for e in fresh for d in e.detections], tables.detections)
    rows, features = [], []
    for e in fresh:
        mk = derive(
            [marks[d] for d in e.detections if d in marks],
            side_codes=side_codes,
            originator=DERIVED_ORIGINATOR,
        )
        feature = event_to_feature(e)
        feature["properties"]["markings"] = mk.model_dump(mode="json", exclude_none=True)
        rows.append(
            {
                "id": e.id,
                "time_us": to_micros(e.time),
                "lat": e.lat,
                "lon": e.lon,
                "phase": e.phase,
                "weapon": e.weapon,
                "side": e.side,
                "paired_with": e.paired_with,
                "n_sensors": e.n_sensors,
                "record": orjson.dumps(feature).decode(),
                "originator": DERIVED_ORIGINATOR,
                "markings": markings_json(mk),
                "audience": audience(mk),
                "created_us": now_us,
            }
        )
        features.append(feature)
    if rows:
        conn.execute(t.insert(), rows)
        append_records(conn, "event", rows, now_us=now_us)
    return features


def fusion_complete_us(conn: Connection) -> int | None:
    """When live fusion's stored events are complete to (µs): every event with an origin
    time before it is stored (``None`` before it released any). Without it a reader could
    not tell a quiet stretch from one not fused yet."""
    value = conn.execute(select(tables.fusion_progress.c.complete_us)).scalar()
    return None if value is None else int(value)


def fusion_complete(conn: Connection) -> str | None:
    """:func:`fusion_complete_us` as RFC 3339, as the APIs give it."""
    value = fusion_complete_us(conn)
    return None if value is None else format_time(from_micros(value))
