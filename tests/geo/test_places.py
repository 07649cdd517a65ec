"""A station's district, city and province come from its position (geo/places.py).

Labels a client sends are agreed when they name the position's district, city or
province in any way a person writes them; anything else is refused through the
registry (and warned about in imports: tests/test_national_import.py).
"""

from __future__ import annotations

import pytest

from geo.errors import DistrictMismatch
from geo.model import PLACE_FIELDS, build_station_data
from geo.places import disagreements, locate, place_strict, placed
from geo.registry import open_registry

GUOMAO = (116.4551, 39.9075)  # 北京市朝阳区
HONG_KONG = (114.1694, 22.3193)


def data(at: tuple[float, float] = GUOMAO, **labels: str | None) -> object:
    return build_station_data({"name": "国贸驿站", "lon": at[0], "lat": at[1], **labels})


def test_a_station_gets_all_six_fields_from_its_position() -> None:
    (station,) = place_strict([data()])  # type: ignore[list-item]
    assert tuple(getattr(station, f) for f in PLACE_FIELDS) == (
        "110105", "朝阳区", "110100", "北京市", "110000", "北京市",
    )  # fmt: skip
    (abroad,) = place_strict([data(HONG_KONG)])  # type: ignore[list-item]
    assert all(getattr(abroad, f) is None for f in PLACE_FIELDS)


@pytest.mark.parametrize(
    "labels",
    [
        {"adcode": "110105"},
        {"adcode": "110000"},  # the province's code: agrees, and is replaced
        {"district": "朝阳区"},  # also Changchun's: the position says which
        {"district": "朝阳"},
        {"district": "北京市朝阳区"},
        {"district": " 北京 朝阳区 "},
        {"city": "北京市", "province": "北京", "city_adcode": "110100"},
        {"district": "beijing"},
    ],
)
def test_labels_that_name_the_position_are_agreed(labels: dict[str, str]) -> None:
    (station,) = place_strict([data(**labels)])  # type: ignore[list-item]
    assert (station.adcode, station.district) == ("110105", "朝阳区")


@pytest.mark.parametrize(
    ("labels", "reason"),
    [
        ({"adcode": "110108"}, "district_mismatch"),
        ({"district": "海淀区"}, "district_mismatch"),
        ({"city": "长春市"}, "district_mismatch"),
        ({"province": "河南省"}, "district_mismatch"),
        ({"district": "月球区"}, "unknown_area"),
        ({"adcode": "999999"}, "unknown_area"),
    ],
)
def test_labels_the_position_belies_are_refused(labels: dict[str, str], reason: str) -> None:
    with pytest.raises(DistrictMismatch) as refused:
        place_strict([data(**labels)])  # type: ignore[list-item]
    (detail,) = refused.value.details
    assert detail["reason"] == reason
    assert detail["position_adcode"] == "110105"
    assert "北京市朝阳区" in refused.value.message
    assert "北京市朝阳区" in refused.value.message_zh


def test_a_label_on_a_station_outside_mainland_china_is_refused() -> None:
    with pytest.raises(DistrictMismatch) as refused:
        place_strict([data(HONG_KONG, district="油尖旺区")])  # type: ignore[list-item]
    assert refused.value.details[0]["reason"] == "outside_districts"
    assert "中国大陆" in refused.value.message_zh


def test_several_stations_say_which_one_is_wrong() -> None:
    with pytest.raises(DistrictMismatch) as refused:
        place_strict([data(), data(adcode="110108"), data(district="海淀区")])  # type: ignore[list-item]
    assert [d["station"] for d in refused.value.details] == [1, 2]
    assert "station 2" in refused.value.message
    assert "第 3 个驿站" in refused.value.message_zh


def test_a_long_label_is_cut_short_in_the_message_but_reported_whole() -> None:
    label = "驿" * 400
    (found,) = disagreements({"district": label}, locate([GUOMAO[0]], [GUOMAO[1]])[0], *GUOMAO)
    en, zh = found.messages()
    assert len(en) < 300
    assert "…" in zh
    assert found.detail()["value"] == label


def test_placed_reports_instead_of_refusing() -> None:
    [(station, found)] = placed([data(district="海淀区")])  # type: ignore[list-item]
    assert station.district == "朝阳区"
    assert [d.field for d in found] == ["district"]


def test_writes_follow_the_position(tmp_path: object) -> None:
    """A move re-places the station, whatever the stored fields said; a GET's
    representation written back (PUT) is agreed; a label in a patch is checked."""
    registry = open_registry("sqlite://")
    try:
        station = registry.create(data=data(district="朝阳区"))  # type: ignore[arg-type]
        moved = registry.patch(station_id=station.id, changes={"lon": 116.31, "lat": 39.992})
        assert (moved.adcode, moved.district) == ("110108", "海淀区")
        same = registry.replace(station_id=station.id, data=moved)
        assert same.adcode == "110108"
        with pytest.raises(DistrictMismatch):
            registry.patch(station_id=station.id, changes={"district": "朝阳区"})
        with pytest.raises(DistrictMismatch):  # the old district with the new position
            registry.patch(
                station_id=station.id, changes={"lon": 116.4551, "lat": 39.9075, "adcode": "110108"}
            )
        assert registry.get(station_id=station.id).adcode == "110108"
    finally:
        registry.close()
