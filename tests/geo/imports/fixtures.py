"""Builders of small station-list files, written into a test's tmp dir.

Nothing binary is committed: every spreadsheet, GeoPackage and Shapefile a test reads is
built here, so what a fixture holds is visible next to the test that reads it.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
from shapely.geometry import Point

# Three Beijing stations as a district office would list them (WGS84 lon/lat).
HEADERS = ["序号", "驿站名称", "经度", "纬度", "详细地址", "服务内容"]
STATIONS = [
    ["1", "朝阳门工会驿站", "116.4340", "39.9243", "北京市朝阳区朝阳门外大街1号", "饮水、热饭"],
    ["2", "望京暖心驿站", "116.4700", "39.9960", "北京市朝阳区望京街道", "饮水,卫生间"],
    ["3", "国贸户外劳动者驿站", "116.4590", "39.9090", "北京市朝阳区建国门外大街", "充电桩"],
]


def csv_text(rows: Iterable[Sequence[Any]], *, delimiter: str = ",") -> str:
    """Rows as CSV text, quoted where needed, lines ending in CRLF as Excel writes them."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue()


def write_csv(
    path: Path,
    rows: Iterable[Sequence[Any]] = (HEADERS, *STATIONS),
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    """A CSV file in `encoding` (``utf-8-sig`` writes the BOM, ``gbk`` what WPS writes)."""
    path.write_bytes(csv_text(rows, delimiter=delimiter).encode(encoding))
    return path


def write_xlsx(
    path: Path,
    sheets: Mapping[str, Sequence[Sequence[Any]]],
    *,
    hidden: Iterable[str] = (),
) -> Path:
    """A workbook with one sheet per entry (rows as lists; ``[]`` is a blank row)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=number, column=column, value=value)
        if title in hidden:
            ws.sheet_state = "hidden"
    book.save(path)
    return path


def feature(
    geometry: Mapping[str, Any] | None, properties: Mapping[str, Any], **members: Any
) -> dict[str, Any]:
    """A GeoJSON Feature; extra `members` (such as ``id``) go on the feature itself."""
    return {"type": "Feature", "geometry": geometry, "properties": dict(properties), **members}


def point(lon: float, lat: float) -> dict[str, Any]:
    """A GeoJSON Point geometry."""
    return {"type": "Point", "coordinates": [lon, lat]}


def write_geojson(
    path: Path, features: Sequence[Mapping[str, Any]], *, crs_name: str | None = None
) -> Path:
    """A FeatureCollection; `crs_name` adds the old-style ``crs`` member some tools write."""
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": list(features)}
    if crs_name is not None:
        collection["crs"] = {"type": "name", "properties": {"name": crs_name}}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def stations_frame(
    records: Sequence[Mapping[str, Any]], lonlats: Sequence[tuple[float, float]], crs: str
) -> gpd.GeoDataFrame:
    """Point features from WGS84 lon/lat, reprojected to `crs`."""
    frame = gpd.GeoDataFrame(
        list(records), geometry=[Point(lon, lat) for lon, lat in lonlats], crs="EPSG:4326"
    )
    return frame.to_crs(crs)


def write_vector(
    path: Path,
    records: Sequence[Mapping[str, Any]],
    lonlats: Sequence[tuple[float, float]],
    *,
    crs: str = "EPSG:4326",
    layer: str | None = None,
    encoding: str | None = None,
) -> Path:
    """A GeoPackage layer or a Shapefile (by `path`'s extension) written with pyogrio."""
    options: dict[str, Any] = {"engine": "pyogrio"}
    if layer is not None:
        options["layer"] = layer
    if encoding is not None:
        options["encoding"] = encoding
    stations_frame(records, lonlats, crs).to_file(path, **options)
    return path


def write_zip(path: Path, members: Mapping[str, Path | bytes]) -> Path:
    """A zip archive: member name -> a file to copy in, or its bytes."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            if isinstance(content, Path):
                archive.write(content, name)
            else:
                archive.writestr(name, content)
    return path


def shapefile_parts(shp: Path) -> dict[str, Path]:
    """The files of a Shapefile by extension (``.shp``, ``.dbf``, ``.shx``...)."""
    return {p.suffix.lower(): p for p in shp.parent.glob(f"{shp.stem}.*")}


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def shared_strings_bomb(strings: int, width: int) -> bytes:
    """A small, valid workbook with ``strings`` shared strings of ``width`` characters
    that no cell uses: compressed about 95 to 1, inside the zip-bomb limits, it makes
    openpyxl hold every one of them in memory when it opens the workbook."""
    book = openpyxl.Workbook()
    for row in [HEADERS, *STATIONS]:
        book.active.append(row)
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                part = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
                data = data.replace(b"</Types>", f"{part}</Types>".encode())
            elif info.filename == "xl/_rels/workbook.xml.rels":
                rel = f'<Relationship Id="rIdSst" Type="{SST_REL}" Target="sharedStrings.xml"/>'
                data = data.replace(b"</Relationships>", f"{rel}</Relationships>".encode())
            dst.writestr(info, data)
        texts = "".join(f"<si><t>{i:09d}{'驿' * width}</t></si>" for i in range(strings))
        dst.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.'
            f'org/spreadsheetml/2006/main" count="{strings}">{texts}</sst>',
        )
    return out.getvalue()
