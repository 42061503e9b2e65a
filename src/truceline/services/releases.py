"""Sanitised releases (tearlines) of derived records.

A finding, event or incident is releasable only where all of its inputs are. To tell a party
or the public about it anyway, an authorised person (a commissioner or an administrator)
releases a sanitised version: the record with named fields withheld, to a named wider
audience. The release is a record of its own (the original stays as marked), an audited
access-control change, and a ledger leaf. Originator-controlled (ORCON) records are refused:
only their originator may widen them.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import Connection, select

from truceline.access.policy import Principal
from truceline.errors import BadRequestError, ForbiddenError, NotFoundError
from truceline.formats.records import Markings
from truceline.services.incidents import incident_summary
from truceline.services.ledger import append_records
from truceline.services.principals import record_audit
from truceline.services.queries import record_fields
from truceline.services.rows import audience, markings_json
from truceline.store import tables
from truceline.store.visibility import visible

TABLES = {"finding": tables.findings, "event": tables.events, "incident": tables.incidents}


def _record(kind: str, row: Any) -> dict[str, Any]:
    if kind == "incident":
        out = incident_summary(row)
        out.pop("markings", None)
        return out
    record = dict(orjson.loads(row.record))
    record_fields(record).pop("markings", None)
    return record


def withhold(record: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """A copy of ``record`` without the fields at the dotted ``paths`` (all must exist)."""
    out = copy.deepcopy(record)
    for path in paths:
        *parents, last = path.split(".")
        node: Any = out
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or last not in node:
            raise BadRequestError(f"withheld: {path!r} is not a field of this record")
        del node[last]
    return out


def release(
    conn: Connection,
    principal: Principal,
    *,
    kind: str,
    record_id: str,
    releasable_to: list[str],
    withheld: list[str],
    reason: str,
    now_us: int,
    client: str | None,
) -> dict[str, Any]:
    table = TABLES.get(kind)
    if table is None:
        raise BadRequestError(f"kind: one of {sorted(TABLES)}")
    if not reason.strip():
        raise BadRequestError("reason: say why this release is made")
    row = conn.execute(
        select(table).where(table.c.id == record_id, visible(table, principal))
    ).first()
    if row is None:
        raise NotFoundError(f"{kind} {record_id!r} not found")
    original = Markings.model_validate(orjson.loads(row.markings))
    if original.originator_controlled:
        raise ForbiddenError(
            f"{kind} {record_id} rests on originator-controlled data: only its "
            "originators may widen its release"
        )
    sanitised = withhold(_record(kind, row), withheld)
    public = "PUBLIC" in releasable_to
    mk = Markings(
        releasable_to=sorted(set(releasable_to)),
        tlp="CLEAR" if public else "GREEN",
        originator="MISSION",
    )
    key = f"{kind}:{record_id}:{','.join(mk.releasable_to)}:{','.join(sorted(withheld))}"
    rid = "rel-" + hashlib.sha256(key.encode()).hexdigest()[:16]
    if conn.execute(select(tables.releases.c.id).where(tables.releases.c.id == rid)).first():
        return get_release(conn, rid, principal)
    db_row = {
        "id": rid,
        "kind": kind,
        "record_id": record_id,
        "record": orjson.dumps(sanitised).decode(),
        "withheld": orjson.dumps(sorted(withheld)).decode(),
        "reason": reason,
        "decided_by": principal.name,
        "originator": "MISSION",
        "markings": markings_json(mk),
        "audience": audience(mk),
        "created_us": now_us,
    }
    conn.execute(tables.releases.insert().values(**db_row))
    append_records(conn, "release", [db_row], now_us=now_us)
    record_audit(
        conn,
        now_us=now_us,
        principal=principal.name,
        action="access.release",
        target=f"{kind}:{record_id}",
        client=client,
        detail={
            "release": rid,
            "releasable_to": mk.releasable_to,
            "withheld": sorted(withheld),
            "reason": reason,
        },
    )
    return _view(db_row)


def _view(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A stored release as the API shows it (the same for a new and a repeated release)."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "record_id": row["record_id"],
        "record": orjson.loads(row["record"]),
        "withheld": orjson.loads(row["withheld"]),
        "reason": row["reason"],
        "decided_by": row["decided_by"],
        "markings": orjson.loads(row["markings"]),
    }


def get_release(conn: Connection, release_id: str, principal: Principal) -> dict[str, Any]:
    t = tables.releases
    row = conn.execute(select(t).where(t.c.id == release_id, visible(t, principal))).first()
    if row is None:
        raise NotFoundError(f"release {release_id!r} not found")
    return _view(row._mapping)


def list_releases(conn: Connection, principal: Principal, limit: int = 100) -> list[dict[str, Any]]:
    t = tables.releases
    rows = conn.execute(
        select(t).where(visible(t, principal)).order_by(t.c.created_us).limit(limit)
    )
    return [_view(r._mapping) for r in rows]
