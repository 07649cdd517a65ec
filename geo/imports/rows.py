"""One spreadsheet row to one station: parse, fix what is safe to fix, report the rest.

A row is *rejected* (error) when it cannot be placed or named: no name, coordinates
missing, not numbers, outside the datum's valid range, or outside China for GCJ-02 and
BD-09. Coordinates given as (lat, lon) are swapped back with a warning when only the
swapped order lies in mainland China; never imported at the wrong place silently.
Everything else that is unusable (an unknown amenity label, unreadable hours, a count
that is not a number) is left out of the station with a *warning* naming the value.

A row is also rejected when the reader could not give it: a record that is not a row at
all (a GeoJSON feature that is not a Feature: only that is reported), or a cell it could
not read in a column the import uses (longer than Excel's limit, a formula without a
stored result: reported for that column, which the other checks then leave alone).

Here: the row (its coordinates, datum and place) and the report; turning each cell into
a field value is :mod:`geo.imports.cells`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geo.border import REGION_NAMES, border_ambiguity
from geo.datums import Datum, in_mainland_china, invalid_lonlat_mask, to_wgs84
from geo.errors import StationError
from geo.imports.cells import PARSERS, Parsed, cell_number, cell_text
from geo.imports.columns import ColumnMapping
from geo.imports.readers import MAX_CELL_CHARS, RawRow
from geo.imports.report import Issue
from geo.model import PLACE_FIELDS, StationData, build_station_data
from geo.outlines.national import Place
from geo.places import Disagreement, disagreements, locate, place_values


@dataclass
class RowResult:
    """A row's station (None when rejected), its issues, and the fields the file gave."""

    data: StationData | None
    issues: list[Issue] = field(default_factory=list)
    given: frozenset[str] = frozenset()


class _Row:
    """Collects one row's fields and issues."""

    def __init__(self, raw: RawRow, mapping: ColumnMapping, spreadsheet: bool) -> None:
        self.raw = raw
        self.mapping = mapping
        self.spreadsheet = spreadsheet
        self.issues: list[Issue] = []
        self.rejected = False
        # Columns whose cell the reader could not give (reported once, here): what the
        # validators would say of the blank left in their place is beside the point.
        self.unread: set[str] = set()
        self.final = raw.problem is not None  # not a row at all: only that is reported
        if raw.problem is not None:
            p = raw.problem
            self.issues.append(Issue(raw.number, None, p.code, "error", p.message,
                                     p.message_zh, p.value))  # fmt: skip
            self.rejected = True
            return
        for header in raw.oversized:  # the reader cut a cell too long to be real data
            issue = Issue(
                raw.number, header, "cell_too_long", "error",
                f"the cell holds more than {MAX_CELL_CHARS:,} characters (Excel's limit); "
                "row not imported",
                f"单元格超过 {MAX_CELL_CHARS:,} 个字符（Excel 的上限），该行未导入",
            )  # fmt: skip
            self.issues.append(issue)
            self.unread.add(header)
            self.rejected = True
        used = set(mapping.columns.values()) if raw.uncached else set()
        for header in raw.uncached:
            if header not in used:
                continue  # a column the import does not read: its value does not matter
            issue = Issue(
                raw.number, header, "formula_without_value", "error",
                "the cell holds a formula whose result the file does not store (it was "
                "saved by a program that does not calculate); open the file in Excel or "
                "WPS, save it again, and re-import; row not imported",
                "单元格是公式，但文件中没有保存其计算结果（由不计算公式的程序生成）；"
                "请用 Excel 或 WPS 打开并重新保存后再导入；该行未导入",
            )  # fmt: skip
            self.issues.append(issue)
            self.unread.add(header)
            self.rejected = True

    def cell(self, field_name: str) -> Any:
        header = self.mapping.columns.get(field_name)
        return None if header is None else self.raw.values.get(header)

    def text(self, field_name: str) -> str | None:
        return cell_text(self.cell(field_name), spreadsheet=self.spreadsheet)

    def report(
        self, field_name: str | None, code: str, error: bool, en: str, zh: str, value: Any
    ) -> None:
        column = self.mapping.columns.get(field_name) if field_name else None
        if self.final or (column is not None and column in self.unread):
            self.rejected |= error
            return
        shown = None if value is None else str(value)[:200]
        self.issues.append(
            Issue(
                self.raw.number,
                column or field_name,
                code,
                "error" if error else "warning",
                en,
                zh,
                shown,
            )
        )
        self.rejected |= error


