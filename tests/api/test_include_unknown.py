"""``include_unknown``: stations whose state at ``open_at`` is unknown are left out of a
search for open stations unless asked for (nearest, along-route GET and POST, the CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import feature, post_station

# 2026-11-23 is a Monday; 2027-01-04 is a Monday of a year the calendar does not know.
STATIONS = [
    ("开放驿站", "08:00-20:00"),  # open at 10:00
    ("预约驿站", '"by appointment"'),  # unknown: a comment alone
    ("无时间驿站", None),  # hours not recorded
    ("夜间驿站", "20:00-06:00"),  # closed at 10:00
    ("节假日驿站", "周一至周五 9:00-17:00，节假日休息"),  # unknown in 2027, open in 2026
]
ROUTE = "116.3990,39.9087;116.4100,39.9087"


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    for i, (name, hours) in enumerate(STATIONS):
        post_station(client, feature(116.40 + i / 1000, 39.9087, name=name, opening_hours=hours))
    return client


def names(body: dict[str, object]) -> dict[str, object]:
    features = body["features"]
    assert isinstance(features, list)
    return {f["properties"]["name"]: f["properties"]["open_at_time"] for f in features}


@pytest.mark.parametrize(
    ("open_at", "include", "expected"),
    [
        ("2026-11-23T10:00", None, {"开放驿站": True, "节假日驿站": True}),
        ("2026-11-23T10:00", "false", {"开放驿站": True, "节假日驿站": True}),
        (
            "2026-11-23T10:00",
            "true",
            {"开放驿站": True, "节假日驿站": True, "预约驿站": None, "无时间驿站": None},
        ),
        ("2027-01-04T10:00", None, {"开放驿站": True}),  # is 2027-01-04 a day off? unknown
        (
            "2027-01-04T10:00",
            "true",
            {"开放驿站": True, "节假日驿站": None, "预约驿站": None, "无时间驿站": None},
        ),
    ],
)
def test_unknown_states_only_when_asked(
    seeded: TestClient, open_at: str, include: str | None, expected: dict[str, object]
) -> None:
    extra = {"open_at": open_at} | ({"include_unknown": include} if include else {})
    nearest = seeded.get(
        "/v1/stations/nearest", params={"lon": 116.40, "lat": 39.9087, "k": 10} | extra
    )
    along = seeded.get("/v1/stations/along-route", params={"route": ROUTE, "width_m": 100} | extra)
    posted = seeded.post(
        "/v1/stations/along-route",
        params={"width_m": 100} | extra,
        json={"type": "LineString", "coordinates": [[116.399, 39.9087], [116.41, 39.9087]]},
    )
    for response in (nearest, along, posted):
        assert response.status_code == 200, response.text
        body = response.json()
        assert names(body) == expected
        assert body["query"]["include_unknown"] is (include == "true")


def test_include_unknown_must_be_true_or_false(seeded: TestClient) -> None:
    response = seeded.get(
        "/v1/stations/nearest", params={"lon": 116.40, "lat": 39.9087, "include_unknown": "maybe"}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert "include_unknown" in error["message"]
    assert "include_unknown" in error["message_zh"]


def test_cli_include_unknown(seeded: TestClient, db_url: str, tmp_path: Path) -> None:
    args = ["nearest", "--lon", "116.40", "--lat", "39.9087", "--k", "10", "--json"]
    args += ["--open-at", "2026-11-23T10:00", "--database-url", db_url]
    plain = CliRunner().invoke(app, args)
    wide = CliRunner().invoke(app, [*args, "--include-unknown"])
    assert plain.exit_code == 0, plain.output
    assert wide.exit_code == 0, wide.output
    assert "预约驿站" not in plain.output
    assert "预约驿站" in wide.output
    assert "无时间驿站" in wide.output


@pytest.mark.parametrize(
    ("open_at", "known"), [("2026-11-23T10:00", True), ("2027-01-04T10:00", False), ("any", None)]
)
def test_answers_say_whether_the_calendar_knows_the_year(
    seeded: TestClient, open_at: str, known: bool | None
) -> None:
    """A year without the State Council's notice is said, not guessed."""
    nearest = seeded.get(
        "/v1/stations/nearest", params={"lon": 116.40, "lat": 39.9087, "open_at": open_at}
    )
    along = seeded.get(
        "/v1/stations/along-route", params={"route": ROUTE, "width_m": 100, "open_at": open_at}
    )
    for response in (nearest, along):
        assert response.status_code == 200, response.text
        assert response.json()["query"]["calendar_known"] is known
