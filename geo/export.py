"""Export the whole registry as GeoJSON, GeoPackage, CSV or Excel.

The files are meant to be read back by people (Excel, QGIS, Chinese web maps) and by
our own importer, so that export then import gives back the same registry:

- CSV and XLSX have one header row, Chinese first with the field name after a space
  (``驿站名称 name``; the registry id is ``站点ID station_id``). Coordinate headers
  state their datum (``经度(高德) lon``), amenities are Chinese labels joined with "、",
  opening hours are the original text (a re-import normalises it to the same OSM
  expression) and the status is its code (``open``).
- Text cells that a spreadsheet could run as a formula get a leading ``'`` (OWASP "CSV
  injection"); numbers are written as numbers and never altered. See
  :func:`escape_formula` and its inverse :func:`unescape_formula`.
- GeoJSON is an RFC 7946 FeatureCollection of the API's own features; in GCJ-02 or
  BD-09 it carries a ``"datum"`` foreign member saying so.
- GeoPackage is WGS84 only (EPSG:4326): GCJ-02 and BD-09 have no EPSG code, and a GIS
  that cannot know the offset would draw every station hundreds of metres off.

Stations are read from the store in pages ordered by id, so memory stays bounded: CSV
and GeoJSON are streamed, XLSX uses openpyxl's write-only mode and GeoPackage is
appended one page at a time. Every page comes from one snapshot (one read transaction,
keyset paging by id: ``StationRecords.scan``), so stations added, changed or removed while
an export runs never make it skip or repeat one: the file is the registry as it was when
the export began (issue 22: OFFSET pages in separate transactions left out 118 stations
that were never deleted).

A station whose stored row is damaged (an ``updated_at`` that is not ISO text, an
unknown status, a coordinate that is not a number: only a hand edit of the database
does this) is left out of the file and logged with its id and what is wrong; the rest
is exported. ``export_registry`` reports the ids to ``on_damaged``: the API names their
count in the ``X-Stations-Skipped`` header.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Final

import geopandas as gpd
import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]
from openpyxl.styles import Font  # type: ignore[import-untyped, unused-ignore]

from geo.amenities import BY_CODE
from geo.datums import Datum, from_wgs84, parse_datum
from geo.errors import InvalidParameter
from geo.formulas import escape_formula, unescape_formula  # noqa: F401  (re-exported)
from geo.geojson import COORD_DIGITS, station_feature
from geo.model import EDITABLE_FIELDS, Station
from geo.registry import Registry
from geo.storage import StationRecords
from geo.textsearch import Term

log = logging.getLogger(__name__)

FORMATS: Final = ("geojson", "gpkg", "csv", "xlsx")
MEDIA_TYPES: Final[dict[str, str]] = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv; charset=utf-8; header=present",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LAYER: Final = "stations"  # GeoPackage layer and XLSX sheet name
PAGE_SIZE = 5000

# Column order of the CSV/XLSX table: every editable field plus the registry's own.
COLUMNS: Final = (
    "id",
    "external_id",
    "name",
    "lon",
    "lat",
    "address",
    "district",
    "adcode",
    "city",
    "city_adcode",
    "province",
    "province_adcode",
    "host",
    "amenities",
    "car_parking_spaces",
    "motorcycle_parking_spaces",
    "ev_charging_piles",
    "opening_hours",
    "status",
    "phone",
    "updated_at",
)
HEADERS_ZH: Final[dict[str, str]] = {
    "id": "站点ID",
    "external_id": "编号",
    "name": "驿站名称",
    "lon": "经度",
    "lat": "纬度",
    "address": "详细地址",
    "district": "所属区",
    "adcode": "行政区划代码",
    "city": "城市",
    "city_adcode": "城市行政区划代码",
    "province": "省份",
    "province_adcode": "省级行政区划代码",
    "host": "依托单位",
    "amenities": "服务内容",
    "car_parking_spaces": "机动车停车位",
    "motorcycle_parking_spaces": "摩托车停车位",
    "ev_charging_piles": "充电桩",
    "opening_hours": "开放时间",
    "status": "状态",
    "phone": "联系电话",
    "updated_at": "更新时间(UTC)",
}
# English halves that differ from the field name: importers read a bare "id" as the
# source list's own id (external_id), which the registry id must never be taken for.
HEADERS_EN: Final[dict[str, str]] = {"id": "station_id"}
# How Chinese lists name the datum in a coordinate header: 经度(高德) is GCJ-02.
DATUM_ZH: Final[dict[Datum, str]] = {Datum.WGS84: "WGS84", Datum.GCJ02: "高德", Datum.BD09: "百度"}
AMENITY_SEPARATOR: Final = "、"

_WIDE = frozenset({"name", "address", "host", "amenities", "opening_hours"})

Cell = str | int | float | datetime | None


def _check_columns() -> None:
    expected = {"id", "updated_at", *EDITABLE_FIELDS}
    if set(COLUMNS) != expected or set(HEADERS_ZH) != expected:
        raise RuntimeError("geo.export COLUMNS/HEADERS_ZH must cover every editable field")


_check_columns()


def table_header(datum: Datum) -> list[str]:
    """The CSV/XLSX header row, coordinate headers naming `datum` (``经度(百度) lon``)."""
    return [
        f"{HEADERS_ZH[c]}({DATUM_ZH[datum]}) {c}"
        if c in ("lon", "lat")
        else f"{HEADERS_ZH[c]} {HEADERS_EN.get(c, c)}"
        for c in COLUMNS
    ]


def export_registry(
    registry: Registry,
    *,
    fmt: str,
    datum: Datum | str = Datum.WGS84,
    out: BinaryIO | Path,
    on_damaged: Callable[[int, str], None] | None = None,
    adcodes: frozenset[str] | None = None,
    text: tuple[Term, ...] = (),
) -> int:
    """Write every station of the registry (or of one area), ordered by id, to a file.

    Parameters
    ----------
    registry : Registry
        The registry to export; all statuses are included.
    fmt : str
        One of :data:`FORMATS` (case-insensitive).
    datum : Datum or str
        Datum of the coordinates written (a :class:`Datum` or a name that
        :func:`geo.datums.parse_datum` accepts). GeoPackage accepts WGS84 only.
    out : binary file or Path
        Where to write. A path is written atomically (a temporary file in the same
        directory, renamed into place when complete); a stream is written from its
        current position and left open.
    on_damaged : callable, optional
        Called with (station id, what is wrong) for each station left out because its
        stored row is damaged (each is logged as a warning too).
    adcodes : frozenset of str, optional
        Only the stations of these districts (an area's:
        :func:`geo.outlines.areas.districts_of`).
    text : tuple of Term, optional
        Only the stations whose name or address holds every term
        (:func:`geo.textsearch.parse_query`).

    Returns
    -------
    int
        Number of stations written (every station of one snapshot of the registry,
        less the damaged ones).

    Raises
    ------
    InvalidParameter
        If `fmt` is not one of :data:`FORMATS`, or GeoPackage is asked for in GCJ-02 or
        BD-09.
    UnknownCRS
        If `datum` is a name of no supported datum.
    """
    crs = parse_datum(datum)
    fmt = check_format(fmt, crs)
    # Closed when done, so the snapshot's read transaction ends even if a writer fails.
    with contextlib.closing(_pages(registry.store, on_damaged, adcodes, text)) as pages:
        return _write(pages, fmt, crs, out)


def _write(pages: Pages, fmt: str, crs: Datum, out: BinaryIO | Path) -> int:
    if isinstance(out, Path):
        # Same directory, so the rename is atomic; GDAL wants the .gpkg extension.
        tmp = out.with_name(f".{out.stem}.{uuid.uuid4().hex}.part.{fmt}")
        try:
            if fmt == "gpkg":
                count = _write_gpkg(pages, tmp)
            else:
                with tmp.open("wb") as f:
                    count = _STREAM_WRITERS[fmt](pages, crs, f)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        return count
    if fmt == "gpkg":  # GDAL writes to a file name, not to a Python stream
        with tempfile.TemporaryDirectory() as tmpdir:
            path = Path(tmpdir) / f"{LAYER}.gpkg"
            count = _write_gpkg(pages, path)
            with path.open("rb") as f:
                shutil.copyfileobj(f, out)
        return count
    return _STREAM_WRITERS[fmt](pages, crs, out)


def check_format(fmt: str, datum: Datum) -> str:
    """The format's name, lower case; InvalidParameter unless it can be written in
    ``datum``."""
    name = fmt.strip().lower() if isinstance(fmt, str) else ""
    if name not in FORMATS:
        raise InvalidParameter(
            f"unknown export format {fmt!r}; expected one of: {', '.join(FORMATS)}",
            f"不支持的导出格式 {fmt!r}；可选：{', '.join(FORMATS)}",
            details=[{"field": "format", "value": str(fmt), "accepted": list(FORMATS)}],
        )
    if name == "gpkg" and datum is not Datum.WGS84:
        raise InvalidParameter(
            f"GeoPackage export must be in WGS84, not {datum.label}: GIS files declare "
            f"their CRS by EPSG code, {datum.label} has none, and GIS software cannot know "
            "its offset, so every station would be drawn hundreds of metres off. "
            f"Export GeoPackage in WGS84, or GeoJSON/CSV/XLSX in {datum.label}.",
            f"GeoPackage 只能以 WGS84 导出，不能用 {datum.label}：GIS 文件以 EPSG 代码声明坐标系，"
            f"{datum.label} 没有 EPSG 代码，GIS 软件无法得知其偏移，所有站点都会偏离数百米。"
            f"请以 WGS84 导出 GeoPackage，或以 {datum.label} 导出 GeoJSON/CSV/XLSX。",
            details=[{"field": "crs", "value": datum.value, "accepted": [Datum.WGS84.value]}],
        )
    return name


def _pages(
    store: StationRecords,
    on_damaged: Callable[[int, str], None] | None = None,
    adcodes: frozenset[str] | None = None,
    text: tuple[Term, ...] = (),
) -> Generator[list[Station], None, None]:
    """Every station in pages of ``PAGE_SIZE``, by id, from one snapshot of the store
    (``StationRecords.scan``); always at least one page (maybe empty). A damaged row is
    logged, reported to ``on_damaged`` and left out."""

    def damaged(station_id: int, reason: str) -> None:
        log.warning(
            "export: station %d left out, its stored row is damaged: %s", station_id, reason
        )
        if on_damaged is not None:
            on_damaged(station_id, reason)

    yield from store.scan(page_size=PAGE_SIZE, on_damaged=damaged, adcodes=adcodes, text=text)


def _positions(stations: Sequence[Station], datum: Datum) -> list[tuple[float, float]]:
    """Lon/lat in `datum`, rounded to ``COORD_DIGITS`` (~1 cm), as ``station_feature`` does."""
    lons = [s.lon for s in stations]
    lats = [s.lat for s in stations]
    if datum is not Datum.WGS84 and stations:
        x, y = from_wgs84(lons, lats, datum)
        # BD-09's offset can push a point past ±180°.
        lons = [(v + 180.0) % 360.0 - 180.0 if abs(v) > 180.0 else v for v in x.tolist()]
        lats = y.tolist()
    return [
        (round(x, COORD_DIGITS), round(y, COORD_DIGITS)) for x, y in zip(lons, lats, strict=True)
    ]


def _table_rows(stations: Sequence[Station], datum: Datum) -> Iterator[list[Cell]]:
    """CSV/XLSX rows in ``COLUMNS`` order; text is formula-escaped, numbers stay numbers."""
    for station, (lon, lat) in zip(stations, _positions(stations, datum), strict=True):
        values: dict[str, Cell] = {f: getattr(station, f) for f in COLUMNS}
        values["lon"], values["lat"] = lon, lat
        labels = AMENITY_SEPARATOR.join(BY_CODE[c].zh for c in station.amenities)
        values["amenities"] = labels or None
        values["status"] = station.status.value
        yield [escape_formula(v) if isinstance(v, str) else v for v in values.values()]


# -- writers ---------------------------------------------------------------------------

Pages = Iterator[list[Station]]


def _write_csv(pages: Pages, datum: Datum, out: BinaryIO) -> int:
    # The BOM makes Excel on Windows read UTF-8 instead of the ANSI code page. Written by
    # hand: "utf-8-sig" omits it when the stream is not at position 0.
    out.write(codecs.BOM_UTF8)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    count = 0
    try:
        writer = csv.writer(text, lineterminator="\r\n")  # RFC 4180 line ends and quoting
        writer.writerow(table_header(datum))
        for page in pages:
            writer.writerows([_csv_text(v) for v in row] for row in _table_rows(page, datum))
            count += len(page)
    finally:
        text.flush()
        text.detach()  # leave the caller's stream open
    return count


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{COORD_DIGITS}f}"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


def _write_xlsx(pages: Pages, datum: Datum, out: BinaryIO) -> int:
    book = Workbook(write_only=True)  # rows go to a temporary file, not to memory
    sheet = book.create_sheet(LAYER)
    sheet.freeze_panes = "A2"
    header = []
    for i, (column, title) in enumerate(zip(COLUMNS, table_header(datum), strict=True)):
        sheet.column_dimensions[_column_letter(i)].width = 30 if column in _WIDE else 16
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    count = 0
    for page in pages:
        for row in _table_rows(page, datum):
            # Excel has no time zones: updated_at is written as naive UTC (see its header).
            sheet.append([v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in row])
        count += len(page)
    book.save(out)
    return count


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _write_geojson(pages: Pages, datum: Datum, out: BinaryIO) -> int:
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if datum is not Datum.WGS84:
        head["datum"] = datum.value
    out.write(json.dumps(head, ensure_ascii=False)[:-1].encode() + b', "features": [')
    count = 0
    for page in pages:
        # The API's feature; its coordinates converted a page at a time (same rounding),
        # which is several times faster than one point at a time.
        for station, position in zip(page, _positions(page, datum), strict=True):
            feature = station_feature(station)
            feature["geometry"]["coordinates"] = list(position)
            text = json.dumps(feature, ensure_ascii=False, allow_nan=False)
            out.write((",\n" if count else "\n").encode() + text.encode())
            count += 1
    out.write(b"\n]}\n")
    return count


def _write_gpkg(pages: Pages, path: Path) -> int:
    count = 0
    for i, page in enumerate(pages):
        _frame(page).to_file(
            path,
            layer=LAYER,
            driver="GPKG",
            engine="pyogrio",
            mode="a" if i else "w",
            geometry_type="Point",  # the first page may be empty: declare the type
        )
        count += len(page)
    return count


def _frame(stations: Sequence[Station]) -> Any:
    """A page as a GeoDataFrame in WGS84 with fixed column types (so appends match)."""
    data: dict[str, Any] = {"id": pd.array([s.id for s in stations], dtype="int64")}
    for field in COLUMNS:
        if field in ("id", "lon", "lat", "updated_at"):
            continue
        if field in ("car_parking_spaces", "motorcycle_parking_spaces", "ev_charging_piles"):
            values: list[Any] = [getattr(s, field) for s in stations]
            data[field] = pd.array(values, dtype="Int64")
        elif field == "amenities":  # codes, as the API's ?amenities= takes them
            data[field] = pd.array([",".join(s.amenities) or None for s in stations], dtype=object)
        elif field == "status":
            data[field] = pd.array([s.status.value for s in stations], dtype=object)
        else:
            data[field] = pd.array([getattr(s, field) for s in stations], dtype=object)
    data["updated_at"] = pd.array([s.updated_at for s in stations], dtype="datetime64[s, UTC]")
    geometry = gpd.points_from_xy(
        [s.lon for s in stations], [s.lat for s in stations], crs="EPSG:4326"
    )
    return gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")


_STREAM_WRITERS: Final[dict[str, Callable[[Pages, Datum, BinaryIO], int]]] = {
    "csv": _write_csv,
    "xlsx": _write_xlsx,
    "geojson": _write_geojson,
}
