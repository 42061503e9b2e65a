"""live fusion's provisional events

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provisional_events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("time_us", sa.BigInteger(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("weapon", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=32), nullable=True),
        sa.Column("paired_with", sa.String(length=64), nullable=True),
        sa.Column("n_sensors", sa.Integer(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("originator", sa.String(length=32), nullable=False),
        sa.Column("markings", sa.Text(), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisional_events")),
    )
    with op.batch_alter_table("provisional_events", schema=None) as batch_op:
        batch_op.create_index("ix_provisional_events_time_id", ["time_us", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("provisional_events", schema=None) as batch_op:
        batch_op.drop_index("ix_provisional_events_time_id")
    op.drop_table("provisional_events")