def _coordinates(row: _Row) -> tuple[float, float] | None:
    """The row's two coordinate numbers as written, or None (with an error reported)."""
    raw = row.raw
    if row.final:
        return None
    if raw.geometry_problem and "lon" not in row.mapping.columns:
        row.report(
            None,
            "not_a_point",
            True,
            f"geometry is {raw.geometry_problem}, not a Point",
            f"几何对象为 {raw.geometry_problem}，不是点",
            raw.geometry_problem,
        )
        return None
    if "lonlat" in row.mapping.columns:
        cell = row.cell("lonlat")
        parts = re.split(r"[,，\s;；]+", cell_text(cell) or "")
        lon_v, lat_v = (parts[0], parts[1]) if len(parts) == 2 else (cell, None)
        names = ("lonlat", "lonlat")
    elif raw.point is not None and "lon" not in row.mapping.columns:
        lon_v, lat_v = raw.point
        names = ("lon", "lat")
    else:
        lon_v, lat_v = row.cell("lon"), row.cell("lat")
        names = ("lon", "lat")
    values = []
    for name, v, zh in ((names[0], lon_v, "经度"), (names[1], lat_v, "纬度")):
        if cell_text(v) is None:
            row.report(name, "missing_coordinate", True, f"{name} is missing", f"缺少{zh}", v)
            continue
        number = cell_number(v)
        if number is None:
            row.report(
                name,
                "invalid_coordinate",
                True,
                f"{name} {v!r} is not a number",
                f"{zh} {v!r} 不是数字",
                v,
            )
        values.append(number)
    if row.rejected or len(values) != 2 or None in values:
        return None
    return float(values[0]), float(values[1])  # type: ignore[arg-type]


def _place(
    rows: list[_Row], coords: list[tuple[float, float]], datum: Datum
) -> list[tuple[float, float] | None]:
    """WGS84 positions of many rows at once (datum checks and conversion are vectorised)."""
    if not rows:
        return []
    lon = np.array([c[0] for c in coords])
    lat = np.array([c[1] for c in coords])
    valid = ~invalid_lonlat_mask(lon, lat, datum)
    swap_valid = ~invalid_lonlat_mask(lat, lon, datum)
    # in_mainland_china is only asked about valid coordinates
    in_china = valid & in_mainland_china(
        np.where(valid, lon, 0.0), np.where(valid, lat, 0.0), datum
    )
    swap_ok = swap_valid & in_mainland_china(
        np.where(swap_valid, lat, 0.0), np.where(swap_valid, lon, 0.0), datum
    )
    swap = ~in_china & swap_ok
    keep = valid | swap
    x = np.where(swap, lat, lon)
    y = np.where(swap, lon, lat)
    wlon, wlat = to_wgs84(np.where(keep, x, 0.0), np.where(keep, y, 0.0), datum)
    # GCJ-02/BD-09 positions also readable as Hong Kong or Macau points (geo.border).
    border = border_ambiguity(np.where(keep, x, np.nan), np.where(keep, y, np.nan), datum)
    placed: list[tuple[float, float] | None] = []
    for k, row in enumerate(rows):
        a, b = coords[k]
        shown = f"{a}, {b}"
        if swap[k]:
            row.report(
                "lon",
                "swapped_coordinates",
                False,
                f"({a}, {b}) looks like (lat, lon); imported as ({b}, {a})",
                f"({a}, {b}) 疑似纬度在前，已按 ({b}, {a}) 导入",
                shown,
            )
        elif not valid[k]:
            where = "" if datum is Datum.WGS84 else f" or outside mainland China ({datum.value})"
            row.report(
                "lon",
                "coordinate_out_of_range",
                True,
                f"({a}, {b}) is outside the valid range{where}",
                f"坐标 ({a}, {b}) 超出有效范围或位于中国大陆以外（{datum.value}）",
                shown,
            )
            placed.append(None)
            continue
        elif not in_china[k]:
            row.report(
                "lon",
                "outside_mainland_china",
                False,
                f"({a}, {b}) is outside mainland China; imported as WGS84",
                f"坐标 ({a}, {b}) 位于中国大陆以外，按 WGS84 导入",
                shown,
            )
        if border[k]:
            region, region_zh = REGION_NAMES[int(border[k])]
            row.report(
                "lon",
                "border_ambiguous",
                False,
                f"({x[k]}, {y[k]}) is within ~620 m of the {region} border, where "
                f"{datum.label} is ambiguous: imported as the mainland point it is the "
                f"{datum.label} of, about 600 m away; if the station is in {region}, give "
                f"its position in WGS84",
                f"坐标 ({x[k]}, {y[k]}) 位于{region_zh}边界约 620 米以内，此处{datum.label}"
                f"坐标有歧义：已按其对应的大陆位置（相距约 600 米）导入；如该驿站在{region_zh}，"
                f"请改用 WGS84 坐标",
                shown,
            )
        placed.append((float(wlon[k]), float(wlat[k])))
    return placed


