"""The product's tables as a backup sees them: columns, primary keys and id counters.

Read from the migrated schema, not from a list: a table a migration adds is backed up
without touching ``geo.backup``. ``alembic_version`` (the schema's own bookkeeping) and
the tables an extension owns (PostGIS ``spatial_ref_sys``) are not the product's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.errors import InvalidBackup

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


def product_tables(conn: Connection) -> list[Table]:
    """The product's tables in dependency order (parents first), with their columns."""
    inspector = sa.inspect(conn)
    skipped = SKIPPED | _extension_tables(conn)
    names = [
        t
        for t, _ in inspector.get_sorted_table_and_fkc_names()
        if t and t not in skipped and not t.startswith(INDEX_TABLES)
    ]
    tables = []
    for name in names:
        if not _NAME.match(name):
            raise InvalidBackup(f"unexpected table name {name!r}", f"意外的表名 {name!r}")
        if conn.dialect.name == "sqlite":
            # table_xinfo: hidden 2 and 3 are generated columns, derived by the database.
            info = conn.exec_driver_sql(f"PRAGMA table_xinfo({quote(conn, name)})").all()
            columns = [row[1] for row in info if row[6] in (0, 1)]
        else:
            # information_schema, not the inspector: it would warn about the geography type.
            columns = list(
                conn.execute(
                    sa.text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_schema = current_schema() AND table_name = :t "
                        "AND is_generated = 'NEVER' ORDER BY ordinal_position"
                    ),
                    {"t": name},
                ).scalars()
            )
        primary_key = list(inspector.get_pk_constraint(name).get("constrained_columns") or [])
        serial = primary_key[0] if len(primary_key) == 1 and _has_counter(conn, name) else None
        tables.append(Table(name, columns, primary_key, serial))
    return tables


def _extension_tables(conn: Connection) -> frozenset[str]:
    """Tables an extension owns (PostGIS ``spatial_ref_sys``): the extension's, not ours."""
    if conn.dialect.name != "postgresql":
        return frozenset()
    query = (
        "SELECT c.relname FROM pg_class c JOIN pg_depend d ON d.objid = c.oid "
        "AND d.classid = 'pg_class'::regclass AND d.deptype = 'e'"
    )
    return frozenset(conn.execute(sa.text(query)).scalars())


def _has_counter(conn: Connection, table: str) -> bool:
    if conn.dialect.name == "sqlite":
        sql = conn.scalar(sa.text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table})
        return "AUTOINCREMENT" in str(sql or "").upper()
    pk = sa.inspect(conn).get_pk_constraint(table).get("constrained_columns") or []
    return len(pk) == 1 and _pg_sequence(conn, table, pk[0]) is not None


def _pg_sequence(conn: Connection, table: str, column: str) -> str | None:
    name = conn.scalar(sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table, "c": column})
    return None if name is None else str(name)


def counter(conn: Connection, table: Table) -> int:
    """The highest value the table's id counter has handed out (0 if none)."""
    if table.serial is None:
        return 0
    if conn.dialect.name == "sqlite":
        value = conn.scalar(
            sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table.name}
        )
        return int(value or 0)
    seq = _pg_sequence(conn, table.name, table.serial)
    row = conn.execute(sa.text(f"SELECT last_value, is_called FROM {seq}")).one()
    return int(row[0]) if row[1] else int(row[0]) - 1


def set_counter(conn: Connection, table: Table, at_least: int) -> None:
    """Make the table's counter hand out ids above ``at_least`` and above every row."""
    if table.serial is None:
        return
    top = conn.scalar(
        sa.text(f"SELECT max({quote(conn, table.serial)}) FROM {quote(conn, table.name)}")
    )
    value = max(at_least, int(top or 0), counter(conn, table))
    if conn.dialect.name == "sqlite":
        updated = conn.execute(
            sa.text("UPDATE sqlite_sequence SET seq = :v WHERE name = :t"),
            {"v": value, "t": table.name},
        ).rowcount
        if not updated and value:
            conn.execute(
                sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)"),
                {"v": value, "t": table.name},
            )
        return
    seq = _pg_sequence(conn, table.name, table.serial)
    if value:
        conn.execute(sa.text("SELECT setval(:s, :v, true)"), {"s": seq, "v": value})
    else:
        conn.execute(sa.text("SELECT setval(:s, 1, false)"), {"s": seq})
