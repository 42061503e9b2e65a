"""The alert tables: alerts (immutable, ledger leaves), subscriptions and deliveries.

Kept beside the other tables' metadata (``truceline.store.tables.metadata``) so the
migrations and the ledger see them; migration ``0009`` creates them. An alert row is
written once and never updated (it is a ledger leaf of kind ``alert``); what changes as
webhooks are sent lives in ``alert_deliveries``, one row per (subscription, alert), whose
attempts and next-attempt time are stored so that a restart loses no retry.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from truceline.store.tables import metadata

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # escalation, grave
    Column("sector", String(128)),
    Column("severity", String(16), nullable=False),
    Column("time_us", BigInteger, nullable=False),  # the crossing, or the grave finding's time
    Column("lat", Float),
    Column("lon", Float),
    Column("agreement_id", String(64)),
    Column("record", Text, nullable=False),  # the alert record (truceline.alerts.model)
    Column("originator", String(32), nullable=False),
    Column("markings", Text, nullable=False),
    Column("audience", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),  # when it was raised (CAP ``sent``)
    Index("ix_alerts_time_id", "time_us", "id"),
    Index("ix_alerts_sector_kind", "sector", "kind"),
)

alert_subscriptions = Table(
    "alert_subscriptions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("principal", String(160), nullable=False, index=True),
    Column("principal_json", Text, nullable=False),  # who it was made as (OIDC callers)
    Column("url", Text, nullable=False),
    Column("secret", Text, nullable=False),  # the HMAC key: needed in clear to sign
    Column("sectors", Text),  # JSON list; NULL = every sector
    Column("kinds", Text, nullable=False),  # JSON list of escalation, grave
    Column("min_severity", String(16), nullable=False),
    Column("format", String(8), nullable=False),  # json, cap
    Column("language", String(8), nullable=False),  # en, uk, ru
    Column("created_us", BigInteger, nullable=False),
    Column("deleted_us", BigInteger),
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("subscription_id", String(40), nullable=False),
    Column("alert_id", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # pending, delivered, dead, withdrawn
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_us", BigInteger, nullable=False),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("created_us", BigInteger, nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    Column("delivered_us", BigInteger),
    UniqueConstraint("subscription_id", "alert_id"),
    Index("ix_alert_deliveries_due", "state", "next_attempt_us"),
)
