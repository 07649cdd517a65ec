"""A worker follows the log of report changes although its seqs commit out of order.

Report writes take no lock to order ``report_changes`` (``geo.storage.reports_sql.log``),
so a reader can see seq 3 before seq 2 commits. It must apply 3 at once, keep looking
for 2 until it appears, and give up on a gap only after ``GAP_WAIT_S`` (a rollback).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from geo.clock import ManualClock, use_clock
from geo.model import build_station_data
from geo.registry import open_registry
from geo.reports.follow import GAP_WAIT_S, LiveReports
from geo.reports.live import LiveBook, StationLive
from geo.reports.model import ActiveReport, Report, ReportClient, ReportStatus, new_report
from geo.storage.schema import report_changes
from tests.postgres import fresh_database

T0 = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)


class LogOnly:
    """A store holding only a report log and each station's state (what sync reads)."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, int]] = []
        self.states: dict[int, StationLive] = {}
        self.reads: list[list[int]] = []

    def last_report_change(self) -> int:
        return max((q for q, _ in self.rows), default=0)

    def report_changes_since(self, seq: int) -> list[tuple[int, int]]:
        return sorted(r for r in self.rows if r[0] > seq)

    def live_states(
        self, now: datetime, station_ids: Sequence[int] | None = None
    ) -> dict[int, StationLive]:
        if station_ids is not None:
            self.reads.append(list(station_ids))
        return {s: v for s, v in self.states.items() if station_ids is None or s in station_ids}

    def commit(self, seq: int, station_id: int) -> None:
        """A report on ``station_id`` commits with ``seq``."""
        until = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
        self.states[station_id] = StationLive((ActiveReport("parking_full", T0, until),))
        self.rows.append((seq, station_id))


def follower(store: LogOnly) -> LiveReports:
    live = LiveReports(store, threading.RLock())  # type: ignore[arg-type]
    live.reload()
    return live


def test_a_seq_committed_late_is_applied_when_it_appears() -> None:
    clock = ManualClock(T0)
    store = LogOnly()
    with use_clock(clock):
        live = follower(store)
        store.commit(1, 10)
        store.commit(3, 30)  # seq 2 is still committing
        live.sync()
        assert live.flags(10)
        assert live.flags(30)
        assert not live.flags(20)
        clock.advance(5)
        store.commit(2, 20)
        live.sync()
        assert live.flags(20)
        live.sync()
        assert store.reads == [[10, 30], [20]]  # nothing read twice


def test_a_gap_is_given_up_after_the_wait() -> None:
    clock = ManualClock(T0)
    store = LogOnly()
    with use_clock(clock):
        live = follower(store)
        store.commit(2, 20)  # seq 1 rolled back
        live.sync()
        assert store.report_changes_since(0) == [(2, 20)]
        clock.advance(GAP_WAIT_S - 1)
        live.sync()
        assert live._seen == 0  # still waiting for seq 1
        clock.advance(2)
        live.sync()
        assert live._seen == 2
        assert not live._applied
        assert not live._gaps
        store.commit(1, 10)  # later than the wait: taken for a rollback, not read
        live.sync()
        assert not live.flags(10)


class Racing(LogOnly):
    """A store whose next read of a station is overtaken by this worker's own report on
    it: the read returns the state from before the report, after the report is in."""

    def __init__(self) -> None:
        super().__init__()
        self.overtake: dict[int, Callable[[], None]] = {}

    def live_states(
        self, now: datetime, station_ids: Sequence[int] | None = None
    ) -> dict[int, StationLive]:
        states = super().live_states(now, station_ids)
        for station_id in list(self.overtake):
            if station_ids is None or station_id in station_ids:
                self.overtake.pop(station_id)()
        return states


def own_report(live: LiveReports, store: LogOnly, seq: int, station_id: int) -> Callable[[], None]:
    """This worker's report on ``station_id``, committed as ``seq`` and applied to its book
    (``LiveReports.report`` without the store's own bookkeeping)."""

    def send() -> None:
        until = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
        stored = Report(seq, station_id, "no_water", ReportStatus.OPEN, None, None, None,
                        None, False, None, 1, T0, T0, until)  # fmt: skip
        store.states[station_id] = StationLive(
            (*store.states[station_id].reports, ActiveReport("no_water", T0, until, seq))
        )
        store.rows.append((seq, station_id))
        live._apply(stored)

    return send


@pytest.mark.parametrize("reader", ["sync", "reload"])
def test_a_read_overtaken_by_an_own_report_does_not_put_back_what_it_read(reader: str) -> None:
    """The follower reads a station while a courier's report on it through this worker is
    stored and applied: the follower's older read must not hide that report (CI caught a
    station answer without the report just sent, on PostGIS with a pushed follower)."""
    with use_clock(ManualClock(T0)):
        store = Racing()
        live = follower(store)
        store.commit(1, 10)  # another worker's report
        store.overtake[10] = own_report(live, store, 2, 10)
        live.sync() if reader == "sync" else live.reload()
        kinds = {f.kind.code for f in live.flags(10)}
        assert kinds == ({"parking_full", "no_water"} if reader == "sync" else {"no_water"})
        live.sync()  # the station is read again: the book has both reports
        assert {f.kind.code for f in live.flags(10)} == {"parking_full", "no_water"}
        assert live.flags(10) == LiveBook(store.live_states(T0)).flags(10, T0)


