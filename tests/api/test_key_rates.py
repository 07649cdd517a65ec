"""Keys for platforms (issue 18): a key with a search rate of its own is charged to it,
not to its address (a platform's backend proxies many riders from one); readers read
and never write; the rate is set on the command line and read back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.key_rates import KEEP_S, KeyRates
from cli.main import app as cli
from geo.access import SYSTEM
from geo.errors import InvalidParameter
from geo.keys import create_key
from tests.conftest import assert_error, feature, make_app

NEAR = {"lon": "116.3975", "lat": "39.9087"}
TIGHT: dict[str, Any] = {"rate_limit_search_per_min": 1, "rate_limit_search_burst": 1}


def _key(client: TestClient, role: str = "reader", rate: int | None = None) -> dict[str, str]:
    store = client.app.state.registry.store  # type: ignore[attr-defined]
    key, _ = create_key(store, name="某外卖平台", role=role, actor=SYSTEM, rate_per_min=rate)
    return {"Authorization": f"Bearer {key}"}


def test_a_platform_key_is_charged_to_its_own_rate(db_url: str) -> None:
    with TestClient(make_app(db_url, **TIGHT)) as client:
        platform = _key(client, rate=6000)
        for _ in range(30):  # far over one client's 1 a minute, from the same address
            assert (
                client.get("/v1/stations/nearest", params=NEAR, headers=platform).status_code == 200
            )
        anonymous = [client.get("/v1/stations/nearest", params=NEAR) for _ in range(2)]
        assert [r.status_code for r in anonymous] == [200, 429]  # the address's own budget
        plain = _key(client)  # a key without a rate: charged as any client
        assert_error(client.get("/v1/stations/nearest", params=NEAR, headers=plain), 429,
                     "rate_limited")  # fmt: skip


def test_a_small_rate_is_a_limit_too(db_url: str) -> None:
    with TestClient(make_app(db_url, rate_limit_search_per_min=600)) as client:
        slow = _key(client, rate=10)  # bursts of 1
        assert client.get("/v1/stations/nearest", params=NEAR, headers=slow).status_code == 200
        refused = client.get("/v1/stations/nearest", params=NEAR, headers=slow)
        error = assert_error(refused, 429, "rate_limited")
        assert "at most 10 a minute" in error["message"]


def test_a_reader_reads_and_never_writes(client: TestClient) -> None:
    reader = _key(client)
    assert client.get("/v1/stations", headers=reader).status_code == 200
    assert_error(client.post("/v1/stations", json=feature(), headers=reader), 403, "forbidden")


def test_rates_are_kept_a_while_then_read_again() -> None:
    now = [0.0]
    asked: list[str] = []
    rates = KeyRates(clock=lambda: now[0])
    assert rates.cached("h") is False
    assert rates.fetch("h", lambda h: asked.append(h) or 600) == 600
    now[0] = KEEP_S - 1
    assert rates.cached("h") == 600
    now[0] = KEEP_S + 1  # a revoked or re-rated key is charged anew after this
    assert rates.cached("h") is False
    assert asked == ["h"]


@pytest.mark.parametrize(("given", "per_min"), [("6000/min", 6000), ("100/s", 6000), ("250", 250)])
def test_the_command_line_sets_the_rate(db_url: str, given: str, per_min: int) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["keys", "create", "--role", "reader", "--name", "平台",
                               "--rate", given, "--json", "--database-url", db_url])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["rate_per_min"] == per_min
    listed = runner.invoke(cli, ["keys", "list", "--json", "--database-url", db_url])
    assert json.loads(listed.stdout)[0]["rate_per_min"] == per_min


def test_bad_rates_are_refused(db_url: str) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli, ["keys", "create", "--role", "reader", "--name", "平台",
                              "--rate", "lots", "--database-url", db_url])  # fmt: skip
    assert bad.exit_code != 0
    assert "6000/min" in bad.stderr
    with pytest.raises(InvalidParameter):
        create_key(object(), name="x", role="reader", actor=SYSTEM, rate_per_min=0)  # type: ignore[arg-type]
