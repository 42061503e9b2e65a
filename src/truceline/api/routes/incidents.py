"""Incidents over HTTP: the queue, one incident, workflow actions, statistics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from truceline.access.policy import Principal
from truceline.api.auth import require
from truceline.api.deps import get_store, time_param
from truceline.clock import now_us
from truceline.services import incidents as svc
from truceline.services.events import fusion_complete
from truceline.services.queries import decode_cursor, encode_cursor
from truceline.services.stats import violations_per_day
from truceline.timefmt import to_micros

Reader = Annotated[Principal, Depends(require("read"))]
Actor = Annotated[Principal, Depends(require("incidents:act"))]


def build_router() -> APIRouter:
    router = APIRouter(tags=["incidents"])

    @router.get("/incidents", summary="The incident queue", name="list_incidents")
    def list_incidents(
        request: Request,
        principal: Reader,
        state: str | None = None,
        grade: str | None = None,
        sector: str | None = None,
        side: str | None = None,
        start: Annotated[str | None, Query(alias="from")] = None,
        end: Annotated[str | None, Query(alias="to")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        after = decode_cursor(cursor) if cursor else None
        t0, t1 = time_param(start, "from"), time_param(end, "to")
        with get_store(request).read() as conn:
            items, nxt = svc.list_incidents(
                conn,
                principal,
                state=state,
                grade_=grade,
                sector=sector,
                side=side,
                start_us=to_micros(t0) if t0 else None,
                end_us=to_micros(t1) if t1 else None,
                limit=limit,
                after=after,
            )
        from truceline.services.sla_view import with_sla

        return {"items": with_sla(items, now_us()), "next": encode_cursor(*nxt) if nxt else None}

    @router.get(
        "/incidents/{incident_id}", summary="One incident with its timeline", name="get_incident"
    )
    def get_incident(request: Request, incident_id: str, principal: Reader) -> dict[str, Any]:
        with get_store(request).read() as conn:
            view = svc.incident_view(conn, incident_id, principal)
        from truceline.services.sla_view import with_sla

        return with_sla([view], now_us())[0]

    @router.post(
        "/incidents/{incident_id}/actions/{action}",
        summary="A workflow action",
        name="incident_action",
        description="Body: {version, ...payload}; see docs/incidents.md for each action.",
    )
    def incident_action(
        request: Request,
        incident_id: str,
        action: str,
        principal: Actor,
        body: Annotated[dict[str, Any], Body()],
    ) -> dict[str, Any]:
        with get_store(request).write() as conn:
            return svc.act(conn, incident_id, action, body, principal, now_us=now_us())

    @router.get(
        "/stats/violations",
        summary="Violations per day by sector and side; how far fused events are complete",
        name="stats_violations",
    )
    def stats(
        request: Request,
        principal: Reader,
        start: Annotated[str | None, Query(alias="from")] = None,
        end: Annotated[str | None, Query(alias="to")] = None,
    ) -> dict[str, Any]:
        t0, t1 = time_param(start, "from"), time_param(end, "to")
        with get_store(request).read() as conn:
            days = violations_per_day(
                conn,
                principal,
                start_us=to_micros(t0) if t0 else None,
                end_us=to_micros(t1) if t1 else None,
            )
            # Findings rest on events released minutes after their blasts: the last
            # day's count may still grow (GET /api/v1/events says the same).
            complete = fusion_complete(conn)
        return {"days": days, "complete_to": complete}

    @router.get(
        "/incidents-overdue",
        summary="Incidents past their service-level target",
        name="overdue_incidents",
    )
    def overdue(request: Request, principal: Reader) -> dict[str, Any]:
        from truceline.services.sla_view import overdue_incidents

        with get_store(request).read() as conn:
            return {"items": overdue_incidents(conn, principal, now_us())}

    return router
