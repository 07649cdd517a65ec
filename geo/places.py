"""Where a station is: its district, city and province of mainland China.

Every station carries ``adcode`` (its district or county), ``city_adcode``,
``province_adcode`` and the three Chinese names (``district``, ``city``, ``province``),
derived from its WGS84 position by point-in-polygon against the national outlines
(:mod:`geo.outlines.national`). They are never taken on trust: the district is what
editor keys, imports, coverage and exports are scoped by, and a label is only text. A
station outside mainland China (abroad, at sea) has none of them.

A client may still send them, as a check of its own: a label is *agreed* when it names
the position's district, city or province, by adcode (``110105``, ``110000``) or by
name, full or short, with or without its parents (``朝阳区``, ``北京市朝阳区``, ``朝阳``,
``北京``). One that names another area, or none, is a :class:`Disagreement`: a write
through the API or the CLI is refused (:func:`place_strict`, ``district_mismatch``); an
import reports it on the row and keeps the position's (:mod:`geo.imports.rows`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geo.errors import DistrictMismatch
from geo.model import PLACE_FIELDS, StationData
from geo.outlines.national import NOWHERE, Place, outlines

__all__ = ["PLACE_FIELDS", "Disagreement", "disagreements", "locate", "place_strict", "placed"]

_LABELS = {
    "adcode": ("adcode", "行政区划代码"),
    "district": ("district", "区县"),
    "city_adcode": ("city_adcode", "城市行政区划代码"),
    "city": ("city", "城市"),
    "province_adcode": ("province_adcode", "省级行政区划代码"),
    "province": ("province", "省份"),
}


def place_values(place: Place | None) -> dict[str, str | None]:
    """The six place fields of a station at ``place`` (all None for no place)."""
    if place is None:
        return dict.fromkeys(PLACE_FIELDS)
    return {
        "adcode": place.adcode,
        "district": place.district,
        "city_adcode": place.city_adcode,
        "city": place.city,
        "province_adcode": place.province_adcode,
        "province": place.province,
    }


def locate(lon: Sequence[float], lat: Sequence[float]) -> list[Place | None]:
    """The district of each WGS84 point (None outside mainland China), all at once."""
    if not len(lon):
        return []
    o = outlines()
    return [None if i == NOWHERE else o.places[i] for i in o.locate_many(lon, lat).tolist()]


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A place label that the position contradicts."""

    field: str
    given: str
    place: Place | None  # where the position is
    lon: float
    lat: float
    named: tuple[str, ...]  # the full names of the areas the label may mean, if any

    @property
    def reason(self) -> str:
        """Why the label was refused: outside every district, a mismatch, or an unknown area."""
        if self.place is None:
            return "outside_districts"
        return "district_mismatch" if self.named else "unknown_area"

    def at(self, lon: float, lat: float) -> Disagreement:
        """The same label and verdict for another position in the same district."""
        return Disagreement(self.field, self.given, self.place, lon, lat, self.named)

    def messages(self) -> tuple[str, str]:
        """What is wrong, in English and Chinese (a long label cut short)."""
        en_field, zh_field = _LABELS[self.field]
        given = self.given if len(self.given) <= 60 else self.given[:60] + "…"
        at = f"({self.lon:.6f}, {self.lat:.6f})"
        if self.place is None:
            return (
                f"{en_field} {given!r}: the position {at} is in no district of mainland "
                "China, so the station has none; check the coordinates and their datum, or "
                f"leave {en_field} out",
                f"{zh_field} {given!r}：位置 {at} 不在中国大陆任何区县内，驿站没有所属区县；"
                f"请检查坐标及其坐标系，或不填{zh_field}",
            )
        where = f"{self.place.full_name} ({self.place.adcode})"
        named = "、".join(self.named[:3])
        if named:
            return (
                f"{en_field} {given!r} ({named}) disagrees with the position {at}, "
                f"which is in {where}",
                f"{zh_field} {given!r}（{named}）与位置 {at} 不符，该位置在{where}",
            )
        return (
            f"{en_field} {given!r} names no province, city or district of mainland "
            f"China; the position {at} is in {where}",
            f"{zh_field} {given!r} 不是中国大陆的省、市或区县名称；位置 {at} 在{where}",
        )

    def detail(self) -> dict[str, Any]:
        """The refusal's detail for the API's ``details``."""
        return {
            "field": self.field,
            "value": self.given,
            "reason": self.reason,
            "position_adcode": None if self.place is None else self.place.adcode,
            "position_name": None if self.place is None else self.place.full_name,
        }


def disagreements(
    labels: Mapping[str, Any], place: Place | None, lon: float, lat: float
) -> list[Disagreement]:
    """The labels among ``labels`` (place fields a client sent) that ``place`` belies."""
    from geo.outlines.areas import all_areas, codes_named

    found = []
    for field in PLACE_FIELDS:
        given = labels.get(field)
        if given is None or given == "":
            continue
        text = str(given)
        codes = codes_named(text)
        if place is None or not codes & {place.adcode, place.city_adcode, place.province_adcode}:
            areas = all_areas()
            named = tuple(areas[c].full_name for c in sorted(codes))
            found.append(Disagreement(field, text, place, lon, lat, named))
    return found


def placed(items: Sequence[StationData]) -> list[tuple[StationData, list[Disagreement]]]:
    """Each station with its place fields set from its position, and the labels it
    carried that the position belies."""
    places = locate([d.lon for d in items], [d.lat for d in items])
    out = []
    for data, place in zip(items, places, strict=True):
        labels = {f: getattr(data, f) for f in PLACE_FIELDS}
        found = disagreements(labels, place, data.lon, data.lat)
        values = place_values(place)
        if values == labels:
            out.append((data, found))
            continue
        out.append((data.model_copy(update=values), found))  # valid values: no validation
    return out


def place_strict(items: Sequence[StationData]) -> list[StationData]:
    """:func:`placed`, refusing every station with a label its position belies
    (``DistrictMismatch``, one detail per label, each saying which station)."""
    done = placed(items)
    refused = [(i, d) for i, (_, found) in enumerate(done) for d in found]
    if not refused:
        return [data for data, _ in done]
    several = len(items) > 1
    en = "; ".join((f"station {i + 1}: " if several else "") + d.messages()[0] for i, d in refused)
    zh = "；".join(
        (f"第 {i + 1} 个驿站：" if several else "") + d.messages()[1] for i, d in refused
    )
    raise DistrictMismatch(
        f"{en}. The district, city and province are derived from the position: leave "
        "them out, or send the ones the position is in",
        f"{zh}。区县、城市和省份由位置确定：可不填，或填写位置所在的区划",
        details=[d.detail() | ({"station": i} if several else {}) for i, d in refused],
    )
