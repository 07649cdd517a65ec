"""Couriers' reports (issue 16), what one report does: how a body is checked, how long a
report stays active, how distinct couriers are counted, what ``all_good`` ends, and that
a hostile note is kept as data. The store's part runs on SQLite and PostGIS; time is a
ManualClock. Searches, moderation and several servers: test_reports_search.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from geo.clock import ManualClock
from geo.datums import from_wgs84, to_wgs84
from geo.errors import InvalidParameter, MalformedBody
from geo.hours import normalize_opening_hours
from geo.registry import Registry
from geo.reports.kinds import ALL_GOOD, BY_CODE, REPORT_KINDS, parse_kinds
from geo.reports.model import FAR_M, MAX_NOTE, ReportStatus, expires_at, new_report
from geo.search import build_nearest_query
from tests.factories import GEOD
from tests.geo.report_helpers import (
    T0,
    TIANANMEN,
    add_station,
    flags,
    moved,
    nearest_ids,
    send,
)
from tests.hostile import HOSTILE, STORABLE

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
SECOND = timedelta(seconds=1)
WEEKDAYS = "周一至周五 09:00-17:00"  # Mo-Fr 09:00-17:00, Shanghai time


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 given in Shanghai time (UTC+8), as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - 8 * HOUR


# -- a report as sent -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "guess"), [("parking_ful", "parking_full"), ("microwave broke", "microwave_broken"),
                        ("停车位已", "parking_full"), ("xyzzy", None)],
)  # fmt: skip
def test_an_unknown_kind_is_refused_naming_the_closest(text: str, guess: str | None) -> None:
    with pytest.raises(InvalidParameter) as caught:
        new_report({"kind": text})
    (detail,) = caught.value.details
    assert detail["field"] == "kind"
    assert detail["did_you_mean"] == guess
    assert ("did you mean" in caught.value.message) is (guess is not None)
    assert all(k.code in caught.value.message for k in REPORT_KINDS)


@pytest.mark.parametrize("kind", [None, 3, ["parking_full"], ""])
def test_a_missing_or_non_text_kind_is_refused(kind: object) -> None:
    body = {} if kind is None else {"kind": kind}
    with pytest.raises(InvalidParameter):
        new_report(body)


@pytest.mark.parametrize(
    "text", ["parking_full", "停车位已满", "Parking is full", "PARKING IS FULL", " 停车位已满 "]
)
def test_a_kind_is_named_by_its_code_or_either_label(text: str) -> None:
    assert new_report({"kind": text}).kind is BY_CODE["parking_full"]


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(InvalidParameter) as caught:
        new_report({"kind": "parking_full", "photo": "data:image/png;base64,AAAA"})
    assert caught.value.details[0]["field"] == "photo"


def test_a_note_is_one_line_of_at_most_200_characters() -> None:
    assert new_report({"kind": "no_water", "note": "  水龙头\n没水了\t\t 请修理 "}).note == (
        "水龙头 没水了 请修理"
    )
    assert new_report({"kind": "no_water", "note": " \n\t "}).note is None
    longest = "满" * MAX_NOTE
    assert new_report({"kind": "no_water", "note": longest}).note == longest
    # spaces that collapse are not counted
    assert new_report({"kind": "no_water", "note": longest[:100] + "   " + longest[100:199]})
    with pytest.raises(InvalidParameter) as caught:
        new_report({"kind": "no_water", "note": longest + "满"})
    assert caught.value.details[0]["field"] == "note"
    with pytest.raises(InvalidParameter):
        new_report({"kind": "no_water", "note": 42})


@pytest.mark.parametrize(
    "note",
    [
        "没水\x00了",
        "\x1b[31m红字\x1b[0m",
        "铃\x07",
        "退格\x08",
        "删除\x7f",
        "C1\x9b31m",
        "驿站\ud800",
    ],
)
def test_a_note_with_a_control_character_is_refused(note: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        new_report({"kind": "no_water", "note": note})
    assert caught.value.details[0]["field"] == "note"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lon": 116.4}, "lat"),
        ({"lat": 39.9}, "lon"),
        ({"lon": 116.4, "lat": None}, "lat"),
        ({"crs": "gcj02"}, "crs"),
        ({"lon": "116.4", "lat": 39.9}, "lon"),
        ({"lon": True, "lat": 39.9}, "lon"),
        ({"lon": float("nan"), "lat": 39.9}, "lon"),
        ({"lon": 116.4, "lat": float("inf")}, "lat"),
        ({"lon": 116.4, "lat": [39.9]}, "lat"),
        ({"lon": 116.4, "lat": 39.9, "crs": 4326}, "crs"),
    ],
)
def test_half_a_position_or_a_non_number_is_refused(body: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        new_report({"kind": "parking_full"} | body)
    assert caught.value.details[0]["field"] == field


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_a_position_in_another_datum_is_kept_in_wgs84(crs: str) -> None:
    lon, lat = (float(v) for v in from_wgs84(*TIANANMEN, crs))
    assert abs(lon - TIANANMEN[0]) > 1e-3  # the datums really differ here
    report = new_report({"kind": "parking_full", "lon": lon, "lat": lat, "crs": crs})
    want = tuple(float(v) for v in to_wgs84(lon, lat, crs))
    assert (report.lon, report.lat) == pytest.approx(want, abs=1e-12)
    assert GEOD.inv(report.lon, report.lat, *TIANANMEN)[2] < 1.0


@pytest.mark.parametrize("body", [[], "parking_full", None, 3, [{"kind": "parking_full"}]])
def test_a_body_that_is_not_an_object_is_malformed(body: object) -> None:
    with pytest.raises(MalformedBody):
        new_report(body)


def test_parse_kinds_orders_by_vocabulary_and_refuses_all_good_and_unknown_kinds() -> None:
    codes = [k.code for k in parse_kinds("wrong_info, 停车位已满,closed_now,parking_full,,")]
    assert codes == ["closed_now", "parking_full", "wrong_info"]
    assert parse_kinds(["Microwave broken", "no_water"]) == (
        BY_CODE["microwave_broken"],
        BY_CODE["no_water"],
    )
    assert parse_kinds(None) == parse_kinds("") == ()
    for bad in ("all_good", "parking_full,一切正常", ["no_water", "ALL_GOOD"], "parking_ful"):
        with pytest.raises(InvalidParameter):
            parse_kinds(bad)
    with pytest.raises(InvalidParameter):
        build_nearest_query(lon=116.4, lat=39.9, exclude_reported="all_good")


# -- how long a report lasts ------------------------------------------------------------


def test_parking_full_is_active_for_two_hours(registry: Registry, clock: ManualClock) -> None:
    station = add_station(registry)
    report = send(registry, station.id, "parking_full")
    assert report.expires_at == T0 + 2 * HOUR
    clock.advance((2 * HOUR - MINUTE).total_seconds())
    assert flags(registry, station.id) == {"parking_full": 1}
    assert nearest_ids(registry, exclude="parking_full") == []
    assert nearest_ids(registry, exclude="no_water") == [station.id]
    clock.advance(MINUTE.total_seconds())
    assert flags(registry, station.id) == {}
    assert nearest_ids(registry, exclude="parking_full") == [station.id]
    expired = registry.store.list_reports(now=clock.now(), state="expired")
    assert [r.id for r in expired] == [report.id]
    assert registry.store.list_reports(now=clock.now()) == []


def test_a_broken_microwave_is_active_for_seven_days(
    registry: Registry, clock: ManualClock
) -> None:
    station = add_station(registry, amenities=["microwave"])
    assert send(registry, station.id, "microwave_broken").expires_at == T0 + 7 * DAY
    clock.advance((7 * DAY - SECOND).total_seconds())
    assert flags(registry, station.id) == {"microwave_broken": 1}
    assert nearest_ids(registry, exclude="microwave_broken") == []
    clock.advance(SECOND.total_seconds())
    assert flags(registry, station.id) == {}
    assert nearest_ids(registry, exclude="microwave_broken") == [station.id]


@pytest.mark.parametrize(
    ("hours", "at", "until"),
    [
        # Monday 22:00: the station opens on Tuesday at 09:00 (01:00 UTC), within 12 h
        (WEEKDAYS, shanghai(23, 22), shanghai(24, 9)),
        (WEEKDAYS, shanghai(23, 22, 17), shanghai(24, 9)),
        # Monday 07:30, before the day's opening
        (WEEKDAYS, shanghai(23, 7, 30), shanghai(23, 9)),
        # Monday 20:00: Tuesday's 09:00 is 13 h away, so the 12 h lifetime ends it first
        (WEEKDAYS, shanghai(23, 20), shanghai(24, 8)),
        # Monday 12:00, while the hours say open: the next opening is tomorrow, > 12 h
        (WEEKDAYS, shanghai(23, 12), shanghai(24, 0)),
        # Friday 22:00: the next opening is on Monday
        (WEEKDAYS, shanghai(27, 22), shanghai(28, 10)),
        (None, shanghai(23, 20), shanghai(24, 8)),
        ("24/7", shanghai(23, 20), shanghai(24, 8)),
    ],
)
def test_closed_now_ends_at_the_next_opening_or_after_12_hours(
    hours: str | None, at: datetime, until: datetime
) -> None:
    osm = normalize_opening_hours(hours) if hours else None
    assert expires_at(BY_CODE["closed_now"], at, osm) == until


def test_closed_now_at_a_station_ends_when_its_hours_open_it(
    registry: Registry, clock: ManualClock
) -> None:
    weekdays = add_station(registry, opening_hours=WEEKDAYS)
    always = add_station(registry, **moved(*TIANANMEN, 50), opening_hours="24/7")
    unknown = add_station(registry, **moved(*TIANANMEN, 80))
    clock.set(shanghai(23, 22))  # Monday 22:00 in Shanghai
    for station in (weekdays, always, unknown):
        send(registry, station.id, "closed_now")
    every = {weekdays.id, always.id, unknown.id}
    assert set(nearest_ids(registry)) == every
    assert nearest_ids(registry, exclude="closed_now") == []
    clock.set(datetime(2026, 11, 24, 0, 59, 59, tzinfo=UTC))  # Tuesday 08:59:59
    assert flags(registry, weekdays.id) == {"closed_now": 1}
    clock.set(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # 09:00: open by its hours
    assert flags(registry, weekdays.id) == {}
    assert nearest_ids(registry, exclude="closed_now") == [weekdays.id]
    clock.set(datetime(2026, 11, 24, 1, 59, 59, tzinfo=UTC))
    assert flags(registry, always.id) == flags(registry, unknown.id) == {"closed_now": 1}
    clock.set(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))  # 12 h after the reports
    assert set(nearest_ids(registry, exclude="closed_now")) == every


def test_a_repeat_by_the_same_client_refreshes_its_report(
    registry: Registry, clock: ManualClock
) -> None:
    station = add_station(registry)
    first = send(registry, station.id, {"kind": "parking_full", "note": "满了"})
    clock.advance(5400.0)  # 1 h 30 min later, the same phone on another network
    again = send(registry, station.id, "parking_full", address="172.16.0.9")
    assert again.id == first.id
    assert (again.times, again.first_at, again.last_at) == (2, T0, T0 + 90 * MINUTE)
    assert again.expires_at == T0 + 90 * MINUTE + 2 * HOUR
    assert again.note == "满了"  # a repeat without a note keeps the first one's
    clock.set(T0 + 3 * HOUR)  # the first report alone would have ended an hour ago
    assert flags(registry, station.id) == {"parking_full": 1}
    assert nearest_ids(registry, exclude="parking_full") == []
    clock.set(again.expires_at)
    assert flags(registry, station.id) == {}
    assert nearest_ids(registry, exclude="parking_full") == [station.id]


# -- who counts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clients", "count"),
    [
        ([("phone-a", "10.0.0.1"), ("phone-a", "10.9.9.9")], 1),  # one phone, two networks
        ([("phone-a", "10.0.0.1"), ("phone-b", "10.0.0.1")], 1),  # two phones, one address
        ([("phone-a", "10.0.0.1"), ("phone-b", "10.9.9.9")], 2),
    ],
)
def test_distinct_clients_are_counted_once_each(
    registry: Registry, clients: list[tuple[str, str]], count: int
) -> None:
    station = add_station(registry)
    for token, address in clients:
        send(registry, station.id, "charger_occupied", token=token, address=address)
    assert flags(registry, station.id) == {"charger_occupied": count}
    stored = registry.store.list_reports(now=T0, station_id=station.id)
    assert len(stored) == count
    assert sum(r.times for r in stored) == len(clients)


def test_times_counts_a_clients_repeats(registry: Registry, clock: ManualClock) -> None:
    station = add_station(registry)
    for _ in range(3):
        report = send(registry, station.id, "no_water")
        clock.advance(60.0)
    assert report.times == 3
    assert flags(registry, station.id) == {"no_water": 1}
    assert [r.times for r in registry.store.list_reports(now=clock.now())] == [3]


def test_a_far_report_is_kept_but_not_counted(registry: Registry) -> None:
    station = add_station(registry)
    near = send(registry, station.id, {"kind": "no_water", **moved(*TIANANMEN, FAR_M - 1)})
    far = send(
        registry, station.id, {"kind": "no_water", **moved(*TIANANMEN, FAR_M + 1, 200.0)},
        token="phone-2", address="10.0.0.2",
    )  # fmt: skip
    gone = send(
        registry, station.id, {"kind": "parking_full", **moved(*TIANANMEN, 30_000.0)},
        token="phone-3", address="10.0.0.3",
    )  # fmt: skip
    listed = {r.id: r for r in registry.store.list_reports(now=T0, station_id=station.id)}
    assert set(listed) == {near.id, far.id, gone.id}
    assert [listed[i].far for i in (near.id, far.id, gone.id)] == [False, True, True]
    assert listed[far.id].distance_m == pytest.approx(FAR_M + 1, abs=0.01)
    assert listed[gone.id].distance_m == pytest.approx(30_000.0, abs=0.01)
    assert flags(registry, station.id) == {"no_water": 1}
    assert nearest_ids(registry, exclude="parking_full") == [station.id]
    assert nearest_ids(registry, exclude="no_water") == []


# -- all good ---------------------------------------------------------------------------

SHORT_LIVED = ("closed_now", "parking_full", "charger_occupied", "no_water", "toilet_unavailable")


def test_all_good_ends_the_short_lived_reports_before_it(
    registry: Registry, clock: ManualClock
) -> None:
    station = add_station(registry)
    other = add_station(registry, **moved(*TIANANMEN, 100))
    assert {k.code for k in REPORT_KINDS if k.short_lived} == set(SHORT_LIVED)
    for kind in (*SHORT_LIVED, "microwave_broken", "wrong_info"):
        send(registry, station.id, kind)
        send(registry, other.id, kind)
    clock.advance(600.0)
    send(registry, station.id, ALL_GOOD, token="phone-2", address="10.0.0.2")
    assert flags(registry, station.id) == {"microwave_broken": 1, "wrong_info": 1}
    assert len(flags(registry, other.id)) == 7  # another station's reports stay
    assert registry.live.last_verified(station.id) == T0 + 10 * MINUTE
    assert registry.live.last_verified(other.id) is None
    cleared = registry.store.list_reports(now=clock.now(), state="cleared")
    assert sorted(r.kind for r in cleared) == sorted(SHORT_LIVED)
    assert {r.station_id for r in cleared} == {station.id}
    assert all(r.status is ReportStatus.CLEARED for r in cleared)
    assert all(r.kind != ALL_GOOD for r in registry.store.list_reports(now=clock.now()))
    assert nearest_ids(registry, exclude=",".join(SHORT_LIVED)) == [station.id]
    # a report after it counts again
    clock.advance(60.0)
    send(registry, station.id, "parking_full", token="phone-3", address="10.0.0.3")
    assert flags(registry, station.id) == {
        "parking_full": 1,
        "microwave_broken": 1,
        "wrong_info": 1,
    }
    assert nearest_ids(registry, exclude="parking_full") == []


def test_all_good_from_far_away_neither_clears_nor_verifies(registry: Registry) -> None:
    """A courier 5 km away cannot have seen the station working."""
    station = add_station(registry)
    send(registry, station.id, "parking_full")
    send(
        registry, station.id, {"kind": ALL_GOOD, **moved(*TIANANMEN, 5000.0)},
        token="phone-2", address="10.0.0.2",
    )  # fmt: skip
    assert flags(registry, station.id) == {"parking_full": 1}
    assert registry.live.last_verified(station.id) is None
    assert registry.store.list_reports(now=T0, state="cleared") == []


# -- hostile text ------------------------------------------------------------------------


def test_a_hostile_note_is_stored_and_read_back_as_data(registry: Registry) -> None:
    station = add_station(registry)
    sent = {}
    for i, (name, text) in enumerate(STORABLE.items()):
        assert new_report({"kind": "wrong_info", "note": text}).note == text, name
        report = send(
            registry, station.id, {"kind": "wrong_info", "note": text},
            token=f"phone-{i}", address=f"10.0.1.{i}",
        )  # fmt: skip
        sent[report.id] = text
    for report_id, text in sent.items():
        note = registry.store.get_report(report_id).note
        assert note is not None
        assert note.encode() == text.encode()
    listed = registry.store.list_reports(now=T0, station_id=station.id, limit=1000)
    assert {r.id: r.note for r in listed} == sent
    assert {r.id: r.as_dict(T0)["note"] for r in listed} == sent


@pytest.mark.parametrize("name", sorted(set(HOSTILE) - set(STORABLE)))
def test_a_note_a_station_text_may_not_hold_is_refused(name: str) -> None:
    """Controls, surrogates, bidi overrides, invisible-only text and 100,000 characters:
    what geo.station_text refuses in a station's name is refused in a note too."""
    with pytest.raises(InvalidParameter) as caught:
        new_report({"kind": "wrong_info", "note": HOSTILE[name]})
    assert caught.value.details[0]["field"] == "note"
