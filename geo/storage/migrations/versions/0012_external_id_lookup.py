"""The external-id index leads with the external id, so an import's lookup uses it.

Revision 0005 made external ids unique per district with a unique index on
``(coalesce(adcode, ''), external_id)``. An import looks its rows' ids up in every
district at once (``external_id IN (...)``, ``geo/storage/stations_sql.py``), which an
index led by the district cannot search: SQLite scanned the whole table for every 500
ids (PostgreSQL could at best read the whole index), so importing into a registry of n
stations cost O(n) a chunk (150,000 rows into an empty registry: 300 scans, ~30 ms each
by the end; 37 -> 28 s for the whole import). SQLite scanned for one id in one district
too: the store's ``coalesce(adcode, ?)`` with a bound '' is not the indexed expression.
The same columns the other way round keep the same rule (the pair is unique) and serve
both lookups by their leading column.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEX = "ux_stations_district_external_id"  # the name 0005 gave it, kept


def upgrade() -> None:
    op.execute(f"DROP INDEX {INDEX}")
    op.execute(f"CREATE UNIQUE INDEX {INDEX} ON stations (external_id, (coalesce(adcode, '')))")


def downgrade() -> None:
    op.execute(f"DROP INDEX {INDEX}")
    op.execute(f"CREATE UNIQUE INDEX {INDEX} ON stations ((coalesce(adcode, '')), external_id)")
