"""Issue 13's acceptance: a national list, as a city union would send it.

A GCJ-02 spreadsheet (plain 经度/纬度 headers, an Excel title row) with stations in
five provinces and a wrong 所属区 cell: every station lands in the district its position
is in (checked against the whole district outlines with shapely, not the index the
product uses), the wrong cell is a warning on its own row, and a 金水区 editor key
imports exactly 金水区's rows, over HTTP and from the command line, on SQLite and
PostGIS.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app as cli
from geo.access import SYSTEM
from geo.datums import Datum, from_wgs84
from geo.keys import create_key
from geo.outlines.national import outlines
from geo.registry import open_registry
from tests.conftest import AUTH
from tests.geo.imports.fixtures import write_xlsx

JINSHUI = "410105"
# (编号, 名称, WGS84 position, 所属区 as the list writes it)
ROWS: list[tuple[str, str, tuple[float, float], str | None]] = [
    ("ZZ-001", "金水区花园路工会驿站", (113.6654, 34.7579), "金水区"),
    ("ZZ-002", "二七区大学路暖心驿站", (113.6400, 34.7300), "二七区"),
    ("ZZ-003", "金水区东风路户外劳动者驿站", (113.6910, 34.7930), "郑州市金水区"),
    ("HZ-001", "西湖区文三路工会驿站", (120.1300, 30.2750), "西湖区"),
    ("HZ-002", "上城区延安路暖心驿站", (120.1650, 30.2500), "金水区"),  # the wrong cell: row 7
    ("BJ-001", "朝阳区国贸工会驿站", (116.4551, 39.9075), "朝阳区"),
    ("CQ-001", "解放碑户外劳动者驿站", (106.5775, 29.5575), "渝中区"),
    ("XJ-001", "乌鲁木齐人民广场驿站", (87.6168, 43.8256), None),
    ("GZ-001", "天河区体育西路暖心驿站", (113.3245, 23.1291), "天河"),
    ("ZZ-004", "金水区经三路骑手之家", (113.6900, 34.7700), None),
]
WRONG_ROW = 7  # title row 1, header row 2, data from row 3


def oracle(lon: float, lat: float) -> str | None:
    """The district whose whole outline contains the point (brute force over China)."""
    o = outlines()
    point = shapely.Point(lon, lat)
    inside = [o.places[i].adcode for i, g in enumerate(o.geometries) if g.covers(point)]
    assert len(inside) <= 1, inside
    return inside[0] if inside else None


EXPECTED = {ext: oracle(*at) for ext, _, at, _ in ROWS}


def test_the_list_spans_provinces_and_jinshui() -> None:
    """The test means what it says: five provinces, several 金水区 rows, one wrong cell."""
    assert len({code[:2] for code in EXPECTED.values() if code}) >= 5
    assert sum(code == JINSHUI for code in EXPECTED.values()) == 3
    assert EXPECTED["HZ-002"] != JINSHUI
    assert None not in EXPECTED.values()


def national_list(path: Path) -> Path:
    rows: list[list[Any]] = [["编号", "驿站名称", "经度", "纬度", "所属区", "服务内容"]]
    for ext, name, (lon, lat), district in ROWS:
        glon, glat = from_wgs84(lon, lat, Datum.GCJ02)
        rows.append([ext, name, round(float(glon), 6), round(float(glat), 6), district, "饮水"])
    return write_xlsx(path, {"驿站": [["全国驿站名录（2026年12月）"], *rows]})


def check_admin_report(report: dict[str, Any]) -> None:
    assert (report["created"], report["rejected"]) == (len(ROWS), 0), report["issues"]
    (warning,) = report["issues"]
    assert (warning["row"], warning["code"], warning["column"]) == (
        WRONG_ROW, "district_mismatch", "所属区",
    )  # fmt: skip
    assert "金水区" in warning["message_zh"]
    assert "上城区" in warning["message_zh"]
    assert "以位置为准" in warning["message_zh"]
    assert "disagrees" in warning["message"]


def stored(url: str) -> dict[str, str | None]:
    registry = open_registry(url)
    try:
        return {s.external_id or "": s.adcode for s in registry.list_stations(limit=100).items}
    finally:
        registry.close()


def test_an_admin_imports_every_row_in_its_district_over_http(
    client: TestClient, tmp_path: Path
) -> None:
    content = national_list(tmp_path / "全国.xlsx").read_bytes()
    response = client.post(
        "/v1/imports",
        files={"file": ("全国.xlsx", content)},
        data={"crs": "gcj02"},
        headers=AUTH,
    )
    assert response.status_code == 200, response.text
    check_admin_report(response.json())
    listed = client.get("/v1/stations", params={"limit": 100}).json()["features"]
    assert {f["properties"]["external_id"]: f["properties"]["adcode"] for f in listed} == EXPECTED
    wrong = next(f["properties"] for f in listed if f["properties"]["external_id"] == "HZ-002")
    assert (wrong["district"], wrong["city"], wrong["province"]) == ("上城区", "杭州市", "浙江省")
    jinshui = client.get("/v1/stations", params={"adcode": "郑州市金水区"}).json()["features"]
    assert sorted(f["properties"]["external_id"] for f in jinshui) == ["ZZ-001", "ZZ-003", "ZZ-004"]


def test_a_district_editor_imports_exactly_its_rows_over_http(
    client: TestClient, tmp_path: Path
) -> None:
    registry = client.app.state.registry  # type: ignore[attr-defined]
    key, _ = create_key(registry.store, name="金水区总工会", role="editor", adcodes=[JINSHUI],
                        actor=SYSTEM)  # fmt: skip
    content = national_list(tmp_path / "全国.xlsx").read_bytes()
    response = client.post(
        "/v1/imports",
        files={"file": ("全国.xlsx", content)},
        data={"crs": "gcj02"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.text
    check_editor_report(response.json())
    listed = client.get("/v1/stations", params={"limit": 100}).json()["features"]
    assert sorted(f["properties"]["external_id"] for f in listed) == ["ZZ-001", "ZZ-003", "ZZ-004"]


def check_editor_report(report: dict[str, Any]) -> None:
    mine = [ext for ext, code in EXPECTED.items() if code == JINSHUI]
    assert (report["created"], report["rejected"], report["committed"]) == (
        len(mine), len(ROWS) - len(mine), True,
    )  # fmt: skip
    errors = [i for i in report["issues"] if i["severity"] == "error"]
    rejected_rows = [3 + n for n, (ext, *_) in enumerate(ROWS) if EXPECTED[ext] != JINSHUI]
    assert [(i["row"], i["code"]) for i in errors] == [
        (r, "outside_your_districts") for r in rejected_rows
    ]


@pytest.mark.parametrize("as_editor", [False, True], ids=["admin", "editor"])
def test_the_same_list_from_the_command_line(db_url: str, tmp_path: Path, as_editor: bool) -> None:
    path = national_list(tmp_path / "全国.xlsx")
    args = ["import", str(path), "--crs", "gcj02", "--report", str(tmp_path / "r.json")]
    env = {"COLUMNS": "200"}
    if as_editor:
        registry = open_registry(db_url)
        try:
            key, _ = create_key(registry.store, name="金水区总工会", role="editor",
                                adcodes=[JINSHUI], actor=SYSTEM)  # fmt: skip
        finally:
            registry.close()
        env["STATIONFINDER_API_KEY"] = key
    result = CliRunner(env=env).invoke(cli, [*args, "--database-url", db_url])
    assert result.exit_code == (1 if as_editor else 0), (result.stdout, result.stderr)
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    if as_editor:
        check_editor_report(report)
        assert stored(db_url) == {e: c for e, c in EXPECTED.items() if c == JINSHUI}
    else:
        check_admin_report(report)
        assert stored(db_url) == EXPECTED


def test_a_key_the_store_does_not_hold_is_refused(db_url: str, tmp_path: Path) -> None:
    path = national_list(tmp_path / "全国.xlsx")
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        cli, ["import", str(path), "--key", "sf_not_a_key", "--database-url", db_url]
    )
    assert result.exit_code == 2
    assert "--key" in result.stderr
    assert stored(db_url) == {}
