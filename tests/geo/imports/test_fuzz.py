"""Hostile and random files: always a report or a clean error, never a crash, never half a write.

Random bytes under every supported name, random sheets (cell types, sizes, formulas),
random CSV dialects and encodings, and valid files with bytes flipped all end in an
``ImportReport`` whose rows balance, or a ``StationError`` with the registry exactly as
it was. Zip bombs, huge cells, too many rows or columns and deep JSON are refused.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import suppress
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import InvalidFile, StationError
from geo.imports import readers
from geo.imports.readers import MAX_CELL_CHARS, open_source
from geo.imports.report import ImportReport
from geo.imports.runner import import_file
from geo.registry import Registry, open_registry, station_fields
from tests.geo.imports.fixtures import (
    HEADERS,
    STATIONS,
    write_csv,
    write_geojson,
    write_vector,
    write_xlsx,
    write_zip,
)

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run and in CI
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SUFFIXES = [".csv", ".txt", ".xlsx", ".xlsm", ".geojson", ".json", ".gpkg", ".shp", ".zip"]
# Headers the column recogniser knows, and some it does not.
HEADER_WORDS = [
    *("驿站名称", "名称", "经度", "纬度", "lon", "lat", "详细地址", "服务内容", "开放时间"),
    *("停车位", "充电桩", "联系电话", "编号", "状态", "备注", "", "经度(百度)"),
]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """One in-memory registry for a module's examples, holding the three Beijing stations."""
    reg = open_registry("sqlite://")
    seed = write_csv(tmp_path_factory.mktemp("seed") / "seed.csv")
    assert import_file(reg, seed, crs="wgs84").created == 3
    yield reg
    reg.close()


def snapshot(registry: Registry) -> list[tuple[int, dict[str, Any], Any]]:
    page = registry.list_stations(limit=100_000)
    return [(s.id, station_fields(s), s.updated_at) for s in page.items]


def check_import(registry: Registry, path: Path, *, filename: str | None = None, **kw: Any) -> Any:
    """Import; a report must balance, an error must be a StationError and change nothing."""
    before = snapshot(registry)
    try:
        report = import_file(registry, path, filename=filename, **kw)
    except StationError as exc:
        error = exc
    else:
        assert isinstance(report, ImportReport)
        assert report.balanced
        if not report.committed:
            assert snapshot(registry) == before
        return report
    assert error.message.strip()
    assert error.message_zh.strip()
    assert snapshot(registry) == before, "an import that failed changed the registry"
    return error


# --------------------------------------------------------------------------- random bytes


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(registry: Registry, tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"upload{suffix}"
    path.write_bytes(data)
    check_import(registry, path)


def zip_like(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


@FUZZ
@given(
    members=st.dictionaries(
        st.sampled_from(
            ["a.shp", "a.dbf", "a.shx", "a.cpg", "a.prj", "x/b.shp", "__MACOSX/._a.shp"]
        ),
        st.binary(max_size=512),
        max_size=5,
    ),
    suffix=st.sampled_from([".zip", ".xlsx"]),
)
def test_random_zips(
    registry: Registry, tmp_path: Path, members: dict[str, bytes], suffix: str
) -> None:
    """Zips that are real zips, with junk inside: deeper than "not a zip"."""
    path = tmp_path / f"upload{suffix}"
    path.write_bytes(zip_like(members))
    check_import(registry, path)


# --------------------------------------------------------------------------- valid files, damaged


def valid_files(directory: Path) -> dict[str, bytes]:
    """One small valid file of each format, as bytes."""
    records = [{"name": s[1], "address": s[4]} for s in STATIONS]
    lonlats = [(float(s[2]), float(s[3])) for s in STATIONS]
    shp = write_vector(directory / "s.shp", records, lonlats)
    parts = {p.name: p for p in directory.glob("s.*")}
    files = {
        ".csv": write_csv(directory / "s.csv"),
        ".xlsx": write_xlsx(directory / "s.xlsx", {"驿站": [HEADERS, *STATIONS]}),
        ".geojson": write_geojson(
            directory / "s.geojson",
            [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": ll},
                    "properties": r,
                }
                for r, ll in zip(records, lonlats, strict=True)
            ],
        ),
        ".gpkg": write_vector(directory / "s.gpkg", records, lonlats),
        ".zip": write_zip(directory / "s.zip", parts),
    }
    assert shp.exists()
    return {suffix: p.read_bytes() for suffix, p in files.items()}


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return valid_files(tmp_path_factory.mktemp("valid"))


@FUZZ
@given(
    suffix=st.sampled_from([".csv", ".xlsx", ".geojson", ".gpkg", ".zip"]),
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=8),
    cut=st.one_of(st.none(), st.floats(0, 1)),
)
def test_damaged_files(
    registry: Registry,
    originals: dict[str, bytes],
    tmp_path: Path,
    suffix: str,
    flips: list[tuple[float, int]],
    cut: float | None,
) -> None:
    data = bytearray(originals[suffix])
    for where, byte in flips:
        data[int(where * len(data))] = byte
    if cut is not None:
        data = data[: int(cut * len(data))]
    path = tmp_path / f"upload{suffix}"
    path.write_bytes(bytes(data))
    check_import(registry, path, mode="dry_run")


