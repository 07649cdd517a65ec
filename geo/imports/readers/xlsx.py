"""Excel ``.xlsx`` workbooks: the sheet and its header found with openpyxl's read-only
mode, the data rows read by calamine where it reads them alike (:mod:`.xlsx_calamine`),
otherwise streamed by openpyxl.

Rows are numbered as the sheet numbers them (header row and blank rows count). A cell
is read as the value Excel stored for it; a formula whose result the file does not
store (written by a program that does not calculate, such as a script or some web
exports) is not blank: its header goes into ``RawRow.uncached``, so the row is counted
and, when it imports that column, rejected (``formula_without_value``) instead of
vanishing or importing a blank.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

import openpyxl  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet._reader import (  # type: ignore[import-untyped]
    FORMULA_TAG,
    VALUE_TAG,
    WorkSheetParser,
)

from geo.errors import InvalidFile, StationError
from geo.imports.readers import xlsx_size
from geo.imports.readers.base import (
    EXTRA_KEY,
    HEADER_SCAN_ROWS,
    RawRow,
    RowStream,
    Source,
    find_header,
    header_note,
    is_blank,
    make_headers,
    row_values,
    unreadable,
    warnings_as_notes,
)
from geo.imports.readers.xlsx_calamine import calamine_can_read, calamine_rows

_WHAT: Final = "an Excel .xlsx workbook"
xlsx_size.use()  # sheets without a recorded size are not read whole to be opened


class _Uncached:
    """The value of a formula cell whose result the file does not store."""

    def __repr__(self) -> str:
        return "UNCACHED"


UNCACHED: Final = _Uncached()


class _StoredValues(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's sheet parser, telling a formula without a stored result from a blank
    cell, which its ``data_only`` mode reads alike as None.

    No result is no ``<v>``, or an empty one (openpyxl writes ``<v/>``) unless the
    formula's type is text (``t="str"``): that is a formula that gave "" (Excel writes
    ``<v></v>`` for ``=IF(A2="","",A2)``), a blank cell like any other.
    """

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        if cell["value"] is None and element.find(FORMULA_TAG) is not None:
            stored = element.find(VALUE_TAG)
            if stored is None or (not stored.text and element.get("t") != "str"):
                cell["value"] = UNCACHED
        return cell


