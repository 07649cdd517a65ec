"""Input that used to answer 500, or to be stored as it came, is a 4xx with a stable code
(issue 22, defects 11 and 15), on SQLite and on PostGIS.

- lone surrogates (JSON ``"\\ud800"``, its UTF-8-style bytes, percent-encoded
  ``%ED%A0%80``) in bodies, query strings and paths;
- audit filters no database can hold (ids of 2^63, 2^64, -2^63-1; NUL in ``actor``);
- station text that shows nothing (zero-width characters only) or displays in another
  order than it is stored (bidirectional controls), through the API and the importer;
- integers not written as integers (``/v1/stations/1.0`` was station 1).

One app per backend for the whole module (``api``), with station 1 stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.errors import error_response
from geo.model import TEXT_FIELDS
from tests.conftest import AUTH, assert_error, feature, make_app
from tests.geo.imports.fixtures import csv_text
from tests.postgres import BACKENDS, store_urls

ONE = "/v1/stations/1"
NEAREST = "/v1/stations/nearest?lon=116.4&lat=39.9&open_at=any"
JSON = AUTH | {"Content-Type": "application/json"}
POINT = '{"type": "Point", "coordinates": [116.4, 39.9]}'


@pytest.fixture(scope="module", params=BACKENDS)
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """An app on a fresh store of each backend, station 1 in it; 500s come back as answers."""
    with store_urls(request.param, tmp_path_factory.mktemp("hostile")) as url:
        app = make_app(url("hostile"))
        with TestClient(app, raise_server_exceptions=False) as client:
            created = client.post("/v1/stations", json=feature(external_id="one"), headers=AUTH)
            assert created.status_code == 201, created.text
            assert created.json()["id"] == 1
            yield client


def body(properties: str, *, extra: str = "") -> str:
    """A Feature as JSON text, its properties written as raw JSON (escapes kept)."""
    return f'{{"type": "Feature", "geometry": {POINT}, "properties": {properties}{extra}}}'


def station_one(api: TestClient) -> dict[str, Any]:
    response = api.get(ONE)
    assert response.status_code == 200, response.text
    properties: dict[str, Any] = response.json()["properties"]
    return properties


# -- lone surrogates in JSON bodies ------------------------------------------------------

ROUTE = '{"type": "LineString", "coordinates": [[116.4, 39.9], [116.41, 39.9]]'
SURROGATE_BODIES = [
    # (method, url, body as sent, where the error says the surrogate is)
    ("POST", "/v1/stations", body('{"name": "驿站\\ud800"}'), "properties.name"),
    ("POST", "/v1/stations", body('{"name": "x", "\\ud800": 1}'), "properties.\\ud800"),
    ("POST", "/v1/stations", body('{"name": "x"}', extra=', "crs": "\\ud800"'), "crs"),
    ("POST", "/v1/stations", body('{"name": "x", "address": "\\uDC00"}'), "properties.address"),
    # a pair in the wrong order is two lone surrogates
    ("POST", "/v1/stations", body('{"name": "\\udc00\\ud800"}'), "properties.name"),
    ("POST", "/v1/stations", body('{"name": "x", "amenities": ["\\ud800"]}'), "amenities[0]"),
    ("PUT", ONE, body('{"name": "\\ud800"}'), "properties.name"),
    ("PATCH", ONE, '{"properties": {"host": "\\ud800"}}', "properties.host"),
    ("POST", "/v1/stations/along-route", ROUTE + ', "crs": "\\ud800"}', "crs"),
]


@pytest.mark.parametrize(("method", "url", "sent", "where"), SURROGATE_BODIES)
def test_a_lone_surrogate_in_a_json_body_is_a_400(
    api: TestClient, method: str, url: str, sent: str, where: str
) -> None:
    before = station_one(api)
    error = assert_error(
        api.request(method, url, content=sent, headers=JSON), 400, "malformed_body"
    )
    assert where in error["message"], error
    assert where in error["message_zh"], error
    assert "lone surrogate" in error["message"]
    assert "代理项" in error["message_zh"]
    assert station_one(api) == before
    assert api.get("/v1/stations").json()["numberMatched"] == 1


@pytest.mark.parametrize(
    ("label", "raw"),
    [
        # json.loads reads UTF-8-style surrogate bytes with "surrogatepass"
        ("utf8-bytes", body('{"name": "驿站"}').encode().replace("驿站".encode(), b"\xed\xa0\x80")),
        # JSON in UTF-16 (json.loads detects it): the escape inside is still a surrogate
        ("utf16", body('{"name": "\\ud800"}').encode("utf-16-le")),
    ],
)
def test_surrogates_however_the_body_is_encoded(api: TestClient, label: str, raw: bytes) -> None:
    response = api.post("/v1/stations", content=raw, headers=JSON)
    assert_error(response, 400, "malformed_body")


def test_paired_surrogates_and_escaped_backslashes_are_text(api: TestClient) -> None:
    """An emoji written as a surrogate pair is one character; ``\\\\ud800`` is six."""
    sent = body('{"name": "驿站\\ud83d\\ude00", "address": "路\\\\ud800"}')
    response = api.post("/v1/stations", content=sent, headers=JSON)
    assert response.status_code == 201, response.text
    properties = response.json()["properties"]
    assert properties["name"] == "驿站\U0001f600"
    assert properties["address"] == "路\\ud800"
    assert api.delete(f"/v1/stations/{properties['id']}", headers=AUTH).status_code == 204


# -- text that is not UTF-8 in URLs --------------------------------------------------------

BAD_URLS = [
    NEAREST + "&crs=%ED%A0%80",  # a UTF-8-encoded lone surrogate
    NEAREST + "&amenities=%FF",  # not UTF-8 at all
    NEAREST + "&status=%E9%A9",  # a sequence cut short
    "/v1/stations?bbox=%ED%B0%80",
    "/v1/stations/%ED%A0%80",
    "/v1/coverage/stats?city=%ED%A0%80",
    "/v1/audit?actor=%ED%A0%80",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_url_that_is_not_utf8_is_a_400(api: TestClient, url: str) -> None:
    error = assert_error(api.get(url, headers=AUTH), 400, "invalid_encoding")
    assert "UTF-8" in error["message"]
    assert "UTF-8" in error["message_zh"]


def test_utf8_text_in_urls_still_reads(api: TestClient) -> None:
    response = api.get("/v1/audit?actor=cli%3A%E5%BC%A0%E4%B8%89", headers=AUTH)  # cli:张三
    assert response.status_code == 200, response.text
    assert "actor=cli%3A%E5%BC%A0%E4%B8%89" in response.json()["links"][0]["href"]


# -- audit filters -----------------------------------------------------------------------

INT64_MAX = 2**63 - 1


@pytest.mark.parametrize("name", ["station_id", "before_seq"])
@pytest.mark.parametrize("value", [2**63, 2**64, -(2**63) - 1, -1, 0, 10**30])
def test_audit_ids_outside_64_bits_are_a_422(api: TestClient, name: str, value: int) -> None:
    response = api.get("/v1/audit", params={name: str(value)}, headers=AUTH)
    error = assert_error(response, 422, "invalid_parameter")
    assert str(value) in error["message"]
    assert str(value) in error["message_zh"]
    assert str(INT64_MAX) in error["message"]


def test_the_largest_64_bit_id_is_a_filter_like_any_other(api: TestClient) -> None:
    for name in ("station_id", "before_seq"):
        response = api.get("/v1/audit", params={name: str(INT64_MAX)}, headers=AUTH)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("actor", ["key:1\x00", "\x00", "cli:\x1b[31malice"])
def test_audit_actor_with_a_control_character_is_a_422(api: TestClient, actor: str) -> None:
    response = api.get("/v1/audit", params={"actor": actor}, headers=AUTH)
    error = assert_error(response, 422, "invalid_parameter")
    assert "actor" in error["message"]
    assert "控制字符" in error["message_zh"]


def test_every_bad_audit_filter_is_named_at_once(api: TestClient) -> None:
    params = {"station_id": str(2**64), "before_seq": "-1", "actor": "a\x00"}
    error = assert_error(
        api.get("/v1/audit", params=params, headers=AUTH), 422, "invalid_parameter"
    )
    for name in params:
        assert name in error["message"]
        assert name in error["message_zh"]


# -- integers written as integers ----------------------------------------------------------

NOT_INTEGERS = ["1.0", "+1", "1e0", " 1", "1 ", "1_0", "１", "0x1"]


@pytest.mark.parametrize("text", NOT_INTEGERS)
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_a_station_id_not_written_as_an_integer_is_a_422(
    api: TestClient, method: str, text: str
) -> None:
    before = station_one(api)
    sent = {"GET": None, "DELETE": None, "PUT": feature(name="改"), "PATCH": {"properties": {}}}
    url = "/v1/stations/" + text.replace(" ", "%20")
    response = api.request(method, url, json=sent[method], headers=AUTH)
    error = assert_error(response, 422, "invalid_parameter")
    assert "station_id" in error["message"], error
    assert "整数" in error["message_zh"], error
    assert station_one(api) == before


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (NEAREST + "&k=1.0", "k"),
        (NEAREST + "&k=%2B5", "k"),
        ("/v1/stations?limit=10.0", "limit"),
        ("/v1/stations?offset=0.0", "offset"),
        ("/v1/audit?limit=1.0", "limit"),
        ("/v1/audit?station_id=1.0", "station_id"),
        ("/v1/audit?before_seq=2.0", "before_seq"),
        ("/v1/stations/along-route?route=116.3,39.9;116.4,39.9&limit=3.0", "limit"),
        ("/page/data/nearest?lon=116.4&lat=39.9&k=2.0", "k"),
        ("/page/data/along-route?route=116.3,39.9;116.4,39.9&limit=1e1", "limit"),
    ],
)
def test_integer_query_parameters_refuse_other_spellings(
    api: TestClient, url: str, parameter: str
) -> None:
    error = assert_error(api.get(url, headers=AUTH), 422, "invalid_parameter")
    assert parameter in error["message"]
    assert parameter in error["message_zh"]


def test_leading_zeros_are_still_an_integer(api: TestClient) -> None:
    assert api.get("/v1/stations/01").json()["properties"]["id"] == 1


# -- station text that hides or reorders itself --------------------------------------------

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u3164", "\u180e"]
BIDI = [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("".join(ZERO_WIDTH), id="zero-width-only"),
        pytest.param(" \u200b\u3000\u200b ", id="zero-width-and-spaces"),
        *(pytest.param(f"驿站{c}gnp.exe", id=f"bidi-U+{ord(c):04X}") for c in BIDI),
    ],
)
def test_invisible_or_reordering_text_is_refused_in_every_field(
    api: TestClient, field: str, text: str
) -> None:
    properties = {"name": "驿站"} | {field: text}
    response = api.post("/v1/stations", json=feature(**properties), headers=AUTH)
    error = assert_error(response, 422, "invalid_station")
    assert field in error["message"], error
    assert field in error["message_zh"], error
    assert ("visible" in error["message"]) != ("bidirectional" in error["message"]), error
    patched = api.patch(ONE, json={"properties": {field: text}}, headers=AUTH)
    assert_error(patched, 422, "invalid_station")
    assert api.get("/v1/stations").json()["numberMatched"] == 1


def test_zero_width_characters_inside_visible_text_are_kept(api: TestClient) -> None:
    """A zero-width joiner between visible characters (emoji sequences, some scripts)."""
    response = api.patch(ONE, json={"properties": {"host": "驿\u200b站\u200d"}}, headers=AUTH)
    assert response.status_code == 200, response.text
    assert station_one(api)["host"] == "驿\u200b站\u200d"
    assert api.patch(ONE, json={"properties": {"host": None}}, headers=AUTH).status_code == 200


def test_the_importer_reports_such_rows_and_keeps_the_others(api: TestClient) -> None:
    """Imports validate rows with the same model: each bad row is reported by number."""
    rows = [
        ["驿站名称", "经度", "纬度", "详细地址"],
        ["好驿站", "116.41", "39.91", "东城区"],  # CSV line 2
        ["\u200b\u200b", "116.42", "39.92", "东城区"],  # line 3: nothing visible
        ["坏驿站", "116.43", "39.93", "东城区\u202e路"],  # line 4: a bidi override
    ]
    files = {"file": ("list.csv", csv_text(rows).encode())}
    response = api.post("/v1/imports", files=files, data={"crs": "wgs84"}, headers=AUTH)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["rejected"]) == (1, 2), report
    issues = {i["row"]: i for i in report["issues"]}
    assert issues[3]["code"] == issues[4]["code"] == "invalid_station"
    assert "visible" in issues[3]["message"]
    assert "可见字符" in issues[3]["message_zh"]
    assert "U+202E" in issues[4]["message"]
    assert "双向" in issues[4]["message_zh"]
    created = [f for f in api.get("/v1/stations").json()["features"] if f["id"] != 1]
    assert [f["properties"]["name"] for f in created] == ["好驿站"]
    assert api.delete(f"/v1/stations/{created[0]['id']}", headers=AUTH).status_code == 204


def test_an_error_naming_a_surrogate_is_still_utf8_json() -> None:
    """Whatever reaches an error message (a surrogate the edge checks did not see, say in
    a form field), the error is written: before, encoding it raised and answered 500."""
    response = error_response(
        422,
        "invalid_parameter",
        "bad '\ud800'",
        "无效 '\udfff'",
        [{"value": "\ud800", "\udc00": ["\ud800"]}],
    )
    error = json.loads(response.body)["error"]
    assert error["message"] == "bad '\\ud800'"
    assert error["message_zh"] == "无效 '\\udfff'"
    assert error["details"] == [{"value": "\\ud800", "\\udc00": ["\\ud800"]}]
