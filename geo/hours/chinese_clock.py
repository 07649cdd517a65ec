"""Chinese clock times and time ranges ("晚8点-12点", "9点-5点", "22:00-次日06:00").

How a range is read, as a Chinese reader reads it:

- ``HH:MM`` clocks are on the 24-hour clock ("09:00-05:00" runs overnight), and so is any
  range with an hour of 0 or above 12 ("8点-20点", "22点-6点").
- A word says the part of the day: 早/早上/早晨/上午/朝/凌晨 morning, 中午 noon, 下午/傍晚
  afternoon, 晚/晚上/夜 evening ("晚8点" is 20:00, "晚12点" midnight, 24:00 at the end of a
  range and 00:00 at its start). A word on both ends, or an end on 次日/翌日/第二天 (the next
  day), is read as written.
- A word said once at the start covers a bare end. After 中午/下午/晚/夜 the end is in the
  same afternoon or evening when it can be ("下午2点-5点" 14:00-17:00, "晚8点-12点"
  20:00-24:00), otherwise it is in the small hours ("晚8点-6点" 20:00-06:00). After a
  morning word an end smaller than the start is in the afternoon ("上午10点-2点"
  10:00-14:00).
- With no word at all and both hours from 1 to 12 (spoken "点" clocks), a start from 5 to 12
  is the morning of a working day, and an end smaller than it is in the afternoon: "9点-5点"
  is 09:00-17:00 (朝九晚五), "12点-2点" 12:00-14:00; an end after it is read as written
  ("8点-11点"). A start from 1 to 4 is as likely the small hours as the afternoon
  ("2点-5点": 02:00-05:00 or 14:00-17:00?), and a range ending at its own start hour
  ("8点-8点", "早8点-8点") has no reading: these are refused, naming the readings to write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "DAY_MINUTES",
    "TIME_RANGES",
    "TimeRange",
    "UnreadableError",
    "format_range",
    "read_time_range",
    "remove_break",
]

DAY_MINUTES = 24 * 60
TimeRange = tuple[int, int]  # minutes since midnight; end <= start runs past midnight

_MORNING = ("凌晨", "早上", "早晨", "上午", "早", "朝")
_LATER = ("中午", "下午", "傍晚", "晚上", "夜间", "夜里", "夜晚", "晚", "夜")
_WORD = "|".join(_MORNING + _LATER)
_DIGITS = r"\d{1,2}(?:[:.]\d{2}|[点时](?:半|\d{1,2}分?)?)"
_CLOCK = rf"(?:(?:{_WORD})\s*)?{_DIGITS}"
_WORD_CLOCK = rf"(?:{'|'.join(_MORNING)})\s*\d{{1,2}}(?:[:.]\d{{2}}|[点时](?:半|\d{{1,2}}分?)?)?"
_EVENING_CLOCK = r"(?:下午|傍晚|晚上|晚)\s*\d{1,2}(?:[:.]\d{2}|[点时](?:半|\d{1,2}分?)?)?"
_TO = r"\s*(?:-+|~|〜|—+|–|―|至|到)\s*"
_NEXT_DAY = r"(?P<next>次日|翌日|第二天)?\s*"
_CLOCK_PARTS = re.compile(
    rf"(?P<word>{_WORD})?\s*(?P<h>\d{{1,2}})"
    rf"(?:[:.](?P<m>\d{{2}})|[点时](?:(?P<half>半)|(?P<m2>\d{{1,2}})分?)?)?"
)

# Patterns for the tokenizer, each with groups start, end and next. The start may be a bare
# hour when the end says it is a time ("9-18点"); "早8晚8" needs no dash between its words.
TIME_RANGES = (
    rf"(?P<start>{_CLOCK}|\d{{1,2}}){_TO}{_NEXT_DAY}(?P<end>{_CLOCK})",
    rf"(?P<start>{_WORD_CLOCK})\s*{_NEXT_DAY}(?P<end>{_EVENING_CLOCK})",
)


class UnreadableError(Exception):
    """The Chinese reader cannot make sense of the text (reason in English and Chinese)."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_zh = reason_zh


@dataclass(frozen=True)
class _Clock:
    minutes: int  # since midnight, with the word applied ("晚8点" is 1200)
    hour: int  # as written
    word: str  # "", "morning" or "later"
    spoken: bool  # "点"/"时" or a bare hour, not "HH:MM": may be on a 12-hour clock


