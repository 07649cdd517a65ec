"""``stationfinder backup`` and ``stationfinder restore``: the whole store in one portable
file (``geo.storage.backup``), from SQLite or PostGIS, into either, signed under the
deployment's ``STATIONFINDER_BACKUP_SECRET`` (``geo.storage.backup.sign``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import DbOpt, err, out, require_file, store_at
from cli.safe import line
from geo.settings import get_settings
from geo.storage.backup import BackupSummary, backup, restore


def _secret() -> str | None:
    secret = get_settings().backup_secret
    return None if secret is None else secret.get_secret_value()


def _report(verb: str, summary: BackupSummary, path: Path) -> None:
    rows = ", ".join(f"{name} {count}" for name, count in summary.rows.items())
    out.print(line(f"{verb} {path}: {rows}"))
    for name, count in summary.skipped.items():
        out.print(
            line(
                f"未恢复 / not restored: {name} {count}（保留数据库原有的，加 --with-keys 才恢复"
                " / the store's own are kept; --with-keys restores these）"
            )
        )
    out.print(line(f"schema {summary.revision}, sha256 {summary.sha256}"))


def backup_command(
    path: Annotated[Path, typer.Argument(help="File to write (gzip JSON lines).")],
    database_url: DbOpt = None,
) -> None:
    """备份全部数据 / Back up every table (stations, keys, audit log...) to one file,
    signed under STATIONFINDER_BACKUP_SECRET."""
    with store_at(database_url) as store:
        summary = backup(store, path, secret=_secret())
    _report("已备份 / backed up →", summary, path)
    if summary.signed:
        out.print(line("已签名 / signed: HMAC-SHA256 (STATIONFINDER_BACKUP_SECRET)"))
    else:
        err.print(
            line(
                (
                    "警告 / warning: 未设置 STATIONFINDER_BACKUP_SECRET，备份未签名：恢复时须加 "
                    "--allow-unsigned，且不能恢复 API 密钥 / STATIONFINDER_BACKUP_SECRET is "
                    "not set, so this backup is unsigned: restoring it needs --allow-unsigned "
                    "and cannot bring back its API keys",
                    "yellow",
                )
            )
        )


def restore_command(
    path: Annotated[Path, typer.Argument(help="A file written by 'stationfinder backup'.")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Discard what the store holds first.")
    ] = False,
    with_keys: Annotated[
        bool,
        typer.Option(
            "--with-keys",
            help="Also restore the backup's API keys, replacing the store's (needs a backup "
            "signed under this STATIONFINDER_BACKUP_SECRET).",
        ),
    ] = False,
    allow_unsigned: Annotated[
        bool,
        typer.Option(
            "--allow-unsigned",
            help="Restore a backup that is not signed, or that cannot be checked here (no "
            "STATIONFINDER_BACKUP_SECRET); never its API keys.",
        ),
    ] = False,
    database_url: DbOpt = None,
) -> None:
    """从备份恢复 / Restore a signed backup into an empty store (or any, with --replace).

    The store's API keys are kept as they are unless --with-keys. Running servers on the
    store rebuild their index from the restored stations within a second; all or nothing.
    """
    require_file(path)
    with store_at(database_url) as store:
        summary = restore(
            store,
            path,
            replace=replace,
            secret=_secret(),
            with_keys=with_keys,
            allow_unsigned=allow_unsigned,
        )
    _report("已恢复 / restored ←", summary, path)
    if summary.signed:
        out.print(line("签名已验证 / signature verified: HMAC-SHA256"))
    else:
        err.print(
            line(
                (
                    "警告 / warning: 备份未经签名验证（--allow-unsigned），API 密钥未恢复 / "
                    "the backup's signature was not checked (--allow-unsigned); its API keys "
                    "were not restored",
                    "yellow",
                )
            )
        )


def register(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the ``stationfinder`` command."""
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
