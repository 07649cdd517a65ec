"""Areas by adcode or Chinese name, and editor keys for a district, a city or a province
(issue 13): confinement by position everywhere in mainland China, not only in the two
cities the first releases had outlines for."""

from __future__ import annotations

import pytest

from geo.access import Actor, Role
from geo.errors import DistrictMismatch, ForbiddenDistrict, InvalidParameter
from geo.keys import parse_adcodes
from geo.model import StationData, build_station_data
from geo.outlines.areas import all_areas, parents, resolve_area
from geo.places import place_strict


@pytest.mark.parametrize(
    ("text", "adcode"),
    [
        ("郑州市", "410100"),
        ("郑州", "410100"),
        ("410100", "410100"),
        ("金水区", "410105"),
        ("河南省郑州市金水区", "410105"),
        ("杭州市西湖区", "330106"),
        ("浙江省", "330000"),
        ("浙江", "330000"),
        ("beijing", "110000"),
        ("Chongqing", "500000"),
        ("北京市", "110000"),  # the province; the city is 110100
        ("110100", "110100"),
        ("北京市朝阳区", "110105"),
        ("长春市朝阳区", "220104"),
        ("东莞市", "441900"),  # a city without districts
        ("济源市", "419001"),  # a county-level city under its province
        ("重庆市渝中区", "500103"),
        ("新疆", "650000"),
        (" 上海市 浦东新区 ", "310115"),
    ],
)
def test_names_and_codes_name_one_area(text: str, adcode: str) -> None:
    assert resolve_area(text).adcode == adcode


@pytest.mark.parametrize(
    ("text", "reason", "candidates"),
    [
        ("朝阳区", "ambiguous_area", ["110105", "220104"]),
        ("西湖区", "ambiguous_area", ["330106", "360103"]),
        ("霍格沃茨", "unknown_area", None),
        ("999999", "unknown_adcode", None),
        ("810000", "unknown_adcode", None),  # Hong Kong: not mainland China
    ],
)
def test_an_unknown_or_ambiguous_name_is_refused_with_candidates(
    text: str, reason: str, candidates: list[str] | None
) -> None:
    with pytest.raises(InvalidParameter) as refused:
        resolve_area(text, field="city")
    (detail,) = refused.value.details
    assert detail["reason"] == reason
    assert detail["field"] == "city"
    assert text in refused.value.message
    assert text in refused.value.message_zh
    if candidates:
        assert [c["adcode"] for c in detail["candidates"]] == candidates
        for code in candidates:  # listed with full names, in both languages
            assert code in refused.value.message
            assert all_areas()[code].full_name in refused.value.message_zh


def test_every_area_resolves_by_its_code_and_full_name() -> None:
    areas = all_areas()
    assert sum(a.level == "province" for a in areas.values()) == 31
    for code, area in areas.items():
        assert resolve_area(code) == area
        if not (area.level == "city" and code.endswith("0100") and area.name == area.full_name):
            assert resolve_area(area.full_name) == area, area


@pytest.mark.parametrize("city", ["beijing", "chongqing"])
def test_english_names_match_the_official_ones_where_we_have_them(city: str) -> None:
    """The shipped files of the first releases carry the official English names of
    Beijing's and Chongqing's 54 districts: the romanisation must give the same."""
    from geo.boundaries import load_districts
    from geo.outlines.english import english_name

    districts = load_districts(city)
    for name, official in zip(districts["name"], districts["name_en"], strict=True):
        assert english_name(name) == official


@pytest.mark.parametrize(
    ("name", "english"),
    [
        ("金水区", "Jinshui District"),
        ("管城回族区", "Guancheng Hui District"),
        ("保亭黎族苗族自治县", "Baoting Li and Miao Autonomous County"),
        ("长安区", "Chang'an District"),
        ("六安市", "Lu'an City"),
        ("浦东新区", "Pudong New Area"),
        ("河南省", "Henan Province"),
        # Official English where pinyin is not it: peoples, non-Han places, readings.
        ("陕西省", "Shaanxi Province"),
        ("山西省", "Shanxi Province"),
        ("新疆维吾尔自治区", "Xinjiang Uygur Autonomous Region"),
        ("内蒙古自治区", "Inner Mongolia Autonomous Region"),
        ("喀什地区", "Kashgar Prefecture"),
        ("甘孜藏族自治州", "Garze Tibetan Autonomous Prefecture"),
        ("黔西南布依族苗族自治州", "Qianxinan Buyei and Miao Autonomous Prefecture"),
        ("西双版纳傣族自治州", "Xishuangbanna Dai Autonomous Prefecture"),
        ("威宁彝族回族苗族自治县", "Weining Yi, Hui and Miao Autonomous County"),
        ("鄂温克族自治旗", "Ewenki Autonomous Banner"),
        ("龙胜各族自治县", "Longsheng Various Nationalities Autonomous County"),
        ("长治市", "Changzhi City"),
        ("长子县", "Zhangzi County"),
        ("闵行区", "Minhang District"),
        (
            "海西蒙古族藏族自治州直辖",
            "Haixi Mongol and Tibetan Autonomous Prefecture (directly administered)",
        ),
    ],
)
def test_english_names(name: str, english: str) -> None:
    from geo.outlines.english import english_name

    assert english_name(name) == english


