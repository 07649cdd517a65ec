"""GET /v1/stations?adcode=: stations of a district, a city or a province, named by
adcode or in Chinese (issue 13), on SQLite and PostGIS."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AUTH, assert_error, feature

PLACES = [  # name, WGS84 position, adcode
    ("金水驿站", (113.6654, 34.7579), "410105"),
    ("二七驿站", (113.6400, 34.7300), "410103"),
    ("开封驿站", (114.3000, 34.8000), "410202"),
    ("朝阳驿站", (116.4551, 39.9075), "110105"),
]


def seed(client: TestClient) -> None:
    for name, (lon, lat), adcode in PLACES:
        response = client.post(
            "/v1/stations", json=feature(lon, lat, name=name, adcode=adcode), headers=AUTH
        )
        assert response.status_code == 201, response.text


def names(page: dict[str, Any]) -> list[str]:
    return [f["properties"]["name"] for f in page["features"]]


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        ("410105", ["金水驿站"]),
        ("金水区", ["金水驿站"]),
        ("郑州市", ["金水驿站", "二七驿站"]),
        ("410100", ["金水驿站", "二七驿站"]),
        ("河南省", ["金水驿站", "二七驿站", "开封驿站"]),
        ("北京市朝阳区", ["朝阳驿站"]),
        ("beijing", ["朝阳驿站"]),
        ("浙江省", []),
    ],
)
def test_stations_of_an_area(client: TestClient, area: str, expected: list[str]) -> None:
    seed(client)
    page = client.get("/v1/stations", params={"adcode": area}).json()
    assert names(page) == expected
    assert page["numberMatched"] == len(expected)


def test_paging_links_keep_the_area(client: TestClient) -> None:
    seed(client)
    page = client.get("/v1/stations", params={"adcode": "河南省", "limit": 2}).json()
    assert names(page) == ["金水驿站", "二七驿站"]
    (next_link,) = [link["href"] for link in page["links"] if link["rel"] == "next"]
    rest = client.get(next_link).json()
    assert names(rest) == ["开封驿站"]


@pytest.mark.parametrize(
    ("area", "reason"),
    [("朝阳区", "ambiguous_area"), ("999999", "unknown_adcode"), ("月球", "unknown_area")],
)
def test_an_unknown_or_ambiguous_area_is_a_422(client: TestClient, area: str, reason: str) -> None:
    error = assert_error(
        client.get("/v1/stations", params={"adcode": area}), 422, "invalid_parameter"
    )
    assert error["details"][0]["reason"] == reason
    assert area in error["message"]
    assert area in error["message_zh"]


@pytest.mark.parametrize(("area", "expected"), [("郑州市", 2), ("410105", 1), ("浙江省", 0)])
def test_an_export_of_an_area(client: TestClient, area: str, expected: int) -> None:
    seed(client)
    response = client.get("/v1/stations/export", params={"format": "geojson", "adcode": area})
    assert response.status_code == 200, response.text
    assert len(response.json()["features"]) == expected


def test_an_export_of_an_unknown_area_is_a_422(client: TestClient) -> None:
    response = client.get("/v1/stations/export", params={"format": "csv", "adcode": "朝阳区"})
    error = assert_error(response, 422, "invalid_parameter")
    assert error["details"][0]["reason"] == "ambiguous_area"


def test_ogc_items_filter_by_area(client: TestClient) -> None:
    """adcode is a queryable property of /ogc items (OGC API Features, fc-filters)."""
    seed(client)
    items = "/ogc/collections/stations/items"
    page = client.get(items, params={"adcode": "郑州市"}).json()
    assert names(page) == ["金水驿站", "二七驿站"]
    assert page["numberMatched"] == 2
    refused = client.get(items, params={"adcode": "朝阳区", "limit": "0"})
    assert refused.status_code == 400, refused.text
    text = refused.text
    assert "220104" in text
    assert "limit" in text  # every problem at once
