"""The index answers exactly what a brute-force scan answers, for every filter."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.amenities import BY_CODE
from geo.hours import SHANGHAI, is_open_at
from geo.index import EntryColumns, IndexEntry, StationIndex
from geo.knn import COMPACT_MIN
from geo.model import Status
from tests.factories import (
    GEOD,
    HOURS,
    brute_force,
    china_lat,
    china_lon,
    masks,
    query_times,
    registries,
)

EV = 1 << BY_CODE["ev_charging"].bit
WATER = 1 << BY_CODE["drinking_water"].bit
LEGAL = 1 << BY_CODE["legal_aid"].bit


def assert_same(
    index: StationIndex, entries: list[IndexEntry], lon: float, lat: float, **kw: object
) -> None:
    got = index.nearest(lon, lat, **kw)  # type: ignore[arg-type]
    want = brute_force(entries, lon, lat, **kw)  # type: ignore[arg-type]
    assert [h.id for h in got] == [w.id for w in want]
    for h, w in zip(got, want, strict=True):
        assert h.distance_m == w.distance_m
        assert h.bearing_deg == pytest.approx(w.bearing_deg, abs=1e-9) or w.distance_m == 0


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entries=registries(),
    near=st.booleans(),
    qlon=china_lon,
    qlat=china_lat,
    k=st.integers(1, 30),
    mask=masks(),
    max_distance_m=st.one_of(st.none(), st.floats(1.0, 2_000_000.0)),
    statuses=st.sampled_from(
        [frozenset({Status.OPEN}), frozenset(Status), frozenset({Status.PLANNED, Status.OPEN})]
    ),
    open_at=st.one_of(st.none(), query_times),
)
def test_nearest_equals_brute_force(
    entries: list[IndexEntry],
    near: bool,
    qlon: float,
    qlat: float,
    k: int,
    mask: int,
    max_distance_m: float | None,
    statuses: frozenset[Status],
    open_at: datetime | None,
) -> None:
    if near and entries:  # query from a station's own position, or next to it
        qlon, qlat = entries[0].lon + 1e-4, entries[0].lat
    index = StationIndex(entries)
    assert_same(
        index,
        entries,
        qlon,
        qlat,
        k=k,
        mask=mask,
        max_distance_m=max_distance_m,
        statuses=statuses,
        open_at=open_at,
    )


@settings(max_examples=200, deadline=None)
@given(entries=registries(), pick=st.integers(0, 10**6), k=st.integers(1, 30), mask=masks())
def test_station_exactly_on_the_radius_is_included(
    entries: list[IndexEntry], pick: int, k: int, mask: int
) -> None:
    """max_distance_m is inclusive: a radius equal to a station's distance keeps it."""
    if not entries:
        return
    qlon, qlat = entries[0].lon + 0.013, entries[0].lat - 0.007
    target = entries[pick % len(entries)]
    radius = GEOD.inv(qlon, qlat, target.lon, target.lat)[2]
    index = StationIndex(entries)
    assert_same(index, entries, qlon, qlat, k=k, mask=mask, max_distance_m=radius)
    assert_same(
        index, entries, qlon, qlat, k=k, mask=0, statuses=frozenset(Status), max_distance_m=radius
    )


