"""What a Chinese reader means by a station's hours, through the API's ``open_at`` filter.

Each row: the hours as a union writes them, a moment in Beijing time, whether a rider
asking "open now?" then must find the station, and why. The forms are those issue 21
found misread or refused; the moments are the ones where a misreading shows. 2026 days:
11-23 Monday; 11-28 Saturday; 02-14 and 10-10 Saturdays worked (调休); 02-15..23 Spring
Festival, 10-01..07 National Day holidays (the State Council's notice of 2025-11-04).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import feature, post_station

CASES = [
    # 节假日休息: every day off of the notice, not one per festival
    ("24小时（节假日休息）", "2026-02-18T12:00", False, "Spring Festival holiday, 4th day"),
    ("24小时（节假日休息）", "2026-10-05T12:00", False, "National Day holiday, 5th day"),
    ("24小时（节假日休息）", "2026-10-08T12:00", True, "the first working day after it"),
    # 工作日: working days, the 调休 Saturdays included, the holidays not
    ("工作日 8:30-17:30", "2026-10-02T10:00", False, "a Friday of the National Day holiday"),
    ("工作日 8:30-17:30", "2026-02-14T10:00", True, "Saturday 02-14 is a working day"),
    ("工作日 8:30-17:30", "2026-11-23T10:00", True, "an ordinary Monday"),
    ("工作日 8:30-17:30", "2026-11-28T10:00", False, "an ordinary Saturday"),
    # 12-hour clocks
    ("晚8点-12点", "2026-11-23T21:00", True, "evening, 20:00 to midnight"),
    ("晚8点-12点", "2026-11-24T11:00", False, "not until noon the next day"),
    ("9点-5点", "2026-11-23T16:00", True, "朝九晚五: nine to five"),
    ("9点-5点", "2026-11-24T03:00", False, "not to five in the morning"),
    ("上午9点-5点", "2026-11-23T16:00", True, "上午 once: the end is the afternoon"),
    ("上午10点-2点", "2026-11-23T13:00", True, "10:00-14:00"),
    ("上午10点-2点", "2026-11-24T01:00", False, "not until two at night"),
    ("早8晚8", "2026-11-23T19:00", True, "08:00-20:00"),
    ("早8晚8", "2026-11-23T21:00", False, "closed after eight in the evening"),
    # 次日: the end is the next morning
    ("22:00-次日06:00", "2026-11-24T03:00", True, "the night of the 23rd"),
    ("晚10点-次日6点", "2026-11-24T03:00", True, "the same, spoken"),
    ("晚10点-次日6点", "2026-11-24T12:00", False, "closed by day"),
    # the week written as people write it
    ("周1至周5 9:00-17:00", "2026-11-23T10:00", True, "digits for the days"),
    ("周1至周5 9:00-17:00", "2026-11-28T10:00", False, "Saturday"),
    ("8:00-20:00（周一至周五），周末9:00-17:00", "2026-11-28T18:00", False, "weekend hours"),
    ("8:00-20:00（周一至周五），周末9:00-17:00", "2026-11-23T18:00", True, "weekday hours"),
    ("周一至周五 9:00-17:00，周末及节假日休息", "2026-10-02T10:00", False, "a holiday Friday"),
    ("周一至周五 9:00-17:00，周末及节假日休息", "2026-11-28T10:00", False, "a weekend"),
    ("周一至周五 9:00-17:00，周末及节假日休息", "2026-02-14T10:00", True, "a worked Saturday"),
    # lunch breaks
    ("09:00-21:00，12:00-13:00休息", "2026-11-23T12:30", False, "lunch break"),
    ("09:00-21:00，12:00-13:00休息", "2026-11-23T14:00", True, "after lunch"),
    # every day of the year
    ("全年无休 8:00-20:00", "2026-10-01T10:00", True, "National Day too"),
    ("全年无休", "2026-11-23T10:00", False, "every day, at hours not said: unknown"),
    # the night belongs to the evening it begins on
    ("晚10点-早6点，节假日休息", "2026-10-01T03:00", True, "the night of 09-30, a workday"),
    ("晚10点-早6点，节假日休息", "2026-10-01T23:00", False, "no night shift on a day off"),
    ("晚10点-早6点，节假日休息", "2026-10-08T03:00", False, "the night of 10-07 did not happen"),
    ("晚10点-早6点，节假日休息", "2026-10-08T23:00", True, "the first working night"),
    (
        "周一至周四 10:00-22:00，周五至周日 10:00-次日02:00",
        "2026-11-23T01:00",
        True,
        "Sunday's late night runs into Monday",
    ),
    # a comment is not hours
    ('"by appointment"', "2026-11-23T10:00", False, "unknown: never listed as open"),
]


@pytest.fixture
def stations(client: TestClient) -> dict[str, tuple[float, float]]:
    """One station per distinct text, 2 km apart, in Beijing."""
    where: dict[str, tuple[float, float]] = {}
    for i, text in enumerate(dict.fromkeys(text for text, *_ in CASES)):
        lon, lat = 116.20 + (i % 10) * 0.025, 39.80 + (i // 10) * 0.02
        post_station(client, feature(lon, lat, name=f"驿站{i}", opening_hours=text))
        where[text] = (lon, lat)
    return where


def test_the_reader_cases_pass_through_open_at(
    client: TestClient, stations: dict[str, tuple[float, float]]
) -> None:
    wrong = []
    for text, when, expected, why in CASES:
        lon, lat = stations[text]
        response = client.get(
            "/v1/stations/nearest",
            params={"lon": lon, "lat": lat, "k": 1, "max_distance_m": 1, "open_at": when},
        )
        assert response.status_code == 200, response.text
        found = response.json()["numberReturned"] == 1
        if found is not expected:
            wrong.append(f"{text} at {when}: {'open' if found else 'not open'} ({why})")
    assert wrong == []
