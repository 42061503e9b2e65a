"""Alerts over HTTP: read them (JSON or CAP 1.2), manage webhook subscriptions, and see and
retry dead letters. Every read is filtered by the caller's markings; subscriptions and dead
letters are the caller's own (an administrator's: everyone's)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from truceline.access.policy import Principal
from truceline.alerts.cap import MEDIA_TYPE as CAP_MEDIA_TYPE
from truceline.alerts.text import LANGS, Lang
from truceline.api.auth import client_address, require
from truceline.api.deps import get_settings, get_store, time_param
from truceline.clock import now_us
from truceline.errors import BadRequestError
from truceline.services import alert_delivery, alert_subscriptions
from truceline.services import alerts as svc
from truceline.timefmt import to_micros

Reader = Annotated[Principal, Depends(require("read"))]
Subscriber = Annotated[Principal, Depends(require("alerts:subscribe"))]
Kind = Literal["escalation", "grave"]
KINDS: tuple[Kind, ...] = ("escalation", "grave")
Severity = Literal["Minor", "Moderate", "Severe", "Extreme"]


class SubscriptionIn(BaseModel):
    url: str = Field(min_length=8, max_length=2000, description="https webhook URL")
    secret: str | None = Field(
        None, min_length=16, max_length=200, description="HMAC key; generated when absent"
    )
    sectors: list[str] | None = Field(
        None, max_length=50, description="only these sectors (default: all)"
    )
    kinds: list[Kind] = Field(default_factory=lambda: list(KINDS), min_length=1)
    min_severity: Severity = "Minor"
    format: Literal["json", "cap"] = "json"
    language: Lang = "en"


def _langs(value: str) -> tuple[Lang, ...]:
    out = tuple(v.strip() for v in value.split(",") if v.strip())
    bad = [v for v in out if v not in LANGS]
    if not out or bad:
        raise BadRequestError(f"lang: a comma-separated list of {', '.join(LANGS)}")
    return out  # type: ignore[return-value]


def _config(request: Request) -> svc.AlertConfig:
    return svc.AlertConfig(sender=svc.cap_sender(get_settings(request)))


def build_router() -> APIRouter:
    router = APIRouter(tags=["alerts"])

    @router.get("/alerts", summary="Alerts the caller may see, newest first", name="list_alerts")
    def list_alerts(
        request: Request,
        principal: Reader,
        kind: Kind | None = None,
        sector: Annotated[str | None, Query(max_length=128)] = None,
        since: str | None = None,
        lang: Lang = "en",
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> dict[str, Any]:
        start = time_param(since, "since")
        with get_store(request).read() as conn:
            return svc.list_alerts(
                conn,
                principal,
                kind=kind,
                sector=sector,
                since_us=to_micros(start) if start else None,
                limit=limit,
                cursor=cursor,
                lang=lang,
            )

    @router.post(
        "/alerts/subscriptions",
        status_code=201,
        summary="Subscribe a webhook; its secret is returned once",
        name="add_alert_subscription",
    )
    def subscribe(request: Request, body: SubscriptionIn, principal: Subscriber) -> dict[str, Any]:
        return alert_subscriptions.create_subscription(
            get_store(request),
            principal,
            url=body.url,
            secret=body.secret,
            sectors=body.sectors,
            kinds=body.kinds,
            min_severity=body.min_severity,
            fmt=body.format,
            language=body.language,
            now_us=now_us(),
            client=client_address(request),
        )

    @router.get(
        "/alerts/subscriptions",
        summary="The caller's subscriptions (secrets are never shown again)",
        name="list_alert_subscriptions",
    )
    def subscriptions(request: Request, principal: Subscriber) -> dict[str, Any]:
        with get_store(request).read() as conn:
            return {"items": alert_subscriptions.list_subscriptions(conn, principal)}

    @router.delete(
        "/alerts/subscriptions/{record_id}",
        summary="End a subscription; its pending deliveries are withdrawn",
        name="delete_alert_subscription",
    )
    def unsubscribe(request: Request, record_id: str, principal: Subscriber) -> dict[str, Any]:
        alert_subscriptions.delete_subscription(
            get_store(request),
            principal,
            record_id,
            now_us=now_us(),
            client=client_address(request),
        )
        return {"deleted": record_id}

    @router.get(
        "/alerts/dead-letters",
        summary="Deliveries that ran out of attempts",
        name="list_alert_dead_letters",
    )
    def dead_letters(request: Request, principal: Subscriber) -> dict[str, Any]:
        with get_store(request).read() as conn:
            return {"items": alert_delivery.dead_letters(conn, principal)}

    @router.post(
        "/alerts/dead-letters/{record_id}/retry",
        summary="Queue a dead letter again with a fresh set of attempts",
        name="retry_alert_dead_letter",
    )
    def retry(request: Request, record_id: str, principal: Subscriber) -> dict[str, Any]:
        alert_delivery.retry_dead_letter(get_store(request), principal, record_id, now_us=now_us())
        return {"queued": record_id}

    @router.get(
        "/alerts/{record_id}.cap",
        summary="One alert as an OASIS CAP 1.2 message",
        name="get_alert_cap",
        response_class=Response,
        responses={200: {"content": {CAP_MEDIA_TYPE: {}}}},
    )
    def alert_cap(
        request: Request,
        record_id: str,
        principal: Reader,
        lang: Annotated[str, Query(max_length=20, description="e.g. en or en,uk,ru")] = "en",
    ) -> Response:
        with get_store(request).read() as conn:
            row = svc.get_alert(conn, principal, record_id)
        body = svc.alert_cap(row, _config(request), _langs(lang))
        return Response(body, media_type=CAP_MEDIA_TYPE)

    @router.get("/alerts/{record_id}", summary="One alert", name="get_alert")
    def alert(request: Request, record_id: str, principal: Reader, lang: Lang = "en") -> Any:
        with get_store(request).read() as conn:
            return svc.alert_view(svc.get_alert(conn, principal, record_id), lang)

    return router
