"""Alembic environment: migrations run on the connection ``upgrade`` hands over."""

from __future__ import annotations

from alembic import context

from geo.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # the alembic command line: open the configured URL
    from geo.storage import open_store

    raise SystemExit(
        "run migrations through the store (stationfinder opens and upgrades it), e.g. "
        f"python -c 'import geo.storage as s; s.open_store(URL)'; {open_store.__doc__}"
    )
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
