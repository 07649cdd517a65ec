"""China's working calendar (geo/hours/calendar.py): 2026 day by day, unknown years, and
the calendar files that add a notice the package does not have yet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from geo.hours import calendar
from geo.hours.calendar import DATA_DIR, DayKind, InvalidCalendarFile, day_kind, days_of
from geo.hours.schedule import day_intervals

# 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04), written out from the notice.
DAYS_OFF_2026 = {
    "元旦": ("2026-01-01", "2026-01-03"),
    "春节": ("2026-02-15", "2026-02-23"),
    "清明节": ("2026-04-04", "2026-04-06"),
    "劳动节": ("2026-05-01", "2026-05-05"),
    "端午节": ("2026-06-19", "2026-06-21"),
    "中秋节": ("2026-09-25", "2026-09-27"),
    "国庆节": ("2026-10-01", "2026-10-07"),
}
MAKEUP_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]


def _span(first: str, last: str) -> Iterator[date]:
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    while day <= end:
        yield day
        day += timedelta(days=1)


def test_2026_day_by_day() -> None:
    off = {d for first, last in DAYS_OFF_2026.values() for d in _span(first, last)}
    makeup = {date.fromisoformat(d) for d in MAKEUP_2026}
    assert len(off) == 33
    assert len(makeup) == 6
    for day in _span("2026-01-01", "2026-12-31"):
        if day in off:
            expected = DayKind.HOLIDAY
        elif day in makeup:
            expected = DayKind.MAKEUP
            assert day.weekday() >= 5, day  # a make-up day is a Saturday or Sunday
        else:
            expected = DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY
        assert day_kind(day) is expected, day
    assert len(days_of(2026, DayKind.HOLIDAY)) == 33
    assert len(days_of(2026, DayKind.MAKEUP)) == 6


@pytest.mark.parametrize("day", [date(2003, 12, 31), date(2100, 1, 1)])
def test_a_year_the_calendar_does_not_know_is_not_guessed(day: date) -> None:
    assert day_kind(day) is None


@pytest.fixture
def calendar_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(calendar.ENV_DIR, str(tmp_path))
    calendar.working_calendar.cache_clear()
    day_intervals.cache_clear()
    yield tmp_path
    monkeypatch.delenv(calendar.ENV_DIR)
    calendar.working_calendar.cache_clear()
    day_intervals.cache_clear()


NOTICE_2027 = """\
# source: 国务院办公厅关于2027年部分节假日安排的通知（test）
date,kind,name
2027-01-01,off,元旦
2027-01-02,off,元旦
2027-01-03,off,元旦
2027-02-20,work,春节调休
"""


def test_a_calendar_file_adds_a_year(calendar_dir: Path) -> None:
    assert day_kind(date(2027, 1, 1)) is None
    calendar.working_calendar.cache_clear()
    (calendar_dir / "cn-2027.csv").write_text(NOTICE_2027, encoding="utf-8")
    assert day_kind(date(2027, 1, 1)) is DayKind.HOLIDAY
    assert day_kind(date(2027, 2, 20)) is DayKind.MAKEUP  # a Saturday
    assert day_kind(date(2027, 1, 4)) is DayKind.WORKDAY
    assert "test" in calendar.working_calendar().sources[2027]


def test_a_calendar_file_replaces_the_packages_year(calendar_dir: Path) -> None:
    (calendar_dir / "cn-2026.csv").write_text(
        "# source: a corrected notice\ndate,kind,name\n2026-01-01,off,元旦\n", encoding="utf-8"
    )
    assert day_kind(date(2026, 1, 1)) is DayKind.HOLIDAY
    assert day_kind(date(2026, 10, 2)) is DayKind.WORKDAY  # the file says so
    assert day_kind(date(2026, 2, 14)) is DayKind.WEEKEND


BAD_FILES = [
    ("date,kind,name\n2027-01-01,off,元旦\n", "source"),  # no source line
    ("# source: x\nday,kind,name\n2027-01-01,off,元旦\n", "header"),
    ("# source: x\ndate,kind,name\n2027-13-01,off,元旦\n", "row 3"),  # the file's line
    ("# source: x\ndate,kind,name\n2027-01-01,off,元旦\n2026-12-31,off,元旦\n", "row 4"),
    ("# source: x\ndate,kind,name\n2027-01-01,off,元旦\n2027-01-04,work,调休\n", "Saturday"),
    ("# source: x\ndate,kind,name\n2027-01-01,holiday,元旦\n", "off or work"),
    ("# source: x\ndate,kind,name\n2027-02-20,work,调休\n", "no day off"),
]


@pytest.mark.parametrize(("text", "said"), BAD_FILES)
def test_a_bad_calendar_file_is_refused_naming_the_row(
    calendar_dir: Path, text: str, said: str
) -> None:
    (calendar_dir / "cn-2027.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InvalidCalendarFile, match=said):
        calendar.working_calendar()


def test_the_shipped_calendar_files_are_readable() -> None:
    """Every notice added in data/calendar reads (the service checks them at start)."""
    files = sorted(DATA_DIR.glob("cn-*.csv"))
    for path in files:
        year = int(path.stem.split("-")[1])
        calendar._read_file(path, year)
    assert (DATA_DIR / "README.md").is_file()


def test_serve_refuses_a_bad_calendar_file_in_both_languages(calendar_dir: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    (calendar_dir / "cn-2027.csv").write_text(BAD_FILES[4][0], encoding="utf-8")
    result = CliRunner().invoke(app, ["serve", "--port", "1", "--no-demo"])
    assert result.exit_code == 2
    assert "invalid_calendar_file" in result.output
    assert "第 4 行" in result.output
    assert "row 4" in result.output
    assert "http://" not in result.output  # refused before the URL is printed
