"""fusion release front

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 21:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fusion_progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("complete_us", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fusion_progress", schema=None) as batch_op:
        batch_op.drop_column("complete_us")
