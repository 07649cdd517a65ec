"""Schema migrations (Alembic), run by every store when it opens.

``upgrade`` brings a database to the newest revision in ``versions/``; a SQLite file made
before migrations existed (tables present, no ``alembic_version``) is stamped with the
first revision, whose schema it has, then upgraded. Concurrent openers (API workers
starting together) take turns: a PostgreSQL advisory lock, or a lock file next to a
SQLite file. Developers add a revision with ``alembic -c geo/storage/migrations/alembic.ini
revision -m "..."`` and write its ``upgrade`` by hand (both dialects).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

HERE = Path(__file__).resolve().parent
FIRST_REVISION = "0001"
_MIGRATION_LOCK = 0x5F_C4A2_0001  # PostgreSQL advisory lock key for migrations


def alembic_config() -> Config:
    """The Alembic configuration, without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    return config


@contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(engine: Engine, *, lock_file: Path | None = None) -> None:
    """Create or upgrade the schema to the newest revision, then finish the work a
    revision left to be done in batches (placing stations: ``places_sql``)."""
    config = alembic_config()
    with _file_lock(lock_file), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        config.attributes["connection"] = conn
        inspector = sa.inspect(conn)
        if inspector.has_table("stations") and not inspector.has_table("alembic_version"):
            command.stamp(config, FIRST_REVISION)
        command.upgrade(config, "head")
    # Stations a migration (0006) marked to place: in batches, after it committed.
    from geo.storage.places_sql import place_pending

    place_pending(engine)


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at (None before the first migration)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        version = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
        return None if version is None else str(version)
