"""The fast construction path of StationData gives exactly what validation gives."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from geo.amenities import BY_CODE
from geo.errors import InvalidStation, StationError
from geo.model import StationData, Status, _trusted, build_station_data
from geo.station_text import SURELY_VISIBLE, invisible, text_problem


def mostly(valid: st.SearchStrategy[Any], edge: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Values validation keeps as they are, and 1 time in 12 an edge case it changes or
    refuses, so that most examples exercise the fast path and many its refusals."""
    return st.integers(0, 11).flatmap(lambda i: valid if i else edge)


clean_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=1
) | st.sampled_from(["朝阳驿站", "a b", "x" * 500])
# Text that shows nothing, or reorders itself: printable or not, the fast path must leave
# it to validation (issue 22).
HIDDEN = [
    "\u200b\u200c\u200d\ufeff", "\u3164", "\u0301", "\u2800\u115f", "\ufe0f", "a\u202eb",
    "驿站\u2066x\u2069", "\u00ad", "\ud800", "驿\u200b站",
]  # fmt: skip
texts = mostly(
    st.none() | clean_text,
    st.sampled_from(
        ["", " ", " padded ", "a\x00b", "tab\tinside", "x" * 501, "\u3000全角", "\x85", *HIDDEN]
    )
    | st.text(max_size=6),
)
numbers = mostly(
    st.floats(-180, 180),
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-200, 200)
    | st.sampled_from(["116.4", True, None, 180.0000001]),
)
counts = mostly(
    st.none() | st.integers(0, 100_000),
    st.integers(-3, 100_003) | st.sampled_from([True, False, 1.0, "3"]),
)
codes = st.lists(
    mostly(st.sampled_from(sorted(BY_CODE)), st.sampled_from(["", " toilet", "TOILET", "x"])),
    max_size=5,
)
fields = st.fixed_dictionaries(
    {"name": texts, "lon": numbers, "lat": numbers},
    optional={
        "external_id": texts,
        "address": texts,
        "district": texts,
        "adcode": mostly(
            st.sampled_from([None, "110105"]), st.sampled_from(["11010", "１１０１０５", ""])
        ),
        "host": texts,
        "amenities": mostly(codes | codes.map(tuple), st.just("toilet")),
        "car_parking_spaces": counts,
        "motorcycle_parking_spaces": counts,
        "ev_charging_piles": counts,
        "opening_hours": mostly(
            st.sampled_from([None, "24小时", "周一至周五 09:00-17:00", "Mo-Fr 08:00-20:00"]), texts
        ),
        "status": mostly(
            st.sampled_from([*Status, "open", "planned"]), st.sampled_from(["OPEN", None])
        ),
        "phone": mostly(texts, st.just("1" * 101)),
    },
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=fields)
def test_trusted_path_equals_validation(fields: dict[str, Any]) -> None:
    trusted = _trusted(fields)
    try:
        validated: StationData | None = StationData.model_validate(dict(fields))
    except (ValidationError, StationError):
        validated = None
    if trusted is None:
        return  # the slow path decides; build_station_data then equals validation
    assert validated is not None, "the fast path accepted what validation refuses"
    assert trusted.__dict__ == validated.__dict__
    assert list(trusted.__dict__) == list(validated.__dict__)
    assert trusted.model_fields_set == validated.model_fields_set
    assert trusted == validated
    assert hash(trusted) == hash(validated)
    assert trusted.model_dump_json() == validated.model_dump_json()


def test_a_typical_import_row_takes_the_fast_path() -> None:
    """If the fast path refused ordinary rows, imports would silently lose their speed."""
    row = {
        "name": "望京驿站",
        "lon": 116.47,
        "lat": 39.99,
        "external_id": "BJ-1",
        "amenities": ["drinking_water", "microwave"],
        "car_parking_spaces": 3,
        "opening_hours": "周一至周五 09:00-17:00",
        "status": "open",
    }
    data = _trusted(row)
    assert data is not None
    assert data.amenities == ("drinking_water", "microwave", "car_parking")
    assert data.opening_hours_osm == build_station_data(row).opening_hours_osm
    assert data.status is Status.OPEN


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("\u200b\u200c\u200d\ufeff\u2060", "visible"),  # zero-width characters only
        ("\u3164", "visible"),  # the Hangul filler, a blank letter
        ("\u0301\u0301", "visible"),  # combining marks with nothing to combine with
        ("\u2800", "visible"),  # the blank Braille pattern
        ("驿站\u202egnp.exe", "U+202E RIGHT-TO-LEFT OVERRIDE (character 3)"),
        ("\u202a驿站", "U+202A LEFT-TO-RIGHT EMBEDDING (character 1)"),
        ("驿站\u2067", "U+2067 RIGHT-TO-LEFT ISOLATE"),
        ("驿站\x00", "U+0000 (character 3): it is a control character"),
        ("驿站\ud800", "U+D800 (character 3): it is a lone surrogate"),
    ],
)
def test_text_that_hides_or_reorders_itself_is_refused(text: str, says: str) -> None:
    problem = text_problem(text)
    assert problem is not None
    assert says in problem[0]
    assert problem[1] != problem[0]  # a Chinese message of its own
    with pytest.raises(InvalidStation, match=re.escape(says)):
        build_station_data({"name": "驿站", "address": text, "lon": 116.4, "lat": 39.9})


@pytest.mark.parametrize(
    "text",
    ["驿\u200b站", "👩\u200d💻", "é", "e\u0301", "Café", "١٢٣", "\u200e驿站", "ㅤ驿站", "＋86"],
)
def test_visible_text_with_invisible_characters_inside_is_kept(text: str) -> None:
    assert text_problem(text) is None
    data = build_station_data({"name": text, "lon": 116.4, "lat": 39.9})
    assert data.name == text


def test_the_fast_paths_visible_class_holds_only_visible_characters() -> None:
    """``SURELY_VISIBLE`` lets text skip the character-by-character look: every character
    it matches must be one :func:`invisible` calls visible."""
    matched = [chr(c) for c in range(0x110000) if SURELY_VISIBLE.fullmatch(chr(c))]
    assert len(matched) > 20_000  # ASCII, CJK, kana, full-width forms
    assert [hex(ord(c)) for c in matched if invisible(c)] == []
