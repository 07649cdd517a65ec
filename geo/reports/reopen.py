"""When a station closed on a courier's report opens again: the editor's date.

Confirming a ``closed_now`` report makes the station ``temporarily_closed``
(:mod:`geo.reports.moderation`). The editor may say until when: ``reopens_at``, a date
(the station opens again at the start of that day, Beijing time: ``2026-12-20`` is
2026-12-20 00:00 +08:00) or a moment (``2026-12-20T09:00``, Beijing time without an
offset). At that moment every worker's follower (``geo.registry.Registry.follow``)
finds the station due and one of them sets it ``open`` again, with an audit entry
``reopen`` naming the verdict that closed it. An editor who changes the station's
status by hand before then takes over: the date is dropped.

A date must lie after now and at most :data:`MAX_CLOSED_DAYS` ahead: a station closed
for longer is not closed *temporarily*, and an editor says so in its record.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from geo.errors import InvalidDateTime, InvalidParameter
from geo.hours.when import SHANGHAI
from geo.model import Status
from geo.reports.kinds import ReportKind

__all__ = ["MAX_CLOSED_DAYS", "check_reopening", "parse_reopens_at"]

MAX_CLOSED_DAYS: Final = 366
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_FORMS_EN: Final = "a date such as '2026-12-20' or a time such as '2026-12-20T09:00' (Beijing)"
_FORMS_ZH: Final = "日期（如 '2026-12-20'）或时间（如 '2026-12-20T09:00'，北京时间）"


def _invalid(value: str, why_en: str, why_zh: str) -> InvalidDateTime:
    shown = value[:40]
    return InvalidDateTime(
        f"reopens_at {shown!r}: {why_en}",
        f"恢复开放时间 reopens_at {shown!r}：{why_zh}",
        details=[{"field": "reopens_at", "value": shown}],
    )


def parse_reopens_at(value: str | None, *, now: datetime) -> datetime | None:
    """The moment a station opens again, in UTC (whole seconds), from what an editor
    wrote; None for nothing written.

    Raises
    ------
    InvalidDateTime
        Not a date or a moment, not after ``now``, or more than
        :data:`MAX_CLOSED_DAYS` days after it.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if _DATE.fullmatch(text):
            moment = datetime.combine(date.fromisoformat(text), time(0), tzinfo=SHANGHAI)
        elif re.search(r"\d[Tt ]\d", text):
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=SHANGHAI)
        else:
            raise ValueError(text)
        at = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _invalid(text, f"expected {_FORMS_EN}", f"应为{_FORMS_ZH}") from None
    if at.microsecond:  # the store keeps whole seconds: never reopen early
        at = at.replace(microsecond=0) + timedelta(seconds=1)
    if at <= now:
        raise _invalid(text, "that moment has passed", "该时间已过去")
    if at > now + timedelta(days=MAX_CLOSED_DAYS):
        raise _invalid(
            text,
            f"more than {MAX_CLOSED_DAYS} days ahead: a station closed that long is not "
            "closed temporarily (set its status instead)",
            f"超过 {MAX_CLOSED_DAYS} 天：这么久不算暂停开放，请直接修改站点状态",
        )
    return at


def check_reopening(kind: ReportKind, confirming: bool, status_after: Status) -> None:
    """Refuse a reopening date where it means nothing: on a dismissal, on a kind that
    does not close the station, or on a station the verdict does not leave closed
    (a planned one)."""
    if not confirming or not kind.closes:
        raise InvalidParameter(
            f"reopens_at goes with confirming a report that closes the station "
            f"(closed_now), not with this {'confirmation' if confirming else 'dismissal'} "
            f"of {kind.code}",
            f"reopens_at 只用于确认会使站点暂停开放的反馈（closed_now），"
            f"不适用于{'确认' if confirming else '驳回'} {kind.code}",
            details=[{"field": "reopens_at"}],
        )
    if status_after is not Status.TEMPORARILY_CLOSED:
        raise InvalidParameter(
            f"the station is {status_after.value}, not closed: it has nothing to reopen",
            f"该站点状态为 {status_after.value}，并未暂停开放，无需恢复",
            details=[{"field": "reopens_at"}],
        )
