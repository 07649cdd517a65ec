"""Who may write what over HTTP (API keys, roles, districts) and the audit log of writes.

Every test runs on SQLite and PostGIS (the ``client`` fixture). Keys are made in the
app's store the way ``stationfinder keys create`` makes them.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from geo.access import SYSTEM, ApiKey
from geo.keys import create_key, revoke_key
from tests.conftest import AUTH, assert_error, feature, make_app, post_station
from tests.geo.imports.fixtures import csv_text

CHAOYANG, HAIDIAN = "110105", "110108"
# A position inside each district (WGS84): a station is in the district it stands in;
# None: Hong Kong, in no district of mainland China.
AT: dict[str | None, tuple[float, float]] = {
    CHAOYANG: (116.4551, 39.9075),  # 国贸
    HAIDIAN: (116.3100, 39.9920),  # 中关村
    None: (114.1694, 22.3193),
}
JIEFANGBEI = (106.5775, 29.5575)  # 重庆渝中区解放碑


def placed(adcode: str | None, **props: Any) -> dict[str, Any]:
    """A station body standing in district ``adcode`` and labelled with it."""
    return feature(*AT[adcode], adcode=adcode, **props)


def new_key(
    client: TestClient, role: str = "editor", adcodes: tuple[str, ...] = (CHAOYANG,)
) -> tuple[dict[str, str], ApiKey]:
    """A fresh key in the app's store: its Authorization header and its record."""
    name = "朝阳区总工会" if role == "editor" else "市总工会"
    codes = adcodes if role == "editor" else ()
    key, record = create_key(store(client), name=name, role=role, adcodes=codes, actor=SYSTEM)
    return {"Authorization": f"Bearer {key}"}, record


def store(client: TestClient) -> Any:
    return client.app.state.registry.store  # type: ignore[attr-defined]


def station(client: TestClient, adcode: str | None, **props: Any) -> int:
    """A station made by the bootstrap admin; its id."""
    sid: int = post_station(client, placed(adcode, **props))["id"]
    return sid


