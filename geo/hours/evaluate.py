"""Evaluate a stored OSM ``opening_hours`` expression at a moment.

Public holidays: ``PH`` is evaluated with the package's calendar for China (``country="CN"``).
That calendar has one day per statutory festival (元旦, 春节, 劳动节, 端午节, 中秋节,
国庆节) for about 2000-2099. It lacks 清明节, the further days of the Spring Festival,
Labour Day and National Day holidays, and the State Council's yearly 调休 make-up working
days: ``PH off`` closes a station on 2026-10-01 but not on 2026-10-02.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import opening_hours

from geo.errors import InvalidOpeningHours
from geo.hours.when import SHANGHAI

__all__ = ["HOLIDAY_COUNTRY", "compile_opening_hours", "is_open_at"]

HOLIDAY_COUNTRY = "CN"  # calendar used for ``PH`` rules


@lru_cache(maxsize=4096)
def compile_opening_hours(osm: str) -> opening_hours.OpeningHours:
    """Parse an OSM ``opening_hours`` expression once; later calls hit a bounded cache.

    Parameters
    ----------
    osm : str
        Expression, normally the output of :func:`normalize_opening_hours`.

    Returns
    -------
    opening_hours.OpeningHours
        Parsed schedule whose ``PH`` rules use the Chinese holiday calendar.

    Raises
    ------
    InvalidOpeningHours
        If ``osm`` is not valid OSM syntax.
    """
    if not opening_hours.validate(osm):  # ParserError is missing from the package's stubs
        raise InvalidOpeningHours(
            f"Invalid OSM opening_hours expression {osm!r}.",
            f"无效的 OSM 营业时间表达式 {osm!r}。",
            details=[{"value": osm}],
        )
    return opening_hours.OpeningHours(osm, country=HOLIDAY_COUNTRY)


def is_open_at(osm: str, when: datetime) -> bool | None:
    """Say whether a schedule is open at a moment.

    Parameters
    ----------
    osm : str
        OSM ``opening_hours`` expression.
    when : datetime
        The moment; a naive value is Asia/Shanghai local time, an aware one is converted.

    Returns
    -------
    bool or None
        ``True`` open, ``False`` closed, ``None`` when the schedule says the state is
        unknown (``unknown`` rules, ``||`` fallbacks). A comment does not make the state
        unknown: the package reads ``"call us"`` as open with a comment.

    Raises
    ------
    InvalidOpeningHours
        If ``osm`` is not valid OSM syntax.
    """
    if when.tzinfo is not None:
        when = when.astimezone(SHANGHAI).replace(tzinfo=None)
    state, _comment = compile_opening_hours(osm).state(when)
    if state == opening_hours.State.UNKNOWN:
        return None
    return bool(state == opening_hours.State.OPEN)
