"""Persistence: SQLAlchemy Core tables, Alembic migrations, and the Store handle.

The same code runs on the embedded SQLite default and on PostgreSQL; only portable column
types are used (times are integer microseconds since the epoch, JSON is text).
"""

from truceline.store.engine import Store

__all__ = ["Store"]
