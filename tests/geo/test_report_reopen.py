"""A station closed on a courier's report, until a date (issue 16): how an editor's date
is read, what confirming with it stores, the sweep that opens the station again (once,
whichever of several servers runs it, in the audit log), and an editor's own change of
status taking over. The store's part runs on SQLite and PostGIS; time is a ManualClock,
and the follower's loop is driven step by step, never by the wall clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from geo.clock import ManualClock
from geo.errors import InvalidDateTime, InvalidParameter
from geo.model import Status
from geo.registry import REOPEN_EVERY_S, Registry, open_registry
from geo.reports.model import ReportStatus
from geo.reports.moderation import Verdict
from geo.reports.reopen import MAX_CLOSED_DAYS, parse_reopens_at
from tests.geo.report_helpers import EDITOR, T0, TIANANMEN, add_station, moved, nearest_ids, send

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
# 2026-11-25 00:00 in Beijing, two days after T0 (Monday 12:00 in Beijing).
WEDNESDAY = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def closed_until(registry: Registry, until: str | None, *, station_id: int | None = None) -> int:
    """A station (new, or this one) closed on a confirmed closed_now report until ``until``;
    its id."""
    sid = station_id if station_id is not None else add_station(registry).id
    report = send(registry, sid, "closed_now")
    registry.judge_report(report.id, Verdict.CONFIRM, actor=EDITOR, reopens_at=until)
    return sid


def reopens_at(registry: Registry, station_id: int) -> str | None:
    """The station's ``reopens_at`` as answers show it."""
    value: str | None = registry.live.properties(station_id)["reopens_at"]
    return value


def actions(registry: Registry, station_id: int) -> list[tuple[str, str]]:
    """The station's audit entries, oldest first: (action, actor)."""
    entries = registry.store.audit_log(station_id=station_id)
    return [(e.action.value, e.actor) for e in reversed(entries)]


# -- what an editor writes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-11-25", WEDNESDAY),  # a date: the start of that day in Beijing
        (" 2026-11-25 ", WEDNESDAY),
        ("2026-11-25T09:30", WEDNESDAY + timedelta(hours=9, minutes=30)),  # Beijing time
        ("2026-11-25 09:30", WEDNESDAY + timedelta(hours=9, minutes=30)),
        ("2026-11-25T01:30:00Z", WEDNESDAY + timedelta(hours=9, minutes=30)),
        ("2026-11-25T09:30:00+08:00", WEDNESDAY + timedelta(hours=9, minutes=30)),
        ("2026-11-23T12:00:00.2+08:00", T0 + timedelta(seconds=1)),  # never early
        (None, None),
        ("", None),
    ],
)
def test_a_reopening_date_is_read_in_beijing_time(
    text: str | None, moment: datetime | None
) -> None:
    assert parse_reopens_at(text, now=T0) == moment


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("next week", "expected"),
        ("2026-13-01", "expected"),
        ("25/11/2026", "expected"),
        ("2026-11-23", "passed"),  # today began before now
        ("2026-11-23T12:00", "passed"),  # now is not after now
        ("2026-11-22T23:00:00+08:00", "passed"),
        ((T0 + (MAX_CLOSED_DAYS + 1) * DAY).date().isoformat(), "days ahead"),
        ("2100-01-01T00:00", "days ahead"),
    ],
)
def test_a_reopening_date_that_cannot_be_is_refused_in_both_languages(text: str, why: str) -> None:
    with pytest.raises(InvalidDateTime) as refused:
        parse_reopens_at(text, now=T0)
    assert why in refused.value.message
    assert "reopens_at" in refused.value.message_zh
    assert refused.value.details == [{"field": "reopens_at", "value": text.strip()[:40]}]
    assert refused.value.code == "invalid_datetime"


def test_the_last_day_allowed_is_a_year_ahead() -> None:
    last = (T0 + MAX_CLOSED_DAYS * DAY).astimezone(UTC)
    assert parse_reopens_at(last.isoformat(), now=T0) == last


# -- confirming with a date, and the sweep -------------------------------------------------


