"""Couriers' reports on stations, and the log of their changes other processes follow.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("station_id", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),  # geo.reports.kinds
        sa.Column("status", sa.Text, nullable=False),  # open | confirmed | dismissed | cleared
        sa.Column("note", sa.Text),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("distance_m", sa.Float),
        sa.Column("far", sa.Integer, nullable=False),
        sa.Column("adcode", sa.Text),
        sa.Column("client_token", sa.Text, nullable=False),  # salted SHA-256
        sa.Column("client_address", sa.Text, nullable=False),  # salted SHA-256
        sa.Column("times", sa.Integer, nullable=False),
        sa.Column("first_at", sa.Text, nullable=False),
        sa.Column("last_at", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Text, nullable=False),
        sa.Column("moderated_at", sa.Text),
        sa.Column("moderated_by", sa.Text),
        sa.Column("moderation_note", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_reports_station_kind", "reports", ["station_id", "kind", "status"])
    op.create_index("ix_reports_status_adcode", "reports", ["status", "adcode", "id"])
    op.create_table(
        "report_changes",
        sa.Column("seq", _ID, primary_key=True),
        sa.Column("station_id", sa.BigInteger, nullable=False),
        sqlite_autoincrement=True,
    )
    # The salt of the digests that stand for who sent a report (geo.storage.reports_sql).
    meta = sa.table("meta", sa.column("key", sa.Text), sa.column("value", sa.Text))
    op.execute(meta.delete().where(meta.c.key == "report_salt"))
    op.execute(meta.insert().values(key="report_salt", value=secrets.token_hex(16)))


def downgrade() -> None:
    op.drop_table("report_changes")
    op.drop_table("reports")
    meta = sa.table("meta", sa.column("key", sa.Text))
    op.execute(meta.delete().where(meta.c.key == "report_salt"))