def test_no_two_areas_of_a_parent_share_an_english_name() -> None:
    """Shaanxi and Shanxi: an English reader must be able to tell siblings apart."""
    from collections import Counter

    from geo.outlines.english import english_name

    def parent(code: str) -> str:
        return (
            "" if code.endswith("0000") else code[:2] + "0000" if code.endswith("00") else code[:4]
        )

    names = {(parent(code), area.name) for code, area in all_areas().items()}  # 北京市 once
    siblings = Counter((up, english_name(name)) for up, name in names)
    assert [k for k, n in siblings.items() if n > 1] == []


def test_an_ambiguous_name_is_listed_in_english_too() -> None:
    with pytest.raises(InvalidParameter) as refused:
        resolve_area("朝阳区")
    assert "Chaoyang District, Changchun City, Jilin Province (220104)" in refused.value.message


def test_parents() -> None:
    assert parents("410105") == ("410105", "410100", "410000")
    assert parents("500103") == ("500103", "500000")
    assert parents("441900") == ("441900", "440000")


JINSHUI = (113.6654, 34.7579)  # 郑州市金水区, WGS84
ERQI = (113.6400, 34.7300)  # 郑州市二七区
KAIFENG = (114.3000, 34.8000)  # 开封市龙亭区, 河南省
SHIJIAZHUANG = (114.5100, 38.0400)  # 河北省


def station(at: tuple[float, float], **labels: str) -> StationData:
    """A station at ``at`` as a write stores it: placed (``labels``: what the client sent)."""
    data = build_station_data({"name": "驿站", "lon": at[0], "lat": at[1], **labels})
    return place_strict([data])[0]


@pytest.mark.parametrize(
    ("areas", "at", "allowed"),
    [
        ("410105", JINSHUI, True),
        ("410105", ERQI, False),  # the next district
        ("410105", SHIJIAZHUANG, False),
        ("410100", JINSHUI, True),  # a city key: every district of the city
        ("410100", ERQI, True),
        ("410100", KAIFENG, False),
        ("410000", KAIFENG, True),  # a province key
        ("410000", SHIJIAZHUANG, False),
    ],
)
def test_editor_keys_for_a_district_a_city_or_a_province(
    areas: str, at: tuple[float, float], allowed: bool
) -> None:
    editor = Actor("key:1", "郑州", Role.EDITOR, parse_adcodes([areas]))
    state = station(at)
    if allowed:
        editor.check(None, state)
    else:
        with pytest.raises(ForbiddenDistrict):
            editor.check(None, state)


@pytest.mark.parametrize(
    ("at", "label"),
    [
        # a label of the key's district on another province's ground
        (SHIJIAZHUANG, {"adcode": "410105"}),
        (ERQI, {"adcode": "410105"}),  # a district of the key's city, not where it stands
        (ERQI, {"district": "金水区"}),
        (ERQI, {"district": "郑州市金水区", "city": "郑州市"}),
    ],
)
def test_a_label_cannot_put_a_station_in_an_editors_district(
    at: tuple[float, float], label: dict[str, str]
) -> None:
    with pytest.raises(DistrictMismatch):
        station(at, **label)
    assert station(at).adcode != "410105"


def test_keys_take_names_and_refuse_every_bad_value_at_once() -> None:
    assert parse_adcodes(["郑州市，金水区", "浙江省"]) == {"410100", "410105", "330000"}
    with pytest.raises(InvalidParameter) as refused:
        parse_adcodes(["朝阳区,12345,410105"])
    reasons = [d["reason"] for d in refused.value.details]
    assert reasons == ["ambiguous_area", "unknown_area"]