def _sheet_rows(ws: Any, min_row: int = 1) -> Generator[tuple[int, list[Any]], None, None]:
    """(row number as the sheet has it, cell values by column) for each row the sheet
    records, from `min_row` on.

    This reads the sheet's XML with openpyxl's parser as its read-only worksheet does
    (``ReadOnlyWorksheet._cells_by_row``), with :class:`_StoredValues` in its place: the
    private names used here are pinned by ``tests/geo/imports/readers/test_xlsx.py``.
    """
    book = ws.parent
    with ws._get_source() as xml:
        parser = _StoredValues(
            xml,
            ws._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            if number < min_row or not cells:
                continue
            values: list[Any] = [None] * max(c["column"] for c in cells)
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values


def open_xlsx(path: Path, name: str, sheet: str | None) -> Source:
    """Open a workbook, pick the sheet, find its header; rows are read as iterated."""
    notes: list[str] = []
    handle = path.open("rb")  # a handle, not the path: openpyxl insists on an .xlsx name
    try:
        with warnings_as_notes(notes, name, [path]):
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # corrupt zip, missing parts, bad XML: all "unreadable"
        handle.close()
        raise unreadable(name, _WHAT, exc, [path]) from None

    def close() -> None:
        book.close()
        handle.close()

    try:
        ws, sample, recorded_rows = _pick_sheet(book, name, sheet, notes)
        header_row, header_cells = sample[find_header(sample)]
    except StationError:
        close()
        raise
    except Exception as exc:
        close()
        raise unreadable(name, _WHAT, exc, [path]) from None
    notes.extend(header_note("row", header_row))
    headers = make_headers(header_cells, lambda i: f"column_{get_column_letter(i + 1)}", notes)
    total = recorded_rows - header_row if recorded_rows > header_row else None

    def rows() -> Iterator[RawRow]:
        try:
            fast = calamine_rows(path, ws.title, header_row + 1) if calamine_can_read(ws) else None
        except Exception as exc:
            raise unreadable(name, _WHAT, exc, [path]) from None
        cells_by_row = fast if fast is not None else _sheet_rows(ws, header_row + 1)
        try:
            for number, cells in cells_by_row:
                uncached = _uncached(headers, cells)
                values = row_values(headers, [None if c is UNCACHED else c for c in cells])
                if values is None:
                    if not uncached:
                        continue  # a blank row
                    values = dict.fromkeys(headers)
                yield RawRow(number, values, uncached=uncached)
        except Exception as exc:
            raise unreadable(name, _WHAT, exc, [path]) from None
        finally:
            cells_by_row.close()

    def other_sheets() -> dict[str, list[str]]:
        return {
            other.title: _headers(other) for other in book.worksheets if other.title != ws.title
        }

    return Source(
        path, "xlsx", headers, RowStream(rows(), close), sheet=ws.title, total_rows=total,
        notes=notes, other_sheets=other_sheets if len(book.worksheets) > 1 else None,
    )  # fmt: skip


def _headers(ws: Any) -> list[str]:
    """A sheet's headers as :func:`open_xlsx` would find them (none for a blank sheet)."""
    sample = _first_rows(ws)
    if not sample:
        return []
    return make_headers(sample[find_header(sample)][1], lambda i: f"column_{i + 1}", [])


def _uncached(headers: Sequence[str], cells: Sequence[Any]) -> tuple[str, ...]:
    """The headers of the row's formula cells without a stored result."""
    if UNCACHED not in cells:
        return ()
    found = [headers[i] if i < len(headers) else EXTRA_KEY for i, c in enumerate(cells)
             if c is UNCACHED]  # fmt: skip
    return tuple(dict.fromkeys(found))


def _pick_sheet(
    book: Any, name: str, wanted: str | None, notes: list[str]
) -> tuple[Any, list[tuple[int, Sequence[Any]]], int]:
    """The worksheet to read, its first non-blank rows (number, cells), its recorded size.

    The size the file records is only a hint for a progress bar: some writers record a
    wrong one, so the sheet is read to its end whatever it says.
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
    found = []
    for ws in candidates:
        recorded_rows = ws.max_row if isinstance(ws.max_row, int) else 0
        sample = _first_rows(ws)
        if sample:
            found.append((ws, sample, recorded_rows))
            # The first sheet is often a cover page (说明, 填报说明): without a sheet
            # named, the first one that has a name and coordinate columns is the list.
            if wanted is not None or len(sheets) == 1 or _station_list(sample):
                break
    if found:
        ws, sample, recorded_rows = found[-1] if _station_list(found[-1][1]) else found[0]
        if len(sheets) > 1:
            notes.append(
                f"sheet {ws.title!r} read (sheets: {', '.join(titles)}); "
                "name another with the sheet option (--sheet in the CLI)"
            )
        return ws, sample, recorded_rows
    if wanted is not None:
        raise InvalidFile(f"{name}: sheet {wanted!r} is empty", f"{name}：工作表 {wanted!r} 为空")
    raise InvalidFile(f"{name}: the workbook has no data", f"{name}：工作簿中没有数据")


def _station_list(sample: list[tuple[int, Sequence[Any]]]) -> bool:
    """Whether a sheet's header names a station and its coordinates."""
    from geo.imports.columns import recognise_columns  # the runner maps columns likewise

    _, cells = sample[find_header(sample)]
    headers = [str(c).strip() for c in cells if not is_blank(c)]
    try:
        columns = set(recognise_columns(headers).columns)
    except StationError:  # duplicate or odd headers: not for guessing
        return False
    return "name" in columns and ("lonlat" in columns or {"lon", "lat"} <= columns)


def _first_rows(ws: Any) -> list[tuple[int, Sequence[Any]]]:
    """The sheet's first non-blank rows, where the header is looked for (a formula
    without a stored result is blank here: it names no column)."""
    sample: list[tuple[int, Sequence[Any]]] = []
    cells_by_row = _sheet_rows(ws)
    try:
        for number, cells in cells_by_row:
            shown = [None if c is UNCACHED else c for c in cells]
            if any(not is_blank(c) for c in shown):
                sample.append((number, shown))
                if len(sample) == HEADER_SCAN_ROWS:
                    break
    finally:
        cells_by_row.close()
    return sample