@pytest.mark.slow
def test_out_of_order_commits_on_postgis() -> None:
    """Two PostgreSQL transactions append seqs 1 and 2 and commit 2 first: a worker
    shows the second report at once and the first as soon as it commits."""
    with fresh_database() as url:
        writer, reader = open_registry(url), open_registry(url)
        a, b = writer.create_many(
            items=[
                build_station_data({"name": "甲驿站", "lon": 116.40, "lat": 39.90}),
                build_station_data({"name": "乙驿站", "lon": 116.41, "lat": 39.90}),
            ]
        )
        engine = sa.create_engine(
            sa.make_url(url).set(drivername="postgresql+psycopg"), poolclass=sa.pool.NullPool
        )
        with engine.connect() as slow:
            tx = slow.begin()
            slow.execute(report_changes.insert().values(station_id=a.id))  # seq 1, held
            client = ReportClient("t" * 16, "x")
            writer.live.report(b.id, new_report({"kind": "parking_full"}), client)  # seq 2
            reader.sync()
            assert reader.live.flags(b.id)
            assert not reader.live.flags(a.id)
            # The held seq's report, in the same transaction, as the store writes them.
            slow.execute(
                sa.text(
                    "INSERT INTO reports (station_id, kind, status, far, client_token, "
                    "client_address, times, first_at, last_at, expires_at) VALUES "
                    "(:s, 'no_water', 'open', 0, 'x', 'y', 1, :t, :t, '2999-01-01T00:00:00Z')"
                ),
                {"s": a.id, "t": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
            )
            tx.commit()
        engine.dispose()
        reader.sync()
        assert [f.kind.code for f in reader.live.flags(a.id)] == ["no_water"]
        writer.close()
        reader.close()


def test_a_workers_own_reports_are_applied_as_the_store_applies_them(
    store_url: Callable[[str], str],
) -> None:
    """Own reports go into the book without a read back (``LiveReports._apply``): after
    repeats, far reports, all_good and expiries, the book says what the store says."""
    clock = ManualClock(T0)
    with use_clock(clock):
        registry = open_registry(store_url("own"))
        ids = [
            s.id
            for s in registry.create_many(
                items=[
                    build_station_data({"name": f"驿站{i}", "lon": 116.40 + i / 100, "lat": 39.90})
                    for i in range(3)
                ]
            )
        ]
        rng = random.Random(5)
        kinds = ["parking_full", "no_water", "microwave_broken", "closed_now", "all_good"]
        for step in range(120):
            sid = rng.choice(ids)
            body: dict[str, object] = {"kind": rng.choice(kinds)}
            if rng.random() < 0.3:  # near, or 2 km away
                body |= {
                    "lon": 116.40 + (sid - ids[0]) / 100 + rng.choice([0.0, 0.02]),
                    "lat": 39.90,
                }
            who = rng.randrange(4)
            registry.live.report(sid, new_report(body), ReportClient(f"{who}" * 16, f"a{who}"))
            clock.advance(rng.choice([60, 600, 3600]))
            if step % 10 == 9:
                fresh = LiveBook(registry.store.live_states(clock.now()))
                for s in ids:
                    assert registry.live.flags(s) == fresh.flags(s, clock.now()), (step, s)
                    assert registry.live.last_verified(s) == fresh.last_verified(s)
        registry.close()


def test_a_far_repeat_of_an_all_good_withdraws_its_verification(
    store_url: Callable[[str], str],
) -> None:
    """A courier's all_good from the station, then again from 2 km away: the repeat
    replaces the report, which no longer verifies; the station's last verification is
    another courier's earlier one, which the worker's book must read back to know."""
    clock = ManualClock(T0)
    with use_clock(clock):
        registry = open_registry(store_url("far-again"))
        (station,) = registry.create_many(
            items=[build_station_data({"name": "甲驿站", "lon": 116.40, "lat": 39.90})]
        )
        here, far = {"kind": "all_good"}, {"kind": "all_good", "lon": 116.42, "lat": 39.90}
        registry.live.report(station.id, new_report(here), ReportClient("a" * 16, "a"))
        clock.advance(600)
        registry.live.report(station.id, new_report(here), ReportClient("b" * 16, "b"))
        assert registry.live.last_verified(station.id) == T0 + timedelta(seconds=600)
        clock.advance(600)
        registry.live.report(station.id, new_report(far), ReportClient("b" * 16, "b"))
        assert registry.live.last_verified(station.id) == T0
        assert registry.live.last_verified(station.id) == LiveBook(
            registry.store.live_states(clock.now())
        ).last_verified(station.id)
        registry.close()
