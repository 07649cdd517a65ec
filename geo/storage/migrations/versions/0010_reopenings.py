"""When a station an editor closed on a courier's report opens again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reopenings",
        sa.Column("station_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("reopens_at", sa.Text, nullable=False),  # UTC, whole seconds
        sa.Column("report_id", sa.BigInteger),  # the confirmed closed_now report
        sa.Column("set_at", sa.Text, nullable=False),
        sa.Column("set_by", sa.Text, nullable=False),  # the audit log's actor id
    )
    op.create_index("ix_reopenings_reopens_at", "reopenings", ["reopens_at"])


def downgrade() -> None:
    op.drop_table("reopenings")
