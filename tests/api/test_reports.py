"""Couriers' reports over HTTP (issue 16), on SQLite and PostGIS.

A report (``POST /v1/stations/{id}/reports``, no key), who counts once, far reports,
expiry on a controlled clock, the live flags in every station answer, exclude_reported in
nearest and along-route, moderation scoped to an editor's districts with its audit
entries, the reports' own rate budget, hostile notes, CORS, and two servers on one
store. The answers' shapes are checked by tests/api/test_answer_models.py.

Requests come through a trusted proxy (``10.0.0.1``) so that each courier can have an
address of their own (``X-Forwarded-For``): one client is a device token *or* an
address, so couriers on one address count once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from geo.access import SYSTEM
from geo.clock import ManualClock
from geo.datums import wgs84_to_gcj02
from geo.keys import create_key
from geo.reports.kinds import REPORT_KINDS
from tests.conftest import AUTH, assert_error, feature, make_app, post_station
from tests.hostile import HOSTILE, STORABLE

CHAOYANG, HAIDIAN = "110105", "110108"
GUOMAO = (116.4551, 39.9075)  # 国贸, Chaoyang
ZHONGGUANCUN = (116.3100, 39.9920)  # Haidian
STEP = 0.002  # degrees of longitude between the test stations east of Guomao (~170 m)
ROUTE = f"{GUOMAO[0] - 0.005},{GUOMAO[1]};{GUOMAO[0] + 0.015},{GUOMAO[1]}"
PROXY = ("10.0.0.1", 5000)
COURIER_PAGE = "https://courier.example.cn"


def courier(n: int, *, token: bool = True) -> dict[str, str]:
    """Headers of courier ``n``: a device token of their own and an address of their own."""
    headers = {"X-Forwarded-For": f"203.0.113.{n}"}
    if token:
        headers["X-Device-Token"] = f"courier-device-{n:04d}"
    return headers


def app_client(url: str, **overrides: Any) -> TestClient:
    """A client of an app on ``url`` reached through the trusted proxy."""
    return TestClient(make_app(url, trusted_proxies="10.0.0.0/8", **overrides), client=PROXY)


@pytest.fixture
def api(db_url: str) -> Iterator[TestClient]:
    with app_client(db_url) as c:
        yield c


def place(
    client: TestClient, name: str, east: int = 0, at: tuple[float, float] = GUOMAO, **props: Any
) -> int:
    """A station open around the clock, ``east`` steps east of ``at``; its id."""
    props.setdefault("opening_hours", "24小时")
    body = feature(at[0] + east * STEP, at[1], name=name, **props)
    sid: int = post_station(client, body)["id"]
    return sid


def report(
    client: TestClient, station_id: int, kind: str = "parking_full", n: int = 1, **body: Any
) -> httpx2.Response:
    """Courier ``n`` reports ``kind`` at a station (the answer, unchecked)."""
    headers = courier(n)
    return client.post(f"/v1/stations/{station_id}/reports", json={"kind": kind} | body,
                       headers=headers)  # fmt: skip


def sent(client: TestClient, station_id: int, kind: str = "parking_full", n: int = 1,
         **body: Any) -> dict[str, Any]:  # fmt: skip
    """Courier ``n``'s report, which must be accepted; the answer."""
    response = report(client, station_id, kind, n, **body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def flags(client: TestClient, station_id: int) -> dict[str, int]:
    """The station's live flags as one station's answer shows them: kind -> count."""
    response = client.get(f"/v1/stations/{station_id}")
    assert response.status_code == 200, response.text
    return {f["kind"]: f["count"] for f in response.json()["properties"]["reports"]}


def nearest_ids(client: TestClient, **params: Any) -> list[int]:
    """Ids nearest to a point just west of Guomao (so the stations come west to east)."""
    query = {"lon": GUOMAO[0] - 0.0005, "lat": GUOMAO[1], "k": 3} | params
    response = client.get("/v1/stations/nearest", params=query)
    assert response.status_code == 200, response.text
    return [f["id"] for f in response.json()["features"]]


def editor(client: TestClient, *adcodes: str) -> dict[str, str]:
    """The Authorization header of a new editor key for ``adcodes``."""
    store = client.app.state.registry.store  # type: ignore[attr-defined]
    key, _ = create_key(store, name=f"{'+'.join(adcodes)}总工会", role="editor",
                        adcodes=adcodes, actor=SYSTEM)  # fmt: skip
    return {"Authorization": f"Bearer {key}"}


def listed(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/reports", params=params, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["reports"]
    return found


def audit(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/audit", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


# -- a report -------------------------------------------------------------------------


def test_report_kinds(client: TestClient) -> None:
    kinds = client.get("/v1/report-kinds").json()["kinds"]
    assert [k["code"] for k in kinds] == [k.code for k in REPORT_KINDS]
    parking = kinds[1]
    assert parking == {
        "code": "parking_full", "label_zh": "停车位已满", "label_en": "Parking is full",
        "lifetime_hours": 2.0, "until_opening": False, "cleared_by_all_good": True,
        "amenities": [], "confirm_closes_station": False,
    }  # fmt: skip
    assert kinds[0]["code"] == "closed_now"
    assert kinds[0]["confirm_closes_station"]


def test_report_answers_with_the_report_and_the_stations_flags(api: TestClient) -> None:
    sid = place(api, "国贸驿站")
    before = api.get(f"/v1/stations/{sid}").json()
    response = report(api, sid, "parking_full", note="  门口电动车\n停满了 ")
    assert response.status_code == 201, response.text
    answer = response.json()
    mine = answer["report"]
    assert mine["kind"] == "parking_full"
    assert (mine["label_zh"], mine["label_en"]) == ("停车位已满", "Parking is full")
    assert mine["status"] == "open"
    assert mine["note"] == "门口电动车 停满了"  # one line
    assert mine["times"] == 1
    assert mine["far"] is False
    assert mine["lon"] is None
    assert mine["distance_m"] is None
    assert mine["first_at"] == mine["last_at"]
    first = datetime.fromisoformat(mine["first_at"])
    assert datetime.fromisoformat(mine["expires_at"]) - first == timedelta(hours=2)
    # Nobody but a moderator sees the district or the moderation; nobody sees who sent it.
    assert not {"adcode", "moderated_at", "moderated_by", "moderation_note"} & set(mine)
    assert not {"client_token", "client_address", "token", "address"} & set(mine)
    station = answer["station"]
    assert station["id"] == sid
    assert station["last_verified_at"] is None
    assert station["reports"] == [
        {"kind": "parking_full", "count": 1, "last_at": mine["last_at"],
         "label_zh": "停车位已满", "label_en": "Parking is full"}
    ]  # fmt: skip
    # A report never changes the station's record by itself.
    for n in range(2, 6):
        sent(api, sid, "closed_now", n=n)
    after = api.get(f"/v1/stations/{sid}").json()
    assert after["properties"]["status"] == "open"
    assert after["properties"]["updated_at"] == before["properties"]["updated_at"]
    assert flags(api, sid) == {"closed_now": 4, "parking_full": 1}
    shown = api.get(f"/v1/stations/{sid}").json()["properties"]["reports"]
    assert [f["kind"] for f in shown] == ["closed_now", "parking_full"]  # vocabulary order
    assert audit(api, station_id=sid)[0]["action"] == "create"


def test_a_report_needs_no_key(api: TestClient) -> None:
    sid = place(api, "无钥匙")
    assert report(api, sid).status_code == 201
    # A key (even one that is not valid) is neither needed nor looked at.
    wrong = api.post(f"/v1/stations/{sid}/reports", json={"kind": "no_water"},
                     headers=courier(2) | {"Authorization": "Bearer not-a-key"})  # fmt: skip
    assert wrong.status_code == 201, wrong.text
    assert flags(api, sid) == {"parking_full": 1, "no_water": 1}


def test_the_cookie_is_set_only_when_no_token_came(api: TestClient) -> None:
    sid = place(api, "饼干")
    fresh = api.post(f"/v1/stations/{sid}/reports", json={"kind": "parking_full"},
                     headers=courier(1, token=False))  # fmt: skip
    assert fresh.status_code == 201, fresh.text
    cookie = fresh.headers["set-cookie"]
    assert cookie.startswith("sf_device=")
    for attribute in ("HttpOnly", "Max-Age=31536000", "Path=/", "SameSite=lax"):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain http here; set over https
    value = fresh.cookies["sf_device"]
    assert 16 <= len(value) <= 128
    # The client sends it back (the test client keeps cookies): not set again.
    again = api.post(f"/v1/stations/{sid}/reports", json={"kind": "parking_full"},
                     headers=courier(1, token=False))  # fmt: skip
    assert again.status_code == 201
    assert "set-cookie" not in again.headers
    # The same cookie counts once: the same report, sent twice.
    assert again.json()["report"]["id"] == fresh.json()["report"]["id"]
    assert again.json()["report"]["times"] == 2
    assert again.json()["station"]["reports"][0]["count"] == 1
    # A token in the header: no cookie either.
    api.cookies.clear()
    with_token = report(api, sid, "no_water", n=2)
    assert with_token.status_code == 201
    assert "set-cookie" not in with_token.headers


def test_one_client_counts_once_per_station_and_kind(api: TestClient) -> None:
    """A client is its device token or its address: a repeat by either refreshes the
    report already open; only a new token from a new address is a new voice."""
    sid, other = place(api, "甲"), place(api, "乙", east=1)
    first = sent(api, sid, n=1)["report"]
    assert sent(api, sid, n=1)["report"]["id"] == first["id"]  # same phone, same address
    same_token = {"X-Device-Token": courier(1)["X-Device-Token"], "X-Forwarded-For": "192.0.2.9"}
    moved = api.post(f"/v1/stations/{sid}/reports", json={"kind": "parking_full"},
                     headers=same_token)  # fmt: skip
    assert moved.json()["report"]["id"] == first["id"]  # same phone, another address
    same_address = {"X-Device-Token": "another-phone-0001", "X-Forwarded-For": "203.0.113.1"}
    shared = api.post(f"/v1/stations/{sid}/reports", json={"kind": "parking_full"},
                      headers=same_address)  # fmt: skip
    assert shared.json()["report"]["id"] == first["id"]  # another phone, same address
    assert shared.json()["report"]["times"] == 4
    assert flags(api, sid) == {"parking_full": 1}
    second = sent(api, sid, n=2)  # another phone, another address
    assert second["station"]["reports"][0]["count"] == 2
    assert flags(api, sid) == {"parking_full": 2}
    # Per station and kind: the same courier's other kind, or other station, is new.
    assert sent(api, sid, "no_water", n=1)["report"]["id"] != first["id"]
    assert sent(api, other, n=1)["report"]["id"] != first["id"]
    assert flags(api, sid) == {"parking_full": 2, "no_water": 1}
    assert flags(api, other) == {"parking_full": 1}


@pytest.mark.parametrize(
    "token", ["short", "x" * 129, "has space-in-it-0001", "semi;colon-0000001", "a.b@c.d/e+f=g:h"]
)
def test_a_malformed_device_token_is_refused(api: TestClient, token: str) -> None:
    sid = place(api, "令牌")
    response = api.post(f"/v1/stations/{sid}/reports", json={"kind": "parking_full"},
                        headers={"X-Device-Token": token})  # fmt: skip
    error = assert_error(response, 422, "invalid_parameter")
    assert error["details"] == [{"parameter": "X-Device-Token", "reason": "malformed"}]
    assert flags(api, sid) == {}


def test_an_unknown_kind_says_what_was_meant(api: TestClient) -> None:
    sid = place(api, "类型")
    error = assert_error(report(api, sid, "parking_ful"), 422, "invalid_parameter")
    assert error["details"][0]["did_you_mean"] == "parking_full"
    assert "停车位已满" in error["message_zh"]
    assert "closed_now" in error["message"]  # and every known kind
    nothing = assert_error(report(api, sid, "烤鸭"), 422, "invalid_parameter")
    assert nothing["details"][0]["did_you_mean"] is None
    missing = api.post(f"/v1/stations/{sid}/reports", json={"note": "?"}, headers=courier(1))
    assert_error(missing, 422, "invalid_parameter")
    # A kind may be named by a label too, in any case.
    assert sent(api, sid, "停车位已满")["report"]["kind"] == "parking_full"
    assert sent(api, sid, "Charger Occupied", n=2)["report"]["kind"] == "charger_occupied"
    assert flags(api, sid) == {"parking_full": 1, "charger_occupied": 1}


def test_an_unknown_field_is_refused(api: TestClient) -> None:
    sid = place(api, "字段")
    error = assert_error(report(api, sid, status="temporarily_closed"), 422, "invalid_parameter")
    assert error["details"][0]["field"] == "status"
    assert_error(report(api, sid, lon=116.45), 422, "invalid_parameter")  # lon without lat
    assert_error(report(api, sid, crs="gcj02"), 422, "invalid_parameter")  # crs alone
    assert_error(report(api, sid, lon="116.45", lat=39.9), 422, "invalid_parameter")
    assert flags(api, sid) == {}


def test_a_note_longer_than_200_characters_is_refused(api: TestClient) -> None:
    sid = place(api, "备注")
    error = assert_error(report(api, sid, note="满" * 201), 422, "invalid_parameter")
    assert error["details"][0]["field"] == "note"
    assert_error(report(api, sid, note=["满"]), 422, "invalid_parameter")
    assert flags(api, sid) == {}
    assert sent(api, sid, note="满" * 200)["report"]["note"] == "满" * 200
    assert sent(api, sid, "no_water", note="   ")["report"]["note"] is None


def test_a_report_on_no_station_is_404(api: TestClient) -> None:
    assert_error(report(api, 999), 404, "station_not_found")
    assert_error(report(api, 2**63 - 1), 404, "station_not_found")


def test_a_report_from_far_away_is_kept_but_not_counted(api: TestClient) -> None:
    sid = place(api, "远近")
    far = sent(api, sid, lon=GUOMAO[0] + 0.03, lat=GUOMAO[1])["report"]  # ~2.6 km east
    assert far["far"] is True
    assert far["distance_m"] > 2000
    assert flags(api, sid) == {}  # a courier 2 km away cannot see the car park
    assert [r["far"] for r in listed(api, AUTH)] == [True]  # moderators see it
    # At the station, its position read from Amap (GCJ-02): near, and counted.
    lon, lat = (float(v) for v in wgs84_to_gcj02(GUOMAO[0], GUOMAO[1]))
    near = sent(api, sid, n=2, lon=lon, lat=lat, crs="gcj02")["report"]
    assert near["far"] is False
    assert near["distance_m"] < 5
    assert flags(api, sid) == {"parking_full": 1}


# -- live flags, expiry and all_good -------------------------------------------------------


def test_flags_in_every_station_answer(api: TestClient) -> None:
    sid = place(api, "标记")
    quiet = place(api, "安静", east=1)
    sent(api, sid, "microwave_broken")
    sent(api, sid, "microwave_broken", n=2)
    sent(api, sid, "all_good", n=3)
    one = api.get(f"/v1/stations/{sid}").json()["properties"]
    assert [(f["kind"], f["count"]) for f in one["reports"]] == [("microwave_broken", 2)]
    assert one["last_verified_at"] is not None
    listing = {f["id"]: f["properties"] for f in api.get("/v1/stations").json()["features"]}
    assert listing[sid]["reports"] == one["reports"]
    assert listing[sid]["last_verified_at"] == one["last_verified_at"]
    assert listing[quiet]["reports"] == []
    assert listing[quiet]["last_verified_at"] is None
    found = api.get("/v1/stations/nearest", params={"lon": GUOMAO[0], "lat": GUOMAO[1]}).json()
    assert found["features"][0]["properties"]["reports"] == one["reports"]
    route = api.get("/v1/stations/along-route", params={"route": ROUTE}).json()
    assert route["features"][0]["properties"]["reports"] == one["reports"]
    patched = api.patch(f"/v1/stations/{sid}", json={"properties": {"phone": "110"}},
                        headers=AUTH)  # fmt: skip
    assert patched.json()["properties"]["reports"] == one["reports"]


def test_reports_expire_on_their_own(api: TestClient, clock: ManualClock) -> None:
    sid = place(api, "过期")
    sent(api, sid, "parking_full")
    sent(api, sid, "microwave_broken")
    clock.advance(2 * 3600 - 1)
    assert flags(api, sid) == {"parking_full": 1, "microwave_broken": 1}
    assert nearest_ids(api, exclude_reported="parking_full") == []
    clock.advance(1)  # two hours: the car park has emptied
    assert flags(api, sid) == {"microwave_broken": 1}
    assert nearest_ids(api, exclude_reported="parking_full") == [sid]
    # A repeat keeps a flag alive for another lifetime.
    sent(api, sid, "parking_full", n=2)
    clock.advance(3600)
    sent(api, sid, "parking_full", n=2)
    clock.advance(3600 + 60)
    assert flags(api, sid) == {"parking_full": 1, "microwave_broken": 1}
    clock.advance(7 * 24 * 3600)
    assert flags(api, sid) == {}
    assert listed(api, AUTH) == []  # open means active
    assert {r["kind"] for r in listed(api, AUTH, status="expired")} == {
        "parking_full", "microwave_broken"
    }  # fmt: skip


def test_closed_now_ends_at_the_next_opening(api: TestClient, clock: ManualClock) -> None:
    sid = place(api, "夜里", opening_hours="08:00-20:00")
    clock.advance(9 * 3600)  # 21:00 in Beijing: closed until 08:00
    mine = sent(api, sid, "closed_now")["report"]
    assert mine["expires_at"] == "2026-11-24T00:00:00Z"  # 08:00 the next morning
    always = place(api, "全天", east=1)  # no next opening: 12 hours
    assert sent(api, always, "closed_now")["report"]["expires_at"] == "2026-11-24T01:00:00Z"


def test_all_good_clears_the_short_lived_and_verifies(api: TestClient) -> None:
    sid = place(api, "一切正常")
    for kind in ("parking_full", "closed_now", "microwave_broken", "wrong_location"):
        sent(api, sid, kind)
    good = sent(api, sid, "all_good", n=2)
    assert good["station"]["last_verified_at"] == good["report"]["last_at"]
    assert [f["kind"] for f in good["station"]["reports"]] == ["microwave_broken", "wrong_location"]
    cleared = listed(api, AUTH, status="cleared")
    assert {(r["kind"], r["moderated_by"]) for r in cleared} == {
        ("parking_full", "all_good"), ("closed_now", "all_good")
    }  # fmt: skip
    # An all_good from far away neither clears nor verifies (nobody there saw it).
    other = place(api, "远处说正常", east=1)
    sent(api, other, "parking_full", n=3)
    far = sent(api, other, "all_good", n=4, lon=GUOMAO[0] + 0.03, lat=GUOMAO[1])
    assert far["report"]["far"] is True
    assert far["station"]["last_verified_at"] is None
    assert flags(api, other) == {"parking_full": 1}
    # all_good is never a flag, nor a reason to leave a station out.
    assert "all_good" not in flags(api, sid)
    error = assert_error(
        api.get("/v1/stations/nearest", params={"lon": 116.45, "lat": 39.9,
                                                "exclude_reported": "all_good"}),
        422, "invalid_parameter",
    )  # fmt: skip
    assert "all_good" in error["message"]


# -- exclude_reported -------------------------------------------------------------------


@pytest.fixture
def three(api: TestClient) -> tuple[TestClient, list[int]]:
    """Three stations west to east, the first with a full car park."""
    ids = [place(api, name, east=i) for i, name in enumerate(["一号", "二号", "三号"])]
    sent(api, ids[0], "parking_full")
    return api, ids


def test_nearest_leaves_out_reported_stations(three: tuple[TestClient, list[int]]) -> None:
    api, (a, b, c) = three
    assert nearest_ids(api, k=1) == [a]
    assert nearest_ids(api, k=1, exclude_reported="parking_full") == [b]  # the next one in
    assert nearest_ids(api, exclude_reported="parking_full,closed_now") == [b, c]
    assert nearest_ids(api, exclude_reported="closed_now, 停车位已满") == [b, c]  # by label
    assert nearest_ids(api, exclude_reported="closed_now") == [a, b, c]  # another kind
    answer = api.get("/v1/stations/nearest", params={
        "lon": GUOMAO[0], "lat": GUOMAO[1], "exclude_reported": "parking_full,closed_now"
    }).json()  # fmt: skip
    assert answer["query"]["exclude_reported"] == ["closed_now", "parking_full"]
    unknown = api.get("/v1/stations/nearest", params={
        "lon": GUOMAO[0], "lat": GUOMAO[1], "exclude_reported": "parking"
    })  # fmt: skip
    error = assert_error(unknown, 422, "invalid_parameter")
    assert error["details"][0]["field"] == "exclude_reported"


def test_along_route_leaves_out_reported_stations(three: tuple[TestClient, list[int]]) -> None:
    api, (a, b, c) = three
    params = {"route": ROUTE, "exclude_reported": "parking_full"}
    got = api.get("/v1/stations/along-route", params=params)
    assert got.status_code == 200, got.text
    assert [f["id"] for f in got.json()["features"]] == [b, c]
    assert got.json()["numberMatched"] == 2
    assert got.json()["query"]["exclude_reported"] == ["parking_full"]
    every = api.get("/v1/stations/along-route", params={"route": ROUTE}).json()
    assert [f["id"] for f in every["features"]] == [a, b, c]
    (lon0, lat0), (lon1, lat1) = (map(float, p.split(",")) for p in ROUTE.split(";"))
    line = {"type": "LineString", "coordinates": [[lon0, lat0], [lon1, lat1]]}
    posted = api.post("/v1/stations/along-route", params={"exclude_reported": "parking_full"},
                      json=line)  # fmt: skip
    assert posted.status_code == 200, posted.text
    assert [f["id"] for f in posted.json()["features"]] == [b, c]
    assert posted.json()["query"]["exclude_reported"] == ["parking_full"]
    for bad in ("parking", "all_good"):
        assert_error(
            api.get("/v1/stations/along-route", params={"route": ROUTE, "exclude_reported": bad}),
            422, "invalid_parameter",
        )  # fmt: skip
        assert_error(
            api.post("/v1/stations/along-route", params={"exclude_reported": bad}, json=line),
            422, "invalid_parameter",
        )  # fmt: skip


# -- moderation -------------------------------------------------------------------------


@pytest.fixture
def districts(api: TestClient) -> dict[str, Any]:
    """A station in Chaoyang with two couriers' closed_now and one parking_full, one in
    Haidian with a parking_full; an editor key for each district."""
    chaoyang = place(api, "朝阳驿站", amenities=["microwave", "drinking_water"])
    haidian = place(api, "海淀驿站", at=ZHONGGUANCUN)
    closed = [sent(api, chaoyang, "closed_now", n=n)["report"]["id"] for n in (1, 2)]
    parking = sent(api, chaoyang, "parking_full", n=3)["report"]["id"]
    far_off = sent(api, haidian, "parking_full", n=4)["report"]["id"]
    return {
        "chaoyang": chaoyang, "haidian": haidian, "closed": closed, "parking": parking,
        "haidian_report": far_off, "cy_editor": editor(api, CHAOYANG),
        "hd_editor": editor(api, HAIDIAN),
    }  # fmt: skip


def test_an_editor_lists_the_reports_of_their_districts(
    api: TestClient, districts: dict[str, Any]
) -> None:
    d = districts
    mine = listed(api, d["cy_editor"])
    assert [r["id"] for r in mine] == [d["parking"], *reversed(d["closed"])]  # newest first
    assert {r["adcode"] for r in mine} == {CHAOYANG}
    assert listed(api, d["cy_editor"], adcode=CHAOYANG) == mine
    assert listed(api, d["cy_editor"], adcode="北京市朝阳区") == mine  # (朝阳区 names two)
    assert [r["id"] for r in listed(api, d["cy_editor"], kind="parking_full")] == [d["parking"]]
    assert [r["id"] for r in listed(api, d["hd_editor"])] == [d["haidian_report"]]
    assert len(listed(api, AUTH)) == 4  # an admin sees every district
    page = api.get("/v1/reports", params={"limit": 2}, headers=d["cy_editor"]).json()
    assert page["next_before_id"] == page["reports"][-1]["id"]
    rest = listed(api, d["cy_editor"], before_id=page["next_before_id"])
    assert [r["id"] for r in page["reports"] + rest] == [r["id"] for r in mine]
    # Another district's, or an area larger than their own: refused, not emptied.
    for area in (HAIDIAN, "海淀区", "110000"):
        response = api.get("/v1/reports", params={"adcode": area}, headers=d["cy_editor"])
        error = assert_error(response, 403, "forbidden_district")
        assert error["details"][0]["reason"] == "outside_your_districts"
    assert_error(api.get("/v1/reports", params={"status": "new"}, headers=AUTH), 422,
                 "invalid_parameter")  # fmt: skip
    assert_error(api.get("/v1/reports", params={"limit": 0}, headers=AUTH), 422,
                 "invalid_parameter")  # fmt: skip


def test_reports_need_no_key_but_their_listing_and_verdicts_do(
    api: TestClient, districts: dict[str, Any]
) -> None:
    assert_error(api.get("/v1/reports"), 401, "unauthorized")
    bad = {"Authorization": "Bearer nope"}
    assert_error(api.get("/v1/reports", headers=bad), 401, "unauthorized")
    report_id = districts["parking"]
    assert_error(api.post(f"/v1/reports/{report_id}/confirm"), 401, "unauthorized")
    assert_error(api.post(f"/v1/reports/{report_id}/dismiss", headers=bad), 401, "unauthorized")
    assert flags(api, districts["chaoyang"]) == {"closed_now": 2, "parking_full": 1}


def test_an_editor_of_another_district_cannot_judge(
    api: TestClient, districts: dict[str, Any]
) -> None:
    d = districts
    for verdict in ("confirm", "dismiss"):
        response = api.post(f"/v1/reports/{d['closed'][0]}/{verdict}", headers=d["hd_editor"])
        assert_error(response, 403, "forbidden_district")
    assert flags(api, d["chaoyang"]) == {"closed_now": 2, "parking_full": 1}
    assert api.get(f"/v1/stations/{d['chaoyang']}").json()["properties"]["status"] == "open"
    assert audit(api, action="report_confirm") == []


def test_confirming_closed_now_closes_the_station(
    api: TestClient, districts: dict[str, Any]
) -> None:
    d = districts
    sid = d["chaoyang"]
    assert sid in nearest_ids(api)
    response = api.post(f"/v1/reports/{d['closed'][1]}/confirm", json={"note": "电话核实"},
                        headers=d["cy_editor"])  # fmt: skip
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["verdict"] == "confirm"
    assert verdict["kind"] == "closed_now"
    assert verdict["reports"] == d["closed"]  # every open report of the kind there
    assert verdict["station_id"] == sid
    assert verdict["changed"] == {"status": "temporarily_closed"}
    assert [f["kind"] for f in verdict["station"]["reports"]] == ["parking_full"]
    station = api.get(f"/v1/stations/{sid}").json()["properties"]
    assert station["status"] == "temporarily_closed"
    assert [f["kind"] for f in station["reports"]] == ["parking_full"]
    assert sid not in nearest_ids(api)  # searches ask for open stations by default
    assert sid in nearest_ids(api, status="any")
    done = listed(api, d["cy_editor"], status="confirmed")
    assert [r["id"] for r in done] == sorted(d["closed"], reverse=True)
    assert {r["moderation_note"] for r in done} == {"电话核实"}
    assert {r["moderated_by"] for r in done} == {audit(api)[0]["actor"]}
    # The audit log: the station's update, then the verdict, by the editor.
    entry, update = audit(api, station_id=sid, limit=2)
    assert entry["action"] == "report_confirm"
    assert entry["actor"].startswith("key:")
    assert entry["after"] == {"kind": "closed_now", "reports": d["closed"], "note": "电话核实",
                              "changed": {"status": "temporarily_closed"}}  # fmt: skip
    assert update["action"] == "update"
    assert (update["before"], update["after"]) == ({"status": "open"},
                                                   {"status": "temporarily_closed"})  # fmt: skip
    assert update["actor"] == entry["actor"]
    assert audit(api, action="report_confirm") == [entry]
    # A second verdict on a closed report.
    for verdict_name in ("confirm", "dismiss"):
        again = api.post(f"/v1/reports/{d['closed'][0]}/{verdict_name}", headers=AUTH)
        assert_error(again, 409, "report_closed")


def test_confirming_broken_equipment_removes_it(api: TestClient, districts: dict[str, Any]) -> None:
    sid = districts["chaoyang"]
    assert sid in nearest_ids(api, amenities="microwave")
    report_id = sent(api, sid, "microwave_broken", n=5)["report"]["id"]
    response = api.post(f"/v1/reports/{report_id}/confirm", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["changed"] == {"amenities": ["drinking_water"]}
    properties = api.get(f"/v1/stations/{sid}").json()["properties"]
    assert properties["amenities"] == ["drinking_water"]
    assert properties["status"] == "open"
    assert sid not in nearest_ids(api, amenities="microwave")


def test_dismissing(api: TestClient, districts: dict[str, Any]) -> None:
    d = districts
    sid = d["chaoyang"]
    response = api.post(f"/v1/reports/{d['parking']}/dismiss", headers=d["cy_editor"],
                        json={"note": "现场有空位"})  # fmt: skip
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert (verdict["verdict"], verdict["kind"], verdict["reports"]) == (
        "dismiss", "parking_full", [d["parking"]]
    )  # fmt: skip
    assert verdict["changed"] == {}
    assert flags(api, sid) == {"closed_now": 2}
    assert api.get(f"/v1/stations/{sid}").json()["properties"]["status"] == "open"
    (gone,) = listed(api, d["cy_editor"], status="dismissed")
    assert (gone["id"], gone["moderation_note"]) == (d["parking"], "现场有空位")
    (entry,) = audit(api, action="report_dismiss")
    assert entry["station_id"] == sid
    assert entry["after"]["reports"] == [d["parking"]]
    assert_error(api.post(f"/v1/reports/{d['parking']}/confirm", headers=AUTH), 409,
                 "report_closed")  # fmt: skip
    # A courier's new report of the kind opens a new one.
    assert sent(api, sid, "parking_full", n=3)["report"]["id"] != d["parking"]
    assert flags(api, sid) == {"closed_now": 2, "parking_full": 1}


def test_verdict_bodies(api: TestClient, districts: dict[str, Any]) -> None:
    d = districts
    url = f"/v1/reports/{d['parking']}/dismiss"
    error = assert_error(api.post(url, json={"reason": "x"}, headers=AUTH), 422,
                         "invalid_parameter")  # fmt: skip
    assert error["details"][0]["field"] == "reason"
    assert_error(api.post(url, json={"note": "x" * 201}, headers=AUTH), 422, "invalid_parameter")
    assert_error(api.post(url, json={"note": 3}, headers=AUTH), 422, "invalid_parameter")
    assert_error(api.post("/v1/reports/999/dismiss", headers=AUTH), 404, "report_not_found")
    assert_error(api.post(f"/v1/reports/{2**63 - 1}/confirm", headers=AUTH), 404,
                 "report_not_found")  # fmt: skip
    assert flags(api, d["chaoyang"]) == {"closed_now": 2, "parking_full": 1}


def test_a_confirmed_all_good_still_verifies(api: TestClient) -> None:
    sid = place(api, "确认正常")
    good = sent(api, sid, "all_good")
    verified = good["station"]["last_verified_at"]
    assert verified is not None
    assert good["report"]["status"] == "expired"  # all_good has no lifetime: never a flag
    (listed_good,) = listed(api, AUTH, status="expired")
    confirmed = api.post(f"/v1/reports/{listed_good['id']}/confirm", headers=AUTH)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["changed"] == {}
    assert confirmed.json()["station"]["last_verified_at"] == verified
    assert api.get(f"/v1/stations/{sid}").json()["properties"]["last_verified_at"] == verified
    # Another courier's all_good, dismissed: it no longer counts.
    other = place(api, "存疑", east=1)
    doubtful = sent(api, other, "all_good", n=2)["report"]["id"]
    dismissed = api.post(f"/v1/reports/{doubtful}/dismiss", headers=AUTH)
    assert dismissed.json()["station"]["last_verified_at"] is None


# -- limits and hostile input -----------------------------------------------------------


def test_reports_have_their_own_rate_budget(db_url: str, clock: ManualClock) -> None:
    limited = {"rate_limit_reports_per_min": 1, "rate_limit_reports_burst": 2,
               "rate_limit_search_per_min": 60, "rate_limit_search_burst": 5}  # fmt: skip
    with app_client(db_url, **limited) as api:
        sid = place(api, "限流")
        assert report(api, sid, "parking_full").status_code == 201
        assert report(api, sid, "no_water").status_code == 201
        refused = report(api, sid, "closed_now")
        error = assert_error(refused, 429, "rate_limited")
        assert refused.headers["Retry-After"] == "60"  # one a minute
        assert "reports" in error["message"]
        assert flags(api, sid) == {"parking_full": 1, "no_water": 1}  # nothing stored
        # Searches have their own budget; other couriers their own.
        assert nearest_ids(api) == [sid]
        assert api.get("/v1/stations/along-route", params={"route": ROUTE}).status_code == 200
        assert report(api, sid, "closed_now", n=2).status_code == 201
        clock.advance(59)
        assert report(api, sid, "closed_now").status_code == 429
        clock.advance(1)
        assert report(api, sid, "closed_now").status_code == 201
        assert flags(api, sid) == {"closed_now": 2, "parking_full": 1, "no_water": 1}


def _post_json(client: TestClient, url: str, body: dict[str, Any], **headers: str) -> Any:
    """POST ``body`` written as JSON text with every non-ASCII character escaped (so a
    lone surrogate reaches the server as the JSON escape a client would send)."""
    return client.post(url, content=json.dumps(body).encode(),
                       headers={"Content-Type": "application/json"} | headers)  # fmt: skip


def test_hostile_notes(api: TestClient) -> None:
    """A note that any station text could hold comes back as the same JSON data, in the
    courier's answer and the moderators' listing, and so does a verdict's note; the
    others are refused (as station text refuses them) and nothing is stored."""
    sid = place(api, "备注")
    for name, text in HOSTILE.items():
        response = _post_json(api, f"/v1/stations/{sid}/reports",
                              {"kind": "parking_full", "note": text}, **courier(1))  # fmt: skip
        judged = sent(api, sid, "no_water", n=2)["report"]["id"]
        verdict = _post_json(api, f"/v1/reports/{judged}/dismiss", {"note": text}, **AUTH)
        if name not in STORABLE:
            status, code = (400, "malformed_body") if name == "lone_surrogate" else (422, None)
            for refused in (response, verdict):
                assert refused.status_code == status, (name, refused.text)
                if code:
                    assert refused.json()["error"]["code"] == code
            continue
        assert response.status_code == 201, (name, response.text)
        assert verdict.status_code == 200, (name, verdict.text)
        assert response.headers["content-type"] == "application/json"
        assert response.json()["report"]["note"] == text, name
        # Byte for byte: the text as a JSON string (nothing escaped as HTML, nothing lost).
        assert json.dumps(text, ensure_ascii=False).encode() in response.content, name
        by_id = {r["id"]: r for r in listed(api, AUTH, status="any", station_id=sid)}
        assert by_id[response.json()["report"]["id"]]["note"] == text, name
        assert by_id[judged]["moderation_note"] == text, name
    kept = {r["note"] for r in listed(api, AUTH, status="any", kind="parking_full")}
    assert kept == {STORABLE[list(STORABLE)[-1]]}  # one open report, its last note


def test_cors_lets_a_courier_page_on_a_read_origin_report(db_url: str) -> None:
    with app_client(db_url, cors_origins=COURIER_PAGE) as api:
        sid = place(api, "跨域")
        origin = {"Origin": COURIER_PAGE}
        preflight = api.options(f"/v1/stations/{sid}/reports", headers=origin | {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-device-token",
        })  # fmt: skip
        assert preflight.status_code == 200, preflight.text
        assert preflight.headers["access-control-allow-origin"] == COURIER_PAGE
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "x-device-token" in preflight.headers["access-control-allow-headers"].lower()
        response = api.post(f"/v1/stations/{sid}/reports", json={"kind": "parking_full"},
                            headers=origin | courier(1))  # fmt: skip
        assert response.status_code == 201, response.text
        assert response.headers["access-control-allow-origin"] == COURIER_PAGE
        assert "access-control-allow-credentials" not in response.headers
        # HEAD of the kinds, as GET without a body.
        head = api.head("/v1/report-kinds", headers=origin)
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["access-control-allow-origin"] == COURIER_PAGE
        # Moderation is a write: a read origin may not ask for it, nor another origin report.
        for path, headers in (
            (f"/v1/reports/{response.json()['report']['id']}/confirm", origin),
            (f"/v1/stations/{sid}/reports", {"Origin": "https://evil.example"}),
        ):
            refused = api.options(path, headers=headers | {
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            })  # fmt: skip
            assert refused.status_code == 400
            assert "access-control-allow-origin" not in refused.headers


# -- several servers --------------------------------------------------------------------


def test_a_report_through_one_server_is_in_anothers_answers(
    store_url: Callable[[str], str],
) -> None:
    url = store_url("shared")
    with app_client(url) as one, app_client(url) as other:
        sid = place(one, "两台")
        second = place(one, "隔壁", east=1)
        other.app.state.registry.sync()  # type: ignore[attr-defined]
        assert nearest_ids(other, exclude_reported="parking_full") == [sid, second]
        mine = sent(one, sid, "parking_full")["report"]
        sent(one, sid, "parking_full", n=2)
        other.app.state.registry.sync()  # type: ignore[attr-defined]
        assert nearest_ids(other, exclude_reported="parking_full") == [second]
        found = nearest_ids(other)
        assert found == [sid, second]
        assert flags(other, sid) == {"parking_full": 2}
        # A courier through the other server is the same client, and counts once.
        assert sent(other, sid, "parking_full")["report"]["id"] == mine["id"]
        # A verdict through the other: the first server's answers follow.
        dismissed = other.post(f"/v1/reports/{mine['id']}/dismiss", headers=AUTH)
        assert dismissed.status_code == 200, dismissed.text
        one.app.state.registry.sync()  # type: ignore[attr-defined]
        assert flags(one, sid) == {}
        assert nearest_ids(one, exclude_reported="parking_full") == [sid, second]
