"""Store fused events as derived records: markings from their detections, one ledger leaf.

An event is releasable only where all of its detections are (a blast located from a US
feed and a British feed is no wider than either), so its markings are derived from the
stored detections' markings (``truceline.access.markings.derive``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Table, delete, select, true

from truceline.access.markings import derive
from truceline.formats.records import Markings
from truceline.fusion.event import Event, event_to_feature
from truceline.services.ledger import append_records
from truceline.services.rows import audience, markings_json
from truceline.store import tables
from truceline.timefmt import format_time, from_micros, to_micros

DERIVED_ORIGINATOR = "MISSION"
WITHDRAWN_KEEP_US = 86_400_000_000  # a day: the live feed's reconnects are minutes apart


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
    """Insert events not stored yet (ids derive from inputs, so this is idempotent), each
    a ledger leaf, and drop their provisional forms (:func:`store_provisional`).

    Returns the GeoJSON features of the events inserted now, with their markings.
    """
    if not events:
        return []
    t = tables.events
    ids = [e.id for e in events]
    known = set(conn.execute(select(t.c.id).where(t.c.id.in_(ids))).scalars())
    rows, features = _rows(conn, [e for e in events if e.id not in known], side_codes, now_us)
    if rows:
        conn.execute(t.insert(), rows)
        append_records(conn, "event", rows, now_us=now_us)
    p = tables.provisional_events
    conn.execute(delete(p).where(p.c.id.in_(ids)))
    return features


def store_provisional(
    conn: Connection, events: Sequence[Event], *, side_codes: Sequence[str], now_us: int,
    front_us: int = 0, replace: bool = False, withdrawn: Sequence[str] = (),
) -> list[dict[str, Any]]:  # fmt: skip
    """Insert live fusion's provisional ``events`` (located, not released yet:
    ``FusionEngine.provisional``) not stored yet, here or as released events, none before
    the release ``front_us``: every event before it was released, so one there was
    decided otherwise (a restarted worker's replay), and one stored there goes. Each
    feature says ``"provisional": true``; none goes to the ledger, as none is final (the
    event released, with the same id, does). With ``replace``, every provisional event
    stored before goes first (a new engine gives all it has located: see
    ``LiveFusion._store``); those given again are stored anew, and the live feed sends them
    again. Those the engine ``withdrawn`` (given early, then changed by their block's
    later stages: ``FusionEngine.withdrawn``) go before the new ones are stored. Every
    one that goes and is not given again is recorded withdrawn (:func:`_withdraw`), so
    the feed can tell an open map to drop it. Returns the features inserted now."""
    p = tables.provisional_events
    events = [e for e in events if to_micros(e.time) >= front_us]
    ids = [e.id for e in events]
    if replace:
        _withdraw(conn, true(), set(ids), "replaced", now_us)
    elif front_us:
        _withdraw(conn, p.c.time_us < front_us, set(), "unreleased", now_us)
    if withdrawn:
        _withdraw(conn, p.c.id.in_(list(withdrawn)), set(), "revised", now_us)
    w = tables.withdrawn_events
    conn.execute(delete(w).where(w.c.withdrawn_us < now_us - WITHDRAWN_KEEP_US))
    if not events:
        return []
    known = set(conn.execute(select(p.c.id).where(p.c.id.in_(ids))).scalars())
    known |= set(conn.execute(select(tables.events.c.id).where(tables.events.c.id.in_(ids)))
                 .scalars())  # fmt: skip
    rows, features = _rows(conn, [e for e in events if e.id not in known], side_codes, now_us,
                           provisional=True)  # fmt: skip
    if rows:
        conn.execute(p.insert(), rows)
    return features


def _withdraw(
    conn: Connection, where: ColumnElement[bool], again: set[str], reason: str, now_us: int
) -> None:
    """Delete the provisional events ``where`` holds, recording as withdrawn (``reason``)
    those not in ``again`` (given again now) with the markings they had: only those who
    saw an event are told it went. A released event needs no such record: the feed sends
    it, with the same id."""
    p = tables.provisional_events
    cols = (p.c.id, p.c.time_us, p.c.originator, p.c.markings, p.c.audience)
    gone = [r._asdict() for r in conn.execute(select(*cols).where(where)) if r.id not in again]
    if gone:
        conn.execute(tables.withdrawn_events.insert(),
                     [{**r, "reason": reason, "withdrawn_us": now_us} for r in gone])  # fmt: skip
    conn.execute(delete(p).where(where))


def _rows(
    conn: Connection,
    events: Sequence[Event],
    side_codes: Sequence[str],
    now_us: int,
    *,
    provisional: bool = False,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The table rows and GeoJSON features (with markings) of ``events``: an event is
    releasable only where all of its detections are."""
    marks = markings_of(conn, [d for e in events for d in e.detections], tables.detections)
    rows, features = [], []
    for e in events:
        mk = derive(
            [marks[d] for d in e.detections if d in marks],
            side_codes=side_codes,
            originator=DERIVED_ORIGINATOR,
        )
        feature = event_to_feature(e)
        if provisional:
            feature["properties"]["provisional"] = True
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
    return rows, features


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
