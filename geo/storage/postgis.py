"""PostgreSQL + PostGIS: the same store as SQLite (``geo.storage.sql``) for many workers.

The schema is the SQLite one plus a ``geog geography(Point, 4326)`` column that
PostgreSQL derives from lon/lat (a generated column, so it can never disagree with
them) with a GiST index, for GIS clients and SQL users (``ORDER BY geog <-> ...``).
Nearest search itself runs on each worker's in-memory index, kept current through the
``changes`` table (see ``geo.registry``); ``docs/deploy.md`` says why.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, cast

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from typing_extensions import override

from geo.errors import StoreUnavailable
from geo.storage.dialect import Row, SqlDialect
from geo.storage.like_patterns import as_like
from geo.storage.migrations import upgrade
from geo.storage.outages import PoolOptions
from geo.storage.schema import stations
from geo.storage.sql import SqlStore

_log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from geo.storage.backup.tables import Table

# Advisory lock keys, arbitrary 64-bit numbers.
CHANGES_LOCK: Final = 0x5F_C4A2_6E5  # "stationfinder changes": appending to the change log
CHANNEL: Final = "stationfinder_changes"  # NOTIFY: the change log grew (changes_sql)
LISTEN_CHECK_S: Final = 1.0  # how often a listener looks at its stop flag
LISTEN_RETRY_S: Final = 5.0  # how long a listener waits before reconnecting
JOBS_LOCK: Final = 0x5F_C4A2_10B5  # "stationfinder jobs": admitting import jobs
_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)")
_DRAW = sa.text("SELECT nextval(pg_get_serial_sequence(:t, :c)) FROM generate_series(1, :n)")


def engine_url(url: str) -> sa.URL:
    """``postgresql://`` (what people write) with the psycopg 3 driver we ship."""
    sa_url = sa.make_url(url)
    if sa_url.drivername in ("postgresql", "postgres", "postgis"):
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    return sa_url


class PostgisDialect(SqlDialect):
    """PostgreSQL: many writers, kept in order by row locks (``FOR UPDATE``) and
    advisory locks; snapshots are REPEATABLE READ transactions; counters are sequences;
    the text index is a GIN index over the bigrams (migration 0007)."""

    backend = "postgresql"

    @override
    def reader(self, engine: Engine) -> Engine:
        return engine.execution_options(isolation_level="AUTOCOMMIT")

    @override
    def snapshot(self, conn: Connection, *, read_only: bool = False) -> Connection:
        if read_only:
            return conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        return conn.execution_options(isolation_level="REPEATABLE READ")

    @override
    def snapshot_engine(self, engine: Engine) -> Engine:
        return engine.execution_options(isolation_level="REPEATABLE READ")

    @override
    def is_outage(self, ctx: sa.engine.ExceptionContext, text: str, operational: bool) -> bool:
        return ctx.is_disconnect or operational

    @override
    def insert_first(self, conn: Connection, rows: Sequence[Row]) -> tuple[list[int], list[Row]]:
        # The ids drawn from the table's sequence (never reused), all rows still to insert.
        ids = self.draw_counter(conn, "stations", "id", len(rows))
        return ids, [(i, *r) for i, r in zip(ids, rows, strict=True)]

    @override
    def lock_changes(self, conn: Connection) -> None:
        conn.execute(_LOCK, {"key": CHANGES_LOCK})

    @override
    def announce(self, conn: Connection, seq: int) -> None:
        conn.execute(
            sa.text("SELECT pg_notify(:channel, :seq)"), {"channel": CHANNEL, "seq": str(seq)}
        )

    @override
    def lock_jobs(self, conn: Connection) -> None:
        conn.execute(_LOCK, {"key": JOBS_LOCK})

    @override
    def lock_for_restore(self, conn: Connection, tables: Sequence[str]) -> None:
        # Writers append to the change log under this lock; with every table locked
        # too, no write interleaves with the restore.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHANGES_LOCK})
        quote = conn.dialect.identifier_preparer.quote
        names = ", ".join(quote(n) for n in tables)
        conn.exec_driver_sql(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")

    @override
    def text_match(self, grams: Sequence[str]) -> sa.ColumnElement[bool]:
        # The expression of the GIN index (migration 0007), the separator inline.
        held = sa.func.string_to_array(stations.c.search_grams, sa.literal_column("' '"))
        return held.op("@>")(sa.cast(sa.literal(list(grams), ARRAY(sa.Text)), ARRAY(sa.Text)))

    @override
    def like(self, column: Any, pattern: str) -> sa.ColumnElement[bool]:
        return cast(sa.ColumnElement[bool], column.like(as_like(pattern), escape="\\"))

    @override
    def text_order(self, column: Any) -> Any:
        return column.collate("C")  # code point order, whatever the database's locale

    @override
    def point_relates(self, op: str, wkb: bytes, lon: Any, lat: Any) -> sa.ColumnElement[bool]:
        point = sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon, lat), 4326)
        geom = sa.func.ST_GeomFromWKB(sa.literal(wkb, sa.LargeBinary), 4326)
        relation = getattr(sa.func, f"ST_{op.capitalize()}")
        return cast(sa.ColumnElement[bool], relation(point, geom))

    @override
    def within_m(
        self, lon: Any, lat: Any, lon0: float, lat0: float, metres: float
    ) -> sa.ColumnElement[bool]:
        # geog (migration 0001) has a GiST index; spheroid distance, Karney's as pyproj's.
        centre = sa.func.geography(sa.func.ST_SetSRID(sa.func.ST_MakePoint(lon0, lat0), 4326))
        return sa.func.ST_DWithin(sa.literal_column("stations.geog"), centre, metres, True)

    @override
    def columns(self, conn: Connection, table: str) -> list[str]:
        # information_schema, not the inspector: it would warn about the geography type.
        return list(
            conn.execute(
                sa.text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = :t "
                    "AND is_generated = 'NEVER' ORDER BY ordinal_position"
                ),
                {"t": table},
            ).scalars()
        )

    @override
    def extension_tables(self, conn: Connection) -> frozenset[str]:
        query = (
            "SELECT c.relname FROM pg_class c JOIN pg_depend d ON d.objid = c.oid "
            "AND d.classid = 'pg_class'::regclass AND d.deptype = 'e'"
        )
        return frozenset(conn.execute(sa.text(query)).scalars())

    @override
    def has_counter(self, conn: Connection, table: str) -> bool:
        pk = sa.inspect(conn).get_pk_constraint(table).get("constrained_columns") or []
        return len(pk) == 1 and _sequence(conn, table, pk[0]) is not None

    @override
    def counter(self, conn: Connection, table: Table) -> int:
        assert table.serial is not None
        seq = _sequence(conn, table.name, table.serial)
        row = conn.execute(sa.text(f"SELECT last_value, is_called FROM {seq}")).one()
        return int(row[0]) if row[1] else int(row[0]) - 1

    @override
    def draw_counter(self, conn: Connection, table: str, column: str, n: int) -> list[int]:
        drawn = conn.execute(_DRAW, {"t": table, "c": column, "n": n}).scalars()
        return sorted(int(i) for i in drawn)  # never handed out again, whoever commits

    @override
    def set_counter(self, conn: Connection, table: Table, value: int) -> None:
        assert table.serial is not None
        seq = _sequence(conn, table.name, table.serial)
        if value:
            conn.execute(sa.text("SELECT setval(:s, :v, true)"), {"s": seq, "v": value})
        else:
            conn.execute(sa.text("SELECT setval(:s, 1, false)"), {"s": seq})


