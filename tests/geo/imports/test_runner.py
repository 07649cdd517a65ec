"""The import runner's matching, chunking and transaction behaviour, one rule at a time."""

from __future__ import annotations

import random
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import geo.imports.runner
from geo.imports.report import ImportReport
from geo.imports.runner import import_file
from geo.index import IndexEntry
from geo.model import Station, Status, build_station_data
from geo.registry import Registry
from geo.search import build_nearest_query
from tests.factories import brute_force
from tests.geo.imports.fixtures import write_csv
from tests.geo.imports.realistic import BUILDERS, GEOD, build, offset
from tests.geo.imports.registries import fresh, on_each_backend  # noqa: F401 (autouse)

HEADER = ["编号", "名称", "经度", "纬度", "联系电话"]
HERE = (116.4500, 39.9200)  # WGS84, Chaoyang
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

# Bounds waits between threads: only a hang reaches it, so it can be generous.
HANG_S = 120.0


def stations(registry: Registry) -> list[Station]:
    return registry.list_stations(statuses=frozenset(Status), limit=100_000).items


def lonlat(place: tuple[float, float]) -> list[str]:
    return [f"{place[0]:.7f}", f"{place[1]:.7f}"]


def counts(report: ImportReport) -> tuple[int, ...]:
    return (
        report.rows,
        report.created,
        report.updated,
        report.unchanged,
        report.duplicates,
        report.rejected,
    )


def codes(report: ImportReport) -> list[tuple[int | None, str]]:
    return sorted(((i.row, i.code) for i in report.issues), key=str)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


# --------------------------------------------------------------------------- name matching


@pytest.mark.parametrize(
    ("stored", "written", "distance", "outcome"),
    [
        # a space more: the same normalised name, within 30 m
        ("朝阳区建国路驿站", "朝阳区 建国路驿站", 29.0, "updated"),
        # the same name moved 29 m: updates the station, not a twin
        ("朝阳区建国路驿站", "朝阳区建国路驿站", 29.0, "updated"),
        # the same name and place: nothing to change
        ("朝阳区建国路驿站", "朝阳区建国路驿站", 0.0, "unchanged"),
        # 31 m away is another station of the same name
        ("朝阳区建国路驿站", "朝阳区建国路驿站", 31.0, "created"),
        # another name at the very same spot is another station
        ("朝阳区建国路驿站", "朝阳区东三环驿站", 0.0, "created"),
        # full-width letters and case (NFKC, case folding)
        ("ABC工会驿站", "ａｂｃ工会驿站", 10.0, "updated"),
        # punctuation: full-width brackets, middle dot
        ("建国路（东）驿站·一号", "建国路(东)驿站 一号", 5.0, "updated"),
    ],
    ids=["space", "moved-29m", "same", "31m", "other-name", "full-width", "punctuation"],
)
def test_a_row_without_id_is_matched_by_normalised_name_within_30_m(
    tmp_path: Path, stored: str, written: str, distance: float, outcome: str
) -> None:
    registry = fresh(tmp_path)
    station = registry.create(
        data=build_station_data({"name": stored, "lon": HERE[0], "lat": HERE[1]})
    )
    place = offset(HERE, distance, 90.0)
    path = write_csv(tmp_path / "l.csv", [["名称", "经度", "纬度"], [written, *lonlat(place)]])
    report = import_file(registry, path, crs="wgs84")
    assert report.issues == []
    assert getattr(report, outcome) == 1
    assert report.rows == 1
    after = {s.id: s for s in stations(registry)}
    if outcome == "created":
        assert len(after) == 2
        assert after[station.id] == station
    else:
        assert list(after) == [station.id]
        assert after[station.id].name == written
        assert distance_m((after[station.id].lon, after[station.id].lat), place) < 0.01


