"""XLSX data rows read by calamine are the rows openpyxl reads (geo.imports.readers
.xlsx_calamine), and calamine is left out where it would read otherwise."""

from __future__ import annotations

import resource
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.imports.readers import xlsx, xlsx_calamine
from tests.geo.imports.fixtures import HEADERS, STATIONS, write_xlsx
from tests.geo.imports.readers.common import read_all

EXAMPLES = settings(
    max_examples=60,
    derandomize=True,  # the same workbooks on every run and in CI
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

cells = st.one_of(
    st.none(),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12),
    st.sampled_from(["  驿站 ", "'=1+1", "116.4590", "", " ", "#N/A text", 't="e"']),
    st.integers(-(2**53) + 1, 2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.dates(date(1900, 3, 1), date(2100, 1, 1)),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.times().map(lambda t: t.replace(microsecond=0)),
)
rows = st.lists(st.lists(cells, max_size=9), max_size=12)


def both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, bool]:
    """What the reader gives with calamine where it can, and with openpyxl only."""
    book = openpyxl.load_workbook(path, read_only=True)
    used = xlsx_calamine.calamine_can_read(book.worksheets[0])
    book.close()
    fast = read_all(path)
    with monkeypatch.context() as m:
        m.setattr(xlsx, "calamine_can_read", lambda ws: False)
        slow = read_all(path)
    return fast, slow, used


@EXAMPLES
@given(rows, st.integers(0, 3), st.integers(0, 2))
def test_calamine_reads_the_rows_openpyxl_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: list[list[Any]], above: int, left: int
) -> None:
    """Any cells under a header, below blank rows and right of blank columns: the same
    rows, numbers, values and types."""
    header = [None] * left + ["名称", "经度", "纬度", "备注"]
    sheet = [[] for _ in range(above)] + [header] + [[None] * left + r for r in body]
    path = write_xlsx(tmp_path / "s.xlsx", {"名单": sheet})
    (fast_source, fast), (slow_source, slow), used = both_ways(path, monkeypatch)
    assert used  # openpyxl writes no formula, and the sampled text is not markup
    assert fast_source.headers == slow_source.headers
    assert [(r.number, r.values, r.uncached) for r in fast] == [
        (r.number, r.values, r.uncached) for r in slow
    ]
    for a, b in zip(fast, slow, strict=True):
        assert [type(v) for v in a.values.values()] == [type(v) for v in b.values.values()]


def test_the_station_list_reads_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xlsx(tmp_path / "s.xlsx", {"名单": [HEADERS, *STATIONS]})
    (_, fast), (_, slow), used = both_ways(path, monkeypatch)
    assert used
    assert fast == slow
    assert len(fast) == len(STATIONS)


def _with_cell_xml(path: Path, cell_xml: str) -> Path:
    """`path` with one more cell (raw XML) at the end of its first sheet's last row."""
    out = path.with_name("edited.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</row></sheetData>", cell_xml.encode() + b"</row></sheetData>"
                )
            dst.writestr(info, data)
    return out


@pytest.mark.parametrize(
    "cell_xml",
    [
        '<c r="Z9" t="e"><v>#N/A</v></c>',  # an error: calamine reads it blank
        '<c r="Z9"><f>1+1</f></c>',  # a formula without a stored result: blank too
        '<c r="Z9"><f>1+1</f><v>2</v></c>',  # with one: left to openpyxl all the same
        "<c r='Z9' t='e'><v>#DIV/0!</v></c>",
    ],
)
def test_formulas_and_errors_are_left_to_openpyxl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cell_xml: str
) -> None:
    plain = write_xlsx(tmp_path / "s.xlsx", {"名单": [HEADERS, *STATIONS]})
    path = _with_cell_xml(plain, cell_xml)
    (_, fast), (_, slow), used = both_ways(path, monkeypatch)
    assert not used
    assert fast == slow


def test_a_sheet_without_room_is_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under an address-space limit the whole sheet would not fit in (an import's memory
    limit), openpyxl streams it: Rust would abort the process, not raise MemoryError."""
    path = write_xlsx(tmp_path / "s.xlsx", {"名单": [HEADERS, *STATIONS]})
    book = openpyxl.load_workbook(path, read_only=True)
    ws = book.worksheets[0]
    try:
        assert xlsx_calamine.calamine_can_read(ws)
        tight = (1 << 20, resource.RLIM_INFINITY)  # far below this process's size
        monkeypatch.setattr(resource, "getrlimit", lambda which: tight)
        assert not xlsx_calamine.calamine_can_read(ws)
        monkeypatch.undo()
        monkeypatch.setattr(xlsx_calamine, "MAX_XML_BYTES", 100)
        assert not xlsx_calamine.calamine_can_read(ws)
    finally:
        book.close()


def test_a_tag_cut_between_chunks_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = write_xlsx(tmp_path / "s.xlsx", {"名单": [HEADERS, *STATIONS]})
    path = _with_cell_xml(plain, '<c r="Z9"><f>1+1</f></c>')
    with zipfile.ZipFile(path) as z:
        at = z.read("xl/worksheets/sheet1.xml").index(b"<f>")
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        for chunk in (at + 1, at + 2):  # the chunk ends inside "<f>"
            monkeypatch.setattr(xlsx_calamine, "_CHUNK", chunk)
            assert not xlsx_calamine.calamine_can_read(book.worksheets[0])
    finally:
        book.close()


def test_times_and_dates_are_openpyxl_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [HEADERS[:3], ["a", date(2024, 5, 1), time(8, 30)], ["b", datetime(2024, 5, 1, 8, 30)]]
    path = write_xlsx(tmp_path / "s.xlsx", {"名单": rows})
    (_, fast), (_, slow), used = both_ways(path, monkeypatch)
    assert used
    assert fast == slow
    assert fast[0].values[HEADERS[1]] == datetime(2024, 5, 1)
