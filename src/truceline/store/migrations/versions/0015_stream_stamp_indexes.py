"""indexes on the stamps the live stream reads by

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 13:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

STAMPS = (
    ("events", "created_us"),
    ("provisional_events", "created_us"),
    ("findings", "created_us"),
    ("incidents", "updated_us"),
)


def upgrade() -> None:
    for table, column in STAMPS:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def downgrade() -> None:
    for table, column in STAMPS:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
