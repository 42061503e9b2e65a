"""Audit of reads: every response that carried restricted records is recorded."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from truceline.access.policy import PUBLIC, Principal
from truceline.api.auth import client_address
from truceline.api.deps import get_store
from truceline.clock import now_us
from truceline.services.principals import record_audit

MAX_IDS = 1000


def audit_reads(
    request: Request, principal: Principal, kind: str, items: list[dict[str, Any]]
) -> None:
    """Record who read which non-public records of ``kind``, from where, in one entry."""
    restricted = []
    for item in items:
        fields = item.get("properties", item) if item.get("type") == "Feature" else item
        if "PUBLIC" not in (fields.get("markings") or {}).get("releasable_to", ["MISSION"]):
            restricted.append(str(fields.get("id", fields.get("time"))))
    if not restricted or principal is PUBLIC:
        return
    with get_store(request).write() as conn:
        record_audit(
            conn,
            now_us=now_us(),
            principal=principal.name,
            action="read",
            target=kind,
            client=client_address(request),
            detail={
                "count": len(restricted),
                "ids": restricted[:MAX_IDS],
                "path": request.url.path,
            },
        )
