"""China's working calendar: which days are statutory days off and which weekend days are
make-up working days (调休), year by year.

Every year the General Office of the State Council publishes the next year's holiday
arrangement (国务院办公厅关于XXXX年部分节假日安排的通知, usually in November): the days off
around 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节 and 国庆节, and the Saturdays and Sundays that
become working days to make up for them. 2026 has 33 days off and 6 make-up days (notice
of 2025-11-04). A weekday rule cannot know them, so they are data:

- the ``chinesecalendar`` package (PyPI, MIT; ``chinese_calendar.constants``), which
  transcribes each notice and is released when one is published: 2004 to 2026 in 1.11.0;
- a notice the installed package does not have yet, as a CSV file in ``data/calendar/``
  (or in the directory named by ``STATIONFINDER_CALENDAR_DIR``) called ``cn-YYYY.csv``:
  a ``# source:`` line naming the notice, then ``date,kind,name`` rows with ``kind``
  ``off`` (a day off) or ``work`` (a make-up working day). A file replaces the package's
  data for its year. docs/hours.md says how to add next year's notice.

A year neither source knows is not guessed: :func:`day_kind` returns None, and a
schedule whose answer depends on the holidays says "unknown" on its days.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Final

from chinese_calendar import constants as _package

from geo.errors import InvalidCalendarFile

__all__ = [
    "DayKind",
    "InvalidCalendarFile",
    "WorkingCalendar",
    "calendar_knows",
    "day_kind",
    "known_years",
    "working_calendar",
]

DATA_DIR: Final = Path(__file__).resolve().parents[2] / "data" / "calendar"
ENV_DIR: Final = "STATIONFINDER_CALENDAR_DIR"
_FILE: Final = re.compile(r"cn-(\d{4})\.csv")


class DayKind(StrEnum):
    """What a day is in China's working calendar."""

    WORKDAY = "workday"  # Monday to Friday, not a day off
    WEEKEND = "weekend"  # Saturday or Sunday, not a make-up working day
    HOLIDAY = "holiday"  # a statutory day off (法定节假日 and the days joined to it)
    MAKEUP = "makeup"  # a Saturday or Sunday worked to make up for a day off (调休上班)


@dataclass(frozen=True)
class WorkingCalendar:
    """Days off and make-up working days of the years known."""

    off: frozenset[date]
    work: frozenset[date]
    years: frozenset[int]
    sources: dict[int, str]

    def kind(self, day: date) -> DayKind | None:
        """The kind of ``day``, or None when its year is not known."""
        if day.year not in self.years:
            return None
        if day in self.off:
            return DayKind.HOLIDAY
        if day in self.work:
            return DayKind.MAKEUP
        return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY


def _bad(path: Path, row: int | None, why: str, why_zh: str) -> InvalidCalendarFile:
    where = f"{path}" + (f", row {row}" if row else "")
    where_zh = f"{path}" + (f" 第 {row} 行" if row else "")
    return InvalidCalendarFile(
        f"calendar file {where}: {why} (see data/calendar/README.md)",
        f"工作日历文件 {where_zh}：{why_zh}（见 data/calendar/README.md）",
    )


def _read_file(path: Path, year: int) -> tuple[set[date], set[date], str]:
    """A notice's days off and make-up days from ``cn-YYYY.csv``, checked."""
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    source = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("# source:")), "")
    if not source:
        raise _bad(
            path,
            None,
            "no '# source:' line naming the State Council notice",
            "缺少说明国务院通知出处的 '# source:' 行",
        )
    data = [(n, ln) for n, ln in enumerate(lines, start=1) if ln.strip() and not ln.startswith("#")]
    rows = csv.DictReader(ln for _n, ln in data)
    if rows.fieldnames != ["date", "kind", "name"]:
        raise _bad(path, None, "the header must be date,kind,name", "表头须为 date,kind,name")
    off: set[date] = set()
    work: set[date] = set()
    for (number, _line), row in zip(data[1:], rows, strict=True):  # the file's line numbers
        try:
            day = date.fromisoformat(row["date"].strip())
        except (ValueError, AttributeError):
            raise _bad(
                path, number, f"not a date: {row['date']!r}", f"不是日期：{row['date']!r}"
            ) from None
        kind = (row["kind"] or "").strip()
        if day.year != year:
            raise _bad(path, number, f"{day} is not in {year}", f"{day} 不在 {year} 年")
        if kind == "off":
            off.add(day)
        elif kind == "work":
            if day.weekday() < 5:
                raise _bad(
                    path, number,
                    f"{day} is a weekday; a make-up working day (调休上班) is a Saturday or Sunday",
                    f"{day} 是工作日；调休上班日应为周六或周日",
                )  # fmt: skip
            work.add(day)
        else:
            raise _bad(
                path,
                number,
                f"kind must be off or work: {kind!r}",
                f"kind 须为 off 或 work：{kind!r}",
            )
    if not off:
        raise _bad(path, None, "no day off", "没有放假日")
    return off, work, f"{source} ({path.name})"


def _directories() -> list[Path]:
    extra = os.environ.get(ENV_DIR)
    return [DATA_DIR] + ([Path(extra)] if extra else [])


@cache
def working_calendar() -> WorkingCalendar:
    """The calendar: the package's years, then the files (a file replaces its year)."""
    off = {d for d in _package.holidays if isinstance(d, date)}
    work = {d for d in _package.workdays if isinstance(d, date)}
    years = {d.year for d in off}
    sources = {y: "chinesecalendar package" for y in years}
    for directory in _directories():
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            match = _FILE.fullmatch(path.name)
            if match is None:
                continue
            year = int(match[1])
            file_off, file_work, source = _read_file(path, year)
            off = {d for d in off if d.year != year} | file_off
            work = {d for d in work if d.year != year} | file_work
            years.add(year)
            sources[year] = source
    return WorkingCalendar(frozenset(off), frozenset(work), frozenset(years), sources)


def day_kind(day: date) -> DayKind | None:
    """What ``day`` is: a working day, a weekend day, a day off or a make-up working day;
    None when neither the package nor a calendar file knows its year."""
    return working_calendar().kind(day)


def calendar_knows(moment: datetime | None) -> bool | None:
    """Whether the calendar knows the days off of ``moment``'s year (None for no moment):
    said in answers, since a schedule that depends on the holidays is unknown otherwise."""
    return None if moment is None else moment.year in known_years()


def known_years() -> frozenset[int]:
    """The years whose days off and make-up days are known."""
    return working_calendar().years


def days_of(year: int, kind: DayKind) -> list[date]:
    """Every day of ``year`` of one kind (for tests and documentation)."""
    first = date(year, 1, 1)
    days = (first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days))
    return [d for d in days if day_kind(d) is kind]
