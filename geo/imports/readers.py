"""Open the station lists administrators really have and stream their rows.

:func:`open_source` reads CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16 as Excel's
"Unicode text"), Excel ``.xlsx``, GeoJSON, GeoPackage and Shapefiles (plain or zipped)
into one shape: a :class:`Source` with the file's headers and an iterator of
:class:`RawRow`. Nothing here knows what a station is: values are passed on as the file
holds them (strings stripped, blank cells ``None``), and the validator decides.

Row numbers are the ones the user can find in the file:

- spreadsheet: the sheet's own row number (header row and blank rows count);
- CSV: the physical line on which the record starts (1-based; a quoted cell that spans
  lines moves the following records down);
- GeoJSON, GeoPackage, Shapefile: the 1-based feature number + 1, as if a header were
  row 1, so the first feature is row 2 like the first row of a spreadsheet.

CSV and XLSX rows are streamed: memory does not grow with the file (the CSV is decoded
incrementally, the workbook opened read-only). Vector files are read whole through
pyogrio, as GDAL does for GeoJSON anyway. A file that cannot be read raises
:class:`~geo.errors.InvalidFile` with an English and a Chinese message.

Hostile files are refused before they cost much (``docs/security.md``): a zip (a zipped
Shapefile, and every ``.xlsx``, which is a zip) whose central directory declares too
many members, too many bytes or a compression ratio only a zip bomb has is refused
before anything is inflated; a file with more than ``max_rows`` data rows or
:data:`MAX_COLUMNS` columns is refused whole; a cell longer than
:data:`MAX_CELL_CHARS` (Excel's own limit) rejects its row (``cell_too_long``, see
:attr:`RawRow.oversized`) instead of reaching the validators.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import json
import re
import warnings
import weakref
import zipfile
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt
import openpyxl  # type: ignore[import-untyped]
import pyogrio  # type: ignore[import-untyped]
import pyogrio.raw  # type: ignore[import-untyped]
import shapely
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo.datums import Datum, parse_datum
from geo.errors import InvalidFile, StationError
from geo.settings import get_settings

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
EXTRA_KEY: Final = "__extra__"  # cells beyond the last header, when not blank

_CHUNK: Final = 1 << 16  # bytes per read of the encoding check: memory stays flat
_HEADER_SCAN_ROWS: Final = 30  # title rows above the header are searched this far
_SNIFF_LINES: Final = 50
_DELIMITERS: Final = (",", "\t", ";", "|")
_DELIMITER_NAMES: Final = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
_SEP_LINE: Final = re.compile(r'^"?sep=(.)"?\s*$')  # Excel's "sep=;" first line
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES: Final = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_CONTROL_SHARE: Final = 0.01
_NUMBER: Final = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
# Geographic CRSs whose lon/lat are taken as WGS84: CGCS2000 agrees with it to centimetres.
_WGS84_LIKE: Final = frozenset({"EPSG:4326", "EPSG:4490", "OGC:CRS84"})
_GEOM_POINT: Final = 0
_GEOM_MULTIPOINT: Final = 4

# Hostile input (docs/security.md, "Hostile input").
MAX_CELL_CHARS: Final = 32_767  # Excel's own limit on the text in one cell
MAX_COLUMNS: Final = 1_000  # station lists have a few dozen
MAX_ZIP_MEMBERS: Final = 10_000
MAX_UNZIPPED_BYTES: Final = 1 << 30  # 1 GiB declared in a zip's central directory
MAX_ZIP_RATIO: Final = 200  # sheet XML compresses ~10x; a zip bomb ~1000x
_RATIO_FLOOR: Final = 1 << 20  # members under 1 MiB may compress as well as they like


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row of a file, before validation.

    Attributes
    ----------
    number : int
        Row number as the user sees it (see the module docstring).
    values : dict of str to Any
        Header -> cell (str, int, float, bool, datetime, date or time as the file holds
        it; strings stripped; blank cells ``None``). Non-blank cells beyond the last
        header are listed under ``"__extra__"``.
    point : tuple of float or None
        Vector formats: the Point geometry as (lon, lat) in degrees, converted from a
        projected CRS when needed. None for tabular formats and unusable geometries.
    geometry_problem : str or None
        Vector formats: why there is no `point`: the geometry type name
        (``"LineString"``, ``"MultiPoint"`` with several points...), ``"empty"``,
        ``"missing"`` (null geometry) or ``"invalid"`` (unreadable or untransformable).
    oversized : tuple of str
        Headers whose text was longer than :data:`MAX_CELL_CHARS`; their values are
        None and the validator rejects the row (``cell_too_long``).
    """

    number: int
    values: dict[str, Any]
    point: tuple[float, float] | None = None
    geometry_problem: str | None = None
    oversized: tuple[str, ...] = ()


