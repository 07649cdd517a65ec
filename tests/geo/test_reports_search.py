"""Couriers' reports (issue 16) in searches, in moderation and across servers: nearest
with ``exclude_reported`` against a brute force over what the store holds, an editor's
verdicts and what they change, and two registries on one store following each other's
reports. The store's part runs on SQLite and PostGIS; time is a ManualClock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from geo.audit import Action
from geo.clock import ManualClock, use_clock
from geo.errors import ForbiddenDistrict, ReportClosed
from geo.index import IndexEntry
from geo.model import Status
from geo.registry import Registry, open_registry
from geo.reports.kinds import ALL_GOOD, REPORT_KINDS
from geo.reports.model import FAR_M, ReportStatus
from geo.reports.moderation import Verdict
from geo.search import build_nearest_query
from tests.factories import GEOD, brute_force
from tests.geo.report_helpers import (
    DONGCHENG,
    EDITOR,
    STRANGER,
    T0,
    TIANANMEN,
    add_station,
    flags,
    moved,
    nearest_ids,
    send,
)

# -- exclude_reported against a brute force ----------------------------------------------

WEST, SOUTH, SIZE = 116.38, 39.89, 0.04  # about 3.4 x 4.4 km of 东城区 and 西城区
KINDS = [k.code for k in REPORT_KINDS]
PROBLEMS = [k.code for k in REPORT_KINDS if k.is_problem]
RECENT = st.integers(0, 150)  # minutes: most kinds last hours, some days
GRID = st.integers(0, 4).map(lambda i: i * SIZE / 4)  # shared points: equal distances
SPOT = st.one_of(GRID, st.floats(0.0, SIZE))

stations_drawn = st.lists(
    st.tuples(
        SPOT,
        SPOT,
        st.sampled_from([Status.OPEN] * 4 + list(Status)),
        st.sampled_from([None, "24/7", "周一至周五 09:00-17:00", "08:00-20:00"]),
    ),
    min_size=1,
    max_size=12,
)
# A report: station, kind, client (token, address), minutes before T0, metres away.
Sent = tuple[int, str, int, int, int, float | None]
reports_drawn = st.lists(
    st.tuples(
        st.integers(0, 11),  # which station (modulo how many)
        st.sampled_from(KINDS),
        st.integers(0, 3),  # the client's device token...
        st.integers(0, 3),  # ... and address
        RECENT | st.integers(0, 8 * 24 * 60),  # minutes before T0
        st.sampled_from([None, None, 60.0, 60.0, 2_000.0]),  # no position, near, far
    ),
    min_size=1,
    max_size=30,
)


@st.composite
def reports_and_exclusions(draw: st.DrawFn) -> tuple[list[Sent], list[str]]:
    """Reports, and kinds to leave out: mostly some of those reported, sometimes others."""
    sent = draw(reports_drawn)
    reported = sorted({kind for _, kind, *_ in sent if kind != ALL_GOOD})
    picked = draw(st.lists(st.sampled_from(reported or PROBLEMS), max_size=3))
    picked += draw(st.lists(st.sampled_from(PROBLEMS), max_size=1 if picked else 2))
    return sent, list(dict.fromkeys(picked))


@settings(max_examples=40, deadline=None)
@given(
    drawn=stations_drawn,
    sent_and_excluded=reports_and_exclusions(),
    qx=SPOT,
    qy=SPOT,
    k=st.integers(1, 8),
    later=st.just(0) | RECENT | st.integers(0, 3 * 24 * 60),  # when the search is made
)
def test_exclude_reported_equals_brute_force_over_the_store(
    drawn: list[tuple[float, float, Status, str | None]],
    sent_and_excluded: tuple[list[Sent], list[str]],
    qx: float,
    qy: float,
    k: int,
    later: int,
) -> None:
    """Random stations (some at the same point), random reports of every kind by a few
    clients at random ages (some far, some all_good), a search at a random later time:
    the registry's answer, its flags and last verifications are those a scan of the
    stored stations and reports gives."""
    sent, exclude = sent_and_excluded
    clock = ManualClock(T0)
    with use_clock(clock):
        registry = open_registry("sqlite://")
        try:
            made = [
                add_station(registry, WEST + x, SOUTH + y, name=f"站{i}", status=status.value,
                            opening_hours=hours)
                for i, (x, y, status, hours) in enumerate(drawn)
            ]  # fmt: skip
            for which, kind, token, address, age, off in sorted(sent, key=lambda r: -r[4]):
                station = made[which % len(made)]
                body: dict[str, Any] = {"kind": kind}
                if off is not None:
                    body |= moved(station.lon, station.lat, off, bearing_deg=age % 360)
                clock.set(T0 - timedelta(minutes=age))
                send(registry, station.id, body, token=f"t{token}", address=f"a{address}")
            clock.set(T0 + timedelta(minutes=later))
            now = clock.now()
            qlon, qlat = WEST + qx, SOUTH + qy

            # The oracle: every station and report as the store holds them.
            stored = {s.id: s for s in registry.list_stations(limit=1000).items}
            active: dict[int, Counter[str]] = {i: Counter() for i in stored}
            verified: dict[int, Any] = {}
            for r in registry.store.list_reports(now=now, state="any", limit=10_000):
                s = stored[r.station_id]
                if r.lon is not None and r.lat is not None:
                    assert r.far is (GEOD.inv(r.lon, r.lat, s.lon, s.lat)[2] > FAR_M)
                if r.status is not ReportStatus.OPEN or r.far:
                    continue
                if r.kind == ALL_GOOD:
                    verified[s.id] = max(verified.get(s.id, r.last_at), r.last_at)
                elif r.expires_at > now:
                    active[s.id][r.kind] += 1
            left_out = {i for i, kinds in active.items() if any(kinds[c] for c in exclude)}
            entries = [
                IndexEntry(s.id, s.lon, s.lat, 0, s.status, None)
                for s in stored.values()
                if s.id not in left_out
            ]
            want = brute_force(entries, qlon, qlat, k=k)
            everyone = brute_force(
                [IndexEntry(s.id, s.lon, s.lat, 0, s.status, None) for s in stored.values()],
                qlon, qlat, k=k,
            )  # fmt: skip
            event(f"left out: {'some' if left_out else 'none'}, answer changed: {want != everyone}")

            query = build_nearest_query(
                lon=qlon, lat=qlat, k=k, open_at="any", exclude_reported=exclude
            )
            got = [(s.id, hit.distance_m) for s, hit in registry.nearest(query).hits]
            assert got == [(w.id, w.distance_m) for w in want]
            for i in stored:
                assert flags(registry, i) == dict(active[i])
                assert registry.live.last_verified(i) == verified.get(i)
        finally:
            registry.close()


# -- moderation --------------------------------------------------------------------------


def actions(registry: Registry, station_id: int) -> list[tuple[str, str]]:
    """The station's audit entries, oldest first, as (action, actor)."""
    log = registry.store.audit_log(station_id=station_id)
    return [(e.action.value, e.actor) for e in reversed(log)]


