"""``stationfinder keys`` and ``stationfinder audit``: keys shown once, stored hashed,
usable over HTTP until revoked; the log readable as a table and as JSON."""

from __future__ import annotations

import getpass
import hashlib
import json
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from fastapi.testclient import TestClient
from rich.console import Console
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import assert_error, feature, make_app


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    # Wide enough that rich never folds a cell, whatever terminal the tests run in.
    monkeypatch.setattr("cli.keys.out", Console(width=200))
    return CliRunner(env={"COLUMNS": "200"})


def run(runner: CliRunner, db: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, [*args, "--database-url", db])
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def create(runner: CliRunner, db: str, *args: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(run(runner, db, "keys", "create", *args, "--json").stdout)
    return doc


EDITOR = ["--role", "editor", "--adcode", "110105,110108", "--name", "朝阳区总工会"]


def test_create_prints_the_key_once_and_stores_only_its_hash(
    runner: CliRunner, db_url: str
) -> None:
    result = run(runner, db_url, "keys", "create", *EDITOR)
    key = result.stdout.split()[-1]
    assert key.startswith("sf_")
    assert len(key) == 46
    assert "不会再次显示" in result.stderr
    assert "will not be shown again" in result.stderr
    listed = run(runner, db_url, "keys", "list").stdout
    assert key not in listed
    assert key[:11] in listed
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT * FROM api_keys")).one()._mapping
        dump = " ".join(str(v) for v in stored.values())
    engine.dispose()
    assert key not in dump
    assert stored["key_hash"] == hashlib.sha256(key.encode()).hexdigest()


def test_list_shows_role_districts_and_revocation(runner: CliRunner, db_url: str) -> None:
    editor = create(runner, db_url, *EDITOR)
    admin = create(runner, db_url, "--role", "admin", "--name", "市总工会")
    run(runner, db_url, "keys", "revoke", str(editor["id"]))
    keys = json.loads(run(runner, db_url, "keys", "list", "--json").stdout)
    assert [(k["id"], k["role"], k["adcodes"]) for k in keys] == [
        (editor["id"], "editor", ["110105", "110108"]),
        (admin["id"], "admin", []),
    ]
    assert keys[0]["revoked_at"] is not None
    assert keys[1]["revoked_at"] is None
    assert all("key" not in k for k in keys)
    table = run(runner, db_url, "keys", "list").stdout
    assert "朝阳区总工会" in table
    assert "110105,110108" in table


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--role", "editor", "--name", "x"], "invalid_parameter"),  # an editor needs districts
        (["--role", "editor", "--adcode", "1101", "--name", "x"], "invalid_parameter"),
        (["--role", "admin", "--adcode", "110105", "--name", "x"], "invalid_parameter"),
        (["--role", "owner", "--name", "x"], "invalid_parameter"),
        (["--role", "admin", "--name", " "], "invalid_parameter"),
    ],
)
def test_bad_keys_are_refused(runner: CliRunner, db_url: str, args: list[str], code: str) -> None:
    result = run(runner, db_url, "keys", "create", *args, code=2)
    assert f"({code})" in result.stderr
    assert json.loads(run(runner, db_url, "keys", "list", "--json").stdout) == []


def test_revoking_an_unknown_key_fails(runner: CliRunner, db_url: str) -> None:
    assert "(key_not_found)" in run(runner, db_url, "keys", "revoke", "42", code=2).stderr


def test_a_cli_key_works_over_http_until_revoked(runner: CliRunner, db_url: str) -> None:
    key = create(runner, db_url, *EDITOR)
    headers = {"Authorization": f"Bearer {key['key']}"}
    with TestClient(make_app(db_url)) as client:
        response = client.post(
            "/v1/stations", json=feature(116.31, 39.992, adcode="110108"), headers=headers
        )
        assert response.status_code == 201, response.text
        run(runner, db_url, "keys", "revoke", str(key["id"]))
        response = client.post(
            "/v1/stations", json=feature(116.31, 39.992, adcode="110108"), headers=headers
        )
        assert_error(response, 401, "key_revoked")
    keys = json.loads(run(runner, db_url, "keys", "list", "--json").stdout)
    assert keys[0]["last_used_at"] is not None


def test_audit_shows_cli_writes_newest_first(runner: CliRunner, db_url: str) -> None:
    station = [
        "--name",
        "测试驿站",
        "--lon",
        "116.46",
        "--lat",
        "39.92",
        "--crs",
        "wgs84",
        "--json",
    ]
    sid = json.loads(run(runner, db_url, "stations", "add", *station).stdout)["id"]
    run(runner, db_url, "stations", "rm", str(sid))
    key = create(runner, db_url, *EDITOR)
    entries = json.loads(run(runner, db_url, "audit", "--json").stdout)
    user = getpass.getuser()
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("key_create", f"cli:{user}"),
        ("delete", f"cli:{user}"),
        ("create", f"cli:{user}"),
    ]
    assert entries[0]["summary"]["key_id"] == key["id"]
    only = json.loads(
        run(runner, db_url, "audit", "--station", str(sid), "--limit", "1", "--json").stdout
    )
    assert [e["action"] for e in only] == ["delete"]
    assert only[0]["before"]["name"] == "测试驿站"
    table = run(runner, db_url, "audit").stdout
    assert "key_create" in table
    assert "测试驿站" in table
    assert "(invalid_parameter)" in run(runner, db_url, "audit", "--limit", "0", code=2).stderr
