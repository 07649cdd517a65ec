"""The product's tables as a backup sees them: columns, primary keys and id counters.

Read from the migrated schema, not from a list: a table a migration adds is backed up
without touching ``geo.storage.backup``. ``alembic_version`` (the schema's own
bookkeeping) and the tables an extension owns (PostGIS ``spatial_ref_sys``) are not
the product's. What the databases do differently (columns they derive, id counters) is
the backend's ``SqlDialect``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.errors import InvalidBackup
from geo.storage.dialect import SqlDialect

__all__ = ["Table", "counter", "product_tables", "quote", "set_counter"]

SKIPPED = frozenset({"alembic_version"})  # the schema's own bookkeeping
# SQLite's full-text index of the stations and its shadow tables (migration 0007): the
# index, not data; its triggers fill it again as a restore inserts the stations.
INDEX_TABLES = "stations_fts"
_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")


@dataclass(frozen=True)
class Table:
    """One table: its name, its columns (those a backup carries), its primary key."""

    name: str
    columns: list[str]
    primary_key: list[str]
    serial: str | None  # the column a counter fills (an integer primary key), if any


def quote(conn: Connection, name: str) -> str:
    """``name`` quoted as an identifier for this database."""
    return conn.dialect.identifier_preparer.quote(name)


def product_tables(conn: Connection, dialect: SqlDialect) -> list[Table]:
    """The product's tables in dependency order (parents first), with their columns."""
    inspector = sa.inspect(conn)
    skipped = SKIPPED | dialect.extension_tables(conn)
    names = [
        t
        for t, _ in inspector.get_sorted_table_and_fkc_names()
        if t and t not in skipped and not t.startswith(INDEX_TABLES)
    ]
    tables = []
    for name in names:
        if not _NAME.match(name):
            raise InvalidBackup(f"unexpected table name {name!r}", f"意外的表名 {name!r}")
        columns = dialect.columns(conn, name)
        primary_key = list(inspector.get_pk_constraint(name).get("constrained_columns") or [])
        serial = (
            primary_key[0] if len(primary_key) == 1 and dialect.has_counter(conn, name) else None
        )
        tables.append(Table(name, columns, primary_key, serial))
    return tables


def counter(conn: Connection, dialect: SqlDialect, table: Table) -> int:
    """The highest value the table's id counter has handed out (0 if none)."""
    if table.serial is None:
        return 0
    return dialect.counter(conn, table)


def set_counter(conn: Connection, dialect: SqlDialect, table: Table, at_least: int) -> None:
    """Make the table's counter hand out ids above ``at_least`` and above every row."""
    if table.serial is None:
        return
    top = conn.scalar(
        sa.text(f"SELECT max({quote(conn, table.serial)}) FROM {quote(conn, table.name)}")
    )
    dialect.set_counter(conn, table, max(at_least, int(top or 0), counter(conn, dialect, table)))
