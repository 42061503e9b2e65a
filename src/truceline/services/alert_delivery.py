"""Alert deliveries: the queue of (subscription, alert) pairs, signed webhooks, retries
with backoff and jitter, and the dead-letter list.

A delivery is enqueued when an alert is raised, for every live subscription whose filters
match and whose principal may see the alert. Sending claims due deliveries first (their
next-attempt time moves a lease ahead inside a transaction, so two processes never send the
same one at once and a crash mid-send only delays it), re-checks that the principal may
still see the alert, POSTs the body with its signature (:mod:`truceline.alerts.signing`)
and records the outcome: delivered on any 2xx; otherwise rescheduled by the retry policy
(:mod:`truceline.alerts.retry`), or dead-lettered after the last attempt or at once on
410 Gone. Attempts and the next attempt's time are stored, so a restart loses nothing.
Delivery is at least once: receivers deduplicate on ``X-Truceline-Delivery``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import httpx
import numpy as np
import orjson
from sqlalchemy import Connection, select, true, update

from truceline import __version__
from truceline.access.policy import Principal, can_see
from truceline.alerts import text
from truceline.alerts.cap import MEDIA_TYPE as CAP_MEDIA_TYPE
from truceline.alerts.cap import cap_alert
from truceline.alerts.model import iso, severity_rank
from truceline.alerts.retry import RetryPolicy
from truceline.alerts.signing import SIGNATURE_HEADER, sign
from truceline.alerts.text import Lang
from truceline.errors import NotFoundError
from truceline.formats.records import Markings
from truceline.services.alert_subscriptions import subscriber
from truceline.services.alert_tables import alert_deliveries, alert_subscriptions, alerts
from truceline.store.engine import Store


@dataclass(frozen=True, slots=True)
class Sending:
    """How deliveries are sent: the retry policy, CAP sender and status, batch size."""

    retry: RetryPolicy
    sender: str
    status: str = "Actual"
    batch: int = 100


def _matches(sub: Any, alert_row: Any) -> bool:
    if alert_row.kind not in orjson.loads(sub.kinds):
        return False
    if sub.sectors and alert_row.sector not in orjson.loads(sub.sectors):
        return False
    return severity_rank(alert_row.severity) >= severity_rank(sub.min_severity)


def _may_receive(conn: Connection, sub: Any, alert_row: Any) -> bool:
    """Whether the subscription's principal, as the store knows it now, may see the alert."""
    p = subscriber(conn, sub)
    mk = Markings.model_validate(orjson.loads(alert_row.markings))
    return p is not None and can_see(p, mk, alert_row.originator)


def alert_view(row: Any, lang: Lang = "en") -> dict[str, Any]:
    """An alert as the API and the JSON webhook give it: the record, its headline and
    description in ``lang``, and when it was raised."""
    record = orjson.loads(row.record)
    return {
        **record,
        "language": lang,
        "headline": text.headline(record, lang),
        "description": text.description(record, lang),
        "raised": iso(row.created_us),
    }


def delivery_id(sub_id: str, alert_id: str) -> str:
    return "dv-" + hashlib.sha256(f"{sub_id}\x1f{alert_id}".encode()).hexdigest()[:20]


def enqueue(conn: Connection, alert_ids: Sequence[str], *, now_us: int) -> int:
    """A pending delivery per (live matching subscription whose principal may see, alert)."""
    if not alert_ids:
        return 0
    subs = conn.execute(
        select(alert_subscriptions).where(alert_subscriptions.c.deleted_us.is_(None))
    ).all()
    rows = conn.execute(select(alerts).where(alerts.c.id.in_(list(alert_ids)))).all()
    made = 0
    for a in rows:
        for s in subs:
            if not (_matches(s, a) and _may_receive(conn, s, a)):
                continue
            did = delivery_id(s.id, a.id)
            if conn.execute(
                select(alert_deliveries.c.id).where(alert_deliveries.c.id == did)
            ).first():
                continue
            conn.execute(
                alert_deliveries.insert().values(
                    id=did,
                    subscription_id=s.id,
                    alert_id=a.id,
                    state="pending",
                    attempts=0,
                    next_attempt_us=now_us,
                    last_status=None,
                    last_error=None,
                    created_us=now_us,
                    updated_us=now_us,
                    delivered_us=None,
                )
            )
            made += 1
    return made


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    withdrawn: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _claim(store: Store, sending: Sending, now_us: int) -> list[Any]:
    """Take due deliveries: move each one's next attempt a lease ahead, if still due."""
    d, s, a = alert_deliveries, alert_subscriptions, alerts
    lease = int(sending.retry.lease_s * 1_000_000)
    claimed = []
    with store.write() as conn:
        due = conn.execute(
            select(d.c.id, d.c.next_attempt_us)
            .where(d.c.state == "pending", d.c.next_attempt_us <= now_us)
            .order_by(d.c.next_attempt_us, d.c.id)
            .limit(sending.batch)
        ).all()
        for row in due:
            taken = conn.execute(
                update(d)
                .where(
                    d.c.id == row.id,
                    d.c.state == "pending",
                    d.c.next_attempt_us == row.next_attempt_us,
                )
                .values(next_attempt_us=now_us + lease, updated_us=now_us)
            ).rowcount
            if taken:
                claimed.append(row.id)
        if not claimed:
            return []
        return list(
            conn.execute(
                select(
                    d.c.id,
                    d.c.attempts,
                    d.c.alert_id,
                    s.c.id.label("sub_id"),
                    s.c.url,
                    s.c.secret,
                    s.c.format,
                    s.c.language,
                    s.c.principal,
                    s.c.principal_json,
                    s.c.deleted_us,
                    a.c.record,
                    a.c.markings,
                    a.c.originator,
                    a.c.created_us,
                )
                .join(s, s.c.id == d.c.subscription_id)
                .join(a, a.c.id == d.c.alert_id)
                .where(d.c.id.in_(claimed))
                .order_by(d.c.id)
            ).all()
        )


