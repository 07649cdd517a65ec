"""What every reader returns (:class:`Source`, :class:`RawRow`) and the helpers they share.

Headers, blank rows and title rows are handled here the same way for CSV and XLSX; the
messages of a file that cannot be read (:func:`unreadable`) name the user's file, never
the server's copy of it, and say what is wrong in plain words.
"""

from __future__ import annotations

import re
import warnings
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from geo.errors import InvalidFile

EXTRA_KEY: Final = "__extra__"  # cells beyond the last header, when not blank
HEADER_SCAN_ROWS: Final = 30  # title rows above the header are searched this far
_NUMBER: Final = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a record of the file cannot be a row at all (the row is rejected as such).

    Attributes
    ----------
    code : str
        Stable issue code (``invalid_feature``...).
    message, message_zh : str
        What is wrong, in English and Chinese.
    value : str or None
        The offending value as shown in the report (short).
    """

    code: str
    message: str
    message_zh: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row of a file, before validation.

    Attributes
    ----------
    number : int
        Row number as the user sees it (see :mod:`geo.imports.readers`).
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
        Headers whose text was longer than ``MAX_CELL_CHARS``; their values are None
        and the validator rejects the row (``cell_too_long``).
    uncached : tuple of str
        XLSX: headers whose cell holds a formula without a stored result (the file was
        written by a program that does not calculate); their values are None and the
        validator rejects the row if it imports that column (``formula_without_value``).
    problem : RowProblem or None
        The record is not a row at all (a GeoJSON feature that is not a Feature); the
        validator rejects it with this problem and nothing else.
    """

    number: int
    values: dict[str, Any]
    point: tuple[float, float] | None = None
    geometry_problem: str | None = None
    oversized: tuple[str, ...] = ()
    uncached: tuple[str, ...] = ()
    problem: RowProblem | None = None


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
    other_sheets : callable or None
        XLSX with several sheets: returns ``{title: headers}`` of the sheets not read
        (read only when asked, while the source is open), so that a list that cannot be
        imported can say which sheet looks like the station list.
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
    other_sheets: Callable[[], dict[str, list[str]]] | None = None

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


# --------------------------------------------------------------------------- cells and headers


