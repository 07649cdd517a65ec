"""``hours_state`` and ``query.hours_at`` in the nearest and along-route answers, and in
the page's data: the domain's state (geo/hours_state.py) at the query's minute."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from geo.clock import ManualClock, use_clock
from geo.hours import SHANGHAI
from geo.hours_state import hours_state
from tests.conftest import AUTH, feature, post_station

HOURS = ["08:00-20:00", "24小时", "08:00-19:00", "20:30-23:00", None]
NOW = datetime(2026, 11, 23, 11, 35, 42, tzinfo=UTC)  # Monday 19:35:42 in Beijing
ROUTE = "116.3900,39.9087;116.4200,39.9087"


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    for i, hours in enumerate(HOURS):
        post_station(client, feature(116.40 + i / 1000, 39.9087, opening_hours=hours))
    return client


def expected(osm: str | None, when: datetime) -> dict[str, object] | None:
    state = hours_state(osm, when)
    return state.as_json() if state else None


@pytest.mark.parametrize(
    ("open_at", "hours_at"),
    [
        (None, "2026-11-23T19:35:00+08:00"),  # now, from the clock, seconds dropped
        ("2026-11-23T07:59:59", "2026-11-23T07:59:00+08:00"),
        ("2026-11-23T04:30:00Z", "2026-11-23T12:30:00+08:00"),
    ],
)
def test_nearest_and_along_route_say_each_stations_hours(
    seeded: TestClient, open_at: str | None, hours_at: str
) -> None:
    params = {"status": "any"} | ({"open_at": open_at} if open_at else {})
    when = datetime.fromisoformat(hours_at)
    with use_clock(ManualClock(NOW)):
        nearest = seeded.get(
            "/v1/stations/nearest", params={"lon": 116.40, "lat": 39.9087, "k": 5} | params
        )
        along = seeded.get(
            "/v1/stations/along-route", params={"route": ROUTE, "width_m": 100} | params
        )
    for response in (nearest, along):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["query"]["hours_at"] == hours_at
        assert body["features"]  # only those open at the minute
        for f in body["features"]:
            props = f["properties"]
            assert props["hours_state"] == expected(props["opening_hours_osm"], when)
            assert props["hours_state"]["open"] is props["open_at_time"] is True


def test_at_1935_the_states_read_as_a_rider_reads_them(seeded: TestClient) -> None:
    with use_clock(ManualClock(NOW)):
        body = seeded.get(
            "/v1/stations/nearest", params={"lon": 116.40, "lat": 39.9087, "k": 5}
        ).json()
    states = {
        f["properties"]["opening_hours"]: f["properties"]["hours_state"] for f in body["features"]
    }
    assert states == {
        "08:00-20:00": {
            "open": True,
            "always_open": False,
            "closes_at": "2026-11-23T20:00:00+08:00",
            "opens_at": None,
        },
        "24小时": {"open": True, "always_open": True, "closes_at": None, "opens_at": None},
    }


def test_open_at_any_asks_nothing_about_hours(seeded: TestClient) -> None:
    params = {"lon": 116.40, "lat": 39.9087, "k": 5, "open_at": "any"}
    body = seeded.get("/v1/stations/nearest", params=params).json()
    assert body["query"]["hours_at"] is None
    assert len(body["features"]) == len(HOURS)
    assert {f["properties"]["hours_state"] is None for f in body["features"]} == {True}


def test_the_page_data_gives_every_station_its_state_now(seeded: TestClient) -> None:
    when = NOW.astimezone(SHANGHAI)
    with use_clock(ManualClock(NOW)):
        shown = seeded.get("/page/data/nearest", params={"lon": 116.40, "lat": 39.9087}).json()
        every = seeded.get(
            "/page/data/nearest", params={"lon": 116.40, "lat": 39.9087, "closed": "true"}
        ).json()
        route = seeded.get(
            "/page/data/along-route", params={"route": ROUTE, "closed": "true"}
        ).json()
    assert (
        shown["hours_at"] == every["hours_at"] == route["hours_at"] == "2026-11-23T19:35:00+08:00"
    )
    assert [s["hours"] for s in shown["stations"]] == ["08:00-20:00", "24小时"]  # open now
    assert [s["hours"] for s in every["stations"]] == HOURS
    for answer in (shown, every, route):
        for s in answer["stations"]:
            props = seeded.get(f"/v1/stations/{s['id']}").json()["properties"]
            assert s["hours_state"] == expected(props["opening_hours_osm"], when)


def test_a_feature_from_an_answer_can_be_sent_back(seeded: TestClient) -> None:
    """hours_state is written, never read: a client may PUT a feature it got."""
    body = seeded.get("/v1/stations/nearest", params={"lon": 116.40, "lat": 39.9087}).json()
    sent = body["features"][0]
    response = seeded.put(f"/v1/stations/{sent['id']}", json=sent, headers=AUTH)
    assert response.status_code == 200, response.text