class RowStream(Iterator[RawRow]):
    """The rows of a :class:`Source`, read lazily.

    The file is closed when the rows are exhausted, when reading fails, on
    :meth:`close` (or leaving a ``with`` block), and at the latest when the stream is
    garbage collected.
    """

    def __init__(self, rows: Iterator[RawRow], close: Callable[[], None] | None = None) -> None:
        self._rows = rows
        self._finalizer = weakref.finalize(self, _close_all, rows, close)

    def __next__(self) -> RawRow:
        try:
            return next(self._rows)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Release the file; further iteration stops."""
        self._finalizer()
        self._rows = iter(())

    def __enter__(self) -> RowStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close_all(rows: Iterator[RawRow], close: Callable[[], None] | None) -> None:
    closer = getattr(rows, "close", None)
    if closer is not None:
        closer()
    if close is not None:
        close()


@dataclass(frozen=True)
class Source:
    """An opened station list: how it was read, its headers and its rows.

    Attributes
    ----------
    path : Path
        The file read.
    format : str
        ``"csv"``, ``"xlsx"``, ``"geojson"``, ``"gpkg"`` or ``"shp"`` (also zipped).
    headers : list of str
        Column headers in file order, stripped; a repeated header gets a suffix
        (``"电话"``, ``"电话.2"``) and a blank one a name (``"column_3"``, xlsx
        ``"column_C"``), both reported in `notes`.
    rows : Iterator[RawRow]
        The data rows, streamed (a :class:`RowStream`). Use the source as a context
        manager, or exhaust the rows, to close the file.
    encoding : str or None
        CSV: the text encoding used (``"utf-8"``, ``"utf-8-sig"``, ``"gb18030"``...);
        Shapefile: the attribute encoding used.
    sheet : str or None
        XLSX: the sheet read; GeoPackage: the layer read.
    file_crs : str or None
        Vector formats: the CRS as read (``"EPSG:4326"``, ``"EPSG:3857"``, or
        ``"gcj02"``/``"bd09"`` from a GeoJSON ``crs`` member); None if the file has none.
    total_rows : int or None
        Number of rows if cheaply known (an upper bound for XLSX, which counts blank
        rows), for a progress bar; None for CSV.
    notes : list of str
        Human-readable facts (English) about how the file was read.
    """

    path: Path
    format: str
    headers: list[str]
    rows: Iterator[RawRow]
    encoding: str | None = None
    sheet: str | None = None
    file_crs: str | None = None
    total_rows: int | None = None
    notes: list[str] = field(default_factory=list)

    def close(self) -> None:
        """Close the file if the rows were not read to the end."""
        closer = getattr(self.rows, "close", None)
        if closer is not None:
            closer()

    def __enter__(self) -> Source:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_source(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    filename: str | None = None,
    max_rows: int | None = None,
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
        CSV text or Shapefile attribute encoding (any Python codec name, e.g. ``gbk``);
        detected when not given.
    filename : str, optional
        The name the user gave the file (an upload saved under a temporary name); its
        extension decides the format. Defaults to ``path.name``.
    max_rows : int, optional
        Most data rows the file may have (default: the ``max_import_rows`` setting);
        iterating past it raises ``InvalidFile``, so an import writes nothing.

    Returns
    -------
    Source

    Raises
    ------
    InvalidFile
        If the format is not supported (``.xls`` included), the file is missing,
        empty, corrupt, not text (CSV), not GeoJSON, a zip without exactly one
        ``.shp``, or `sheet` or `encoding` name something the file does not have;
        or the file is hostile (zip bomb, too many columns or rows).
    """
    name = filename or path.name
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
        _check_zip(path, name)
    if fmt == "csv":
        source = _open_csv(path, name, encoding)
    elif fmt == "xlsx":
        source = _open_xlsx(path, name, sheet)
    else:
        source = _open_vector(
            path, name, fmt, zipped=suffix == ".zip", layer=sheet, encoding=encoding
        )
    return _guarded(source, name, get_settings().max_import_rows if max_rows is None else max_rows)


# --------------------------------------------------------------------------- hostile input


