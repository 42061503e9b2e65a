"""Principals, API tokens and the audit log.

Tokens are random (32 bytes, URL-safe), shown once, and stored only as their SHA-256: a
stolen database does not yield usable tokens, and random tokens need no slow password hash.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, func, select, update

from truceline.access.policy import Principal, parse_roles
from truceline.errors import BadRequestError, ConflictError, NotFoundError
from truceline.services.ledger import append_records
from truceline.services.ledger_kinds import is_access_change
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import format_time, from_micros

TOKEN_PREFIX = "tl_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewPrincipal:
    principal: Principal
    token: str


def add_principal(
    store: Store,
    *,
    name: str,
    nation: str,
    roles: list[str],
    side: str | None,
    kind: str = "user",
    expires_us: int | None,
    now_us: int,
    actor: str,
    client: str | None = None,
) -> NewPrincipal:
    """Create a principal and its first token (returned once, never stored in clear)."""
    try:
        role_set = parse_roles(roles)
    except ValueError as exc:
        raise BadRequestError(f"roles: {exc}") from None
    if not role_set:
        raise BadRequestError("roles: give at least one role")
    if ("party_liaison" in role_set) != (side is not None):
        raise BadRequestError("side: a party_liaison is bound to exactly one side, others to none")
    if kind not in ("user", "service"):
        raise BadRequestError("kind: user or service")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.write() as conn:
        if conn.execute(
            select(tables.principals.c.id).where(tables.principals.c.name == name)
        ).first():
            raise ConflictError(f"principal {name!r} already exists")
        inserted = conn.execute(
            tables.principals.insert().values(
                name=name,
                kind=kind,
                nation=nation,
                roles=orjson.dumps(sorted(role_set)).decode(),
                side=side,
                created_us=now_us,
            )
        ).inserted_primary_key
        assert inserted is not None
        pid = inserted[0]
        conn.execute(
            tables.api_tokens.insert().values(
                principal_id=pid,
                token_hash=hash_token(token),
                prefix=token[:10],
                created_us=now_us,
                expires_us=expires_us,
            )
        )
        record_audit(
            conn,
            now_us=now_us,
            principal=actor,
            action="principal.add",
            target=name,
            client=client,
            detail={"nation": nation, "roles": sorted(role_set), "side": side},
        )
    return NewPrincipal(Principal(name, nation, role_set, side, kind, int(pid)), token)


def revoke_principal(
    store: Store, name: str, *, now_us: int, actor: str, client: str | None = None
) -> None:
    """Revoke a principal and every token it holds."""
    p = tables.principals
    with store.write() as conn:
        pid = conn.execute(
            select(p.c.id).where(p.c.name == name, p.c.revoked_us.is_(None))
        ).scalar()
        if pid is None:
            raise NotFoundError(f"principal {name!r} not found")
        conn.execute(update(p).where(p.c.id == pid).values(revoked_us=now_us))
        conn.execute(
            update(tables.api_tokens)
            .where(
                tables.api_tokens.c.principal_id == pid, tables.api_tokens.c.revoked_us.is_(None)
            )
            .values(revoked_us=now_us)
        )
        record_audit(
            conn,
            now_us=now_us,
            principal=actor,
            action="principal.revoke",
            target=name,
            client=client,
            detail={},
        )


def list_principals(conn: Connection) -> list[dict[str, Any]]:
    p, t = tables.principals, tables.api_tokens
    used = (
        select(t.c.principal_id, func.max(t.c.last_used_us).label("last_used_us"))
        .group_by(t.c.principal_id)
        .subquery()
    )
    query = (
        select(p, used.c.last_used_us)
        .outerjoin(used, used.c.principal_id == p.c.id)
        .order_by(p.c.name)
    )
    return [
        {
            "name": row.name,
            "kind": row.kind,
            "nation": row.nation,
            "roles": orjson.loads(row.roles),
            "side": row.side,
            "created_at": format_time(from_micros(row.created_us)),
            "revoked_at": format_time(from_micros(row.revoked_us)) if row.revoked_us else None,
            "last_used_at": (
                format_time(from_micros(row.last_used_us)) if row.last_used_us else None
            ),
        }
        for row in conn.execute(query)
    ]


def authenticate_token(store: Store, token: str, *, now_us: int) -> Principal | None:
    """The principal holding a valid (unexpired, unrevoked) token, or None."""
    p, t = tables.principals, tables.api_tokens
    with store.read() as conn:
        row = conn.execute(
            select(
                p.c.id,
                p.c.name,
                p.c.nation,
                p.c.roles,
                p.c.side,
                p.c.kind,
                t.c.id.label("tid"),
                t.c.expires_us,
                t.c.last_used_us,
            )
            .join(t, t.c.principal_id == p.c.id)
            .where(
                t.c.token_hash == hash_token(token),
                t.c.revoked_us.is_(None),
                p.c.revoked_us.is_(None),
            )
        ).first()
    if row is None or (row.expires_us is not None and row.expires_us <= now_us):
        return None
    if row.last_used_us is None or now_us - row.last_used_us > 60_000_000:
        # last-used time to the minute: no write on every request
        with store.write() as conn:
            conn.execute(update(t).where(t.c.id == row.tid).values(last_used_us=now_us))
    return principal_from_row(row)


def principal_from_row(row: Any) -> Principal:
    """The Principal of a ``principals`` row (id, name, nation, roles as JSON, side, kind)."""
    return Principal(
        row.name, row.nation, frozenset(orjson.loads(row.roles)), row.side, row.kind, row.id
    )


def active_principal(conn: Connection, name: str) -> Principal | None:
    """The stored, unrevoked principal called ``name``, or None."""
    p = tables.principals
    row = conn.execute(select(p).where(p.c.name == name, p.c.revoked_us.is_(None))).first()
    return None if row is None else principal_from_row(row)


def record_audit(
    conn: Connection,
    *,
    now_us: int,
    principal: str,
    action: str,
    target: str,
    client: str | None,
    detail: dict[str, Any],
) -> None:
    """Append one audit entry inside the caller's transaction (access changes join the ledger)."""
    entry = {
        "time_us": now_us,
        "principal": principal,
        "action": action,
        "target": target,
        "client": client,
        "detail": orjson.dumps(detail).decode(),
    }
    key = conn.execute(tables.audit_log.insert().values(**entry)).inserted_primary_key
    if is_access_change(action):
        assert key is not None
        append_records(conn, "access_change", [{**entry, "seq": key[0]}], now_us=now_us)


def query_audit(
    conn: Connection,
    *,
    principal: str | None = None,
    action: str | None = None,
    since_us: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    a = tables.audit_log
    q = select(a).order_by(a.c.seq.desc()).limit(limit)
    if principal:
        q = q.where(a.c.principal == principal)
    if action:
        q = q.where(a.c.action.like(f"{action}%"))
    if since_us is not None:
        q = q.where(a.c.time_us >= since_us)
    return [
        {
            "seq": r.seq,
            "time": format_time(from_micros(r.time_us)),
            "principal": r.principal,
            "action": r.action,
            "target": r.target,
            "client": r.client,
            "detail": orjson.loads(r.detail),
        }
        for r in conn.execute(q)
    ]
