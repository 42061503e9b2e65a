"""One holder per worker name across processes: a lease, so workers can scale out safely.

Several `truceline serve` or `truceline worker` processes may run against one database;
each background worker (live fusion, the judge, ...) must run in exactly one of them at a
time, and another must take over when that process dies. On PostgreSQL a session-level
advisory lock held on a dedicated connection does this (the server releases it when the
connection drops); on SQLite, which lives on one host, an exclusive ``flock`` on a file
beside the database does the same (the kernel releases it when the process dies).
"""

from __future__ import annotations

import fcntl
import hashlib
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from truceline.store.engine import Store


class Lease:
    """Try to become the only holder of ``name``; ``held`` says whether we are."""

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.name = name
        self._conn: Any = None
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._file is not None

    def acquire(self) -> bool:
        """Non-blocking; True when this process holds the lease (again)."""
        if self.held:
            return True
        if self.store.dialect == "postgresql":
            return self._acquire_pg()
        return self._acquire_file()

    def _key(self) -> int:
        return int.from_bytes(hashlib.sha256(self.name.encode()).digest()[:8], "big", signed=True)

    def _acquire_pg(self) -> bool:
        conn = self.store.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key()}).scalar()
        conn.commit()
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def _acquire_file(self) -> bool:
        database = make_url(self.store.url).database or "memory"
        path = Path(f"{database}.{self.name}.lease")
        fh = path.open("ab")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        self._file = fh
        return True

    def release(self) -> None:
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key()})
            self._conn.close()
            self._conn = None
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