def _sequence(conn: Connection, table: str, column: str) -> str | None:
    name = conn.scalar(sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table, "c": column})
    return None if name is None else str(name)


class PostgisStore(SqlStore):
    """Stations in a PostgreSQL database with the PostGIS extension."""

    dialect = PostgisDialect()

    @override
    def listen(self, wake: Callable[[], None], stop: threading.Event) -> None:
        """LISTEN for the change log's NOTIFY on a connection of its own and call
        ``wake`` on each; reconnect after a loss (polling covers the gap)."""
        dsn = sa.make_url(engine_url(self.url)).set(drivername="postgresql")
        while not stop.is_set():
            try:
                with psycopg.connect(dsn.render_as_string(hide_password=False),
                                     autocommit=True, connect_timeout=5) as conn:  # fmt: skip
                    conn.execute(f"LISTEN {CHANNEL}")
                    wake()  # anything committed before LISTEN: the follower catches up
                    while not stop.is_set():
                        for _ in conn.notifies(timeout=LISTEN_CHECK_S, stop_after=1):
                            wake()
            except psycopg.Error as exc:
                _log.warning("change notifications lost (%s); polling until reconnected", exc)
                stop.wait(LISTEN_RETRY_S)

    def __init__(self, url: str, *, pool: PoolOptions | None = None) -> None:
        self.url = url
        # No pool_pre_ping (a round trip before every query): after a database restart
        # the first query fails (503), SQLAlchemy then discards the whole pool, and the
        # next one reconnects.
        self.engine = sa.create_engine(engine_url(url), **(pool or PoolOptions()).engine_kwargs())
        try:
            upgrade(self.engine)
        except OperationalError as exc:
            self.engine.dispose()
            raise StoreUnavailable(
                f"cannot open the PostgreSQL database: {exc.orig}",
                f"无法连接 PostgreSQL 数据库：{exc.orig}",
            ) from exc
        except BaseException:  # no connection outlives a store that failed to open
            self.engine.dispose()
            raise
