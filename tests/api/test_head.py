"""HEAD answers wherever GET does, as GET would, without the body (RFC 9110 section 9.3.2).

FastAPI routes declared with GET alone answered HEAD with 405 (issue 22, defect 15);
``api.edge.HeadAsGet`` answers it for every one of them. The table below names a URL
for every GET route, and a test checks that it does: a new GET route must join it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from tests.conftest import AUTH, assert_error, feature, make_app

ROUTE = "116.4551,39.9075;116.4551,39.89"
DONGCHENG = "city=beijing&district=110101&radius_m=300"
# (a URL answering 200, the route it exercises)
GETS: list[tuple[str, str]] = [
    ("/openapi.json", "/openapi.json"),
    ("/docs", "/docs"),
    ("/docs/oauth2-redirect", "/docs/oauth2-redirect"),
    ("/static/swagger-ui/favicon-32x32.png", "/static"),
    ("/healthz", "/healthz"),
    ("/readyz", "/readyz"),
    ("/v1/stations/export?format=csv", "/v1/stations/export"),
    (f"/v1/stations/along-route?route={ROUTE}&open_at=any", "/v1/stations/along-route"),
    ("/v1/stations/nearest?lon=116.4&lat=39.9&open_at=any", "/v1/stations/nearest"),
    ("/v1/stations?limit=5", "/v1/stations"),
    ("/v1/stations/1", "/v1/stations/{station_id}"),
    ("/v1/amenities", "/v1/amenities"),
    (f"/v1/maps/coverage?{DONGCHENG}", "/v1/maps/coverage"),
    (f"/v1/coverage/stats?{DONGCHENG}&format=csv", "/v1/coverage/stats"),
    ("/", "/"),
    ("/favicon.ico", "/favicon.ico"),
    ("/page/assets/page.js", "/page/assets/{name}"),
    ("/page/data/nearest?lon=116.4&lat=39.9", "/page/data/nearest"),
    (f"/page/data/along-route?route={ROUTE}", "/page/data/along-route"),
    ("/metrics", "/metrics"),
    ("/ogc", "/ogc"),
    ("/ogc/api", "/ogc/api"),
    ("/ogc/conformance", "/ogc/conformance"),
    ("/ogc/tileMatrixSets", "/ogc/tileMatrixSets"),
    ("/ogc/tileMatrixSets/WebMercatorQuad", "/ogc/tileMatrixSets/WebMercatorQuad"),
    ("/ogc/collections/stations/tiles", "/ogc/collections/stations/tiles"),
    (
        "/ogc/collections/stations/tiles/WebMercatorQuad",
        "/ogc/collections/stations/tiles/WebMercatorQuad",
    ),
    (
        "/ogc/collections/stations/tiles/WebMercatorQuad/0/0/0",
        "/ogc/collections/stations/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
    ),
    ("/ogc/collections", "/ogc/collections"),
    ("/ogc/collections/stations", "/ogc/collections/stations"),
    ("/ogc/collections/stations/schema", "/ogc/collections/stations/schema"),
    ("/ogc/collections/stations/queryables", "/ogc/collections/stations/queryables"),
    ("/ogc/collections/stations/items?limit=2", "/ogc/collections/stations/items"),
    ("/ogc/collections/stations/items/1", "/ogc/collections/stations/items/{featureId}"),
    ("/v1/audit?limit=2", "/v1/audit"),
    ("/v1/report-kinds", "/v1/report-kinds"),
    ("/v1/reports?status=any", "/v1/reports"),
    ("/v1/reports/by-district?area=110101", "/v1/reports/by-district"),
    ("/v1/imports/{job}", "/v1/imports/{job_id}"),  # the fixture's import job
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db: Path = tmp_path_factory.mktemp("head") / "h.db"
    with TestClient(make_app(f"sqlite:///{db}")) as c:
        for i in range(3):
            body = feature(116.41 + i * 0.002, 39.915, name=f"东城驿站{i}", opening_hours="24小时")
            assert c.post("/v1/stations", json=body, headers=AUTH).status_code == 201
        csv = "名称,经度,纬度\n东城驿站9,116.42,39.916\n".encode()
        started = c.post(
            "/v1/imports", files={"file": ("a.csv", csv)}, data={"wait": "false"}, headers=AUTH
        )
        assert started.status_code == 202, started.text
        location = started.headers["Location"]
        # Until the job ends its document changes between a GET and a HEAD: wait for it
        # (the bound only catches a hang).
        for _ in range(1200):
            if c.get(location, headers=AUTH).json()["status"] in ("succeeded", "failed"):
                break
            threading.Event().wait(0.1)
        assert c.get(location, headers=AUTH).json()["status"] == "succeeded"
        c.app.state.test_job = location.rsplit("/", 1)[1]  # type: ignore[attr-defined]
        yield c


def get_paths(routes: Any) -> set[str]:
    """The path of every route that answers GET (included routers and mounts too)."""
    found: set[str] = set()
    for route in routes:
        nested = getattr(route, "routes", None) or getattr(
            getattr(route, "original_router", None), "routes", None
        )
        if getattr(route, "path_regex", None) is None and nested is not None:
            found |= get_paths(nested)
        elif (
            "GET" in (getattr(route, "methods", None) or ()) or route.__class__.__name__ == "Mount"
        ):
            found.add(route.path)
    return found


def test_the_table_names_every_get_route(client: TestClient) -> None:
    assert get_paths(client.app.router.routes) == {route for _, route in GETS}  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", [url for url, _ in GETS], ids=[route for _, route in GETS])
def test_head_answers_as_get_without_a_body(client: TestClient, url: str) -> None:
    url = url.replace("{job}", client.app.state.test_job)  # type: ignore[attr-defined]
    got = client.get(url, headers=AUTH)
    assert got.status_code == 200, got.text
    head = client.head(url, headers=AUTH)
    assert head.status_code == 200, head.text
    assert head.content == b""
    # Content-Length included: the length GET's body has (compressed, where it is).
    # An export is not made for a HEAD: the headers GET sends but those only the file
    # tells (its length, modification time, the stations it skipped); its ETag is the
    # store's version, the same for both.
    made = {"content-length", "last-modified", "x-stations-skipped"}
    # The metrics count the GET before the HEAD: their length moves.
    varying = {"date", "x-request-id"} | (made if "/export" in url or url == "/metrics" else set())
    assert {k: v for k, v in head.headers.items() if k not in varying} == {
        k: v for k, v in got.headers.items() if k not in varying
    }
    if "/export" in url:
        assert not made & set(head.headers)
    elif "content-encoding" not in got.headers and url != "/metrics":
        assert int(head.headers["content-length"]) == len(got.content)


def test_head_of_an_export_does_not_make_the_file(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HEAD checks the parameters as GET does, and answers without writing the file."""
    import api.routes.transfer

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("HEAD made the export")

    monkeypatch.setattr(api.routes.transfer, "export_registry", never)
    head = client.head("/v1/stations/export?format=xlsx&crs=gcj02")
    assert head.status_code == 200
    assert head.headers["content-disposition"] == 'attachment; filename="stations-gcj02.xlsx"'
    assert client.head("/v1/stations/export?format=gpkg&crs=gcj02").status_code == 422
    assert client.head("/v1/stations/export?format=shp").status_code == 422


def test_head_of_an_error_is_the_error_without_a_body(client: TestClient) -> None:
    head = client.head("/v1/stations/999999")
    assert head.status_code == 404
    assert head.content == b""
    assert head.headers["content-type"] == "application/json"


def test_head_spends_the_read_budget(tmp_path: Path) -> None:
    """A HEAD costs the server what a GET does, and is counted as one."""
    settings = ApiSettings(
        database_url=f"sqlite:///{tmp_path / 'l.db'}",
        demo=False,
        rate_limit_search_per_min=1,
        rate_limit_search_burst=1,
    )
    with TestClient(create_app(settings)) as c:
        assert c.head("/v1/amenities").status_code == 200
        assert_error(c.get("/v1/amenities"), 429, "rate_limited")


def test_405_offers_head_where_get_is(client: TestClient) -> None:
    response = client.put("/v1/stations", json=feature(), headers=AUTH)
    assert_error(response, 405, "method_not_allowed")
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"GET", "HEAD", "POST"}