def test_an_editor_of_another_district_may_not_judge(registry: Registry) -> None:
    station = add_station(registry)
    assert station.adcode == DONGCHENG
    report = send(registry, station.id, "closed_now")
    for verdict in Verdict:
        with pytest.raises(ForbiddenDistrict):
            registry.judge_report(report.id, verdict, actor=STRANGER)
    assert registry.store.get_report(report.id).status is ReportStatus.OPEN
    assert registry.get(station_id=station.id) == station
    assert actions(registry, station.id) == [("create", "system")]
    result = registry.judge_report(report.id, Verdict.DISMISS, actor=EDITOR)
    assert result.report_ids == (report.id,)


def test_confirming_closed_now_closes_the_station(registry: Registry, clock: ManualClock) -> None:
    station = add_station(registry)
    neighbour = add_station(registry, **moved(*TIANANMEN, 300.0))
    first = send(registry, station.id, "closed_now", token="a", address="1")
    clock.advance(60.0)
    second = send(registry, station.id, {"kind": "closed_now", "note": "卷帘门关着"},
                  token="b", address="2")  # fmt: skip
    parking = send(registry, station.id, "parking_full", token="c", address="3")
    elsewhere = send(registry, neighbour.id, "closed_now", token="a", address="1")
    assert nearest_ids(registry) == [station.id, neighbour.id]
    clock.advance(60.0)

    result = registry.judge_report(second.id, Verdict.CONFIRM, actor=EDITOR, note="电话核实")
    assert result.report_ids == (first.id, second.id)  # every open one of the kind there
    assert result.changed == {"status": "temporarily_closed"}
    after = registry.get(station_id=station.id)
    assert after.status is Status.TEMPORARILY_CLOSED
    assert after.updated_at == clock.now().replace(microsecond=0)
    assert result.station == after
    assert nearest_ids(registry) == [neighbour.id]
    assert nearest_ids(registry, status="any") == [station.id, neighbour.id]
    for r in (first, second):
        judged = registry.store.get_report(r.id)
        assert (judged.status, judged.moderated_by) == (ReportStatus.CONFIRMED, EDITOR.id)
        assert judged.moderation_note == "电话核实"
    assert registry.store.get_report(parking.id).status is ReportStatus.OPEN
    assert registry.store.get_report(elsewhere.id).status is ReportStatus.OPEN
    assert flags(registry, station.id) == {"parking_full": 1}
    assert flags(registry, neighbour.id) == {"closed_now": 1}
    for r in (first, second):
        for verdict in Verdict:
            with pytest.raises(ReportClosed):
                registry.judge_report(r.id, verdict, actor=EDITOR)

    assert actions(registry, station.id) == [
        ("create", "system"),
        ("update", EDITOR.id),
        ("report_confirm", EDITOR.id),
    ]
    confirm, update, _ = registry.store.audit_log(station_id=station.id)
    assert confirm.after == {  # what the verdict was on, and what it changed
        "kind": "closed_now", "reports": [first.id, second.id], "note": "电话核实",
        "changed": {"status": "temporarily_closed"},
    }  # fmt: skip
    assert (update.before, update.after) == ({"status": "open"}, {"status": "temporarily_closed"})
    assert registry.store.audit_log(action=Action.REPORT_CONFIRM.value)[0].seq == confirm.seq


