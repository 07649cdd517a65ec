"""The hostile corpus (tests/hostile.py) through every text field into every output.

Each storable hostile string goes into a station's name, address, host, district and
phone, and a variant of it into its external id, through the API. Every output then
gives it back as data: the JSON answers (one station, the listing, nearest, along a
route, OGC API items) byte for byte; the CSV and XLSX exports with formulas neutralised
(no cell a spreadsheet would evaluate) and the GeoJSON and GeoPackage exports as they
are; and every export imports back into a fresh registry unchanged. The pages and maps
have their own tests (tests/maps, tests/api/test_maps_hostile.py, test_page_html.py),
and so has the command line (tests/cli).

The strings a station may not hold (NUL and other control characters, lone surrogates,
bidi overrides, zero-width-only names, 100k characters) must be refused with a 422 that
names the field, never stored and never a 5xx.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pyogrio
import pytest
from fastapi.testclient import TestClient

from tests.conftest import AUTH, feature, make_app
from tests.hostile import HOSTILE, STORABLE

# Not district: it is derived from the position (a label is checked, tests/geo/test_places.py).
TEXT_FIELDS = ("name", "address", "host", "phone")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def hostile_station(index: int, text: str) -> dict[str, Any]:
    """A station at its own spot whose every text field is ``text``."""
    props = {field: text[:100] if field == "phone" else text for field in TEXT_FIELDS}
    return feature(116.39 + index * 1e-3, 39.90, external_id=f"{text}#{index}", **props)


@pytest.fixture
def seeded(client: TestClient) -> tuple[TestClient, dict[int, dict[str, Any]]]:
    """One hostile station for each storable string; id -> the properties sent."""
    sent: dict[int, dict[str, Any]] = {}
    for i, text in enumerate(STORABLE.values()):
        body = hostile_station(i, text)
        response = client.post("/v1/stations", json=body, headers=AUTH)
        assert response.status_code == 201, response.text
        sent[response.json()["id"]] = body["properties"]
    return client, sent


def same_text(got: dict[str, Any], sent: dict[str, Any]) -> None:
    for field in (*TEXT_FIELDS, "external_id"):
        assert got[field] == sent[field], field


# -- JSON --------------------------------------------------------------------------------


def test_json_answers_give_the_text_back(seeded: tuple[TestClient, dict[int, Any]]) -> None:
    client, sent = seeded
    for station_id, props in sent.items():
        same_text(client.get(f"/v1/stations/{station_id}").json()["properties"], props)
        ogc = client.get(f"/ogc/collections/stations/items/{station_id}")
        assert ogc.status_code == 200, ogc.text
        same_text(ogc.json()["properties"], props)
    listing = client.get("/v1/stations", params={"limit": 1000}).json()["features"]
    nearest = client.get(
        "/v1/stations/nearest",
        params={"lon": 116.39, "lat": 39.90, "k": 100, "open_at": "any"},
    ).json()["features"]
    route = {"type": "LineString", "coordinates": [[116.38, 39.90], [116.42, 39.90]]}
    along = client.post("/v1/stations/along-route", params={"open_at": "any"}, json=route).json()[
        "features"
    ]
    for features in (listing, nearest, along):
        assert {f["id"] for f in features} == set(sent)
        for f in features:
            same_text(f["properties"], sent[f["id"]])


# -- exports -----------------------------------------------------------------------------


def export(client: TestClient, fmt: str) -> bytes:
    response = client.get("/v1/stations/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response.content


def cells(client: TestClient, fmt: str) -> Iterator[str]:
    """Every text cell of a CSV or XLSX export."""
    data = export(client, fmt)
    if fmt == "csv":
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
            yield from row
        return
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            yield from (c for c in row if isinstance(c, str))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_spreadsheets_have_no_formula(seeded: tuple[TestClient, dict[int, Any]], fmt: str) -> None:
    client, _ = seeded
    texts = list(cells(client, fmt))
    assert any("cmd|" in t for t in texts)  # the formula text is there ...
    assert not [t for t in texts if t.startswith(FORMULA_START)]  # ... never as a formula


def test_geojson_export_keeps_the_text(seeded: tuple[TestClient, dict[int, Any]]) -> None:
    client, sent = seeded
    doc = json.loads(export(client, "geojson"))
    for f in doc["features"]:
        same_text(f["properties"], sent[f["properties"]["id"]])


def test_geopackage_export_keeps_the_text(
    seeded: tuple[TestClient, dict[int, Any]], tmp_path: Path
) -> None:
    client, sent = seeded
    path = tmp_path / "stations.gpkg"
    path.write_bytes(export(client, "gpkg"))
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == len(sent)
    for record in frame.to_dict("records"):
        same_text(record, sent[int(record["id"])])


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "gpkg"])
def test_every_export_imports_back_unchanged(
    seeded: tuple[TestClient, dict[int, Any]], fmt: str, tmp_path: Path
) -> None:
    client, sent = seeded
    data = export(client, fmt)
    with TestClient(make_app(f"sqlite:///{tmp_path}/copy.db")) as copy:
        files = {"file": (f"stations.{fmt}", data)}
        report = copy.post("/v1/imports", files=files, data={"crs": "wgs84"}, headers=AUTH)
        assert report.status_code == 200, report.text
        assert (report.json()["created"], report.json()["rejected"]) == (len(sent), 0)
        imported = copy.get("/v1/stations", params={"limit": 1000}).json()["features"]
        by_external = {f["properties"]["external_id"]: f["properties"] for f in imported}
        for props in sent.values():
            same_text(by_external[props["external_id"]], props)
        # And importing the same export again changes nothing.
        again = copy.post("/v1/imports", files=files, data={"crs": "wgs84"}, headers=AUTH)
        assert again.json()["unchanged"] == len(sent)


# -- what a station may not hold ---------------------------------------------------------

REFUSED = sorted(set(HOSTILE) - set(STORABLE))


@pytest.mark.parametrize("name", REFUSED)
@pytest.mark.parametrize("field", ["name", "address"])
def test_unstorable_text_is_refused_by_field(client: TestClient, name: str, field: str) -> None:
    text = HOSTILE[name]
    body = json.dumps(feature(**{field: text}), ensure_ascii=True)  # a lone surrogate as \ud800
    response = client.post(
        "/v1/stations", content=body, headers=AUTH | {"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422), response.text
    error = response.json()["error"]
    assert error["message"]
    assert error["message_zh"]
    assert client.get("/v1/stations").json()["numberMatched"] == 0
