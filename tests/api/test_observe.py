"""Operations (issue 18): request ids, the JSON request line, and the Prometheus
metrics after a known sequence of requests, in one process and across two workers."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient

from api.observe import ACCESS, JsonLines
from tests.api.test_access import new_key
from tests.conftest import AUTH, feature, make_app
from tests.servers import serve


class Lines(logging.Handler):
    """The request lines, as the JSON formatter writes them."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonLines())
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def lines() -> Iterator[Lines]:
    handler = Lines()
    ACCESS.addHandler(handler)
    yield handler
    ACCESS.removeHandler(handler)


def _count(text: str, route: str, status: str) -> float:
    pattern = (
        rf'^stationfinder_http_requests_total\{{method="GET",route="{re.escape(route)}",'
        rf'status="{status}"\}} (\S+)$'
    )
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_a_request_id_is_kept_or_made_and_always_returned(client: TestClient) -> None:
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-1a2b.3c_4d"})
    assert kept.headers["x-request-id"] == "proxy-1a2b.3c_4d"
    for bad in ("has space", "<script>", "x" * 129):
        made = client.get("/healthz", headers={"X-Request-ID": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"]), bad
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/nope").headers["x-request-id"])


def test_one_json_line_per_request_with_the_key_prefix_only(
    client: TestClient, lines: Lines
) -> None:
    headers, record = new_key(client, role="admin")
    answer = client.get("/v1/stations/12345", headers=headers | {"X-Request-ID": "r-1"})
    assert answer.status_code == 404
    [line] = [ln for ln in lines.lines if ln["request_id"] == "r-1"]
    assert line["route"] == "/v1/stations/{station_id}"
    assert line["path"] == "/v1/stations/12345"
    assert (line["method"], line["status"], line["key"]) == ("GET", 404, record.prefix)
    assert isinstance(line["duration_ms"], float)
    assert headers["Authorization"][7:] not in json.dumps(lines.lines)  # never the whole key
    assert set(line) == {"time", "request_id", "method", "path", "route", "status",
                         "duration_ms", "client", "key"}  # fmt: skip


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    before = client.get("/metrics").text
    for sid in (1, 2, 3):
        client.get(f"/v1/stations/{sid}")
    client.get("/healthz")
    after = client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    route = "/v1/stations/{station_id}"
    assert _count(after.text, route, "4xx") - _count(before, route, "4xx") == 3
    assert _count(after.text, "/healthz", "2xx") - _count(before, "/healthz", "2xx") == 1
    assert "stationfinder_http_request_duration_seconds_bucket" in after.text
    assert re.search(r'^stationfinder_index_stations\{pid="\d+"\} 0\.0$', after.text, re.M)
    assert '/v1/stations/1"' not in after.text  # templates, never raw paths


def test_metrics_count_searches_by_filter_and_reports_by_kind(client: TestClient) -> None:
    def count(text: str, name: str, label: str) -> float:
        found = re.search(rf"^{name}\{{{label}\}} (\S+)$", text, re.MULTILINE)
        return float(found.group(1)) if found else 0.0

    before = client.get("/metrics").text
    near = {"lon": "116.4", "lat": "39.9"}
    client.get("/v1/stations/nearest", params=near | {"open_at": "any"})
    client.get(
        "/v1/stations/nearest", params=near | {"amenities": "toilet", "max_distance_m": "900"}
    )
    made = client.post("/v1/stations", json=feature(name="报告"), headers=AUTH).json()
    client.post(f"/v1/stations/{made['id']}/reports", json={"kind": "parking_full"})
    after = client.get("/metrics").text
    searches = "stationfinder_searches_total"
    for label, more in (('filter="none"', 1), ('filter="amenities"', 1), ('filter="radius"', 1),
                        ('filter="open_at"', 1)):  # fmt: skip
        assert count(after, searches, label) - count(before, searches, label) == more, label
    kind = 'kind="parking_full"'
    assert (
        count(after, "stationfinder_reports_total", kind)
        - count(before, "stationfinder_reports_total", kind)
        == 1
    )
    assert re.search(r'^stationfinder_index_build_seconds\{pid="\d+"\} ', after, re.MULTILINE)


def test_metrics_count_import_rows_by_outcome(client: TestClient) -> None:
    def count(text: str, outcome: str) -> float:
        name = "stationfinder_import_rows_total"
        found = re.search(rf'^{name}\{{outcome="{outcome}"\}} (\S+)$', text, re.MULTILINE)
        return float(found.group(1)) if found else 0.0

    before = client.get("/metrics").text
    rows = "驿站名称,经度,纬度\n甲站,116.40,39.90\n乙站,116.41,39.91\n丙站,abc,39.9\n"
    answer = client.post("/v1/imports", files={"file": ("list.csv", rows.encode())},
                         data={"crs": "wgs84"}, headers=AUTH)  # fmt: skip
    assert answer.status_code == 200, answer.text
    after = client.get("/metrics").text
    assert count(after, "created") - count(before, "created") == 2
    assert count(after, "rejected") - count(before, "rejected") == 1


def test_metrics_can_be_off_or_behind_a_token(db_url: str) -> None:
    with TestClient(make_app(db_url, metrics=False)) as off:
        assert off.get("/metrics").status_code == 404
    with TestClient(make_app(db_url, metrics_token="scrape-secret-0123")) as guarded:
        assert guarded.get("/metrics").status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert guarded.get("/metrics", headers=wrong).status_code == 401
        right = {"Authorization": "Bearer scrape-secret-0123"}
        assert guarded.get("/metrics", headers=right).status_code == 200


def test_two_workers_report_every_request(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/w.db"
    with (
        serve(url, tmp_path / "w.log", "--workers", "2", "--access-log") as base,
        httpx2.Client(base_url=base) as http,
    ):
        before = http.get("/metrics").text
        for _ in range(40):  # new connections: both workers take some
            with httpx2.Client(base_url=base) as one:
                assert one.get("/healthz").status_code == 200
        after = http.get("/metrics").text
    assert _count(after, "/healthz", "2xx") - _count(before, "/healthz", "2xx") == 40
    pids = set(re.findall(r'^stationfinder_index_stations\{pid="(\d+)"\}', after, re.MULTILINE))
    assert len(pids) == 1  # the gauges of the worker that answered the scrape
    logged = (tmp_path / "w.log").read_text()
    assert logged.count('"route":"/healthz"') == 40  # JSON lines: the log is not a terminal
