"""Every row of every format is accounted for: one outcome each, at the row the user sees.

Hypothesis writes station lists in each format the importer reads (CSV in UTF-8 and GBK,
XLSX, GeoJSON, GeoPackage, zipped Shapefile) from rows of known kinds, good ones and
malformed ones mixed, with the blank rows and multi-line cells the format allows, and
checks the report against what each row is:

- ``rows == created + updated + unchanged + duplicates + rejected``, ``rows`` being the
  number of records in the file (blank lines and rows are none);
- the rows with an error are exactly the bad ones, each with its expected code, at the
  row number the user finds it under (spreadsheet row, CSV line, feature number + 1);
- no issue names a row the file does not have.

``test_fuzz`` checks that random and damaged files never crash; this checks that files
whose every row is known are counted exactly.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from geo.errors import InvalidFile
from geo.imports.readers import MAX_CELL_CHARS
from geo.imports.report import ImportReport
from geo.imports.runner import import_file
from geo.registry import Registry, open_registry
from tests.geo.imports.fixtures import shapefile_parts, write_zip

ACCOUNTING = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,  # the same examples on every run and in CI
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
HEADERS: Final = ["名称", "经度", "纬度", "地址", "备注"]
CSV_LIMIT: Final = 131_072  # Python's csv.field_size_limit(): the record is read again


@dataclass
class Row:
    """One record as written, and what the import must make of it."""

    cells: dict[str, Any] = field(default_factory=dict)  # header -> value (tabular)
    geometry: Any = None  # vector formats: a shapely geometry or None
    feature: Any = None  # GeoJSON: the element of "features" as written, if not a Feature
    outcome: str | None = "created"  # None: a blank row, which is no row
    code: str | None = None  # the error code expected on the row
    lines: int = 1  # CSV: physical lines the record takes


def place(n: int) -> tuple[float, float]:
    """Stations 100 m apart in Chaoyang (WGS84): never duplicates of each other."""
    return 116.40 + n * 0.001, 39.92


def good(n: int, **cells: Any) -> Row:
    lon, lat = place(n)
    values = {"名称": f"驿站{n}", "经度": lon, "纬度": lat, "地址": f"朝阳路{n}号"}
    return Row({**values, **cells}, geometry=Point(lon, lat))


def bad(n: int, code: str, **cells: Any) -> Row:
    row = good(n, **cells)
    row.outcome, row.code = "rejected", code
    return row


def vector(row: Row, geometry: Any, code: str) -> Row:
    row.geometry, row.outcome, row.code = geometry, "rejected", code
    return row


# Kinds of row: n -> the row. Each format takes the kinds it can hold.
COMMON: dict[str, Callable[[int], Row]] = {
    "good": good,
    "no_name": lambda n: bad(n, "missing_name", 名称=None),
    "far": lambda n: vector(
        bad(n, "coordinate_out_of_range", 经度=200.0), Point(200.0, 39.9), "coordinate_out_of_range"
    ),
}
TABULAR: dict[str, Callable[[int], Row]] = {
    **COMMON,
    "bad_lon": lambda n: bad(n, "invalid_coordinate", 经度="东经116度"),
    "no_lat": lambda n: bad(n, "missing_coordinate", 纬度=None),
    "long_cell": lambda n: bad(n, "cell_too_long", 地址="路" * (MAX_CELL_CHARS + 1)),
    "blank": lambda n: Row(outcome=None),
}
CSV_KINDS: dict[str, Callable[[int], Row]] = {
    **TABULAR,
    "huge_cell": lambda n: bad(n, "cell_too_long", 地址="路" * (CSV_LIMIT + 10)),
    "huge_quoted": lambda n: _lines(bad(n, "cell_too_long", 地址="路\n" * (CSV_LIMIT // 2 + 10))),
    "two_lines": lambda n: _lines(good(n, 地址=f"朝阳路{n}号\n三层")),
}
XLSX_KINDS: dict[str, Callable[[int], Row]] = {  # openpyxl cuts long cells: see test_fuzz
    **{k: v for k, v in TABULAR.items() if k != "long_cell"},
    "formula_name": lambda n: bad(n, "formula_without_value", 名称=f'="驿站"&{n}'),
    "formula_only": lambda n: Row(
        {"名称": f"=A{n}", "经度": "=1+1"}, outcome="rejected", code="formula_without_value"
    ),
    "formula_note": lambda n: good(n, 备注="=LEN(A1)"),  # a column not imported
}
GEOJSON_KINDS: dict[str, Callable[[int], Row]] = {
    **COMMON,
    "null_geometry": lambda n: vector(good(n), None, "not_a_point"),
    "line": lambda n: vector(good(n), LineString([place(n), place(n + 1)]), "not_a_point"),
    "null_feature": lambda n: _not_feature(None),
    "number_feature": lambda n: _not_feature(n),
    "untyped_feature": lambda n: _not_feature({"properties": {"名称": f"驿站{n}"}}),
    "point_not_feature": lambda n: _not_feature({"type": "Point", "coordinates": place(n)}),
}
GPKG_KINDS: dict[str, Callable[[int], Row]] = {
    **COMMON,
    "null_geometry": lambda n: vector(good(n), None, "not_a_point"),
    "line": lambda n: vector(good(n), LineString([place(n), place(n + 1)]), "not_a_point"),
}
SHP_KINDS: dict[str, Callable[[int], Row]] = {  # a Shapefile holds one geometry type
    **COMMON,
    "null_geometry": lambda n: vector(good(n), None, "not_a_point"),
}


def _lines(row: Row) -> Row:
    row.lines = 1 + str(row.cells["地址"]).count("\n")
    return row


def _not_feature(element: Any) -> Row:
    return Row(feature=element, outcome="rejected", code="invalid_feature")


def table(kinds: list[str], makers: dict[str, Callable[[int], Row]]) -> list[Row]:
    """The rows of `kinds`; "repeat" repeats the last good row (a duplicate_row)."""
    rows: list[Row] = []
    for n, kind in enumerate(kinds):
        last_good = next((r for r in reversed(rows) if r.outcome == "created"), None)
        if kind == "repeat" and last_good is not None:
            rows.append(Row(dict(last_good.cells), last_good.geometry, last_good.feature,
                            "duplicate", "duplicate_row", last_good.lines))  # fmt: skip
        else:
            rows.append(makers.get(kind, good)(n))
    return rows


def kinds_of(makers: dict[str, Callable[[int], Row]]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from([*makers, "repeat"]), max_size=12)


# --------------------------------------------------------------------------- writers
# Each returns the file and the row number of every row (None for blank ones).


def write_csv_rows(path: Path, rows: list[Row], encoding: str) -> tuple[Path, list[int | None]]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    numbers: list[int | None] = []
    line = 2
    for row in rows:
        writer.writerow(["" if row.cells.get(h) is None else row.cells[h] for h in HEADERS]
                        if row.outcome else [])  # fmt: skip
        numbers.append(line if row.outcome else None)
        line += row.lines
    path.write_bytes(out.getvalue().encode(encoding))
    return path, numbers


def write_xlsx_rows(path: Path, rows: list[Row]) -> tuple[Path, list[int | None]]:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADERS)
    for number, row in enumerate(rows, start=2):
        for column, header in enumerate(HEADERS, start=1):
            if row.cells.get(header) is not None:
                ws.cell(row=number, column=column, value=row.cells[header])
    book.save(path)
    return path, [n if r.outcome else None for n, r in enumerate(rows, start=2)]


def write_geojson_rows(path: Path, rows: list[Row]) -> tuple[Path, list[int | None]]:
    features = []
    for row in rows:
        if row.code == "invalid_feature":
            features.append(row.feature)
            continue
        properties = {h: row.cells.get(h) for h in ("名称", "地址", "备注")}
        geometry = None if row.geometry is None else row.geometry.__geo_interface__
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path, [i + 2 for i in range(len(rows))]


def write_vector_rows(path: Path, rows: list[Row]) -> tuple[Path, list[int | None]]:
    frame = gpd.GeoDataFrame(
        {"名称": [r.cells.get("名称") for r in rows], "地址": [r.cells.get("地址") for r in rows]},
        geometry=[r.geometry for r in rows],
        crs="EPSG:4326",
    )
    if path.suffix == ".zip":
        shp = path.with_suffix(".shp")
        frame.to_file(shp, engine="pyogrio", encoding="utf-8")
        write_zip(path, {f"驿站{e}": p for e, p in shapefile_parts(shp).items()})
    else:
        frame.to_file(path, engine="pyogrio", layer="驿站")
    return path, [i + 2 for i in range(len(rows))]


# --------------------------------------------------------------------------- the check


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    """An empty registry: every import here is a dry run, so it stays empty."""
    reg = open_registry("sqlite://")
    yield reg
    reg.close()


def assert_accounted(report: ImportReport, rows: list[Row], numbers: list[int | None]) -> None:
    expected = [(n, r) for n, r in zip(numbers, rows, strict=True) if n is not None]
    assert report.balanced
    assert report.rows == len(expected), report.to_dict()
    outcomes = [r.outcome for _, r in expected]
    assert (report.created, report.updated, report.unchanged) == (outcomes.count("created"), 0, 0)
    assert report.duplicates == outcomes.count("duplicate")
    assert report.rejected == outcomes.count("rejected")
    errors: dict[int | None, set[str]] = {}
    for issue in report.issues:
        if issue.severity == "error":
            errors.setdefault(issue.row, set()).add(issue.code)
    assert set(errors) == {n for n, r in expected if r.outcome != "created"}, errors
    for number, row in expected:
        if row.code is not None:
            assert row.code in errors[number], (number, row, errors[number])
    shown = {n for n, _ in expected}
    assert {i.row for i in report.issues} <= shown, "an issue names a row the file lacks"


def imported(registry: Registry, path: Path, **options: Any) -> ImportReport:
    return import_file(registry, path, crs="wgs84", mode="dry_run", **options)


ALL_CSV = [*CSV_KINDS, "repeat", "good", "repeat"]


@ACCOUNTING
@given(kinds=kinds_of(CSV_KINDS), encoding=st.sampled_from(["utf-8", "gbk"]))
@example(kinds=ALL_CSV, encoding="utf-8")
@example(kinds=["huge_cell", *ALL_CSV], encoding="gbk")  # within the lines sniffed
def test_csv_rows_are_accounted_for(
    registry: Registry, tmp_path: Path, kinds: list[str], encoding: str
) -> None:
    rows = table(kinds, CSV_KINDS)
    path, numbers = write_csv_rows(tmp_path / "list.csv", rows, encoding)
    report = imported(registry, path)
    assert report.encoding == ("utf-8" if encoding == "utf-8" else "gb18030")
    assert_accounted(report, rows, numbers)


@ACCOUNTING
@given(kinds=kinds_of(XLSX_KINDS))
@example(kinds=[*XLSX_KINDS, "repeat", "good", "repeat"])
@example(kinds=["formula_only", "blank", "formula_name", "good"])  # nothing cached up top
def test_xlsx_rows_are_accounted_for(registry: Registry, tmp_path: Path, kinds: list[str]) -> None:
    rows = table(kinds, XLSX_KINDS)
    path, numbers = write_xlsx_rows(tmp_path / "list.xlsx", rows)
    assert_accounted(imported(registry, path), rows, numbers)


@ACCOUNTING
@given(kinds=kinds_of(GEOJSON_KINDS))
@example(kinds=[*GEOJSON_KINDS, "repeat", "good", "repeat"])
def test_geojson_features_are_accounted_for(
    registry: Registry, tmp_path: Path, kinds: list[str]
) -> None:
    rows = table(kinds, GEOJSON_KINDS)
    path, numbers = write_geojson_rows(tmp_path / "list.geojson", rows)
    if all(r.code == "invalid_feature" for r in rows):
        # No Feature, so no property names a column: refused whole, like any file
        # without a name column (and none of its elements is taken for a station).
        with pytest.raises(InvalidFile, match="cannot find the column"):
            imported(registry, path)
        return
    assert_accounted(imported(registry, path), rows, numbers)


@ACCOUNTING
@given(kinds=kinds_of(GPKG_KINDS))
@example(kinds=[*GPKG_KINDS, "repeat", "good", "repeat"])
def test_geopackage_features_are_accounted_for(
    registry: Registry, tmp_path: Path, kinds: list[str]
) -> None:
    rows = table(kinds, GPKG_KINDS)
    path, numbers = write_vector_rows(tmp_path / "list.gpkg", rows)
    assert_accounted(imported(registry, path), rows, numbers)


@ACCOUNTING
@given(kinds=kinds_of(SHP_KINDS))
@example(kinds=[*SHP_KINDS, "repeat", "good", "repeat"])
def test_zipped_shapefile_features_are_accounted_for(
    registry: Registry, tmp_path: Path, kinds: list[str]
) -> None:
    rows = table(kinds, SHP_KINDS)
    path, numbers = write_vector_rows(tmp_path / "list.zip", rows)
    assert_accounted(imported(registry, path), rows, numbers)