def test_a_name_match_keeps_the_stations_external_id(tmp_path: Path) -> None:
    registry = fresh(tmp_path)
    data = {"name": "望京驿站", "lon": HERE[0], "lat": HERE[1], "external_id": "WJ-1"}
    station = registry.create(data=build_station_data(data))
    rows = [["名称", "经度", "纬度", "联系电话"], ["望京驿站", *lonlat(offset(HERE, 8, 0)), "110"]]
    report = import_file(registry, write_csv(tmp_path / "l.csv", rows), crs="wgs84")
    assert (report.updated, report.created) == (1, 0)
    (after,) = stations(registry)
    assert (after.id, after.external_id, after.phone) == (station.id, "WJ-1", "110")


def test_a_row_without_id_next_to_an_earlier_row_with_id_is_a_duplicate(tmp_path: Path) -> None:
    # The list's author added a row again, this time without the id: the same station.
    # (An earlier row WITHOUT id is caught; with an id, a twin 10 m away is created.)
    rows = [
        HEADER,
        ["CY-19", "酒仙桥驿站", *lonlat(HERE), "010-1"],
        ["", "酒仙桥驿站", *lonlat(offset(HERE, 10, 90)), "010-1"],
    ]
    registry = fresh(tmp_path)
    report = import_file(registry, write_csv(tmp_path / "l.csv", rows), crs="wgs84")
    assert (report.created, report.duplicates) == (1, 1)
    assert codes(report) == [(3, "duplicate_station")]
    assert len(registry) == 1


def test_two_rows_near_one_registry_station_from_both_sides(tmp_path: Path) -> None:
    # Rows 20 m east and 20 m west of a station: 40 m apart, so by the 30 m rule two
    # stations. The first takes the registry's station; the second cannot take it too
    # (that would move it back and forth), and whatever the first import decides, the
    # same file imported again must change nothing.
    for chunk_size in (1, 2000):
        registry = fresh(tmp_path, f"r{chunk_size}")
        registry.create(
            data=build_station_data({"name": "双井驿站", "lon": HERE[0], "lat": HERE[1]})
        )
        rows = [
            ["名称", "经度", "纬度"],
            ["双井驿站", *lonlat(offset(HERE, 20, 90))],
            ["双井驿站", *lonlat(offset(HERE, 20, 270))],
        ]
        path = write_csv(tmp_path / "l.csv", rows)
        report = import_file(registry, path, crs="wgs84", chunk_size=chunk_size)
        assert counts(report) == (2, 1, 1, 0, 0, 0), (chunk_size, codes(report))
        again = import_file(registry, path, crs="wgs84", chunk_size=chunk_size)
        assert counts(again) == (2, 0, 0, 2, 0, 0), (chunk_size, codes(again))


def test_a_station_claimed_by_id_does_not_hide_the_next_one_of_that_name(tmp_path: Path) -> None:
    # Two stations named 双井驿站 10 m apart: S1 (id A) and S2 (no id). The list moves
    # S1 40 m west (row 2, by id) and gives S2 a phone (row 3, no id, 4 m from S1's old
    # place, 6 m from S2, 44 m from row 2). Row 3 describes S2: S1 is taken by row 2.
    registry = fresh(tmp_path)
    s1, s2 = registry.create_many(
        items=[
            build_station_data(
                {"name": "双井驿站", "lon": HERE[0], "lat": HERE[1], "external_id": "A"}
            ),
            build_station_data({"name": "双井驿站", "lon": offset(HERE, 10, 90)[0],
                                "lat": offset(HERE, 10, 90)[1]}),
        ]
    )  # fmt: skip
    rows = [
        HEADER,
        ["A", "双井驿站", *lonlat(offset(HERE, 40, 270)), ""],
        ["", "双井驿站", *lonlat(offset(HERE, 4, 90)), "010-5"],
    ]
    path = write_csv(tmp_path / "l.csv", rows)
    report = import_file(registry, path, crs="wgs84")
    assert (report.updated, report.duplicates, report.created) == (2, 0, 0), codes(report)
    assert {s.id: s.phone for s in stations(registry)} == {s1.id: None, s2.id: "010-5"}
    again = import_file(registry, path, crs="wgs84")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


