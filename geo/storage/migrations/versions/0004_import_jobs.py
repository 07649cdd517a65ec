"""Import jobs: each API import runs in a process of its own; its state lives here.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Text, primary_key=True),  # 32 random hex digits
        sa.Column("status", sa.Text, nullable=False),  # queued | running | succeeded | failed
        sa.Column("actor", sa.Text, nullable=False),  # as in the audit log: key:3, bootstrap
        sa.Column("actor_name", sa.Text, nullable=False),
        sa.Column("actor_role", sa.Text, nullable=False),  # admin | editor
        sa.Column("actor_adcodes", sa.Text, nullable=False),  # JSON list of 6-digit codes
        sa.Column("file", sa.Text, nullable=False),  # the name the user gave the file
        sa.Column("mode", sa.Text, nullable=False),  # commit | atomic | dry_run
        sa.Column("options", sa.Text, nullable=False),  # JSON: crs, sheet, encoding, columns
        # Who runs it: the host, and the process (pid:start time) that answers for the
        # job, first the server that started it, then the import's own process.
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("process", sa.Text),
        sa.Column("rows_done", sa.BigInteger, nullable=False),
        sa.Column("rows_total", sa.BigInteger),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("started_at", sa.Text),
        sa.Column("heartbeat_at", sa.Text, nullable=False),
        sa.Column("finished_at", sa.Text),
        sa.Column("report", sa.Text),  # JSON: the import report, once it succeeded
        sa.Column("error", sa.Text),  # JSON: code, message, message_zh, details
    )
    op.create_index("ix_import_jobs_host_status", "import_jobs", ["host", "status"])


def downgrade() -> None:
    op.drop_table("import_jobs")
