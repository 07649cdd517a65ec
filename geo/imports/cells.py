"""Spreadsheet cells to station field values: text, numbers, and the per-field parsers.

Each parser in :data:`PARSERS` turns one cell into a field value and its findings
(``(code, is_error, message, message_zh, value)``); :mod:`geo.imports.rows` applies them
to every row, reports the findings with the row number and column, and places the row.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from geo.amenities import match_labels
from geo.errors import StationError
from geo.formulas import unescape_formula
from geo.hours import normalize_opening_hours
from geo.model import Status

_NONE_WORDS = {"", "-", "—", "/", "无", "暂无", "没有", "n/a", "na", "none", "null", "nan"}
_LONGEST_NONE_WORD = max(map(len, _NONE_WORDS))
_STATUS_WORDS = {
    Status.OPEN: ("open", "开放", "正常", "运营", "运行", "在用", "营业", "已建成", "启用"),
    Status.TEMPORARILY_CLOSED: (
        "temporarily_closed",
        "closed",
        "暂停",
        "暂停开放",
        "暂停服务",
        "关闭",
        "停用",
        "歇业",
    ),
    Status.PLANNED: ("planned", "筹建", "筹建中", "在建", "规划", "拟建", "计划"),
}
_STATUS_BY_WORD = {w.casefold(): s for s, words in _STATUS_WORDS.items() for w in words}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_COUNT = re.compile(r"^(\d+)\s*(个|辆|台|位|处|桩|车位)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ADCODE = re.compile(r"\d{6}")


def cell_text(value: Any, *, spreadsheet: bool = False) -> str | None:
    """Cell to text: Excel numbers such as 1001.0 become "1001"; blanks become None.

    In spreadsheets (CSV, XLSX) a leading ``'`` that neutralised a formula is removed,
    so that our own exports import back unchanged.
    """
    if type(value) is str:  # the common case first: this runs for every cell
        text = value
    elif value is None:
        return None
    elif isinstance(value, bool):
        return str(value)
    elif isinstance(value, datetime | date | time):
        return value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    # Text is kept as written (no NFKC): a re-import must compare equal to what is stored.
    if spreadsheet and text[:1] == "'":
        text = unescape_formula(text)
    # Printable text has no control character (isprintable is ~10x the regex's speed).
    if not text.isprintable() and _CONTROL.search(text) is not None:
        text = _CONTROL.sub(" ", text)
    text = text.strip()
    # Neither NFKC (which only composes to accented letters) nor case folding shortens
    # text to a "none" word, so longer text needs no normalising to be compared.
    if len(text) <= _LONGEST_NONE_WORD and (
        unicodedata.normalize("NFKC", text).casefold() in _NONE_WORDS
    ):
        return None
    return text


def cell_number(value: Any) -> float | None:
    """Cell to float, or None if it is not a number (NaN and ±inf are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value)
        if not text.isascii():  # full-width digits, a degree sign
            text = unicodedata.normalize("NFKC", text).strip().rstrip("°")
        text = text.strip()
        if not _NUMBER.match(text):
            return None
        number = float(text)
    return number if math.isfinite(number) else None


# -- cell parsers: cell -> (field value, findings) ---------------------------------------

# (code, is_error, message, message_zh, value shown in the report)
Finding = tuple[str, bool, str, str, Any]
Parsed = tuple[Any, tuple[Finding, ...]]


def _parse_name(cell: Any, spreadsheet: bool) -> Parsed:
    name = cell_text(cell, spreadsheet=spreadsheet)
    if name is None:
        return None, (("missing_name", True, "the station has no name", "缺少驿站名称", None),)
    return name, ()


def _parse_text(cell: Any, spreadsheet: bool) -> Parsed:
    return cell_text(cell, spreadsheet=spreadsheet), ()


def _parse_amenities(cell: Any, spreadsheet: bool) -> Parsed:
    text = cell_text(cell, spreadsheet=spreadsheet)
    codes, unknown = match_labels(text) if text else ((), ())
    findings = tuple(
        (
            "unknown_amenity_label",
            False,
            f"amenity label {label!r} is not in the vocabulary; left out",
            f"服务设施 {label!r} 未能识别，未导入",
            label,
        )
        for label in unknown
    )
    return codes, findings  # a tuple: rows of a chunk share it


def _parse_hours(cell: Any, spreadsheet: bool) -> Parsed:
    text = cell_text(cell, spreadsheet=spreadsheet)
    if text is None:
        return None, ()
    try:
        normalize_opening_hours(text)
    except StationError:
        return None, (
            (
                "invalid_opening_hours",
                False,
                f"opening hours {text!r} not understood; left empty",
                f"无法识别开放时间 {text!r}，已留空",
                text,
            ),
        )
    return text, ()


def _parse_count(cell: Any, spreadsheet: bool) -> Parsed:
    text = cell_text(cell)
    if text is None:
        return None, ()
    number = cell_number(cell)
    if number is not None and number.is_integer() and number >= 0:
        return int(number), ()
    match = _COUNT.match(text)
    if match:
        return int(match.group(1)), ()
    return None, (
        (
            "invalid_count",
            False,
            f"{text!r} is not a whole number; left empty",
            f"{text!r} 不是非负整数，已留空",
            text,
        ),
    )


def _parse_status(cell: Any, spreadsheet: bool) -> Parsed:
    text = cell_text(cell, spreadsheet=spreadsheet)
    status = Status.OPEN if text is None else _STATUS_BY_WORD.get(text.casefold())
    if status is not None:
        return status.value, ()
    return Status.OPEN.value, (
        (
            "unknown_status",
            False,
            f"unknown status {text!r}; 'open' assumed",
            f"未知状态 {text!r}，按开放处理",
            text,
        ),
    )


def _parse_adcode(cell: Any, spreadsheet: bool) -> Parsed:
    text = cell_text(cell, spreadsheet=spreadsheet)
    if text is None or _ADCODE.fullmatch(text):
        return text, ()
    return None, (
        (
            "invalid_adcode",
            False,
            f"adcode {text!r} is not 6 digits; left empty",
            f"行政区划代码 {text!r} 不是6位数字，已留空",
            text,
        ),
    )


# In report order. The flag: values repeat down the column, so parse each once a chunk.
PARSERS: tuple[tuple[str, Callable[[Any, bool], Parsed], bool], ...] = (
    ("name", _parse_name, False),
    ("external_id", _parse_text, False),
    ("address", _parse_text, False),
    ("district", _parse_text, True),
    ("city", _parse_text, True),
    ("province", _parse_text, True),
    ("host", _parse_text, True),
    ("phone", _parse_text, False),
    ("amenities", _parse_amenities, True),
    ("opening_hours", _parse_hours, True),
    ("car_parking_spaces", _parse_count, True),
    ("motorcycle_parking_spaces", _parse_count, True),
    ("ev_charging_piles", _parse_count, True),
    ("status", _parse_status, True),
    ("adcode", _parse_adcode, True),
    ("city_adcode", _parse_adcode, True),
    ("province_adcode", _parse_adcode, True),
)
