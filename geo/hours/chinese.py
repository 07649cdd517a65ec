"""The Chinese reader: registry text ("周一至周五 9:00-17:00，周末休息") to OSM syntax.

Reading Chinese text differs from OSM on purpose in two places, because registry authors
list exceptions, not overrides: time ranges that follow one another without a new day
selector belong to the same days (``08:00-12:00；14:00-18:00`` is both ranges, where OSM
would keep only the last), and rules are ordered every-day first, then specific days,
then closures, then holidays (``周一闭馆，每天 9:00-17:00`` stays closed on Mondays).

Clock times are read in :mod:`geo.hours.chinese_clock`, whose docstring has the 12-hour
rule in full: ``HH:MM`` and hours of 0 or above 12 are the 24-hour clock; a word said
once at the start covers a bare end (晚8点-12点 is 20:00-24:00, 晚8点-6点 20:00-06:00,
上午10点-2点 10:00-14:00); with no word, a start from 5 to 12 o'clock is a working
morning and a smaller end is afternoon (9点-5点, 朝九晚五, is 09:00-17:00); starts from 1
to 4 o'clock ("2点-5点") and ends at the start hour ("8点-8点") are refused, naming the
readings to write.

Days are read for what the words mean. Literal days (周一至周五, 周六, 周1) are days of the
week and say nothing about holidays. 节假日 (法定节假日, 节日, 假日) is OSM ``PH``, the
statutory days off. 工作日 (working days) is ``Mo-Fr``; a holiday is not a working day, so
when the text does not say what holidays do, holidays follow the every-day rule if there is
one and are closed (``PH off``) if not. 周末/双休日 (rest days) is ``Sa,Su``, and when the
text does not say what holidays do, holidays follow it: ``工作日 9:00-17:00，周末休息`` is
``Mo-Fr 09:00-17:00; Sa,Su,PH off``. 全年无休 (no day off all year) is every day, holidays
included; alone it gives no hours: ``Mo-Su,PH unknown "全年无休"``.

Days may follow the times they qualify, in brackets or at the end of the text
(``8:00-20:00（周一至周五），周末9:00-17:00``), and a range followed by 休息 within the
day's hours, or after 午休, is a break (``09:00-21:00，12:00-13:00休息`` is
``09:00-12:00,13:00-21:00``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import opening_hours

from geo.errors import InvalidOpeningHours
from geo.hours.chinese_clock import (
    DAY_MINUTES,
    TimeRange,
    UnreadableError,
    format_range,
    remove_break,
)
from geo.hours.chinese_words import JOINED, PH, WEEK, days_of, time_range, tokens, trailing_days
from geo.hours.schedule import parse_schedule

__all__ = ["normalize_opening_hours"]

_OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_ALL_YEAR_UNKNOWN = 'Mo-Su,PH unknown "全年无休"'  # open every day, hours not stated


@dataclass
class _Rule:
    days: set[int] | None = None  # None: no day selector given (every day)
    times: list[TimeRange] = field(default_factory=list)
    breaks: list[TimeRange] = field(default_factory=list)
    always: bool = False
    off: bool = False
    rest: bool = False  # written as 周末/双休日: holidays follow it unless the text says
    working: bool = False  # written as 工作日: holidays are not working days

    @property
    def has_hours(self) -> bool:
        return bool(self.times) or self.always or self.off

    @property
    def every_day(self) -> bool:
        return self.days is None or self.days >= WEEK


def _osm_days(days: set[int] | None) -> str:
    """``{0,1,2,3,4}`` -> ``Mo-Fr``, ``{5,6,7}`` -> ``Sa,Su,PH``; the whole week -> ``""``."""
    if days is None or days >= WEEK:
        return ""
    runs: list[list[int]] = []
    for day in sorted(days - {PH}):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        names = [_OSM_DAYS[d] for d in run]
        parts.append(f"{names[0]}-{names[-1]}" if len(run) > 2 else ",".join(names))
    return ",".join(parts + (["PH"] if PH in days else []))


def _osm_rule(rule: _Rule) -> str:
    days = _osm_days(rule.days)
    if rule.off:
        return f"{days or 'Mo-Su'} off"
    if rule.always or rule.times == [(0, DAY_MINUTES)]:
        return f"{days} 00:00-24:00" if days else "24/7"
    ranges = ",".join(dict.fromkeys(format_range(t) for t in rule.times))  # dropping repeats
    return f"{days} {ranges}".strip()


@dataclass
class _Reading:
    """The state of reading one text's tokens into rules."""

    text: str
    items: list[tuple[str, re.Match[str]]]
    rules: list[_Rule] = field(default_factory=list)
    rule: _Rule = field(default_factory=_Rule)
    holidays_said: bool = False  # the text says what holidays do
    ph_off: bool = False  # a separate 节假日休息
    pending_break: bool = False  # 午休 seen, its times to come
    pos: int = 0  # the token being read

    def previous(self) -> tuple[str, re.Match[str]] | None:
        return self.items[self.pos - 1] if self.pos else None

    def following(self) -> str | None:
        return self.items[self.pos + 1][0] if self.pos + 1 < len(self.items) else None


