"""The Chinese reader: registry text ("周一至周五 9:00-17:00，周末休息") to OSM syntax.

Reading Chinese text differs from OSM on purpose in two places, because registry authors
list exceptions, not overrides: time ranges that follow one another without a new day
selector belong to the same days (``08:00-12:00；14:00-18:00`` is both ranges, where OSM
would keep only the last), and rules are ordered every-day first, then specific days,
then closures (``周一闭馆，每天 9:00-17:00`` stays closed on Mondays).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import opening_hours

from geo.errors import InvalidOpeningHours

__all__ = ["normalize_opening_hours"]

_WEEK = frozenset(range(7))
_OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_NUMBER = {c: i for i, c in enumerate("一二三四五六")} | {"日": 6, "天": 6, "七": 6}

# Building blocks of the token table (text is NFKC-folded first: full-width ":" ";" ","
# "～" and digits become ASCII).
_DAY = "[一二三四五六日天七]"
_PREFIX = "(?:周|星期|礼拜)"
_TO = r"\s*(?:-+|~|〜|—+|–|―|至|到)\s*"
_MERIDIEM = "凌晨|早上|早晨|上午|早|中午|下午|傍晚|晚上|晚"
_CLOCK = rf"(?:(?:{_MERIDIEM})\s*)?\d{{1,2}}(?:[:.]\d{{2}}|[点时](?:半|\d{{1,2}}分?)?)"
_CLOCK_PARTS = re.compile(
    rf"(?P<mer>{_MERIDIEM})?\s*(?P<h>\d{{1,2}})"
    rf"(?:[:.](?P<m>\d{{2}})|[点时](?:(?P<half>半)|(?P<m2>\d{{1,2}})分?)?)?"
)
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
        ("every_day", r"全年无休|全年|每天|每日|天天|全周"),
        ("days", r"工作日|周末|双休日?"),
        (
            "days",
            rf"每?{_PREFIX}(?P<d1>{_DAY})(?:{_TO}{_PREFIX}?(?P<d2>{_DAY})|(?P<more>{_DAY}+))?",
        ),
        # The start may be a bare hour when the end says it is a time: "9-18点".
        ("time", rf"(?P<start>{_CLOCK}|\d{{1,2}}){_TO}(?P<end>{_CLOCK})"),
        ("off", _CLOSED),
        ("filler", r"(?:营业|开放|服务|办公|工作)(?:时间)?|时间|均"),
        ("sep", r"[\s;,、。:()\[\]【】/|和及与]+"),
    )
)


class _UnreadableError(Exception):
    """The Chinese reader cannot make sense of the text (reason in English and Chinese)."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_zh = reason_zh


@dataclass
class _Rule:
    days: set[int] | None = None  # None: no day selector given (every day)
    times: list[str] = field(default_factory=list)
    always: bool = False
    off: bool = False

    @property
    def has_hours(self) -> bool:
        return bool(self.times) or self.always or self.off


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
            raise _UnreadableError(f"unrecognised text {bad!r}", f"无法识别的内容 {bad!r}")


def _days(match: re.Match[str]) -> set[int]:
    word = match.group(0)
    if word == "工作日":
        return set(range(5))
    if word.startswith(("周末", "双休")):
        return {5, 6}
    first = _DAY_NUMBER[match["d1"]]
    if match["d2"]:  # a range, possibly wrapping past Sunday (周五至周一)
        last = _DAY_NUMBER[match["d2"]]
        return {(first + i) % 7 for i in range((last - first) % 7 + 1)}
    return {first} | {_DAY_NUMBER[c] for c in match["more"] or ""}


_AFTERNOON = ("中午", "下午", "傍晚", "晚上", "晚")


def _minutes(clock: str) -> tuple[int, str]:
    """Minutes since midnight of one clock ("晚8点" -> 1200), and its 早/晚 word if any."""
    parts = _CLOCK_PARTS.fullmatch(clock.strip())
    assert parts is not None  # the token pattern only lets clocks through
    hour = int(parts["h"])
    minute = 30 if parts["half"] else int(parts["m"] or parts["m2"] or 0)
    meridiem = parts["mer"] or ""
    if meridiem in _AFTERNOON and hour < (11 if meridiem == "中午" else 12):
        hour += 12  # 晚8点 is 20:00, 中午1点 is 13:00, 中午11点 is 11:00
    elif meridiem in ("晚上", "晚") and hour == 12:
        hour = 24  # 晚12点 is midnight at the end of the day
    elif meridiem == "凌晨" and hour == 12:
        hour = 0
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise _UnreadableError(f"no such time of day {clock!r}", f"不存在的时刻 {clock!r}")
    return hour * 60 + minute, meridiem