def test_valid_files_import(originals: dict[str, bytes], tmp_path: Path) -> None:
    """The damaged files above start from files that import (else the fuzz proves little)."""
    for suffix, data in originals.items():
        reg = open_registry("sqlite://")
        try:
            path = tmp_path / f"ok{suffix}"
            path.write_bytes(data)
            report = import_file(reg, path, crs="wgs84")
            assert report.created == 3, (suffix, report.to_dict())
        finally:
            reg.close()


# --------------------------------------------------------------------------- random sheets

SHORT_TEXT = st.text(max_size=30)
CELL = st.one_of(
    st.none(),
    SHORT_TEXT,
    st.sampled_from(
        [
            "=cmd|' /C calc'!A0",
            "@SUM(1)",
            "+1",
            "-1",
            "24小时",
            "饮水、微波炉",
            "116.4",
            "39.9",
            "39.9,116.4",
            "nan",
            "1e400",
            "\u200b",
        ]
    ),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 1, 1)),
    st.dates(min_value=date(1900, 3, 1)),
    st.times(),
    st.integers(MAX_CELL_CHARS - 2, MAX_CELL_CHARS + 2).map(lambda n: "长" * n),
)
SHEET = st.tuples(
    st.lists(st.sampled_from(HEADER_WORDS), min_size=1, max_size=8),
    st.lists(st.lists(CELL, max_size=10), max_size=12),
)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_cell(value: Any) -> Any:
    """What openpyxl can store: it refuses control characters and non-finite floats."""
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, float) and abs(value) == float("inf"):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    if isinstance(value, dtime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


# A sheet's name as Excel allows one: no control characters (openpyxl writes them only
# without lxml, which the test extras bring in with OWSLib; either way, not a real name).
TITLES = st.text(st.characters(exclude_categories=("Cc", "Cs", "Cn")), min_size=1, max_size=10)


@FUZZ
@given(sheet=SHEET, title=TITLES.filter(lambda t: t.strip()))
def test_random_sheets(
    registry: Registry, tmp_path: Path, sheet: tuple[list[str], list[list[Any]]], title: str
) -> None:
    headers, rows = sheet
    book = openpyxl.Workbook()
    ws = book.active
    with suppress(ValueError):  # a title Excel forbids ([]:*?/\)
        ws.title = title
    for r, row in enumerate([headers, *rows], start=1):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=xlsx_cell(value))
    path = tmp_path / "sheet.xlsx"
    book.save(path)
    result = check_import(registry, path, mode="dry_run")
    if isinstance(result, ImportReport):
        long_rows = {
            r + 2
            for r, row in enumerate(rows)
            if any(isinstance(v, str) and len(v) > MAX_CELL_CHARS for v in row[: len(headers)])
        }
        rejected = {i.row for i in result.issues if i.code == "cell_too_long"}
        assert rejected <= long_rows


DIALECTS = st.fixed_dictionaries(
    {
        "delimiter": st.sampled_from([",", ";", "\t", "|"]),
        "quoting": st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
        "lineterminator": st.sampled_from(["\r\n", "\n", "\r"]),
    }
)


@FUZZ
@given(
    sheet=SHEET,
    dialect=DIALECTS,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "gbk", "latin-1"]),
    stated=st.booleans(),
)
def test_random_csv(
    registry: Registry,
    tmp_path: Path,
    sheet: tuple[list[str], list[list[Any]]],
    dialect: dict[str, Any],
    encoding: str,
    stated: bool,
) -> None:
    headers, rows = sheet
    out = io.StringIO()
    writer = csv.writer(out, **dialect)
    for row in [headers, *rows]:
        writer.writerow(["" if v is None else str(v) for v in row])
    data = out.getvalue().encode(encoding, errors="replace")
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    check_import(registry, path, encoding=encoding if stated else None, mode="dry_run")


# --------------------------------------------------------------------------- refused