def _check_zip(path: Path, name: str) -> None:
    """Refuse a zip whose central directory declares a bomb, before inflating anything.

    Python's zipfile (which openpyxl uses) never inflates a member past the size the
    directory declares, so checking the declared sizes bounds what is read.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except Exception:  # not a zip, or a broken one: the reader says so in its own words
        return
    declared = sum(i.file_size for i in infos)
    worst = max(infos, key=lambda i: i.file_size / max(i.compress_size, 1), default=None)
    problem = problem_zh = None
    if len(infos) > MAX_ZIP_MEMBERS:
        problem = f"it holds {len(infos):,} files (at most {MAX_ZIP_MEMBERS:,})"
        problem_zh = f"其中有 {len(infos):,} 个文件（上限 {MAX_ZIP_MEMBERS:,}）"
    elif declared > MAX_UNZIPPED_BYTES:
        problem = f"it unpacks to {declared:,} bytes (at most {MAX_UNZIPPED_BYTES:,})"
        problem_zh = f"解压后为 {declared:,} 字节（上限 {MAX_UNZIPPED_BYTES:,}）"
    elif (
        worst is not None
        and worst.file_size > _RATIO_FLOOR
        and worst.file_size > MAX_ZIP_RATIO * max(worst.compress_size, 1)
    ):
        ratio = worst.file_size / max(worst.compress_size, 1)
        problem = (
            f"{worst.filename!r} is compressed {ratio:,.0f} to 1 (at most {MAX_ZIP_RATIO} to 1)"
        )
        problem_zh = f"{worst.filename!r} 的压缩比为 {ratio:,.0f}:1（上限 {MAX_ZIP_RATIO}:1）"
    if problem is not None:
        raise InvalidFile(
            f"{name}: refused as a possible zip bomb: {problem}",
            f"{name}：疑似压缩炸弹，已拒绝：{problem_zh}",
        )


def _guarded(source: Source, name: str, max_rows: int) -> Source:
    """The source with its column count checked, its rows counted and huge cells cut."""
    if len(source.headers) > MAX_COLUMNS:
        source.close()
        raise InvalidFile(
            f"{name}: {len(source.headers):,} columns; a station list may have at most "
            f"{MAX_COLUMNS:,}",
            f"{name}：共 {len(source.headers):,} 列，驿站名录最多 {MAX_COLUMNS:,} 列",
        )
    too_many = InvalidFile(
        f"{name}: more than {max_rows:,} data rows; split the file (nothing was imported)",
        f"{name}：数据超过 {max_rows:,} 行，请拆分文件（未导入任何数据）",
    )
    # total_rows is exact for vector files (xlsx counts blank rows, csv has none)
    exact = source.format not in ("csv", "xlsx") and source.total_rows is not None
    if exact and (source.total_rows or 0) > max_rows:
        source.close()
        raise too_many
    inner = source.rows

    def rows() -> Iterator[RawRow]:
        for count, row in enumerate(inner, start=1):
            if count > max_rows:
                raise too_many
            yield _cut_huge_cells(row)

    return dataclasses.replace(source, rows=RowStream(rows(), getattr(inner, "close", None)))


def _cut_huge_cells(row: RawRow) -> RawRow:
    values = row.values
    if not any(
        (type(v) is str and len(v) > MAX_CELL_CHARS) or type(v) is list for v in values.values()
    ):
        return row
    oversized = []
    cleaned = dict(values)
    for header, value in values.items():
        if header == EXTRA_KEY and isinstance(value, list):
            kept = [v for v in value if not (isinstance(v, str) and len(v) > MAX_CELL_CHARS)]
            if len(kept) != len(value):
                oversized.append(header)
                cleaned[header] = kept or None
        elif isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            oversized.append(header)
            cleaned[header] = None
    if not oversized:
        return row
    return dataclasses.replace(row, values=cleaned, oversized=tuple(oversized))


# --------------------------------------------------------------------------- shared


def _clean(value: Any) -> Any:
    """Strip strings; blank strings become None; other values pass through."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _make_headers(
    cells: Sequence[Any], column_name: Callable[[int], str], notes: list[str]
) -> list[str]:
    """Headers from a header row: stripped, trailing blanks dropped, all distinct."""
    texts = ["" if c is None else str(c).replace("\ufeff", "").strip() for c in cells]
    while texts and not texts[-1]:
        texts.pop()
    headers: list[str] = []
    seen: set[str] = set()
    for index, text in enumerate(texts):
        header = text
        if not header:
            header = column_name(index)
            notes.append(f"column {index + 1} has no header; named {header!r}")
        elif header in seen:
            n = 2
            while f"{text}.{n}" in seen or f"{text}.{n}" in texts:
                n += 1
            header = f"{text}.{n}"
            notes.append(f"header {text!r} repeated in column {index + 1}; named {header!r}")
        seen.add(header)
        headers.append(header)
    return headers


def _values(headers: Sequence[str], cells: Sequence[Any]) -> dict[str, Any] | None:
    """Header -> cleaned cell for one row; None for a row with nothing in it."""
    # Inline cleaning: this runs once per cell of a 150,000-row file.
    values = {
        h: (c.strip() or None) if isinstance(c, str) else c
        for h, c in zip(headers, cells, strict=False)
    }
    if len(cells) < len(headers):
        values.update(dict.fromkeys(headers[len(cells) :]))
    elif len(cells) > len(headers):
        extra = [c for c in map(_clean, cells[len(headers) :]) if c is not None]
        if extra:
            values[EXTRA_KEY] = extra
            return values
    if list(values.values()).count(None) == len(values):
        return None
    return values


def _find_header(sample: Sequence[tuple[int, Sequence[Any]]]) -> int:
    """Index in `sample` (non-blank rows) of the header row, skipping title rows.

    Exports often start with a title ("朝阳区工会驿站名单") or a line such as "填报单位：…
    日期：…" above the real header. The header is the first row whose non-blank cells are
    all text that is not a number, at least two of them and at least half as many as
    the widest row of the sample; failing that, the first row wide enough.
    """
    filled = [[c for c in cells if not _is_blank(c)] for _, cells in sample]
    widest = max(map(len, filled), default=0)
    wide = [i for i, cells in enumerate(filled) if len(cells) >= 2 and 2 * len(cells) >= widest]
    for index in wide:
        if all(isinstance(c, str) and not _NUMBER.match(c.strip()) for c in filled[index]):
            return index
    return wide[0] if wide else 0  # a header with a number in it: still not the title


