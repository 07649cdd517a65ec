"""``stationfinder backup`` and ``restore``: a round trip through the command line, and
the refusals it prints (non-empty store, damaged, forged or unsigned file, wrong secret,
no file), on SQLite and PostGIS."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from geo.model import Status
from geo.registry import open_registry
from geo.settings import get_settings
from tests.conftest import assert_error, make_app
from tests.forgery import PLANTED_KEY, forge_admin_key

SECRET = "test-backup-secret-of-32-characters-or-more"
OTHER_SECRET = "another-deployment-backup-secret-0123456789"


@pytest.fixture
def runner() -> Iterator[CliRunner]:
    # The deployment's secret, as the environment gives it; tests that change it pass
    # their own to run().
    get_settings.cache_clear()
    yield CliRunner(env={"COLUMNS": "200", "STATIONFINDER_BACKUP_SECRET": SECRET})
    get_settings.cache_clear()


def run(runner: CliRunner, *args: str, code: int = 0, secret: str | None = SECRET) -> Result:
    get_settings.cache_clear()  # settings are read once per process: here, per command
    result = runner.invoke(app, list(args), env={"STATIONFINDER_BACKUP_SECRET": secret})
    get_settings.cache_clear()
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def squash(text: str) -> str:
    return "".join(text.split())


def add(runner: CliRunner, db: str, name: str, lon: str) -> None:
    run(runner, "stations", "add", "--name", name, "--lon", lon, "--lat", "39.9", "--crs", "wgs84",
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
    assert "signed: HMAC-SHA256" in done.stdout
    done = run(runner, "restore", str(file), "--database-url", target)
    assert "stations 2" in done.stdout
    assert "signature verified" in done.stdout
    assert done.stderr == ""
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


def keys(db: str) -> list[dict[str, object]]:
    doc: list[dict[str, object]] = json.loads(
        run(CliRunner(), "keys", "list", "--json", "--database-url", db).stdout
    )
    return doc


def test_a_planted_admin_key_is_refused_and_the_store_left_as_it_was(
    runner: CliRunner, store_url: Callable[[str], str], tmp_path: Path
) -> None:
    source, target = store_url("source"), store_url("target")
    add(runner, source, "甲驿站", "116.40")
    run(runner, "keys", "create", "--role", "editor", "--adcode", "110105", "--name", "朝阳区",
        "--database-url", source)  # fmt: skip
    run(runner, "backup", str(tmp_path / "good.gz"), "--database-url", source)
    add(runner, target, "本机驿站", "116.50")
    run(runner, "keys", "create", "--role", "admin", "--name", "本机", "--database-url", target)
    before = (stations(target), keys(target))
    for signature in ("keep", "drop", OTHER_SECRET):
        forged = forge_admin_key(tmp_path / "good.gz", tmp_path / "f.gz", signature=signature)
        for extra in ([], ["--with-keys"]):
            refused = run(runner, "restore", str(forged), "--replace", *extra,
                          "--database-url", target, code=2)  # fmt: skip
            err = squash(refused.stderr)
            assert "(backup_not_authentic)" in err
            assert "未恢复任何数据" in err
            assert "nothingwasrestored" in err
            assert (stations(target), keys(target)) == before
    # And the planted key opens nothing.
    with TestClient(make_app(target)) as client:
        response = client.delete(
            "/v1/stations/1", headers={"Authorization": f"Bearer {PLANTED_KEY}"}
        )
        assert_error(response, 401, "unauthorized")


def test_keys_come_back_only_with_with_keys(
    runner: CliRunner, store_url: Callable[[str], str], tmp_path: Path
) -> None:
    source = store_url("source")
    add(runner, source, "甲驿站", "116.40")
    run(runner, "keys", "create", "--role", "admin", "--name", "市总工会", "--database-url", source)
    file = tmp_path / "b.gz"
    run(runner, "backup", str(file), "--database-url", source)
    plain = store_url("plain")
    done = run(runner, "restore", str(file), "--database-url", plain)
    assert "not restored: api_keys 1" in done.stdout
    assert "--with-keys" in done.stdout
    assert keys(plain) == []
    assert len(stations(plain)) == 1
    with_keys = store_url("with_keys")
    run(runner, "restore", str(file), "--with-keys", "--database-url", with_keys)
    assert keys(with_keys) == keys(source)


def test_wrong_missing_or_weak_secret(
    runner: CliRunner, store_url: Callable[[str], str], tmp_path: Path
) -> None:
    source, target = store_url("source"), store_url("target")
    add(runner, source, "甲驿站", "116.40")
    file = tmp_path / "b.gz"
    run(runner, "backup", str(file), "--database-url", source)
    wrong = run(runner, "restore", str(file), "--database-url", target, code=2,
                secret=OTHER_SECRET)  # fmt: skip
    assert "另一个密钥" in wrong.stderr
    assert "anothersecret" in squash(wrong.stderr)
    missing = run(runner, "restore", str(file), "--database-url", target, code=2, secret=None)
    assert "STATIONFINDER_BACKUP_SECRET" in missing.stderr
    assert "--allow-unsigned" in missing.stderr
    weak = run(runner, "restore", str(file), "--database-url", target, code=2, secret="弱口令-weak")
    assert "(invalid_parameter)" in weak.stderr
    assert "atleast32" in squash(weak.stderr)
    assert "弱口令" not in weak.stderr  # the secret is never echoed
    weak = run(runner, "backup", str(tmp_path / "c.gz"), "--database-url", source, code=2,
               secret="too-short")  # fmt: skip
    assert "(invalid_parameter)" in weak.stderr
    assert not (tmp_path / "c.gz").exists()
    assert stations(target) == []


def test_an_unsigned_backup_warns_and_restores_only_when_allowed(
    runner: CliRunner, store_url: Callable[[str], str], tmp_path: Path
) -> None:
    source, target = store_url("source"), store_url("target")
    add(runner, source, "甲驿站", "116.40")
    file = tmp_path / "b.gz"
    done = run(runner, "backup", str(file), "--database-url", source, secret=None)
    assert "未签名" in done.stderr
    assert "--allow-unsigned" in done.stderr
    refused = run(runner, "restore", str(file), "--database-url", target, code=2)
    assert "(backup_not_authentic)" in refused.stderr
    assert stations(target) == []
    conflict = run(runner, "restore", str(file), "--with-keys", "--allow-unsigned",
                   "--database-url", target, code=2)  # fmt: skip
    assert "(invalid_parameter)" in conflict.stderr
    done = run(runner, "restore", str(file), "--allow-unsigned", "--database-url", target)
    assert "notchecked" in squash(done.stderr)
    assert stations(target) == stations(source)
