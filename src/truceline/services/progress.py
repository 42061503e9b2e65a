"""Where each polling worker got to: the newest stored-at time it has processed.

A restarted worker resumes from its cursor; its effects are idempotent, so an overlap is
harmless.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from truceline.store import tables


def cursor(conn: Connection, worker: str) -> int:
    """The worker's cursor (microseconds), 0 before its first save."""
    w = tables.worker_progress
    return int(conn.execute(select(w.c.cursor_us).where(w.c.name == worker)).scalar() or 0)


def save_cursor(conn: Connection, worker: str, cursor_us: int) -> None:
    w = tables.worker_progress
    if conn.execute(select(w.c.name).where(w.c.name == worker)).first() is None:
        conn.execute(w.insert().values(name=worker, cursor_us=cursor_us))
    else:
        conn.execute(update(w).where(w.c.name == worker).values(cursor_us=cursor_us))
