"""OGC API - Features Part 2 at /ogc: features in CRS84, EPSG:4326 or EPSG:4490
(CGCS2000) as ``crs`` asks, bboxes in ``bbox-crs``, the ``Content-Crs`` header; EPSG's
axis order (latitude first) where EPSG says so, checked against pyproj; unknown CRSs a
400 naming the served ones."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pyproj import CRS

from geo.model import Station
from tests.api.test_ogc import ITEMS, get_json
from tests.conftest import assert_error

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
ALL = 10_000


def positions(doc: dict[str, object]) -> dict[int, list[float]]:
    return {f["id"]: f["geometry"]["coordinates"] for f in doc["features"]}  # type: ignore[attr-defined, index]


@pytest.mark.parametrize("code", [4326, 4490])
def test_epsg_crs_put_latitude_first_as_pyproj_says(ogc_client: TestClient, code: int) -> None:
    assert CRS.from_epsg(code).axis_info[0].direction == "north"  # EPSG's own order
    plain = ogc_client.get(ITEMS, params={"limit": ALL})
    asked = ogc_client.get(ITEMS, params={"limit": ALL, "crs": EPSG.format(code)})
    assert plain.headers["content-crs"] == f"<{CRS84}>"
    assert asked.headers["content-crs"] == f"<{EPSG.format(code)}>"
    lonlat, latlon = positions(plain.json()), positions(asked.json())
    assert lonlat.keys() == latlon.keys()
    assert len(lonlat) > 200
    for sid, (lon, lat) in lonlat.items():
        assert latlon[sid] == [lat, lon]
    one = ogc_client.get(f"{ITEMS}/{next(iter(lonlat))}", params={"crs": f"[EPSG:{code}]"})
    assert one.headers["content-crs"] == f"<{EPSG.format(code)}>"
    lon, lat = lonlat[next(iter(lonlat))]
    assert one.json()["geometry"]["coordinates"] == [lat, lon]


def test_the_paging_links_keep_the_crs(ogc_client: TestClient) -> None:
    doc = get_json(ogc_client, f"{ITEMS}?limit=5&crs={EPSG.format(4490)}", "application/geo+json")
    nxt = next(link["href"] for link in doc["links"] if link["rel"] == "next")
    assert "crs=" in nxt
    assert ogc_client.get(nxt).headers["content-crs"] == f"<{EPSG.format(4490)}>"


@pytest.mark.parametrize("code", [4326, 4490])
def test_a_lat_first_bbox_selects_what_the_crs84_bbox_does(
    ogc_client: TestClient,
    ogc_stations: list[Station],
    code: int,
) -> None:
    box = (105.0, 28.0, 115.0, 36.0)
    want = {s.id for s in ogc_stations if box[0] <= s.lon <= box[2] and box[1] <= s.lat <= box[3]}
    lat_first = f"{box[1]},{box[0]},{box[3]},{box[2]}"
    doc = ogc_client.get(ITEMS, params={"limit": ALL, "bbox": lat_first,
                                    "bbox-crs": EPSG.format(code)}).json()  # fmt: skip
    assert set(positions(doc)) == want
    assert want
    crs84 = ogc_client.get(ITEMS, params={"limit": ALL, "bbox": ",".join(map(str, box)),
                                      "bbox-crs": CRS84}).json()  # fmt: skip
    assert set(positions(crs84)) == want


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"crs": "EPSG:3857"}, "crs"),
        ({"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}, "crs"),
        ({"crs": "gcj02"}, "crs"),
        ({"bbox": "1,2,3,4", "bbox-crs": "[EPSG:4479]"}, "bbox-crs"),
        ({"bbox-crs": EPSG.format(4326)}, "bbox-crs"),  # no bbox for it to apply to
    ],
)
def test_unknown_or_idle_crs_is_400(
    ogc_client: TestClient, params: dict[str, str], name: str
) -> None:
    error = assert_error(ogc_client.get(ITEMS, params=params), 400, "invalid_parameter")
    assert [d["parameter"] for d in error["details"]] == [name]
    assert "参数" in error["message_zh"]
    if name == "crs":
        assert EPSG.format(4490) in error["message"]  # the served CRSs are named
    item = ogc_client.get(f"{ITEMS}/1", params={"crs": "EPSG:3857"})
    assert_error(item, 400, "invalid_parameter")


def test_a_lat_first_bbox_is_checked_in_its_own_order(ogc_client: TestClient) -> None:
    # 100 is no latitude: read lat-first this is min_lat=100.
    error = assert_error(
        ogc_client.get(ITEMS, params={"bbox": "100,20,110,30", "bbox-crs": EPSG.format(4490)}),
        400, "invalid_parameter",
    )  # fmt: skip
    assert error["details"] == [{
        "parameter": "bbox", "value": "100,20,110,30",
        "reason": "latitudes must be in [-90, 90], the lower one first",
    }]  # fmt: skip
    short = assert_error(
        ogc_client.get(ITEMS, params={"bbox": "1,2,3", "bbox-crs": EPSG.format(4326)}),
        400, "invalid_parameter",
    )  # fmt: skip
    assert short["details"][0]["reason"].endswith("min_lat,min_lon,max_lat,max_lon in EPSG:4326")
