"""Hostile input, refused before it costs much (``docs/security.md``, "Hostile input").

A zip (a zipped Shapefile, and every ``.xlsx``, which is a zip) whose central directory
declares too many members, too many bytes or a compression ratio only a zip bomb has is
refused before anything is inflated; a file with more than ``max_rows`` data rows or
:data:`MAX_COLUMNS` columns is refused whole; a cell longer than :data:`MAX_CELL_CHARS`
(Excel's own limit) rejects its row (``cell_too_long``, see ``RawRow.oversized``)
instead of reaching the validators.
"""

from __future__ import annotations

import dataclasses
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from geo.errors import InvalidFile
from geo.imports.readers.base import EXTRA_KEY, RawRow, RowStream, Source

MAX_CELL_CHARS: Final = 32_767  # Excel's own limit on the text in one cell
MAX_COLUMNS: Final = 1_000  # station lists have a few dozen
MAX_ZIP_MEMBERS: Final = 10_000
MAX_UNZIPPED_BYTES: Final = 1 << 30  # 1 GiB declared in a zip's central directory
MAX_ZIP_RATIO: Final = 200  # sheet XML compresses ~10x; a zip bomb ~1000x
_RATIO_FLOOR: Final = 1 << 20  # members under 1 MiB may compress as well as they like


def check_zip(path: Path, name: str) -> None:
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


# Most data rows one file may have unless the caller says otherwise (the default of the
# max_import_rows setting, which the API and CLI pass in).
MAX_ROWS: Final = 1_000_000


def guarded(source: Source, name: str, max_rows: int) -> Source:
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
            yield cut_huge_cells(row)

    return dataclasses.replace(source, rows=RowStream(rows(), getattr(inner, "close", None)))


def cut_huge_cells(row: RawRow) -> RawRow:
    """The row with every cell over :data:`MAX_CELL_CHARS` blanked and named in
    ``oversized``."""
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
    return dataclasses.replace(row, values=cleaned, oversized=(*row.oversized, *oversized))
