"""A workbook whose station list is not on its first sheet (issue 14), for the command
line and the API: without a sheet named, the sheet that looks like the list is read;
a sheet named that has no list is refused, naming the sheets and the one that does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import AUTH, assert_error
from tests.geo.imports.fixtures import HEADERS, STATIONS, write_xlsx
from tests.hostile import HOSTILE

COVER = [["朝阳区户外劳动者驿站名录"], ["2026年11月"], ["制表：朝阳区总工会"]]
NOTES = [["字段", "说明"], ["经度", "高德坐标"]]


def workbook(path: Path, list_sheet: str = "驿站名录", **others: list[list[Any]]) -> Path:
    sheets = {"封面": COVER, list_sheet: [HEADERS, *STATIONS], **others}
    return write_xlsx(path, sheets)


def squash(text: str) -> str:
    return "".join(text.split())


def test_the_command_line_reads_the_list_and_names_it_when_another_is_asked(
    db_url: str, tmp_path: Path
) -> None:
    path = workbook(tmp_path / "名录.xlsx", 说明=NOTES)
    runner = CliRunner(env={"COLUMNS": "200"})
    args = ["import", str(path), "--crs", "gcj02", "--dry-run", "--database-url", db_url]
    read = runner.invoke(app, args)
    assert read.exit_code == 0, read.stderr
    assert "sheet驿站名录" in squash(read.stdout)  # the cover page passed over
    assert "新增created3" in squash(read.stdout)
    refused = runner.invoke(app, [*args, "--sheet", "封面"])
    assert refused.exit_code == 2, refused.stdout
    err = squash(refused.stderr)
    for text in (
        "错误/error(invalid_file):工作表“封面”中找不到经纬度对应的列",
        "驿站名录似乎在工作表“驿站名录”中",
        "stationfinderimport名录.xlsx--sheet驿站名录",
        "工作簿中的工作表：“封面”、“驿站名录”、“说明”",
        "thestationlistlookslikeitisonsheet'驿站名录'",
        "Theworkbook'ssheets:'封面','驿站名录','说明'",
    ):
        assert text in err, refused.stderr
    assert "columnsoption" not in err  # not the way out here


def test_the_api_names_the_sheet_and_the_form_field(client: TestClient, tmp_path: Path) -> None:
    content = workbook(tmp_path / "list.xlsx", list_sheet="Sheet2").read_bytes()
    files = {"file": ("朝阳区名录.xlsx", content)}
    error = assert_error(
        client.post("/v1/imports", files=files, data={"sheet": "封面"}, headers=AUTH),
        422,
        "invalid_file",
    )
    assert "the form field sheet=Sheet2" in error["message"]
    assert "stationfinder import 朝阳区名录.xlsx --sheet Sheet2" in error["message"]
    assert "或表单字段 sheet=Sheet2" in error["message_zh"]
    assert error["details"] == [
        {
            "missing": ["lon/lat"],
            "sheet": "封面",
            "sheets": ["封面", "Sheet2"],
            "suggested_sheet": "Sheet2",
        }
    ]
    report = client.post("/v1/imports", files=files, data={"crs": "gcj02"}, headers=AUTH)
    assert report.status_code == 200, report.text
    assert (report.json()["sheet"], report.json()["created"]) == ("Sheet2", 3)


def test_without_a_sheet_that_looks_like_the_list_every_sheet_is_named(
    client: TestClient, tmp_path: Path
) -> None:
    content = write_xlsx(tmp_path / "x.xlsx", {"封面": COVER, "说明": NOTES}).read_bytes()
    error = assert_error(
        client.post("/v1/imports", files={"file": ("x.xlsx", content)}, headers=AUTH),
        422,
        "invalid_file",
    )
    assert "the workbook's sheets: '封面', '说明': choose the station list" in error["message"]
    assert "工作簿中的工作表：“封面”、“说明”：请用 sheet 选项" in error["message_zh"]
    assert "name=站点名称,lon=X坐标,lat=Y坐标" in error["message_zh"]  # or map the columns
    assert error["details"][0]["suggested_sheet"] is None


def test_a_csv_without_the_columns_is_told_to_map_them_in_chinese_too(
    client: TestClient,
) -> None:
    content = "编号,备注\n1,甲\n".encode()
    error = assert_error(
        client.post("/v1/imports", files={"file": ("a.csv", content)}, headers=AUTH),
        422,
        "invalid_file",
    )
    assert error["message_zh"].startswith("找不到名称、经纬度对应的列，现有表头：编号, 备注")
    assert "name" not in error["message_zh"].split("；")[0]  # the fields named in Chinese


# Hostile text a sheet title can hold (Excel's rules: 1-31 characters, none of []:*?/\).
TITLES = {
    name: text
    for name, text in HOSTILE.items()
    if 0 < len(text) <= 31 and not set(text) & set("[]:*?/\\") and text.isprintable()
} | {
    "template": "{{ 7+7 }}驿站",
    "html": "<img src=x onerror=alert(1)>",
    "quotes": "名录 '2' \"3\"",
}


@pytest.mark.parametrize("title", list(TITLES.values()), ids=list(TITLES))
def test_hostile_sheet_names_are_data(client: TestClient, tmp_path: Path, title: str) -> None:
    path = workbook(tmp_path / "h.xlsx", list_sheet=title)
    files = {"file": ("h.xlsx", path.read_bytes())}
    response = client.post("/v1/imports", files=files, data={"sheet": "封面"}, headers=AUTH)
    error = assert_error(response, 422, "invalid_file")
    assert error["details"][0]["sheets"][1] == title  # as written, never interpreted
    assert error["details"][0]["suggested_sheet"] == title
    assert f"sheet={title}" in error["message"]
