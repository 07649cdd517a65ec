"""Which sheet of a workbook holds the station list, when the one read does not.

A district office's workbook often opens on a cover page or a table of contents, with
the list on a later sheet. Read without ``sheet``, the first sheet's headers name no
station field, and "name the columns" would send the user the wrong way: the refusal
names the workbook's sheets and the one whose headers hold a name and coordinates.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Final

from geo.errors import InvalidFile, StationError
from geo.imports.columns import ColumnMapping, recognise_columns
from geo.imports.readers import Source

__all__ = ["missing_fields", "refuse_missing_columns"]

# Field -> (English, Chinese) as a refusal names it.
_FIELD_NAMES: Final = {"name": ("name", "名称"), "lon/lat": ("lon/lat", "经纬度")}
_EXAMPLE: Final = "name=站点名称,lon=X坐标,lat=Y坐标"


def _shell(word: str) -> str:
    """``word`` as a shell reads it: as it is when plain (Chinese too), else quoted."""
    plain = word and all(c.isalnum() or c in "._-+/" for c in word)
    return word if plain else shlex.quote(word)


def missing_fields(mapping: ColumnMapping, *, has_point: bool) -> list[str]:
    """``"name"`` and ``"lon/lat"`` where the mapping lacks them (a point geometry
    stands for lon/lat)."""
    columns = mapping.columns
    has_place = has_point or "lonlat" in columns or {"lon", "lat"} <= set(columns)
    return [f for f, ok in (("name", "name" in columns), ("lon/lat", has_place)) if not ok]


def station_sheets(source: Source) -> list[str]:
    """The other sheets of the workbook whose headers hold a name and coordinates."""
    if source.other_sheets is None:
        return []
    found = []
    for title, headers in source.other_sheets().items():
        try:
            mapping = recognise_columns(headers)
        except StationError:  # headers no mapping can be made of
            continue
        if not missing_fields(mapping, has_point=False):
            found.append(title)
    return found


def refuse_missing_columns(
    source: Source, missing: Sequence[str], *, filename: str | None = None
) -> InvalidFile:
    """The refusal of a file without the columns for ``missing``: on a workbook, the
    sheet that looks like the station list (``--sheet``, the ``sheet`` form field),
    else how to name the columns. ``filename``: the name the user gave the file."""
    what = ", ".join(_FIELD_NAMES[f][0] for f in missing)
    what_zh = "、".join(_FIELD_NAMES[f][1] for f in missing)
    headers = ", ".join(source.headers) or "(none)"
    headers_zh = ", ".join(source.headers) or "（无）"
    columns = f"name them with the columns option, e.g. {_EXAMPLE}"
    columns_zh = f"请用 columns 选项指定，例如 {_EXAMPLE}"
    if source.sheet is None or source.other_sheets is None:
        return InvalidFile(
            f"cannot find the column(s) for {what} among the headers: {headers}; {columns}",
            f"找不到{what_zh}对应的列，现有表头：{headers_zh}；{columns_zh}",
            details=[{"missing": list(missing), "headers": list(source.headers)}],
        )
    sheets = [source.sheet, *source.other_sheets()]
    listed = ", ".join(repr(s) for s in sheets)
    listed_zh = "、".join(f"“{s}”" for s in sheets)
    found = station_sheets(source)
    read = f"sheet {source.sheet!r} has no column for {what} (its headers: {headers})"
    read_zh = f"工作表“{source.sheet}”中找不到{what_zh}对应的列（表头：{headers_zh}）"
    details = {"missing": list(missing), "sheet": source.sheet, "sheets": sheets}
    if found:
        best = found[0]
        file = _shell(filename or source.path.name)
        option = f"stationfinder import {file} --sheet {_shell(best)}"
        return InvalidFile(
            f"{read}; the station list looks like it is on sheet {best!r}: import that "
            f"sheet ({option}, or the form field sheet={best}). The workbook's sheets: {listed}",
            f"{read_zh}；驿站名录似乎在工作表“{best}”中：请导入该工作表（{option}，"
            f"或表单字段 sheet={best}）。工作簿中的工作表：{listed_zh}",
            details=[details | {"suggested_sheet": best}],
        )
    return InvalidFile(
        f"{read}; the workbook's sheets: {listed}: choose the station list with the sheet "
        f"option (--sheet NAME, or the form field sheet), or {columns}",
        f"{read_zh}；工作簿中的工作表：{listed_zh}：请用 sheet 选项选择驿站名录所在的工作表"
        f"（--sheet 工作表名，或表单字段 sheet），或{columns_zh}",
        details=[details | {"suggested_sheet": None}],
    )
