"""Read-only worksheets find the size a sheet records as openpyxl's own do, without
reading the sheet's data (``geo/imports/readers/xlsx_size.py``)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
from openpyxl.worksheet._read_only import ReadOnlyWorksheet  # type: ignore[import-untyped]

import geo.imports.readers.xlsx  # noqa: F401  (installs SizedWorksheet, as an import does)
from geo.imports.readers.xlsx_size import SizedWorksheet

ROWS = [["驿站名称", "经度", "纬度"], *[[f"站{i}", 116.4 + i / 1000, 39.9] for i in range(30)]]


def workbook(path: Path, *, write_only: bool) -> Path:
    """openpyxl's normal mode records a <dimension>; its write-only mode does not."""
    book = openpyxl.Workbook(write_only=write_only)
    sheet = book.create_sheet("名单") if write_only else book.active
    for row in ROWS:
        sheet.append(row)
    if not write_only:
        sheet.title = "名单"
        sheet["E3"] = None  # a recorded size wider than the rows' cells
    book.save(path)
    return path


def sizes(ws: object) -> tuple[object, ...]:
    return tuple(getattr(ws, a, None) for a in ("_min_column", "_min_row", "_max_column",
                                                "_max_row"))  # fmt: skip


@pytest.mark.parametrize("write_only", [False, True])
def test_the_size_found_is_openpyxls(tmp_path: Path, write_only: bool) -> None:
    path = workbook(tmp_path / "list.xlsx", write_only=write_only)
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = book.worksheets[0]
        assert type(ws) is SizedWorksheet
        theirs = ReadOnlyWorksheet(book, ws.title, ws._worksheet_path, ws._shared_strings)
        assert sizes(ws) == sizes(theirs)
        assert (ws.max_row, ws.max_column) == (theirs.max_row, theirs.max_column)
        if not write_only:
            assert (ws.max_row, ws.max_column) == (len(ROWS), 5)
        assert list(next(ws.iter_rows(values_only=True)))[:3] == ROWS[0]
    finally:
        book.close()


def test_a_sheet_without_a_size_is_not_read_to_be_opened(tmp_path: Path) -> None:
    """Its data is cut short by bad XML: opening reads none of it; openpyxl's own
    worksheet did (and failed on it)."""
    good = workbook(tmp_path / "good.xlsx", write_only=True)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/sheet"):
                assert b"<dimension" not in data
                data = data.replace(b"</sheetData>", b"<row><c><<</sheetData>")
            dst.writestr(item, data)
    book = openpyxl.load_workbook(bad, read_only=True, data_only=True)
    try:
        ws = book.worksheets[0]
        assert ws.title == "名单"
        with pytest.raises(SyntaxError):  # the XML parser's error (ParseError, lxml's)
            ReadOnlyWorksheet(book, ws.title, ws._worksheet_path, ws._shared_strings)
    finally:
        book.close()
