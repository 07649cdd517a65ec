"""A station closed on a courier's report until a date, over HTTP (issue 16), on SQLite
and PostGIS: ``reopens_at`` in a confirmation's body, in its answer and in every answer
of the station; the refusals; and the station open again when the date comes (the
sweep each worker's follower runs, called here on the test's clock)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.schemas.reports import VerdictAnswer
from geo.clock import ManualClock
from tests.api.test_reports import GUOMAO, app_client, audit, nearest_ids, place, sent
from tests.conftest import AUTH, assert_error

WEDNESDAY_UTC = "2026-11-24T16:00:00Z"  # 2026-11-25 00:00 in Beijing


@pytest.fixture
def api(db_url: str, clock: ManualClock) -> Iterator[TestClient]:
    with app_client(db_url) as c:
        yield c


def confirm(api: TestClient, report_id: int, **body: Any) -> Any:
    return api.post(f"/v1/reports/{report_id}/confirm", json=body, headers=AUTH)


def properties(api: TestClient, station_id: int) -> dict[str, Any]:
    response = api.get(f"/v1/stations/{station_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["properties"]
    return found


def test_closed_until_a_date_then_open_again(api: TestClient, clock: ManualClock) -> None:
    sid = place(api, "国贸驿站")
    report_id = sent(api, sid, "closed_now")["report"]["id"]
    response = confirm(api, report_id, note="装修到周二", reopens_at="2026-11-25")
    assert response.status_code == 200, response.text
    verdict = response.json()
    VerdictAnswer.model_validate(verdict)  # the documented shape, with a date
    assert verdict["reopens_at"] == WEDNESDAY_UTC
    assert verdict["changed"] == {"status": "temporarily_closed"}
    assert verdict["station"]["reopens_at"] == WEDNESDAY_UTC
    station = properties(api, sid)
    assert (station["status"], station["reopens_at"]) == ("temporarily_closed", WEDNESDAY_UTC)
    listed = api.get("/v1/stations", params={"status": "temporarily_closed"}).json()
    assert [f["properties"]["reopens_at"] for f in listed["features"]] == [WEDNESDAY_UTC]
    (near,) = api.get(
        "/v1/stations/nearest", params={"lon": GUOMAO[0], "lat": GUOMAO[1], "status": "any"}
    ).json()["features"]
    assert near["properties"]["reopens_at"] == WEDNESDAY_UTC
    assert sid not in nearest_ids(api)
    (entry,) = audit(api, action="report_confirm")
    assert entry["after"]["reopens_at"] == WEDNESDAY_UTC

    clock.advance(36 * 3600)  # Wednesday 00:00 in Beijing
    registry = api.app.state.registry  # type: ignore[attr-defined]
    assert [s.id for s in registry.reopen_due()] == [sid]  # what each worker's follower runs
    station = properties(api, sid)
    assert (station["status"], station["reopens_at"]) == ("open", None)
    assert sid in nearest_ids(api)
    (reopen,) = audit(api, action="reopen")
    assert (reopen["station_id"], reopen["actor"]) == (sid, "system")
    assert reopen["after"]["reopens_at"] == WEDNESDAY_UTC
    assert reopen["after"]["report"] == report_id


@pytest.mark.parametrize(
    ("value", "code", "field_in"),
    [
        ("明天", "invalid_datetime", "reopens_at"),
        ("2026-11-01", "invalid_datetime", "reopens_at"),  # passed
        ("2028-01-01", "invalid_datetime", "reopens_at"),  # more than a year ahead
        (20261125, "invalid_parameter", "reopens_at"),
        (["2026-11-25"], "invalid_parameter", "reopens_at"),
    ],
)
def test_a_date_that_cannot_be_is_refused_and_nothing_changes(
    api: TestClient, value: object, code: str, field_in: str
) -> None:
    sid = place(api, "国贸驿站")
    report_id = sent(api, sid, "closed_now")["report"]["id"]
    error = assert_error(confirm(api, report_id, reopens_at=value), 422, code)
    assert error["details"][0]["field"] == field_in
    assert "reopens_at" in error["message"]
    assert "reopens_at" in error["message_zh"]
    assert properties(api, sid)["status"] == "open"
    assert audit(api, action="report_confirm") == []


def test_a_date_on_a_dismissal_or_another_kind_is_refused(api: TestClient) -> None:
    sid = place(api, "国贸驿站")
    closed = sent(api, sid, "closed_now")["report"]["id"]
    parking = sent(api, sid, "parking_full", n=2)["report"]["id"]
    dismissal = api.post(
        f"/v1/reports/{closed}/dismiss", json={"reopens_at": "2026-11-25"}, headers=AUTH
    )
    assert assert_error(dismissal, 422, "invalid_parameter")["details"] == [{"field": "reopens_at"}]
    assert_error(confirm(api, parking, reopens_at="2026-11-25"), 422, "invalid_parameter")
    assert [f["kind"] for f in properties(api, sid)["reports"]] == ["closed_now", "parking_full"]
    refused = assert_error(confirm(api, closed, until="2026-11-25"), 422, "invalid_parameter")
    assert refused["details"] == [{"field": "until", "accepted": ["note", "reopens_at"]}]
