"""Access control in the query layer: the SQL twin of ``truceline.access.policy.can_see``.

Every read path (lists, single records, counts, exports, feeds) adds this clause, so a record
a principal may not see never leaves the database for it, and counts never include it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, false, or_, true

from truceline.access.markings import NOBODY
from truceline.access.policy import Principal, originator_code, release_tokens


def _like_token(token: str) -> str:
    escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"% {escaped} %"


def visible(table: Table, principal: Principal) -> ColumnElement[bool]:
    """Rows of ``table`` (which has ``audience`` and ``originator``) ``principal`` may see."""
    if not principal.may("read"):
        return false()
    audience = table.c.audience
    clauses: list[ColumnElement[bool]] = [
        audience.like(_like_token(t), escape="\\") for t in sorted(release_tokens(principal))
    ]
    own = originator_code(principal)
    if own is not None:
        clauses.append(table.c.originator == own)
    if "admin" in principal.roles:
        clauses.append(audience.like(_like_token(NOBODY), escape="\\"))
    return or_(*clauses) if clauses else false()


def mission_only(principal: Principal) -> ColumnElement[bool]:
    """For unmarked operational data (weather): the mission's staff only."""
    return true() if "MISSION" in release_tokens(principal) else false()
