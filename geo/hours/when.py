"""The API's ``open_at``: a moment in Asia/Shanghai, ``now`` or ``any``."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from geo.clock import get_clock
from geo.errors import InvalidDateTime

__all__ = ["MAX_YEAR", "MIN_YEAR", "SHANGHAI", "parse_when"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Before 1900 Shanghai's zone has a local-mean-time offset (+08:05:43) and nobody asks
# about stations then; after 2200 nobody plans a visit yet.
MIN_YEAR, MAX_YEAR = 1900, 2200


def _iso_datetime(text: str, value: str | None) -> datetime:
    try:
        if re.search(r"\d[Tt ]\d", text):  # a date alone is not a moment
            return datetime.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidDateTime(
        f"Invalid time {value!r}: expected ISO 8601 such as '2026-11-23T12:30' "
        "or '2026-11-23T12:30:00+08:00', or 'now' or 'any'.",
        f"无效的时间 {value!r}：应为 ISO 8601 格式，如 '2026-11-23T12:30' 或 "
        "'2026-11-23T12:30:00+08:00'，或 'now'、'any'。",
    )


def parse_when(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """Parse the API's ``open_at`` parameter.

    Parameters
    ----------
    value : str or None
        ISO 8601 date and time (``2026-11-23T12:30``, ``2026-11-23T12:30:00+08:00``,
        ``2026-11-23T04:30:00Z``; without an offset it is Asia/Shanghai time), ``now``,
        missing/empty (the current time) or ``any`` (ignore opening hours).
    now : datetime, optional
        The current time to use instead of the clock (naive means Asia/Shanghai); for tests.

    Returns
    -------
    datetime or None
        An aware datetime in Asia/Shanghai, or ``None`` for ``any``.

    Raises
    ------
    InvalidDateTime
        If ``value`` is none of the above (a date without a time included).
    """
    text = value.strip() if value is not None else ""
    if text.lower() == "any":
        return None
    if text.lower() in ("", "now"):
        moment = now if now is not None else get_clock().now().astimezone(SHANGHAI)
    else:
        moment = _iso_datetime(text, value)
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise InvalidDateTime(
            f"Time {value!r} is outside the years {MIN_YEAR}-{MAX_YEAR}.",
            f"时间 {value!r} 超出 {MIN_YEAR}-{MAX_YEAR} 年的范围。",
        )
    if moment.tzinfo is None:
        return moment.replace(tzinfo=SHANGHAI)
    try:
        return moment.astimezone(SHANGHAI)
    except OverflowError:
        raise InvalidDateTime(
            f"Time {value!r} is out of range in Asia/Shanghai.",
            f"时间 {value!r} 换算为北京时间后超出范围。",
        ) from None
