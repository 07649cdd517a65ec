"""An import's created stations logged one row per batch, not one row per station.

Until now an import wrote one ``audit_log`` row per station it created, with the
station's fields as JSON: 9.5 us a row of SQLite's own time (the row and its three
indexes), as much as a third of what any importer must spend writing our registry
(docs/performance.md, "Import"). Each batch of an import's creations is now one row
here: the seqs the entries take in the log (drawn from ``audit_log``'s own counter, so
they interleave with every other entry as before), the new stations' ids, and their
fields. Reading the log (``geo.storage.audit_batches``) shows each station's ``create``
entry exactly as before. Entries written before this revision stay where they are.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite: a rowid alias


def upgrade() -> None:
    op.create_table(
        "audit_batches",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("actor_name", sa.Text, nullable=False),
        sa.Column("first_seq", sa.BigInteger, nullable=False),  # the entries' seqs: a range
        sa.Column("last_seq", sa.BigInteger, nullable=False),  # holding all of them
        sa.Column("first_station", sa.BigInteger, nullable=False),  # likewise the ids
        sa.Column("last_station", sa.BigInteger, nullable=False),
        sa.Column("seqs", sa.Text, nullable=False),  # JSON lists, one item per station
        sa.Column("station_ids", sa.Text, nullable=False),
        sa.Column("records", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_batches_last_seq", "audit_batches", ["last_seq"])
    op.create_index("ix_audit_batches_stations", "audit_batches", ["last_station", "first_station"])


def downgrade() -> None:
    # Back to one row per created station, at the seqs the entries had: nothing is lost.
    bind = op.get_bind()
    batches = bind.execute(
        sa.text("SELECT at, actor, actor_name, seqs, station_ids, records FROM audit_batches")
    ).all()
    insert = sa.text(
        'INSERT INTO audit_log (seq, at, actor, actor_name, action, station_id, "after") '
        "VALUES (:seq, :at, :actor, :actor_name, 'create', :station_id, :after)"
    )
    for at, actor, actor_name, seqs, station_ids, records in batches:
        rows = zip(json.loads(seqs), json.loads(station_ids), json.loads(records), strict=True)
        bind.execute(
            insert,
            [
                {
                    "seq": seq,
                    "at": at,
                    "actor": actor,
                    "actor_name": actor_name,
                    "station_id": station_id,
                    "after": json.dumps(record, ensure_ascii=False, separators=(",", ":")),
                }
                for seq, station_id, record in rows
            ],
        )
    op.drop_table("audit_batches")
