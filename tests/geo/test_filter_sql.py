"""CQL2 filters and sortby on the store, both backends, against the oracle
(tests/geo/cql2_oracle.py): every filter hypothesis draws, read from cql2-json and from
the cql2-text cql2 writes of it, keeps exactly the stations the oracle keeps."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import cql2
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from geo.amenities import AMENITIES
from geo.clock import ManualClock, use_clock
from geo.filters import parse_sortby, read_filter
from geo.model import Station, StationData, Status
from geo.registry import Registry, open_registry
from tests.geo.cql2_oracle import matching

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
CODES = [a.code for a in AMENITIES]
NAMES = ["朝阳驿站", "海淀站", "Union Rest", "union rest", "50%_off", "a*b?c[d]", "it's", "站\\点"]
HOSTS = [None, "工会", "HOST", "host"]
BOX = (116.1, 39.7, 116.7, 40.1)  # Beijing: several districts


def _stations(rng: random.Random, clock: ManualClock, registry: Registry) -> list[Station]:
    made: list[Station] = []
    for batch in range(6):
        items = []
        for i in range(20):

            def count():
                return rng.choice([None, 0, 1, 2, 3, 5, 8])

            items.append(StationData(
                name=f"{rng.choice(NAMES)}{i % 3 or ''}",
                lon=round(rng.uniform(BOX[0], BOX[2]), 6),
                lat=round(rng.uniform(BOX[1], BOX[3]), 6),
                address=rng.choice([None, "朝阳路1号", "中关村大街"]), host=rng.choice(HOSTS),
                phone=rng.choice([None, "010-12345678"]),
                amenities=tuple(rng.sample(CODES, rng.randint(0, 4))),
                car_parking_spaces=count(), ev_charging_piles=count(),
                motorcycle_parking_spaces=count(), status=rng.choice(list(Status)),
            ))  # fmt: skip
        made += registry.create_many(items=items)
        clock.advance(3600.5 * (batch + 1))
    return made


class Seeded(tuple[Registry, list[Station]]):
    """The registry and its stations, shown briefly in hypothesis's reports."""

    def __repr__(self) -> str:
        return f"<{len(self[1])} stations>"


@pytest.fixture
def seeded(store_url: Callable[[str], str]) -> Iterator[Seeded]:
    clock = ManualClock(T0)
    with use_clock(clock):
        registry = open_registry(store_url("filters"))
        try:
            yield Seeded((registry, _stations(random.Random(20261207), clock, registry)))
        finally:
            registry.close()


def _ids(registry: Registry, **kwargs: Any) -> list[int]:
    page = registry.list_stations(statuses=frozenset(Status), limit=10_000, **kwargs)
    return [s.id for s in page.items]


# -- the filters hypothesis draws ---------------------------------------------------------

P = lambda name: {"property": name}  # noqa: E731
STAMPS = [T0 + timedelta(seconds=s) for s in (-1, 0, 0.25, 3600.5, 3600.6, 10_801, 40_000)]
STRINGS = ["name", "district", "address", "host", "phone", "adcode"]
INTS = ["car_parking_spaces", "ev_charging_piles", "motorcycle_parking_spaces"]
OPS = ["=", "<>", "<", ">", "<=", ">="]
text_values = st.sampled_from([*NAMES, "朝阳区", "海淀区", "工会", "host", "110105", ""])
stamps = st.sampled_from(STAMPS).map(lambda t: {"timestamp": t.isoformat().replace("+00:00", "Z")})
numbers = st.sampled_from([0, 1, 2, 2.5, 3, 8, -1])
patterns = st.lists(
    st.sampled_from(["%", "_", "\\%", "\\_", "站", "Union", "u", "*", "?", "[", "'", "\\\\", "驿"]),
    max_size=4,
).map("".join)
codes = st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True)  # () has no text
coord = st.tuples(st.floats(BOX[0] - 0.05, BOX[2] + 0.05), st.floats(BOX[1] - 0.05, BOX[3] + 0.05))


@st.composite
def geometries(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["bbox", "polygon", "point", "line"]))
    a, b, c = draw(coord), draw(coord), draw(coord)
    if kind == "point":
        return {"type": "Point", "coordinates": list(a)}
    if kind == "line" and a != b:
        return {"type": "LineString", "coordinates": [list(a), list(b)]}
    if kind == "polygon" and abs(_cross(a, b, c)) > 1e-6:
        ring = [list(a), list(b), list(c), list(a)]
        return {"type": "Polygon", "coordinates": [ring if _cross(a, b, c) > 0 else ring[::-1]]}
    west, east = sorted((a[0], b[0] + (0.01 if a[0] == b[0] else 0)))
    south, north = sorted((a[1], b[1] + (0.01 if a[1] == b[1] else 0)))
    return {"bbox": [west, south, east, north]}


