"""Conditional GET on /ogc items and features (issue 18): the ETag is the store's
version with the representation, If-None-Match answers 304 until a write."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from fastapi.testclient import TestClient

from tests.conftest import AUTH, feature, post_station

ITEMS = "/ogc/collections/stations/items"


def test_items_revalidate_until_a_write(client: TestClient) -> None:
    made = post_station(client, feature(name="甲"))
    first = client.get(ITEMS)
    tag = first.headers["etag"]
    assert tag.startswith('W/"r')
    assert tag.endswith('-json"')
    assert first.headers["cache-control"] == "no-cache"
    assert client.get(ITEMS, headers={"If-None-Match": tag}).status_code == 304
    assert client.get(ITEMS, headers={"If-None-Match": tag.removeprefix("W/")}).status_code == 304
    page = client.get(ITEMS, params={"f": "html"})
    assert page.headers["etag"] != tag  # another representation
    assert client.get(ITEMS, headers={"If-None-Match": "*"}).status_code == 200
    client.patch(f"/v1/stations/{made['id']}", json={"properties": {"name": "乙"}}, headers=AUTH)
    after = client.get(ITEMS, headers={"If-None-Match": tag})
    assert after.status_code == 200
    assert after.json()["features"][0]["properties"]["name"] == "乙"


def test_a_feature_says_when_it_last_changed(client: TestClient) -> None:
    made = post_station(client, feature(name="丙"))
    one = client.get(f"{ITEMS}/{made['id']}")
    changed = parsedate_to_datetime(one.headers["last-modified"])
    assert changed.isoformat().replace("+00:00", "Z") == one.json()["properties"]["updated_at"]
    again = client.get(f"{ITEMS}/{made['id']}", headers={"If-None-Match": one.headers["etag"]})
    assert again.status_code == 304
    assert client.get(f"{ITEMS}/999999", headers={"If-None-Match": "*"}).status_code == 404