def _rules(text: str) -> tuple[list[_Rule], bool, bool]:
    """The rules of the text, whether it says what holidays do, and a separate 节假日休息."""
    r = _Reading(text, [(k, m) for k, m in tokens(text) if k not in ("sep", "filler")])
    while r.pos < len(r.items):
        kind, match = r.items[r.pos]
        taken = _step(r, kind, match)
        r.pos += taken
    r.rules.append(r.rule)
    if r.pending_break:
        raise UnreadableError("a break without its times", "午休没有时间")
    return r.rules, r.holidays_said, r.ph_off


def _step(r: _Reading, kind: str, match: re.Match[str]) -> int:
    """Read one token (or a run of trailing days); returns how many tokens it took."""
    if kind in ("open", "close"):
        return 1
    if kind in ("ph_same", "all_year"):  # 节假日照常 and 全年无休 say holidays are open
        r.holidays_said = True
        if kind == "ph_same":
            return 1
    if kind == "ph_off":
        _holidays_off(r, match)
    elif kind == "days" and (count := trailing_days(r.items, r.pos, r.text)) and _bare(r.rule):
        _days_after_times(r, count)
        return count
    elif kind in ("days", "every_day", "all_year"):
        _days_before_times(r, kind, match)
    elif kind == "break":
        _lunch_break(r, match)
    else:
        _hours(r, kind, match)
    return 1


def _bare(rule: _Rule) -> bool:
    """Times without days yet: days written after them qualify them."""
    return bool(rule.times) and rule.days is None and not (rule.off or rule.always)


def _holidays_off(r: _Reading, match: re.Match[str]) -> None:
    r.holidays_said = True
    previous = r.previous()
    joined = (
        previous is not None
        and previous[0] == "days"
        and JOINED.fullmatch(r.text, previous[1].end(), match.start()) is not None
    )
    rule = r.rule
    if (
        joined
        and rule.days is not None
        and not rule.has_hours
        and not match.group(0).endswith("除外")
    ):
        rule.days.add(PH)  # "周末及节假日休息"
        rule.off = True
        return
    r.ph_off = True


def _days_after_times(r: _Reading, count: int) -> None:
    """ "8:00-20:00（周一至周五）": the days qualify the times before them."""
    r.rule.days = set()
    for _, days_match in r.items[r.pos : r.pos + count]:
        _add_days(r.rule, days_of(days_match), days_match)


