"""Audit from the HTTP edge: every response that carried restricted records is recorded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request

from truceline.access.policy import PUBLIC, Principal
from truceline.api.auth import client_address
from truceline.api.deps import get_store
from truceline.clock import now_us
from truceline.services.principals import record_audit
from truceline.services.queries import record_fields

MAX_IDS = 1000


def record(
    request: Request, principal: Principal, action: str, target: str, detail: dict[str, Any]
) -> None:
    """One audit entry for this request: the caller, its address and now."""
    with get_store(request).write() as conn:
        record_audit(
            conn,
            now_us=now_us(),
            principal=principal.name,
            action=action,
            target=target,
            client=client_address(request),
            detail=detail,
        )


def record_restricted(
    request: Request,
    principal: Principal,
    target: str,
    ids: Sequence[str],
    *,
    count: int | None = None,
    action: str = "read",
    **about: Any,
) -> None:
    """Record that restricted records left (how many, the first ids, by which path).

    ``count`` defaults to ``len(ids)``; the anonymous public, who receives only public
    records, is not audited.
    """
    if principal is PUBLIC:
        return
    detail = {
        **about,
        "count": len(ids) if count is None else count,
        "ids": list(ids[:MAX_IDS]),
        "path": request.url.path,
    }
    record(request, principal, action, target, detail)


def audit_reads(
    request: Request, principal: Principal, kind: str, items: list[dict[str, Any]]
) -> None:
    """Record who read which non-public records of ``kind``, from where, in one entry."""
    restricted = []
    for item in items:
        fields = record_fields(item)
        if "PUBLIC" not in (fields.get("markings") or {}).get("releasable_to", ["MISSION"]):
            restricted.append(str(fields.get("id", fields.get("time"))))
    if restricted:
        record_restricted(request, principal, kind, restricted)