HERE_1M_N = lonlat(offset(HERE, 1, 0))
HERE_30M_N = lonlat(offset(HERE, 30.01, 0))
# Pairs of lists imported one after the other, as hypothesis found them (see below).
FOUND = [
    # an id row and a no-id row of one station; then the id row moves it 1 m
    (
        [["A", "甲驿站", *lonlat(HERE), ""], ["", "甲驿站", *lonlat(HERE), ""]],
        [["A", "甲驿站", *HERE_1M_N, ""], ["", "甲驿站", *lonlat(HERE), "010-1"]],
    ),
    # a station 30 m off plus three no-id rows; then a no-id row before the id row
    (
        [["A", "甲驿站", *HERE_30M_N, ""]] + [["", "甲驿站", *lonlat(HERE), ""]] * 3,
        [["", "甲驿站", *lonlat(HERE), ""], ["A", "甲驿站", *lonlat(HERE), "010-1"]],
    ),
]


@pytest.mark.parametrize(("first", "second"), FOUND, ids=["id-row-moves-1m", "no-id-row-first"])
def test_importing_a_file_twice_changes_nothing_the_second_time(
    tmp_path: Path, first: list[list[str]], second: list[list[str]]
) -> None:
    # examples hypothesis found (below): rows with and without an id naming one station
    registry = fresh(tmp_path)
    import_file(registry, write_csv(tmp_path / "1.csv", [HEADER, *first]), crs="wgs84")
    path = write_csv(tmp_path / "2.csv", [HEADER, *second])
    import_file(registry, path, crs="wgs84")
    before = [s.model_dump() for s in stations(registry)]
    again = import_file(registry, path, crs="wgs84")
    assert (again.created, again.updated) == (0, 0), codes(again)
    assert [s.model_dump() for s in stations(registry)] == before


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # the vocabulary's own English labels, as an English list writes them
        ("Drinking water, Toilet", ("drinking_water", "toilet")),
        ("Rest area; Phone charging; Wi-Fi", ("rest_area", "phone_charging", "wifi")),
        ("Car parking, First-aid kit, Legal aid", ("car_parking", "first_aid", "legal_aid")),
        # codes, as our GeoPackage export writes them
        ("drinking_water,toilet", ("drinking_water", "toilet")),
        # Chinese labels separated by spaces stay separate labels
        ("饮水 休息 避雨", ("drinking_water", "rest_area", "shelter")),
    ],
)
def test_english_amenity_labels_are_recognised(
    tmp_path: Path, written: str, expected: tuple[str, ...]
) -> None:
    rows = [["name", "lon", "lat", "amenities"], ["Station 1", *lonlat(HERE), written]]
    registry = fresh(tmp_path)
    report = import_file(registry, write_csv(tmp_path / "l.csv", rows), crs="wgs84")
    assert [(i.code, i.value) for i in report.issues] == []
    (station,) = stations(registry)
    assert station.amenities == expected


# --------------------------------------------------------------------------- chunks