def _days_before_times(r: _Reading, kind: str, match: re.Match[str]) -> None:
    days = days_of(match) if kind == "days" else set(WEEK)
    r.holidays_said |= days == {PH}
    if r.rule.has_hours and not (kind != "days" and r.rule.every_day):  # 全年无休 again
        r.rules.append(r.rule)
        r.rule = _Rule(days=set())
    if r.rule.days is None:
        r.rule.days = set()
    _add_days(r.rule, days, match)


def _add_days(rule: _Rule, days: set[int], match: re.Match[str]) -> None:
    assert rule.days is not None
    rule.days |= days
    rule.rest |= match.group(0).startswith(("周末", "双休"))
    rule.working |= match.group(0) == "工作日"


def _lunch_break(r: _Reading, match: re.Match[str]) -> None:
    previous = r.previous()
    if r.following() == "time":
        r.pending_break = True
    elif previous is not None and previous[0] == "time" and len(r.rule.times) > 1:
        r.rule.breaks.append(r.rule.times.pop())  # "12:00-13:00午休"
    else:
        raise UnreadableError(
            f"{match.group(0)!r} without its times", f"{match.group(0)!r} 没有时间"
        )


def _hours(r: _Reading, kind: str, match: re.Match[str]) -> None:
    """A time range, 24 hours, or a closure."""
    rule, previous = r.rule, r.previous()
    closed_or_always = rule.off or rule.always
    if kind == "time" and r.pending_break:
        rule.breaks.append(time_range(match))
        r.pending_break = False
    elif closed_or_always and kind == "time" and rule.days is not None:
        r.rules.append(rule)  # "周一闭馆，9:00-17:00": the times are for every day
        r.rule = _Rule(times=[time_range(match)])
    elif kind == "off" and _after_times(previous, rule) and not closed_or_always:
        rule.breaks.append(rule.times.pop())  # "09:00-21:00，12:00-13:00休息"
    elif closed_or_always or (kind in ("always", "off") and rule.times):
        raise UnreadableError(
            f"conflicting hours near {match.group(0)!r}", f"{match.group(0)!r} 附近的时间相互矛盾"
        )
    elif kind == "time":
        rule.times.append(time_range(match))
    elif kind == "always":
        rule.always = True
    elif rule.days is None:  # off
        raise UnreadableError(
            f"{match.group(0)!r} without the days it applies to",
            f"{match.group(0)!r} 未说明适用的日期",
        )
    else:
        rule.off = True


def _after_times(previous: tuple[str, re.Match[str]] | None, rule: _Rule) -> bool:
    """A closure right after a second time range: that range is a break."""
    return previous is not None and previous[0] == "time" and len(rule.times) > 1


def _merge_samedays_of(rules: list[_Rule]) -> list[_Rule]:
    """The rules with hours, those of the same days merged."""
    # Same days twice ("周一至周五 8:00-12:00；周一至周五 14:00-18:00") means both ranges;
    # same days open and closed, or 24 hours and not, contradicts itself.
    seen: dict[frozenset[int] | None, _Rule] = {}
    kept: list[_Rule] = []
    for r in (r for r in rules if r.has_hours):
        key = None if r.every_day else frozenset(r.days or ())
        if key not in seen:
            seen[key] = r
            kept.append(r)
        elif r.times and seen[key].times:
            seen[key].times.extend(r.times)
            seen[key].rest |= r.rest
            seen[key].working |= r.working
        else:
            label = _osm_days(r.days)
            raise UnreadableError(
                f"conflicting hours for {label or 'every day'}", f"{label or '每天'}的时间相互矛盾"
            )
    return kept


def _add_holiday_rules(kept: list[_Rule], *, holidays_said: bool, ph_off: bool) -> None:
    """What holidays do when the text says it only through 工作日/周末, or separately."""
    if not holidays_said:  # holidays are rest days, not working days
        rest = [r for r in kept if r.rest and not r.every_day]
        for r in rest:
            r.days = (r.days or set()) | {PH}
        if not rest and any(r.working and not r.every_day for r in kept):
            daily = next((r for r in kept if r.every_day and not r.off), None)
            kept.append(
                _Rule(days={PH}, times=list(daily.times), always=daily.always)
                if daily
                else _Rule(days={PH}, off=True)
            )
    if ph_off and not any(r.off and r.days and PH in r.days for r in kept):
        kept.append(_Rule(days={PH}, off=True))


