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
    LargeBinary,
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
    """Columns every stored record shares: provenance, markings and the raw record.

    ``audience`` holds the markings' release tokens as `` TOKEN TOKEN `` (space-delimited,
    with a leading and trailing space) so the query layer can filter by what a principal
    may see with a portable ``LIKE '% TOKEN %'`` on SQLite and PostgreSQL alike.
    """
    return [
        Column("originator", String(32), nullable=False),
        Column("markings", Text, nullable=False),
        Column("audience", Text, nullable=False, server_default=" MISSION "),
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

principals = Table(
    "principals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("nation", String(32), nullable=False),
    Column("roles", Text, nullable=False),
    Column("side", String(32)),
    Column("created_us", BigInteger, nullable=False),
    Column("revoked_us", BigInteger),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("principal_id", Integer, nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("expires_us", BigInteger),
    Column("revoked_us", BigInteger),
    Column("last_used_us", BigInteger),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("time_us", BigInteger, nullable=False, index=True),
    Column("principal", String(160), nullable=False, index=True),
    Column("action", String(64), nullable=False),
    Column("target", Text, nullable=False),
    Column("client", String(128)),
    Column("detail", Text, nullable=False),
)

# --- the tamper-evident log (docs/ledger.md) ---------------------------------------------

ledger_head = Table(
    "ledger_head",
    metadata,
    # One row (id = 1): the log's size. Appenders lock it (FOR UPDATE on PostgreSQL), which
    # makes the log a single sequencer however many workers write.
    Column("id", Integer, primary_key=True),
    Column("size", BigInteger, nullable=False),
)

ledger_leaves = Table(
    "ledger_leaves",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("record_id", String(160), nullable=False),
    Column("salt", LargeBinary(32), nullable=False),
    Column("markings", Text, nullable=False),
    Column("appended_us", BigInteger, nullable=False),
    Index("ix_ledger_leaves_record", "kind", "record_id"),
)

ledger_nodes = Table(
    "ledger_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

ledger_keys = Table(
    "ledger_keys",
    metadata,
    Column("vkey", String(200), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),  # "log" or "witness"
    Column("created_us", BigInteger, nullable=False),
    Column("retired_us", BigInteger),
)

ledger_checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("size", BigInteger, nullable=False, index=True),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("issued_us", BigInteger, nullable=False),
)

ledger_cosignatures = Table(
    "ledger_cosignatures",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("checkpoint_seq", Integer, nullable=False, index=True),
    Column("witness", String(128), nullable=False),
    Column("signature_line", Text, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("received_us", BigInteger, nullable=False),
    UniqueConstraint("checkpoint_seq", "witness"),
)

# --- derived records: fused events and rule findings ---------------------------------------


def _derived() -> list[Column[object]]:
    """Columns of every derived record: its interchange JSON and its derived markings."""
    return [
        Column("record", Text, nullable=False),
        Column("originator", String(32), nullable=False),
        Column("markings", Text, nullable=False),
        Column("audience", Text, nullable=False),
        Column("created_us", BigInteger, nullable=False),
    ]


def _event_columns() -> list[Column[object]]:
    """Columns of a fused event (docs/formats/events.md), released or provisional."""
    return [
        Column("id", String(64), primary_key=True),
        Column("time_us", BigInteger, nullable=False),
        Column("lat", Float, nullable=False),
        Column("lon", Float, nullable=False),
        Column("phase", String(16), nullable=False),
        Column("weapon", String(32), nullable=False),
        Column("side", String(32)),
        Column("paired_with", String(64)),
        Column("n_sensors", Integer, nullable=False),
        *_derived(),
    ]


# The live stream reads each kind it sends by the stamp of its storing (``created_us``,
# an incident's ``updated_us``) every second for every client: without an index on it,
# each read scans the table and sorts it (a poll of a store of a million events took
# 234 ms on SQLite and 169 ms on PostgreSQL without, 5.1 and 6.7 ms with: migration
# 0015, benchmarks/stream_poll.py).
events = Table(
    "events",
    metadata,
    *_event_columns(),
    Index("ix_events_time_id", "time_us", "id"),
    Index("ix_events_created_us", "created_us"),
)

# Live fusion's events located and not yet released (FusionEngine.provisional): each row
# goes when its event is stored in ``events`` (the same id), when the release front passes
# it, or when a new engine (a restarted worker) replaces them all with what its replay
# located. Not in the ledger: the event released is.
provisional_events = Table(
    "provisional_events",
    metadata,
    *_event_columns(),
    Index("ix_provisional_events_time_id", "time_us", "id"),
    Index("ix_provisional_events_created_us", "created_us"),
)

# Provisional events withdrawn unreleased: live fusion revised one it gave early, a
# restarted worker's replay located otherwise, or the release front passed one. The live
# feed reads them (``event: withdrawn``) so an open map drops the marker; each keeps the
# markings of the row it stands for, so only those who saw the event see it go. Kept a
# day (``WITHDRAWN_KEEP_US``), then pruned.
withdrawn_events = Table(
    "withdrawn_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False),
    Column("time_us", BigInteger, nullable=False),
    Column("reason", String(16), nullable=False),
    Column("originator", String(32), nullable=False),
    Column("markings", Text, nullable=False),
    Column("audience", Text, nullable=False),
    Column("withdrawn_us", BigInteger, nullable=False, index=True),
)

findings = Table(
    "findings",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("rule", String(48), nullable=False),
    Column("time_us", BigInteger, nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("responsible_side", String(32)),
    Column("affected_side", String(32)),
    Column("grave", Integer, nullable=False),
    Column("agreement_id", String(64), nullable=False),
    Column("agreement_version", Integer, nullable=False),
    *_derived(),
    Index("ix_findings_time_id", "time_us", "id"),
    Index("ix_findings_created_us", "created_us"),
)

fusion_progress = Table(
    "fusion_progress",
    metadata,
    # One row (id = 1): the live fusion's watermark. Detections older than it have been
    # fused; on restart the service re-reads from the last block boundary before it.
    Column("id", Integer, primary_key=True),
    Column("watermark_us", BigInteger, nullable=False),
    # The clock corrections in force at that watermark (JSON,
    # FusionEngine.clock_corrections), restored by a restarted worker.
    Column("clocks", Text, nullable=True),
    # Every event with an origin time before this (µs) has been stored: later ones may
    # still come (FusionEngine.released_to_s; GET /api/v1/events says it).
    Column("complete_us", BigInteger, nullable=True),
)

# --- incidents, decisions, evidence -----------------------------------------------------

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("state", String(32), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("state_json", Text, nullable=False),  # truceline.incidents.IncidentState.as_dict
    Column("title", Text, nullable=False),
    Column("category", String(32), nullable=False),
    Column("time_from_us", BigInteger, nullable=False),
    Column("time_to_us", BigInteger, nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("uncertainty_m", Float),
    Column("sector", String(128)),
    Column("grade", String(16), nullable=False),
    Column("grade_reason", Text, nullable=False),
    Column("grave", Integer, nullable=False),
    Column("responsible_side", String(32)),
    Column("affected_side", String(32)),
    Column("since_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    *_derived(),
    Index("ix_incidents_time_id", "time_from_us", "id"),
    Index("ix_incidents_updated_us", "updated_us"),
)

incident_sources = Table(
    "incident_sources",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("source_id", String(160), primary_key=True),
    Column("attached_us", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_incident_sources_source", "kind", "source_id"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", String(96), primary_key=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor", String(160), nullable=False),
    Column("role", String(32), nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("record", Text, nullable=False),  # Decision.as_dict
    UniqueConstraint("incident_id", "version"),
)

duplicate_proposals = Table(
    "duplicate_proposals",
    metadata,
    Column("incident_a", String(64), primary_key=True),
    Column("incident_b", String(64), primary_key=True),
    Column("score", Float, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),  # open, accepted, rejected
    Column("created_us", BigInteger, nullable=False),
)

evidence = Table(
    "evidence",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("filename", Text, nullable=False),
    Column("media_type", String(128), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sensitive", Integer, nullable=False),
    Column("description", Text),
    Column("originator", String(32), nullable=False),
    Column("markings", Text, nullable=False),
    Column("audience", Text, nullable=False),
    Column("uploaded_by", String(160), nullable=False),
    Column("uploaded_us", BigInteger, nullable=False),
)

evidence_links = Table(
    "evidence_links",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("linked_us", BigInteger, nullable=False),
)

custody = Table(
    "custody",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False, index=True),
    Column("at_us", BigInteger, nullable=False),
    Column("who", String(160), nullable=False),
    Column("client", String(128)),
    Column("action", String(32), nullable=False),
    Column("detail", Text, nullable=False),
)

worker_progress = Table(
    "worker_progress",
    metadata,
    # Where each polling worker got to (the newest stored-at time it has processed), so a
    # restarted worker resumes; its effects are idempotent, so an overlap is harmless.
    Column("name", String(64), primary_key=True),
    Column("cursor_us", BigInteger, nullable=False),
)

incident_versions = Table(
    "incident_versions",
    metadata,
    # Append-only history of what an incident row showed (sources, grade, sides): each
    # change is a new row and a new ledger leaf, so old versions stay verifiable.
    Column("id", String(96), primary_key=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("record", Text, nullable=False),
    Column("originator", String(32), nullable=False),
    Column("markings", Text, nullable=False),
    Column("audience", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

releases = Table(
    "releases",
    metadata,
    # Sanitised releases (tearlines): an authorised person's explicit decision to release a
    # version of a derived record, with named fields withheld, to a wider audience.
    Column("id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("record_id", String(160), nullable=False, index=True),
    Column("record", Text, nullable=False),
    Column("withheld", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_by", String(160), nullable=False),
    Column("originator", String(32), nullable=False),
    Column("markings", Text, nullable=False),
    Column("audience", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
)
