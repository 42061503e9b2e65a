"""Service-level status of incidents: the stage, when it is due, how late it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from truceline.access.policy import Principal
from truceline.incidents.sla import DEFAULT_TARGETS, SlaTargets, due_at
from truceline.services.incidents import incident_summary
from truceline.store import tables
from truceline.store.visibility import visible
from truceline.timefmt import format_time, from_micros, parse_time


@dataclass(frozen=True, slots=True)
class _Subject:
    id: str
    state: str
    since: datetime
    grave: bool


def sla_of(
    item: dict[str, Any], now_us: int, targets: SlaTargets = DEFAULT_TARGETS
) -> dict[str, Any]:
    """{stage, due_at, overdue_s} for one incident summary (due_at None: no target)."""
    subject = _Subject(item["id"], item["state"], parse_time(item["since"]), item["grave"])
    due = due_at(subject, targets)
    if due is None:
        return {"stage": item["state"], "due_at": None, "overdue_s": 0}
    late = (from_micros(now_us) - due).total_seconds()
    return {"stage": item["state"], "due_at": format_time(due), "overdue_s": max(0, int(late))}


def with_sla(items: list[dict[str, Any]], now_us: int) -> list[dict[str, Any]]:
    return [{**item, "sla": sla_of(item, now_us)} for item in items]


def overdue_incidents(conn: Connection, principal: Principal, now_us: int) -> list[dict[str, Any]]:
    """Visible incidents past their target, latest first."""
    t = tables.incidents
    rows = conn.execute(
        select(t).where(visible(t, principal), t.c.state.notin_(("archived", "duplicate")))
    ).all()
    items = with_sla([incident_summary(r) for r in rows], now_us)
    late = [i for i in items if i["sla"]["overdue_s"] > 0]
    return sorted(late, key=lambda i: -i["sla"]["overdue_s"])