def _cross(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _op(op: str, *args: Any) -> dict[str, Any]:
    return {"op": op, "args": list(args)}


FAMILIES = {
    "text": st.one_of(
        st.builds(_op, st.sampled_from(OPS), st.sampled_from(STRINGS).map(P), text_values),
        st.builds(_op, st.sampled_from(OPS), text_values, st.sampled_from(STRINGS).map(P)),
        st.builds(_op, st.sampled_from(["=", "<>"]), st.just(P("status")),
                  st.sampled_from(list(Status))),
        st.builds(_op, st.just("like"), st.sampled_from(["name", "host", "district"]).map(P),
                  patterns),
        st.builds(_op, st.just("in"), st.sampled_from(STRINGS).map(P),
                  st.lists(text_values, min_size=1, max_size=3)),
        st.builds(_op, st.just("isNull"), st.sampled_from(STRINGS).map(P)),
    ),
    "numbers": st.one_of(
        st.builds(_op, st.sampled_from(OPS), st.sampled_from([*INTS, "id"]).map(P), numbers),
        st.builds(_op, st.sampled_from(OPS), st.sampled_from(INTS).map(P),
                  st.sampled_from(INTS).map(P)),
        st.builds(_op, st.just("between"), st.sampled_from(INTS).map(P), numbers, numbers),
        st.builds(_op, st.just("in"), st.sampled_from(INTS).map(P),
                  st.lists(numbers, min_size=1, max_size=3)),
        st.builds(_op, st.just("isNull"), st.sampled_from(INTS).map(P)),
    ),
    "time": st.one_of(
        st.builds(_op, st.sampled_from(OPS), st.sampled_from(["created_at", "updated_at"]).map(P),
                  stamps),
        st.builds(_op, st.sampled_from(OPS), st.just(P("created_at")), st.just(P("updated_at"))),
        st.builds(_op, st.just("between"), st.just(P("updated_at")), stamps, stamps),
    ),
    "space": st.one_of(
        st.builds(_op, st.sampled_from(["s_intersects", "s_within", "s_disjoint", "s_contains",
                                        "s_equals", "s_touches", "s_crosses", "s_overlaps"]),
                  st.just(P("geometry")), geometries()),
        st.builds(_op, st.sampled_from(["s_intersects", "s_within", "s_contains"]),
                  geometries(), st.just(P("geometry"))),
        st.builds(_op, st.just("s_dwithin"), st.just(P("geometry")),
                  coord.map(lambda c: {"type": "Point", "coordinates": list(c)}),
                  st.floats(0, 30), st.just(P("kilometers"))),
    ),
    "amenities": st.one_of(
        st.builds(_op, st.sampled_from(["a_contains", "a_containedby", "a_equals", "a_overlaps"]),
                  st.just(P("amenities")), codes),
        st.builds(_op, st.sampled_from(["a_contains", "a_containedby"]), codes,
                  st.just(P("amenities"))),
    ),
}  # fmt: skip


def _combined(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.builds(_op, st.sampled_from(["and", "or"]), inner, inner),
            st.builds(_op, st.just("not"), inner),
        ),
        max_leaves=5,
    )


EVERYTHING = _combined(st.one_of(*FAMILIES.values(), st.booleans()))


def _check(seeded: Seeded, j: Any, as_text: bool) -> None:
    registry, stations = seeded
    note(json.dumps(j, ensure_ascii=False))
    if as_text:
        where = read_filter(cql2.Expr(j).to_text())
    else:
        where = read_filter(json.dumps(j), "cql2-json")
    assert set(_ids(registry, where=where)) == matching(j, stations)


@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), as_text=st.booleans())
def test_each_kind_of_filter_keeps_what_the_oracle_keeps(
    seeded: Seeded, family: str, data: st.DataObject, as_text: bool
) -> None:
    _check(seeded, data.draw(_combined(FAMILIES[family])), as_text)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(j=EVERYTHING, as_text=st.booleans())
def test_filters_keep_what_the_oracle_keeps(seeded: Seeded, j: Any, as_text: bool) -> None:
    _check(seeded, j, as_text)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.lists(st.sampled_from(STRINGS + INTS + ["updated_at", "status", "id"]),
                     min_size=1, max_size=3, unique=True),
       desc=st.lists(st.booleans(), min_size=3, max_size=3))  # fmt: skip
def test_sortby_orders_as_python_does(seeded: Seeded, keys: list[str], desc: list[bool]) -> None:
    registry, stations = seeded
    text = ",".join(("-" if d else "") + k for k, d in zip(keys, desc, strict=False))
    expected = sorted(stations, key=lambda s: s.id)
    for key, d in reversed(list(zip(keys, desc, strict=False))):  # stable: last key first
        known = [s for s in expected if _sort_value(s, key) is not None]
        unknown = [s for s in expected if _sort_value(s, key) is None]
        expected = sorted(known, key=lambda s: _sort_value(s, key), reverse=d) + unknown
    assert _ids(registry, order=parse_sortby(text)) == [s.id for s in expected]


def _sort_value(station: Station, key: str) -> Any:
    value = getattr(station, key)
    return value.value if isinstance(value, Status) else value


def test_pages_of_a_sort_cover_every_station_once(seeded: Seeded) -> None:
    registry, stations = seeded
    order = parse_sortby("-car_parking_spaces,host")
    seen = []
    for offset in range(0, len(stations), 7):
        page = registry.list_stations(
            statuses=frozenset(Status), limit=7, offset=offset, order=order
        )
        seen += [s.id for s in page.items]
    assert sorted(seen) == sorted(s.id for s in stations)
    assert seen == _ids(registry, order=order)
