"""``stationfinder backup`` and ``restore``: a round trip through the command line, and
the refusals it prints (non-empty store, damaged file, no file), on SQLite and PostGIS."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from geo.model import Status
from geo.registry import open_registry


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "200"})


def run(runner: CliRunner, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def squash(text: str) -> str:
    return "".join(text.split())


def add(runner: CliRunner, db: str, name: str, lon: str) -> None:
    run(runner, "stations", "add", "--name", name, "--lon", lon, "--lat", "39.9",
        "--database-url", db)  # fmt: skip


def stations(db: str) -> list[dict[str, object]]:
    registry = open_registry(db)
    try:
        page = registry.list_stations(statuses=frozenset(Status), limit=1000)
        return [s.model_dump() for s in page.items]
    finally:
        registry.close()


def test_backup_then_restore_into_another_store(
    runner: CliRunner, store_url: Callable[[str], str], tmp_path: Path
) -> None:
    source, target = store_url("source"), store_url("target")
    add(runner, source, "甲驿站", "116.40")
    add(runner, source, "乙驿站", "116.41")
    file = tmp_path / "stations.backup.gz"
    done = run(runner, "backup", str(file), "--database-url", source)
    assert "stations 2" in done.stdout
    assert "sha256" in done.stdout
    done = run(runner, "restore", str(file), "--database-url", target)
    assert "stations 2" in done.stdout
    assert stations(target) == stations(source)

    # A second restore would discard those stations: only with --replace.
    refused = run(runner, "restore", str(file), "--database-url", target, code=2)
    assert "store_not_empty" in refused.stderr
    assert "--replace" in squash(refused.stderr)
    add(runner, target, "丙驿站", "116.42")
    run(runner, "restore", str(file), "--replace", "--database-url", target)
    assert stations(target) == stations(source)


def test_restore_refuses_a_damaged_or_missing_file(
    runner: CliRunner, store_url: Callable[[str], str], tmp_path: Path
) -> None:
    db = store_url("t")
    (tmp_path / "junk.gz").write_bytes(b"\x1f\x8b not really gzip")
    refused = run(runner, "restore", str(tmp_path / "junk.gz"), "--database-url", db, code=2)
    assert "invalid_backup" in refused.stderr
    assert "备份文件不可用" in refused.stderr
    missing = run(runner, "restore", str(tmp_path / "none.gz"), "--database-url", db, code=2)
    assert "no such file" in missing.stderr
    assert stations(db) == []
