"""PostgreSQL + PostGIS: the same store as SQLite (``geo.storage.sql``) for many workers.

The schema is the SQLite one plus a ``geog geography(Point, 4326)`` column that
PostgreSQL derives from lon/lat (a generated column, so it can never disagree with
them) with a GiST index, for GIS clients and SQL users (``ORDER BY geog <-> ...``).
Nearest search itself runs on each worker's in-memory index, kept current through the
``changes`` table (see ``geo.registry``); ``docs/deploy.md`` says why.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from geo.errors import StoreUnavailable
from geo.storage.migrations import upgrade
from geo.storage.sql import PoolOptions, SqlStore


def engine_url(url: str) -> sa.URL:
    """``postgresql://`` (what people write) with the psycopg 3 driver we ship."""
    sa_url = sa.make_url(url)
    if sa_url.drivername in ("postgresql", "postgres", "postgis"):
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    return sa_url


class PostgisStore(SqlStore):
    """Stations in a PostgreSQL database with the PostGIS extension."""

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
