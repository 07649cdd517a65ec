"""Distinct, realistic station names: host + road or landmark + kind.

A demo station is named as real ones are, after its host's branch and the station's
kind: 工商银行国贸支行暖心驿站, 便利蜂光华路店暖心驿站, 中国石化建国路加油站工会驿站.
Real lists repeat such names when one brand has two branches on one road; the demo
does not, so that a name finds one station. A road found in most towns (人民路) is named
with the district's short name (工商银行万州人民路支行). A name already given moves on to
the next of its candidates: the other of road and landmark, the road with the district's
short name (工商银行朝阳建国路支行), the house number (便利蜂光华路12号店), both; a rare
name that all of them repeat gets an ordinal (…暖心驿站（二）).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

__all__ = ["NameParts", "distinct_names", "short_district"]

# Suffixes of district names, longest first, with the minorities named in them.
_SUFFIX: Final = re.compile(r"(?:回族|土家族|苗族|畲族|蒙古族|彝族|藏族|壮族)*(?:自治县|区|县|市)$")
_ORDINALS: Final = "二三四五六七八九十"


@dataclass(frozen=True, slots=True)
class NameParts:
    """What a station's name is made of."""

    template: str  # the host's branch, "{}" for the place: 工商银行{}支行
    place: str  # the landmark or road it is named after
    road: str  # its address's road
    number: int  # its address's house number
    district: str  # 朝阳区
    kind: str  # 暖心驿站
    generic: bool = False  # the road is one found in most towns (人民路), not the place's own


def short_district(name: str) -> str:
    """``朝阳区`` -> ``朝阳``, ``石柱土家族自治县`` -> ``石柱``; a name that would be left
    with one character is kept whole (``忠县``)."""
    short = _SUFFIX.sub("", name)
    return short if len(short) >= 2 else name


def _candidates(p: NameParts) -> Iterable[str]:
    short = short_district(p.district)
    wheres: tuple[str, ...]
    if p.generic:  # 人民路 is everywhere: 工商银行万州人民路支行
        wheres = (f"{short}{p.road}", f"{short}{p.road}{p.number}号")
    else:
        wheres = (
            p.place,
            p.road,
            f"{short}{p.road}",
            f"{p.road}{p.number}号",
            f"{short}{p.road}{p.number}号",
        )
    for where in dict.fromkeys(wheres):
        yield p.template.replace("{}", where) + p.kind


def distinct_names(parts: Iterable[NameParts], *, avoid: frozenset[str] = frozenset()) -> list[str]:
    """A name for each station, none repeated and none in `avoid`, in the order given.

    Parameters
    ----------
    parts : iterable of NameParts
        The stations, in the order they are named (earlier stations get the plainer
        names).
    avoid : frozenset of str
        Names already given elsewhere (the other places of the demo).

    Returns
    -------
    list of str
        One name per station.
    """
    taken = set(avoid)
    names = []
    for p in parts:
        name = next((c for c in _candidates(p) if c not in taken), None)
        if name is None:
            base = p.template.replace("{}", f"{short_district(p.district)}{p.place}") + p.kind
            k = 0
            while name is None or name in taken:
                label = _ORDINALS[k] if k < len(_ORDINALS) else str(k + 2)
                name = f"{base}（{label}）"
                k += 1
        taken.add(name)
        names.append(name)
    return names
