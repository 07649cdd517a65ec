"""openpyxl's read-only worksheets, sized without reading the whole sheet.

``openpyxl.load_workbook(read_only=True)`` makes a ``ReadOnlyWorksheet`` per sheet, and
each looks for the sheet's recorded size, its ``<dimension>`` element. Its parse stops
at the end of ``<sheetData>``, so a sheet without a ``<dimension>`` (written by
openpyxl's write-only mode and other programs that stream rows) is parsed whole just
to be opened: 3.8 s of a 50,000-row import's 21 (issue 19's profile). The schema puts
``<dimension>`` before ``<sheetData>``; this looks no further than ``<sheetData>``'s
start, and finds the same size, or none.

``use()`` makes openpyxl's workbook reader build these (once, for the process: the
reader names the class in its module; nothing else differs). The private names are
pinned by ``tests/geo/imports/readers/test_xlsx_size.py``.
"""

from __future__ import annotations

from typing import Any

from openpyxl.reader import excel  # type: ignore[import-untyped]
from openpyxl.worksheet._read_only import ReadOnlyWorksheet  # type: ignore[import-untyped]
from openpyxl.worksheet._reader import (  # type: ignore[import-untyped]
    DATA_TAG,
    DIMENSION_TAG,
)
from openpyxl.worksheet.dimensions import SheetDimension  # type: ignore[import-untyped]
from openpyxl.xml.functions import iterparse  # type: ignore[import-untyped]


class SizedWorksheet(ReadOnlyWorksheet):  # type: ignore[misc]
    """A read-only worksheet that reads no further than its sheet data's start to find
    its recorded size."""

    def _get_size(self) -> None:
        with self._get_source() as src:
            for _event, element in iterparse(src, events=("start",)):
                if element.tag == DIMENSION_TAG:
                    bounds: Any = SheetDimension.from_tree(element).boundaries
                    if bounds is not None:
                        self._min_column, self._min_row, self._max_column, self._max_row = bounds
                    return
                if element.tag == DATA_TAG:
                    return  # no dimension recorded


def use() -> None:
    """Make ``openpyxl.load_workbook(read_only=True)`` build :class:`SizedWorksheet`."""
    excel.ReadOnlyWorksheet = SizedWorksheet
