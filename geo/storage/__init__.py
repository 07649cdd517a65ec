"""Station storage backends behind small interfaces (``geo.storage.base``).

Layout:

- ``base``: the interfaces. ``StationRecords`` (stations and their change log, and
  ``StoreTransaction`` for a batch of writes), ``AccessRecords`` (API keys and the
  audit log), ``ImportJobRecords`` (import jobs); ``StationStore`` is all three plus
  the store's metadata and health, what :func:`open_store` returns.
- ``schema``: every table (SQLAlchemy ``Table`` definitions, one ``MetaData``).
  ``migrations/`` (Alembic) creates and upgrades them.
- ``sql``: ``SqlStore``, the store shared by both backends: engines, transactions, and
  one method per interface method, calling the SQL modules:
  ``rows`` (stations to rows and back), ``stations_sql`` (reading, inserting and
  updating stations in a transaction), ``changes_sql`` (the change log),
  ``listing_sql`` (listings, snapshot scans, the text filter), ``index_sql`` (what the
  spatial index reads), ``access_sql`` (keys and audit), ``jobs_sql`` (import jobs),
  ``transaction`` (``SqlTransaction``), ``outages`` (driver errors as
  ``StoreUnavailable``; the connection pool), ``places_sql`` and ``hours_sql`` (work a
  migration or a restore leaves to be done on the stored stations).
- ``dialect``: ``SqlDialect``, the interface of what differs between the databases.
- ``sqlite``: ``SqliteStore`` and ``SqliteDialect``; ``postgis``: ``PostgisStore`` and
  ``PostgisDialect``.
- ``backup``: backup and restore (``backup/__init__``), the tables as a backup sees
  them (``backup/tables``), signatures (``backup/sign``).

The rule: dialect differences live in the backends. No module but ``sqlite`` and
``postgis`` asks which database it talks to (``dialect.name``); the shared code calls
the store's ``dialect`` (a ``SqlDialect``) instead. Migrations are exempt: each is
frozen as it was written.
"""

from __future__ import annotations

import sqlalchemy as sa

from geo.errors import StoreUnavailable
from geo.storage.base import (
    AccessRecords,
    BBox,
    ImportJobRecords,
    Page,
    StationRecords,
    StationStore,
)
from geo.storage.dialect import SqlDialect
from geo.storage.outages import PoolOptions

__all__ = [
    "AccessRecords",
    "BBox",
    "ImportJobRecords",
    "Page",
    "PoolOptions",
    "StationRecords",
    "StationStore",
    "open_store",
    "sql_dialect",
]


def open_store(url: str, *, pool: PoolOptions | None = None) -> StationStore:
    """Open the store named by a database URL (``sqlite:///path.db`` or
    ``postgresql://user:password@host:port/db``), creating or upgrading its schema;
    ``pool`` sizes its connection pool (``PoolOptions``: SQLAlchemy's defaults)."""
    try:
        backend = sa.make_url(url).get_backend_name()
    except sa.exc.ArgumentError as exc:
        raise StoreUnavailable(
            f"cannot parse database URL {url!r}", f"无法解析数据库地址 {url!r}"
        ) from exc
    if backend == "sqlite":
        from geo.storage.sqlite import SqliteStore

        return SqliteStore(url, pool=pool)
    if backend in ("postgresql", "postgres", "postgis"):
        from geo.storage.postgis import PostgisStore

        return PostgisStore(url, pool=pool)
    raise StoreUnavailable(
        f"unsupported database backend {backend!r}: use sqlite:///path.db or "
        "postgresql://user:password@host/db (with PostGIS)",
        f"不支持的数据库类型 {backend!r}：请使用 sqlite:///path.db 或 "
        "postgresql://user:password@host/db（需 PostGIS）",
    )


def sql_dialect(name: str) -> SqlDialect:
    """The ``SqlDialect`` of the backend SQLAlchemy names ``name`` (``engine.dialect.name``:
    "sqlite" or "postgresql"), for code holding an engine rather than a store."""
    from geo.storage.postgis import PostgisStore
    from geo.storage.sqlite import SqliteStore

    dialects = {d.backend: d for d in (SqliteStore.dialect, PostgisStore.dialect)}
    try:
        return dialects[name]
    except KeyError:
        raise StoreUnavailable(
            f"unsupported database backend {name!r}", f"不支持的数据库类型 {name!r}"
        ) from None