def test_a_station_closed_until_a_date_opens_again_then_once(
    registry: Registry, clock: ManualClock
) -> None:
    neighbour = add_station(registry, **moved(*TIANANMEN, 300.0))
    sid = add_station(registry).id
    report = send(registry, sid, "closed_now")
    result = registry.judge_report(
        report.id, Verdict.CONFIRM, actor=EDITOR, note="装修", reopens_at="2026-11-25"
    )
    assert result.reopens_at == WEDNESDAY
    assert result.as_dict()["reopens_at"] == "2026-11-24T16:00:00Z"
    assert result.changed == {"status": "temporarily_closed"}
    assert reopens_at(registry, sid) == "2026-11-24T16:00:00Z"
    assert nearest_ids(registry) == [neighbour.id]
    confirm = registry.store.audit_log(station_id=sid)[0]
    assert confirm.after is not None
    assert confirm.after["reopens_at"] == "2026-11-24T16:00:00Z"

    clock.advance((WEDNESDAY - T0).total_seconds() - 1)
    assert registry.reopen_due() == []  # a second early
    assert registry.get(station_id=sid).status is Status.TEMPORARILY_CLOSED
    clock.advance(1)
    (reopened,) = registry.reopen_due()
    assert (reopened.id, reopened.status) == (sid, Status.OPEN)
    assert registry.get(station_id=sid).status is Status.OPEN
    assert registry.get(station_id=sid).updated_at == WEDNESDAY
    assert nearest_ids(registry) == [sid, neighbour.id]
    assert reopens_at(registry, sid) is None
    assert registry.reopen_due() == []
    assert actions(registry, sid) == [
        ("create", "system"),
        ("update", EDITOR.id),
        ("report_confirm", EDITOR.id),
        ("update", "system"),
        ("reopen", "system"),
    ]
    entry, update = registry.store.audit_log(station_id=sid)[:2]
    assert (update.before, update.after) == ({"status": "temporarily_closed"}, {"status": "open"})
    assert entry.after == {
        "reopens_at": "2026-11-24T16:00:00Z", "report": report.id, "set_by": EDITOR.id,
        "set_at": "2026-11-23T04:00:00Z",
    }  # fmt: skip
    assert registry.store.get_report(report.id).status is ReportStatus.CONFIRMED


def test_a_station_reopened_by_hand_before_its_date_stays_as_the_editor_leaves_it(
    registry: Registry, clock: ManualClock
) -> None:
    sid = closed_until(registry, "2026-11-25")
    registry.patch(station_id=sid, changes={"status": "open"}, actor=EDITOR)
    assert reopens_at(registry, sid) is None  # the editor took over
    registry.patch(station_id=sid, changes={"status": "temporarily_closed"}, actor=EDITOR)
    clock.advance(3 * DAY.total_seconds())
    assert registry.reopen_due() == []
    assert registry.get(station_id=sid).status is Status.TEMPORARILY_CLOSED


def test_an_edit_that_leaves_the_status_keeps_the_date(registry: Registry) -> None:
    sid = closed_until(registry, "2026-11-25")
    registry.patch(station_id=sid, changes={"phone": "010-12345678"}, actor=EDITOR)
    assert reopens_at(registry, sid) == "2026-11-24T16:00:00Z"


def test_a_later_confirmation_moves_the_date_or_leaves_it(
    registry: Registry, clock: ManualClock
) -> None:
    sid = closed_until(registry, "2026-11-25")
    closed_until(registry, None, station_id=sid)  # no date said: the date stands
    assert reopens_at(registry, sid) == "2026-11-24T16:00:00Z"
    closed_until(registry, "2026-11-26T08:00", station_id=sid)
    assert reopens_at(registry, sid) == "2026-11-26T00:00:00Z"
    clock.advance(2 * DAY.total_seconds())  # past the first date, not the second
    assert registry.reopen_due() == []
    clock.advance(DAY.total_seconds())
    assert [s.id for s in registry.reopen_due()] == [sid]


def test_a_deleted_station_leaves_no_date_behind(registry: Registry, clock: ManualClock) -> None:
    sid = closed_until(registry, "2026-11-25")
    registry.delete(station_id=sid, actor=EDITOR)
    clock.advance(3 * DAY.total_seconds())
    assert registry.reopen_due() == []
    assert reopens_at(registry, sid) is None


