"""The ``reports`` table: every published report, its bytes and its digest.

Kept beside the other tables' metadata (``truceline.store.tables.metadata``) so the
migrations and the ledger see it; migration ``0008`` creates it. A published report is a
ledger leaf of kind ``report`` (``services.ledger_kinds``) committing every column except
``content``, whose SHA-256 (``sha256``, also the row's id) the leaf commits instead.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, LargeBinary, String, Table, Text

from truceline.store.tables import metadata

reports = Table(
    "reports",
    metadata,
    Column("id", String(64), primary_key=True),  # the report's SHA-256 (hex)
    Column("kind", String(16), nullable=False),  # daily, public_daily, spot
    Column("subject", String(64), nullable=False),  # the day (YYYY-MM-DD) or incident id
    Column("lang", String(8), nullable=False),
    Column("format", String(8), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("published_by", String(160), nullable=False),
    Column("published_us", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("originator", String(32), nullable=False),
    Column("markings", Text, nullable=False),
    Column("audience", Text, nullable=False),
    Index("ix_reports_subject", "kind", "subject"),
)
