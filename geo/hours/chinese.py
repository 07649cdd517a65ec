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
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import opening_hours

from geo.errors import InvalidOpeningHours
from geo.hours.chinese_clock import (
    DAY_MINUTES,
    TIME_RANGES,
    TimeRange,
    UnreadableError,
    format_range,
    read_time_range,
    remove_break,
)
from geo.hours.schedule import parse_schedule

__all__ = ["normalize_opening_hours"]

_WEEK = frozenset(range(7))
_PH = 7  # public holidays, as a day number
_OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_NUMBER = {c: i for i, c in enumerate("一二三四五六")} | {"日": 6, "天": 6, "七": 6}
_DAY_NUMBER |= {str(i + 1): i for i in range(7)}  # 周1 is Monday, 周7 Sunday
_ALL_YEAR_UNKNOWN = 'Mo-Su,PH unknown "全年无休"'  # open every day, hours not stated

# Building blocks of the token table (text is NFKC-folded first: full-width ":" ";" ","
# "～" "（" and digits become ASCII).
_DAY = "[一二三四五六日天七1-7]"
_PREFIX = "(?:周|星期|礼拜)"
_TO = r"\s*(?:-+|~|〜|—+|–|―|至|到)\s*"
_CLOSED = "休息|闭馆|休馆|闭站|不开放|不营业|停业|歇业|关闭|关门|休"
_HOLIDAYS = "(?:法定)?(?:节假日|节日|假日)"
_ALWAYS = r"7\s*[×x*]\s*24\s*(?:小时|h)?|全天\s*24\s*小时|24\s*小时|24\s*h|24/7|全天候?"

# (kind, pattern), tried in this order at each position; the first match wins.
_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("ph_off", rf"{_HOLIDAYS}(?:{_CLOSED}|除外)"),
        ("ph_same", rf"{_HOLIDAYS}(?:照常|正常|无休|不休息?)(?:开放|营业|服务)?"),
        ("always", _ALWAYS),
        ("all_year", r"全年无休"),
        ("every_day", r"全年|每天|每日|天天|全周"),
        ("break", r"午休|午间休息|中午休息"),
        ("days", rf"工作日|周末|双休日?|{_HOLIDAYS}"),
        (
            "days",
            rf"每?{_PREFIX}(?P<d1>{_DAY})(?:{_TO}{_PREFIX}?(?P<d2>{_DAY})"
            r"|(?P<more>[一二三四五六日天七]+))?",
        ),
        *(("time", pattern) for pattern in TIME_RANGES),
        ("off", _CLOSED),
        ("filler", r"(?:营业|开放|服务|办公|工作)(?:时间)?|时间|均"),
        ("open", r"[(\[【]"),
        ("close", r"[)\]】]"),
        ("sep", r"[\s;,、。:/|和及与]+"),
    )
)
_JOINED = re.compile(r"[\s、和及与]*")  # "周末及节假日休息": one closure for both


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
        return self.days is None or self.days >= _WEEK


def _tokens(text: str) -> Iterator[tuple[str, re.Match[str]]]:
    pos = 0
    while pos < len(text):
        for kind, pattern in _TOKENS:
            match = pattern.match(text, pos)
            if match and match.end() > pos:
                yield kind, match
                pos = match.end()
                break
        else:
            bad = text[pos : pos + 12]
            raise UnreadableError(f"unrecognised text {bad!r}", f"无法识别的内容 {bad!r}")


def _days(match: re.Match[str]) -> set[int]:
    word = match.group(0)
    if word == "工作日":
        return set(range(5))
    if word.startswith(("周末", "双休")):
        return {5, 6}
    if match.re.groupindex.get("d1") is None:
        return {_PH}
    first = _DAY_NUMBER[match["d1"]]
    if match["d2"]:  # a range, possibly wrapping past Sunday (周五至周一)
        last = _DAY_NUMBER[match["d2"]]
        return {(first + i) % 7 for i in range((last - first) % 7 + 1)}
    return {first} | {_DAY_NUMBER[c] for c in match["more"] or ""}


def _time_range(match: re.Match[str]) -> TimeRange:
    return read_time_range(match.group(0), match["start"], match["end"], bool(match["next"]))


def _osm_days(days: set[int] | None) -> str:
    """``{0,1,2,3,4}`` -> ``Mo-Fr``, ``{5,6,7}`` -> ``Sa,Su,PH``; the whole week -> ``""``."""
    if days is None or days >= _WEEK:
        return ""
    runs: list[list[int]] = []
    for day in sorted(days - {_PH}):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        names = [_OSM_DAYS[d] for d in run]
        parts.append(f"{names[0]}-{names[-1]}" if len(run) > 2 else ",".join(names))
    return ",".join(parts + (["PH"] if _PH in days else []))


def _osm_rule(rule: _Rule) -> str:
    days = _osm_days(rule.days)
    if rule.off:
        return f"{days or 'Mo-Su'} off"
    if rule.always or rule.times == [(0, DAY_MINUTES)]:
        return f"{days} 00:00-24:00" if days else "24/7"
    ranges = ",".join(dict.fromkeys(format_range(t) for t in rule.times))  # dropping repeats
    return f"{days} {ranges}".strip()