def audit(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/audit", params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def upload(client: TestClient, rows: list[list[str]], headers: dict[str, str]) -> httpx2.Response:
    content = csv_text([["编号", "驿站名称", "经度", "纬度", "行政区划代码"], *rows]).encode()
    files = {"file": ("list.csv", content)}
    return client.post("/v1/imports", files=files, data={"crs": "wgs84"}, headers=headers)


# -- an editor inside their districts ------------------------------------------------------


def test_editor_writes_stations_in_their_district(client: TestClient) -> None:
    editor, key = new_key(client, adcodes=(CHAOYANG, HAIDIAN))
    response = client.post("/v1/stations", json=placed(CHAOYANG), headers=editor)
    assert response.status_code == 201, response.text
    sid = response.json()["id"]
    moved = placed(HAIDIAN, phone="010-1")  # to another of theirs, label and position
    patch = {"geometry": moved["geometry"], "properties": {"phone": "010-1", "adcode": HAIDIAN}}
    response = client.patch(f"/v1/stations/{sid}", json=patch, headers=editor)
    assert response.status_code == 200, response.text
    body = placed(HAIDIAN, name="换了名字")
    response = client.put(f"/v1/stations/{sid}", json=body, headers=editor)
    assert response.status_code == 200, response.text
    assert client.delete(f"/v1/stations/{sid}", headers=editor).status_code == 204
    actions = [(e["action"], e["actor"]) for e in reversed(audit(client, station_id=sid))]
    assert actions == [(a, f"key:{key.id}") for a in ("create", "update", "update", "delete")]


# -- an editor outside them: 403, nothing written, nothing logged ------------------------

TO_JIEFANGBEI = {"type": "Point", "coordinates": list(JIEFANGBEI)}
OUTSIDE = [
    # (what, method, url template, body); {other} is a Haidian station, {own} a Chaoyang
    # one, {bare} one in Hong Kong, outside every district of mainland China
    ("create-other", "POST", "/v1/stations", placed(HAIDIAN)),
    ("create-no-adcode", "POST", "/v1/stations", placed(None)),  # admins only
    ("patch-other", "PATCH", "/v1/stations/{other}", {"properties": {"phone": "1"}}),
    ("put-other", "PUT", "/v1/stations/{other}", placed(CHAOYANG)),  # pull it in
    ("put-other-as-it-is", "PUT", "/v1/stations/{other}", placed(HAIDIAN)),  # no-op
    ("put-move-out", "PUT", "/v1/stations/{own}", placed(HAIDIAN)),
    ("put-drop-adcode", "PUT", "/v1/stations/{own}", placed(None)),
    ("delete-other", "DELETE", "/v1/stations/{other}", None),
    ("delete-no-adcode", "DELETE", "/v1/stations/{bare}", None),
    ("create-at-jiefangbei", "POST", "/v1/stations", feature(*JIEFANGBEI, phone="1")),
    ("patch-move-own-to-jiefangbei", "PATCH", "/v1/stations/{own}", {"geometry": TO_JIEFANGBEI}),
    ("put-own-into-haidian", "PUT", "/v1/stations/{own}", feature(*AT[HAIDIAN])),
]  # fmt: skip
# Their own label on a position in another district: the label is only text, and the
# position's district is not theirs; refused before access is even asked.
MISLABELLED = [
    ("create-own-label-at-jiefangbei", "POST", "/v1/stations",
     feature(*JIEFANGBEI, adcode=CHAOYANG, amenities=["ev_charging"])),
    ("create-own-label-in-haidian", "POST", "/v1/stations",
     feature(*AT[HAIDIAN], adcode=CHAOYANG)),
    ("patch-label-only", "PATCH", "/v1/stations/{own}", {"properties": {"adcode": HAIDIAN}}),
    ("put-own-into-haidian-labelled", "PUT", "/v1/stations/{own}",
     feature(*AT[HAIDIAN], adcode=CHAOYANG)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "method", "url", "body", "status", "code"),
    [(*r, 403, "forbidden_district") for r in OUTSIDE]
    + [(*r, 422, "district_mismatch") for r in MISLABELLED],
    ids=[r[0] for r in OUTSIDE + MISLABELLED],
)
def test_editor_cannot_touch_another_district(
    client: TestClient, what: str, method: str, url: str, body: Any, status: int, code: str
) -> None:
    ids = {
        "own": station(client, CHAOYANG),
        "other": station(client, HAIDIAN),
        "bare": station(client, None),
    }
    editor, _ = new_key(client)
    before = client.get("/v1/stations", params={"limit": 100}).json()["features"]
    logged = audit(client)
    response = client.request(method, url.format(**ids), json=body, headers=editor)
    error = assert_error(response, status, code)
    reason = "outside_your_districts" if status == 403 else "district_mismatch"
    assert error["details"][0]["reason"] == reason
    assert client.get("/v1/stations", params={"limit": 100}).json()["features"] == before
    assert audit(client) == logged


def test_a_null_place_label_is_no_label(client: TestClient) -> None:
    """The place fields follow the position: PATCH ``adcode: null`` asks nothing of
    them, and the station stays in its district."""
    editor, _ = new_key(client)
    own = station(client, CHAOYANG)
    response = client.patch(
        f"/v1/stations/{own}", json={"properties": {"adcode": None}}, headers=editor
    )
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["adcode"] == CHAOYANG


def test_editor_import_rejects_rows_outside_their_districts(client: TestClient) -> None:
    haidian = station(client, HAIDIAN, name="海淀驿站", external_id="HD-1")
    editor, key = new_key(client)
    rows = [
        ["CY-1", "朝阳驿站", "116.46", "39.92", CHAOYANG],  # row 2: theirs
        ["HD-2", "海淀新驿站", "116.30", "39.96", HAIDIAN],  # row 3: not theirs
        ["NO-1", "无区划驿站", "116.40", "39.90", ""],  # row 4: no district
        ["HD-1", "海淀驿站改名", "116.30", "39.97", CHAOYANG],  # row 5: pulls a Haidian one in
        ["CY-2", "解放碑充电站", "106.5775", "29.5575", CHAOYANG],  # row 6: theirs by label only
        ["CY-3", "海淀的朝阳站", "116.30", "39.96", CHAOYANG],  # row 7: in Haidian
    ]
    response = upload(client, rows, editor)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["rejected"], report["committed"]) == (1, 5, True)
    errors = [i for i in report["issues"] if i["severity"] == "error"]
    assert [(i["row"], i["code"]) for i in errors] == [
        (r, "outside_your_districts") for r in (3, 4, 5, 6, 7)
    ]
    assert [i["column"] for i in errors[3:]] == ["lon/lat", "lon/lat"]
    assert "渝中区 (500103)" in errors[3]["message"]
    assert "渝中区 (500103)" in errors[3]["message_zh"]
    names = {f["properties"]["name"] for f in client.get("/v1/stations").json()["features"]}
    assert names == {"朝阳驿站", "海淀驿站"}  # the Haidian station is untouched
    assert client.get(f"/v1/stations/{haidian}").json()["properties"]["adcode"] == HAIDIAN
    entries = audit(client, actor=f"key:{key.id}")
    assert [e["action"] for e in entries] == ["import", "create"]
    assert entries[0]["summary"]["rejected"] == 5