@pytest.mark.parametrize(
    ("kind", "verdict", "status"),
    [
        ("closed_now", Verdict.DISMISS, "open"),  # a dismissal closes nothing
        ("parking_full", Verdict.CONFIRM, "open"),  # a kind that does not close
        ("closed_now", Verdict.CONFIRM, "planned"),  # a planned station stays planned
    ],
)
def test_a_date_where_it_means_nothing_is_refused_and_nothing_is_written(
    registry: Registry, kind: str, verdict: Verdict, status: str
) -> None:
    sid = add_station(registry, status=status).id
    report = send(registry, sid, kind)
    with pytest.raises(InvalidParameter) as refused:
        registry.judge_report(report.id, verdict, actor=EDITOR, reopens_at="2026-11-25")
    assert refused.value.details == [{"field": "reopens_at"}]
    assert registry.store.get_report(report.id).status is ReportStatus.OPEN
    assert registry.get(station_id=sid).status.value == status
    assert [a for a, _ in actions(registry, sid)] == ["create"]


def test_a_date_in_the_past_is_refused_before_anything_is_written(registry: Registry) -> None:
    sid = add_station(registry).id
    report = send(registry, sid, "closed_now")
    with pytest.raises(InvalidDateTime):
        registry.judge_report(report.id, Verdict.CONFIRM, actor=EDITOR, reopens_at="2026-11-01")
    assert registry.store.get_report(report.id).status is ReportStatus.OPEN
    assert registry.get(station_id=sid).status is Status.OPEN


# -- several servers ---------------------------------------------------------------------


def test_servers_sweeping_at_once_reopen_each_station_once(
    store_url: Callable[[str], str], clock: ManualClock
) -> None:
    url = store_url("reopen-servers")
    servers = [open_registry(url) for _ in range(3)]
    try:
        ids = [closed_until(servers[0], "2026-11-25") for _ in range(5)]
        for server in servers[1:]:
            server.sync()
            assert reopens_at(server, ids[0]) == "2026-11-24T16:00:00Z"
        clock.advance(3 * DAY.total_seconds())
        start = threading.Barrier(len(servers))
        reopened: list[list[int]] = [[] for _ in servers]

        def sweep(i: int) -> None:
            start.wait()
            reopened[i] = [s.id for s in servers[i].reopen_due()]

        threads = [threading.Thread(target=sweep, args=(i,)) for i in range(len(servers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(i for found in reopened for i in found) == ids  # each once
        reopen_entries = servers[0].store.audit_log(action="reopen")
        assert sorted(e.station_id for e in reopen_entries) == ids
        for server in servers:
            server.sync()
            assert sorted(nearest_ids(server)) == ids
            assert {reopens_at(server, i) for i in ids} == {None}
    finally:
        for server in servers:
            server.close()


class _Steps(threading.Event):
    """A ``stop`` for :meth:`Registry.follow` that lets it loop ``n`` times, a second of
    the test's clock apart, and notes the station's status before each wait: the loop runs
    in the test's thread, step by step."""

    def __init__(self, registry: Registry, clock: ManualClock, station_id: int, n: int) -> None:
        super().__init__()
        self.registry, self.clock, self.station_id, self.left = registry, clock, station_id, n
        self.seen: list[str] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.seen.append(self.registry.get(station_id=self.station_id).status.value[0])
        self.left -= 1
        self.clock.advance(1.0)
        return self.left < 0


def test_the_follower_sweeps_at_its_start_then_every_few_seconds(
    registry: Registry, clock: ManualClock
) -> None:
    sid = closed_until(registry, "2026-11-23T12:10:03")
    clock.advance(600)  # 12:10:00: the first sweep (12:10:01) is early
    steps = _Steps(registry, clock, sid, int(REOPEN_EVERY_S) + 1)
    registry.follow(steps)
    # Due at 12:10:03, opened by the next sweep, REOPEN_EVERY_S after the first.
    assert steps.seen == ["t"] * (int(REOPEN_EVERY_S) + 1) + ["o"]
