"""``q``: stations whose name or address holds a piece of text (geo/textsearch.py), on
SQLite (FTS5) and PostGIS (GIN), checked against a brute-force substring oracle; over
the listing, the export and the command line."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app as cli
from geo.model import build_station_data
from geo.registry import open_registry
from geo.textsearch import fold
from tests.conftest import assert_error

# Few characters, so that random names share many bigrams and a query's bigrams are
# often all present in a name that does not hold the query itself.
ALPHABET = "驿站海淀工会暖心Ab1_%"


def random_stations(n: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)

    def text(k: int) -> str:
        return "".join(rng.choice(ALPHABET) for _ in range(k))

    return [
        {"name": text(rng.randint(2, 8)) + f"#{i}", "address": text(rng.randint(0, 6))}
        for i in range(n)
    ]


def matches(station: dict[str, str], q: str) -> bool:
    return all(
        t in station["name"].lower() or t in station["address"].lower() for t in fold(q).split()
    )


def test_q_agrees_with_brute_force(db_url: str) -> None:
    stations = random_stations(400, seed=13)
    registry = open_registry(db_url)
    try:
        registry.create_many(
            items=[
                build_station_data({**s, "lon": 116.40 + i * 1e-4, "lat": 39.91})
                for i, s in enumerate(stations)
            ]
        )
        rng = random.Random(14)
        from geo.textsearch import parse_query

        for _ in range(150):
            q = " ".join(
                "".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 4)))
                for _ in range(rng.randint(1, 2))
            )
            try:
                terms = parse_query(q)
            except ValueError:
                continue  # a term without two letters or digits together ("%_")
            found = registry.list_stations(limit=1000, text=terms)
            want = sorted(s["name"] for s in stations if matches(s, q))
            assert sorted(s.name for s in found.items) == want, q
            assert found.total == len(want)
    finally:
        registry.close()


def add(client: TestClient, name: str, address: str | None = None) -> None:
    from tests.conftest import post_station

    post_station(client, {"type": "Feature", "geometry": {"type": "Point",
                 "coordinates": [116.40, 39.91]}, "properties": {"name": name,
                 "address": address}})  # fmt: skip


def listed(client: TestClient, q: str) -> list[str]:
    response = client.get("/v1/stations", params={"q": q, "limit": 100})
    assert response.status_code == 200, response.text
    return sorted(f["properties"]["name"] for f in response.json()["features"])


def test_q_over_http(client: TestClient) -> None:
    add(client, "海淀区总工会暖心驿站", "北京市海淀区中关村大街1号")
    add(client, "中关村工会驿站", "北京市海淀区")
    add(client, "朝阳区ABC驿站", "100%_真实地址")
    assert listed(client, "暖心") == ["海淀区总工会暖心驿站"]
    assert listed(client, "中关村") == ["中关村工会驿站", "海淀区总工会暖心驿站"]  # address
    assert listed(client, "海淀 工会") == ["中关村工会驿站", "海淀区总工会暖心驿站"]
    assert listed(client, "abc") == ["朝阳区ABC驿站"]  # any case
    assert listed(client, "ＡＢＣ") == ["朝阳区ABC驿站"]  # full-width letters typed on a phone
    assert listed(client, "00%_") == ["朝阳区ABC驿站"]  # wildcards are text
    assert listed(client, "00_") == []
    assert listed(client, "工会 朝阳") == []
    for bad in ("驿", "驿站 a", "x" * 101, " ".join(["驿站"] * 6)):
        error = assert_error(
            client.get("/v1/stations", params={"q": bad}), 422, "invalid_parameter"
        )
        assert error["details"][0]["field"] == "q"


def test_q_in_the_export_and_the_cli(client: TestClient, db_url: str, tmp_path: Path) -> None:
    add(client, "海淀区总工会暖心驿站")
    add(client, "中关村工会驿站")
    response = client.get("/v1/stations/export", params={"format": "csv", "q": "暖心"})
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["驿站名称 name"] for r in rows] == ["海淀区总工会暖心驿站"]
    out = tmp_path / "q.csv"
    args = ["export", "--format", "csv", "--q", "工会", "--out", str(out), "--database-url", db_url]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert "exported 2 stations" in result.stdout
    bad = CliRunner().invoke(cli, ["export", "--q", "驿", "--database-url", db_url])
    assert bad.exit_code == 2
    assert "q" in bad.stderr