def test_editor_cannot_read_the_audit_log(client: TestClient) -> None:
    editor, _ = new_key(client)
    assert_error(client.get("/v1/audit", headers=editor), 403, "forbidden")
    assert_error(client.get("/v1/audit"), 401, "unauthorized")


# -- keys: revoked, unknown, admin, bootstrap ------------------------------------------------


def test_a_revoked_key_is_refused(client: TestClient) -> None:
    editor, key = new_key(client)
    assert client.post("/v1/stations", json=placed(CHAOYANG), headers=editor).is_success
    revoke_key(store(client), key_id=key.id, actor=SYSTEM)
    response = client.post("/v1/stations", json=placed(CHAOYANG), headers=editor)
    assert_error(response, 401, "key_revoked")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/v1/stations").json()["numberMatched"] == 1


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer sf_" + "A" * 43,  # the shape of a key, but never made
        "Bearer not-a-key",
        "Bearer ",  # empty
        "Token sf_whatever",  # another scheme
    ],
)
def test_an_unknown_key_is_refused(client: TestClient, authorization: str) -> None:
    new_key(client)
    response = client.post("/v1/stations", json=feature(), headers={"Authorization": authorization})
    assert_error(response, 401, "unauthorized")


def test_an_admin_key_writes_anywhere_and_reads_the_log(client: TestClient) -> None:
    admin, key = new_key(client, role="admin")
    response = client.post("/v1/stations", json=feature(), headers=admin)  # no adcode
    assert response.status_code == 201, response.text
    response = client.get("/v1/audit", headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["entries"][0]["actor"] == f"key:{key.id}"
    last_used = next(k for k in store(client).list_keys() if k.id == key.id).last_used_at
    assert last_used is not None


def test_the_bootstrap_token_is_an_admin(client: TestClient) -> None:
    new_key(client)  # keys existing does not retire the bootstrap token
    sid = station(client, None)
    (entry,) = audit(client, station_id=sid)
    assert (entry["actor"], entry["actor_name"]) == ("bootstrap", "STATIONFINDER_ADMIN_TOKEN")


def test_keys_enable_writes_without_a_bootstrap_token(db_url: str) -> None:
    with TestClient(make_app(db_url, admin_token=None)) as c:
        assert_error(c.post("/v1/stations", json=feature()), 403, "writes_disabled")
        admin, _ = new_key(c, role="admin")
        assert c.post("/v1/stations", json=feature(), headers=admin).status_code == 201
        assert_error(c.post("/v1/stations", json=feature()), 401, "unauthorized")
        assert_error(c.post("/v1/stations", json=feature(), headers=AUTH), 401, "unauthorized")


# -- the audit log ---------------------------------------------------------------------------


def test_every_write_is_logged_with_before_and_after(client: TestClient) -> None:
    editor, key = new_key(client)
    actor = f"key:{key.id}"
    created = client.post(
        "/v1/stations", json=placed(CHAOYANG, phone="010-1"), headers=editor
    ).json()
    sid = created["id"]
    client.patch(f"/v1/stations/{sid}", json={"properties": {"phone": "010-2"}}, headers=editor)
    client.patch(f"/v1/stations/{sid}", json={"properties": {"phone": "010-2"}}, headers=editor)
    client.put(f"/v1/stations/{sid}", json=placed(CHAOYANG, name="新名"), headers=editor)
    client.delete(f"/v1/stations/{sid}", headers=editor)
    entries = list(reversed(audit(client, station_id=sid)))
    assert [(e["action"], e["actor"], e["actor_name"]) for e in entries] == [
        ("create", actor, "朝阳区总工会"),
        ("update", actor, "朝阳区总工会"),  # the second, identical patch changed nothing
        ("update", actor, "朝阳区总工会"),
        ("delete", actor, "朝阳区总工会"),
    ]
    create, patch, put, delete = entries
    assert create["before"] is None
    assert create["after"]["name"] == "测试驿站"
    assert (create["after"]["adcode"], create["after"]["phone"]) == (CHAOYANG, "010-1")
    assert create["after"]["lon"] == created["geometry"]["coordinates"][0]
    assert create["at"] == created["properties"]["created_at"]
    assert (patch["before"], patch["after"]) == ({"phone": "010-1"}, {"phone": "010-2"})
    assert put["before"] == {"name": "测试驿站", "phone": "010-2"}
    assert put["after"] == {"name": "新名", "phone": None}
    assert delete["before"]["name"] == "新名"
    assert delete["after"] is None
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)