def _header_note(line_word: str, number: int) -> list[str]:
    if number == 1:
        return []
    return [f"header found on {line_word} {number}; the {line_word}s above it were skipped"]


@contextmanager
def _warnings_as_notes(notes: list[str]) -> Iterator[None]:
    """Turn library warnings (GDAL, openpyxl) into notes instead of letting them escape."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        text = str(warning.message).strip()
        if text and text not in notes:
            notes.append(text)


# What a file was expected to be, in English and Chinese, for "cannot be read as ...".
_WHAT_ZH: Final = {
    "an Excel .xlsx workbook": "Excel .xlsx 工作簿",
    "a zip archive": "zip 压缩包",
    "GeoJSON": "GeoJSON",
    "a GeoPackage": "GeoPackage",
    "a Shapefile": "Shapefile",
}


def _codec_name(encoding: str) -> str:
    """Python's canonical name of a stated text encoding, or ``InvalidFile``."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InvalidFile(
            f"unknown encoding {encoding!r}; try utf-8, gbk or gb18030",
            f"未知的编码 {encoding!r}；可用 utf-8、gbk 或 gb18030",
        ) from None


def _unreadable(name: str, what: str, exc: BaseException) -> InvalidFile:
    detail = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    return InvalidFile(
        f"{name}: cannot be read as {what} ({detail})",
        f"{name}：无法作为 {_WHAT_ZH.get(what, what)} 读取（{detail}）",
    )


# --------------------------------------------------------------------------- CSV


class _TextCheck(NamedTuple):
    problem: str | None  # first decoding error, if any
    binary: bool  # NUL bytes or many control characters: not a text file


def _check_text(path: Path, encoding: str) -> _TextCheck:
    """Decode the whole file strictly, a chunk at a time (flat memory, one pass)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line, chars, controls = 1, 0, 0
    with path.open("rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                start = max(exc.start, 0)
                bad = exc.object[start : start + 2].hex(" ")
                where = line + chunk[:start].count(b"\n")
                return _TextCheck(f"undecodable bytes {bad} on line {where}", False)
            if "\x00" in text:
                return _TextCheck(None, True)
            chars += len(text)
            controls += len(_CONTROL.findall(text))
            line += chunk.count(b"\n")
            if not chunk:
                break
    return _TextCheck(None, controls > _MAX_CONTROL_SHARE * chars)


def _csv_encoding(path: Path, name: str, encoding: str | None, notes: list[str]) -> str:
    """The encoding to read `path` with: the stated one, checked, or the detected one."""
    not_text = InvalidFile(
        f"{name}: not a text CSV file (it contains binary data; is it a spreadsheet or an "
        "archive renamed to .csv?)",
        f"{name}：不是文本 CSV 文件（含有二进制数据，是否是改了扩展名的表格或压缩包？）",
    )
    if encoding is not None:
        codec = _codec_name(encoding)
        check = _check_text(path, codec)
        if check.binary:
            raise not_text
        if check.problem:
            raise InvalidFile(
                f"{name}: not valid {encoding} text: {check.problem}",
                f"{name}：不是有效的 {encoding} 文本：{check.problem}",
            )
        notes.append(f"encoding as stated: {codec}")
        return codec
    with path.open("rb") as f:
        head = f.read(_CHUNK)
    if head.startswith(codecs.BOM_UTF8):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)  # Excel's "Unicode text" export
    else:
        candidates = ("utf-8", "gb18030")  # GB18030 is a superset of GBK and GB2312
        # Judge the raw bytes first: junk fails to decode long before its first NUL.
        if b"\x00" in head or len(_CONTROL_BYTES.findall(head)) > _MAX_CONTROL_SHARE * len(head):
            raise not_text
    for candidate in candidates:
        check = _check_text(path, candidate)
        if check.binary:
            raise not_text
        if check.problem is None:
            notes.append(f"encoding detected: {candidate}")
            return candidate
    raise InvalidFile(
        f"{name}: text is neither UTF-8 nor GBK/GB18030; state the encoding",
        f"{name}：文本既不是 UTF-8 也不是 GBK/GB18030，请指定编码",
    )


def _sniff(path: Path, encoding: str) -> tuple[str, bool]:
    """The delimiter, and whether the first line is Excel's ``sep=`` line."""
    with path.open(encoding=encoding, newline="") as f:
        lines = [line for _, line in zip(range(_SNIFF_LINES), f, strict=False)]
    if lines and (sep := _SEP_LINE.match(lines[0].strip())):
        return sep.group(1), True

    def score(delimiter: str) -> tuple[int, int]:
        widths = Counter(
            len(cells)
            for cells in csv.reader(lines, delimiter=delimiter)
            if any(c.strip() for c in cells)
        )
        width, rows = max(widths.items(), key=lambda item: (item[1], item[0]), default=(1, 0))
        return (rows, width) if width > 1 else (0, 1)

    return max(_DELIMITERS, key=score), False