@settings(max_examples=150, deadline=None)
@given(
    entries=registries(max_size=60),
    ops=st.lists(
        st.tuples(st.booleans(), st.integers(0, 59), china_lon, china_lat, masks()), max_size=40
    ),
    qlon=china_lon,
    qlat=china_lat,
    k=st.integers(1, 10),
    mask=masks(),
    compact_min=st.sampled_from([COMPACT_MIN, 0, 3]),
)
def test_index_stays_exact_under_writes(
    entries: list[IndexEntry],
    ops: list[tuple[bool, int, float, float, int]],
    qlon: float,
    qlat: float,
    k: int,
    mask: int,
    compact_min: int,
) -> None:
    """Inserts, moves and removals keep the index equal to the records, whether its
    trees were built again along the way (small ``compact_min``) or not."""
    index = StationIndex(entries, compact_min=compact_min)
    live = {e.id: e for e in entries}
    for insert, sid, lon, lat, m in ops:
        if insert:
            entry = IndexEntry(sid, lon, lat, m, Status.OPEN, "24/7")
            index.upsert(entry)
            live[sid] = entry
        else:
            assert index.remove(sid) == (sid in live)
            live.pop(sid, None)
    assert len(index) == len(live)
    assert sorted(e.id for e in index.entries()) == sorted(live)
    assert_same(index, list(live.values()), qlon, qlat, k=k, mask=mask)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entries=registries(max_size=60),
    changes=registries(max_size=60),
    removed=st.lists(st.integers(0, 59), max_size=10),
    qlon=china_lon,
    qlat=china_lat,
    k=st.integers(1, 10),
    mask=masks(),
)
def test_rebuild_from_columns_equals_the_records(
    entries: list[IndexEntry],
    changes: list[IndexEntry],
    removed: list[int],
    qlon: float,
    qlat: float,
    k: int,
    mask: int,
) -> None:
    """What a large import's commit does: current index minus changed ids, plus the
    changes (the last write of an id wins), bulk-loaded from columns."""
    index = StationIndex(entries)
    for i in removed:  # free slots in the middle must not come back
        if i < len(entries):
            index.remove(entries[i].id)
    live = {e.id: e for e in index.entries()}
    moved = [replace(e, lon=e.lon + 0.001, mask=0) for e in changes[: len(changes) // 2]]
    doubled = changes + moved  # some ids written twice: the second write must win
    parts = [EntryColumns.from_entries(doubled[:7]), EntryColumns.from_entries(doubled[7:])]
    merged = EntryColumns.concat(parts)
    rebuilt = StationIndex(EntryColumns.concat([index.columns().without(merged.ids), merged]))
    want = live | {e.id: e for e in doubled}
    assert sorted(rebuilt.entries(), key=lambda e: e.id) == sorted(
        want.values(), key=lambda e: e.id
    )
    assert_same(rebuilt, list(want.values()), qlon, qlat, k=k, mask=mask)


@pytest.fixture(scope="module")
def national() -> list[IndexEntry]:
    """20,000 stations around Beijing; EV charging at 20 of them (0.1%), all in Chongqing."""
    rng = np.random.default_rng(7)
    n = 20_000
    lon = 116.4 + rng.normal(0, 0.25, n)
    lat = 39.9 + rng.normal(0, 0.2, n)
    entries = []
    for i in range(n):
        mask = int(rng.integers(0, 1 << 6)) | WATER
        if i % 1000 == 0:  # the 0.1% amenity, ~1,460 km away in Chongqing
            mask |= EV
            lon_i, lat_i = 106.55 + rng.normal(0, 0.1), 29.56 + rng.normal(0, 0.1)
        else:
            lon_i, lat_i = float(lon[i]), float(lat[i])
        hours = HOURS[i % len(HOURS)]
        entries.append(IndexEntry(i + 1, float(lon_i), float(lat_i), mask, Status.OPEN, hours))
    return entries


@pytest.mark.parametrize(
    ("mask", "k", "max_distance_m"),
    [
        (EV, 1, None),  # nearest EV pile is ~1,460 km away
        (EV, 5, None),
        (EV, 25, None),  # k larger than the 20 matches: all of them
        (EV | WATER, 3, None),  # all-of with a common amenity
        (EV, 5, 1_000_000.0),  # radius stops short of Chongqing: empty
        (EV, 5, 1_600_000.0),  # radius reaches Chongqing
        (LEGAL, 5, None),  # nobody has it: empty
        (0, 10, None),  # unfiltered
        (WATER, 50, 2_000.0),  # everyone has water; radius cuts
    ],
)
def test_rare_and_far_amenities(
    national: list[IndexEntry], mask: int, k: int, max_distance_m: float | None
) -> None:
    index = StationIndex(national)
    assert_same(index, national, 116.39, 39.91, k=k, mask=mask, max_distance_m=max_distance_m)


def test_rare_amenity_with_opening_hours(national: list[IndexEntry]) -> None:
    index = StationIndex(national)
    when = datetime(2026, 11, 23, 3, 0, tzinfo=SHANGHAI)  # 3 a.m. Monday: few are open
    assert_same(index, national, 116.39, 39.91, k=5, mask=EV, open_at=when)
    assert_same(index, national, 116.39, 39.91, k=40, mask=WATER, open_at=when)


def test_distance_matches_pyproj_and_bearing_is_normalised() -> None:
    entries = [
        IndexEntry(1, 116.40, 39.95, 0, Status.OPEN, None),  # north
        IndexEntry(2, 116.35, 39.90, 0, Status.OPEN, None),  # west
        IndexEntry(3, 116.40, 39.90, 0, Status.OPEN, None),  # the query point itself
    ]
    hits = StationIndex(entries).nearest(116.40, 39.90, k=3)
    assert [h.id for h in hits] == [3, 2, 1]
    for hit, entry in zip(hits, [entries[2], entries[1], entries[0]], strict=True):
        _, _, dist = GEOD.inv(116.40, 39.90, entry.lon, entry.lat)
        assert abs(hit.distance_m - dist) < 0.5
        assert 0.0 <= hit.bearing_deg < 360.0
    assert hits[0].distance_m == 0.0
    assert hits[1].bearing_deg == pytest.approx(270.0, abs=0.1)
    assert hits[2].bearing_deg == pytest.approx(0.0, abs=1e-6)


def test_ties_at_one_location_are_ordered_by_id() -> None:
    ids = random.Random(3).sample(range(1, 1000), 30)
    entries = [IndexEntry(i, 106.5, 29.5, 0, Status.OPEN, None) for i in ids]
    hits = StationIndex(entries).nearest(106.6, 29.6, k=10)
    assert [h.id for h in hits] == sorted(ids)[:10]
    assert len({h.distance_m for h in hits}) == 1


def test_unknown_hours_are_left_out_when_a_time_is_asked() -> None:
    entries = [
        IndexEntry(1, 116.40, 39.90, 0, Status.OPEN, None),
        IndexEntry(2, 116.50, 39.90, 0, Status.OPEN, "24/7"),
    ]
    index = StationIndex(entries)
    when = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)
    assert [h.id for h in index.nearest(116.40, 39.90, k=2, open_at=when)] == [2]
    both = index.nearest(116.40, 39.90, k=2)
    assert [(h.id, h.open_at_time) for h in both] == [(1, None), (2, None)]
    assert index.nearest(116.40, 39.90, k=1, open_at=when)[0].open_at_time is True


def test_antimeridian_and_poles() -> None:
    """Chord search has no seam at ±180° and no singularity at the poles."""
    entries = [
        IndexEntry(1, 179.999, 10.0, 0, Status.OPEN, None),
        IndexEntry(2, -179.999, 10.0, 0, Status.OPEN, None),
        IndexEntry(3, 170.0, 10.0, 0, Status.OPEN, None),
        IndexEntry(4, 0.0, 89.999, 0, Status.OPEN, None),
        IndexEntry(5, 180.0, 89.999, 0, Status.OPEN, None),
    ]
    index = StationIndex(entries)
    assert_same(index, entries, -179.9995, 10.0, k=3)
    assert_same(index, entries, 90.0, 90.0, k=5)


def test_empty_index_and_duplicate_ids() -> None:
    assert StationIndex([]).nearest(116.4, 39.9, k=5) == []
    entry = IndexEntry(1, 116.4, 39.9, 0, Status.OPEN, None)
    with pytest.raises(ValueError, match="duplicate"):
        StationIndex([entry, entry])


# The index evaluates opening hours at the start of the minute asked about, one memo per
# minute shared by every query (geo/index.py, StationIndex._open_states).
MINUTE_SCHEDULES = (
    *(h for h in HOURS if h is not None),
    "Mo-Fr 07:59-08:01",
    "sunrise-sunset",
    "Mo-Su 00:00-24:00; Sa 12:34-12:35 off",
    "Dec 25 off; Mo-Su 09:00-18:00",
)


@settings(max_examples=400, deadline=None)
@given(hours=st.sampled_from(MINUTE_SCHEDULES), when=query_times)
def test_a_schedule_has_one_state_through_a_minute(hours: str, when: datetime) -> None:
    assert is_open_at(hours, when) == is_open_at(hours, when.replace(second=0, microsecond=0))


def test_the_minute_memo_follows_the_minute_asked_about() -> None:
    entries = [IndexEntry(1, 116.40, 39.91, 0, Status.OPEN, "08:00-20:00")]
    index = StationIndex(entries)
    ask = [
        (datetime(2026, 11, 23, 19, 59, 59, 999999), True),
        (datetime(2026, 11, 23, 20, 0, 0), False),
        (datetime(2026, 11, 23, 20, 0, 59), False),
        (datetime(2026, 11, 23, 19, 59, 0), True),
        (datetime(2026, 11, 24, 19, 59, 30, tzinfo=SHANGHAI), True),
        (datetime(2026, 11, 24, 12, 0, 30, tzinfo=SHANGHAI).astimezone(UTC), True),
        (datetime(2026, 11, 24, 20, 0, 30, tzinfo=SHANGHAI).astimezone(UTC), False),
    ]
    for when, is_open in ask:
        hits = index.nearest(116.41, 39.92, k=1, open_at=when)
        assert [h.id for h in hits] == ([1] if is_open else []), when
        assert all(h.open_at_time is True for h in hits)


def test_membership_of_odd_values() -> None:
    index = StationIndex([IndexEntry(7, 116.4, 39.9, 0, Status.OPEN, None)])
    assert 7 in index
    assert np.int64(7) in index
    assert 8 not in index
    assert "7" not in index
    assert 7.0 not in index
    assert True not in index
