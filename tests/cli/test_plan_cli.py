"""``stationfinder plan sites``: a planner's messy candidates file (Chinese headers, a
row without a position, a name that looks like a formula) gives sites, the rows it
skipped by number, and a CSV that opens in Excel; mistakes exit 2 in both languages."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from geo.model import build_station_data
from geo.registry import open_registry

AREA = ["--city", "116.380,39.900,116.430,39.930"]
CANDIDATES = (
    "网点名称,经度（WGS84）,纬度（WGS84）\n"
    "工商银行东四支行,116.4170,39.9240\n"
    '=HYPERLINK("http://x"),116.3950,39.9080\n'
    "中石化加油站,未知,39.91\n"
    "建设银行王府井支行,116.4100,39.9140\n"
)


@pytest.fixture
def db(db_url: str) -> str:
    registry = open_registry(db_url)
    try:
        registry.create(data=build_station_data(
            {"name": "东单驿站", "lon": 116.4180, "lat": 39.9090, "amenities": ["ev_charging"]}
        ))  # fmt: skip
    finally:
        registry.close()
    return db_url


def run(db: str, *args: str, code: int = 0) -> object:
    result = CliRunner().invoke(app, [*args, "--database-url", db])
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def test_sites_from_a_messy_candidates_file(db: str, tmp_path: Path) -> None:
    path = tmp_path / "候选点.csv"
    path.write_text(CANDIDATES, encoding="gbk")
    out = tmp_path / "sites.csv"
    result = run(db, "plan", "sites", *AREA, "--amenities", "充电桩", "--count", "2",
                 "--candidates", str(path), "--out", str(out), "--json")  # fmt: skip
    doc = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert doc["candidates"]["count"] == 3
    assert doc["candidates"]["skipped"] == [{
        "row": 4, "code": "missing_coordinates", "message": "no longitude/latitude as numbers",
        "message_zh": "缺少数字形式的经纬度",
    }]  # fmt: skip
    assert doc["candidates"]["datum"] == "wgs84"  # the headers say so
    assert len(doc["sites"]) == 2
    assert doc["optimal"] is True
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    names = {r["name"] for r in rows}
    assert all(not n.startswith("=") for n in names)  # never a formula in Excel
    text = run(db, "plan", "sites", *AREA, "--amenities", "充电桩", "--count", "1",
               "--candidates", str(path)).stdout  # type: ignore[attr-defined]  # fmt: skip
    assert "已证明最优 / proven optimal" in text
    assert "跳过 1 行候选点" in text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--count", "0"], ["count"]),
        (["--count", "2", "--out", "x.pdf"], [".json", ".csv"]),
        (["--count", "2", "--from-stations", "--grid-m", "500"], ["候选站址只能有一种来源"]),
        (["--count", "2", "--radius-m", "-1"], ["radius"]),
    ],
)
def test_mistakes_exit_2_with_a_message(db: str, args: list[str], words: list[str]) -> None:
    result = run(db, "plan", "sites", *AREA, *args, code=2)
    text = "".join(result.stderr.split())  # type: ignore[attr-defined]
    assert text.startswith("错误/error(")
    for word in words:
        assert word in text


def test_the_plan_as_a_map_and_a_workbook(db: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "候选点.csv"
    path.write_text(CANDIDATES, encoding="gbk")
    common = [*AREA, "--amenities", "充电桩", "--count", "3", "--candidates", str(path)]
    page = tmp_path / "sites.html"
    run(db, "plan", "sites", *common, "--out", str(page), "--lang", "en")
    text = page.read_text(encoding="utf-8")
    assert "Where to build next" in text
    assert '=HYPERLINK("http://x")' not in text  # escaped: &quot;
    assert "=HYPERLINK(&quot;http://x&quot;)" in text
    book = tmp_path / "sites.xlsx"
    run(db, "plan", "sites", *common, "--out", str(book))
    workbook = load_workbook(book)
    sites = list(workbook["sites"].iter_rows(values_only=True))
    assert sites[0] == ("rank", "name", "lon", "lat", "adcode", "gain_weight")
    assert [r[0] for r in sites[1:]] == [1, 2, 3]
    names = {r[1] for r in sites[1:]}
    assert '\'=HYPERLINK("http://x")' in names  # a cell, never a formula
    assert all(not str(n).startswith("=") for n in names)
    districts = list(workbook["districts"].iter_rows(values_only=True))
    assert districts[0][:2] == ("adcode", "name")
    assert districts[-1][1] == "合计 total"


def test_an_unwritable_out_exits_2(db: str, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "sites.html"
    result = run(db, "plan", "sites", *AREA, "--count", "1", "--grid-m", "800",
                 "--out", str(target), code=2)  # fmt: skip
    text = "".join(result.stderr.split())  # type: ignore[attr-defined]
    assert "无法写入/cannotwrite" in text
