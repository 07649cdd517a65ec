"""Planners and couriers' reports: the open reports by district and kind (JSON, CSV,
XLSX), and coverage figures that leave out stations with a confirmed problem."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl
from fastapi.testclient import TestClient

from geo.access import SYSTEM
from geo.clock import ManualClock, use_clock
from geo.reports.model import ReportClient, new_report
from geo.reports.moderation import Verdict
from tests.conftest import assert_error, feature, post_station

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing
# Dongcheng (110101) and Xicheng (110102), WGS84.
DONGCHENG = [(116.4100, 39.9150), (116.4150, 39.9180), (116.4200, 39.9120)]
XICHENG = [(116.3600, 39.9150)]


def seed(client: TestClient) -> list[int]:
    """Four stations: three in Dongcheng, one in Xicheng; their ids."""
    return [
        post_station(client, feature(lon, lat, name=f"驿站{i}"))["id"]
        for i, (lon, lat) in enumerate(DONGCHENG + XICHENG)
    ]


def report(client: TestClient, station_id: int, kind: str, who: str, **more: object) -> None:
    registry = client.app.state.registry  # type: ignore[attr-defined]
    body = {"kind": kind} | more
    registry.live.report(station_id, new_report(body), ReportClient(who * 16, who))


def test_open_reports_by_district_and_kind(client: TestClient) -> None:
    with use_clock(ManualClock(T0)) as clock:
        a, b, c, x = seed(client)
        report(client, a, "parking_full", "p")
        report(client, a, "parking_full", "q")  # a second client: still one station
        report(client, a, "no_water", "p")
        report(client, b, "no_water", "r")
        report(client, c, "wrong_info", "s", lon=116.50, lat=39.95)  # far: not counted
        report(client, x, "microwave_broken", "t")
        report(client, c, "charger_occupied", "u")
        assert isinstance(clock, ManualClock)
        clock.advance(3 * 3600)  # parking_full and charger_occupied (2 h) have expired
        table = client.get("/v1/reports/by-district", params={"area": "北京市"}).json()
        rows = {d["adcode"]: d for d in table["districts"]}
        assert set(rows) == {"110101", "110102"}
        dongcheng = rows["110101"]
        assert dongcheng["district"] == "东城区"
        assert dongcheng["stations_reported"] == 2  # a and b (no_water)
        assert dongcheng["reports"] == 2
        assert dongcheng["stations_by_kind"]["no_water"] == 2
        assert dongcheng["stations_by_kind"]["parking_full"] == 0
        assert dongcheng["stations_by_kind"]["wrong_info"] == 0
        assert rows["110102"]["stations_by_kind"]["microwave_broken"] == 1
        assert table["total"]["stations_reported"] == 3
        only = client.get("/v1/reports/by-district", params={"area": "西城区"}).json()
        assert [d["adcode"] for d in only["districts"]] == ["110102"]

        text = client.get("/v1/reports/by-district", params={"area": "110000", "format": "csv"})
        assert text.headers["content-type"].startswith("text/csv")
        assert "attachment" in text.headers["content-disposition"]
        lines = list(csv.DictReader(io.StringIO(text.content.decode("utf-8-sig"))))
        assert [r["adcode"] for r in lines] == ["110101", "110102", ""]
        assert lines[0]["no_water"] == "2"
        assert lines[-1]["stations_reported"] == "3"

        book = client.get("/v1/reports/by-district", params={"area": "北京", "format": "xlsx"})
        sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
        assert sheet is not None
        values = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert values[0][:5] == [
            "adcode",
            "district",
            "district_en",
            "stations_reported",
            "reports",
        ]
        assert values[1][:2] == ["110101", "东城区"]


def test_the_table_refuses_what_it_cannot_read(client: TestClient) -> None:
    assert_error(
        client.get("/v1/reports/by-district", params={"area": "火星"}), 422, "invalid_parameter"
    )
    bad = client.get("/v1/reports/by-district", params={"format": "pdf"})
    assert_error(bad, 422, "invalid_parameter")
    assert_error(
        client.get("/v1/reports/by-district", params={"aera": "北京"}), 422, "unknown_parameter"
    )


def test_coverage_leaves_out_stations_with_a_confirmed_problem(client: TestClient) -> None:
    ids = seed(client)
    registry = client.app.state.registry  # type: ignore[attr-defined]
    asked = {"city": "beijing", "district": "东城区", "radius_m": "500"}
    left_out = asked | {"exclude_confirmed": "wrong_location"}

    def stations(params: dict[str, str]) -> int:
        answer = client.get("/v1/coverage/stats", params=params)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["total"]["stations"])

    assert stations(asked) == stations(left_out) == 3
    report(client, ids[0], "wrong_location", "w")
    assert stations(left_out) == 3  # reported, not confirmed: still counted
    found = registry.store.list_reports(now=datetime.now(UTC), station_id=ids[0])
    registry.judge_report(found[0].id, Verdict.CONFIRM, actor=SYSTEM, note="位置偏了")
    assert stations(left_out) == 2  # the cached figures were not reused after the verdict
    assert stations(asked) == 3  # the record did not change: only when asked
    refused = client.get("/v1/coverage/stats", params=asked | {"exclude_confirmed": "all_good"})
    assert_error(refused, 422, "invalid_parameter")
