"""A chunk of rows checks its district, city and province columns once per (district,
labels) pair and reuses the verdict for the rows that repeat it (geo/imports/rows.py,
``_set_place``): every row's warnings must be exactly those it gets read alone, each
message naming that row's own position."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from geo.datums import Datum
from geo.imports.columns import recognise_columns
from geo.imports.readers import RawRow
from geo.imports.rows import read_row, read_rows

HEADERS = ["名称", "经度", "纬度", "所属区", "城市"]
MAPPING = recognise_columns(HEADERS)
# WGS84 positions in a few districts (东城区, 朝阳区 of Beijing, 金水区, 上城区), one at sea.
POSITIONS = [
    (116.4100, 39.9100), (116.4150, 39.9150), (116.4551, 39.9075), (116.4600, 39.9200),
    (113.6654, 34.7579), (113.6910, 34.7930), (120.1650, 30.2500), (123.0, 25.0),
]  # fmt: skip
DISTRICTS = [None, "", "东城区", "朝阳区", "朝阳", "北京市朝阳区", "金水区", "110105", "无此区"]
CITIES = [None, "北京市", "北京", "郑州市", "杭州", "110000", "不存在市"]


def _rows(picks: list[tuple[int, int, int]]) -> list[RawRow]:
    rows = []
    for n, (p, d, c) in enumerate(picks, start=2):
        lon, lat = POSITIONS[p]
        values = {"名称": f"站{n}", "经度": lon, "纬度": lat, "所属区": DISTRICTS[d]}
        rows.append(RawRow(n, values | {"城市": CITIES[c]}))
    return rows


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(POSITIONS) - 1),
            st.integers(0, len(DISTRICTS) - 1),
            st.integers(0, len(CITIES) - 1),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_a_chunk_warns_each_row_as_it_would_be_warned_alone(
    picks: list[tuple[int, int, int]],
) -> None:
    raws = _rows(picks)
    together = read_rows(raws, MAPPING, Datum.WGS84)
    for raw, result in zip(raws, together, strict=True):
        alone = read_row(raw, MAPPING, Datum.WGS84)
        assert result.issues == alone.issues
        assert result.data == alone.data


def test_repeated_wrong_labels_name_each_rows_position() -> None:
    raws = _rows([(0, 6, 0), (1, 6, 0), (0, 6, 0)])  # 金水区 written for 东城区, three times
    results = read_rows(raws, MAPPING, Datum.WGS84)
    messages = [[i.message_zh for i in r.issues] for r in results]
    assert all(len(m) == 1 for m in messages)
    assert "(116.410000, 39.910000)" in messages[0][0]
    assert "(116.415000, 39.915000)" in messages[1][0]
    assert messages[2] == messages[0]
    assert all(r.issues[0].code == "district_mismatch" for r in results)
    assert all(r.data is not None and r.data.adcode == "110101" for r in results)
