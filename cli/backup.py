"""``stationfinder backup`` and ``stationfinder restore``: the whole store in one portable
file (``geo.backup``), from SQLite or PostGIS, into either."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.safe import console, line
from geo.backup import BackupSummary, backup, restore
from geo.errors import StationError
from geo.settings import get_settings
from geo.storage import open_store

out = console()
err = console(stderr=True)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url", envvar="STATIONFINDER_DATABASE_URL", help="SQLAlchemy URL of the store."
    ),
]


def _report(verb: str, summary: BackupSummary, path: Path) -> None:
    rows = ", ".join(f"{name} {count}" for name, count in summary.rows.items())
    out.print(line(f"{verb} {path}: {rows}"))
    out.print(line(f"schema {summary.revision}, sha256 {summary.sha256}"))


def backup_command(
    path: Annotated[Path, typer.Argument(help="File to write (gzip JSON lines).")],
    database_url: DbOpt = None,
) -> None:
    """备份全部数据 / Back up every table (stations, keys, audit log...) to one file."""
    from cli.main import fail  # cli.main registers this module's commands

    try:
        store = open_store(database_url or get_settings().database_url)
        try:
            summary = backup(store, path)
        finally:
            store.close()
    except StationError as exc:
        fail(exc)
        return
    _report("已备份 / backed up →", summary, path)


def restore_command(
    path: Annotated[Path, typer.Argument(help="A file written by 'stationfinder backup'.")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Discard what the store holds first.")
    ] = False,
    database_url: DbOpt = None,
) -> None:
    """从备份恢复 / Restore a backup into an empty store (or any, with --replace).

    Running servers on the store rebuild their index from the restored stations within
    a second; all or nothing.
    """
    from cli.main import fail, require_file

    require_file(path)
    try:
        store = open_store(database_url or get_settings().database_url)
        try:
            summary = restore(store, path, replace=replace)
        finally:
            store.close()
    except StationError as exc:
        fail(exc)
        return
    _report("已恢复 / restored ←", summary, path)


def register(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the ``stationfinder`` command."""
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
