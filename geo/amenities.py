"""The amenity vocabulary: codes, Chinese and English labels, and the labels real lists use.

This is the one place to extend the vocabulary. Each amenity has a fixed ``bit``: the
store keeps a bit mask per station so that "has all of these amenities" is one integer
test in SQL and in the index. Bits are persisted, so a bit is never reused or reordered;
a new amenity takes the next free bit.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from geo.errors import UnknownAmenity


@dataclass(frozen=True, slots=True)
class Amenity:
    """One amenity of the vocabulary.

    Attributes
    ----------
    code : str
        Stable machine code, e.g. ``"ev_charging"``.
    bit : int
        Persisted bit position in a station's amenity mask (0-62).
    zh, en : str
        Display labels in Chinese and English.
    aliases : tuple of str
        Free-text labels seen in real station lists that mean this amenity.
    """

    code: str
    bit: int
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


AMENITIES: tuple[Amenity, ...] = (
    Amenity(
        "drinking_water", 0, "饮水", "Drinking water", ("饮水", "饮水机", "热水", "喝水", "开水")
    ),
    Amenity("microwave", 1, "微波炉", "Microwave", ("微波炉", "热饭", "加热")),
    Amenity("toilet", 2, "卫生间", "Toilet", ("卫生间", "厕所", "如厕", "洗手间")),
    Amenity("rest_area", 3, "休息区", "Rest area", ("休息", "歇脚", "小憩", "桌椅", "休息区")),
    Amenity(
        "phone_charging",
        4,
        "手机充电",
        "Phone charging",
        ("手机充电", "充电线", "充电器", "充电宝", "充电"),
    ),
    Amenity("ebike_charging", 5, "电动车充电", "E-bike charging", ("电动车充电", "电瓶车充电")),
    Amenity("battery_swap", 6, "换电", "Battery swap", ("换电", "换电柜")),
    Amenity("ev_charging", 7, "充电桩", "EV charging pile", ("充电桩", "新能源车充电")),
    Amenity("car_parking", 8, "停车位", "Car parking", ("停车位", "机动车停车", "停车")),
    Amenity(
        "motorcycle_parking",
        9,
        "摩托车停车",
        "Motorcycle parking",
        ("摩托车停车", "电动车停车", "非机动车停车"),
    ),
    Amenity("first_aid", 10, "医药箱", "First-aid kit", ("医药箱", "急救包", "药箱")),
    Amenity("sewing_kit", 11, "针线包", "Sewing kit", ("针线包",)),
    Amenity("heating_cooling", 12, "取暖纳凉", "Heating / cooling", ("取暖", "空调", "避暑")),
    Amenity("shelter", 13, "避雨", "Shelter from rain", ("避雨", "遮雨")),
    Amenity("wifi", 14, "无线网络", "Wi-Fi", ("无线网络", "wifi", "wi-fi", "无线上网")),
    Amenity("counseling", 15, "心理咨询", "Counseling", ("心理咨询",)),
    Amenity("legal_aid", 16, "法律援助", "Legal aid", ("法律咨询", "法律援助")),
)

BY_CODE: dict[str, Amenity] = {a.code: a for a in AMENITIES}
_BY_LABEL: dict[str, Amenity] = {
    label.casefold(): a for a in AMENITIES for label in (a.code, a.zh, a.en, *a.aliases)
}
_SEPARATORS = re.compile(r"[、,，;；/|]+")
# Between the codes or labels of a query (a label may hold "/", as "Wi-Fi/网络" could;
# "+" joins them in coverage keys, microwave+toilet).
QUERY_SEPARATORS = re.compile(r"[、,，;；+]+")
_SPACES = re.compile(r"\s+")


def _check_vocabulary() -> None:
    bits = [a.bit for a in AMENITIES]
    if len(set(bits)) != len(bits) or not all(0 <= b < 63 for b in bits):
        raise RuntimeError("amenity bits must be unique and in 0..62")


_check_vocabulary()


def _key(text: str) -> str:
    """A label as looked up: any case, runs of spaces as one (``"Drinking  water"``)."""
    return " ".join(text.split()).casefold()


def parse_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """Validate amenity codes and return them de-duplicated in vocabulary order.

    Parameters
    ----------
    codes : iterable of str
        Codes such as ``"ev_charging"``, or exactly a label or alias of one (any case:
        ``"充电桩"``, ``"EV charging pile"``). Blank entries are ignored.

    Raises
    ------
    UnknownAmenity
        Naming every entry that is not in the vocabulary, each with the amenity it is
        spelt like, if any (``微波``: microwave), and the whole vocabulary.
    """
    wanted: set[str] = set()
    unknown: list[str] = []
    for given in dict.fromkeys(c.strip() for c in codes if c and c.strip()):
        amenity = BY_CODE.get(given) or _BY_LABEL.get(_key(given))
        if amenity is None:
            unknown.append(given)
        else:
            wanted.add(amenity.code)
    if unknown:
        raise _unknown(unknown)
    return tuple(a.code for a in AMENITIES if a.code in wanted)


def _unknown(unknown: list[str]) -> UnknownAmenity:
    guesses = [(u, _closest(u)) for u in unknown]
    said = ", ".join(
        repr(u) + (f" (did you mean {a.code!r}: {a.zh}, {a.en}?)" if a else "") for u, a in guesses
    )
    said_zh = "、".join(
        repr(u) + (f"（是否想用“{a.zh}”，即 {a.code}？）" if a else "") for u, a in guesses
    )
    known = ", ".join(f"{a.code} ({a.zh})" for a in AMENITIES)
    known_zh = "、".join(f"{a.zh}（{a.code}）" for a in AMENITIES)
    return UnknownAmenity(
        f"unknown amenity {said}. Known, by code or by Chinese or English name "
        f"(GET /v1/amenities): {known}",
        f"未知的服务设施 {said_zh}。可用的设施（代码或中文、英文名称均可，"
        f"见 GET /v1/amenities）：{known_zh}",
        details=[{"value": u, "did_you_mean": a.code if a else None} for u, a in guesses],
    )


def _closest(text: str) -> Amenity | None:
    """The amenity whose code, label or alias is spelt most like `text`, or is a part of
    it (``提供微波炉`` -> microwave), if any: a suggestion, never taken in its place."""
    key = _key(text)
    close = difflib.get_close_matches(key, list(_BY_LABEL), n=1, cutoff=0.6)
    if close:
        return _BY_LABEL[close[0]]
    contained = [k for k in _BY_LABEL if len(k) >= 2 and k in key]
    return _BY_LABEL[max(contained, key=len)] if contained else None


def split_codes(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Parse a separated string (or a list of such strings) of amenity codes or labels:
    ``microwave,toilet``, ``微波炉、卫生间``, ``Microwave，充电桩``, ``微波炉 卫生间``.

    Each part must be a code, label or alias exactly (any case); a part with spaces is
    one label (``Drinking water``), or names one in each word (``微波炉 卫生间``), or is
    refused as it was typed. Unlike an
    import's free text (:func:`match_labels`), a query never guesses from a part of a
    word: ``微波`` is refused, saying ``microwave`` was perhaps meant.
    """
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    parts: list[str] = []
    for item in items:
        for part in QUERY_SEPARATORS.split(item):
            words = part.split()
            known = len(words) > 1 and _BY_LABEL.get(_key(part)) is None
            known = known and all(w in BY_CODE or _key(w) in _BY_LABEL for w in words)
            parts.extend(words if known else [part])
    return parse_codes(parts)


