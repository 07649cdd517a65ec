"""API keys (stored as SHA-256 hashes) and the audit log of every write.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite: a rowid alias


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("prefix", sa.Text, nullable=False),
        # SHA-256 of the whole key, hex: keys are 32 random bytes, so a fast hash is
        # enough (a slow password hash guards low-entropy secrets, which these are not).
        sa.Column("key_hash", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),  # admin | editor
        sa.Column("adcodes", sa.Text, nullable=False),  # JSON list of 6-digit codes
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.Text),
        sa.Column("last_used_at", sa.Text),
        sqlite_autoincrement=True,  # ids are never reused: the log names keys by id
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", ID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("actor_name", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("station_id", sa.BigInteger),
        sa.Column("before", sa.Text),  # JSON
        sa.Column("after", sa.Text),  # JSON
        sa.Column("summary", sa.Text),  # JSON
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_station_id", "audit_log", ["station_id", "seq"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "seq"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("api_keys")
