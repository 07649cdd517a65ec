"""Real OGC clients against a live server: OWSLib, as a GIS user scripts it, and GDAL's
OAPIF driver as pyogrio ships it (GDAL 3.12 in pyogrio's wheels; Debian 12's 3.6 is
tested in test_ogc_gdal.py and does not push filters to the server).

The server holds the Chongqing demo stations (5,606); what each client copies must be
exactly the stations a plain-Python filter of the registry keeps, and the server's
access log must show the filter arriving as CQL2 (a client that fetched everything and
filtered itself would copy the same stations).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyogrio
import pytest
from owslib.ogcapi.features import Features

from geo.model import Station
from tests.servers import chongqing_registry, serve

SEED = 20261207


class Live:
    """The landing page URL, every station, and the server's log."""

    def __init__(self, base: str, stations: list[Station], log: Path) -> None:
        self.base, self.stations, self.log = base, stations, log

    def requests(self) -> list[str]:
        """The query strings of the item requests logged so far, decoded (the server
        logs a JSON line per request when its output is not a terminal)."""
        paths = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                fields = json.loads(line)
                if fields.get("method") == "GET":
                    paths.append(str(fields.get("path", "")))
        return [
            urllib.parse.unquote_plus(p.split("?", 1)[1])
            for p in paths
            if p.startswith("/ogc/collections/stations/items?")
        ]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("ogc_clients")
    url = f"sqlite:///{tmp}/registry.db"
    stations = chongqing_registry(url, SEED, by="test_ogc_clients")
    log = tmp / "server.log"
    with serve(url, log, "--access-log") as base:
        yield Live(f"{base}/ogc", stations, log)


def test_owslib_reads_conformance_queryables_and_filtered_items(live: Live) -> None:
    api = Features(live.base)
    conforms = api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter" in conforms
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in conforms
    queryables = api.collection_queryables("stations")
    assert {"district", "amenities", "geometry", "updated_at"} <= set(queryables["properties"])
    text = "district = '渝中区' AND A_CONTAINS(amenities, ('toilet')) AND ev_charging_piles >= 2"
    page = api.collection_items("stations", filter=text, limit=10_000, sortby=("name", "asc"))
    want = sorted(
        (s for s in live.stations if s.district == "渝中区" and "toilet" in s.amenities
         and (s.ev_charging_piles or 0) >= 2 and s.ev_charging_piles is not None),
        key=lambda s: (s.name, s.id),
    )  # fmt: skip
    assert want
    assert page["numberMatched"] == len(want)
    assert [f["id"] for f in page["features"]] == [s.id for s in want]
    assert any(text in q for q in live.requests())


def test_gdal_pushes_the_where_to_the_server_as_cql2(live: Live) -> None:
    where = "district = '渝中区' AND ev_charging_piles > 2 AND name LIKE '%驿站%'"
    frame = pyogrio.read_dataframe(f"OAPIF:{live.base}", layer="stations", where=where)
    want = {
        s.id
        for s in live.stations
        if s.district == "渝中区" and (s.ev_charging_piles or 0) > 2 and "驿站" in s.name
    }
    assert want
    assert set(frame["id"]) == want
    assert len(frame) == len(want)
    sent = [q for q in live.requests() if "filter=" in q and "渝中区" in q]
    assert sent, "GDAL filtered on its side: the server never saw the filter"
    assert "filter-lang=cql-text" in sent[-1]
    assert "ev_charging_piles > 2" in sent[-1]
