"""An XLSX sheet's data rows read by calamine (Rust), where it reads them as openpyxl would.

openpyxl's streamed parse is most of an XLSX import's time (~38 s of 150,000 rows,
against ~4 s for calamine). calamine is used for a sheet only when its answer is the
same as :mod:`.xlsx`'s, row for row and cell for cell:

- **no formula and no error cell** in the sheet's XML (a byte scan, ~1 s per 100 MB):
  calamine reads a formula without a stored result, and an error such as ``#N/A``, as
  an empty cell, where the import must report them (``formula_without_value``, or the
  error's text as the bad value). The scan may see one in a text cell: then openpyxl
  reads the sheet, as before, and nothing is lost but time.
- **room in memory**: calamine holds the whole sheet (~1 MB per 1,000 rows of a dozen
  columns; openpyxl streams). The sheet is left to openpyxl when its XML is over
  :data:`MAX_XML_BYTES`, or when four times its size does not fit under the process's
  address-space limit (an import's memory limit): Rust aborts the process on a failed
  allocation instead of raising ``MemoryError``.
- cells as openpyxl gives them: a whole number under 1e16 as ``int`` (calamine reads
  every number as ``float``; openpyxl reads ``int`` where the stored text has no point
  and no exponent, which is how Excel and openpyxl write whole numbers under 1e16; only
  an integer past 2**53, which Excel cannot hold, would read otherwise), a date as
  ``datetime`` at midnight, blanks as ``None``; rows numbered as the sheet numbers them.
"""

from __future__ import annotations

import re
import resource
from collections.abc import Generator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Final

import python_calamine

MAX_XML_BYTES: Final = 256 << 20  # a sheet's XML; about 300,000 rows of a dozen columns
_WHOLE: Final = 1e16  # whole numbers below it are written without an exponent
_MIDNIGHT: Final = time()
# A formula (<f>, <f ...>, <f/>, any namespace prefix) or an error cell (t="e").
_UNLIKE: Final = re.compile(rb"<(?:\w+:)?f[\s>/]|\st=[\"']e[\"']")
_CHUNK: Final = 1 << 20
_OVERLAP: Final = 16  # bytes kept between chunks: a tag cut in two is still seen


def calamine_can_read(ws: Any) -> bool:
    """Whether calamine reads openpyxl's read-only worksheet `ws` as openpyxl would (no
    formula or error cell in its XML) and the process has room for the whole sheet."""
    archive = ws.parent._archive  # pinned by tests/geo/imports/readers/test_xlsx.py
    size = archive.getinfo(ws._worksheet_path).file_size
    if size > MAX_XML_BYTES or not _room_for(4 * size):
        return False
    with archive.open(ws._worksheet_path) as xml:
        tail = b""
        while chunk := xml.read(_CHUNK):
            if _UNLIKE.search(tail + chunk) is not None:
                return False
            tail = chunk[-_OVERLAP:]
    return True


def _room_for(nbytes: int) -> bool:
    """Whether `nbytes` more fit under the soft address-space limit, if one is set."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return True
    try:
        with open("/proc/self/statm") as statm:
            used = int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return False  # the address space cannot be told: stream
    return used + nbytes < soft


def calamine_rows(
    path: Path, title: str, min_row: int
) -> Generator[tuple[int, list[Any]], None, None] | None:
    """(row number as the sheet has it, cell values by column) for each row of sheet
    `title` from `min_row` on that holds a cell, as :func:`.xlsx._sheet_rows` gives them;
    None if calamine cannot open the sheet (openpyxl then reads it, and says what is
    wrong with the file if anything is)."""
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # calamine's own errors, in words that are not ours
        return None
    try:
        sheet = book.get_sheet_by_name(title)
    except Exception:
        book.close()
        return None
    return _rows(book, sheet, min_row)


def _rows(book: Any, sheet: Any, min_row: int) -> Generator[tuple[int, list[Any]], None, None]:
    try:
        lead = [None] * sheet.start[1] if sheet.start else []  # columns left of the data
        # calamine's rows start at the sheet's first row, its columns at the first used.
        for number, cells in enumerate(sheet.iter_rows(), 1):
            if number < min_row:
                continue
            values = [_as_openpyxl(c) for c in cells]
            while values and values[-1] is None:
                values.pop()
            if values:
                yield number, lead + values
    finally:
        book.close()


def _as_openpyxl(cell: Any) -> Any:
    kind = type(cell)
    if kind is str:
        return cell or None
    if kind is float:
        return int(cell) if cell.is_integer() and -_WHOLE < cell < _WHOLE else cell
    if kind is date:
        return datetime.combine(cell, _MIDNIGHT)
    return cell