@pytest.mark.parametrize(
    ("kind", "removed"),
    [("microwave_broken", ("microwave",)), ("charger_broken", ("ev_charging", "ebike_charging"))],
)
def test_confirming_broken_equipment_removes_its_amenities(
    registry: Registry, kind: str, removed: tuple[str, ...]
) -> None:
    station = add_station(
        registry,
        amenities=["microwave", "ev_charging", "ebike_charging", "drinking_water"],
        ev_charging_piles=4,
    )
    report = send(registry, station.id, kind)
    for amenity in removed:
        assert nearest_ids(registry, amenities=amenity) == [station.id]
    result = registry.judge_report(report.id, Verdict.CONFIRM, actor=EDITOR)
    kept = [a for a in station.amenities if a not in removed]
    piles = None if "ev_charging" in removed else 4
    assert result.changed == {"amenities": kept} | ({} if piles else {"ev_charging_piles": None})
    after = registry.get(station_id=station.id)
    assert (list(after.amenities), after.ev_charging_piles) == (kept, piles)
    assert after.status is Status.OPEN
    for amenity in removed:
        assert nearest_ids(registry, amenities=amenity) == []
    assert nearest_ids(registry, amenities=",".join(kept)) == [station.id]
    assert nearest_ids(registry) == [station.id]
    assert flags(registry, station.id) == {}
    assert [a for a, _ in actions(registry, station.id)] == ["create", "update", "report_confirm"]