def _csv_records(
    path: Path, name: str, encoding: str, delimiter: str
) -> Generator[tuple[int, list[str]], None, None]:
    """(line on which the record starts, cells) for every record, blank lines included."""
    with path.open(encoding=encoding, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        start = 1
        try:
            for cells in reader:
                yield start, cells
                start = reader.line_num + 1
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InvalidFile(
                f"{name}: line {start}: {exc}", f"{name}：第 {start} 行无法解析：{exc}"
            ) from None


def _open_csv(path: Path, name: str, encoding: str | None) -> Source:
    if path.stat().st_size == 0:
        raise InvalidFile(f"{name}: the file is empty", f"{name}：文件为空")
    notes: list[str] = []
    codec = _csv_encoding(path, name, encoding, notes)
    delimiter, sep_line = _sniff(path, codec)
    notes.append(f"delimiter: {_DELIMITER_NAMES[delimiter]}")
    records = _csv_records(path, name, codec, delimiter)
    sample: list[tuple[int, Sequence[Any]]] = []
    try:
        for line, cells in records:
            if any(c.strip() for c in cells) and not (sep_line and line == 1):
                sample.append((line, cells))
                if len(sample) == _HEADER_SCAN_ROWS:
                    break
    finally:
        records.close()
    if not sample:
        raise InvalidFile(f"{name}: the file has no header row", f"{name}：文件没有表头行")
    header_line, header_cells = sample[_find_header(sample)]
    notes.extend(_header_note("line", header_line))
    headers = _make_headers(header_cells, lambda i: f"column_{i + 1}", notes)

    def rows() -> Iterator[RawRow]:
        for line, cells in _csv_records(path, name, codec, delimiter):
            if line > header_line and (values := _values(headers, cells)) is not None:
                yield RawRow(line, values)

    return Source(path, "csv", headers, RowStream(rows()), encoding=codec, notes=notes)


# --------------------------------------------------------------------------- XLSX


def _open_xlsx(path: Path, name: str, sheet: str | None) -> Source:
    notes: list[str] = []
    handle = path.open("rb")  # a handle, not the path: openpyxl insists on an .xlsx name
    try:
        with _warnings_as_notes(notes):
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # corrupt zip, missing parts, bad XML: all "unreadable"
        handle.close()
        raise _unreadable(name, "an Excel .xlsx workbook", exc) from None

    def close() -> None:
        book.close()
        handle.close()

    try:
        ws, sample, recorded_rows = _pick_sheet(book, name, sheet, notes)
        header_row, header_cells = sample[_find_header(sample)]
    except StationError:
        close()
        raise
    except Exception as exc:
        close()
        raise _unreadable(name, "an Excel .xlsx workbook", exc) from None
    notes.extend(_header_note("row", header_row))
    headers = _make_headers(header_cells, lambda i: f"column_{get_column_letter(i + 1)}", notes)
    total = recorded_rows - header_row if recorded_rows > header_row else None

    def rows() -> Iterator[RawRow]:
        cells_by_row = ws.iter_rows(min_row=header_row + 1, values_only=True)
        try:
            for number, cells in enumerate(cells_by_row, start=header_row + 1):
                if (values := _values(headers, cells)) is not None:
                    yield RawRow(number, values)
        except Exception as exc:
            raise _unreadable(name, "an Excel .xlsx workbook", exc) from None
        finally:
            cells_by_row.close()

    return Source(
        path, "xlsx", headers, RowStream(rows(), close), sheet=ws.title, total_rows=total,
        notes=notes,
    )  # fmt: skip


def _pick_sheet(
    book: Any, name: str, wanted: str | None, notes: list[str]
) -> tuple[Any, list[tuple[int, Sequence[Any]]], int]:
    """The worksheet to read, its first non-blank rows (number, cells), its recorded size.

    The size the file records is only a hint for a progress bar: some writers record a
    wrong one, so the sheet is read as if it had none (trusting it would drop rows).
    """
    sheets = list(book.worksheets)
    titles = [ws.title for ws in sheets]
    if wanted is not None:
        matches = [ws for ws in sheets if ws.title == wanted] or [
            ws for ws in sheets if ws.title.strip().casefold() == wanted.strip().casefold()
        ]
        if len(matches) != 1:
            listed = ", ".join(titles)
            raise InvalidFile(
                f"{name}: no sheet named {wanted!r}; sheets: {listed}",
                f"{name}：没有名为 {wanted!r} 的工作表；工作表有：{listed}",
            )
        candidates = matches
    else:  # visible sheets first: a hidden one is usually a lookup list
        candidates = sorted(sheets, key=lambda ws: ws.sheet_state != "visible")
    for ws in candidates:
        recorded_rows = ws.max_row if isinstance(ws.max_row, int) else 0
        ws.reset_dimensions()
        sample = _first_rows(ws)
        if sample:
            if len(sheets) > 1:
                notes.append(f"sheet {ws.title!r} read (sheets: {', '.join(titles)})")
            return ws, sample, recorded_rows
    if wanted is not None:
        raise InvalidFile(f"{name}: sheet {wanted!r} is empty", f"{name}：工作表 {wanted!r} 为空")
    raise InvalidFile(f"{name}: the workbook has no data", f"{name}：工作簿中没有数据")


def _first_rows(ws: Any) -> list[tuple[int, Sequence[Any]]]:
    sample: list[tuple[int, Sequence[Any]]] = []
    cells_by_row = ws.iter_rows(values_only=True)
    try:
        for number, cells in enumerate(cells_by_row, start=1):
            if any(not _is_blank(c) for c in cells):
                sample.append((number, cells))
                if len(sample) == _HEADER_SCAN_ROWS:
                    break
    finally:
        cells_by_row.close()
    return sample


# --------------------------------------------------------------------------- vector


class _GeoJSONFacts(NamedTuple):
    datum: Datum | None  # a GCJ-02/BD-09 "crs" member, which GDAL would read as WGS84
    geometry_given: list[bool]  # per feature: the JSON had a geometry (GDAL may drop it)
    integer_ids: bool  # features have integer "id" members, which GDAL turns into FIDs


def _geojson_facts(path: Path, name: str) -> _GeoJSONFacts:
    """Check that the file is GeoJSON and collect what GDAL does not report."""
    try:
        obj = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as exc:
        raise InvalidFile(
            f"{name}: not valid JSON ({exc})", f"{name}：不是有效的 JSON（{exc}）"
        ) from None
    kind = obj.get("type") if isinstance(obj, dict) else type(obj).__name__
    features = obj.get("features") if kind == "FeatureCollection" else [obj]
    if kind not in ("FeatureCollection", "Feature") or not isinstance(features, list):
        raise InvalidFile(
            f"{name}: not GeoJSON: expected a FeatureCollection or a Feature, got {kind!r}",
            f"{name}：不是 GeoJSON：应为 FeatureCollection 或 Feature，实际为 {kind!r}",
        )
    bad = [i + 1 for i, f in enumerate(features) if not isinstance(f, dict)]
    if bad:
        raise InvalidFile(
            f"{name}: feature(s) {bad[:10]} are not JSON objects",
            f"{name}：第 {bad[:10]} 个要素不是 JSON 对象",
        )
    crs = obj.get("crs")
    props = crs.get("properties") if isinstance(crs, dict) else None
    crs_name = props.get("name") if isinstance(props, dict) else None
    if isinstance(obj.get("datum"), str):  # the foreign member our exports and API write
        crs_name = obj["datum"]
    datum = None
    if isinstance(crs_name, str):
        try:
            datum = parse_datum(crs_name)
        except StationError:
            datum = None
    return _GeoJSONFacts(
        datum if datum in (Datum.GCJ02, Datum.BD09) else None,
        [f.get("geometry") is not None for f in features],
        any(isinstance(f.get("id"), int) and not isinstance(f.get("id"), bool) for f in features),
    )


def _shapefile_path(path: Path, name: str, zipped: bool) -> tuple[str, str | None]:
    """The GDAL path of the .shp, and the encoding its .cpg states, if it has one."""
    if not zipped:
        siblings = {p.name.lower(): p for p in path.parent.iterdir()}
        stem = path.stem.lower()
        _require_sidecars(name, stem, set(siblings), shown=Path(name).stem)
        cpg = siblings.get(f"{stem}.cpg")
        return str(path), _cpg_text(cpg.read_bytes()) if cpg else None
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            dataset, cpg_member = _zip_member(name, path, members)
            return dataset, _cpg_text(archive.read(cpg_member)) if cpg_member else None
    except (zipfile.BadZipFile, OSError) as exc:
        raise _unreadable(name, "a zip archive", exc) from None


def _cpg_text(data: bytes) -> str | None:
    return data.decode("ascii", "replace").strip() or None


def _zip_member(name: str, path: Path, members: list[str]) -> tuple[str, str | None]:
    """The GDAL path of the one .shp in a zip, and the name of its .cpg member if any."""
    shps = [
        m
        for m in members
        if m.lower().endswith(".shp")
        and not m.startswith("__MACOSX/")  # macOS resource forks: "._name.shp"
        and not PurePosixPath(m).name.startswith("._")
    ]
    if len(shps) != 1:
        found = ", ".join(members[:10]) + (" ..." if len(members) > 10 else "")
        if not shps:
            raise InvalidFile(
                f"{name}: the zip contains no Shapefile (.shp); it contains: {found or 'nothing'}",
                f"{name}：压缩包中没有 Shapefile（.shp）文件；其中有：{found or '无'}",
            )
        raise InvalidFile(
            f"{name}: the zip contains {len(shps)} Shapefiles ({', '.join(shps)}); "
            "zip one per file",
            f"{name}：压缩包中有 {len(shps)} 个 Shapefile（{'、'.join(shps)}），请每个单独压缩",
        )
    stem = shps[0][:-4].lower()
    lowered = {m.lower(): m for m in members}
    _require_sidecars(name, PurePosixPath(stem).name, {PurePosixPath(m).name for m in lowered})
    # Braces let GDAL find the archive whatever its name (uploads have none).
    return f"/vsizip/{{{path.resolve()}}}/{shps[0]}", lowered.get(f"{stem}.cpg")


def _require_sidecars(name: str, stem: str, names: set[str], shown: str | None = None) -> None:
    """Raise unless ``stem``.dbf and .shx are present; name them after ``shown``."""
    missing = [f"{shown or stem}{e}" for e in (".dbf", ".shx") if f"{stem}{e}" not in names]
    if missing:
        raise InvalidFile(
            f"{name}: the Shapefile is incomplete, missing {', '.join(missing)}; "
            "send all its files together in one .zip",
            f"{name}：Shapefile 不完整，缺少 {'、'.join(missing)}；请将其全部文件打包为一个 .zip",
        )


def _open_vector(
    path: Path, name: str, fmt: str, *, zipped: bool, layer: str | None, encoding: str | None
) -> Source:
    notes: list[str] = []
    facts = _geojson_facts(path, name) if fmt == "geojson" else None
    dataset, cpg = _shapefile_path(path, name, zipped) if fmt == "shp" else (str(path), None)
    if fmt == "gpkg":
        with path.open("rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                raise InvalidFile(f"{name}: not a GeoPackage", f"{name}：不是 GeoPackage 文件")
        layer = _pick_layer(dataset, name, layer, notes)
    elif layer is not None:
        notes.append(f"sheet/layer option ignored: a {fmt} file has one layer")
    if encoding is not None and fmt != "shp":
        notes.append(f"encoding option ignored: {fmt} text is always UTF-8")
        encoding = None
    if encoding is not None:
        encoding = _codec_name(encoding)

    def read(with_encoding: str | None) -> tuple[dict[str, Any], Any, Any, Any]:
        try:
            with _warnings_as_notes(notes):
                result: tuple[dict[str, Any], Any, Any, Any] = pyogrio.raw.read(
                    dataset,
                    layer=layer,
                    encoding=with_encoding,
                    force_2d=True,
                    return_fids=bool(facts and facts.integer_ids),
                )
                return result
        except (RuntimeError, ValueError, OSError) as exc:  # pyogrio errors are RuntimeErrors
            raise _unreadable(name, _FORMAT_NAMES[fmt], exc) from None

    meta, fids, wkb, arrays = read(encoding)
    used_encoding = None
    if fmt == "shp":
        if encoding is not None:
            used_encoding = encoding
            notes.append(f"attribute encoding as stated: {encoding}")
        elif cpg is not None:
            used_encoding = cpg
            notes.append(f"attribute encoding from the .cpg file: {cpg}")
        elif guess := _guess_dbf_encoding(meta, arrays):
            meta, fids, wkb, arrays = read(guess)
            used_encoding = guess
            notes.append(f"no .cpg file; attribute encoding detected: {guess}")
        else:  # ASCII, or a code page from the .dbf header, or undecidable
            used_encoding = str(meta.get("encoding") or "") or None
            notes.append(f"no .cpg file; attributes read as {used_encoding}")

    headers = _make_headers(list(meta["fields"]), lambda i: f"column_{i + 1}", notes)
    columns = [
        _column_values(a, t, s)
        for a, t, s in zip(arrays, meta["ogr_types"], meta["ogr_subtypes"], strict=True)
    ]
    if facts and facts.integer_ids and "id" not in headers and fids is not None:
        headers.append("id")
        columns.append([int(v) for v in fids])
    count = len(columns[0]) if columns else (len(wkb) if wkb is not None else 0)
    file_crs, points, problems = _points(wkb, count, meta.get("crs"), facts, notes)

    def rows() -> Iterator[RawRow]:
        for i in range(count):
            values = {h: col[i] for h, col in zip(headers, columns, strict=True)}
            yield RawRow(i + 2, values, points[i], problems[i])

    return Source(
        path, fmt, headers, RowStream(rows()), encoding=used_encoding,
        sheet=layer if fmt == "gpkg" else None, file_crs=file_crs, total_rows=count, notes=notes,
    )  # fmt: skip


_FORMAT_NAMES: Final = {"geojson": "GeoJSON", "gpkg": "a GeoPackage", "shp": "a Shapefile"}


def _pick_layer(dataset: str, name: str, wanted: str | None, notes: list[str]) -> str:
    try:
        with _warnings_as_notes(notes):
            layers = [(str(n), str(g)) for n, g in pyogrio.list_layers(dataset)]
    except (RuntimeError, ValueError, OSError) as exc:
        raise _unreadable(name, "a GeoPackage", exc) from None
    names = [n for n, _ in layers]
    if not layers:
        raise InvalidFile(f"{name}: the GeoPackage has no layers", f"{name}：GeoPackage 中没有图层")
    if wanted is not None:
        if wanted not in names:
            raise InvalidFile(
                f"{name}: no layer named {wanted!r}; layers: {', '.join(names)}",
                f"{name}：没有名为 {wanted!r} 的图层；图层有：{'、'.join(names)}",
            )
        return wanted
    chosen = next((n for n, g in layers if "Point" in g), names[0])
    if len(layers) > 1:
        notes.append(f"layer {chosen!r} read (layers: {', '.join(names)})")
    return chosen


def _guess_dbf_encoding(meta: dict[str, Any], arrays: Sequence[Any]) -> str | None:
    """The encoding of a .dbf that GDAL read as ISO-8859-1 for want of a .cpg.

    ISO-8859-1 maps every byte to one character, so encoding the strings back gives the
    file's bytes; they are tried as UTF-8, then as GB18030 (Chinese Windows software
    writes GBK without a .cpg). A value cut mid-character at the field width is allowed
    to fail (1 in 100).
    """
    if str(meta.get("encoding", "")).upper() not in ("ISO-8859-1", "LATIN1", ""):
        return None
    texts = [str(f) for f in meta["fields"]]
    for array in arrays:
        if array.dtype == object:
            texts.extend(v for v in array if isinstance(v, str))
    raw = [t.encode("latin-1", "replace") for t in texts if not t.isascii()]
    if not raw:
        return None
    for candidate in ("utf-8", "gb18030"):
        failures = 0
        for data in raw:
            try:
                data.decode(candidate)
            except UnicodeDecodeError:
                failures += 1
        if failures <= len(raw) // 100:
            return candidate
    return None


def _column_values(array: Any, ogr_type: str, subtype: str) -> list[Any]:
    """Python values of one attribute column: None for nulls, ints stay ints."""
    kind = array.dtype.kind
    if kind == "M":
        return list(array.astype("datetime64[us]").tolist())  # NaT becomes None
    if kind == "f":
        as_int = ogr_type in ("OFTInteger", "OFTInteger64")  # with nulls pyogrio gives floats
        convert: Callable[[float], Any] = (
            bool if subtype == "OFSTBoolean" else int if as_int else float
        )
        return [None if v != v else convert(v) for v in array.tolist()]
    if kind == "O":
        return [_object_value(v) for v in array]
    return list(array.tolist())


def _object_value(value: Any) -> Any:
    if isinstance(value, np.ndarray | list | tuple):  # GeoJSON arrays: ["饮水", "热饭"]
        return ",".join(str(v) for v in value) or None
    if isinstance(value, float) and value != value:
        return None
    return _clean(value)


def _points(
    wkb: Any, count: int, crs_text: str | None, facts: _GeoJSONFacts | None, notes: list[str]
) -> tuple[str | None, list[tuple[float, float] | None], list[str | None]]:
    """The file CRS, and per feature its point as WGS84 lon/lat or why there is none."""
    if wkb is None:
        notes.append("the layer has no geometry; coordinates must come from columns")
        return crs_text, [None] * count, [None] * count
    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object))
    types = shapely.get_type_id(geoms)
    single = (types == _GEOM_MULTIPOINT) & (shapely.get_num_geometries(geoms) == 1)
    geoms[single] = shapely.get_geometry(geoms[single], 0)
    usable = (shapely.get_type_id(geoms) == _GEOM_POINT) & ~shapely.is_empty(geoms)
    xs: npt.NDArray[np.float64] = np.full(count, np.nan)
    ys: npt.NDArray[np.float64] = np.full(count, np.nan)
    xs[usable] = shapely.get_x(geoms[usable])
    ys[usable] = shapely.get_y(geoms[usable])

    file_crs: str | None
    if facts is not None and facts.datum is not None:
        file_crs = facts.datum.value
        notes.append(f"the GeoJSON crs member names {facts.datum.label}; coordinates read as such")
    elif crs_text is None:
        file_crs = None
        notes.append("the file states no CRS; coordinates taken as longitude/latitude")
    else:
        try:
            crs = CRS.from_user_input(crs_text)
        except CRSError as exc:
            raise InvalidFile(
                f"unrecognised coordinate reference system {crs_text[:200]!r} ({exc})",
                f"无法识别的坐标参考系 {crs_text[:200]!r}（{exc}）",
            ) from None
        authority = crs.to_authority(min_confidence=70)
        file_crs = ":".join(authority) if authority else crs.name
        if not (crs.is_geographic and file_crs in _WGS84_LIKE):
            transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
            xs[usable], ys[usable] = transformer.transform(xs[usable], ys[usable])
            notes.append(f"coordinates converted from {file_crs} to WGS84 longitude/latitude")

    finite = usable & np.isfinite(xs) & np.isfinite(ys)
    given = facts.geometry_given if facts and len(facts.geometry_given) == count else None
    points: list[tuple[float, float] | None] = [None] * count
    problems: list[str | None] = [None] * count
    for i in range(count):
        if finite[i]:
            points[i] = (float(xs[i]), float(ys[i]))
        elif usable[i]:
            problems[i] = "invalid"
        elif geoms[i] is None:
            problems[i] = "invalid" if given and given[i] else "missing"
        elif shapely.is_empty(geoms[i]):
            problems[i] = "empty"
        else:
            problems[i] = str(geoms[i].geom_type)
    return file_crs, points, problems
