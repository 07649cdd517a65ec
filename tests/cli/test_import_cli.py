"""``stationfinder import`` and ``export``: summary, JSON report, exit codes 0/1/2."""

from __future__ import annotations

import csv
import json
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from geo.imports import runner as runner_module
from geo.model import Status
from geo.registry import open_registry
from geo.settings import get_settings
from tests.geo.imports.fixtures import (
    HEADERS,
    STATIONS,
    shared_strings_bomb,
    write_csv,
    write_xlsx,
)

NO_NAME = ["4", "", "116.4100", "39.9100", "北京市东城区", "饮水"]  # CSV line 5


@pytest.fixture
def db(db_url: str) -> str:
    """A fresh store (SQLite and PostGIS: see tests/conftest.py)."""
    return db_url


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "200"})  # rich never wraps a summary line


def run(runner: CliRunner, db: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, [*args, "--database-url", db])
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def stored(db: str) -> list[str]:
    """Names of the stations in the store, as a fresh process would see them."""
    registry = open_registry(db)
    try:
        page = registry.store.list_stations(
            bbox=None, mask=0, statuses=frozenset(Status), limit=1000, offset=0
        )
        return [s.name for s in page.items]
    finally:
        registry.close()


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "朝阳区.csv")


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "bad.csv", [HEADERS, *STATIONS, NO_NAME])


def test_import_prints_the_summary_and_writes_the_report(
    runner: CliRunner, db: str, good: Path, tmp_path: Path
) -> None:
    report_path = tmp_path / "r.json"
    result = run(runner, db, "import", str(good), "--crs", "gcj02", "--report", str(report_path))
    out = squash(result.stdout)
    for text in (
        "文件file:朝阳区.csv",
        "坐标系datum:gcj02（crs选项/thecrsoption）",
        "新增created3",
        "已写入/committed",
    ):
        assert text in out, result.stdout
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert {k: report[k] for k in ("rows", "created", "updated", "rejected", "committed")} == {
        "rows": 3, "created": 3, "updated": 0, "rejected": 0, "committed": True,
    }  # fmt: skip
    assert report["issues"] == []
    assert sorted(stored(db)) == sorted(row[1] for row in STATIONS)
    # Again: nothing new, nothing changed.
    again = run(runner, db, "import", str(good), "--crs", "gcj02")
    assert "新增created0,更新updated0,未变unchanged3" in squash(again.stdout)


def test_rejected_rows_exit_1_and_the_good_ones_are_committed(
    runner: CliRunner, db: str, bad: Path, tmp_path: Path
) -> None:
    report_path = tmp_path / "r.json"
    args = ("import", str(bad), "--crs", "gcj02", "--report", str(report_path))
    result = run(runner, db, *args, code=1)
    assert "拒绝rejected1" in squash(result.stdout)
    assert "missing_name" in result.stdout
    assert "缺少驿站名称" in result.stdout
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert (report["rows"], report["created"], report["rejected"]) == (4, 3, 1)
    [issue] = report["issues"]
    assert (issue["row"], issue["column"], issue["code"]) == (5, "驿站名称", "missing_name")
    assert len(stored(db)) == 3


@pytest.mark.parametrize(
    ("name", "content", "zh", "en"),
    [
        ("junk.csv", bytes(range(256)) * 8, "不是文本CSV文件", "notatextCSVfile"),  # binary junk
        ("cut.xlsx", b"PK\x03\x04" + bytes(40), "无法作为", "cannotbereadas"),  # truncated
        ("驿站.pdf", b"%PDF-1.7\n", "不支持的文件类型", "unsupportedfiletype"),
        (None, b"", "找不到文件", "nosuchfile"),  # a path that does not exist
    ],
)
def test_unreadable_or_missing_files_exit_2(
    runner: CliRunner,
    db: str,
    tmp_path: Path,
    name: str | None,
    content: bytes,
    zh: str,
    en: str,
) -> None:
    path = tmp_path / "missing.csv"
    if name is not None:
        path = tmp_path / name
        path.write_bytes(content)
    report_path = tmp_path / "r.json"
    result = run(runner, db, "import", str(path), "--report", str(report_path), code=2)
    err = squash(result.stderr)
    for text in ("错误/error", zh, en):
        assert text in err, result.stderr
    assert result.stdout.strip() == ""
    assert not report_path.exists()
    assert stored(db) == []


