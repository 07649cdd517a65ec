"""Open the station lists administrators really have and stream their rows.

:func:`open_source` reads CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16 as Excel's
"Unicode text"), Excel ``.xlsx``, GeoJSON, GeoPackage and Shapefiles (plain or zipped)
into one shape: a :class:`Source` with the file's headers and an iterator of
:class:`RawRow`. Nothing here knows what a station is: values are passed on as the file
holds them (strings stripped, blank cells ``None``), and the validator decides.

Every record of the file that is not blank is one row, so the report can account for
it; row numbers are the ones the user can find in the file:

- spreadsheet: the sheet's own row number (header row and blank rows count);
- CSV: the physical line on which the record starts (1-based; a quoted cell that spans
  lines moves the following records down);
- GeoJSON, GeoPackage, Shapefile: the 1-based feature number + 1, as if a header were
  row 1, so the first feature is row 2 like the first row of a spreadsheet.

CSV and XLSX rows are streamed: memory does not grow with the file (the CSV is decoded
incrementally, the workbook opened read-only). Vector files are read whole. A file that
cannot be read raises :class:`~geo.errors.InvalidFile` with an English and a Chinese
message naming the user's file (never the server's copy of it); hostile files are
refused before they cost much (:mod:`.guard`).

One module per format: :mod:`.delimited` (CSV), :mod:`.xlsx`, :mod:`.geojson`,
:mod:`.ogr` (GeoPackage, Shapefile); :mod:`.text` checks and detects text encodings,
:mod:`.points` turns geometries into WGS84 lon/lat, :mod:`.base` holds what they share.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Final

from geo.errors import InvalidFile
from geo.imports.readers.base import EXTRA_KEY, RawRow, RowProblem, RowStream, Source
from geo.imports.readers.delimited import open_csv
from geo.imports.readers.geojson import open_geojson
from geo.imports.readers.guard import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_MEMBERS,
    MAX_ZIP_RATIO,
    check_zip,
    guarded,
)
from geo.imports.readers.ogr import open_ogr
from geo.imports.readers.text import COMMON_ENCODINGS, check_encoding
from geo.imports.readers.xlsx import open_xlsx

__all__ = [
    "COMMON_ENCODINGS",
    "EXTRA_KEY",
    "FORMATS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_MEMBERS",
    "MAX_ZIP_RATIO",
    "RawRow",
    "RowProblem",
    "RowStream",
    "Source",
    "check_encoding",
    "open_source",
]

FORMATS: Final = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".zip": "shp",
}


def open_source(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    filename: str | None = None,
    max_rows: int = MAX_ROWS,
) -> Source:
    """Open a station list and read its headers; rows are read as they are iterated.

    Parameters
    ----------
    path : Path
        The file. For a Shapefile, the ``.shp`` with its ``.dbf``/``.shx`` beside it,
        or a ``.zip`` holding exactly one ``.shp`` (in any folder).
    sheet : str, optional
        XLSX: the sheet to read (default: the first visible sheet with data).
        GeoPackage: the layer to read (default: the first layer with points).
    encoding : str, optional
        CSV text or Shapefile attribute encoding, a standard character encoding such as
        ``gbk`` (:func:`check_encoding`); detected when not given.
    filename : str, optional
        The name the user gave the file (an upload saved under a temporary name); its
        extension decides the format, and messages name it. Defaults to ``path.name``.
    max_rows : int, optional
        Most data rows the file may have (the caller's ``max_import_rows`` setting;
        default :data:`~geo.imports.readers.guard.MAX_ROWS`); iterating past it raises
        ``InvalidFile``, so an import writes nothing.

    Returns
    -------
    Source

    Raises
    ------
    InvalidParameter
        If `encoding` is not a standard character encoding (``bz2_codec``, ``rot13``,
        ``undefined``, a typo...), whatever the file.
    InvalidFile
        If the format is not supported (``.xls`` included), the file is missing,
        empty, corrupt, not text (CSV), not GeoJSON, a zip without exactly one
        ``.shp``, or `sheet` names something the file does not have, or the text is
        not in the stated `encoding`; or the file is hostile (zip bomb, too many
        columns or rows).
    """
    name = filename or path.name
    codec = check_encoding(encoding) if encoding is not None else None
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".xls":
        raise InvalidFile(
            f"{name}: old Excel .xls files are not supported; open it in Excel or WPS and "
            "save it as .xlsx",
            f"{name}：不支持旧版 Excel .xls 文件，请在 Excel 或 WPS 中另存为 .xlsx",
        )
    if suffix not in FORMATS:
        supported = ", ".join(FORMATS)
        raise InvalidFile(
            f"{name}: unsupported file type {suffix or '(no extension)'!r}; supported: {supported}",
            f"{name}：不支持的文件类型 {suffix or '（无扩展名）'!r}；支持：{supported}",
        )
    if not path.is_file():
        raise InvalidFile(f"{name}: file not found", f"{name}：找不到文件")
    fmt = FORMATS[suffix]
    if fmt == "xlsx" or suffix == ".zip":
        check_zip(path, name)
    if fmt == "csv":
        source = open_csv(path, name, codec)
    elif fmt == "xlsx":
        source = open_xlsx(path, name, sheet)
        if codec is not None:
            source.notes.append("encoding option ignored: xlsx text is always Unicode")
    elif fmt == "geojson":
        source = open_geojson(path, name)
        if sheet is not None:
            source.notes.append("sheet/layer option ignored: a geojson file has one layer")
        if codec is not None:
            source.notes.append("encoding option ignored: geojson text is always UTF-8")
    else:
        source = open_ogr(path, name, fmt, zipped=suffix == ".zip", layer=sheet, encoding=codec)
    return guarded(source, name, max_rows)
