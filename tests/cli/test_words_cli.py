"""Words users type, on the command line (issue 14): every ``--amenities`` option takes
amenity names in Chinese or English as it takes codes, and every datum option the names
of the map apps; an unknown one exits 2 in both languages, saying what was meant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app

LABELS, CODES = "微波炉、卫生间", "microwave,toilet"
# Every option that takes amenities: (command and its other arguments, json output?).
COMMANDS: list[tuple[list[str], bool]] = [
    (["nearest", "--lon", "116.40", "--lat", "39.90", "--open-at", "any", "--json"], True),
    (["coverage", "stats", "--city", "110101", "--radius-m", "300", "--format", "json"], True),
    (["map", "coverage", "--city", "110101", "--radius-m", "300", "--out", "{out}"], False),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('words') / 'w.db'}"
    runner = CliRunner()
    for name, lon, amenities in [
        ("甲", "116.400", "微波炉、卫生间"),
        ("乙", "116.401", "microwave"),
    ]:
        added = runner.invoke(app, ["stations", "add", "--name", name, "--lon", lon, "--lat",
                                    "39.90", "--crs", "wgs84", "--amenities", amenities,
                                    "--database-url", url])  # fmt: skip
        assert added.exit_code == 0, added.stderr
    return url


def run(db: str, *args: str, code: int = 0) -> Result:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, [*args, "--database-url", db])
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


@pytest.mark.parametrize(
    ("command", "as_json"), COMMANDS, ids=[" ".join(c[:2]) for c, _ in COMMANDS]
)
def test_names_answer_as_codes_do(
    db: str, tmp_path: Path, command: list[str], as_json: bool
) -> None:
    answers = []
    for i, amenities in enumerate((CODES, LABELS, "Microwave，TOILET", "热饭+洗手间")):
        out = tmp_path / f"{i}.html"
        args = [a.replace("{out}", str(out)) for a in command]
        result = run(db, *args, "--amenities", amenities)
        answers.append(
            json.loads(result.stdout) if as_json else result.stdout.replace(str(out), "")
        )
    assert all(a == answers[0] for a in answers)
    if command[0] == "nearest":
        assert [f["properties"]["name"] for f in answers[0]["features"]] == ["甲"]
        assert answers[0]["query"]["amenities"] == ["microwave", "toilet"]  # the codes


def test_stations_add_stores_codes(db: str) -> None:
    shown = json.loads(run(db, "stations", "show", "1", "--json").stdout)
    assert shown["properties"]["amenities"] == ["microwave", "toilet"]


def test_coverage_groups_split_at_a_chinese_semicolon(db: str) -> None:
    args = ["coverage", "stats", "--city", "110101", "--radius-m", "300", "--format", "json"]
    doc = json.loads(run(db, *args, "--amenities", "微波炉；卫生间、饮水").stdout)
    assert doc["filters"] == [["microwave"], ["drinking_water", "toilet"]]


@pytest.mark.parametrize(
    "args",
    [
        ["nearest", "--lon", "116.4", "--lat", "39.9"],
        ["stations", "add", "--name", "x", "--lon", "116.4", "--lat", "39.9", "--crs", "gps"],
        ["coverage", "stats", "--city", "110101"],
        ["map", "coverage", "--city", "110101"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_an_unknown_name_exits_2_saying_what_was_meant(db: str, args: list[str]) -> None:
    refused = run(db, *args, "--amenities", "微波", code=2)
    first, second = refused.stderr.strip().split("\n", 1)
    assert first.startswith(
        "错误 / error (unknown_amenity): 未知的服务设施 '微波'（是否想用“微波炉”"
    )
    assert "unknown amenity '微波' (did you mean 'microwave': 微波炉, Microwave?)" in " ".join(
        second.split()
    )
    assert refused.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["nearest", "--lon", "116.4062", "--lat", "39.9014", "--crs", "高德", "--json"],
        ["nearest", "--lon", "116.4062", "--lat", "39.9014", "--crs", "GaoDe", "--json"],
        ["nearest", "--lon", "116.4062", "--lat", "39.9014", "--crs", "gcj_02", "--json"],
    ],
)
def test_datum_names_on_the_command_line(db: str, args: list[str]) -> None:
    doc = json.loads(run(db, *args).stdout)
    assert doc["query"]["crs"] == "gcj02"


def test_an_unknown_datum_name_exits_2_with_the_names_by_datum(db: str) -> None:
    refused = run(db, "nearest", "--lon", "116.4", "--lat", "39.9", "--crs", "wsg84", code=2)
    err = "".join(refused.stderr.split())
    assert "不支持的坐标系'wsg84'，是否想用'wgs84'（WGS84）？" in err
    assert "gcj02（高德、腾讯）：gcj02,gcj-02,高德,gaode,amap" in err
    assert "unknowndatum'wsg84';didyoumean'wgs84'(WGS84)?" in err
    assert "bd09(Baidu):bd09,bd-09,bd09ll,百度,baidu" in err
