"""Validated coverage parameters: amenity filters and service radii."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from geo.amenities import BY_CODE, mask_of, split_codes
from geo.errors import InvalidParameter

__all__ = [
    "DEFAULT_RADII_M",
    "MAX_FILTERS",
    "MAX_RADII",
    "MAX_RADIUS_M",
    "AmenityFilter",
    "parse_filters",
    "parse_radii",
]

DEFAULT_RADII_M: Final = (500.0, 1000.0, 2000.0)
MAX_RADII: Final = 5
MAX_FILTERS: Final = 4
# A rider's service radius; larger ones say nothing about a city and make huge unions.
MAX_RADIUS_M: Final = 10_000.0
_GROUPS: Final = re.compile(r"[;；]")


@dataclass(frozen=True, slots=True)
class AmenityFilter:
    """Stations that have all of ``codes`` (none: every open station)."""

    codes: tuple[str, ...]

    @property
    def mask(self) -> int:
        """The amenity bit mask of the filter's codes."""
        return mask_of(self.codes)

    @property
    def key(self) -> str:
        """``all``, or the codes joined by ``+`` (``microwave+toilet``)."""
        return "+".join(self.codes) or "all"

    def label(self, lang: str = "zh") -> str:
        """``全部驿站`` / ``all stations``, or the amenities' labels (``微波炉+卫生间``)."""
        if not self.codes:
            return "全部驿站" if lang == "zh" else "All stations"
        return "+".join(BY_CODE[c].zh if lang == "zh" else BY_CODE[c].en for c in self.codes)


def parse_filters(value: str | Sequence[str] | None) -> tuple[AmenityFilter, ...]:
    """Amenity filters: groups separated by ``;`` or ``；`` (or given repeatedly), the
    amenities of a group as :func:`geo.amenities.split_codes` reads them (codes or
    names, by ``,`` ``，`` ``、`` ``+`` or spaces).

    ``"ev_charging;microwave,toilet"`` (``"充电桩；微波炉、卫生间"``) is two filters:
    stations with an EV charging pile, and stations with both a microwave and a toilet.
    Nothing given means one filter that every open station passes. Duplicates are
    dropped, order is kept.

    Raises
    ------
    UnknownAmenity
        Naming every unknown code.
    InvalidParameter
        If there are more than :data:`MAX_FILTERS` filters.
    """
    items = [value] if isinstance(value, str) else list(value or [])
    groups = [g for item in items for g in _GROUPS.split(item) if g.strip()]
    filters = list(dict.fromkeys(AmenityFilter(split_codes(g)) for g in groups))
    if len(filters) > MAX_FILTERS:
        shown = ";".join(f.key for f in filters)
        raise InvalidParameter(
            f"amenities={shown!r} is invalid: at most {MAX_FILTERS} filters",
            f"参数 amenities={shown!r} 无效：最多 {MAX_FILTERS} 组筛选",
            details=[{"parameter": "amenities", "value": shown}],
        )
    return tuple(filters) or (AmenityFilter(()),)


def parse_radii(value: str | Sequence[float | str] | None) -> tuple[float, ...]:
    """Service radii in metres, sorted, duplicates dropped (default 500, 1000, 2000).

    Accepts ``"500,1000,2000"`` or a sequence of numbers or such strings.

    Raises
    ------
    InvalidParameter
        Naming every value that is not a number in (0, :data:`MAX_RADIUS_M`], or if
        there are more than :data:`MAX_RADII` radii.
    """
    if value is None:
        return DEFAULT_RADII_M
    items = [value] if isinstance(value, str) else list(value)
    parts = [p.strip() for item in items for p in str(item).split(",") if p.strip()]
    radii: list[float] = []
    bad: list[str] = []
    for part in parts:
        try:
            radius = float(part)
        except ValueError:
            bad.append(part)
            continue
        if not math.isfinite(radius) or not 0 < radius <= MAX_RADIUS_M:
            bad.append(part)
        else:
            radii.append(radius)
    unique = sorted(set(radii))
    if bad or not unique or len(unique) > MAX_RADII:
        shown = ",".join(parts)
        rule = f"expected 1 to {MAX_RADII} radii in metres, each in (0, {MAX_RADIUS_M:.0f}]"
        rule_zh = f"应为 1 到 {MAX_RADII} 个半径（米），每个在 (0, {MAX_RADIUS_M:.0f}] 之间"
        raise InvalidParameter(
            f"radius_m={shown!r} is invalid: {rule}"
            + (f"; bad values: {', '.join(bad)}" if bad else ""),
            f"参数 radius_m={shown!r} 无效：{rule_zh}"
            + (f"；无效值：{'、'.join(bad)}" if bad else ""),
            details=[{"parameter": "radius_m", "value": b} for b in bad or [shown]],
        )
    return tuple(unique)
