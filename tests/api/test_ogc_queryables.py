"""OGC API - Features Part 3's queryables at /ogc: the JSON Schema a ogc_client reads, and
filtering ``/items`` by ``status``, ``amenities`` and ``adcode`` query parameters,
checked against filtering the full list in Python (random combinations, both ways of
naming amenities); bad values are 400s naming the parameter."""

from __future__ import annotations

import random

import pytest
from fastapi.testclient import TestClient

from geo.amenities import BY_CODE
from geo.filters import QUERYABLES
from geo.model import Station
from tests.api.test_ogc import ITEMS, get_json, links_by_rel
from tests.conftest import assert_error

ALL = 10_000
LABELS = {c: BY_CODE[c].zh for c in ("drinking_water", "microwave", "toilet", "wifi")}


def test_queryables_are_linked_and_describe_the_parameters(ogc_client: TestClient) -> None:
    coll = get_json(ogc_client, "/ogc/collections/stations")
    link = links_by_rel(coll)["http://www.opengis.net/def/rel/ogc/1.0/queryables"]
    assert link["type"] == "application/schema+json"
    doc = get_json(ogc_client, link["href"], "application/schema+json")
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == link["href"]
    assert doc["additionalProperties"] is False
    assert set(doc["properties"]) == set(QUERYABLES)
    assert doc["properties"]["status"]["enum"] == ["open", "temporarily_closed", "planned"]
    assert doc["properties"]["geometry"]["format"] == "geometry-point"
    assert doc["properties"]["amenities"]["type"] == "array"
    assert doc["properties"]["updated_at"] == {
        "title": "Last changed (UTC) / 更新时间", "type": "string", "format": "date-time"
    }  # fmt: skip
    assert doc["properties"]["ev_charging_piles"]["type"] == "integer"


def ids(ogc_client: TestClient, **params: str) -> set[int]:
    doc = ogc_client.get(ITEMS, params={"limit": ALL, **params}).json()
    return {f["id"] for f in doc["features"]}


def test_property_filters_equal_filtering_the_list(
    ogc_client: TestClient, ogc_stations: list[Station]
) -> None:
    rng = random.Random(7)
    statuses = ["open", "planned", "temporarily_closed"]
    for _ in range(25):
        params: dict[str, str] = {}
        want = list(ogc_stations)
        if rng.random() < 0.7:
            chosen = rng.sample(statuses, rng.randint(1, 3))
            params["status"] = ",".join(chosen)
            want = [s for s in want if s.status.value in chosen]
        if rng.random() < 0.7:
            codes = rng.sample(sorted(LABELS), rng.randint(1, 2))
            chinese = rng.random() < 0.5
            named = [LABELS[c] for c in codes] if chinese else codes
            params["amenities"] = ("、" if chinese else ",").join(named)
            want = [s for s in want if set(codes) <= set(s.amenities)]
        assert ids(ogc_client, **params) == {s.id for s in want}, params


def test_adcode_and_bbox_combine_with_the_property_filters(
    ogc_client: TestClient, ogc_stations: list[Station]
) -> None:
    box = (100.0, 25.0, 120.0, 42.0)
    want = {
        s.id for s in ogc_stations
        if s.status.value == "open" and "toilet" in s.amenities
        and box[0] <= s.lon <= box[2] and box[1] <= s.lat <= box[3]
    }  # fmt: skip
    got = ids(ogc_client, status="open", amenities="toilet", bbox=",".join(map(str, box)))
    assert got == want
    assert want


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"status": "closed"}, "status"),
        ({"status": ","}, "status"),
        ({"amenities": "sauna"}, "amenities"),
        ({"amenities": "微波"}, "amenities"),  # part of a label: never guessed
        ({"adcode": "999999"}, "adcode"),
    ],
)
def test_bad_filter_values_are_400(
    ogc_client: TestClient, params: dict[str, str], name: str
) -> None:
    error = assert_error(ogc_client.get(ITEMS, params=params), 400, "invalid_parameter")
    assert [d["parameter"] for d in error["details"]] == [name]
    assert error["message_zh"].strip()
