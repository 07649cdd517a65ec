"""What differs between the two databases, as one small interface each backend
implements (``geo.storage.sqlite.SqliteDialect``, ``geo.storage.postgis.PostgisDialect``).

The shared SQL code (``geo.storage.sql`` and the ``*_sql`` modules, backup and restore)
never asks which database it talks to: it calls the store's ``dialect`` for the few
things that differ (locks, snapshots, id counters, the text index, outages), so each
difference is written once, in its backend's module.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:
    from geo.storage.backup.tables import Table

Row = tuple[Any, ...]


class SqlDialect(ABC):
    """One backend's ways of doing what the shared SQL store needs done."""

    backend: str  # SQLAlchemy's name of the dialect: what a backup's header records

    # -- connections and snapshots --------------------------------------------------------

    @abstractmethod
    def reader(self, engine: Engine) -> Engine:
        """The engine of single-statement reads (``SqlStore.reader``)."""

    @abstractmethod
    def snapshot(self, conn: Connection, *, read_only: bool = False) -> Connection:
        """``conn`` set so that the queries of its next transaction all see one snapshot
        (``read_only``: and it writes nothing)."""

    @abstractmethod
    def snapshot_engine(self, engine: Engine) -> Engine:
        """``engine`` whose transactions each see one snapshot (a backup)."""

    @abstractmethod
    def is_outage(self, ctx: sa.engine.ExceptionContext, text: str, operational: bool) -> bool:
        """Whether a driver error is the database being unavailable (lost, refused,
        locked), rather than a bug; ``text`` is the driver's message."""

    # -- writes -------------------------------------------------------------------------

    @abstractmethod
    def insert_first(self, conn: Connection, rows: Sequence[Row]) -> tuple[list[int], list[Row]]:
        """Choose the ids of new stations (``rows`` are their values without the id):
        returns the ids, in order, and the rows still to insert with their id first
        (``stations_sql.insert_ids`` inserts those in one ``executemany``)."""

    @abstractmethod
    def draw_counter(self, conn: Connection, table: str, column: str, n: int) -> list[int]:
        """``n`` values of ``table``'s counter (the one filling ``column``), increasing,
        as the table's own inserts would have taken them: no insert, now or later, takes
        them again (``geo.storage.audit_batches``: seqs of the audit log)."""

    def insert_rows(self, conn: Connection, sql: str, rows: Sequence[Row]) -> None:
        """Insert new stations' rows (their id first) with ``sql``, in one
        ``executemany``; SQLite indexes their text in bulk."""
        conn.exec_driver_sql(sql, rows)

    @abstractmethod
    def lock_changes(self, conn: Connection) -> None:
        """Take, to the end of the transaction, the lock under which writers append to
        the change log, so that seqs commit in order."""

    @abstractmethod
    def announce(self, conn: Connection, seq: int) -> None:
        """Tell other processes, when the transaction commits, that the change log has
        grown to ``seq`` (PostgreSQL: NOTIFY; SQLite cannot, and its readers poll)."""

    @abstractmethod
    def lock_jobs(self, conn: Connection) -> None:
        """Take, to the end of the transaction, the lock under which jobs are admitted."""

    @abstractmethod
    def lock_for_restore(self, conn: Connection, tables: Sequence[str]) -> None:
        """Lock out every writer, and ``tables`` against everyone, to the end of the
        transaction (a restore)."""

    # -- the text index ---------------------------------------------------------------

    @abstractmethod
    def text_match(self, grams: Sequence[str]) -> sa.ColumnElement[bool]:
        """The stations whose ``search_grams`` hold every one of ``grams`` (sorted), as
        the backend's bigram index finds them (``geo.textsearch``)."""

    # -- filters (``geo.storage.filter_sql``) -----------------------------------------

    @abstractmethod
    def like(self, column: Any, pattern: str) -> sa.ColumnElement[bool]:
        """``column`` matches the CQL2 ``LIKE`` pattern, case-sensitively."""

    @abstractmethod
    def text_order(self, column: Any) -> Any:
        """``column`` compared and sorted by code point, as Python compares text."""

    @abstractmethod
    def point_relates(self, op: str, wkb: bytes, lon: Any, lat: Any) -> sa.ColumnElement[bool]:
        """The point (``lon``, ``lat``) stands in relation ``op`` (``intersects``,
        ``within``, ...) to the geometry ``wkb`` (CRS84, planar in lon/lat)."""

    @abstractmethod
    def within_m(
        self, lon: Any, lat: Any, lon0: float, lat0: float, metres: float
    ) -> sa.ColumnElement[bool]:
        """The point (``lon``, ``lat``) is at most ``metres`` from (``lon0``, ``lat0``)
        along the WGS84 ellipsoid."""

    # -- tables as a backup sees them (``geo.storage.backup.tables``) ----------------

    @abstractmethod
    def columns(self, conn: Connection, table: str) -> list[str]:
        """The columns of ``table`` that hold data (not those the database derives)."""

    @abstractmethod
    def extension_tables(self, conn: Connection) -> frozenset[str]:
        """Tables an extension owns (PostGIS ``spatial_ref_sys``): not the product's."""

    @abstractmethod
    def has_counter(self, conn: Connection, table: str) -> bool:
        """Whether ``table``'s primary key is filled by a counter that never reuses ids."""

    @abstractmethod
    def counter(self, conn: Connection, table: Table) -> int:
        """The highest value the table's id counter has handed out (0 if none)."""

    @abstractmethod
    def set_counter(self, conn: Connection, table: Table, value: int) -> None:
        """Make the table's counter's last handed-out value ``value`` (0: none yet)."""
