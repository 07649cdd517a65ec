"""Every refusal of /v1/stations/along-route, word for word: status, code and whole
messages in English and Chinese, numbers as people write them (never ``np.float64(...)``
or another library's words)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.polyline import encode_polyline
from tests.conftest import assert_error, make_app

URL = "/v1/stations/along-route"
LINE = "116.40,39.90;116.41,39.90"
BEIJING = ([116.40, 116.41], [39.90, 39.91])


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("route_errors") / "t.db"
    with TestClient(make_app(f"sqlite:///{db}")) as c:
        yield c


def check(response: Any, status: int, code: str, message: str, message_zh: str) -> None:
    error = assert_error(response, status, code)
    assert error["message"] == message
    assert error["message_zh"] == message_zh
    for text in (error["message"], error["message_zh"], str(error.get("details", ""))):
        assert "np." not in text
        assert "float64" not in text


GET_CASES = [
    (  # NaN parses as a float, and is no position
        {"route": "116.4,39.9;nan,39.9"},
        "invalid_route",
        "invalid route: vertex 2 (nan, 39.9): longitude is not a finite number",
        "路线无效：第 2 个点 (nan, 39.9)：经度不是有限数值",
    ),
    (
        {"route": "116.4,39.9;116.4,inf"},
        "invalid_route",
        "invalid route: vertex 2 (116.4, inf): latitude is not a finite number",
        "路线无效：第 2 个点 (116.4, inf)：纬度不是有限数值",
    ),
    (  # out of range; both bad vertices named
        {"route": "116.4,39.9;200,39.9;116.5,-91"},
        "invalid_route",
        "invalid route: vertex 2 (200.0, 39.9): longitude is outside [-180, 180]; "
        "vertex 3 (116.5, -91.0): latitude is outside [-90, 90]",
        "路线无效：第 2 个点 (200.0, 39.9)：经度超出范围 [-180, 180]；"
        "第 3 个点 (116.5, -91.0)：纬度超出范围 [-90, 90]",
    ),
    (  # lat,lon order: what was probably meant is said
        {"route": "39.90,116.40;39.91,116.41"},
        "invalid_route",
        "invalid route: vertex 1 (39.9, 116.4): latitude is outside [-90, 90] (longitude "
        "and latitude swapped?); vertex 2 (39.91, 116.41): latitude is outside [-90, 90] "
        "(longitude and latitude swapped?)",
        "路线无效：第 1 个点 (39.9, 116.4)：纬度超出范围 [-90, 90]（经纬度是否写反了？）；"
        "第 2 个点 (39.91, 116.41)：纬度超出范围 [-90, 90]（经纬度是否写反了？）",
    ),
    (
        {"route": "1e308,1e308;116.5,39.9"},
        "invalid_route",
        "invalid route: vertex 1 (1e+308, 1e+308): longitude is outside [-180, 180] and "
        "latitude is outside [-90, 90]",
        "路线无效：第 1 个点 (1e+308, 1e+308)：经度超出范围 [-180, 180]，纬度超出范围 [-90, 90]",
    ),
    (  # GCJ-02 exists only in mainland China
        {"route": "0,0;0.1,0.1", "crs": "gcj02"},
        "invalid_route",
        "invalid route: vertex 1 (0.0, 0.0) lies outside mainland China, where GCJ-02 is "
        "not defined; vertex 2 (0.1, 0.1) lies outside mainland China, where GCJ-02 is not "
        "defined",
        "路线无效：第 1 个点 (0.0, 0.0) 位于中国大陆以外，GCJ-02 在此无定义；"
        "第 2 个点 (0.1, 0.1) 位于中国大陆以外，GCJ-02 在此无定义",
    ),
    (  # a WGS84 route nowhere near a station: a mistake, not an empty answer
        {"route": "0,0;0.1,0.1"},
        "invalid_route",
        "the route lies far from mainland China, where the stations are: its first vertex "
        "is (0.0, 0.0)",
        "路线远离中国大陆（驿站都在中国大陆）：第 1 个点为 (0.0, 0.0)",
    ),
    (  # a polyline that decodes to nonsense: Google's Californian example
        {"route": "_p~iF~ps|U_ulLnnqC_mqNvxq`@", "route_format": "polyline"},
        "invalid_route",
        "the route lies far from mainland China, where the stations are: its first vertex "
        "is (-120.2, 38.5)",
        "路线远离中国大陆（驿站都在中国大陆）：第 1 个点为 (-120.2, 38.5)",
    ),
    (  # precision 5 read as precision 6: ten times too small, off Africa
        {"route": encode_polyline(*BEIJING, 5), "route_format": "polyline6"},
        "invalid_route",
        "the route lies far from mainland China, where the stations are: its first vertex "
        "is (11.64, 3.99); decoded at precision 5 it lies in China: route_format=polyline?",
        "路线远离中国大陆（驿站都在中国大陆）：第 1 个点为 (11.64, 3.99)；"
        "按精度 5 解码则位于中国境内：是否应为 route_format=polyline？",
    ),
    (  # precision 6 read as precision 5: ten times too large
        {"route": encode_polyline(*BEIJING, 6), "route_format": "polyline"},
        "invalid_route",
        "invalid route: vertex 1 (1164.0, 399.0): longitude is outside [-180, 180] and "
        "latitude is outside [-90, 90]; vertex 2 (1164.1, 399.1): longitude is outside "
        "[-180, 180] and latitude is outside [-90, 90]; decoded at precision 6 it lies in "
        "China: route_format=polyline6?",
        "路线无效：第 1 个点 (1164.0, 399.0)：经度超出范围 [-180, 180]，纬度超出范围 [-90, 90]；"
        "第 2 个点 (1164.1, 399.1)：经度超出范围 [-180, 180]，纬度超出范围 [-90, 90]；"
        "按精度 6 解码则位于中国境内：是否应为 route_format=polyline6？",
    ),
    (
        {"route": "_p~iF~ps|U_", "route_format": "polyline"},
        "invalid_route",
        "invalid route: encoded polyline ends inside a value (from position 10)",
        "路线无效：编码折线在数值中途结束（自第 10 个字符起）",
    ),
    (
        {"route": "116.4,39.9"},
        "invalid_route",
        "a route needs at least 2 vertices, got 1",
        "路线至少需要 2 个点，收到 1 个",
    ),
    (
        {"route": "116.4,39.9;abc"},
        "invalid_route",
        "invalid route: vertex 2 'abc' is not 'lon,lat'",
        "路线无效：第 2 个点 'abc' 不是“经度,纬度”",
    ),
    (
        {"route": "100,30;110,35"},
        "route_too_long",
        "route is 1090.3 km long; at most 500 km are accepted",
        "路线长 1090.3 公里，最多接受 500 公里",
    ),
    (
        {"route": LINE, "width_m": "nan"},
        "invalid_parameter",
        "width_m=nan is invalid: must be a number of metres in (0, 1000]",
        "参数 width_m=nan 无效：须为 (0, 1000] 之间的米数",
    ),
]


@pytest.mark.parametrize(("params", "code", "message", "message_zh"), GET_CASES)
def test_get_refusals_word_for_word(
    client: TestClient, params: dict[str, str], code: str, message: str, message_zh: str
) -> None:
    check(client.get(URL, params=params), 422, code, message, message_zh)


def test_repeated_vertices_are_a_route_not_an_error(client: TestClient) -> None:
    """A rider waiting at a light sends the same vertex twice; a route of one repeated
    point is a disc around it."""
    for route in ("116.4,39.9;116.4,39.9;116.41,39.9", "116.4,39.9;116.4,39.9"):
        response = client.get(URL, params={"route": route, "open_at": "any"})
        assert response.status_code == 200, response.text


POST_CASES = [
    (  # JSON has no NaN, but Python's reader takes it
        b'{"type": "LineString", "coordinates": [[116.4, 39.9], [NaN, 39.9]]}',
        "invalid_route",
        "invalid route: vertex 2 [nan, 39.9] is not [lon, lat], two finite numbers",
        "路线无效：第 2 个点 [nan, 39.9] 不是 [经度, 纬度] 两个有限数值",
    ),
    (
        b'{"type": "LineString", "coordinates": [[116.4, 39.9], [200, 39.9]]}',
        "invalid_route",
        "invalid route: vertex 2 (200.0, 39.9): longitude is outside [-180, 180]",
        "路线无效：第 2 个点 (200.0, 39.9)：经度超出范围 [-180, 180]",
    ),
    (
        b'{"type": "LineString", "coordinates": [[116.4, 39.9], [1e400, 39.9]]}',
        "invalid_route",
        "invalid route: vertex 2 [inf, 39.9] is not [lon, lat], two finite numbers",
        "路线无效：第 2 个点 [inf, 39.9] 不是 [经度, 纬度] 两个有限数值",
    ),
    (
        b'{"type": "Point", "coordinates": [116.4, 39.9]}',
        "invalid_route",
        "expected a GeoJSON LineString (or a Feature with one), got 'Point'",
        "应为 GeoJSON LineString（或含 LineString 的 Feature），收到 'Point'",
    ),
]


@pytest.mark.parametrize(("body", "code", "message", "message_zh"), POST_CASES)
def test_post_refusals_word_for_word(
    client: TestClient, body: bytes, code: str, message: str, message_zh: str
) -> None:
    response = client.post(URL, content=body, headers={"Content-Type": "application/json"})
    check(response, 422, code, message, message_zh)


# -- the rider's position and paging ---------------------------------------------------

ROAD = {"type": "LineString", "coordinates": [[116.40, 39.90], [116.41, 39.90]]}

POSITION_CASES = [
    (  # 5.6 km north of the road
        {"position": "116.405,39.95"},
        "position_off_route",
        "position (116.405, 39.95) is 5552 m from the route; the rider must be within "
        "1000 m of it to be placed on it (same datum as the route: WGS84)",
        "当前位置 (116.405, 39.95) 距路线 5552 米；须在路线 1000 米以内，才能确定骑手在路线上的"
        "位置（坐标系须与路线相同：WGS84）",
    ),
    (
        {"position": "116.405"},
        "invalid_parameter",
        "position='116.405' is invalid: it must be 'lon,lat', two numbers, in the route's "
        "datum (crs)",
        "参数 position='116.405' 无效：须为“经度,纬度”两个数，坐标系与路线相同（crs）",
    ),
    (
        {"position": "116.405,nan"},
        "invalid_coordinate",
        "position (116.405, nan) is invalid: lat nan is not a finite number",
        "当前位置 position (116.405, nan) 无效：纬度 nan 不是有限数值",
    ),
    (  # GCJ-02 is defined in mainland China only
        {"position": "2.35,48.85", "crs": "gcj02", "route": "116.40,39.90;116.41,39.90"},
        "invalid_coordinate",
        "position (2.35, 48.85) is invalid: GCJ-02 point (2.35, 48.85) lies outside "
        "mainland China, where GCJ-02 is not defined",
        "当前位置 position (2.35, 48.85) 无效：GCJ-02 坐标 (2.35, 48.85) 位于中国大陆以外，"
        "该坐标系在此无定义",
    ),
    (
        {"offset": "-1"},
        "invalid_parameter",
        "offset=-1 is invalid: must be an integer >= 0",
        "参数 offset=-1 无效：须为不小于 0 的整数",
    ),
    (
        {"limit": "101"},
        "invalid_parameter",
        "limit=101 is invalid: must be an integer from 1 to 100",
        "参数 limit=101 无效：须为 1 到 100",
    ),
]


@pytest.mark.parametrize(("params", "code", "message", "message_zh"), POSITION_CASES)
def test_position_and_paging_refusals_word_for_word(
    client: TestClient, params: dict[str, str], code: str, message: str, message_zh: str
) -> None:
    query = {"route": "116.40,39.90;116.41,39.90"} | params
    check(client.get(URL, params=query), 422, code, message, message_zh)


BODY_CASES = [
    (  # the rider far off, in the body
        {},
        ROAD | {"position": [116.405, 39.95]},
        "position_off_route",
        "position (116.405, 39.95) is 5552 m from the route; the rider must be within "
        "1000 m of it to be placed on it (same datum as the route: WGS84)",
        "当前位置 (116.405, 39.95) 距路线 5552 米；须在路线 1000 米以内，才能确定骑手在路线上的"
        "位置（坐标系须与路线相同：WGS84）",
    ),
    (  # a GeoJSON position is a list, not text
        {},
        ROAD | {"position": "116.405,39.9"},
        "invalid_parameter",
        "position='116.405,39.9' is invalid: it must be a GeoJSON position [lon, lat], "
        "two numbers, in the route's datum (crs)",
        "参数 position='116.405,39.9' 无效：须为 GeoJSON 坐标 [经度, 纬度] 两个数，坐标系与路线"
        "相同（crs）",
    ),
    (
        {},
        ROAD | {"position": {"lon": 116.405, "lat": 39.9}},
        "invalid_parameter",
        "position={'lon': 116.405, 'lat': 39.9} is invalid: it must be a GeoJSON position "
        "[lon, lat], two numbers, in the route's datum (crs)",
        "参数 position={'lon': 116.405, 'lat': 39.9} 无效：须为 GeoJSON 坐标 [经度, 纬度] 两个数，"
        "坐标系与路线相同（crs）",
    ),
    (
        {"position": "116.405,39.9"},
        ROAD | {"position": [116.405, 39.9]},
        "invalid_parameter",
        "position is given twice, in the body and in the query: give it once",
        "position 同时出现在请求体和查询字符串中：请只给一次",
    ),
    (  # misspelt: ignoring it would answer with the stations behind the rider
        {},
        ROAD | {"postion": [116.405, 39.9]},
        "unknown_parameter",
        "unknown body member 'postion'; did you mean 'position'? A body takes: type, "
        "coordinates, geometry, properties, id, bbox, crs, position",
        "请求体中有未知的成员 'postion'，是否想用 'position'？请求体可包含：type, coordinates, "
        "geometry, properties, id, bbox, crs, position",
    ),
    (
        {},
        ROAD | {"offset": 20},
        "unknown_parameter",
        "'offset' goes in the query string, not in the body: "
        "POST /v1/stations/along-route?offset=...",
        "'offset' 应放在查询字符串中，而不是请求体中：POST /v1/stations/along-route?offset=...",
    ),
]


@pytest.mark.parametrize(("params", "body", "code", "message", "message_zh"), BODY_CASES)
def test_post_position_refusals_word_for_word(
    client: TestClient,
    params: dict[str, str],
    body: dict[str, Any],
    code: str,
    message: str,
    message_zh: str,
) -> None:
    check(client.post(URL, params=params, json=body), 422, code, message, message_zh)