def read_rows(
    raws: list[RawRow], mapping: ColumnMapping, datum: Datum, *, spreadsheet: bool = False
) -> list[RowResult]:
    """Turn raw rows into stations, or reject them, reporting every problem.

    ``spreadsheet`` (CSV, XLSX): undo the formula escaping that exports apply.

    Work goes column by column: a parser is a pure function of one cell, so a column's
    repeated values (amenity lists, hours, counts, districts) are parsed once per chunk,
    and coordinates are checked and converted for the whole chunk at once.
    """
    rows = [_Row(raw, mapping, spreadsheet) for raw in raws]
    fields: list[dict[str, Any]] = [{} for _ in raws]
    for name, parse, repeats in PARSERS:
        header = mapping.columns.get(name)
        if header is None:
            if name != "name":
                continue
            cells: list[Any] = [None] * len(raws)  # a missing name is reported on every row
        else:
            cells = [raw.values.get(header) for raw in raws]
        memo: dict[str, Parsed] = {}
        for row, row_fields, cell in zip(rows, fields, cells, strict=True):
            if repeats and type(cell) is str:
                parsed = memo.get(cell)
                if parsed is None:
                    parsed = memo[cell] = parse(cell, spreadsheet)
            else:
                parsed = parse(cell, spreadsheet)
            row_fields[name], findings = parsed
            for code, error, en, zh, shown in findings:
                row.report(name, code, error, en, zh, shown)
    coords = [_coordinates(row) for row in rows]
    placeable = [(row, c) for row, c in zip(rows, coords, strict=True) if c is not None]
    converted = iter(_place([r for r, _ in placeable], [c for _, c in placeable], datum))
    positions = [next(converted) if c is not None else None for c in coords]
    found = [p for p in positions if p is not None]
    districts = iter(locate([p[0] for p in found], [p[1] for p in found]))
    # The fields the file gives: the same for every row (lon/lat even when rejected).
    given = frozenset(
        name for name, _, _ in PARSERS if name in mapping.columns or name == "name"
    ) | {"lon", "lat"}
    results = []
    labelled: list[str] = [f for f in PLACE_FIELDS if f in mapping.columns]
    checked: dict[tuple[Any, ...], tuple[dict[str, Any], list[Disagreement]]] = {}
    for row, row_fields, position in zip(rows, fields, positions, strict=True):
        if position is not None:
            row_fields["lon"], row_fields["lat"] = position
            _set_place(row, row_fields, next(districts), labelled, checked)
        results.append(_finish(row, row_fields, given))
    return results


def _set_place(
    row: _Row,
    fields: dict[str, Any],
    place: Place | None,
    labelled: list[str],
    checked: dict[tuple[Any, ...], tuple[dict[str, Any], list[Disagreement]]],
) -> None:
    """The row's place fields from its position; a district, city or province column the
    position belies is a warning (the position decides). ``checked`` maps the (district,
    labels) pairs of the chunk already checked to their place fields and the labels found
    wrong (a column's few distinct names repeat down the file): a later row with the same
    pair gets the same verdicts, each message naming its own position."""
    lon, lat = fields["lon"], fields["lat"]
    key = (None if place is None else place.adcode, *map(fields.get, labelled))
    done = checked.get(key)
    if done is None:
        done = checked[key] = (place_values(place), disagreements(fields, place, lon, lat))
    values, found = done
    for wrong in found:
        en, zh = wrong.at(lon, lat).messages()
        en, zh = f"{en}; the position decides", f"{zh}；以位置为准"
        row.report(wrong.field, wrong.reason, False, en, zh, wrong.given)
    fields.update(values)


def read_row(
    raw: RawRow, mapping: ColumnMapping, datum: Datum, *, spreadsheet: bool = False
) -> RowResult:
    """One row: see :func:`read_rows`."""
    return read_rows([raw], mapping, datum, spreadsheet=spreadsheet)[0]


def _finish(row: _Row, fields: dict[str, Any], given: frozenset[str]) -> RowResult:
    if row.rejected:
        return RowResult(None, row.issues, given)
    try:
        data = build_station_data(fields)
    except StationError as exc:
        row.report(None, "invalid_station", True, exc.message, exc.message_zh, None)
        return RowResult(None, row.issues, given)
    return RowResult(data, row.issues, given)
