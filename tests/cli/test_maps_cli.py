"""``stationfinder map coverage`` and ``stationfinder coverage stats``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from geo.registry import open_registry
from tests.hostile import STORABLE, TEMPLATE_BLOCK, TEMPLATE_EXPR, TEMPLATE_RCE
from tests.maps.factories import (
    DONGCHENG_INNER,
    EVALUATED,
    XSS,
    add_unplaced,
    assert_map_keeps_text,
    hostile_stations,
    scattered,
    station_data,
)

AREA = ["--city", "beijing", "--district", "110101", "--radius-m", "300,800"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli-maps') / 'c.db'}"
    registry = open_registry(url)
    try:
        registry.create_many(
            items=[station_data(116.41, 39.915, name=XSS), *scattered(30, DONGCHENG_INNER)]
        )
    finally:
        registry.close()
    return url


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "200"})


def run(runner: CliRunner, db: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, [*args, "--database-url", db])
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def squash(text: str) -> str:
    return "".join(text.split())


def test_map_coverage_writes_an_offline_page(runner: CliRunner, db: str, tmp_path: Path) -> None:
    out = tmp_path / "东城.html"
    result = run(
        runner, db, "map", "coverage", *AREA, "--amenities", "microwave", "--out", str(out)
    )
    page = out.read_text(encoding="utf-8")
    assert "<title>东城区 驿站服务覆盖</title>" in page
    assert "<script src" not in page
    assert XSS not in page
    assert "已生成覆盖地图" in result.stdout
    assert "微波炉" in result.stdout


def test_map_coverage_with_demand_in_english(runner: CliRunner, db: str, tmp_path: Path) -> None:
    demand = tmp_path / "orders.geojson"
    point = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [116.41, 39.915]}}
    demand.write_text(json.dumps({"type": "FeatureCollection", "features": [point]}))
    out = tmp_path / "m.html"
    run(runner, db, "map", "coverage", *AREA, "--lang", "en", "--demand", str(demand),
        "--out", str(out))  # fmt: skip
    page = out.read_text(encoding="utf-8")
    assert "Demand heat" in page
    assert "Demand 300 m" in page


def test_stats_csv_on_stdout(runner: CliRunner, db: str) -> None:
    result = run(runner, db, "coverage", "stats", *AREA, "--amenities", "microwave;ev_charging")
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")  # on stdout too: > file.csv
    rows = list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert [(r["district"], r["amenities"]) for r in rows] == [
        ("东城区", "microwave"),
        ("东城区", "ev_charging"),
        ("东城区", "microwave"),
        ("东城区", "ev_charging"),
    ]
    assert float(rows[0]["share_300m"]) < float(rows[0]["share_800m"])


def test_stats_json_and_xlsx_files(runner: CliRunner, db: str, tmp_path: Path) -> None:
    doc = json.loads(run(runner, db, "coverage", "stats", *AREA, "--format", "json").stdout)
    assert doc["radii_m"] == [300.0, 800.0]
    xlsx = tmp_path / "c.xlsx"
    run(runner, db, "coverage", "stats", *AREA, "--format", "xlsx", "--out", str(xlsx))
    assert xlsx.read_bytes()[:2] == b"PK"
    csv_file = tmp_path / "c.csv"
    run(runner, db, "coverage", "stats", *AREA, "--out", str(csv_file))
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel


# Each row: arguments, words the message must contain (Chinese first, then English).
ERRORS = [
    (["map", "coverage", "--city", "mars"], ["没有名为", "mars", "410105", "adcode"]),
    (["map", "coverage", "--city", "beijing", "--district", "月球"], ["月球", "unknowndistrict"]),
    (["map", "coverage", "--city", "beijing", "--radius-m", "-5"], ["radius_m", "无效"]),
    (["map", "coverage", "--city", "beijing", "--amenities", "teleport"], ["teleport"]),
    (["map", "coverage", "--city", "beijing", "--lang", "fr"], ["lang"]),
    (["coverage", "stats", "--city", "beijing", "--format", "pdf"], ["format"]),
    (["coverage", "stats", "--city", "beijing", "--format", "xlsx"], ["--out"]),
]


@pytest.mark.parametrize(("args", "words"), ERRORS)
def test_errors_exit_2_with_a_message(
    runner: CliRunner, db: str, args: list[str], words: list[str]
) -> None:
    result = run(runner, db, *args, code=2)
    message = squash(result.stderr)
    assert "错误/error" in message
    for word in words:
        assert word in message


def test_bad_demand_file_exits_2(runner: CliRunner, db: str, tmp_path: Path) -> None:
    bad = tmp_path / "d.csv"
    bad.write_text("lon,lat\nabc,39.9\n")
    result = run(runner, db, "map", "coverage", *AREA, "--demand", str(bad), code=2)
    assert "invalid_file" in result.stderr
    assert "row2" in squash(result.stderr)


# -- hostile text (issue 22) ------------------------------------------------------------


def test_map_coverage_keeps_hostile_station_text_literally(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    registry = open_registry(db_url)  # SQLite, then PostGIS
    try:
        add_unplaced(registry, [*hostile_stations(), *scattered(20, DONGCHENG_INNER)])
    finally:
        registry.close()
    out = tmp_path / "hostile.html"
    demand = tmp_path / "demand.csv"
    demand.write_text("lon,lat,weight\n116.41,39.915,2\n", encoding="utf-8")
    run(runner, db_url, "map", "coverage", *AREA, "--out", str(out), "--demand", str(demand))
    assert_map_keeps_text(out.read_text(encoding="utf-8"), STORABLE.values())


@pytest.mark.parametrize("option", ["--city", "--district", "--amenities", "--radius-m"])
@pytest.mark.parametrize("text", [TEMPLATE_EXPR, TEMPLATE_RCE, TEMPLATE_BLOCK])
def test_template_syntax_in_an_option_is_refused_as_data(
    runner: CliRunner, db: str, tmp_path: Path, option: str, text: str
) -> None:
    args = {"--city": "beijing", "--district": "110101", "--radius-m": "300"} | {option: text}
    out = tmp_path / "never.html"
    flat = [part for pair in args.items() for part in pair]
    result = run(runner, db, "map", "coverage", *flat, "--out", str(out), code=2)
    assert [e for e in EVALUATED if e in result.stderr] == []
    assert squash(text) in squash(result.stderr)
    assert not out.exists()
