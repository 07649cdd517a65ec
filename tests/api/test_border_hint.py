"""GCJ-02/BD-09 positions in the ambiguous band along the Hong Kong and Macau borders are
answered (never refused) with a ``border_ambiguous`` hint, on SQLite and PostGIS:
nearest, the page's data, along-route, station writes and imports."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.datums import gcj02_to_bd09
from tests.api.test_imports import imported
from tests.conftest import AUTH, feature
from tests.geo.imports.fixtures import csv_text
from tests.geo.test_border import GONGBEI, SHENZHEN_RIVER, at

HK_300 = at(SHENZHEN_RIVER, -300)  # Hong Kong, 300 m from the border: in the band
SZ_300 = at(SHENZHEN_RIVER, 300)  # Shenzhen, 300 m from it: not
HK_2K = at(SHENZHEN_RIVER, -2000)
MACAU_300 = at(GONGBEI, -300)
INTERNALS = ("_gcj02", "unmasked", "Traceback", "numpy", "shapely", "geo.")


def assert_border_hint(hint: dict[str, Any], place_en: str, place_zh: str) -> None:
    assert set(hint) == {"code", "message", "message_zh"}  # nothing internal
    assert hint["code"] == "border_ambiguous"
    assert f"near the {place_en} border" in hint["message"]
    assert f"位于{place_zh}边界附近" in hint["message_zh"]
    assert "crs=wgs84" in hint["message"]
    assert "crs=wgs84" in hint["message_zh"]
    assert not any(word in hint["message"] + hint["message_zh"] for word in INTERNALS)


@pytest.mark.parametrize(
    ("point", "crs", "place"),
    [
        (HK_300, "gcj02", ("Hong Kong", "香港")),  # Amap's position of a Hong Kong rider
        (MACAU_300, "高德", ("Macau", "澳门")),
        (gcj02_to_bd09(*HK_300), "bd09", ("Hong Kong", "香港")),  # Baidu's
    ],
)
def test_nearest_in_the_band_answers_with_a_hint(
    client: TestClient, point: tuple[Any, Any], crs: str, place: tuple[str, str]
) -> None:
    lon, lat = (float(v) for v in point)
    response = client.get("/v1/stations/nearest", params={"lon": lon, "lat": lat, "crs": crs})
    assert response.status_code == 200, response.text
    assert_border_hint(response.json()["hint"], *place)
    page = client.get("/page/data/nearest", params={"lon": lon, "lat": lat, "crs": crs})
    assert page.status_code == 200, page.text
    assert page.json()["hint"] == response.json()["hint"]


@pytest.mark.parametrize(
    ("point", "crs"),
    [
        (SZ_300, "gcj02"),  # Shenzhen side: read rightly
        (HK_2K, "wgs84"),  # Hong Kong, 2 km in, in WGS84
        (HK_300, "wgs84"),  # in WGS84 nothing is ambiguous
        (at(GONGBEI, -300), "wgs84"),
    ],
)
def test_nearest_outside_the_band_or_in_wgs84_has_no_hint(
    client: TestClient, point: tuple[float, float], crs: str
) -> None:
    params = {"lon": point[0], "lat": point[1], "crs": crs}
    response = client.get("/v1/stations/nearest", params=params)
    assert response.status_code == 200, response.text
    assert "hint" not in response.json()


def test_along_route_hints_at_the_riders_position(client: TestClient) -> None:
    lon, lat = HK_300
    route = f"{lon},{lat};{lon},{lat + 0.01}"
    position = f"{lon},{lat}"
    response = client.get(
        "/v1/stations/along-route", params={"route": route, "crs": "gcj02", "position": position}
    )
    assert response.status_code == 200, response.text
    assert_border_hint(response.json()["hint"], "Hong Kong", "香港")
    params = {"route": route, "route_crs": "gcj02", "lon": lon, "lat": lat, "crs": "gcj02"}
    page = client.get("/page/data/along-route", params=params)
    assert page.status_code == 200, page.text
    assert_border_hint(page.json()["hint"], "Hong Kong", "香港")
    plain = client.get("/v1/stations/along-route", params={"route": route, "crs": "gcj02"})
    assert "hint" not in plain.json()  # no rider, no position to warn of


def test_a_station_written_in_the_band_is_kept_with_a_hint(client: TestClient) -> None:
    response = client.post("/v1/stations", json=feature(*HK_300, crs="gcj02"), headers=AUTH)
    assert response.status_code == 201, response.text
    assert_border_hint(response.json()["hint"], "Hong Kong", "香港")
    sid = response.json()["id"]
    stored = client.get(f"/v1/stations/{sid}").json()
    assert "hint" not in stored  # said once, to the writer
    patch = {"geometry": {"type": "Point", "coordinates": list(MACAU_300)}, "crs": "gcj02"}
    response = client.patch(f"/v1/stations/{sid}", json=patch, headers=AUTH)
    assert response.status_code == 200, response.text
    assert_border_hint(response.json()["hint"], "Macau", "澳门")
    response = client.put(f"/v1/stations/{sid}", json=feature(*SZ_300, crs="gcj02"), headers=AUTH)
    assert response.status_code == 200, response.text
    assert "hint" not in response.json()


def test_an_import_warns_on_the_rows_in_the_band(client: TestClient) -> None:
    rows = [
        ["驿站名称", "高德经度", "高德纬度"],
        ["福田口岸驿站", f"{SZ_300[0]:.6f}", f"{SZ_300[1]:.6f}"],  # line 2: Shenzhen
        ["落马洲驿站", f"{HK_300[0]:.6f}", f"{HK_300[1]:.6f}"],  # line 3: in the band
        ["拱北驿站", f"{MACAU_300[0]:.6f}", f"{MACAU_300[1]:.6f}"],  # line 4: in the band
    ]
    report = imported(client, "高德.csv", csv_text(rows).encode())
    assert (report["datum"], report["created"]) == ("gcj02", 3)  # warned, not refused
    warned = [i for i in report["issues"] if i["code"] == "border_ambiguous"]
    assert [(i["row"], i["column"], i["severity"]) for i in warned] == [
        (3, "高德经度", "warning"),
        (4, "高德经度", "warning"),
    ]
    assert "Hong Kong border" in warned[0]["message"]
    assert "香港" in warned[0]["message_zh"]
    assert "Macau border" in warned[1]["message"]
    assert "澳门" in warned[1]["message_zh"]


def test_a_wgs84_import_is_never_warned(client: TestClient) -> None:
    rows = [["驿站名称", "经度", "纬度"], ["福田口岸驿站", f"{SZ_300[0]:.6f}", f"{SZ_300[1]:.6f}"]]
    rows.append(["落马洲驿站", f"{HK_300[0]:.6f}", f"{HK_300[1]:.6f}"])
    report = imported(client, "wgs.csv", csv_text(rows).encode(), crs="wgs84")
    assert not [i for i in report["issues"] if i["code"] == "border_ambiguous"]