def mask_of(codes: Iterable[str]) -> int:
    """Bit mask of validated amenity codes."""
    if isinstance(codes, tuple):  # a record's: registries repeat few sets
        return _mask_of_tuple(codes)
    mask = 0
    for code in codes:
        mask |= 1 << BY_CODE[code].bit
    return mask


@lru_cache(maxsize=4096)
def _mask_of_tuple(codes: tuple[str, ...]) -> int:
    mask = 0
    for code in codes:
        mask |= 1 << BY_CODE[code].bit
    return mask


@lru_cache(maxsize=4096)  # every record read builds one; registries repeat few masks
def codes_of(mask: int) -> tuple[str, ...]:
    """Amenity codes set in a bit mask, in vocabulary order."""
    return tuple(a.code for a in AMENITIES if mask >> a.bit & 1)


def _match_one(label: str) -> Amenity | None:
    """A label's amenity: exact (case-insensitive), else the longest alias it contains."""
    key = label.casefold()
    amenity = _BY_LABEL.get(key)
    if amenity is None:
        contained = [k for k in _BY_LABEL if len(k) >= 2 and k in key]
        amenity = _BY_LABEL[max(contained, key=len)] if contained else None
    return amenity


@lru_cache(maxsize=16384)  # imports call it for every row; lists repeat their texts
def match_labels(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Map a free-text amenity list such as ``"饮水、微波炉、充电桩"`` to codes.

    Each separated label is matched exactly (case-insensitively) against codes, labels
    and aliases; a label with no exact match is matched by the longest alias it contains
    (``"提供热水"`` -> drinking_water).

    Returns
    -------
    codes : tuple of str
        Matched codes in vocabulary order.
    unknown : tuple of str
        Labels that matched nothing, in input order, for the import report.
    """
    found: set[str] = set()
    unknown: list[str] = []
    for segment in _SEPARATORS.split(text.strip()):
        segment = segment.strip()
        if not segment:
            continue
        # "Drinking water" is one label, "饮水 微波炉" two: a segment with spaces must match
        # exactly as a whole, otherwise each of its words is a label.
        whole = _BY_LABEL.get(segment.casefold())
        labels = [segment] if whole or not _SPACES.search(segment) else _SPACES.split(segment)
        for label in labels:
            amenity = whole or _match_one(label)
            if amenity is None:
                unknown.append(label)
            else:
                found.add(amenity.code)
    return tuple(a.code for a in AMENITIES if a.code in found), tuple(unknown)
