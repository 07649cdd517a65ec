"""Stations can be found by a piece of their name or address (``q``).

Adds ``search_grams`` (the bigrams of name and address: ``geo.textsearch``), fills it
for the stations already stored, and indexes it: SQLite in an FTS5 table kept in step
with ``stations`` by triggers (external content: the table holds only the index);
PostgreSQL in a GIN index over the array of bigrams.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_SQLITE = (
    "CREATE VIRTUAL TABLE stations_fts USING fts5(search_grams, content='stations', "
    "content_rowid='id')",
    "CREATE TRIGGER stations_fts_insert AFTER INSERT ON stations BEGIN "
    "INSERT INTO stations_fts(rowid, search_grams) VALUES (new.id, new.search_grams); END",
    "CREATE TRIGGER stations_fts_delete AFTER DELETE ON stations BEGIN "
    "INSERT INTO stations_fts(stations_fts, rowid, search_grams) "
    "VALUES ('delete', old.id, old.search_grams); END",
    "CREATE TRIGGER stations_fts_update AFTER UPDATE OF search_grams ON stations BEGIN "
    "INSERT INTO stations_fts(stations_fts, rowid, search_grams) "
    "VALUES ('delete', old.id, old.search_grams); "
    "INSERT INTO stations_fts(rowid, search_grams) VALUES (new.id, new.search_grams); END",
)
_POSTGRES = (
    "CREATE INDEX ix_stations_search_grams ON stations "
    "USING gin (string_to_array(search_grams, ' '))"
)


def upgrade() -> None:
    from geo.storage.stations_sql import fill_search_grams

    op.add_column("stations", sa.Column("search_grams", sa.Text, nullable=True))
    bind = op.get_bind()
    fill_search_grams(bind)
    if bind.dialect.name == "postgresql":
        op.execute(_POSTGRES)
        return
    for statement in _SQLITE:
        op.execute(statement)
    op.execute("INSERT INTO stations_fts(stations_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_stations_search_grams")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER stations_fts_{name}")
        op.execute("DROP TABLE stations_fts")
    op.execute("ALTER TABLE stations DROP COLUMN search_grams")
