"""Conditional GET on /v1 station answers and the export (issue 18), SQLite and PostGIS.

A station's answer is tagged by its bytes (``api.content_tags``): a courier's report, its
expiry on a controlled clock and an edit each change the tag; ``If-None-Match`` with the
current tag gets 304 and no body. The export is tagged by the store's version
(``api.conditional``): a write anywhere changes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from geo.clock import ManualClock
from tests.conftest import AUTH, feature, make_app, post_station

REPORTER = {"X-Forwarded-For": "203.0.113.9", "X-Device-Token": "courier-device-0009"}


@pytest.fixture
def api(db_url: str, clock: ManualClock) -> Iterator[TestClient]:
    app = make_app(db_url, trusted_proxies="10.0.0.0/8")
    with TestClient(app, client=("10.0.0.1", 5000)) as c:
        yield c


def tagged(api: TestClient, url: str, **params: str) -> str:
    """The tag of a 200 answer, checked to be a strong one asked for each time."""
    response = api.get(url, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-cache"
    tag = response.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', tag), tag
    return tag


def unchanged(api: TestClient, url: str, asked: str, **params: str) -> bool:
    """Whether the answer is still one the client names (``If-None-Match: asked``): 304
    without a body, tagged as one of them; else 200 tagged as none of them."""
    response = api.get(url, params=params, headers={"If-None-Match": asked})
    names = {t.strip().removeprefix("W/") for t in asked.split(",")}
    if response.status_code == 304:
        assert response.content == b""
        assert response.headers["etag"] in names
        return True
    assert response.status_code == 200, response.text
    assert response.headers["etag"] not in names
    return False


def test_a_station_answer_changes_its_tag_with_reports_expiry_and_edits(
    api: TestClient, clock: ManualClock
) -> None:
    sid = post_station(api, feature(116.4551, 39.9075, name="国贸驿站", opening_hours="24小时"))[
        "id"
    ]
    url = f"/v1/stations/{sid}"
    first = tagged(api, url)
    assert unchanged(api, url, first)
    assert unchanged(api, url, f'"other", W/{first}')  # one of several, weak or not
    assert not unchanged(api, url, '"other"')
    assert tagged(api, url, out_crs="gcj02") != first  # another representation
    head = api.head(url, headers={"If-None-Match": first})
    assert (head.status_code, head.headers["etag"]) == (304, first)

    sent = api.post(f"{url}/reports", json={"kind": "parking_full"}, headers=REPORTER)
    assert sent.status_code == 201, sent.text
    assert not unchanged(api, url, first)
    reported = tagged(api, url)
    assert reported != first
    assert unchanged(api, url, reported)

    clock.advance(3 * 3600)  # parking_full lives 2 hours: the flag is gone, no write made
    assert not unchanged(api, url, reported)
    assert tagged(api, url) == first  # the same bytes as before the report

    edited = api.patch(url, json={"properties": {"name": "国贸驿站（新）"}}, headers=AUTH)
    assert edited.status_code == 200, edited.text
    assert not unchanged(api, url, first)


def test_a_page_of_stations_is_tagged_and_an_error_is_not(api: TestClient) -> None:
    post_station(api, feature(116.40, 39.90, name="甲驿站"))
    page = tagged(api, "/v1/stations", limit="10")
    assert unchanged(api, "/v1/stations", page, limit="10")
    post_station(api, feature(116.41, 39.90, name="乙驿站"))
    assert not unchanged(api, "/v1/stations", page, limit="10")
    missing = api.get("/v1/stations/999999", headers={"If-None-Match": page})
    assert missing.status_code == 404
    assert "etag" not in missing.headers
    # Searches are not tagged: their answers hold the minute they were asked at.
    near = api.get("/v1/stations/nearest", params={"lon": 116.4, "lat": 39.9})
    assert near.status_code == 200
    assert "etag" not in near.headers


def test_the_export_is_tagged_by_the_stores_version(api: TestClient) -> None:
    post_station(api, feature(116.40, 39.90, name="甲驿站"))
    url = "/v1/stations/export"
    response = api.get(url, params={"format": "csv"})
    assert response.status_code == 200
    tag = response.headers["etag"]
    assert re.fullmatch(r'W/"r[0-9]+-csv"', tag), tag
    assert api.head(url, params={"format": "csv"}).headers["etag"] == tag
    again = api.get(url, params={"format": "csv"}, headers={"If-None-Match": tag})
    assert (again.status_code, again.content) == (304, b"")
    other = api.get(url, params={"format": "geojson"}, headers={"If-None-Match": tag})
    assert other.status_code == 200
    post_station(api, feature(116.41, 39.90, name="乙驿站"))
    after = api.get(url, params={"format": "csv"}, headers={"If-None-Match": tag})
    assert after.status_code == 200
    assert after.headers["etag"] != tag
    assert "乙驿站" in after.text
