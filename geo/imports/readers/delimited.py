"""CSV (and tab-, semicolon- or pipe-separated text): encoding, delimiter, header, records.

Rows are numbered by the physical line on which their record starts (a quoted cell that
spans lines moves the following records down). The file is decoded incrementally, so
memory does not grow with the file.

Python's ``csv`` module refuses a field over 131,072 characters
(``csv.field_size_limit``, a process-wide setting we leave alone). Such a record is read
again here by :func:`_long_record`, a parser of the same dialect that drops a field over
:data:`~geo.imports.readers.guard.MAX_CELL_CHARS` and says which: the row is then
rejected as ``cell_too_long`` like any cell over Excel's limit (``RawRow.oversized``),
and the records after it are read as usual.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Final

from geo.errors import InvalidFile
from geo.imports.readers.base import (
    EXTRA_KEY,
    HEADER_SCAN_ROWS,
    RawRow,
    RowStream,
    Source,
    find_header,
    header_note,
    make_headers,
    row_values,
)
from geo.imports.readers.guard import MAX_CELL_CHARS
from geo.imports.readers.text import csv_encoding

_SNIFF_LINES: Final = 50
_DELIMITERS: Final = (",", "\t", ";", "|")
_DELIMITER_NAMES: Final = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
_SEP_LINE: Final = re.compile(r'^"?sep=(.)"?\s*$')  # Excel's "sep=;" first line


def open_csv(path: Path, name: str, encoding: str | None) -> Source:
    """Open a CSV file: detect or check its encoding, sniff its delimiter, find its header."""
    if path.stat().st_size == 0:
        raise InvalidFile(f"{name}: the file is empty", f"{name}：文件为空")
    notes: list[str] = []
    codec = csv_encoding(path, name, encoding, notes)
    delimiter, sep_line = _sniff(path, codec)
    notes.append(f"delimiter: {_DELIMITER_NAMES[delimiter]}")
    records = _csv_records(path, name, codec, delimiter)
    sample: list[tuple[int, Sequence[Any]]] = []
    try:
        for line, cells, _ in records:
            if any(c.strip() for c in cells) and not (sep_line and line == 1):
                sample.append((line, cells))
                if len(sample) == HEADER_SCAN_ROWS:
                    break
    finally:
        records.close()
    if not sample:
        raise InvalidFile(f"{name}: the file has no header row", f"{name}：文件没有表头行")
    header_line, header_cells = sample[find_header(sample)]
    notes.extend(header_note("line", header_line))
    headers = make_headers(header_cells, lambda i: f"column_{i + 1}", notes)

    def rows() -> Iterator[RawRow]:
        for line, cells, too_long in _csv_records(path, name, codec, delimiter):
            if line <= header_line:
                continue
            values = row_values(headers, cells)
            if not too_long:
                if values is not None:
                    yield RawRow(line, values)
                continue
            cut = dict.fromkeys(headers[i] if i < len(headers) else EXTRA_KEY for i in too_long)
            yield RawRow(line, values or dict.fromkeys(headers), oversized=tuple(cut))

    return Source(path, "csv", headers, RowStream(rows()), encoding=codec, notes=notes)


def _sniff(path: Path, encoding: str) -> tuple[str, bool]:
    """The delimiter, and whether the first line is Excel's ``sep=`` line."""
    with path.open(encoding=encoding, newline="") as f:
        lines = [line for _, line in zip(range(_SNIFF_LINES), f, strict=False)]
    if lines and (sep := _SEP_LINE.match(lines[0].strip())):
        return sep.group(1), True

    def score(delimiter: str) -> tuple[int, int]:
        widths = Counter(
            len(cells) for cells in _lenient(csv.reader(lines, delimiter=delimiter)) if cells
        )
        width, rows = max(widths.items(), key=lambda item: (item[1], item[0]), default=(1, 0))
        return (rows, width) if width > 1 else (0, 1)

    return max(_DELIMITERS, key=score), False


