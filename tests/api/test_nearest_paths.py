"""GET /v1/stations/nearest answers the same whichever way the API runs it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode

import orjson
import pytest
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import QueryParams

from api.fast_query import PlainQueryRoute, PlainReader
from api.routes import stations
from geo.datums import parse_datum
from geo.geojson import nearest_collection
from geo.registry import NearestResult, Registry
from geo.search import NearestQuery, build_nearest_query
from tests.conftest import feature, make_app, post_station

NEAREST = "/v1/stations/nearest?lon=116.40&lat=39.90&k=3&open_at=any"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(make_app("sqlite://")) as c:
        for i in range(5):
            post_station(c, feature(116.4 + i / 100, 39.9, name=f"站{i}"))
        yield c


def test_a_search_while_a_writer_holds_the_index_waits_in_a_thread(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the search runs on the event loop unless a writer holds the index; then
    it waits for it in a worker thread (Registry.nearest), and answers the same."""
    registry: Registry = client.app.state.registry  # type: ignore[attr-defined]
    threaded: list[str] = []
    blocking_nearest = registry.nearest

    release = threading.Event()

    def spy(query: NearestQuery) -> NearestResult:
        threaded.append(threading.current_thread().name)
        release.set()  # the writer lets go only once the search is waiting in its thread
        return blocking_nearest(query)

    monkeypatch.setattr(registry, "nearest", spy)
    before = client.get(NEAREST)
    assert threaded == []  # free: answered on the event loop
    held = threading.Event()

    def writer() -> None:
        with registry._lock:  # as an import's commit holds it
            held.set()
            release.wait(60)  # a bound only for a search that never reached the thread

    release.clear()
    thread = threading.Thread(target=writer)
    thread.start()
    assert held.wait(60)
    during = client.get(NEAREST)
    thread.join()
    assert len(threaded) == 1  # busy: waited in a worker thread
    assert during.status_code == before.status_code == 200
    assert during.content == before.content


# Query strings as clients write them, right and wrong: each value is read by the fast
# path only if pydantic reads it the same way; the answers must be byte for byte equal.
LON = ["116.40", "116.4", "116", "-0", "1e2", " 116.4", "116.4 ", "abc", "", "116,4",
       "+116.4", "0116.4", "200", "116.400000000000000000001", "inf", "nan", "１１６"]  # fmt: skip
LAT = ["39.90", "39.9", "40", "39.9e0", "-91", "39.90000000000000000000000001", ""]
K = ["5", "1", "100", "0", "101", "05", "-1", "5.0", "", "x", "99999999999999999999"]
CRS = ["wgs84", "gcj02", "bd09", "WGS84", "", "foo"]
AMENITIES = ["ev_charging", "toilet,drinking_water", "drinking_water", "", "nope"]
DISTANCE = ["1000", "0", "-5", "1e9", "20003932", "abc", "5000.5", "2000.25"]
OPEN_AT = ["any", "2026-11-25T12:30", "2026-11-25T03:30:00Z", "2026-11-25", "garbage"]
STATUS = ["open", "any", "closed,open", "x", ""]
OUT_CRS = ["gcj02", "bd09", "wgs84", "x"]


@st.composite
def query_strings(draw: st.DrawFn) -> str:
    pairs = [("lon", draw(st.sampled_from(LON))), ("lat", draw(st.sampled_from(LAT)))]
    pairs.append(("open_at", draw(st.sampled_from(OPEN_AT))))  # never "now": answers must match
    optional = {"crs": CRS, "k": K, "max_distance_m": DISTANCE, "status": STATUS,
                "out_crs": OUT_CRS}  # fmt: skip
    for name, choices in optional.items():
        if draw(st.booleans()):
            pairs.append((name, draw(st.sampled_from(choices))))
    pairs += [("amenities", a) for a in draw(st.lists(st.sampled_from(AMENITIES), max_size=3))]
    if draw(st.integers(0, 4)) == 0:  # a parameter given twice
        pairs.append(draw(st.sampled_from(pairs)))
    if draw(st.booleans()):
        pairs.append(("unknown", "1"))
    if draw(st.integers(0, 9)) == 0:  # a required one missing
        pairs.pop(draw(st.integers(0, 1)))
    return urlencode(draw(st.permutations(pairs)))


def test_plain_queries_take_the_fast_path() -> None:
    (route,) = [r for r in stations.router.routes if isinstance(r, PlainQueryRoute)]
    read = PlainReader(route)
    assert read(QueryParams("lon=116.4&lat=39.9&k=3&amenities=toilet&amenities=wifi")) == {
        "lon": 116.4, "lat": 39.9, "crs": "wgs84", "k": 3, "amenities": ["toilet", "wifi"],
        "max_distance_m": None, "open_at": None, "status": None, "out_crs": "wgs84",
        "include_unknown": False, "exclude_reported": None,
    }  # fmt: skip
    assert read(QueryParams("lon=1&lat=2&include_unknown=true"))["include_unknown"] is True
    reported = read(QueryParams("lon=1&lat=2&exclude_reported=parking_full,closed_now"))
    assert reported is not None
    assert reported["exclude_reported"] == "parking_full,closed_now"
    for slow in ("lat=39.9", "lon=1e2&lat=39.9", "lon=116.4&lat=39.9&k=5&k=6", "lon=+1&lat=2"):
        assert read(QueryParams(slow)) is None


@settings(
    max_examples=300, derandomize=True, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip
@given(query=query_strings())
def test_fast_path_answers_byte_for_byte_as_fastapi(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    fast = client.get(f"/v1/stations/nearest?{query}")
    with monkeypatch.context() as m:
        m.setattr(PlainQueryRoute, "fast", False)
        validated = client.get(f"/v1/stations/nearest?{query}")
    assert (fast.status_code, fast.content) == (validated.status_code, validated.content)


@pytest.mark.parametrize(
    "query",
    [
        "lon=116.41&lat=39.9&k=3&open_at=any",
        "lon=116.417&lat=39.9012&crs=gcj02&k=5&open_at=2026-11-25T12:30&out_crs=bd09",
        "lon=116.41&lat=39.9&max_distance_m=1500&status=any&open_at=any&out_crs=gcj02",
    ],
)
def test_the_body_is_what_json_dumps_wrote(client: TestClient, query: str) -> None:
    """orjson writes the nearest answer; the bytes are json.dumps's (JSONResponse's) for
    every document whose floats are all 0 or at least 1e-4 in size."""
    response = client.get(f"/v1/stations/nearest?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    params = dict(parse_qsl(query))
    registry: Registry = client.app.state.registry  # type: ignore[attr-defined]
    nearest_query = build_nearest_query(
        lon=float(params["lon"]), lat=float(params["lat"]), crs=params.get("crs", "wgs84"),
        k=int(params.get("k", "5")), open_at=params["open_at"], status=params.get("status"),
        max_distance_m=float(params["max_distance_m"]) if "max_distance_m" in params else None,
    )  # fmt: skip
    doc = nearest_collection(
        registry.nearest(nearest_query),
        datum=parse_datum(params.get("out_crs", "wgs84")),
        live=registry.live,
    )
    assert response.content == JSONResponse(doc).body


def test_tiny_floats_are_the_same_numbers_spelled_otherwise() -> None:
    doc = {"max_distance_m": 1e-05, "lon": 1.5e-07, "lat": 39.9, "k": 5}
    assert json.loads(orjson.dumps(doc)) == doc
    assert orjson.dumps(doc) == b'{"max_distance_m":0.00001,"lon":1.5e-7,"lat":39.9,"k":5}'
