"""Station storage backends behind one interface (``StationStore``)."""

from __future__ import annotations

import sqlalchemy as sa

from geo.errors import StoreUnavailable
from geo.storage.base import BBox, Page, StationStore
from geo.storage.sql import PoolOptions

__all__ = ["BBox", "Page", "PoolOptions", "StationStore", "open_store"]


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