def _lenient(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The non-blank records of a reader, skipping the ones it cannot read (good enough
    to count columns: a record with a huge field is read properly later)."""
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            continue
        if any(c.strip() for c in cells):
            yield cells


class _Lines(Iterator[str]):
    """The physical lines of a text file, counted, with those of the current record."""

    def __init__(self, f: IO[str]) -> None:
        self._f = f
        self.count = 0
        self.record: list[str] = []

    def __next__(self) -> str:
        line = next(self._f)
        self.count += 1
        self.record.append(line)
        return line


def _csv_records(
    path: Path, name: str, encoding: str, delimiter: str
) -> Generator[tuple[int, list[str], list[int]], None, None]:
    """(line on which the record starts, cells, indexes of the cells too long to keep) for
    every record, blank lines included."""
    with path.open(encoding=encoding, newline="") as f:
        lines = _Lines(f)
        reader = csv.reader(lines, delimiter=delimiter)
        while True:
            start = lines.count + 1
            lines.record.clear()
            too_long: list[int] = []
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" not in str(exc):  # the only one we expect
                    raise InvalidFile(
                        f"{name}: line {start} cannot be read as CSV",
                        f"{name}：第 {start} 行无法按 CSV 读取",
                        details=[{"file": name, "line": start, "reason": str(exc)[:200]}],
                    ) from None
                # The reader gave up within the record and starts afresh on the next line:
                # read the record again from its first line, and to its end.
                cells, too_long = _long_record(iter(list(lines.record)), lines, delimiter)
            yield start, cells, too_long


# States of the CSV parser (those of CPython's Modules/_csv.c that the dialect uses).
_START_FIELD, _IN_FIELD, _IN_QUOTED, _QUOTE_IN_QUOTED = range(4)


def _long_record(
    read: Iterator[str], more: Iterator[str], delimiter: str
) -> tuple[list[str], list[int]]:
    """One record of the excel dialect (``"`` quotes, doubled to escape, not strict), from
    the lines in `read`, then from `more` while a quoted field is still open; and the
    indexes of its fields over ``MAX_CELL_CHARS``, which are dropped ("") as they are read
    (memory stays bounded).
    """
    record = _Record(delimiter)
    for line in itertools.chain(read, more):  # never closes `more`, as yield from would
        if record.read_line(line):
            return record.fields, record.too_long
        if record.state != _IN_QUOTED:  # the last line of the file, without a line break
            record.save()
            return record.fields, record.too_long
    record.save()  # the file ends inside quotes: csv keeps what it has
    return record.fields, record.too_long


class _Record:
    """The fields of one record as :func:`_long_record` reads it, state by state."""

    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter
        self.stop = re.compile(f"[{re.escape(delimiter)}\r\n]")
        self.fields: list[str] = []
        self.too_long: list[int] = []
        self.parts: list[str] = []
        self.size = 0
        self.state = _START_FIELD

    def add(self, text: str) -> None:
        self.size += len(text)
        if self.size <= MAX_CELL_CHARS:
            self.parts.append(text)
        else:
            self.parts.clear()

    def save(self) -> None:
        if self.size > MAX_CELL_CHARS:
            self.too_long.append(len(self.fields))
        self.fields.append("".join(self.parts))
        self.parts.clear()
        self.size = 0

    def read_line(self, line: str) -> bool:
        """Read one line; True when a line break ended the record within it."""
        steps = {
            _START_FIELD: self._start,
            _IN_FIELD: self._unquoted,
            _IN_QUOTED: self._quoted,
            _QUOTE_IN_QUOTED: self._after_quote,
        }
        i = 0
        while i < len(line):
            i = steps[self.state](line, i)
            if i < 0:
                return True
        return False

    # Each step reads from line[i] and returns where to go on, or -1 at the record's end.
    def _start(self, line: str, i: int) -> int:
        if line[i] == '"':
            self.state = _IN_QUOTED
            return i + 1
        self.state = _IN_FIELD
        return i

    def _unquoted(self, line: str, i: int) -> int:
        match = self.stop.search(line, i)
        end = match.start() if match else len(line)
        self.add(line[i:end])
        if match is None:
            return len(line)
        self.save()
        if line[end] == self.delimiter:
            self.state = _START_FIELD
            return end + 1
        return -1  # the line break ends the record

    def _quoted(self, line: str, i: int) -> int:
        end = line.find('"', i)
        if end < 0:
            self.add(line[i:])
            return len(line)
        self.add(line[i:end])
        self.state = _QUOTE_IN_QUOTED
        return end + 1

    def _after_quote(self, line: str, i: int) -> int:
        char = line[i]
        if char == '"':  # a doubled quote
            self.add('"')
            self.state = _IN_QUOTED
            return i + 1
        if char == self.delimiter:
            self.save()
            self.state = _START_FIELD
            return i + 1
        if char in "\r\n":
            self.save()
            return -1
        self.state = _IN_FIELD  # text after the closing quote joins the field, as csv does
        return i
