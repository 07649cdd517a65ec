"""External ids are unique within a district, not across the whole registry.

A source list's ids (``编号``) are the list-keeper's own: 朝阳区's ``CY-0001`` and
海淀区's ``CY-0001`` are different stations, and one district's editor must never be able
to take, and so block, the ids another district will import next (issue 22, defect 14).
The unique constraint on ``external_id`` becomes a unique index on
``(coalesce(adcode, ''), external_id)``: stations without an adcode share one namespace.

SQLite cannot drop a column's UNIQUE constraint, so the table is rebuilt (SQLite's
documented procedure: new table, copy, drop, rename) in the migration's transaction;
its AUTOINCREMENT counter is carried over, so no id is ever reused, even one whose
station was deleted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEX = "ux_stations_district_external_id"
_CREATE_INDEX = f"CREATE UNIQUE INDEX {INDEX} ON stations ((coalesce(adcode, '')), external_id)"
_UNIQUE = re.compile(r",\s*UNIQUE \(external_id\)")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE stations DROP CONSTRAINT stations_external_id_key")
    else:
        _rebuild_sqlite(bind, lambda sql: _UNIQUE.subn("", sql))
    op.execute(_CREATE_INDEX)


def downgrade() -> None:
    """Fails (a unique violation) if two districts now share an external id."""
    op.execute(f"DROP INDEX {INDEX}")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE stations ADD CONSTRAINT stations_external_id_key UNIQUE (external_id)"
        )
    else:
        _rebuild_sqlite(bind, lambda sql: _LAST_PAREN.subn(",\n\tUNIQUE (external_id)\n)", sql))


_LAST_PAREN = re.compile(r"\s*\)\s*$")


def _rebuild_sqlite(bind: sa.Connection, change: Callable[[str], tuple[str, int]]) -> None:
    """Rebuild ``stations`` with its CREATE TABLE statement changed by ``change``: the
    same rows, ids, indexes and AUTOINCREMENT counter."""
    create = str(bind.scalar(sa.text("SELECT sql FROM sqlite_master WHERE name = 'stations'")))
    new, found = change(create)
    if found != 1:
        raise RuntimeError(f"unexpected schema of table stations: {create}")
    indexes = (
        bind.execute(
            sa.text(
                "SELECT sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'stations' AND sql IS NOT NULL"
            )
        )
        .scalars()
        .all()
    )
    seq = bind.scalar(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'stations'"))
    new = re.sub(r'^CREATE TABLE "?stations"?', "CREATE TABLE stations_rebuilt", new)
    bind.exec_driver_sql(new)
    bind.exec_driver_sql("INSERT INTO stations_rebuilt SELECT * FROM stations")
    bind.exec_driver_sql("DROP TABLE stations")
    bind.exec_driver_sql("ALTER TABLE stations_rebuilt RENAME TO stations")
    for sql in indexes:
        bind.exec_driver_sql(sql)
    if seq is not None:  # the copy set it to the largest id left; keep the largest ever
        bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = max(seq, :seq) WHERE name = 'stations'"),
            {"seq": seq},
        )
