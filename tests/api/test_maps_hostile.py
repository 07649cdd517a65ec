"""Hostile text in /v1/maps/coverage (GET and POST), SQLite and PostGIS (issue 22).

Station names, addresses, hosts and districts from tests/hostile.py come back out of the
map's data exactly and are never run as a template; template syntax in any parameter of
the request is refused as a 4xx that quotes it as data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import assert_error, make_app
from tests.hostile import STORABLE, TEMPLATE_BLOCK, TEMPLATE_EXPR, TEMPLATE_RCE
from tests.maps.factories import (
    DONGCHENG_INNER,
    EVALUATED,
    add_unplaced,
    assert_map_keeps_text,
    hostile_stations,
    scattered,
)

DONGCHENG = {"city": "beijing", "district": "东城区", "radius_m": "300,800"}
TEMPLATES = {"expr": TEMPLATE_EXPR, "rce": TEMPLATE_RCE, "block": TEMPLATE_BLOCK}


@pytest.fixture
def hostile(client: TestClient) -> TestClient:
    """A client on a store (SQLite, then PostGIS) holding every storable hostile text."""
    registry = client.app.state.registry  # type: ignore[attr-defined]
    add_unplaced(registry, [*hostile_stations(), *scattered(20, DONGCHENG_INNER)])
    return client


@pytest.mark.parametrize(
    "params",
    [
        {"amenities": "microwave"},  # the default page
        {"lang": "en", "offline": False},  # English, CDN-linked
    ],
    ids=["zh-offline", "en-online"],
)
def test_get_map_keeps_station_text_literally(hostile: TestClient, params: dict[str, Any]) -> None:
    response = hostile.get("/v1/maps/coverage", params=DONGCHENG | params)
    assert response.status_code == 200, response.text
    assert_map_keeps_text(response.text, STORABLE.values())


def test_post_map_with_demand_keeps_station_text_literally(hostile: TestClient) -> None:
    body = "lon,lat,weight\n116.41,39.915,2\n116.42,39.925,1\n"
    response = hostile.post(
        "/v1/maps/coverage",
        data=DONGCHENG | {"demand_crs": "wgs84"},
        files={"demand": ("{{ 7*7 }}.csv", body.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    assert "需求热力" in response.text
    assert_map_keeps_text(response.text, STORABLE.values())


@pytest.fixture(scope="module")
def sqlite_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("maps-hostile") / "m.db"
    with TestClient(make_app(f"sqlite:///{db}")) as c:
        yield c


# Each row: the parameter, the error code when it holds template syntax.
PARAMETERS = [
    ("city", "invalid_parameter"),
    ("district", "invalid_parameter"),
    ("amenities", "unknown_amenity"),
    ("radius_m", "invalid_parameter"),
    ("lang", "invalid_parameter"),
]


def assert_quoted_as_data(error: dict[str, Any], text: str) -> None:
    shown = str(error)
    assert [e for e in EVALUATED if e in shown] == []
    assert text in shown  # quoted back as it was sent


@pytest.mark.parametrize("text", list(TEMPLATES.values()), ids=list(TEMPLATES))
@pytest.mark.parametrize(("parameter", "code"), PARAMETERS)
def test_template_syntax_in_a_get_parameter_is_refused_as_data(
    sqlite_client: TestClient, parameter: str, code: str, text: str
) -> None:
    params = DONGCHENG | {parameter: text}
    error = assert_error(sqlite_client.get("/v1/maps/coverage", params=params), 422, code)
    assert_quoted_as_data(error, text)


@pytest.mark.parametrize("text", list(TEMPLATES.values()), ids=list(TEMPLATES))
@pytest.mark.parametrize(("parameter", "code"), [*PARAMETERS, ("demand_crs", "unknown_crs")])
def test_template_syntax_in_a_post_field_is_refused_as_data(
    sqlite_client: TestClient, parameter: str, code: str, text: str
) -> None:
    response = sqlite_client.post(
        "/v1/maps/coverage",
        data=DONGCHENG | {parameter: text},
        files={"demand": ("orders.csv", b"lon,lat\n116.41,39.915\n", "text/csv")},
    )
    assert_quoted_as_data(assert_error(response, 422, code), text)