def _trailing_days(items: list[tuple[str, re.Match[str]]], i: int, text: str) -> int:
    """How many days tokens from ``items[i]`` qualify the times before them, or 0.

    They do when bracketed alone right after the times ("8:00-20:00（周一至周五）") or when
    nothing but holiday words follows them ("8:00-20:00 周一至周五，节假日休息").
    """
    j = i
    while j < len(items) and items[j][0] == "days":
        j += 1
    if i > 0 and items[i - 1][0] == "open":
        return j - i if j < len(items) and items[j][0] == "close" else 0
    for kind, match in items[j:]:
        joined = _JOINED.fullmatch(text, items[j - 1][1].end(), match.start())
        if kind not in ("ph_off", "ph_same", "close") or (kind == "ph_off" and joined):
            return 0
    return j - i


def _rules(text: str) -> tuple[list[_Rule], bool, bool]:
    """The rules of the text, whether it says what holidays do, and a separate 节假日休息."""
    items = [(k, m) for k, m in _tokens(text) if k not in ("sep", "filler")]
    rules: list[_Rule] = []
    rule = _Rule()
    holidays_said = ph_off = pending_break = False
    i = 0
    while i < len(items):
        kind, match = items[i]
        previous = items[i - 1] if i else None
        following = items[i + 1][0] if i + 1 < len(items) else None
        i += 1
        if kind in ("open", "close"):
            continue
        if kind in ("ph_same", "all_year"):  # 节假日照常 and 全年无休 say holidays are open
            holidays_said = True
            if kind == "ph_same":
                continue
        if kind == "ph_off":
            holidays_said = True
            if (
                previous is not None
                and previous[0] == "days"
                and rule.days is not None
                and not rule.has_hours
                and not match.group(0).endswith("除外")
                and _JOINED.fullmatch(text, previous[1].end(), match.start())
            ):
                rule.days.add(_PH)  # "周末及节假日休息"
                rule.off = True
            else:
                ph_off = True
        elif (
            kind == "days"
            and (count := _trailing_days(items, i - 1, text))
            and (rule.times and rule.days is None and not (rule.off or rule.always))
        ):
            rule.days = set()
            for _, days_match in items[i - 1 : i - 1 + count]:
                rule.days |= _days(days_match)
                rule.rest |= days_match.group(0).startswith(("周末", "双休"))
                rule.working |= days_match.group(0) == "工作日"
            i += count - 1
        elif kind in ("days", "every_day", "all_year"):
            days = _days(match) if kind == "days" else set(_WEEK)
            holidays_said |= days == {_PH}
            if rule.has_hours and not (kind != "days" and rule.every_day):  # 全年无休 again
                rules.append(rule)
                rule = _Rule(days=set())
            if rule.days is None:
                rule.days = set()
            rule.days |= days
            rule.rest |= match.group(0).startswith(("周末", "双休"))
            rule.working |= match.group(0) == "工作日"
        elif kind == "break":
            if following == "time":
                pending_break = True
            elif previous is not None and previous[0] == "time" and len(rule.times) > 1:
                rule.breaks.append(rule.times.pop())  # "12:00-13:00午休"
            else:
                raise UnreadableError(
                    f"{match.group(0)!r} without its times", f"{match.group(0)!r} 没有时间"
                )
        elif kind == "time" and pending_break:
            rule.breaks.append(_time_range(match))
            pending_break = False
        elif (rule.off or rule.always) and kind == "time" and rule.days is not None:
            rules.append(rule)  # "周一闭馆，9:00-17:00": the times are for every day
            rule = _Rule(times=[_time_range(match)])
        elif (
            kind == "off"
            and previous is not None
            and previous[0] == "time"
            and len(rule.times) > 1
            and not (rule.off or rule.always)
        ):
            rule.breaks.append(rule.times.pop())  # "09:00-21:00，12:00-13:00休息"
        elif rule.off or rule.always or (kind in ("always", "off") and rule.times):
            raise UnreadableError(
                f"conflicting hours near {match.group(0)!r}",
                f"{match.group(0)!r} 附近的时间相互矛盾",
            )
        elif kind == "time":
            rule.times.append(_time_range(match))
        elif kind == "always":
            rule.always = True
        elif kind == "off":
            if rule.days is None:
                raise UnreadableError(
                    f"{match.group(0)!r} without the days it applies to",
                    f"{match.group(0)!r} 未说明适用的日期",
                )
            rule.off = True
    rules.append(rule)
    if pending_break:
        raise UnreadableError("a break without its times", "午休没有时间")
    return rules, holidays_said, ph_off


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
    if not holidays_said:  # holidays are rest days, not working days
        rest = [r for r in kept if r.rest and not r.every_day]
        for r in rest:
            r.days = (r.days or set()) | {_PH}
        if not rest and any(r.working and not r.every_day for r in kept):
            daily = next((r for r in kept if r.every_day and not r.off), None)
            kept.append(
                _Rule(days={_PH}, times=list(daily.times), always=daily.always)
                if daily
                else _Rule(days={_PH}, off=True)
            )
    if ph_off and not any(r.off and r.days and _PH in r.days for r in kept):
        kept.append(_Rule(days={_PH}, off=True))

    def order(r: _Rule) -> tuple[bool, bool, bool]:  # holidays last: they override weekdays
        return (not r.every_day and _PH in (r.days or ()), r.off, not r.every_day)

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
