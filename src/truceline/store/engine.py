"""The Store: one handle on the database for services, same API on SQLite and PostgreSQL.

SQLite is run the way datasette runs it: WAL journal so readers never wait for the writer,
and a single writer at a time inside the process (a lock around write transactions), with
a busy timeout for writers in other processes. That removes "database is locked" under
concurrent ingest and reads. PostgreSQL needs neither; its transactions serialise what must
be serialised (the ledger's sequencer takes a row lock of its own).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from truceline.errors import ConfigError

_WRITE_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # pysqlite's own BEGIN handling is broken for savepoints and defers the write lock;
    # issuing BEGIN IMMEDIATE ourselves takes the write lock up front, so two writers
    # queue on busy_timeout instead of failing with "database is locked" mid-way.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")


class Store:
    """Connections to the database: ``read()`` for queries, ``write()`` for transactions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        try:
            parsed = make_url(url)
        except Exception as exc:  # sqlalchemy raises ArgumentError with a clear message
            raise ConfigError(f"TRUCELINE_DATABASE_URL is not a database URL: {exc}") from exc
        self.url = url
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                url, echo=echo, poolclass=NullPool, connect_args={"check_same_thread": False}
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(
                self.engine,
                "connect",
                lambda dbapi_conn, _r: setattr(dbapi_conn, "isolation_level", None),
            )
            event.listen(self.engine, "begin", _sqlite_begin)
        elif self.dialect == "postgresql":
            self.engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=8)
        else:
            raise ConfigError(f"unsupported database {self.dialect!r}: use sqlite or postgresql")
        with _LOCKS_GUARD:
            self._write_lock = _WRITE_LOCKS.setdefault(url, threading.RLock())

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for queries (a snapshot transaction, rolled back at the end)."""
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: all or nothing, one writer at a time on SQLite."""
        lock = self._write_lock if self.dialect == "sqlite" else None
        if lock is not None:
            lock.acquire()
        try:
            with self.engine.connect() as conn:
                conn.info["write"] = True
                with conn.begin():
                    yield conn
        finally:
            if lock is not None:
                lock.release()

    def migrate(self) -> None:
        """Bring the schema to the latest Alembic revision."""
        from truceline.store.migrate import upgrade

        upgrade(self)

    def dispose(self) -> None:
        self.engine.dispose()
