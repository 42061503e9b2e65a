"""Load, version and look up ceasefire agreements.

Loading version 2 keeps version 1: what happened while version 1 held is judged against
version 1. ``in_force`` answers "which version held at time t": the highest version whose
effective span contains t. ``latest_agreement`` answers "which stored version took effect
last", whatever the time now: the one whose sectors the statistics, reports, alerts and map
layers use.

A stored version never changes (a change is a new version), so parsing a document, which
builds its geometries, is done once per content and kept in a small cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Connection, or_, select

from truceline.agreement import Agreement, parse_agreement
from truceline.errors import ConflictError, NotFoundError
from truceline.services.ledger import append_records
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import format_time, from_micros, to_micros


@dataclass(frozen=True, slots=True)
class LoadResult:
    id: str
    version: int
    created: bool


def load_agreement(store: Store, doc: dict[str, Any], *, source: str, now_us: int) -> LoadResult:
    """Validate and store one agreement version (idempotent for identical content)."""
    agreement = parse_agreement(doc, source=source)
    body = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
    digest = hashlib.sha256(body).hexdigest()
    t = tables.agreements
    with store.write() as conn:
        existing = conn.execute(
            select(t.c.content_hash).where(t.c.id == agreement.id, t.c.version == agreement.version)
        ).scalar()
        if existing is not None:
            if existing != digest:
                raise ConflictError(
                    f"{source}: agreement {agreement.id} version {agreement.version} is already "
                    "stored with different content; a change is a new version"
                )
            return LoadResult(agreement.id, agreement.version, False)
        conn.execute(
            t.insert().values(
                id=agreement.id,
                version=agreement.version,
                title=agreement.title,
                effective_from_us=to_micros(agreement.effective_from),
                effective_to_us=to_micros(agreement.effective_to)
                if agreement.effective_to
                else None,
                document=body.decode(),
                content_hash=digest,
                loaded_us=now_us,
            )
        )
        stored = select(t).where(t.c.id == agreement.id, t.c.version == agreement.version)
        append_records(conn, "agreement", [conn.execute(stored).mappings().one()], now_us=now_us)
    return LoadResult(agreement.id, agreement.version, True)


@lru_cache(maxsize=16)
def _parsed(agreement_id: str, document: str) -> Agreement:
    """The parsed stored ``document`` (keyed by its content; Agreements are immutable)."""
    return parse_agreement(orjson.loads(document), source=f"stored agreement {agreement_id}")


def all_agreements(conn: Connection) -> list[Agreement]:
    """Every stored version of every agreement."""
    t = tables.agreements
    rows = conn.execute(select(t.c.id, t.c.document).order_by(t.c.id, t.c.version))
    return [_parsed(r.id, r.document) for r in rows]


def latest_agreement(conn: Connection) -> Agreement | None:
    """The stored version that took effect last (the highest version on a tie), or None."""
    t = tables.agreements
    row = conn.execute(
        select(t.c.id, t.c.document)
        .order_by(t.c.effective_from_us.desc(), t.c.version.desc(), t.c.id)
        .limit(1)
    ).first()
    return None if row is None else _parsed(row.id, row.document)


def side_codes(agreements: Iterable[Agreement]) -> list[str]:
    """The sides' codes named by any of ``agreements``, sorted."""
    return sorted({c for a in agreements for c in a.side_codes})


def get_agreement(
    conn: Connection,
    agreement_id: str,
    *,
    version: int | None = None,
    at: datetime | None = None,
) -> Agreement:
    """A stored version: the one asked for, the one in force at ``at``, or the latest."""
    t = tables.agreements
    query = select(t.c.document).where(t.c.id == agreement_id)
    if version is not None:
        query = query.where(t.c.version == version)
    if at is not None:
        us = to_micros(at)
        query = query.where(
            t.c.effective_from_us <= us,
            or_(t.c.effective_to_us.is_(None), t.c.effective_to_us > us),
        )
    row = conn.execute(query.order_by(t.c.version.desc()).limit(1)).first()
    if row is None:
        what = f"agreement {agreement_id!r}"
        if version is not None:
            what += f" version {version}"
        if at is not None:
            what += f" in force at {format_time(at)}"
        raise NotFoundError(f"{what} not found")
    return _parsed(agreement_id, row.document)


def in_force(conn: Connection, at: datetime) -> list[Agreement]:
    """Every agreement (one version each) in force at ``at``."""
    t = tables.agreements
    us = to_micros(at)
    rows = conn.execute(
        select(t.c.id, t.c.version, t.c.document)
        .where(
            t.c.effective_from_us <= us,
            or_(t.c.effective_to_us.is_(None), t.c.effective_to_us > us),
        )
        .order_by(t.c.id, t.c.version.desc())
    ).all()
    seen: dict[str, Agreement] = {}
    for r in rows:
        if r.id not in seen:
            seen[r.id] = _parsed(r.id, r.document)
    return list(seen.values())


def list_versions(conn: Connection) -> list[dict[str, Any]]:
    t = tables.agreements
    rows = conn.execute(
        select(
            t.c.id,
            t.c.version,
            t.c.title,
            t.c.effective_from_us,
            t.c.effective_to_us,
            t.c.loaded_us,
        ).order_by(t.c.id, t.c.version)
    ).all()
    return [
        {
            "id": r.id,
            "version": r.version,
            "title": r.title,
            "effective_from": format_time(from_micros(r.effective_from_us)),
            "effective_to": format_time(from_micros(r.effective_to_us))
            if r.effective_to_us
            else None,
            "loaded_at": format_time(from_micros(r.loaded_us)),
        }
        for r in rows
    ]


def summary(agreement: Agreement) -> dict[str, Any]:
    """A short description of one version, for `agreement show` and the API."""
    roles: dict[str, int] = {}
    for f in agreement.features:
        roles[f.role] = roles.get(f.role, 0) + 1
    return {
        "id": agreement.id,
        "version": agreement.version,
        "title": agreement.title,
        "effective_from": format_time(agreement.effective_from),
        "effective_to": format_time(agreement.effective_to) if agreement.effective_to else None,
        "sides": [{"code": s.code, "name": s.name} for s in agreement.sides],
        "withdrawal_km": agreement.withdrawal_km,
        "prohibited": list(agreement.prohibited),
        "features": roles,
    }
