"""Reports over HTTP: daily, public and spot reports in en/uk/ru; publishing; published copies.

Each report is built for the caller from what the caller may see; ``/reports/public/...``
is built as the anonymous public whoever asks. Every response carries the report's own
SHA-256 in ``X-Report-SHA256`` (the same digest is printed inside it; docs/reports.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from truceline.access.policy import PUBLIC, Principal
from truceline.api.audit import record_restricted
from truceline.api.auth import current_principal, require
from truceline.api.deps import get_store
from truceline.clock import now_us
from truceline.gazetteer import default_gazetteer
from truceline.reports.model import Report
from truceline.reports.render import Rendered, render
from truceline.services import reports as svc

Reader = Annotated[Principal, Depends(require("read"))]
Publisher = Annotated[Principal, Depends(require(svc.PUBLISH_PERMISSION))]
Anyone = Annotated[Principal, Depends(current_principal)]
Lang = Annotated[str, Query(description="en, uk or ru")]
Fmt = Annotated[str, Query(alias="format", description="html, pdf, md or json")]
Day = Annotated[str, Query(description="the UTC day, YYYY-MM-DD")]


class PublishDaily(BaseModel):
    date: str = Field(description="the UTC day, YYYY-MM-DD")
    lang: str = "en"
    format: str = "pdf"
    public: bool = Field(False, description="publish the public report (as the public sees it)")


class PublishSpot(BaseModel):
    lang: str = "en"
    format: str = "pdf"
    public: bool = False


def _response(rendered: Rendered, name: str) -> Response:
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={
            "X-Report-SHA256": rendered.sha256,
            "Content-Disposition": f'inline; filename="{name}.{rendered.format}"',
        },
    )


def _audit(request: Request, principal: Principal, report: Report, what: str) -> None:
    """Record who read a report resting on restricted records (public reports are not)."""
    if not report.header.public:
        record_restricted(request, principal, "report", report.sources, report=what)


def _daily(
    request: Request, principal: Principal, date: str, lang: str, fmt: str, public: bool
) -> tuple[Report, Rendered]:
    svc.check_options(lang, fmt)
    day = svc.parse_day(date)
    with get_store(request).read() as conn:
        report = svc.daily_report(conn, principal, day, now_us=now_us(), public=public)
    return report, render(report, lang, fmt, default_gazetteer())


def _spot(
    request: Request, principal: Principal, incident_id: str, lang: str, fmt: str, public: bool
) -> tuple[Report, Rendered]:
    svc.check_options(lang, fmt)
    with get_store(request).read() as conn:
        report = svc.spot_report(conn, principal, incident_id, now_us=now_us(), public=public)
    return report, render(report, lang, fmt, default_gazetteer())


def build_router() -> APIRouter:
    router = APIRouter(tags=["reports"])

    @router.get("/reports/days", summary="Days with data the caller may see", name="report_days")
    def days(request: Request, principal: Reader) -> dict[str, Any]:
        with get_store(request).read() as conn:
            return {"days": svc.report_days(conn, principal)}

    @router.get("/reports/daily", summary="The daily report, for the caller", name="daily_report")
    def daily(
        request: Request, principal: Reader, date: Day, lang: Lang = "en", fmt: Fmt = "html"
    ) -> Response:
        report, rendered = _daily(request, principal, date, lang, fmt, False)
        _audit(request, principal, report, f"daily {date}")
        return _response(rendered, f"daily-{date}-{lang}")

    @router.get(
        "/reports/public/daily",
        summary="The public daily report (only what is released to the public)",
        name="public_daily_report",
    )
    def public_daily(request: Request, date: Day, lang: Lang = "en", fmt: Fmt = "html") -> Response:
        _, rendered = _daily(request, PUBLIC, date, lang, fmt, True)
        return _response(rendered, f"public-daily-{date}-{lang}")

    @router.get(
        "/reports/spot/{incident_id}", summary="A spot report of one incident", name="spot_report"
    )
    def spot(
        request: Request, incident_id: str, principal: Reader, lang: Lang = "en", fmt: Fmt = "html"
    ) -> Response:
        report, rendered = _spot(request, principal, incident_id, lang, fmt, False)
        _audit(request, principal, report, f"spot {incident_id}")
        return _response(rendered, f"spot-{incident_id}-{lang}")

    @router.post(
        "/reports/daily/publish",
        summary="Publish a daily report: store it and log it in the ledger",
        name="publish_daily_report",
        status_code=201,
    )
    def publish_daily(
        request: Request, principal: Publisher, body: Annotated[PublishDaily, Body()]
    ) -> dict[str, Any]:
        report, rendered = _daily(
            request, principal, body.date, body.lang, body.format, body.public
        )
        with get_store(request).write() as conn:
            return svc.publish(conn, report, rendered, principal, now_us=now_us())

    @router.post(
        "/reports/spot/{incident_id}/publish",
        summary="Publish a spot report: store it and log it in the ledger",
        name="publish_spot_report",
        status_code=201,
    )
    def publish_spot(
        request: Request,
        incident_id: str,
        principal: Publisher,
        body: Annotated[PublishSpot, Body()],
    ) -> dict[str, Any]:
        report, rendered = _spot(
            request, principal, incident_id, body.lang, body.format, body.public
        )
        with get_store(request).write() as conn:
            return svc.publish(conn, report, rendered, principal, now_us=now_us())

    @router.get(
        "/reports/published",
        summary="Published reports the caller may see",
        name="list_published_reports",
    )
    def published(
        request: Request,
        principal: Anyone,
        kind: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        with get_store(request).read() as conn:
            return {"items": svc.list_published(conn, principal, kind=kind, limit=limit)}

    @router.get(
        "/reports/published/{report_id}",
        summary="One published report, as published (byte for byte)",
        name="get_published_report",
    )
    def published_one(request: Request, report_id: str, principal: Anyone) -> Response:
        with get_store(request).read() as conn:
            row = svc.get_published(conn, principal, report_id)
        return Response(
            bytes(row.content),
            media_type=row.media_type,
            headers={"X-Report-SHA256": row.sha256},
        )

    return router