def bomb(path: Path, member: str, size: int, extra: dict[str, bytes] | None = None) -> Path:
    """A zip whose `member` is `size` zero bytes (about 1,000 to 1 compressed)."""
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
        with archive.open(member, "w", force_zip64=True) as f:
            for _ in range(size // len(chunk)):
                f.write(chunk)
    return path


@pytest.fixture(scope="module")
def gigabyte_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 GiB of zeros as a Shapefile's .dbf, zipped to a few MB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    return bomb(path, "a.dbf", (1 << 30) + (1 << 20), {"a.shp": b"", "a.shx": b""})


@pytest.mark.slow
def test_zip_bomb_refused_without_inflating(
    gigabyte_bomb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert gigabyte_bomb.stat().st_size < 8 << 20

    def inflate(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a member was opened: the bomb went off")

    # Every way of reading a member goes through ZipFile.open (read, extract, extractall).
    monkeypatch.setattr(zipfile.ZipFile, "open", inflate)
    for suffix in (".zip", ".xlsx"):
        with pytest.raises(InvalidFile, match="zip bomb") as caught:
            open_source(gigabyte_bomb, filename=f"upload{suffix}")
        assert "1,074,790,400 bytes" in caught.value.message
        assert "压缩炸弹" in caught.value.message_zh


def test_ratio_bomb_refused(tmp_path: Path) -> None:
    """Under the size limit, but compressed as only zeros compress: refused by the ratio."""
    path = bomb(tmp_path / "b.xlsx", "xl/worksheets/sheet1.xml", 64 << 20)
    with pytest.raises(InvalidFile, match=r"compressed .* to 1"):
        open_source(path)


def test_many_members_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(readers.MAX_ZIP_MEMBERS + 1):
            archive.writestr(f"f{i}", b"")
    with pytest.raises(InvalidFile, match="10,001 files"):
        open_source(path)


def long_cell_xlsx(path: Path, rows: list[list[Any]], placeholder: str, text: str) -> Path:
    """A workbook with `text` where `placeholder` was: openpyxl itself cuts long strings."""
    write_xlsx(path, {"s": rows})
    parts = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            parts[info.filename] = data.replace(placeholder.encode(), text.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_huge_cell_rejects_its_row_only(tmp_path: Path) -> None:
    long_text = "路" * (MAX_CELL_CHARS + 1)
    rows = [HEADERS, *STATIONS]
    rows[2] = [*rows[2][:4], "LONG-CELL", rows[2][5]]
    xlsx = long_cell_xlsx(tmp_path / "h.xlsx", rows, "LONG-CELL", long_text)
    rows[2][4] = long_text
    for path in (xlsx, write_csv(tmp_path / "h.csv", rows)):
        reg = open_registry("sqlite://")
        try:
            report = import_file(reg, path, crs="wgs84")
        finally:
            reg.close()
        assert (report.created, report.rejected) == (2, 1), report.to_dict()
        (issue,) = [i for i in report.issues if i.code == "cell_too_long"]
        assert (issue.row, issue.column, issue.severity) == (3, "详细地址", "error")


def test_too_many_rows_writes_nothing(tmp_path: Path) -> None:
    rows = [HEADERS] + [[str(i), f"驿站{i}", f"116.{i:04d}", "39.9", "", ""] for i in range(30)]
    csv_path = write_csv(tmp_path / "rows.csv", rows)
    xlsx_path = write_xlsx(tmp_path / "rows.xlsx", {"s": rows})
    for path in (csv_path, xlsx_path):
        reg = open_registry("sqlite://")
        try:
            with pytest.raises(InvalidFile, match="more than 25 data rows"):
                import_file(reg, path, crs="wgs84", chunk_size=10, max_rows=25)  # 2 chunks
            assert reg.list_stations().total == 0
        finally:
            reg.close()
    records = [{"name": f"s{i}"} for i in range(30)]
    gpkg = write_vector(tmp_path / "rows.gpkg", records, [(116.4, 39.9)] * 30)
    with pytest.raises(InvalidFile, match="more than 25"):
        open_source(gpkg, max_rows=25)  # a vector file's count is known: refused up front


def test_too_many_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "wide.csv", [[f"c{i}" for i in range(1001)], ["x"] * 1001])
    with pytest.raises(InvalidFile, match="1,001 columns"):
        open_source(path)


def test_deeply_nested_geojson(tmp_path: Path) -> None:
    path = tmp_path / "deep.geojson"
    path.write_text('{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000)
    with pytest.raises(InvalidFile):
        open_source(path)


def test_formula_cells_import_as_text(tmp_path: Path) -> None:
    """A formula-looking name is data: imported as text, never evaluated or mangled."""
    rows = [HEADERS, ["1", "=cmd|' /C calc'!A0", "116.4340", "39.9243", "", ""]]
    reg = open_registry("sqlite://")
    try:
        report = import_file(reg, write_csv(tmp_path / "f.csv", rows), crs="wgs84")
        assert report.created == 1
        assert reg.list_stations().items[0].name == "=cmd|' /C calc'!A0"
    finally:
        reg.close()


def test_json_fuzz_never_escapes(tmp_path: Path) -> None:
    """A few shapes GeoJSON readers choke on."""
    reg = open_registry("sqlite://")
    try:
        for i, text in enumerate(
            [
                "null",
                "[]",
                '{"type": "FeatureCollection"}',
                '{"type": "FeatureCollection", "features": [null]}',
                '{"type": "Feature", "geometry": {"type": "Point", "coordinates": "x"}}',
                '{"type": "FeatureCollection", "features": [], "crs": 5}',
                json.dumps(
                    {
                        "type": "Feature",
                        "properties": {"name": "x" * 100_000},
                        "geometry": {"type": "Point", "coordinates": [116.4, 39.9]},
                    }
                ),
            ]
        ):
            path = tmp_path / f"j{i}.geojson"
            path.write_text(text)
            check_import(reg, path)
    finally:
        reg.close()
