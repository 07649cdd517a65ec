"""``POST /v1/plans/sites`` on SQLite and PostGIS: the same answer as the command line's
``--json``, a candidates file uploaded as a planner has it, and refusals as 422s in both
languages. The answer's shape is the documented ``SitePlanAnswer``."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.schemas.plans import SitePlanAnswer
from geo.planning.sites import plan_sites
from tests.conftest import assert_error, feature, post_station

BBOX = "116.380,39.900,116.430,39.930"
CANDIDATES = (
    "网点名称,经度（WGS84）,纬度（WGS84）\n"
    "工商银行东四支行,116.4170,39.9240\n"
    "<script>alert(1)</script>,116.3950,39.9080\n"
    "建设银行王府井支行,116.4100,39.9140\n"
    "无坐标网点,,\n"
).encode("gb18030")


def plan(client: TestClient, files: Any = None, **form: Any) -> Any:
    data = {"city": BBOX, "count": "2", "amenities": "ev_charging", "radius_m": "600"} | form
    return client.post("/v1/plans/sites", data=data, files=files)


def test_sites_over_http_equal_the_domain_answer(client: TestClient) -> None:
    post_station(client, feature(116.4180, 39.9090, name="东单驿站", amenities=["ev_charging"]))
    post_station(client, feature(116.4000, 39.9150, name="西单驿站", amenities=["toilet"]))
    response = plan(client, files={"candidates": ("银行网点.csv", CANDIDATES, "text/csv")})
    assert response.status_code == 200, response.text
    doc = response.json()
    SitePlanAnswer.model_validate(doc)
    assert doc["candidates"]["skipped"][0]["row"] == 5
    assert {s["name"] for s in doc["sites"]} <= {
        "工商银行东四支行", "<script>alert(1)</script>", "建设银行王府井支行",
    }  # fmt: skip
    assert doc["optimal"] is True
    by_stations = plan(client, from_stations="true").json()
    assert [s["name"] for s in by_stations["sites"]] == ["西单驿站"]
    assert by_stations["shortfall"] == 1  # one station lacks a pile: one site at most
    registry = client.app.state.registry  # type: ignore[attr-defined]
    same = plan_sites(registry, count=2, radius_m=600, city=BBOX, amenities="ev_charging",
                      from_stations=True).as_dict()  # fmt: skip
    assert same == by_stations


def test_refusals_are_422_in_both_languages(client: TestClient) -> None:
    assert_error(plan(client, count="0"), 422, "invalid_parameter")
    assert_error(plan(client, from_stations="true", grid_m="500"), 422, "invalid_parameter")
    assert_error(plan(client, city="朝阳区"), 422, "invalid_parameter")  # names two areas
    bad = plan(client, files={"candidates": ("x.csv", b"a,b\n1,2\n", "text/csv")})
    error = assert_error(bad, 422, "invalid_file")
    assert "经纬度" in error["message_zh"]
    assert_error(plan(client, colour="red"), 422, "unknown_parameter")


def test_the_plan_as_files_and_a_map(client: TestClient) -> None:
    post_station(client, feature(116.4180, 39.9090, name="东单驿站", amenities=["ev_charging"]))
    files = {"candidates": ("银行网点.csv", CANDIDATES, "text/csv")}
    as_csv = plan(client, files=files, format="csv")
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in as_csv.headers["content-disposition"]
    geojson = plan(client, files=files, format="geojson").json()
    assert [f["properties"]["rank"] for f in geojson["features"]] == [1, 2]
    xlsx = plan(client, files=files, format="xlsx")
    assert xlsx.content[:2] == b"PK"
    page = plan(client, files=files, format="html", lang="en")
    assert page.headers["content-type"].startswith("text/html")
    assert "Where to build next" in page.text
    assert "<script>alert(1)</script>" not in page.text
    bad = plan(client, format="pdf")
    assert_error(bad, 422, "invalid_parameter")
    assert "html" in bad.json()["error"]["message"]
    assert_error(plan(client, format="html", lang="fr"), 422, "invalid_parameter")
