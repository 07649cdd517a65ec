"""Strict requests (issue 14): a parameter a route does not take is refused, not ignored,
and nothing is written by a refused request."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.fast_query import PlainQueryRoute
from api.routes import audit, health, imports, maps, ogc, page, route, stations, transfer
from api.strict import PASS_THROUGH, StrictRoute, closest_name
from tests.conftest import AUTH, assert_error, feature, post_station

ROUTERS = (audit, health, imports, maps, page, route, stations, transfer)
MISSPELT = "amenitiez"
CSV = b"name,lon,lat\n\xe9\xa9\xbf\xe7\xab\x99,116.40,39.90\n"  # 驿站


def _open(r: StrictRoute) -> bool:
    """A route that passes every parameter through (the page, read by its script)."""
    return "*" in (r.openapi_extra or {}).get(PASS_THROUGH, [])


def _routes() -> list[tuple[str, str, StrictRoute]]:
    return [
        (method, r.path, r)
        for module in ROUTERS
        for r in module.router.routes
        if isinstance(r, StrictRoute) and not _open(r)
        for method in sorted(r.methods)
    ]


ROUTES = _routes()


def test_every_api_route_is_strict() -> None:
    """Every route of the API but /ogc (which answers 400, as OGC API - Features asks,
    tests/api/test_ogc.py) and the generated /docs is a StrictRoute."""
    for module in (*ROUTERS, ogc):
        for r in module.router.routes:
            assert isinstance(r, StrictRoute) or module is ogc, r.path
    open_routes = [r.path for m in ROUTERS for r in m.router.routes if _open(r)]
    assert open_routes == ["/"]
    assert len(ROUTES) >= 22


def _request(client: TestClient, method: str, path: str, sid: int, query: str) -> Any:
    """One request of this route, valid but for what `query` adds."""
    url = path.format(station_id=sid, job_id="0" * 32, name="page.js") + query
    if method == "POST" and path == "/v1/stations":
        return client.post(url, json=feature(116.41, 39.91, name="新驿站"), headers=AUTH)
    if method == "POST" and path == "/v1/imports":
        return client.post(url, files={"file": ("s.csv", CSV, "text/csv")}, headers=AUTH)
    if method in ("PUT", "PATCH"):
        body = feature(116.42, 39.92, name="改名驿站")
        return client.request(method, url, json=body, headers=AUTH)
    if method == "POST":  # along-route, coverage map: a body the route reads
        body = {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[116.40, 39.90], [116.45, 39.90]]},
        }
        return client.post(url, json=body, headers=AUTH)
    return client.request(method, url, headers=AUTH)


def _written(client: TestClient) -> tuple[int, int]:
    """How many stations, and how many audit entries: what a write changes."""
    registry = client.app.state.registry  # type: ignore[attr-defined]
    log = client.get("/v1/audit", params={"limit": 1000}, headers=AUTH).json()
    return len(registry), len(log["entries"])


@pytest.mark.parametrize(("method", "path", "r"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_a_misspelt_parameter_is_refused_and_nothing_written(
    client: TestClient, method: str, path: str, r: StrictRoute
) -> None:
    sid = post_station(client, feature(name="原驿站", amenities=["toilet"]))["id"]
    before = _written(client)
    response = _request(client, method, path, sid, f"?{MISSPELT}=toilet")
    error = assert_error(response, 422, "unknown_parameter")
    assert f"'{MISSPELT}'" in error["message"]
    assert f"'{MISSPELT}'" in error["message_zh"]
    assert "未知的参数" in error["message_zh"]
    assert "This endpoint takes" in error["message"]
    assert "此接口接受" in error["message_zh"]
    takes_amenities = "amenities" in error["message"].split("This endpoint takes:")[1]
    assert error["details"][0]["did_you_mean"] == ("amenities" if takes_amenities else None)
    assert _written(client) == before


def test_the_same_write_without_the_misspelling_writes(client: TestClient) -> None:
    """The control: the requests above do write when they are right."""
    sid = post_station(client, feature(name="原驿站"))["id"]
    before = _written(client)
    response = _request(client, "PATCH", "/v1/stations/{station_id}", sid, "")
    assert response.status_code == 200, response.text
    assert _written(client) == (before[0], before[1] + 1)


@pytest.mark.parametrize("fast", [True, False])
def test_nearest_names_what_was_meant(
    client: TestClient, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PlainQueryRoute, "fast", fast)
    base = "/v1/stations/nearest?lon=116.4&lat=39.9"
    for extra, meant in [
        ("amenity=ev_charging", "amenities"),
        ("coordsys=gaode", "crs"),
        ("radius=500", "max_distance_m"),
        ("limit=3", "k"),
        ("Max-Distance-M=5", "max_distance_m"),
        ("lng=116.4", "lon"),
        ("zzz=1", None),
    ]:
        error = assert_error(client.get(f"{base}&{extra}"), 422, "unknown_parameter")
        name = extra.split("=")[0]
        assert error["details"] == [
            {"field": name, "reason": "unknown_query", "did_you_mean": meant}
        ]
        if meant:
            assert f"did you mean '{meant}'?" in error["message"]
            assert f"是否想用 '{meant}'？" in error["message_zh"]
    # Several at once: each is named.
    error = assert_error(client.get(f"{base}&amenity=wifi&radius=5"), 422, "unknown_parameter")
    assert [d["field"] for d in error["details"]] == ["amenity", "radius"]


def test_a_repeated_single_value_is_refused_a_list_may_repeat(client: TestClient) -> None:
    post_station(client, feature(amenities=["toilet", "wifi"], status="open"))
    error = assert_error(
        client.get("/v1/stations?status=open&status=planned"), 422, "repeated_parameter"
    )
    assert "'status'" in error["message"]
    assert "'open', 'planned'" in error["message"]
    assert "只能给一个值" in error["message_zh"]
    base = "/v1/stations/nearest?lon=116.4&lat=39.9"
    assert_error(client.get(f"{base}&k=1&k=2"), 422, "repeated_parameter")
    both = client.get(f"{base}&amenities=toilet&amenities=wifi")
    assert both.status_code == 200, both.text
    assert both.json()["query"]["amenities"] == ["toilet", "wifi"]


def test_an_import_form_field_spelt_as_the_cli_spells_it(client: TestClient) -> None:
    """``-F dry-run=true`` committed a real import."""
    before = _written(client)
    response = client.post(
        "/v1/imports",
        files={"file": ("s.csv", CSV, "text/csv")},
        data={"dry-run": "true"},
        headers=AUTH,
    )
    error = assert_error(response, 422, "unknown_parameter")
    assert "unknown form field 'dry-run'; did you mean 'dry_run'?" in error["message"]
    assert "未知的表单字段 'dry-run'，是否想用 'dry_run'？" in error["message_zh"]
    assert _written(client) == before
    right = client.post(
        "/v1/imports",
        files={"file": ("s.csv", CSV, "text/csv")},
        data={"dry_run": "true"},
        headers=AUTH,
    )
    assert right.status_code == 200, right.text
    assert _written(client) == before  # a dry run writes nothing either


def test_the_page_passes_its_url_to_its_script(client: TestClient) -> None:
    """``/`` is read by page.js in the browser: any parameter reaches the same page
    (tests/api/test_page_html.py); its data routes are strict like every other."""
    ok = client.get("/?lang=en&amenities=toilet&route_format=lonlat&anything=1")
    assert ok.status_code == 200
    assert_error(
        client.get("/page/data/nearest?lon=116.4&lat=39.9&langg=en"), 422, "unknown_parameter"
    )


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("amenitiez", "amenities"),
        ("AMENITIES", "amenities"),
        (" amenities ", "amenities"),
        ("dry-run", "dry_run"),
        ("radius", "max_distance_m"),
        ("coordsys", "crs"),
        ("limit", "k"),  # on a route that takes k but no limit
        ("qq", None),
        ("", None),
    ],
)
def test_closest_name(given: str, meant: str | None) -> None:
    known = ["amenities", "crs", "dry_run", "k", "lat", "lon", "max_distance_m", "status"]
    assert closest_name(given, known) == meant


def test_a_synonym_is_not_suggested_where_the_route_takes_its_own_name() -> None:
    assert closest_name("limit", ["limit", "k"]) == "limit"
    assert closest_name("radius", ["lon", "lat"]) is None


def test_hostile_names_are_data(client: TestClient) -> None:
    from tests.hostile import HOSTILE

    taken = {"adcode", "amenities", "bbox", "limit", "offset", "out_crs", "q", "status"}
    for text in HOSTILE.values():
        if not text.strip() or text in taken or "\x00" in text or len(text) > 1000:
            continue
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: no client can send it
            continue
        error = assert_error(
            client.get("/v1/stations", params={text: "1"}), 422, "unknown_parameter"
        )
        assert error["details"][0]["field"] == text