def _clock(text: str) -> _Clock:
    parts = _CLOCK_PARTS.fullmatch(text.strip())
    assert parts is not None  # the token patterns only let clocks through
    hour = written = int(parts["h"])
    minute = 30 if parts["half"] else int(parts["m"] or parts["m2"] or 0)
    word = parts["word"] or ""
    if word in _LATER and word != "中午" and hour < 12:
        hour += 12  # 晚8点 is 20:00
    elif word == "中午" and hour < 11:
        hour += 12  # 中午1点 is 13:00, 中午11点 11:00, 中午12点 12:00
    elif word in _LATER and word != "中午" and hour == 12:
        hour = 24  # 晚12点 is midnight at the end of the day
    elif word == "凌晨" and hour == 12:
        hour = 0
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise UnreadableError(f"no such time of day {text!r}", f"不存在的时刻 {text!r}")
    kind = "morning" if word in _MORNING else "later" if word else ""
    return _Clock(hour * 60 + minute, written, kind, spoken=parts["m"] is None)


def format_range(time_range: TimeRange) -> str:
    """``(540, 1020)`` -> ``"09:00-17:00"``."""
    start, end = time_range
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _ambiguous(text: str, readings: list[TimeRange]) -> UnreadableError:
    forms = " or ".join(format_range(r) for r in readings)
    forms_zh = " 或 ".join(format_range(r) for r in readings)
    return UnreadableError(
        f"{text!r} could be morning or afternoon: write {forms}",
        f"{text!r} 分不清上午还是下午：请写 {forms_zh}",
    )


def _twelve_hour_readings(start: int, end: int) -> list[TimeRange]:
    """The readings of two 12-hour clocks that last more than nothing and at most 12 hours."""
    readings = []
    for a in (start, (start + 720) % DAY_MINUTES):
        for b in (end, end + 720):
            if 0 < (b - a) % DAY_MINUTES <= 720 and b <= DAY_MINUTES:
                readings.append((a, b))
    return sorted(set(readings))


def read_time_range(text: str, start_text: str, end_text: str, next_day: bool) -> TimeRange:
    """Read one range (the rule is in the module docstring).

    Parameters
    ----------
    text : str
        The whole range as written, for messages.
    start_text, end_text : str
        Its two clocks ("晚8点", "6点", "22:00"); the start may be a bare hour.
    next_day : bool
        Whether the end was written on 次日/翌日 (the next day).

    Returns
    -------
    TimeRange
        Minutes since midnight ``(start, end)``; ``end`` is 1440 for 24:00 and smaller than
        ``start`` for a range that runs past midnight.

    Raises
    ------
    UnreadableError
        For no such time, a range that ends when it starts, or one that is ambiguous.
    """
    first, last = _clock(start_text), _clock(end_text)
    start, end = first.minutes, last.minutes
    twelve_hour = 1 <= first.hour <= 12 and 1 <= last.hour <= 12
    if next_day or last.word or (first.word and not 1 <= last.hour <= 12):
        pass  # read as written
    elif first.word == "later":
        if start < end + 720 <= DAY_MINUTES:
            end += 720  # "下午2点-5点", "晚8点-12点"; else overnight ("晚8点-6点")
    elif first.word == "morning":
        if end < start:
            end += 720  # "上午9点-5点"
        elif end == start:  # "早8点-8点": most likely 早8点-晚8点
            raise _ambiguous(text, [(start, end + 720)])
    elif twelve_hour and (first.spoken or last.spoken):
        if first.hour >= 5 and end < start:
            end += 720  # "9点-5点": nine to five, not to five in the morning
        elif first.hour < 5 or end == start:
            raise _ambiguous(text, _twelve_hour_readings(start, end))
    start %= DAY_MINUTES  # "晚12点-早6点" starts at 00:00
    if start == end:  # OSM reads "08:00-08:00" as 24 hours; in Chinese text it is a typo
        raise UnreadableError(
            f"{text!r} starts and ends at the same time", f"{text!r} 开始和结束时间相同"
        )
    if next_day and end > start:
        raise UnreadableError(
            f"{text!r} ends on the next day after the hour it starts: more than 24 hours",
            f"{text!r} 次日的结束时间晚于开始时间，超过了24小时",
        )
    return start, end


def remove_break(ranges: list[TimeRange], pause: TimeRange) -> list[TimeRange]:
    """Cut a break ("12:00-13:00休息", "午休") out of the range that holds it.

    A break must lie within one range, on the day the range starts (overnight ranges are
    not split after midnight: the part after midnight would read as the same day's
    morning in OSM).

    Raises
    ------
    UnreadableError
        If no range holds the break.
    """
    pause_start, pause_end = pause
    for i, (start, end) in enumerate(ranges):
        day_end = end if end > start else DAY_MINUTES - 1  # before midnight only
        if start <= pause_start < pause_end <= day_end and (start, end) != pause:
            kept = [(start, pause_start)] if pause_start > start else []
            kept += [(pause_end, end)] if pause_end != end else []
            return ranges[:i] + kept + ranges[i + 1 :]
    named = format_range(pause)
    raise UnreadableError(
        f"the break {named} is not within the opening hours", f"休息时间 {named} 不在营业时间内"
    )
