"""Areas of mainland China named as people name them: an adcode or Chinese words.

An area is a province, a prefecture-level city or a district/county, named by

- its adcode: ``410105`` (金水区), ``410100`` (郑州市), ``410000`` (河南省);
- its Chinese name, with or without the names above it: ``郑州市``, ``金水区``,
  ``河南省郑州市金水区``, ``杭州市西湖区``, ``浙江省``; the suffix may be left out where
  that is still one area (``郑州``, ``浙江``);
- the English names the first releases took: ``beijing``, ``chongqing``.

A name that fits several areas (``朝阳区``: Beijing's and Changchun's) is refused with the
candidates listed, each with its full name and adcode, so the user can pick; so is a
name or code that fits none. Both refusals are ``InvalidParameter`` (422, CLI exit 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from geo.errors import InvalidParameter
from geo.outlines.national import NationalOutlines, outlines

LEGACY: Final = {"beijing": "110000", "chongqing": "500000"}
_SUFFIXES: Final = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区",
    "自治州", "自治县", "地区", "林区", "省", "市", "区", "县", "盟", "旗",
)  # fmt: skip
_ADCODE: Final = re.compile(r"\d{6}")


@dataclass(frozen=True, slots=True)
class Area:
    """A province, city or district: its adcode, level and Chinese names."""

    adcode: str
    level: str  # province | city | district
    names: tuple[str, ...]  # from the province down, none repeated: 河南省, 郑州市, 金水区

    @property
    def name(self) -> str:
        """Its own name: 金水区."""
        return self.names[-1]

    @property
    def full_name(self) -> str:
        """河南省郑州市金水区; 北京市朝阳区."""
        return "".join(self.names)


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@cache
def _areas(o: NationalOutlines) -> dict[str, Area]:
    """Every area by adcode (a code that is both a city and its only district, 东莞市
    441900, is the city)."""
    found: dict[str, Area] = {}
    for code, name in o.province_names.items():
        found[code] = Area(code, "province", (name,))
    for place in o.places:
        if place.city_adcode not in found:
            names = place.names[:2] if place.city != place.province else place.names[:1]
            found[place.city_adcode] = Area(place.city_adcode, "city", names)
        if place.adcode not in found:
            found[place.adcode] = Area(place.adcode, "district", place.names)
    return found


@cache
def _by_words(o: NationalOutlines) -> dict[str, frozenset[str]]:
    """Every way of writing each area, full or short, with or without its parents."""
    words: dict[str, set[str]] = {}

    def add(text: str, code: str) -> None:
        words.setdefault(text, set()).add(code)

    areas = _areas(o)
    for code, area in areas.items():
        if area.level == "city" and len(area.names) == 1:
            # 北京市 the city (110100) within 北京市 the province: the words mean the
            # province, which holds the same ground; the city is 110100.
            continue
        for start in range(len(area.names)):  # 河南省郑州市金水区, 郑州市金水区, 金水区
            tail = area.names[start:]
            add("".join(tail), code)
            add("".join(_short(n) for n in tail), code)
            add("".join(tail[:-1]) + _short(tail[-1]), code)
            add("".join(_short(n) for n in tail[:-1]) + tail[-1], code)  # 北京朝阳区
    return {k: frozenset(v) for k, v in words.items()}


def english_full_name(area: Area) -> str:
    """``Chaoyang District, Changchun City, Jilin Province``."""
    from geo.outlines.english import english_name

    return ", ".join(english_name(n) for n in reversed(area.names))


def districts_of(text: str, *, field: str = "area") -> frozenset[str]:
    """The district adcodes of the area ``text`` names (:func:`resolve_area`)."""
    return district_codes(resolve_area(text, field=field).adcode)


def district_codes(adcode: str) -> frozenset[str]:
    """The adcodes of the districts in an area (the area's own for a district)."""
    o = outlines()
    return frozenset(
        p.adcode for p in o.places if adcode in (p.adcode, p.city_adcode, p.province_adcode)
    )


def all_areas() -> dict[str, Area]:
    """Every province, city and district of mainland China, by adcode."""
    return _areas(outlines())


def parents(adcode: str) -> tuple[str, ...]:
    """The adcode and the adcodes of the areas containing it (district, city, province);
    just the code itself for a code the outlines do not know."""
    o = outlines()
    i = o.by_adcode.get(adcode)
    if i is None:
        return (adcode,)
    place = o.places[i]
    return tuple(dict.fromkeys((adcode, place.city_adcode, place.province_adcode)))


def codes_named(text: str) -> frozenset[str]:
    """Every area ``text`` may name: its adcode, or each area the words fit (``朝阳区``:
    Beijing's and Changchun's); empty for a code or name of none."""
    o = outlines()
    key = re.sub(r"\s+", "", str(text))
    key = LEGACY.get(key.lower(), key)
    if _ADCODE.fullmatch(key):
        return frozenset({key}) if key in _areas(o) else frozenset()
    return _by_words(o).get(key, frozenset())


def resolve_area(text: str, *, field: str = "area") -> Area:
    """The one area ``text`` names; ``InvalidParameter`` listing candidates otherwise."""
    o = outlines()
    areas = _areas(o)
    given = str(text).strip()
    key = LEGACY.get(given.lower(), given)
    if _ADCODE.fullmatch(key):
        if key in areas:
            return areas[key]
        raise InvalidParameter(
            f"{field}: {given!r} is not the adcode of a province, city or district of "
            "mainland China",
            f"{field}：{given!r} 不是中国大陆省、市或区县的行政区划代码",
            details=[{"field": field, "value": given, "reason": "unknown_adcode"}],
        )
    codes = sorted(_by_words(o).get(re.sub(r"\s+", "", key), frozenset()))
    if len(codes) == 1:
        return areas[codes[0]]
    if not codes:
        raise InvalidParameter(
            f"{field}: no province, city or district of mainland China is called {given!r}; "
            "give its adcode (e.g. 410105) or its Chinese name (e.g. 郑州市金水区)",
            f"{field}：中国大陆没有名为 {given!r} 的省、市或区县；"
            "请填写行政区划代码（如 410105）或中文名称（如 郑州市金水区）",
            details=[{"field": field, "value": given, "reason": "unknown_area"}],
        )
    listed = "、".join(f"{areas[c].full_name} ({c})" for c in codes[:10])
    listed_en = "; ".join(f"{english_full_name(areas[c])} ({c})" for c in codes[:10])
    raise InvalidParameter(
        f"{field}: {given!r} names {len(codes)} areas: {listed_en}; give the adcode or the "
        "name with its city or province",
        f"{field}：{given!r} 对应 {len(codes)} 个行政区划：{listed}；"
        "请填写行政区划代码，或带上所属城市或省份的名称",
        details=[
            {"field": field, "value": given, "reason": "ambiguous_area",
             "candidates": [{"adcode": c, "name": areas[c].full_name} for c in codes]}
        ],
    )  # fmt: skip