def _time_range(match: re.Match[str]) -> str:
    (start, start_word), (end, end_word) = _minutes(match["start"]), _minutes(match["end"])
    # "下午2点-5点" says 下午 once for both ends; "晚8点-6点" is overnight, to 06:00.
    if start_word in _AFTERNOON and not end_word and start < end + 12 * 60 < 24 * 60:
        end += 12 * 60
    start %= 24 * 60  # "晚12点-早6点" starts at 00:00
    if start == end:  # OSM reads "08:00-08:00" as 24 hours; "早8点-8点" is more likely a typo
        raise _UnreadableError(
            f"{match.group(0)!r} starts and ends at the same time",
            f"{match.group(0)!r} 开始和结束时间相同",
        )
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _osm_days(days: set[int] | None) -> str:
    """``{0,1,2,3,4}`` -> ``Mo-Fr``, ``{5,6}`` -> ``Sa,Su``; the whole week -> ``""``."""
    if days is None or days == _WEEK:
        return ""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        names = [_OSM_DAYS[d] for d in run]
        parts.append(f"{names[0]}-{names[-1]}" if len(run) > 2 else ",".join(names))
    return ",".join(parts)


def _osm_rule(rule: _Rule) -> str:
    days = _osm_days(rule.days)
    if rule.off:
        return f"{days or 'Mo-Su'} off"
    if rule.always or rule.times == ["00:00-24:00"]:
        return f"{days} 00:00-24:00" if days else "24/7"
    return f"{days} {','.join(dict.fromkeys(rule.times))}".strip()  # dropping repeats


def _read_chinese(text: str) -> str:
    """Translate Chinese registry text to OSM, or raise :class:`_UnreadableError`."""
    folded = unicodedata.normalize("NFKC", text)
    rules: list[_Rule] = []
    rule = _Rule()
    ph_off = False
    for kind, match in _tokens(folded):
        if kind in ("sep", "filler", "ph_same"):  # 节假日照常 changes nothing
            continue
        if kind == "ph_off":
            ph_off = True
        elif kind in ("days", "every_day"):
            days = _days(match) if kind == "days" else set(_WEEK)
            if not rule.has_hours:
                rule.days = (rule.days or set()) | days
            elif not (kind == "every_day" and rule.days in (None, _WEEK)):  # not 全年无休 again
                rules.append(rule)
                rule = _Rule(days=days)
        elif (rule.off or rule.always) and kind == "time" and rule.days is not None:
            rules.append(rule)  # "周一闭馆，9:00-17:00": the times are for every day
            rule = _Rule(times=[_time_range(match)])
        elif rule.off or rule.always or (kind in ("always", "off") and rule.times):
            raise _UnreadableError(
                f"conflicting hours near {match.group(0)!r}",
                f"{match.group(0)!r} 附近的时间相互矛盾",
            )
        elif kind == "time":
            rule.times.append(_time_range(match))
        elif kind == "always":
            rule.always = True
        elif kind == "off":
            if rule.days is None:
                raise _UnreadableError(
                    f"{match.group(0)!r} without the days it applies to",
                    f"{match.group(0)!r} 未说明适用的日期",
                )
            rule.off = True
    rules.append(rule)
    if any(r.days is not None and not r.has_hours for r in rules):
        raise _UnreadableError("days without hours", "有日期但没有时间")
    if not any(r.times or r.always for r in rules):
        raise _UnreadableError("no opening times", "没有开放时间")
    # Same days twice ("周一至周五 8:00-12:00；周一至周五 14:00-18:00") means both ranges;
    # same days open and closed, or 24 hours and not, contradicts itself.
    seen: dict[frozenset[int] | None, _Rule] = {}
    kept: list[_Rule] = []
    for r in (r for r in rules if r.has_hours):
        key = None if r.days is None or r.days == _WEEK else frozenset(r.days)
        if key not in seen:
            seen[key] = r
            kept.append(r)
        elif r.times and seen[key].times:
            seen[key].times.extend(r.times)
        else:
            label = _osm_days(r.days)
            raise _UnreadableError(
                f"conflicting hours for {label or 'every day'}", f"{label or '每天'}的时间相互矛盾"
            )
    kept.sort(key=lambda r: 2 if r.off else 0 if _osm_days(r.days) == "" else 1)
    osm = "; ".join([_osm_rule(r) for r in kept] + (["PH off"] if ph_off else []))
    if not opening_hours.validate(osm):  # a bug in this reader, not in the input
        raise _UnreadableError(f"produced invalid OSM {osm!r}", f"生成了无效的 OSM 表达式 {osm!r}")
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
    except _UnreadableError as exc:
        problem = exc
    if opening_hours.validate(stripped):
        return stripped
    raise InvalidOpeningHours(
        f"Cannot read opening hours {stripped!r} as Chinese text ({problem.reason}) "
        "or as OSM syntax; expected e.g. '24小时', '周一至周五 08:00-20:00' "
        "or 'Mo-Fr 08:00-20:00'.",
        f"无法识别营业时间 {stripped!r}（{problem.reason_zh}），也不是有效的 OSM 格式；"
        "示例：'24小时'、'周一至周五 08:00-20:00' 或 OSM 格式 'Mo-Fr 08:00-20:00'。",
        details=[{"value": stripped, "reason": problem.reason}],
    )
