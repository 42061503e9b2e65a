"""Alert subscriptions: who receives which alerts, where, in which format and language.

A subscription belongs to the principal that made it (an administrator sees and ends
anyone's). Its webhook secret is generated unless given, returned once, and stored in clear
because signing needs it. Plain ``http`` is accepted only towards this host: alerts are
marked data. Whom a subscription delivers to is re-read at every delivery
(:func:`subscriber`), so a revoked principal or one that lost a role receives nothing more.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import Connection, and_, select, update

from truceline.access.policy import Principal
from truceline.alerts.model import KINDS, SEVERITIES, iso
from truceline.alerts.text import LANGS
from truceline.errors import BadRequestError, NotFoundError
from truceline.services.alert_tables import alert_deliveries, alert_subscriptions
from truceline.services.principals import principal_from_row, record_audit
from truceline.store import tables
from truceline.store.engine import Store

FORMATS = ("json", "cap")
LOOPBACK_HOSTS = ("localhost",)


def _check_url(url: str) -> str:
    """https anywhere; plain http only to this host (alerts are marked data)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        host = None
    if host is None or parts.scheme not in ("http", "https") or any(c.isspace() for c in url):
        raise BadRequestError("url: an absolute http(s) URL is required")
    if parts.username or parts.password:
        raise BadRequestError("url: credentials in the URL are not accepted; use the secret")
    if parts.scheme == "http":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host in LOOPBACK_HOSTS
        if not loopback:
            raise BadRequestError("url: https is required (plain http only to localhost)")
    return url


def _principal_json(p: Principal) -> str:
    return orjson.dumps(
        {
            "name": p.name,
            "nation": p.nation,
            "roles": sorted(p.roles),
            "side": p.side,
            "kind": p.kind,
        }
    ).decode()


def subscription_view(row: Any, *, secret: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "principal": row.principal,
        "url": row.url,
        "sectors": orjson.loads(row.sectors) if row.sectors else None,
        "kinds": orjson.loads(row.kinds),
        "min_severity": row.min_severity,
        "format": row.format,
        "language": row.language,
        "created_at": iso(row.created_us),
    }
    if secret is not None:
        out["secret"] = secret
    return out


def create_subscription(
    store: Store,
    principal: Principal,
    *,
    url: str,
    now_us: int,
    secret: str | None = None,
    sectors: Sequence[str] | None = None,
    kinds: Sequence[str] = KINDS,
    min_severity: str = "Minor",
    fmt: str = "json",
    language: str = "en",
    client: str | None = None,
) -> dict[str, Any]:
    """Store a subscription for ``principal``; the view includes the secret, shown once."""
    if not principal.may("alerts:subscribe"):
        raise BadRequestError(f"principal {principal.name} may not subscribe to alerts")
    bad_kinds = set(kinds) - set(KINDS)
    if not kinds or bad_kinds:
        raise BadRequestError(f"kinds: choose from {', '.join(KINDS)}")
    if min_severity not in SEVERITIES:
        raise BadRequestError(f"min_severity: one of {', '.join(SEVERITIES)}")
    if fmt not in FORMATS:
        raise BadRequestError("format: json or cap")
    if language not in LANGS:
        raise BadRequestError(f"language: one of {', '.join(LANGS)}")
    if secret is not None and len(secret) < 16:
        raise BadRequestError("secret: at least 16 characters (or leave it out to get one)")
    shown = secret or "whsec_" + secrets.token_urlsafe(32)
    sub_id = "sub-" + secrets.token_hex(8)
    row = {
        "id": sub_id,
        "principal": principal.name,
        "principal_json": _principal_json(principal),
        "url": _check_url(url),
        "secret": shown,
        "sectors": orjson.dumps(sorted(set(sectors))).decode() if sectors else None,
        "kinds": orjson.dumps(sorted(set(kinds))).decode(),
        "min_severity": min_severity,
        "format": fmt,
        "language": language,
        "created_us": now_us,
        "deleted_us": None,
    }
    with store.write() as conn:
        conn.execute(alert_subscriptions.insert().values(**row))
        record_audit(
            conn,
            now_us=now_us,
            principal=principal.name,
            action="alerts.subscribe",
            target=sub_id,
            client=client,
            detail={"url": url, "format": fmt},
        )
        stored = conn.execute(
            select(alert_subscriptions).where(alert_subscriptions.c.id == sub_id)
        ).one()
    return subscription_view(stored, secret=shown)


def _owned(principal: Principal) -> Any:
    s = alert_subscriptions
    if "admin" in principal.roles:
        return s.c.deleted_us.is_(None)
    return and_(s.c.deleted_us.is_(None), s.c.principal == principal.name)


def list_subscriptions(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    """The caller's live subscriptions (an administrator sees everyone's); no secrets."""
    s = alert_subscriptions
    rows = conn.execute(select(s).where(_owned(principal)).order_by(s.c.created_us, s.c.id))
    return [subscription_view(r) for r in rows]


def delete_subscription(
    store: Store, principal: Principal, sub_id: str, *, now_us: int, client: str | None = None
) -> None:
    """End a subscription; its pending deliveries are withdrawn."""
    s, d = alert_subscriptions, alert_deliveries
    with store.write() as conn:
        found = conn.execute(select(s.c.id).where(s.c.id == sub_id, _owned(principal))).first()
        if found is None:
            raise NotFoundError(f"subscription {sub_id!r} not found")
        conn.execute(update(s).where(s.c.id == sub_id).values(deleted_us=now_us))
        conn.execute(
            update(d)
            .where(d.c.subscription_id == sub_id, d.c.state == "pending")
            .values(state="withdrawn", updated_us=now_us, last_error="subscription deleted")
        )
        record_audit(
            conn,
            now_us=now_us,
            principal=principal.name,
            action="alerts.unsubscribe",
            target=sub_id,
            client=client,
            detail={},
        )


def subscriber(conn: Connection, row: Any) -> Principal | None:
    """Who a subscription delivers to, as the store knows them now (None when revoked).

    A principal of the store is read afresh (its roles today); one known only from an
    OIDC token is taken as it was when it subscribed.
    """
    p = tables.principals
    found = conn.execute(select(p).where(p.c.name == row.principal)).first()
    if found is not None:
        return None if found.revoked_us is not None else principal_from_row(found)
    snap = orjson.loads(row.principal_json)
    return Principal(
        snap["name"],
        snap["nation"],
        frozenset(snap["roles"]),
        snap.get("side"),
        snap.get("kind", "user"),
    )
