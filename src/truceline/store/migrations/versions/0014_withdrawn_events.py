"""provisional events withdrawn unreleased, for the live feed

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "withdrawn_events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("time_us", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("originator", sa.String(length=32), nullable=False),
        sa.Column("markings", sa.Text(), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("withdrawn_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_withdrawn_events")),
    )
    with op.batch_alter_table("withdrawn_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_withdrawn_events_withdrawn_us"), ["withdrawn_us"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("withdrawn_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_withdrawn_events_withdrawn_us"))
    op.drop_table("withdrawn_events")
