"""The /ogc pages a browser gets: asked for by f=html or a browser's Accept, every
value escaped (a station name is text, never markup or script), links that keep the
format, and JSON for every client that does not ask for a page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import assert_error, feature, post_station
from tests.hostile import HTML_CLOSE_SCRIPT, HTML_IMG, HTML_SCRIPT

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ITEMS = "/ogc/collections/stations/items"
PAGES = ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/stations", ITEMS]


@pytest.mark.parametrize("url", PAGES)
def test_a_browser_gets_a_page_and_a_gis_client_json(client: TestClient, url: str) -> None:
    page = client.get(url, headers=BROWSER)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text
    assert "cdn" not in page.text.lower()
    assert client.get(url, params={"f": "html"}).headers["content-type"].startswith("text/html")
    for accept in ("application/json", "*/*", "application/geo+json"):
        answer = client.get(url, headers={"Accept": accept})
        assert "json" in answer.headers["content-type"], accept
    assert "json" in client.get(url, params={"f": "json"}, headers=BROWSER).headers["content-type"]


@pytest.mark.parametrize(
    "url", ["/ogc/api", "/ogc/collections/stations/schema", "/ogc/collections/stations/queryables"]
)
def test_json_only_documents_refuse_html(client: TestClient, url: str) -> None:
    error = assert_error(client.get(url, params={"f": "html"}), 400, "invalid_parameter")
    assert error["details"][0]["reason"] == "the only format is json"


def test_station_names_are_text_on_every_page(client: TestClient) -> None:
    made = [post_station(client, feature(106.55 + i / 1000, 29.56, name=name))
            for i, name in enumerate((HTML_SCRIPT, HTML_IMG, HTML_CLOSE_SCRIPT))]  # fmt: skip
    listing = client.get(ITEMS, params={"f": "html"}).text
    one = client.get(f"{ITEMS}/{made[2]['id']}", params={"f": "html"}).text
    for page in (listing, one):
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        # Only the page's own scripts: the JSON block and the two files.
        assert len(re.findall(r"<script\b", page)) == 3
        block = re.search(r'<script type="application/json" id="sf-features">(.*?)</script>', page)
        assert block is not None
        assert "<" not in block.group(1)
    assert "&lt;/script&gt;" in one


def test_pages_link_to_pages_and_keep_the_query(client: TestClient) -> None:
    for i in range(3):
        post_station(client, feature(106.55 + i / 1000, 29.56, name=f"站{i}"))
    page = client.get(ITEMS, params={"f": "html", "limit": "1", "sortby": "-name"}).text
    nxt = re.search(r'href="([^"]*offset=1[^"]*)"', page)
    assert nxt is not None
    href = nxt.group(1).replace("&amp;", "&")
    assert href.count("f=html") == 1
    assert "sortby=-name" in href
    second = client.get(href)
    assert second.status_code == 200
    assert "站1" in second.text
    assert (
        'href="http://testserver/ogc/collections/stations/items?f=json' in page or "f=json" in page
    )


@pytest.mark.parametrize("url", PAGES)
def test_answers_that_depend_on_accept_say_so(client: TestClient, url: str) -> None:
    # A shared cache must not hand a browser's page to GDAL, or GDAL's JSON to a browser.
    for answer in (client.get(url), client.get(url, headers=BROWSER)):
        assert "Accept" in {v.strip() for v in answer.headers["vary"].split(",")}
