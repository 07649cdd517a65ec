"""The compact duplicate-detection tables answer what plain dicts would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from geo.geodesy import GEOD
from geo.imports.matching import MATCH_RADIUS_M, KeyTable, _Names

chunks = st.lists(st.lists(st.integers(-(2**63), 2**63 - 1) | st.integers(0, 20), max_size=30))


@settings(max_examples=300, deadline=None)
@given(chunks=chunks)
def test_key_table_remembers_the_first_row_of_every_key(chunks: list[list[int]]) -> None:
    table, oracle, row = KeyTable(), dict[int, int](), 0
    for chunk in chunks:
        earlier = table.earlier(chunk)
        for key, before in zip(chunk, earlier, strict=True):
            row += 1
            want = oracle.get(key)
            got = int(before) or table.current(key)
            assert got == want
            table.add(key, row)
            oracle.setdefault(key, row)
        table.flush()
    assert len(table) == len(oracle)
    assert list(table.keys) == sorted(table.keys)


points = st.tuples(
    st.integers(0, 3),  # name key: few names, so many share one
    st.floats(116.3, 116.3006),  # ~50 m of longitude: some within 30 m, some not
    st.floats(39.9, 39.9004),
    st.booleans(),  # has an external id
)


@settings(max_examples=300, deadline=None)
@given(chunks=st.lists(st.lists(points, max_size=12), max_size=5))
def test_names_find_the_first_same_name_row_within_30_m(
    chunks: list[list[tuple[int, float, float, bool]]],
) -> None:
    names: _Names = _Names()
    seen: list[tuple[int, float, float, int, bool]] = []
    row = 0
    for chunk in chunks:
        lo, hi = names.ranges([key for key, *_ in chunk])
        for (key, lon, lat, has_id), a, b in zip(chunk, lo, hi, strict=True):
            row += 1
            want = next(
                (
                    r
                    for k, olon, olat, r, oid in seen
                    if k == key
                    and not (has_id and oid)
                    and GEOD.inv(olon, olat, lon, lat)[2] <= MATCH_RADIUS_M
                ),
                None,
            )
            assert names.first_near(key, int(a), int(b), lon, lat, has_id) == want
            if want is None:
                names.add(key, lon, lat, row, has_id)
                seen.append((key, lon, lat, row, has_id))
        names.flush()