def _read_chinese(text: str) -> str:
    """Translate Chinese registry text to OSM, or raise :class:`UnreadableError`."""
    folded = unicodedata.normalize("NFKC", text)
    if re.fullmatch(r"[\s,;。]*全年无休[\s,;。]*", folded):
        return _ALL_YEAR_UNKNOWN  # open every day; at what hours, the text does not say
    rules, holidays_said, ph_off = _rules(folded)
    for r in rules:
        if r.breaks and not r.times:
            raise UnreadableError("a break without opening hours", "有休息时间但没有营业时间")
        for pause in r.breaks:
            r.times = remove_break(r.times, pause)
    if any(r.days is not None and not r.has_hours for r in rules):
        raise UnreadableError("days without hours", "有日期但没有时间")
    if not any(r.times or r.always for r in rules):
        raise UnreadableError("no opening times", "没有开放时间")
    kept = _merge_samedays_of(rules)
    _add_holiday_rules(kept, holidays_said=holidays_said, ph_off=ph_off)

    def order(r: _Rule) -> tuple[bool, bool, bool]:  # holidays last: they override weekdays
        return (not r.every_day and PH in (r.days or ()), r.off, not r.every_day)

    kept.sort(key=order)
    osm = "; ".join(_osm_rule(r) for r in kept)
    if not opening_hours.validate(osm):  # a bug in this reader, not in the input
        raise UnreadableError(f"produced invalid OSM {osm!r}", f"生成了无效的 OSM 表达式 {osm!r}")
    return osm


@lru_cache(maxsize=4096)
def normalize_opening_hours(text: str) -> str:
    """Turn registry opening-hours text into an OSM ``opening_hours`` expression.

    Chinese forms ("24小时", "周一至周五 9:00-17:00", "早8点-晚8点", "周末休息",
    "节假日休息", ...) are translated; text the Chinese reader cannot read but that is
    already valid OSM syntax is returned stripped, unchanged. The result is a fixed point:
    normalising it again returns it unchanged.

    Call this only with non-empty text: unknown hours are stored as ``None``, not as "".

    Parameters
    ----------
    text : str
        Opening hours as written in the registry.

    Returns
    -------
    str
        An expression that :func:`compile_opening_hours` accepts, e.g.
        ``"Mo-Fr 08:00-20:00; Sa,Su 09:00-17:00; PH off"``.

    Raises
    ------
    InvalidOpeningHours
        If the text is empty, or neither a known Chinese form nor valid OSM syntax.
    """
    stripped = text.strip() if isinstance(text, str) else ""
    if not stripped:
        raise InvalidOpeningHours(
            f"Opening hours text is empty ({text!r}); use None for unknown hours.",
            f"营业时间为空（{text!r}）；营业时间未知时请留空（None）。",
        )
    try:
        return _read_chinese(stripped)
    except UnreadableError as exc:
        problem = exc
    if opening_hours.validate(stripped) or parse_schedule(stripped) is not None:
        return stripped
    raise InvalidOpeningHours(
        f"Cannot read opening hours {stripped!r} as Chinese text ({problem.reason}) "
        "or as OSM syntax; expected e.g. '24小时', '周一至周五 08:00-20:00' "
        "or 'Mo-Fr 08:00-20:00'.",
        f"无法识别营业时间 {stripped!r}（{problem.reason_zh}），也不是有效的 OSM 格式；"
        "示例：'24小时'、'周一至周五 08:00-20:00' 或 OSM 格式 'Mo-Fr 08:00-20:00'。",
        details=[{"value": stripped, "reason": problem.reason}],
    )
