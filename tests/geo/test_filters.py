"""Reading CQL2 filters and sortby: what is refused, and how it is said."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from geo.errors import InvalidFilter
from geo.filters import parse_sortby, read_filter
from geo.filters.cql2_guard import MAX_DEPTH, MAX_LENGTH
from geo.filters.nodes import Amenities, Compare, Const, Lit, Spatial, Within


def _refusal(text: str, lang: str = "cql2-text") -> InvalidFilter:
    with pytest.raises(InvalidFilter) as caught:
        read_filter(text, lang)
    assert caught.value.message_zh != caught.value.message  # said in both languages
    return caught.value


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("adcode = 110105", "quoted text such as '110105'"),  # adcodes are text
        ("区县 = '朝阳区'", "did you mean district"),  # the Chinese title of a queryable
        ("distrct = '朝阳区'", "did you mean district"),  # a misspelling
        ("status = 'opne'", "unknown status 'opne'"),
        ("status > 'open'", "status has no order"),
        ("amenities = 'toilet'", "A_CONTAINS(amenities"),
        ("A_CONTAINS(amenities, ('toilett'))", "toilett"),
        ("ev_charging_piles = '3'", "use a number"),
        ("CASEI(name) = CASEI('a')", "CASEI and ACCENTI are not supported"),
        ("car_parking_spaces + 1 > 2", "arithmetic is not supported"),
        ("T_AFTER(updated_at, TIMESTAMP('2026-01-01T00:00:00Z'))", "temporal functions"),
        ("updated_at > DATE('2026-01-01')", "not a DATE"),
        ("updated_at > TIMESTAMP('2026-01-01')", "is not a moment"),
        ("foo(name) = 1", "unknown function or operator 'foo'"),
        ("name = 'x' AND", "cannot be read at character"),
        ("name = 'x", "not closed"),
        ("S_WITHIN(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))", "not valid"),
        ("S_WITHIN(geometry, POINT(200 39))", "off the globe"),
        ("S_WITHIN(geometry, BBOX(117, 39, 116, 40))", "west, south, east, north"),
        ("S_WITHIN(name, POINT(116 39))", "applies to geometry, not name"),
        ("S_DWITHIN(geometry, POINT(116 39), 3, furlongs)", "unknown distance unit"),
        ("S_DWITHIN(geometry, LINESTRING(116 39, 117 40), 3, meters)", "to a POINT"),
        ("'a' = 'a'", "name a property on one side"),
        ("name = district AND car_parking_spaces = name", "different kinds"),
    ],
)
def test_refusals_name_the_problem(text: str, said: str) -> None:
    assert said in _refusal(text).message


def test_every_problem_is_named_at_once() -> None:
    error = _refusal("distrct = 'a' AND status = 'opne' AND adcode = 1")
    assert [d["parameter"] for d in error.details] == ["filter"] * 3


def test_a_syntax_error_points_at_the_character() -> None:
    error = _refusal("name = = 'x'")
    assert error.details[0]["position"] == 8
    assert "⟨here⟩" in error.message
    assert "⟨此处⟩" in error.message_zh


@pytest.mark.parametrize(
    "text",
    [
        "(" * (MAX_DEPTH + 1) + "name = 'a'" + ")" * (MAX_DEPTH + 1),
        "NOT " * 100 + "name = 'a'",
        "car_parking_spaces = --1",
        "name = 'a' AND " * (MAX_LENGTH // 15 + 1) + "name = 'a'",
        "A_CONTAINS(amenities, " + "(" * 2000 + "'toilet'" + ")" * 2000 + ")",
    ],
    ids=["parentheses", "nots", "signs", "length", "arrays"],
)
def test_shapes_that_crash_the_parser_are_refused_first(text: str) -> None:
    # cql2-rs overflows a thread's stack on a few thousand of these (a segfault: the
    # worker dies) and takes minutes over nested arrays; the guard refuses them first.
    assert "refused" in _refusal(text).message


def test_nesting_within_the_limits_is_read_in_a_worker_thread() -> None:
    # What the guard lets through, the parser reads on a worker thread's stack.
    text = "(" * MAX_DEPTH + "name = 'a'" + ")" * MAX_DEPTH
    text = " AND ".join([text] * 40)[: MAX_LENGTH - 1]
    text = text[: text.rfind(" AND ")]
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(read_filter(text)))
    worker.start()
    worker.join()
    assert len(results) == 1


def test_json_nested_too_deep_is_refused_before_the_parser() -> None:
    deep: Any = {"op": "=", "args": [{"property": "name"}, "a"]}
    for _ in range(MAX_DEPTH * 2):
        deep = {"op": "not", "args": [deep]}
    assert "nested more than" in _refusal(json.dumps(deep), "cql2-json").message
    assert "not valid JSON" in _refusal("[" * 100_000, "cql2-json").message
    assert "not cql2-json" in _refusal('{"op": 3}', "cql2-json").message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A fraction of a second: stored moments are whole seconds.
        ("updated_at > TIMESTAMP('2026-03-01T08:00:00.5Z')", (">", "2026-03-01T08:00:00Z")),
        ("updated_at >= TIMESTAMP('2026-03-01T08:00:00.5Z')", (">", "2026-03-01T08:00:00Z")),
        ("updated_at < TIMESTAMP('2026-03-01T08:00:00.5Z')", ("<=", "2026-03-01T08:00:00Z")),
        # An offset: UTC is stored.
        ("updated_at = TIMESTAMP('2026-03-01T16:00:00+08:00')", ("=", "2026-03-01T08:00:00Z")),
        # The literal first: the comparison turned round.
        ("TIMESTAMP('2026-03-01T08:00:00Z') < created_at", (">", "2026-03-01T08:00:00Z")),
    ],
)
def test_timestamps_compare_as_the_store_writes_them(text: str, expected: tuple[str, str]) -> None:
    node = read_filter(text)
    assert isinstance(node, Compare)
    assert isinstance(node.right, Lit)
    assert (node.op, node.right.value) == expected


def test_no_stored_moment_equals_a_fraction() -> None:
    assert read_filter("created_at = TIMESTAMP('2026-03-01T08:00:00.5Z')") == Const(False)


def test_literals_first_turn_relations_round() -> None:
    within = read_filter("S_WITHIN(POINT(116.4 39.9), geometry)")
    assert isinstance(within, Spatial)
    assert within.op == "contains"
    held = read_filter("A_CONTAINS(('toilet', 'microwave'), amenities)")
    assert isinstance(held, Amenities)
    assert held.op == "containedby"


def test_filter_crs_puts_latitude_first() -> None:
    node = read_filter("S_INTERSECTS(geometry, BBOX(39.8, 116.3, 40.0, 116.5))", lat_first=True)
    assert isinstance(node, Spatial)
    assert node.geometry.bounds == (116.3, 39.8, 116.5, 40.0)
    point = read_filter("S_DWITHIN(geometry, POINT(39.9 116.4), 2, kilometers)", lat_first=True)
    assert point == Within(116.4, 39.9, 2000.0)


def test_amenities_by_chinese_label() -> None:
    node = read_filter("A_CONTAINS(amenities, ('卫生间', '微波炉'))")
    assert isinstance(node, Amenities)
    assert node.mask == 0b110


def test_sortby_refusals() -> None:
    with pytest.raises(InvalidFilter) as caught:
        parse_sortby("nmae,-geometry,name,name,")
    reasons = [d["reason"] for d in caught.value.details]
    assert "did you mean name" in reasons[0]
    assert "cannot sort by a set or a position" in reasons[1]
    assert "given twice" in reasons[2]
    assert "empty" in reasons[3]
    keys = parse_sortby("-updated_at,+name, id")
    assert [(k.queryable.name, k.descending) for k in keys] == [
        ("updated_at", True), ("name", False), ("id", False)
    ]  # fmt: skip


def test_a_nul_character_is_refused_in_either_language() -> None:
    assert "NUL" in _refusal("name = 'a\x00b'").message
    assert "NUL" in _refusal('{"op": "=", "args": [{"property": "name"}, "a\\u0000b"]}',
                             "cql2-json").message  # fmt: skip