def clean(value: Any) -> Any:
    """Strip strings; blank strings become None; other values pass through."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def is_blank(value: Any) -> bool:
    """Whether a cell holds nothing (None, or only whitespace)."""
    return value is None or (isinstance(value, str) and not value.strip())


def make_headers(
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


def row_values(headers: Sequence[str], cells: Sequence[Any]) -> dict[str, Any] | None:
    """Header -> cleaned cell for one row; None for a row with nothing in it."""
    # Inline cleaning: this runs once per cell of a 150,000-row file.
    values = {
        h: (c.strip() or None) if isinstance(c, str) else c
        for h, c in zip(headers, cells, strict=False)
    }
    if len(cells) < len(headers):
        values.update(dict.fromkeys(headers[len(cells) :]))
    elif len(cells) > len(headers):
        extra = [c for c in map(clean, cells[len(headers) :]) if c is not None]
        if extra:
            values[EXTRA_KEY] = extra
            return values
    if list(values.values()).count(None) == len(values):
        return None
    return values


def find_header(sample: Sequence[tuple[int, Sequence[Any]]]) -> int:
    """Index in `sample` (non-blank rows) of the header row, skipping title rows.

    Exports often start with a title ("朝阳区工会驿站名单") or a line such as "填报单位：…
    日期：…" above the real header. The header is the first row whose non-blank cells are
    all text that is not a number, at least two of them and at least half as many as
    the widest row of the sample; failing that, the first row wide enough.
    """
    filled = [[c for c in cells if not is_blank(c)] for _, cells in sample]
    widest = max(map(len, filled), default=0)
    wide = [i for i, cells in enumerate(filled) if len(cells) >= 2 and 2 * len(cells) >= widest]
    for index in wide:
        if all(isinstance(c, str) and not _NUMBER.match(c.strip()) for c in filled[index]):
            return index
    return wide[0] if wide else 0  # a header with a number in it: still not the title


def header_note(line_word: str, number: int) -> list[str]:
    """The note for a header found below the first line, if it was."""
    if number == 1:
        return []
    return [f"header found on {line_word} {number}; the {line_word}s above it were skipped"]


# --------------------------------------------------------------------------- what users see

# Absolute paths left in a library's message once the known ones are replaced: a server
# path tells the user nothing and an attacker something.
_POSIX_PATH: Final = re.compile(r"(?<![\w.~])(?:/vsi\w+/)?\{?/(?:[^\s'\"{}/]+/)+[^\s'\"{}:;,)]*\}?")
_WINDOWS_PATH: Final = re.compile(r"\b[A-Za-z]:\\[^\s'\"]*")
_SQL: Final = re.compile(
    r"\w+\(\s*(?:SELECT|PRAGMA|INSERT|UPDATE|CREATE)\b.*?\)\s*failed:\s*", re.I
)
_GDAL_ADVICE: Final = re.compile(r"It might help to specify the correct driver.*", re.I | re.S)
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
MAX_REASON_CHARS: Final = 200


def scrub(text: str, name: str, paths: Sequence[str | Path] = ()) -> str:
    """A library's message fit to show a user: their file name for the server's paths,
    no SQL or driver advice, no control characters, at most 200 characters."""
    for path in sorted({str(p) for p in paths if str(p)}, key=len, reverse=True):
        text = text.replace(path, name)
    text = _GDAL_ADVICE.sub("", _SQL.sub("", text))
    text = _WINDOWS_PATH.sub("…", _POSIX_PATH.sub("…", text))
    text = _CONTROL.sub(" ", text)
    parts: list[str] = []
    for part in (p.strip(" .;:") for p in re.split(r";\s*", text)):
        if part and part not in parts:
            parts.append(part)
    text = "; ".join(parts)
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


@contextmanager
def warnings_as_notes(
    notes: list[str], name: str, paths: Sequence[str | Path] = ()
) -> Iterator[None]:
    """Turn library warnings (GDAL, openpyxl) into notes instead of letting them escape;
    server paths in them become the user's file name."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        text = scrub(str(warning.message).strip(), name, paths)
        if text and text not in notes:
            notes.append(text)


# What a file was expected to be (English, Chinese), what is probably wrong and what to do.
_UNREADABLE: Final[dict[str, tuple[str, str, str]]] = {
    "an Excel .xlsx workbook": (
        "Excel .xlsx 工作簿",
        "the file is damaged, incomplete (a download cut short?) or not really an .xlsx "
        "workbook; open it in Excel or WPS and save it again as .xlsx",
        "文件已损坏、不完整（下载中断？）或并非真正的 .xlsx 文件；请用 Excel 或 WPS 打开后"
        "重新另存为 .xlsx",
    ),
    "a zip archive": (
        "zip 压缩包",
        "the file is damaged, incomplete (a download cut short?) or not really a zip",
        "文件已损坏、不完整（下载中断？）或并非真正的 zip 文件",
    ),
    "a GeoPackage": (
        "GeoPackage",
        "the file is damaged, incomplete or not really a GeoPackage; export it again from your GIS",
        "文件已损坏、不完整或并非真正的 GeoPackage；请从 GIS 软件重新导出",
    ),
    "a Shapefile": (
        "Shapefile",
        "its .shp, .shx or .dbf file is damaged, incomplete or not a Shapefile; export it "
        "again from your GIS and zip all its files together",
        "其 .shp、.shx 或 .dbf 文件已损坏、不完整或不是 Shapefile；请从 GIS 软件重新导出，"
        "并将全部文件一起打包为 .zip",
    ),
}


def unreadable(
    name: str, what: str, exc: BaseException, paths: Sequence[str | Path] = ()
) -> InvalidFile:
    """The error for a file a library could not read as `what`.

    The messages say what is probably wrong and what to do; the library's own words,
    scrubbed of server paths (:func:`scrub`), go into ``details`` as the short reason.
    """
    what_zh, advice, advice_zh = _UNREADABLE[what]
    reason = scrub(str(exc), name, paths)
    return InvalidFile(
        f"{name}: cannot be read as {what}: {advice}",
        f"{name}：无法作为 {what_zh} 读取：{advice_zh}",
        details=[{"file": name, "reason": reason}] if reason else None,
    )