@pytest.mark.parametrize("kind", list(BUILDERS))
@pytest.mark.parametrize("chunk_size", [1, 3])
def test_chunk_boundaries_change_nothing(
    tmp_path: Path, kind: str, chunk_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # duplicates and repeated ids sit several rows after their first occurrence
    monkeypatch.setattr(geo.imports.runner, "utc_now", lambda: T0)
    truth = build(kind, tmp_path)
    reports, contents = [], []
    for size in (chunk_size, 2000):
        registry = fresh(tmp_path, f"r{size}")
        done: list[tuple[int, int | None]] = []
        report = import_file(
            registry,
            truth.path,
            crs=truth.crs,
            chunk_size=size,
            progress=lambda n, total, done=done: done.append((n, total)),
        )
        assert [n for n, _ in done] == sorted(n for n, _ in done)
        assert done[-1][0] == report.rows
        reports.append(report)
        contents.append(stations(registry))
    small, large = reports
    assert counts(small) == counts(large)
    assert codes(small) == codes(large)
    # The datum inverse is iterated per chunk, so positions may differ by micrometres.
    fields = {"id", "lon", "lat"}
    assert [s.model_dump(exclude=fields) for s in contents[0]] == [
        s.model_dump(exclude=fields) for s in contents[1]
    ]
    for a, b in zip(*contents, strict=True):
        assert distance_m((a.lon, a.lat), (b.lon, b.lat)) < 0.001
    assert (small.duplicates, small.rejected) == (truth.duplicates, truth.rejected)


def test_a_repeated_external_id_in_a_later_chunk_is_caught(tmp_path: Path) -> None:
    places = [offset(HERE, 200 * i, 45) for i in range(5)]
    rows = [
        HEADER,
        ["A", "甲驿站", *lonlat(places[0]), "1"],
        ["B", "乙驿站", *lonlat(places[1]), "2"],
        ["C", "丙驿站", *lonlat(places[2]), "3"],
        ["A", "甲驿站", *lonlat(places[3]), "4"],  # chunk 2: same id, other data
        ["B", "乙驿站", *lonlat(places[1]), "2"],  # chunk 2: the very same row
    ]
    registry = fresh(tmp_path)
    report = import_file(registry, write_csv(tmp_path / "l.csv", rows), crs="wgs84", chunk_size=3)
    assert counts(report) == (5, 3, 0, 0, 1, 1)
    assert codes(report) == [(5, "duplicate_external_id"), (6, "duplicate_row")]
    assert sorted(s.phone or "" for s in stations(registry)) == ["1", "2", "3"]


# --------------------------------------------------------------------------- property

NAMES = ["甲驿站", "甲 驿站", "乙驿站", "丙驿站", ""]
IDS = ["", "", "A", "B", "C"]
ANCHORS = [HERE, offset(HERE, 25, 90), offset(HERE, 500, 0)]


@st.composite
def tables(draw: Any) -> list[list[str]]:
    """Small station lists: names and ids from tiny pools, places close together, junk."""
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        place = offset(
            draw(st.sampled_from(ANCHORS)), draw(st.floats(0, 40)), draw(st.floats(0, 360))
        )
        lon, lat = lonlat(place)
        lon = draw(st.sampled_from([lon] * 6 + ["abc", "", "200"]))
        rows.append(
            [
                draw(st.sampled_from(IDS)),
                draw(st.sampled_from(NAMES)),
                lon,
                lat,
                draw(st.sampled_from(["", "010-1", "010-2"])),
            ]
        )
    return rows


@settings(max_examples=50, deadline=None)
@given(first=tables(), second=tables(), chunk_size=st.integers(1, 6))
@example(first=FOUND[0][0], second=FOUND[0][1], chunk_size=1)
@example(first=FOUND[1][0], second=FOUND[1][1], chunk_size=1)
def test_any_table_balances_commits_what_it_says_and_reimports_unchanged(
    first: list[list[str]], second: list[list[str]], chunk_size: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        registry = fresh(directory)
        try:
            _import_twice(registry, directory, first, second, chunk_size)
        finally:
            registry.close()


def _import_twice(
    registry: Registry,
    directory: Path,
    first: list[list[str]],
    second: list[list[str]],
    chunk_size: int,
) -> None:
    for number, table in enumerate((first, second, second)):
        before = len(registry)
        path = write_csv(directory / f"t{number}.csv", [HEADER, *table])
        report = import_file(registry, path, crs="wgs84", chunk_size=chunk_size)
        assert report.balanced
        assert report.rows == len(table)
        assert report.committed
        assert len(registry) == registry.store.count() == before + report.created
        if number == 2:  # the second table again
            assert (report.created, report.updated) == (0, 0), codes(report)


# --------------------------------------------------------------------------- concurrency


def _entries(registry: Registry) -> list[IndexEntry]:
    return list(registry.index.entries())


def test_searches_during_an_import_see_the_state_before_or_after_never_a_mix(
    tmp_path: Path,
) -> None:
    rng = random.Random(7)
    registry = fresh(tmp_path)
    seeded = [
        build_station_data(
            {
                "name": f"老驿站{i}",
                "external_id": f"S-{i:05d}",
                "lon": rng.uniform(116.30, 116.60),
                "lat": rng.uniform(39.80, 40.05),
            }
        )
        for i in range(300)
    ]
    registry.create_many(items=seeded)
    before = _entries(registry)
    # every seeded station moves 300 m, and 19,700 new ones arrive among them
    rows = [HEADER]
    for i, data in enumerate(seeded):
        rows.append([f"S-{i:05d}", data.name, *lonlat(offset((data.lon, data.lat), 300, 0)), ""])
    for i in range(19_700):
        place = (rng.uniform(116.30, 116.60), rng.uniform(39.80, 40.05))
        rows.append([f"N-{i:05d}", f"新驿站{i}", *lonlat(place), ""])
    path = write_csv(tmp_path / "big.csv", rows)

    chunks: list[float] = []
    outcome: dict[str, Any] = {}
    # After each of the first chunks, the importer waits until the main thread has
    # finished a search: proof, independent of scheduling, that searches are answered
    # between chunks (a lock held for the whole import would hang here, up to HANG_S).
    handshakes = 5
    chunk_done, searched = threading.Event(), threading.Event()

    def progress(n: int, total: int | None) -> None:
        chunks.append(time.monotonic())
        if len(chunks) <= handshakes:
            searched.clear()
            chunk_done.set()
            assert searched.wait(HANG_S), "no search was answered between two chunks"

    def run() -> None:
        try:
            outcome["report"] = import_file(
                registry, path, crs="wgs84", chunk_size=250, progress=progress
            )
        except BaseException as exc:  # reported by the main thread
            outcome["error"] = exc

    answers: list[tuple[float, Any, list[tuple[int, float]]]] = []  # (end, query, hits)

    def search() -> None:
        query = build_nearest_query(
            lon=rng.uniform(116.35, 116.55), lat=rng.uniform(39.85, 40.0), k=5, open_at="any"
        )
        result = registry.nearest(query)
        answers.append((time.monotonic(), query, [(h.id, h.distance_m) for _, h in result.hits]))

    worker = threading.Thread(target=run)
    worker.start()
    for _ in range(handshakes):
        assert chunk_done.wait(HANG_S), "the import made no progress"
        chunk_done.clear()
        search()
        searched.set()
    deadline = time.monotonic() + HANG_S
    while worker.is_alive() and time.monotonic() < deadline:
        search()
        time.sleep(0.005)  # leave the importer most of the time
    worker.join(timeout=HANG_S)
    assert not worker.is_alive(), f"the import did not finish in {HANG_S} s"
    assert "error" not in outcome, outcome.get("error")
    assert outcome["report"].committed
    assert (outcome["report"].created, outcome["report"].updated) == (19_700, 300)
    after = _entries(registry)
    assert len(after) == 20_000

    # Searches finished while chunks were still being imported: no lock held all along.
    during = [end for end, _, _ in answers if chunks[0] < end < chunks[-1]]
    assert len(during) >= handshakes, f"{len(during)} of {len(answers)} during the import"

    def same(expected: list[Any], got: list[tuple[int, float]]) -> bool:
        return [e.id for e in expected] == [g[0] for g in got] and all(
            abs(e.distance_m - g[1]) < 1e-6 for e, g in zip(expected, got, strict=True)
        )

    for end, query, got in answers:
        oracle = {"statuses": query.statuses, "k": query.k}
        if same(brute_force(before, query.lon, query.lat, **oracle), got):
            continue
        # only a search that overlapped the final commit may see the new state
        assert end > chunks[-1], f"a search during the import saw a partial state: {got}"
        assert same(brute_force(after, query.lon, query.lat, **oracle), got), got
    # and once the import is over, searches see all of it
    query = build_nearest_query(lon=116.45, lat=39.92, k=5, open_at="any")
    got = [(h.id, h.distance_m) for _, h in registry.nearest(query).hits]
    assert same(brute_force(after, query.lon, query.lat, k=5), got)
    assert not same(brute_force(before, query.lon, query.lat, k=5), got)
