"""Live feed of new events, findings and incidents as server-sent events.

The feed reads the store (records created or changed since the client's cursor), so it
shows what every process stored — the API's own workers or `truceline worker`s elsewhere —
and it passes through the same access-control clause as every other read. EventSource
cannot send headers, so the token may come as ``?token=``.

Live fusion releases a blast's event minutes after it, once its pairs are settled; the feed
also says how far the events are complete (``event: complete``, ``{"complete_to": …}``) each
time that front moves, so a live view's last minutes read as not yet fused, not as calm.
Some 7–10 minutes before it releases an event, it has located it: ``event: provisional`` (the
event's feature, ``"provisional": true``, no pair yet). The event released later has the
same id and replaces it. One that goes unreleased is sent as ``event: withdrawn``,
``{"id", "time", "reason"}``, to those who could see it: ``revised`` (given early, its
block's later stages changed it; its new form comes as ``provisional``), ``replaced`` (a
restarted worker's replay located otherwise) or ``unreleased`` (the front passed it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import ColumnElement, Connection, Row, Table, select

from truceline.access.policy import Principal
from truceline.api.auth import current_principal
from truceline.api.deps import get_store
from truceline.clock import now_us
from truceline.errors import ForbiddenError
from truceline.services.events import fusion_complete
from truceline.services.incidents import incident_summary
from truceline.services.queries import record_fields
from truceline.store import tables
from truceline.store.engine import Store
from truceline.store.visibility import visible
from truceline.timefmt import format_time, from_micros

POLL_S = 1.0
HEARTBEAT_S = 15.0
PAGE = 500  # records of each kind per poll


def changes_since(
    store: Store, principal: Principal, cursor_us: int
) -> tuple[list[tuple[str, Any]], int]:
    """(kind, payload) for what was stored after ``cursor_us``, oldest first; new cursor.

    Each kind is read ``PAGE`` records at a time by its stamp; a worker step stores many
    records with one stamp, so a full page takes every record of its last stamp too, and
    the batch stops at the earliest such stamp: the cursor never passes a record not sent
    (of any kind), and none is sent twice. The last item is ``("complete",
    {"complete_to": …})``, live fusion's release front, when one is stored and no kind
    was left with records to send. The front is read first: the worker stores it in the
    same transaction as the events before it, so the events read after it hold them all."""
    out: list[tuple[int, int, str, Any]] = []
    upto: int | None = None  # where a full page stopped the batch
    with store.read() as conn:
        front = fusion_complete(conn)
        for order, (kind, table, stamp) in enumerate(SOURCES):
            rows, last = _page(conn, table, table.c[stamp], principal, cursor_us)
            if last is not None:
                upto = last if upto is None else min(upto, last)
            out += [(r._mapping[stamp], order, kind, _payload(kind, r)) for r in rows]
    if upto is not None:
        out = [x for x in out if x[0] <= upto]
    out.sort(key=lambda x: (x[0], x[1]))
    newest = upto if upto is not None else max([cursor_us, *(x[0] for x in out)])
    items = [(k, p) for _, _, k, p in out]
    if front is not None and upto is None:
        items.append(("complete", {"complete_to": front}))
    return items, newest


# What the feed sends, in the order it sends records stored at one time (a withdrawal
# before the events of the step that withdrew it).
SOURCES = (
    ("withdrawn", tables.withdrawn_events, "withdrawn_us"),
    ("event", tables.events, "created_us"),
    ("provisional", tables.provisional_events, "created_us"),
    ("finding", tables.findings, "created_us"),
    ("incident", tables.incidents, "updated_us"),
)


def _page(
    conn: Connection, table: Table, col: ColumnElement[int], principal: Principal, after: int
) -> tuple[list[Row[Any]], int | None]:
    """``table``'s rows visible to ``principal`` stamped (``col``) after ``after``, oldest
    first: ``PAGE`` and every other row of the last one's stamp, and that stamp (the
    batch must stop there), when there are that many; else all, and None."""
    where = (col > after, visible(table, principal))
    rows = list(conn.execute(select(table).where(*where).order_by(col).limit(PAGE)))
    if len(rows) < PAGE:
        return rows, None
    last = rows[-1]._mapping[col.name]
    return list(conn.execute(select(table).where(*where, col <= last).order_by(col))), last


def _payload(kind: str, row: Row[Any]) -> Any:
    """What the feed sends for a stored row: the record with its markings, an incident's
    summary, or a withdrawal's id, time and reason."""
    if kind == "incident":
        return incident_summary(row)
    if kind == "withdrawn":
        return {"id": row.id, "time": format_time(from_micros(row.time_us)), "reason": row.reason}
    payload = orjson.loads(row.record)
    record_fields(payload)["markings"] = orjson.loads(row.markings)
    return payload


def build_router() -> APIRouter:
    router = APIRouter(tags=["stream"])

    @router.get(
        "/stream",
        summary="Live events, findings, incidents; how far events are complete (SSE)",
        name="stream",
        response_class=StreamingResponse,
    )
    async def stream(
        request: Request,
        token: Annotated[str | None, Query(description="bearer token, for EventSource")] = None,
        since: Annotated[
            int | None, Query(ge=0, le=2**63 - 1, description="microseconds; default: now")
        ] = None,
        max_seconds: Annotated[float | None, Query(gt=0, le=86_400)] = None,
    ) -> StreamingResponse:
        if token and not request.headers.get("authorization"):
            others = [h for h in request.scope["headers"] if h[0] != b"authorization"]
            request.scope["headers"] = [*others, (b"authorization", f"Bearer {token}".encode())]
            request = Request(request.scope, request.receive)
        principal = current_principal(request)
        if not principal.may("read"):
            raise ForbiddenError("this principal may not read")
        store = get_store(request)
        start = now_us()

        # Starlette cancels this generator when the client goes away.
        async def feed() -> AsyncIterator[bytes]:
            cursor = since if since is not None else start
            quiet = 0.0
            front: Any = None  # the last release front sent: sent again only once it moves
            yield b"retry: 3000\n\n"
            while max_seconds is None or (now_us() - start) / 1e6 < max_seconds:
                items, cursor = await asyncio.to_thread(changes_since, store, principal, cursor)
                if items and items[-1][0] == "complete":
                    if items[-1][1] == front:
                        items.pop()
                    else:
                        front = items[-1][1]
                for kind, payload in items:
                    yield (
                        f"event: {kind}\nid: {cursor}\ndata: ".encode()
                        + orjson.dumps(payload)
                        + b"\n\n"
                    )
                quiet = 0.0 if items else quiet + POLL_S
                if quiet >= HEARTBEAT_S:
                    quiet = 0.0
                    yield b": heartbeat\n\n"
                await asyncio.sleep(POLL_S)

        return StreamingResponse(
            feed(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return router