@pytest.mark.parametrize(
    ("verdict", "kind"),
    [(Verdict.DISMISS, "closed_now"), (Verdict.DISMISS, "microwave_broken"),
     (Verdict.CONFIRM, "parking_full"), (Verdict.CONFIRM, "wrong_info")],
)  # fmt: skip
def test_a_dismissal_or_a_kind_that_says_nothing_of_the_record_changes_nothing(
    registry: Registry, clock: ManualClock, verdict: Verdict, kind: str
) -> None:
    station = add_station(registry, amenities=["microwave"])
    report = send(registry, station.id, kind)
    clock.advance(3600.0)
    result = registry.judge_report(report.id, verdict, actor=EDITOR)
    assert (result.changed, result.report_ids) == ({}, (report.id,))
    assert registry.get(station_id=station.id) == station  # updated_at too
    assert nearest_ids(registry, amenities="microwave") == [station.id]
    assert flags(registry, station.id) == {}  # a judged report is no longer open
    status = ReportStatus.DISMISSED if verdict is Verdict.DISMISS else ReportStatus.CONFIRMED
    assert registry.store.get_report(report.id).status is status
    assert actions(registry, station.id) == [("create", "system"), (f"report_{verdict}", EDITOR.id)]
    (entry, _) = registry.store.audit_log(station_id=station.id)
    assert entry.after == {"kind": kind, "reports": [report.id], "note": None, "changed": {}}


# -- two servers on one store ------------------------------------------------------------


def test_reports_and_verdicts_reach_another_server_at_its_sync(
    store_url: Callable[[str], str], clock: ManualClock
) -> None:
    url = store_url("servers")
    one, other = open_registry(url), open_registry(url)
    try:
        station = add_station(one)
        other.sync()
        assert nearest_ids(other) == [station.id]

        send(one, station.id, "parking_full")
        assert flags(other, station.id) == {}  # not followed yet
        assert nearest_ids(other, exclude="parking_full") == [station.id]
        other.sync()
        assert flags(other, station.id) == {"parking_full": 1}
        assert nearest_ids(other, exclude="parking_full") == []
        send(other, station.id, "parking_full", token="phone-2", address="10.0.0.2")
        one.sync()
        assert flags(one, station.id) == flags(other, station.id) == {"parking_full": 2}

        clock.advance(600.0)
        send(other, station.id, ALL_GOOD, token="phone-3", address="10.0.0.3")
        one.sync()
        assert flags(one, station.id) == {}
        assert one.live.last_verified(station.id) == T0 + timedelta(minutes=10)

        closed = send(one, station.id, "closed_now")
        other.sync()
        assert nearest_ids(other, exclude="closed_now") == []
        one.judge_report(closed.id, Verdict.CONFIRM, actor=EDITOR)
        assert nearest_ids(one) == []
        assert nearest_ids(other) == [station.id]  # its index has not followed yet
        other.sync()
        assert nearest_ids(other) == []
        assert nearest_ids(other, status="temporarily_closed") == [station.id]
        assert flags(other, station.id) == {}
    finally:
        one.close()
        other.close()


def test_a_registry_opened_later_reads_the_live_state(
    store_url: Callable[[str], str], clock: ManualClock
) -> None:
    url = store_url("reload")
    first = open_registry(url)
    try:
        checked = add_station(first)
        broken = add_station(first, **moved(*TIANANMEN, 200.0))
        send(first, checked.id, ALL_GOOD)
        send(first, broken.id, "microwave_broken")
        send(first, broken.id, "no_water", token="phone-2", address="10.0.0.2")
        send(first, broken.id, "no_water", token="phone-3", address="10.0.0.3")
        send(first, broken.id, {"kind": "toilet_unavailable", **moved(*TIANANMEN, 5000.0)},
             token="phone-4", address="10.0.0.4")  # fmt: skip
    finally:
        first.close()
    clock.advance(3600.0)
    later = open_registry(url)
    try:
        assert flags(later, broken.id) == {"microwave_broken": 1, "no_water": 2}
        assert flags(later, checked.id) == {}
        assert later.live.last_verified(checked.id) == T0
        assert later.live.last_verified(broken.id) is None
        assert nearest_ids(later, exclude="no_water") == [checked.id]
        assert nearest_ids(later, exclude="toilet_unavailable") == [checked.id, broken.id]
        clock.advance(12 * 3600.0)  # no_water has ended; the microwave is still broken
        assert nearest_ids(later, exclude="no_water,microwave_broken") == [checked.id]
        assert nearest_ids(later, exclude="no_water") == [checked.id, broken.id]
    finally:
        later.close()
