"""``sortby`` (OGC API - Features Part 8, as tipg and pygeoapi take it): queryables,
comma-separated, each ascending or with a leading ``-`` descending (``+`` or none:
ascending), e.g. ``sortby=-ev_charging_piles,name``.

Stations whose value is not known (null) come last in either direction; ties fall back
to the station id, so that pages of one sort never repeat or skip a station.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from geo.errors import InvalidFilter
from geo.filters.queryables import QUERYABLES, SORTABLE, Queryable


@dataclass(frozen=True, slots=True)
class SortKey:
    """One property to sort by, and its direction."""

    queryable: Queryable
    descending: bool = False


def parse_sortby(value: str) -> tuple[SortKey, ...]:
    """The sort keys ``value`` names, in order.

    Raises
    ------
    InvalidFilter
        Naming every unknown or unsortable property, and a property given twice.
    """
    keys: list[SortKey] = []
    problems: list[tuple[str, str]] = []
    for part in value.split(","):
        text = part.strip()
        descending = text.startswith("-")
        name = text[1:].strip() if text[:1] in "+-" and text else text
        q = QUERYABLES.get(name)
        if not name:
            problems.append(("an empty sort key", "排序键为空"))
        elif q is None or not q.sortable:
            close = difflib.get_close_matches(name.lower(), SORTABLE, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            hint_zh = f"是否想用 {close[0]}？" if close else ""
            why = "cannot sort by a set or a position" if q else "unknown property"
            why_zh = "集合或位置无法排序" if q else "未知属性"
            problems.append((
                f"{name!r}: {why}; {hint}sortable: {', '.join(SORTABLE)}",
                f"{name!r}：{why_zh}；{hint_zh}可排序的属性：{', '.join(SORTABLE)}",
            ))  # fmt: skip
        elif any(k.queryable is q for k in keys):
            problems.append((f"{name!r} is given twice", f"{name!r} 重复给出"))
        else:
            keys.append(SortKey(q, descending))
    if problems:
        raise InvalidFilter(
            "invalid sortby: " + "; ".join(p[0] for p in problems),
            "sortby 无效：" + "；".join(p[1] for p in problems),
            details=[{"parameter": "sortby", "value": value, "reason": p[0]} for p in problems],
        )
    return tuple(keys)
