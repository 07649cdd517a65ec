"""Fresh PostgreSQL + PostGIS databases for tests.

``scripts/test`` starts a throwaway server (``scripts/postgres.sh``) and exports its
admin URL as ``STATIONFINDER_TEST_POSTGRES_URL``. Each test gets its own database,
copied from a template that already has the PostGIS extension and the migrated schema
(creating both takes seconds; copying a database a fraction of that), and dropped
afterwards. ``empty_database`` gives one without either, to test the migrations.
Without a server, PostGIS tests are skipped with a reason locally and fail in CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo.storage.migrations import upgrade

ADMIN_URL = os.environ.get("STATIONFINDER_TEST_POSTGRES_URL")
TEMPLATE = "sf_template"


def _admin() -> sa.Engine:
    assert ADMIN_URL is not None
    url = sa.make_url(ADMIN_URL).set(drivername="postgresql+psycopg")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def require_postgres() -> str:
    """The admin URL, or skip (locally) / fail (in CI) when no server was started."""
    if ADMIN_URL:
        return ADMIN_URL
    reason = "no PostgreSQL: run ./scripts/test, which starts one (STATIONFINDER_TEST_POSTGRES_URL)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _ensure_template(admin: sa.Engine) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(20261122)"))  # xdist workers take turns
        try:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": TEMPLATE}
            )
            if not exists:
                conn.execute(sa.text(f"CREATE DATABASE {TEMPLATE}"))
                url = admin.url.set(database=TEMPLATE)
                template = sa.create_engine(url, poolclass=sa.pool.NullPool)
                with template.begin() as tconn:
                    tconn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
                upgrade(template)  # the schema too: each test's copy starts migrated
                template.dispose()
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(20261122)"))


@contextmanager
def fresh_database(*, template: str | None = TEMPLATE) -> Iterator[str]:
    """A new PostGIS database for one test with an empty registry; its URL."""
    require_postgres()
    admin = _admin()
    if template is not None:
        _ensure_template(admin)
    name = f"sf_t_{uuid.uuid4().hex[:16]}"
    copy = f" TEMPLATE {template}" if template else ""
    with admin.connect() as conn:
        # Copying a template fails while another session is connected to it, and another
        # xdist worker's copy is one: the copies take turns under an advisory lock, so
        # nothing depends on how long a copy takes on a loaded machine.
        conn.execute(sa.text("SELECT pg_advisory_lock(20261123)"))
        try:
            conn.execute(sa.text(f"CREATE DATABASE {name}{copy}"))
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(20261123)"))
    url = sa.make_url(ADMIN_URL or "").set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@contextmanager
def empty_database() -> Iterator[str]:
    """A new database with nothing in it (no PostGIS, no tables); its URL."""
    with fresh_database(template=None) as url:
        yield url


BACKENDS = ("sqlite", "postgis")


@contextmanager
def store_urls(backend: str, directory: Path) -> Iterator[Callable[[str], str]]:
    """A factory of fresh store URLs on one backend: ``url("name")`` is a new SQLite file
    in ``directory``, or a new PostGIS database (made on first use, dropped at the end).
    The same name gives the same store."""
    with ExitStack() as stack:
        made: dict[str, str] = {}

        def url(name: str = "r") -> str:
            if name not in made:
                if backend == "sqlite":
                    made[name] = f"sqlite:///{directory}/{name}.db"
                else:
                    made[name] = stack.enter_context(fresh_database())
            return made[name]

        yield url