def test_an_import_logs_each_station_and_a_summary(client: TestClient) -> None:
    rows = [["A-1", "甲站", "116.46", "39.92", CHAOYANG], ["A-2", "乙站", "116.47", "39.93", ""]]
    assert upload(client, rows, AUTH).json()["created"] == 2
    rows[0][1] = "甲站改名"
    assert upload(client, rows, AUTH).json()["updated"] == 1
    entries = audit(client, actor="bootstrap")
    assert [e["action"] for e in entries] == ["import", "update", "import", "create", "create"]
    assert (entries[1]["before"], entries[1]["after"]) == ({"name": "甲站"}, {"name": "甲站改名"})
    summary = entries[0]["summary"]
    assert summary == {
        "file": "list.csv", "format": "csv", "mode": "commit", "datum": "wgs84",
        "rows": 2, "created": 0, "updated": 1, "unchanged": 1, "duplicates": 0, "rejected": 0,
    }  # fmt: skip
    dry = client.post(
        "/v1/imports",
        files={"file": ("x.csv", csv_text([["驿站名称", "经度", "纬度"], ["丙", "116", "39"]]))},
        data={"crs": "wgs84", "dry_run": "true"},
        headers=AUTH,
    )
    assert dry.status_code == 200, dry.text
    assert len(audit(client)) == 5  # a dry run writes nothing, logs nothing


def test_audit_filters_and_pages(client: TestClient) -> None:
    editor, key = new_key(client)
    a = station(client, CHAOYANG)
    b = station(client, CHAOYANG)
    client.patch(f"/v1/stations/{a}", json={"properties": {"phone": "1"}}, headers=editor)
    client.delete(f"/v1/stations/{b}", headers=AUTH)
    everything = audit(client)
    assert [e["action"] for e in everything] == [
        "delete", "update", "create", "create", "key_create"
    ]  # fmt: skip
    assert everything[-1]["summary"]["key_id"] == key.id
    assert [e["station_id"] for e in audit(client, station_id=a)] == [a, a]
    assert [e["action"] for e in audit(client, actor=f"key:{key.id}")] == ["update"]
    assert [e["station_id"] for e in audit(client, action="create")] == [b, a]
    assert audit(client, since="2100-01-01T00:00:00Z") == []
    assert audit(client, since="2000-01-01T00:00:00+08:00") == everything
    seen, url = [], "/v1/audit?limit=3"
    while url:
        page = client.get(url, headers=AUTH).json()
        seen += page["entries"]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), "")
    assert seen == everything


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": 0}, "invalid_parameter"),
        ({"limit": 1001}, "invalid_parameter"),
        ({"action": "rename"}, "invalid_parameter"),
        ({"since": "yesterday"}, "invalid_datetime"),
        ({"station_id": "x"}, "invalid_parameter"),
    ],
)
def test_audit_rejects_bad_parameters(
    client: TestClient, params: dict[str, Any], code: str
) -> None:
    assert_error(client.get("/v1/audit", params=params, headers=AUTH), 422, code)
