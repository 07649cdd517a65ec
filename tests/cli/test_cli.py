"""The ``stationfinder`` command: same rules and answers as the API, errors on stderr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from pyproj import Geod
from typer.testing import CliRunner

from cli.main import app
from geo.datums import gcj02_to_wgs84
from geo.registry import open_registry
from tests.conftest import make_app

GEOD = Geod(ellps="WGS84")
STATION = [
    "--name",
    "建国路工商银行暖心驿站",
    "--lon",
    "116.4612",
    "--lat",
    "39.9087",
    "--crs",
    "gps",
]


@pytest.fixture
def db(db_url: str) -> str:
    """A fresh store (SQLite and PostGIS: see tests/conftest.py)."""
    return db_url


@pytest.fixture
def runner() -> CliRunner:
    # Wide enough that rich never truncates a table cell.
    return CliRunner(env={"COLUMNS": "200"})


def run(runner: CliRunner, db: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, [*args, "--database-url", db])
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def squash(text: str) -> str:
    """Text without whitespace: rich wraps long messages at the console width."""
    return "".join(text.split())


def add(runner: CliRunner, db: str, *args: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(run(runner, db, "stations", "add", *args, "--json").stdout)
    return doc


def test_add_then_show_as_a_table(runner: CliRunner, db: str) -> None:
    result = run(
        runner,
        db,
        "stations",
        "add",
        *STATION,
        "--amenities",
        "wifi,drinking_water",
        "--hours",
        "24小时",
    )
    assert result.stdout.strip() == (
        "已新增驿站 / added station 1: 建国路工商银行暖心驿站"
        "（位置按 WGS84 读取 / position read as WGS84）"
    )
    table = run(runner, db, "stations", "show", "1").stdout
    for shown in (
        "建国路工商银行暖心驿站",
        "116.4612000, 39.9087000",
        "24/7",
        "饮水 Drinking water",
    ):
        assert shown in table, shown
    assert result.stderr == ""


def test_add_and_show_as_json(runner: CliRunner, db: str) -> None:
    created = add(runner, db, *STATION, "--ev-charging-piles", "2", "--amenities", "wifi,toilet")
    assert created["geometry"]["coordinates"] == [116.4612, 39.9087]
    assert created["properties"]["amenities"] == ["toilet", "ev_charging", "wifi"]
    assert created.pop("input_crs") == "wgs84"  # the datum --lon/--lat were read in
    shown = json.loads(run(runner, db, "stations", "show", "1", "--json").stdout)
    assert shown == created
    with TestClient(make_app(db)) as api:  # the API reads the same store
        assert api.get("/v1/stations/1").json() == created


def test_add_in_gcj02(runner: CliRunner, db: str) -> None:
    gcj = (116.4673, 39.9101)
    created = add(
        runner,
        db,
        "--name",
        "高德坐标驿站",
        "--lon",
        str(gcj[0]),
        "--lat",
        str(gcj[1]),
        "--crs",
        "gcj02",
    )
    lon, lat = created["geometry"]["coordinates"]
    want = [float(v) for v in gcj02_to_wgs84(*gcj)]
    assert GEOD.inv(lon, lat, *want)[2] < 0.5
    assert GEOD.inv(lon, lat, *gcj)[2] > 100
    shown = json.loads(
        run(runner, db, "stations", "show", "1", "--out-crs", "gcj02", "--json").stdout
    )
    assert shown["geometry"]["coordinates"] == pytest.approx(list(gcj), abs=1e-6)


def test_nearest_table_names_the_station_and_its_distance(runner: CliRunner, db: str) -> None:
    run(runner, db, "stations", "add", *STATION, "--hours", "24小时")
    result = run(
        runner,
        db,
        "nearest",
        "--lon",
        "116.3975",
        "--lat",
        "39.9087",
        "--open-at",
        "2026-11-23T12:00",
    )
    distance = GEOD.inv(116.3975, 39.9087, 116.4612, 39.9087)[2]
    assert "建国路工商银行暖心驿站" in result.stdout
    assert f" {distance:.0f} " in result.stdout  # metres, rounded
    assert "24小时" in result.stdout


def test_nearest_with_no_match_says_so(runner: CliRunner, db: str) -> None:
    run(runner, db, "stations", "add", *STATION)
    result = run(
        runner, db, "nearest", "--lon", "116.4", "--lat", "39.9", "--amenities", "legal_aid"
    )
    assert "no station matches" in result.stdout


CLI_SEED = [
    [
        "--name",
        "甲",
        "--lon",
        "116.40",
        "--lat",
        "39.90",
        "--hours",
        "24小时",
        "--amenities",
        "wifi",
        "--crs",
        "wgs84",
    ],
    [
        "--name",
        "乙",
        "--lon",
        "116.41",
        "--lat",
        "39.91",
        "--hours",
        "周一至周五 9:00-17:00",
        "--crs",
        "wgs84",
    ],
    [
        "--name",
        "丙",
        "--lon",
        "116.39",
        "--lat",
        "39.92",
        "--car-parking-spaces",
        "3",
        "--crs",
        "wgs84",
    ],
    [
        "--name",
        "丁",
        "--lon",
        "116.42",
        "--lat",
        "39.88",
        "--status",
        "planned",
        "--hours",
        "24小时",
        "--crs",
        "wgs84",
    ],
    [
        "--name",
        "戊",
        "--lon",
        "116.4673",
        "--lat",
        "39.9101",
        "--crs",
        "gcj02",
        "--hours",
        "08:00-20:00",
    ],
]


@pytest.mark.parametrize(
    "query",
    [
        {"open-at": "2026-11-23T12:00"},  # Monday noon
        {"open-at": "2026-11-22T12:00"},  # Sunday noon: 乙 is closed
        {"open-at": "2026-11-23T03:00"},  # Monday 3 a.m.: only the 24-hour one
        {"open-at": "any", "status": "any", "k": "10"},
        {"open-at": "any", "amenities": "car_parking"},  # implied by the space count
        {"open-at": "any", "max-distance-m": "1500"},
        {"open-at": "any", "crs": "gcj02", "lon": "116.4100", "lat": "39.9100"},
        {"open-at": "any", "out-crs": "bd09"},
    ],
)
def test_nearest_json_equals_the_api(runner: CliRunner, db: str, query: dict[str, str]) -> None:
    for args in CLI_SEED:
        run(runner, db, "stations", "add", *args)
    query = {"lon": "116.4", "lat": "39.9"} | query
    options = [part for key, value in query.items() for part in (f"--{key}", value)]
    cli_doc = json.loads(run(runner, db, "nearest", *options, "--json").stdout)
    with TestClient(make_app(db)) as api:
        response = api.get(
            "/v1/stations/nearest", params={k.replace("-", "_"): v for k, v in query.items()}
        )
    assert response.status_code == 200, response.text
    assert cli_doc == response.json()
    assert cli_doc["features"]  # every row finds something to compare


def test_rm(runner: CliRunner, db: str) -> None:
    run(runner, db, "stations", "add", *STATION)
    result = run(runner, db, "stations", "rm", "1")
    assert result.stdout.strip() == "已删除驿站 / removed station 1: 建国路工商银行暖心驿站"
    run(runner, db, "stations", "show", "1", code=2)
    assert (
        "no station matches"
        in run(runner, db, "nearest", "--lon", "116.46", "--lat", "39.9").stdout
    )


NEAR = ["nearest", "--lon", "116.4", "--lat", "39.9"]
ADD = ["stations", "add", "--name", "x", "--crs", "wgs84", "--lon", "116.4"]
ERRORS = [
    # (arguments, error code, part of the Chinese message, part of the English message)
    pytest.param(
        ["nearest", "--lon", "116.4", "--lat", "91"],
        "invalid_coordinate", "纬度 91.0 超出范围", "lat 91.0 is outside",
        id="nearest-lat-91",
    ),
    pytest.param(
        [*ADD, "--lat", "91"], "invalid_coordinate", "纬度 91.0 超出范围", "lat 91.0 is outside",
        id="add-lat-91",
    ),
    pytest.param(
        ["nearest", "--lon", "139.69", "--lat", "35.68", "--crs", "gcj02"],
        "invalid_coordinate", "位于中国大陆以外", "lies outside mainland China",
        id="gcj02-tokyo",
    ),
    pytest.param(
        ["stations", "show", "99"],
        "station_not_found", "不存在编号为 99 的站点", "no station with id 99",
        id="show-unknown-id",
    ),
    pytest.param(
        ["stations", "rm", "99"],
        "station_not_found", "不存在编号为 99 的站点", "no station with id 99",
        id="rm-unknown-id",
    ),
    pytest.param(
        [*NEAR, "--amenities", "jacuzzi"],
        "unknown_amenity", "未知的服务设施 'jacuzzi'。可用的设施",
        "unknown amenity 'jacuzzi'. Known, by code or by Chinese or English name",
        id="nearest-unknown-amenity",
    ),
    pytest.param(
        [*ADD, "--lat", "39.9", "--amenities", "wifi,jacuzzi"],
        "unknown_amenity", "未知的服务设施 'jacuzzi'。可用的设施",
        "unknown amenity 'jacuzzi'. Known, by code or by Chinese or English name",
        id="add-unknown-amenity",
    ),
    pytest.param(
        [*NEAR, "--k", "0"], "invalid_parameter", "参数 k=0 无效", "k=0 is invalid", id="k-0"
    ),
    pytest.param(
        [*NEAR, "--open-at", "yesterday"],
        "invalid_datetime", "无效的时间 'yesterday'", "Invalid time 'yesterday'",
        id="bad-open-at",
    ),
    pytest.param(
        [*NEAR, "--crs", "tokyo"], "unknown_crs", "不支持的坐标系 'tokyo'", "unknown datum 'tokyo'",
        id="unknown-crs",
    ),
    pytest.param(
        [*ADD, "--lat", "39.9", "--hours", "随便写写"],
        "invalid_opening_hours", "无法识别营业时间 '随便写写'", "Cannot read opening hours",
        id="bad-hours",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("args", "code", "zh", "en"), ERRORS)
def test_errors_exit_2_with_both_messages_on_stderr(
    runner: CliRunner, db: str, args: list[str], code: str, zh: str, en: str
) -> None:
    result = run(runner, db, *args, code=2)
    assert result.stdout == ""
    err = squash(result.stderr)
    assert f"错误/error({code}):" in err
    assert squash(zh) in err
    assert squash(en) in err
    assert err.index(squash(zh)) < err.index(squash(en))  # Chinese first
    # a refused add wrote nothing
    assert (
        "no station matches" in run(runner, db, *NEAR, "--open-at", "any", "--status", "any").stdout
    )


def test_duplicate_external_id_exits_2(runner: CliRunner, db: str) -> None:
    run(runner, db, "stations", "add", *STATION, "--external-id", "BJ-1")
    result = run(runner, db, "stations", "add", *STATION, "--external-id", "BJ-1", code=2)
    assert "(duplicate_external_id)" in result.stderr
    assert "外部编号 'BJ-1' 已被朝阳区 (110105)内的其他站点使用" in result.stderr
    run(runner, db, "stations", "show", "2", code=2)


def test_demo_refuses_a_store_that_has_stations(runner: CliRunner, db: str) -> None:
    run(runner, db, "stations", "add", *STATION)
    result = run(runner, db, "demo", code=2)
    err = squash(result.stderr)
    assert "数据库已有1个驿站" in err
    assert squash("the store already has 1 stations; use --force") in err
    assert result.stdout == ""
    run(runner, db, "stations", "show", "2", code=2)  # nothing was loaded


def test_add_requires_the_datum_and_writes_nothing_without_it(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    # A position copied from a map app: no datum is assumed for a write.
    file_db = f"sqlite:///{tmp_path / 'never.db'}"
    args = ["stations", "add", "--name", "x", "--lon", "116.4062", "--lat", "39.9125"]
    for url in (db, file_db):
        refused = run(runner, url, *args, code=2)
        err = squash(refused.stderr)
        assert err.startswith("错误/error(crs_required):必须用--crs说明--lon/--lat取自哪种地图")
        for text in ("--crsgcj02", "--crs高德", "--crsbd09", "--crs百度", "--crswgs84"):
            assert text in err
        assert "--crsisrequired:saywhichmap--lon/--latwerereadfrom" in err
        assert refused.stdout == ""
    assert not (tmp_path / "never.db").exists()  # refused before the store was opened
    registry = open_registry(db)
    try:
        assert len(registry) == 0
    finally:
        registry.close()


@pytest.mark.parametrize(
    ("crs", "label"),
    [("高德", "GCJ-02"), ("Baidu", "BD-09"), ("GPS", "WGS84"), ("gcj-02", "GCJ-02")],
)
def test_add_says_the_datum_it_read(runner: CliRunner, db: str, crs: str, label: str) -> None:
    result = run(runner, db, "stations", "add", "--name", "甲", "--lon", "116.4062",
                 "--lat", "39.9125", "--crs", crs)  # fmt: skip
    assert result.stdout.strip().endswith(f"（位置按 {label} 读取 / position read as {label}）")


def test_add_takes_amenities_by_name(runner: CliRunner, db: str) -> None:
    created = add(runner, db, *STATION, "--amenities", "微波炉、卫生间，Wi-Fi")
    assert created["properties"]["amenities"] == ["microwave", "toilet", "wifi"]
    refused = run(runner, db, "stations", "add", *STATION, "--amenities", "微波", code=2)
    err = squash(refused.stderr)
    assert "错误/error(unknown_amenity)" in err
    assert "微波" in err
    assert "microwave" in err


@pytest.mark.parametrize(("crs", "label"), [([], "WGS84"), (["--crs", "百度"], "BD-09")])
def test_nearest_says_the_datum_it_read(
    runner: CliRunner, db: str, crs: list[str], label: str
) -> None:
    run(runner, db, "stations", "add", *STATION)
    result = run(runner, db, "nearest", "--lon", "116.4", "--lat", "39.9", *crs)
    assert f"位置按 {label} 读取 / position read as {label}" in result.stdout


def test_a_swapped_position_is_named_on_the_command_line(runner: CliRunner, db: str) -> None:
    add_args = ["stations", "add", "--name", "x", "--lon", "39.9087", "--lat", "116.3975"]
    refused = run(runner, db, *add_args, "--crs", "wgs84", code=2)
    err = squash(refused.stderr)
    assert "是否把经度和纬度写反了？(116.3975,39.9087)位于北京市东城区" in err
    assert "didyouswaplongitudeandlatitude?(116.3975,39.9087)isinDongchengDistrict" in err
    near = run(runner, db, "nearest", "--lon", "39.47", "--lat", "75.99", "--json")
    assert json.loads(near.stdout)["hint"]["code"] == "swapped_coordinates"
    assert (
        "提示/hint:是否把经度和纬度写反了？(75.99,39.47)位于新疆维吾尔自治区喀什地区喀什市"
        in squash(near.stderr)
    )
