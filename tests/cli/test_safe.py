"""cli/safe.py: what the terminal is shown of a value, and JSON that means the same data."""

from __future__ import annotations

import io
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from cli.safe import clean, json_text, line, row

# Characters that act on a terminal or reorder text (what clean() must never let by).
ACTIVE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("建国路工商银行暖心驿站", "建国路工商银行暖心驿站"),  # ordinary text: unchanged
        (
            "[/]驿站 [link=x]y[/link] :warning:",
            "[/]驿站 [link=x]y[/link] :warning:",
        ),  # markup is text
        (
            "\x1b]8;;https://evil.example\x1b\\点我",
            r"\x1b]8;;https://evil.example\x1b\点我",
        ),  # OSC 8
        ("红\x1b[31m字\x07", r"红\x1b[31m字\x07"),  # ESC, BEL
        ("覆盖\r真名", r"覆盖\r真名"),  # carriage return: would overwrite the line
        ("甲\n乙", r"甲\n乙"),  # a line break cannot start a line of its own
        ("制表\t符", "制表\t符"),  # tab: harmless, kept
        ("\x00\x7f\x85\x9b", r"\x00\x7f\x85\x9b"),  # NUL, DEL, C1 (NEL, 8-bit CSI)
        ("驿站\u202egnp.exe", r"驿站\u202egnp.exe"),  # right-to-left override
        (
            "\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069",
            r"\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069",
        ),
        ("行\u2028段\u2029", r"行\u2028段\u2029"),  # line and paragraph separators
        ("驿站\ud800", r"驿站\ud800"),  # lone surrogate (undecodable argv bytes)
        ("驿\u200b站", "驿\u200b站"),  # zero-width space: text, shown as it is
        (42, "42"),  # not a string: str() of it
    ],
)
def test_clean_shows_active_characters_as_escapes(value: object, shown: str) -> None:
    assert clean(value) == shown


def test_a_table_cell_keeps_its_line_breaks_but_nothing_else() -> None:
    assert clean("路1号\n第二行\r\x1b", multiline=True) == "路1号\n第二行\\r\\x1b"


@given(st.text())
def test_clean_lets_nothing_active_through_and_leaves_other_text_alone(text: str) -> None:
    shown = clean(text)
    assert ACTIVE.search(shown) is None
    if ACTIVE.search(text) is None:
        assert shown == text


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=20,
    )
)
def test_json_text_is_the_same_data_with_nothing_active_raw(doc: object) -> None:
    text = json_text(doc)
    assert json.loads(text) == doc
    assert re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]",
                     text.replace("\n", "")) is None  # fmt: skip


def render(*renderables: object) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=200).print(*renderables)  # a console with markup ON
    return buffer.getvalue()


def test_line_and_row_are_never_read_as_markup_even_by_a_markup_console() -> None:
    assert render(line(("错误 / error", "red"), ": [/]x [link=https://e.example]y")) == (
        "错误 / error: [/]x [link=https://e.example]y\n"
    )
    table = Table()
    table.add_column("name")
    row(table, "[black on black]隐藏[/] :warning:")
    assert "[black on black]隐藏[/] :warning:" in render(table)
