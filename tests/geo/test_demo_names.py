"""Demo station names: distinct whatever collides, and the districts' share of a city."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.demo.names import NameParts, distinct_names, short_district
from geo.demo.profile import Profile


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("朝阳区", "朝阳"),
        ("管城回族区", "管城"),
        ("石柱土家族自治县", "石柱"),
        ("秀山土家族苗族自治县", "秀山"),
        ("景宁畲族自治县", "景宁"),
        ("义乌市", "义乌"),
        ("忠县", "忠县"),  # one character would be left
        ("渝中区", "渝中"),
    ],
)
def test_short_district(name: str, short: str) -> None:
    assert short_district(name) == short


def _parts(place: str = "国贸", road: str = "建国路", number: int = 1) -> NameParts:
    return NameParts("工商银行{}支行", place, road, number, "朝阳区", "暖心驿站")


def test_candidates_in_order() -> None:
    names = distinct_names([_parts()] * 7)
    assert names == [
        "工商银行国贸支行暖心驿站",
        "工商银行建国路支行暖心驿站",
        "工商银行朝阳建国路支行暖心驿站",
        "工商银行建国路1号支行暖心驿站",
        "工商银行朝阳建国路1号支行暖心驿站",
        "工商银行朝阳国贸支行暖心驿站（二）",
        "工商银行朝阳国贸支行暖心驿站（三）",
    ]


def test_names_taken_elsewhere_are_avoided() -> None:
    names = distinct_names([_parts()], avoid=frozenset({"工商银行国贸支行暖心驿站"}))
    assert names == ["工商银行建国路支行暖心驿站"]


@given(
    st.lists(
        st.tuples(st.sampled_from(["国贸", "建国路"]), st.integers(1, 3)), min_size=1, max_size=60
    ),
    st.frozensets(
        st.sampled_from(["工商银行国贸支行暖心驿站", "工商银行朝阳国贸支行暖心驿站（二）"])
    ),
)
def test_always_distinct(draws: list[tuple[str, int]], avoid: frozenset[str]) -> None:
    names = distinct_names([_parts(place, "建国路", n) for place, n in draws], avoid=avoid)
    assert len(set(names)) == len(names) == len(draws)
    assert not set(names) & avoid


def _profile(city_totals: dict[str, int]) -> Profile:
    return Profile(
        key="t", prefix="T", area_adcode="330000", outlines="national", phone_areas={"33": "0"},
        kinds=(("暖心驿站", 1.0),), brands={}, car=(0, 0), moto=(0, 0), ev_stations=0,
        legal_aid_stations=0, city_totals=city_totals,
    )  # fmt: skip


def test_city_totals_are_shared_by_weight_with_three_each() -> None:
    adcodes = ["330102", "330105", "330122", "330182", "330203"]
    names = ["上城区", "拱墅区", "桐庐县", "建德市", "海曙区"]
    counts = _profile({"3301": 100, "3302": 5}).district_counts(adcodes, names)
    assert sum(counts[:4]) == 100
    assert counts[4] == 5
    assert min(counts) >= 3
    # 区 3 : 市 2 : 县 1 over what is left after three each (88): 29.3, 29.3, 9.8, 19.6;
    # the two largest remainders (.8, .6) get the two that flooring left.
    assert counts[:4] == [3 + 29, 3 + 29, 3 + 10, 3 + 20]


def test_a_city_without_districts_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="3399"):
        _profile({"3399": 10}).district_counts(["330102"], ["上城区"])