def test_dry_run_validates_and_writes_nothing(
    runner: CliRunner, db: str, bad: Path, tmp_path: Path
) -> None:
    report_path = tmp_path / "r.json"
    result = run(runner, db, "import", str(bad), "--dry-run", "--report", str(report_path), code=1)
    assert "试运行，未写入/dryrun,nothingwritten" in squash(result.stdout)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert (report["mode"], report["committed"], report["created"]) == ("dry_run", False, 3)
    assert stored(db) == []


def test_atomic_with_a_bad_row_writes_nothing(runner: CliRunner, db: str, bad: Path) -> None:
    result = run(runner, db, "import", str(bad), "--atomic", code=1)
    assert "未写入/nothingwritten" in squash(result.stdout)
    assert stored(db) == []


def test_atomic_without_bad_rows_commits_everything(runner: CliRunner, db: str, good: Path) -> None:
    run(runner, db, "import", str(good), "--atomic")
    assert len(stored(db)) == 3


def test_columns_option_maps_odd_headers_in_a_workbook(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    rows: list[list[Any]] = [["点位名", "横坐标", "纵坐标"], ["望京暖心驿站", 116.47, 39.996]]
    path = write_xlsx(tmp_path / "odd.xlsx", {"名单": rows})
    failed = run(runner, db, "import", str(path), code=2)
    assert "横坐标" in failed.stderr
    report_path = tmp_path / "r.json"
    mapping = "name=点位名,lon=横坐标,lat=纵坐标"
    run(runner, db, "import", str(path), "--columns", mapping, "--report", str(report_path))
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["mapping"] == {"name": "点位名", "lon": "横坐标", "lat": "纵坐标"}
    assert (report["sheet"], report["created"]) == ("名单", 1)
    assert stored(db) == ["望京暖心驿站"]


def test_an_unknown_field_in_columns_exits_2(runner: CliRunner, db: str, good: Path) -> None:
    result = run(runner, db, "import", str(good), "--columns", "nom=驿站名称", code=2)
    err = squash(result.stderr)
    assert "(invalid_parameter)" in err
    assert "列映射中有未知字段" in err
    assert "nom" in err


@pytest.mark.parametrize(
    "encoding",
    ["bz2_codec", "zlib_codec", "base64_codec", "rot13", "hex", "undefined", "unicode_escape",
     "klingon"],
)  # fmt: skip
def test_an_encoding_that_is_no_character_encoding_exits_2(
    runner: CliRunner, db: str, good: Path, tmp_path: Path, encoding: str
) -> None:
    """The same message as the API's, before the file or the store is touched."""
    report_path = tmp_path / "r.json"
    result = run(runner, db, "import", str(good), "--encoding", encoding, "--report",
                 str(report_path), code=2)  # fmt: skip
    err = squash(result.stderr)
    assert "(invalid_parameter)" in err
    for text in (f"编码'{encoding}'", f"encoding'{encoding}'", "utf-8、utf-8-sig、gbk、gb18030",
                 "utf-8,utf-8-sig,gbk,gb18030", "big5"):  # fmt: skip
        assert text in err, result.stderr
    assert result.stdout.strip() == ""
    assert not report_path.exists()
    assert stored(db) == []


def test_a_stated_encoding_is_used(runner: CliRunner, db: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", encoding="gbk")
    report_path = tmp_path / "r.json"
    run(runner, db, "import", str(path), "--encoding", "GBK", "--report", str(report_path))
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert (report["encoding"], report["created"]) == ("gbk", 3)


def test_export_csv_in_bd09_names_the_datum_and_reads_back(
    runner: CliRunner, db: str, good: Path, tmp_path: Path
) -> None:
    run(runner, db, "import", str(good), "--crs", "wgs84")
    out = tmp_path / "x.csv"
    result = run(runner, db, "export", "--format", "csv", "--crs", "bd09", "--out", str(out))
    assert "exported3stations" in squash(result.stdout)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as f:
        header, *body = list(csv.reader(f))
    assert "经度(百度) lon" in header
    assert "纬度(百度) lat" in header
    assert len(body) == 3
    report_path = tmp_path / "r.json"
    run(runner, db, "import", str(out), "--report", str(report_path))
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert (report["datum"], report["datum_source"]) == ("bd09", "header")
    assert (report["rows"], report["unchanged"]) == (3, 3)


def test_export_gpkg_in_gcj02_exits_2(runner: CliRunner, db: str, tmp_path: Path) -> None:
    out = tmp_path / "x.gpkg"
    result = run(
        runner, db, "export", "--format", "gpkg", "--crs", "gcj02", "--out", str(out), code=2
    )
    err = squash(result.stderr)
    assert "(invalid_parameter)" in err
    assert "GeoPackage只能以WGS84导出" in err
    assert "GeoPackageexportmustbeinWGS84" in err
    assert not out.exists()


def test_export_of_an_area(runner: CliRunner, db: str, good: Path, tmp_path: Path) -> None:
    """--adcode keeps one province, city or district; an ambiguous name exits 2."""
    run(runner, db, "import", str(good), "--crs", "wgs84")
    out = tmp_path / "zj.csv"
    result = run(runner, db, "export", "--format", "csv", "--adcode", "浙江省", "--out", str(out))
    assert "exported0stations" in squash(result.stdout)
    result = run(runner, db, "export", "--adcode", "朝阳区", "--out", str(out), code=2)
    err = squash(result.stderr)
    assert "北京市朝阳区(110105)" in err
    assert "吉林省长春市朝阳区(220104)" in err


# -- the limits of one import (issue 22, defect 6) -------------------------------------------


@pytest.fixture
def limits_of(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set the import limits through the environment, as an operator does."""

    def use(**values: int) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"STATIONFINDER_{name.upper()}", str(value))
        get_settings.cache_clear()

    saved = {r: resource.getrlimit(r) for r in (resource.RLIMIT_AS, resource.RLIMIT_CPU)}
    handler = signal.getsignal(signal.SIGXCPU)
    yield use
    get_settings.cache_clear()
    # The command ran in this process: its limits must be gone again.
    assert {r: resource.getrlimit(r) for r in saved} == saved
    assert signal.getsignal(signal.SIGXCPU) == handler


def test_the_command_line_stops_an_import_past_its_memory_limit(
    runner: CliRunner, db: str, tmp_path: Path, limits_of: Callable[..., None]
) -> None:
    # A process of its own, as an operator runs the command: inside pytest's worker, memory
    # freed by earlier tests can serve the import's allocations without growing the
    # address space, so whether RLIMIT_AS is reached would depend on what ran before.
    limits_of()
    path = tmp_path / "驿站名录.xlsx"
    path.write_bytes(shared_strings_bomb(400_000, 100))
    done = subprocess.run(
        [sys.executable, "-c", "from cli.main import app; app()", "import", str(path),
         "--database-url", db],
        env=os.environ | {"STATIONFINDER_IMPORT_MAX_MEMORY_MB": "16"},
        capture_output=True, text=True, timeout=600, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "import_too_costly" in done.stderr
    assert "16MB" in squash(done.stderr)
    assert stored(db) == []


def test_the_command_line_stops_an_import_past_its_cpu_limit(
    runner: CliRunner,
    db: str,
    good: Path,
    limits_of: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = runner_module.import_file

    def spinning(*args: Any, **kwargs: Any) -> Any:
        shown = kwargs["progress"]

        def progress(done: int, total: int | None) -> None:
            shown(done, total)
            while True:  # rows written, not committed: only the CPU limit ends this
                pass

        return real(*args, **{**kwargs, "progress": progress})

    monkeypatch.setattr(runner_module, "import_file", spinning)
    limits_of(import_max_cpu_s=1)
    result = run(runner, db, "import", str(good), "--crs", "wgs84", code=2)
    assert "import_too_costly" in result.stderr
    assert "STATIONFINDER_IMPORT_MAX_CPU_S" in squash(result.stderr)
    assert stored(db) == []