def payload(job: Any, sending: Sending) -> tuple[bytes, str]:
    """The request body and its media type for one delivery."""
    lang: Lang = job.language
    if job.format == "cap":
        body = cap_alert(
            orjson.loads(job.record),
            sender=sending.sender,
            sent_us=int(job.created_us),
            langs=(lang,),
            status=sending.status,
        )
        return body, CAP_MEDIA_TYPE
    message = {
        "type": "truceline.alert",
        "delivery": job.id,
        "attempt": int(job.attempts) + 1,
        "alert": alert_view(job, lang),
    }
    return orjson.dumps(message, option=orjson.OPT_SORT_KEYS), "application/json"


def _send(
    client: httpx.Client, job: Any, sending: Sending, now_us: int
) -> tuple[int | None, str | None]:
    body, media = payload(job, sending)
    headers = {
        "Content-Type": media,
        "User-Agent": f"truceline/{__version__}",
        SIGNATURE_HEADER: sign(job.secret, body, now_us // 1_000_000),
        "X-Truceline-Delivery": job.id,
        "X-Truceline-Alert": job.alert_id,
        "X-Truceline-Attempt": str(int(job.attempts) + 1),
    }
    try:
        response = client.post(job.url, content=body, headers=headers)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def _outcome(
    store: Store,
    job: Any,
    status: int | None,
    error: str | None,
    *,
    sending: Sending,
    now_us: int,
    u: float,
) -> str:
    d = alert_deliveries
    attempts = int(job.attempts) + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_status": status,
        "last_error": error,
        "updated_us": now_us,
    }
    if error is None:
        values.update(state="delivered", delivered_us=now_us)
    elif status == 410 or sending.retry.exhausted(attempts):
        values["state"] = "dead"
    else:
        values["next_attempt_us"] = now_us + int(sending.retry.delay_s(attempts, u) * 1_000_000)
    with store.write() as conn:
        conn.execute(update(d).where(d.c.id == job.id).values(**values))
    return str(values.get("state", "pending"))


def _withdraw(store: Store, job: Any, reason: str, now_us: int) -> None:
    d = alert_deliveries
    with store.write() as conn:
        conn.execute(
            update(d)
            .where(d.c.id == job.id)
            .values(state="withdrawn", last_error=reason, updated_us=now_us)
        )


def deliver_pending(
    store: Store,
    sending: Sending,
    *,
    client: httpx.Client,
    clock_us: Callable[[], int],
    rng: np.random.Generator,
) -> DeliveryReport:
    """Send every due delivery once; returns what became of them."""
    report = DeliveryReport()
    for job in _claim(store, sending, clock_us()):
        with store.read() as conn:  # the job row holds both the subscription and the alert
            allowed = job.deleted_us is None and _may_receive(conn, job, job)
        if not allowed:
            _withdraw(store, job, "the subscriber may no longer see this alert", clock_us())
            report.withdrawn += 1
            continue
        status, error = _send(client, job, sending, clock_us())
        state = _outcome(
            store, job, status, error, sending=sending, now_us=clock_us(), u=float(rng.random())
        )
        if state == "delivered":
            report.delivered += 1
        elif state == "dead":
            report.dead += 1
        else:
            report.retried += 1
    return report


def dead_letters(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    """Deliveries that ran out of attempts, for the caller's subscriptions (admin: all)."""
    d, s = alert_deliveries, alert_subscriptions
    owner = true() if "admin" in principal.roles else s.c.principal == principal.name
    rows = conn.execute(
        select(d, s.c.url, s.c.principal)
        .join(s, s.c.id == d.c.subscription_id)
        .where(d.c.state == "dead", owner)
        .order_by(d.c.updated_us.desc(), d.c.id)
    ).all()
    return [
        {
            "id": r.id,
            "subscription": r.subscription_id,
            "principal": r.principal,
            "url": r.url,
            "alert": r.alert_id,
            "attempts": r.attempts,
            "last_status": r.last_status,
            "last_error": r.last_error,
            "failed_at": iso(r.updated_us),
        }
        for r in rows
    ]


def retry_dead_letter(store: Store, principal: Principal, delivery: str, *, now_us: int) -> None:
    """Put a dead-lettered delivery back in the queue, with a fresh set of attempts."""
    d, s = alert_deliveries, alert_subscriptions
    owner = true() if "admin" in principal.roles else s.c.principal == principal.name
    with store.write() as conn:
        found = conn.execute(
            select(d.c.id)
            .join(s, s.c.id == d.c.subscription_id)
            .where(d.c.id == delivery, d.c.state == "dead", owner, s.c.deleted_us.is_(None))
        ).first()
        if found is None:
            raise NotFoundError(f"dead letter {delivery!r} not found")
        conn.execute(
            update(d)
            .where(d.c.id == delivery)
            .values(state="pending", attempts=0, next_attempt_us=now_us, updated_us=now_us)
        )
