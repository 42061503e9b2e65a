"""fusion clock corrections

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 03:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fusion_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clocks", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fusion_progress", schema=None) as batch_op:
        batch_op.drop_column("clocks")
