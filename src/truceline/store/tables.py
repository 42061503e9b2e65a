"""The schema, as SQLAlchemy Core tables with portable types only.

Times are ``BigInteger`` microseconds since the Unix epoch: exact, sortable and identical
on SQLite and PostgreSQL. Raw records are kept as the canonical JSON text of what arrived,
with a content hash that makes ingest idempotent by id. Every input carries its
originator and markings (who may see it) so access control can filter in SQL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


def _marked() -> list[Column[object]]:
    """Columns every stored record shares: provenance, markings and the raw record."""
    return [
        Column("originator", String(32), nullable=False),
        Column("markings", Text, nullable=False),
        Column("raw", Text, nullable=False),
        Column("content_hash", String(64), nullable=False),
        Column("ingested_us", BigInteger, nullable=False),
    ]


agreements = Table(
    "agreements",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("effective_from_us", BigInteger, nullable=False),
    Column("effective_to_us", BigInteger),
    Column("document", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("loaded_us", BigInteger, nullable=False),
)

sensors = Table(
    "sensors",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("alt_m", Float, nullable=False),
    Column("owner", String(32), nullable=False, index=True),
    Column("timing_sigma_ms", Float, nullable=False),
    Column("bearing_sigma_deg", Float, nullable=False),
    Column("active_from_us", BigInteger),
    Column("active_to_us", BigInteger),
    *_marked(),
)

sensor_status = Table(
    "sensor_status",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("sensor_id", String(64), nullable=False, index=True),
    Column("status", String(32), nullable=False),
    Column("from_us", BigInteger, nullable=False),
    Column("to_us", BigInteger),
    Column("reason", Text),
    Column("content_hash", String(64), nullable=False),
    Column("recorded_us", BigInteger, nullable=False),
    UniqueConstraint("content_hash"),
)

detections = Table(
    "detections",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("sensor_id", String(64), nullable=False, index=True),
    Column("time_us", BigInteger, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("phase", String(16), nullable=False),
    Column("weapon", String(32), nullable=False),
    Column("bearing_deg", Float),
    Column("snr_db", Float),
    *_marked(),
    Index("ix_detections_time_id", "time_us", "id"),
)

weather = Table(
    "weather",
    metadata,
    Column("time_us", BigInteger, primary_key=True),
    Column("temperature_c", Float, nullable=False),
    Column("wind_u_ms", Float, nullable=False),
    Column("wind_v_ms", Float, nullable=False),
    Column("raw", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("ingested_us", BigInteger, nullable=False),
)

observations = Table(
    "observations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("category", String(32), nullable=False),
    Column("time_from_us", BigInteger, nullable=False),
    Column("time_to_us", BigInteger, nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    *_marked(),
    Index("ix_observations_time_id", "time_from_us", "id"),
)

tracks = Table(
    "tracks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("sensor_id", String(64), nullable=False, index=True),
    Column("object", String(32), nullable=False),
    Column("start_us", BigInteger, nullable=False),
    Column("end_us", BigInteger, nullable=False),
    Column("min_lat", Float, nullable=False),
    Column("min_lon", Float, nullable=False),
    Column("max_lat", Float, nullable=False),
    Column("max_lon", Float, nullable=False),
    *_marked(),
    Index("ix_tracks_time_id", "start_us", "id"),
)
