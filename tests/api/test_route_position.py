"""/v1/stations/along-route with the rider's position and paging, on SQLite and PostGIS:
the answer is the domain's, counted from the rider, and the links walk it page by page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from geo.datums import wgs84_to_gcj02
from geo.route import Route, along_route, project
from tests.api.test_route import ROUTE, lonlat_text
from tests.conftest import feature, make_app, post_station
from tests.factories import GEOD
from tests.postgres import BACKENDS, store_urls

URL = "/v1/stations/along-route"
HOST = "http://127.0.0.1:8000"
LINE = lonlat_text(ROUTE)
WIDTH = 300.0


def route_wgs84() -> Route:
    return Route.from_wgs84(np.array([p[0] for p in ROUTE]), np.array([p[1] for p in ROUTE]))


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """30 stations within 400 m of the route, 24-hour, some with a microwave."""
    with (
        store_urls(request.param, tmp_path_factory.mktemp("route_position")) as url,
        TestClient(make_app(url("r")), base_url=HOST) as client,
    ):
        r = route_wgs84()
        rng = np.random.default_rng(14)
        for i in range(30):
            lon, lat = (float(v[0]) for v in r.point_at(np.array([rng.uniform(0, 3900)])))
            x, y, _ = GEOD.fwd(lon, lat, rng.uniform(0, 360), rng.uniform(0, 400))
            props: dict[str, Any] = {
                "name": f"沿途驿站{i}",
                "amenities": ["microwave"] if i % 3 == 0 else ["toilet"],
                "opening_hours": "24小时",
            }
            post_station(client, feature(float(x), float(y), **props))
        yield client


def rider_at(along_m: float, aside_m: float = 0.0) -> tuple[float, float]:
    """A rider ``along_m`` along the route, ``aside_m`` north of it."""
    x, y = route_wgs84().point_at(np.array([along_m]))
    lon, lat, _ = GEOD.fwd(float(x[0]), float(y[0]), 0.0, aside_m)
    return float(lon), float(lat)


def text(p: tuple[float, float]) -> str:
    return f"{p[0]!r},{p[1]!r}"


def domain(client: TestClient, rider: tuple[float, float] | None, mask: int = 0) -> list[Any]:
    index = client.app.state.registry.index  # type: ignore[attr-defined]
    r = route_wgs84()
    from_m = 0.0 if rider is None else project(r, *rider).along_m
    return along_route(index, r, width_m=WIDTH, mask=mask, from_m=from_m)


def get(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(URL, params={"route": LINE, "width_m": WIDTH, "open_at": "any"} | params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [f["id"] for f in body["features"]]


@pytest.mark.parametrize(
    ("along_m", "aside_m"),
    [
        (0.0, 0.0),  # at the start: every station, as without a position
        (1300.0, 0.0),  # 1.3 km along
        (1300.0, 60.0),  # 60 m beside the road
        (2600.0, -250.0),  # on the other side, farther
        (3980.0, 0.0),  # almost at the end
    ],
)
def test_position_answers_what_the_domain_answers(
    seeded: TestClient, along_m: float, aside_m: float
) -> None:
    rider = rider_at(along_m, aside_m)
    body = get(seeded, position=text(rider), limit=100)
    want = domain(seeded, rider)
    assert ids(body) == [h.id for h in want]
    assert body["numberMatched"] == body["numberReturned"] == len(want)
    along = [f["properties"]["distance_along_route_m"] for f in body["features"]]
    assert along == [round(h.distance_along_route_m, 2) for h in want]
    assert along == sorted(along)
    placed = body["query"]["position"]
    assert (placed["lon"], placed["lat"]) == rider
    # Due north or south of the route, not square to it: the foot moves a little.
    assert placed["distance_from_route_m"] == pytest.approx(abs(aside_m), abs=0.5)
    assert placed["distance_along_route_m"] == pytest.approx(along_m, abs=0.5 + abs(aside_m) / 50)


def test_distances_are_counted_from_the_rider_and_stations_behind_left_out(
    seeded: TestClient,
) -> None:
    """The route never doubles back: each station is passed once, at the same point."""
    from_start = {f["id"]: f["properties"] for f in get(seeded, limit=100)["features"]}
    body = get(seeded, position=text(rider_at(1300.0)), limit=100)
    r_m = body["query"]["position"]["distance_along_route_m"]
    ahead = {i for i, p in from_start.items() if p["distance_along_route_m"] >= r_m - 10.0}
    assert set(ids(body)) == ahead
    assert 0 < len(ahead) < len(from_start)  # some behind, some ahead
    for f in body["features"]:
        was = from_start[f["id"]]["distance_along_route_m"]
        assert f["properties"]["distance_along_route_m"] == pytest.approx(
            max(0.0, was - r_m), abs=0.02
        )
        assert (
            f["properties"]["distance_from_route_m"] == from_start[f["id"]]["distance_from_route_m"]
        )


def test_amenities_filter_the_stations_ahead(seeded: TestClient) -> None:
    rider = rider_at(900.0)
    body = get(seeded, position=text(rider), amenities="microwave", limit=100)
    assert ids(body) == [h.id for h in domain(seeded, rider, mask=1 << 1)]
    assert body["numberMatched"] == len(ids(body)) > 0


def test_a_gcj02_route_and_position_give_the_same_stations(seeded: TestClient) -> None:
    rider = rider_at(1300.0, 20.0)
    want = ids(get(seeded, position=text(rider), limit=100))
    g_lon, g_lat = wgs84_to_gcj02([p[0] for p in ROUTE], [p[1] for p in ROUTE])
    gx, gy = wgs84_to_gcj02(*rider)
    gcj = lonlat_text(list(zip(g_lon.tolist(), g_lat.tolist(), strict=True)))
    body = get(seeded, route=gcj, route_format="amap", position=f"{gx},{gy}", limit=100)
    assert ids(body) == want
    assert body["query"]["crs"] == "gcj02"


def follow(client: TestClient, first: dict[str, Any], method: str = "GET", **kw: Any) -> list[Any]:
    """Every page from ``first`` on, by the next links."""
    pages = [first]
    while True:
        nxt = [link for link in pages[-1]["links"] if link["rel"] == "next"]
        if not nxt:
            return pages
        assert nxt[0].get("method", "GET") == method
        response = client.request(method, nxt[0]["href"], **kw)
        assert response.status_code == 200, response.text
        pages.append(response.json())


def test_paging_walks_every_station_ahead_once(seeded: TestClient) -> None:
    rider = text(rider_at(1000.0))
    every = ids(get(seeded, position=rider, limit=100))
    first = get(seeded, position=rider, limit=4)
    pages = follow(seeded, first)
    assert [i for page in pages for i in ids(page)] == every
    assert len(pages) == -(-len(every) // 4)
    for n, page in enumerate(pages):
        assert page["numberMatched"] == len(every)
        assert page["numberReturned"] == len(page["features"]) <= 4
        assert page["query"]["offset"] == 4 * n
        rels = [link["rel"] for link in page["links"]]
        assert rels[0] == "self"
        assert ("prev" in rels) == (n > 0)
        assert ("next" in rels) == (n < len(pages) - 1)
    # The prev link of a page leads to the page before it.
    prev = next(link for link in pages[2]["links"] if link["rel"] == "prev")
    assert ids(seeded.get(prev["href"]).json()) == ids(pages[1])
    # The self link asks again for the same page.
    self_link = pages[1]["links"][0]["href"]
    assert self_link.startswith(f"{HOST}{URL}?")
    assert ids(seeded.get(self_link).json()) == ids(pages[1])


def test_an_offset_past_the_end_is_an_empty_page_with_a_way_back(seeded: TestClient) -> None:
    total = get(seeded, limit=100)["numberMatched"]
    body = get(seeded, limit=5, offset=total + 10)
    assert body["features"] == []
    assert body["numberMatched"] == total
    assert body["numberReturned"] == 0
    (prev,) = [link for link in body["links"] if link["rel"] == "prev"]
    assert prev["href"].endswith(f"offset={total - 5}")


def test_post_takes_position_in_the_body_and_pages_by_the_query(seeded: TestClient) -> None:
    rider = rider_at(1300.0, 30.0)
    want = ids(get(seeded, position=text(rider), limit=100))
    line = {"type": "LineString", "coordinates": [list(p) for p in ROUTE], "position": list(rider)}
    params = {"width_m": WIDTH, "open_at": "any", "limit": 3}
    response = seeded.post(URL, params=params, json=line)
    assert response.status_code == 200, response.text
    pages = follow(seeded, response.json(), "POST", json=line)  # the same body each time
    assert [i for page in pages for i in ids(page)] == want
    assert all(link["method"] == "POST" for page in pages for link in page["links"])
    # The position as a parameter instead: the same answer.
    line.pop("position")
    as_param = seeded.post(URL, params=params | {"position": text(rider), "limit": 100}, json=line)
    assert ids(as_param.json()) == want
    # A Feature with the position beside its geometry, in GCJ-02 as its crs says.
    g_lon, g_lat = wgs84_to_gcj02([p[0] for p in ROUTE], [p[1] for p in ROUTE])
    gx, gy = wgs84_to_gcj02(*rider)
    feat = {
        "type": "Feature",
        "crs": "gcj02",
        "position": [float(gx), float(gy)],
        "geometry": {"type": "LineString", "coordinates": np.stack([g_lon, g_lat], 1).tolist()},
        "properties": {},
    }
    assert ids(seeded.post(URL, params=params | {"limit": 100}, json=feat).json()) == want


def test_without_a_position_nothing_changes_but_the_paging(seeded: TestClient) -> None:
    body = get(seeded, limit=100)
    assert ids(body) == [h.id for h in domain(seeded, None)]
    assert body["query"]["position"] is None
    assert body["query"]["offset"] == 0
    assert [link["rel"] for link in body["links"]] == ["self"]
