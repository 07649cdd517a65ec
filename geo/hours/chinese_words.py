"""The words of Chinese opening hours: the token table, days and time ranges.

:func:`tokens` cuts NFKC-folded text into (kind, match) tokens: days (周一至周五, 周1至周5,
工作日, 周末, 节假日), time ranges (read by :mod:`geo.hours.chinese_clock`), closures
(休息, 闭馆), 24 hours, breaks, brackets and separators. :mod:`geo.hours.chinese` reads
the tokens into rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from geo.hours.chinese_clock import TIME_RANGES, TimeRange, UnreadableError, read_time_range

__all__ = ["JOINED", "PH", "WEEK", "days_of", "time_range", "tokens", "trailing_days"]

WEEK = frozenset(range(7))
PH = 7  # public holidays, as a day number
_DAY_NUMBER = {c: i for i, c in enumerate("一二三四五六")} | {"日": 6, "天": 6, "七": 6}
_DAY_NUMBER |= {str(i + 1): i for i in range(7)}  # 周1 is Monday, 周7 Sunday

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
JOINED = re.compile(r"[\s、和及与]*")  # "周末及节假日休息": one closure for both


def tokens(text: str) -> Iterator[tuple[str, re.Match[str]]]:
    """The (kind, match) tokens of NFKC-folded text; unrecognised text is refused."""
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


def days_of(match: re.Match[str]) -> set[int]:
    """The days a days token names (0 Monday .. 6 Sunday, :data:`PH` holidays)."""
    word = match.group(0)
    if word == "工作日":
        return set(range(5))
    if word.startswith(("周末", "双休")):
        return {5, 6}
    if match.re.groupindex.get("d1") is None:
        return {PH}
    first = _DAY_NUMBER[match["d1"]]
    if match["d2"]:  # a range, possibly wrapping past Sunday (周五至周一)
        last = _DAY_NUMBER[match["d2"]]
        return {(first + i) % 7 for i in range((last - first) % 7 + 1)}
    return {first} | {_DAY_NUMBER[c] for c in match["more"] or ""}


def time_range(match: re.Match[str]) -> TimeRange:
    """The minutes of a time-range token (:func:`geo.hours.chinese_clock.read_time_range`)."""
    return read_time_range(match.group(0), match["start"], match["end"], bool(match["next"]))


def trailing_days(items: list[tuple[str, re.Match[str]]], i: int, text: str) -> int:
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
        joined = JOINED.fullmatch(text, items[j - 1][1].end(), match.start())
        if kind not in ("ph_off", "ph_same", "close") or (kind == "ph_off" and joined):
            return 0
    return j - i
