"""Every error text whole in both languages (issue 14): FastAPI's own refusals said as
the API says its own, no pydantic or numpy text, and a swapped lon/lat named."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AUTH, assert_error, feature

CJK = re.compile(r"[\u4e00-\u9fff]")
# What pydantic and numpy put in messages; none may reach a user.
INTERNALS = (
    "Field required", "Input should", "unable to parse", "np.", "numpy", "pydantic",
    "errors.pydantic.dev", "Expecting property name", "JSON decode error", "Value error",
    "Expected UploadFile", "<class", "Expecting", "delimiter",
)  # fmt: skip
# Words of pydantic's and the JSON decoder's English messages.
PYDANTIC_WORDS = {
    "field",
    "required",
    "input",
    "should",
    "valid",
    "integer",
    "number",
    "parse",
    "string",
    "expected",
    "received",
    "expecting",
    "value",
    "error",
    "invalid",
    "type",
    "must",
}


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "code", "en", "zh"),
    [
        ("GET", "/v1/stations/nearest?lon=116.4", None, 422, "invalid_parameter",
         "parameter 'lat' is required", "参数 lat 为必填项"),
        ("GET", "/v1/stations/nearest?lon=abc&lat=39.9", None, 422, "invalid_parameter",
         "parameter 'lon' must be a number, such as 116.4", "参数 lon 须为数字，例如 116.4"),
        ("GET", "/v1/stations?limit=abc", None, 422, "invalid_parameter",
         "parameter 'limit': 'abc' is not an integer", "参数 limit：'abc' 不是整数"),
        ("GET", "/v1/stations/nearest?lon=116.4&lat=39.9&k=0", None, 422, "invalid_parameter",
         "k", "k"),
        ("POST", "/v1/stations", b"{bad", 400, "malformed_body",
         "the request body is not valid JSON", "请求体不是有效的 JSON"),
        ("POST", "/v1/imports", b"", 400, "malformed_body",
         "body member 'file' is required", "请求体字段 file 为必填项"),
    ],
)  # fmt: skip
def test_refusals_are_whole_in_both_languages(
    client: TestClient,
    method: str,
    url: str,
    body: bytes | None,
    status: int,
    code: str,
    en: str,
    zh: str,
) -> None:
    headers = AUTH | ({"content-type": "application/json"} if body else {})
    if url == "/v1/imports":
        headers = AUTH | {"content-type": "multipart/form-data; boundary=x"}
        body = b"--x--\r\n"
    error = assert_error(client.request(method, url, content=body, headers=headers), status, code)
    assert en in error["message"]
    assert zh in error["message_zh"]
    assert CJK.search(error["message_zh"])
    for text in (error["message"], error["message_zh"], str(error.get("details", ""))):
        for internal in INTERNALS:
            assert internal not in text, (internal, text)


@pytest.mark.parametrize("request_", ["nearest", "post"], ids=["GET nearest", "POST a station"])
def test_a_swapped_pair_is_named(client: TestClient, request_: str) -> None:
    if request_ == "nearest":
        response = client.get("/v1/stations/nearest", params={"lon": 39.9087, "lat": 116.3975})
    else:
        response = client.post("/v1/stations", json=feature(39.9087, 116.3975), headers=AUTH)
    error = assert_error(response, 422, "invalid_coordinate")
    assert error["message"].endswith(
        "did you swap longitude and latitude? (116.3975, 39.9087) is in "
        "Dongcheng District, Beijing City"
    )
    assert error["message_zh"].endswith(
        "是否把经度和纬度写反了？(116.3975, 39.9087) 位于北京市东城区"
    )
    assert error["details"][-1]["reason"] == "swapped"


def test_no_hint_where_swapping_does_not_help(client: TestClient) -> None:
    error = assert_error(
        client.get("/v1/stations/nearest", params={"lon": 200, "lat": 95}),
        422,
        "invalid_coordinate",
    )
    assert "swap" not in error["message"]
    assert "写反" not in error["message_zh"]


JSON = {"content-type": "application/json"}
BODY = ("body", "请求体")
CSV = {"file": ("a.csv", "驿站名称,经度,纬度\n甲,116.4,39.9\n".encode())}
# Malformed requests across the routes: (method, url, request arguments, the name the
# refusal must give). Each is refused by FastAPI/pydantic or by a parameter type of ours.
MALFORMED: list[tuple[str, str, dict[str, Any], str | tuple[str, str]]] = [
    ("GET", "/v1/stations/nearest?lon=inf&lat=39.9", {}, "inf"),
    ("GET", "/v1/stations/nearest?lon=116.4&lat=39.9&k=1.5", {}, "k"),
    ("GET", "/v1/stations/nearest?lon=116.4&lat=39.9&k=" + "9" * 30, {}, "k"),
    ("GET", "/v1/stations/nearest?lon=116.4&lat=39.9&max_distance_m=abc", {}, "max_distance_m"),
    ("GET", "/v1/stations?limit=1.5", {}, "limit"),
    ("GET", "/v1/stations/abc", {}, "station_id"),
    ("GET", "/v1/stations/along-route", {}, "route"),
    ("GET", "/v1/stations/along-route?route=116.4,39.9;116.5,39.9&width_m=abc", {}, "width_m"),
    ("POST", "/v1/stations/along-route", {"content": b"[1, 2]", "headers": JSON}, BODY),
    ("POST", "/v1/stations", {"content": b"null", "headers": JSON}, BODY),
    ("POST", "/v1/stations", {"content": b'{"a":', "headers": JSON}, "JSON"),
    ("PATCH", "/v1/stations/1", {"content": b"[]", "headers": JSON}, BODY),
    ("PUT", "/v1/stations/x", {"json": {}}, "station_id"),
    ("GET", "/v1/coverage/stats", {}, "city"),
    ("GET", "/v1/maps/coverage?city=beijing&offline=maybe", {}, "offline"),
    ("POST", "/v1/maps/coverage", {"data": {"city": "beijing"}}, "demand"),
    ("POST", "/v1/maps/coverage", {"data": {"city": "beijing", "demand": "d.csv"}}, "demand"),
    ("POST", "/v1/maps/coverage",
     {"data": {"city": "beijing"}, "files": {"demand": ("d.json", b"{bad")}}, "JSON"),
    ("GET", "/v1/audit?limit=abc", {}, "limit"),
    ("GET", "/page/data/nearest?lon=abc&lat=1", {}, "lon"),
    ("GET", "/page/data/along-route?route=1,2;3,4&width_m=x", {}, "width_m"),
    ("POST", "/v1/imports", {"data": {"file": "list.csv"}}, "file"),  # no @: text
    ("POST", "/v1/imports", {"data": {"wait": "maybe"}, "files": CSV}, "wait"),
    ("POST", "/v1/imports", {"data": {"columns": '{"name":'}, "files": CSV}, "JSON"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "named"), MALFORMED, ids=[f"{m} {u}" for m, u, _, _ in MALFORMED]
)
def test_malformed_requests_are_refused_whole_in_both_languages(
    client: TestClient, method: str, url: str, kwargs: dict[str, Any], named: str | tuple[str, str]
) -> None:
    named, named_zh = (named, named) if isinstance(named, str) else named
    kwargs = dict(kwargs)
    headers = AUTH | kwargs.pop("headers", {})
    response = client.request(method, url, headers=headers, **kwargs)
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert CJK.search(error["message_zh"]), error
    assert named in error["message"]
    assert named_zh in error["message_zh"]
    for text in (error["message"], error["message_zh"], str(error.get("details", ""))):
        for internal in INTERNALS:
            assert internal not in text, (internal, text)
    # No English sentence in the Chinese: what is left without names and values is Chinese.
    words = re.findall(r"[A-Za-z]{4,}", error["message_zh"].replace(named_zh, ""))
    assert not [w for w in words if w.casefold() in PYDANTIC_WORDS], error["message_zh"]


KASHGAR_SWAPPED = (39.47, 75.99)  # Kashgar (75.99, 39.47) written lat first: the Arctic Ocean
KASHGAR_EN = "did you swap longitude and latitude? (75.99, 39.47) is in Kashgar City"
KASHGAR_ZH = "是否把经度和纬度写反了？(75.99, 39.47) 位于新疆维吾尔自治区喀什地区喀什市"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_station_outside_china_that_would_be_in_it_swapped_is_refused(
    client: TestClient, method: str
) -> None:
    body = feature(*KASHGAR_SWAPPED)
    if method == "POST":
        response = client.post("/v1/stations", json=body, headers=AUTH)
    else:
        sid = client.post("/v1/stations", json=feature(), headers=AUTH).json()["id"]
        if method == "PATCH":
            body = {"geometry": body["geometry"]}
        response = client.request(method, f"/v1/stations/{sid}", json=body, headers=AUTH)
    error = assert_error(response, 422, "invalid_coordinate")
    assert error["message"] == (
        f"(39.47, 75.99) lies outside mainland China; {KASHGAR_EN}, "
        "Kashgar Prefecture, Xinjiang Uygur Autonomous Region"
    )
    assert error["message_zh"] == f"(39.47, 75.99) 位于中国大陆以外；{KASHGAR_ZH}"


def test_a_nearest_position_that_would_be_in_china_swapped_gets_a_hint(client: TestClient) -> None:
    lon, lat = KASHGAR_SWAPPED
    answer = client.get("/v1/stations/nearest", params={"lon": lon, "lat": lat}).json()
    assert answer["hint"]["code"] == "swapped_coordinates"
    assert answer["hint"]["message"].startswith(KASHGAR_EN)
    assert answer["hint"]["message_zh"] == KASHGAR_ZH
    plain = client.get("/v1/stations/nearest", params={"lon": 116.4, "lat": 39.9}).json()
    assert "hint" not in plain  # only when it helps
    abroad = client.get("/v1/stations/nearest", params={"lon": 2.35, "lat": 48.86}).json()
    assert "hint" not in abroad  # Paris swapped is nowhere in China


def test_a_gcj02_pair_swapped_is_named(client: TestClient) -> None:
    response = client.get(
        "/v1/stations/nearest", params={"lon": 39.9087, "lat": 116.3975, "crs": "高德"}
    )
    error = assert_error(response, 422, "invalid_coordinate")
    assert "是否把经度和纬度写反了？(116.3975, 39.9087) 位于北京市东城区" in error["message_zh"]
