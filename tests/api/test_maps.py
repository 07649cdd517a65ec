"""GET/POST /v1/maps/coverage and GET /v1/coverage/stats: HTML, tables, 4xx errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point

from geo.boundaries import load_districts
from geo.coverage import build_coverage
from geo.coverage.table import coverage_document
from tests.conftest import assert_error, make_app
from tests.maps.factories import DONGCHENG_INNER, XSS, scattered, station_data

DONGCHENG = {"city": "beijing", "district": "东城区", "radius_m": "300,800"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("maps") / "m.db"
    with TestClient(make_app(f"sqlite:///{db}")) as c:
        items = [station_data(116.41, 39.915, name=XSS), *scattered(40, DONGCHENG_INNER)]
        c.app.state.registry.create_many(items=items)  # type: ignore[attr-defined]
        yield c


def test_map_is_one_offline_html_page(client: TestClient) -> None:
    response = client.get("/v1/maps/coverage", params=DONGCHENG | {"amenities": "microwave"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<title>东城区 驿站服务覆盖</title>" in page
    assert "<script src" not in page
    assert "<link" not in page
    assert XSS not in page


def test_map_in_english_and_online(client: TestClient) -> None:
    response = client.get("/v1/maps/coverage", params=DONGCHENG | {"lang": "en", "offline": False})
    assert response.status_code == 200
    assert "Rest-station coverage: Dongcheng District" in response.text
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"' in response.text


def test_repeated_amenities_are_separate_filters(client: TestClient) -> None:
    response = client.get(
        "/v1/coverage/stats", params=DONGCHENG | {"amenities": ["microwave", "ev_charging"]}
    )
    assert response.status_code == 200
    filters = response.json()["total"]["filters"]
    assert [f["amenities"] for f in filters] == [["microwave"], ["ev_charging"]]


def test_stats_json_are_the_domain_figures(client: TestClient) -> None:
    response = client.get("/v1/coverage/stats", params=DONGCHENG)
    assert response.status_code == 200
    doc = response.json()
    expected = coverage_document(
        build_coverage(client.app.state.registry, **DONGCHENG)  # type: ignore[attr-defined]
    )
    assert doc == json.loads(json.dumps(expected))
    (district,) = doc["districts"]
    assert district["name"] == "东城区"
    dongcheng = load_districts("beijing").set_index("name").geometry["东城区"]
    seeded = [(116.41, 39.915)] + [(d.lon, d.lat) for d in scattered(40, DONGCHENG_INNER)]
    inside = sum(dongcheng.contains(Point(lon, lat)) for lon, lat in seeded)
    assert district["stations"] == inside
    shares = [r["share"] for r in district["filters"][0]["radii"]]
    assert 0 < shares[0] < shares[1] < 1


def test_stats_csv_and_xlsx(client: TestClient) -> None:
    response = client.get("/v1/coverage/stats", params=DONGCHENG | {"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "coverage-beijing.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["district"] for r in rows] == ["东城区", "东城区"]  # the district, the total
    xlsx = client.get("/v1/coverage/stats", params=DONGCHENG | {"format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


def test_demand_file_adds_the_demand_layer(client: TestClient) -> None:
    body = "lon,lat,weight\n116.41,39.915,2\n116.30,39.80,1\n"
    response = client.post(
        "/v1/maps/coverage",
        data=DONGCHENG | {"demand_crs": "wgs84"},
        files={"demand": ("orders.csv", body.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    assert "300 m 需求覆盖" in response.text
    assert "需求热力" in response.text


# Each row: parameters, status, error code.
BAD: list[tuple[dict[str, Any], int, str]] = [
    ({"city": "mars"}, 422, "invalid_parameter"),  # unknown city
    ({"city": "116.4,39.9,116.3"}, 422, "invalid_parameter"),  # malformed bbox
    ({"city": "100,20,120,40"}, 422, "invalid_parameter"),  # bbox too large
    ({"city": "beijing", "district": "月球区"}, 422, "invalid_parameter"),
    ({"city": "beijing", "radius_m": "0"}, 422, "invalid_parameter"),
    ({"city": "beijing", "radius_m": "500,abc"}, 422, "invalid_parameter"),
    ({"city": "beijing", "radius_m": "20000"}, 422, "invalid_parameter"),
    ({"city": "beijing", "amenities": "teleport"}, 422, "unknown_amenity"),
    ({"city": "beijing", "lang": "fr"}, 422, "invalid_parameter"),
    ({}, 422, "invalid_parameter"),  # city is required
]


@pytest.mark.parametrize(("params", "status", "code"), BAD)
def test_bad_map_parameters(
    client: TestClient, params: dict[str, Any], status: int, code: str
) -> None:
    error = assert_error(client.get("/v1/maps/coverage", params=params), status, code)
    assert error["message_zh"] != error["message"] or code == "invalid_parameter"


@pytest.mark.parametrize(("params", "status", "code"), [*BAD[:-2], BAD[-1]])
def test_bad_stats_parameters(
    client: TestClient, params: dict[str, Any], status: int, code: str
) -> None:
    assert_error(client.get("/v1/coverage/stats", params=params), status, code)


def test_bad_format_and_bad_demand(client: TestClient) -> None:
    assert_error(
        client.get("/v1/coverage/stats", params={"city": "beijing", "format": "pdf"}),
        422,
        "invalid_parameter",
    )
    response = client.post(
        "/v1/maps/coverage",
        data={"city": "beijing"},
        files={"demand": ("orders.csv", b"a,b\n1,2\n", "text/csv")},
    )
    error = assert_error(response, 422, "invalid_file")
    assert "经纬度" in error["message_zh"]
