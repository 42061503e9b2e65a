"""Live feed of new events, findings and incidents as server-sent events.

The feed reads the store (records created or changed since the client's cursor), so it
shows what every process stored — the API's own workers or `truceline worker`s elsewhere —
and it passes through the same access-control clause as every other read. EventSource
cannot send headers, so the token may come as ``?token=``.

Live fusion releases a blast's event minutes after it, once its pairs are settled; the feed
also says how far the events are complete (``event: complete``, ``{"complete_to": …}``) each
time that front moves, so a live view's last minutes read as not yet fused, not as calm.
Some 7 minutes before it releases an event, it has located it: ``event: provisional`` (the
event's feature, ``"provisional": true``, no pair yet). The event released later has the
same id and replaces it. No deletion is sent: a provisional event the front passes
without a release is gone (a restarted worker replaced it with what its replay located).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select

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

POLL_S = 1.0
HEARTBEAT_S = 15.0
PAGE = 500  # records of each kind per poll


def changes_since(
    store: Store, principal: Principal, cursor_us: int
) -> tuple[list[tuple[str, Any]], int]:
    """(kind, payload) for what was stored after ``cursor_us``, oldest first; new cursor.

    The last item is ``("complete", {"complete_to": …})``, live fusion's release front, when
    one is stored and every event before it is in this batch or an earlier one. The front is
    read first: the worker stores it in the same transaction as the events before it, so the
    events read after it hold them all, unless a kind filled its page (then it comes with
    the next batch)."""
    out: list[tuple[int, str, Any]] = []
    with store.read() as conn:
        front = fusion_complete(conn)
        full = False
        for kind, table, stamp in (
            ("event", tables.events, "created_us"),
            ("provisional", tables.provisional_events, "created_us"),
            ("finding", tables.findings, "created_us"),
        ):
            q = (
                select(table.c.record, table.c.markings, table.c[stamp])
                .where(table.c[stamp] > cursor_us, visible(table, principal))
                .order_by(table.c[stamp])
                .limit(PAGE)
            )
            rows = conn.execute(q).all()
            full |= kind == "event" and len(rows) == PAGE
            for r in rows:
                payload = orjson.loads(r.record)
                record_fields(payload)["markings"] = orjson.loads(r.markings)
                out.append((r[2], kind, payload))
        t = tables.incidents
        q = (
            select(t)
            .where(t.c.updated_us > cursor_us, visible(t, principal))
            .order_by(t.c.updated_us)
            .limit(PAGE)
        )
        out += [(r.updated_us, "incident", incident_summary(r)) for r in conn.execute(q)]
    out.sort(key=lambda x: x[0])
    newest = max([cursor_us, *(x[0] for x in out)])
    items = [(k, p) for _, k, p in out]
    if front is not None and not full:
        items.append(("complete", {"complete_to": front}))
    return items, newest


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
