"""Keeping hostile filter text away from the CQL2 parser.

The ``cql2`` parser (cql2-rs) recurses as deep as the text nests: a few thousand
parentheses, ``NOT``s or signs in a row overflow a worker thread's stack and kill the
process (a segfault, not an exception), and deeply nested arrays take minutes. No honest
filter comes near those shapes, so they are refused before the parser sees them:

- at most :data:`MAX_LENGTH` characters (a district outline as WKT fits; a URL longer
  than this is refused by most servers anyway);
- parentheses nested at most :data:`MAX_DEPTH` deep;
- at most :data:`MAX_NOTS` ``NOT``s in all;
- never two signs in a row (``--1``, ``+-1``);

all counted outside string literals (``'it''s'`` quotes a quote by doubling it). A
cql2-json filter is read by Python's ``json`` and then checked for the same depth,
counting every array and object, before the parser sees it.
"""

from __future__ import annotations

import re
from typing import Any, Final

from geo.errors import InvalidFilter

MAX_LENGTH: Final = 16_000
MAX_DEPTH: Final = 32
MAX_NOTS: Final = 64
_SIGNS: Final = re.compile(r"[-+]\s*[-+]")
_NOT: Final = re.compile(r"(?<![\w\"])not(?![\w\"])", re.IGNORECASE)


def _refuse(why: str, why_zh: str) -> InvalidFilter:
    return InvalidFilter(f"filter refused: {why}", f"过滤条件被拒绝：{why_zh}")


def _outside_strings(text: str) -> str:
    """``text`` with every string literal's content blanked (its quotes kept)."""
    out: list[str] = []
    quoted = False
    for ch in text:
        if ch == "'":
            quoted = not quoted  # a doubled quote closes and reopens: content stays blank
            out.append(ch)
        else:
            out.append(" " if quoted else ch)
    if quoted:
        raise _refuse("a string literal is not closed (a ' is missing)", "字符串缺少结尾的单引号 '")
    return "".join(out)


def check_nul(text: str) -> None:
    """Refuse a NUL character: no stored text holds one (PostgreSQL cannot), so a
    literal with one could match nothing, and the driver refuses to send it."""
    if "\x00" in text:
        raise _refuse("it holds a NUL character (\\x00)", "含有 NUL 字符（\\x00）")


def check_text(text: str) -> None:
    """Refuse cql2-text the parser must not see (see the module docstring)."""
    check_nul(text)
    if len(text) > MAX_LENGTH:
        raise _refuse(
            f"{len(text):,} characters; at most {MAX_LENGTH:,}",
            f"长度为 {len(text):,} 个字符，上限为 {MAX_LENGTH:,}",
        )
    code = _outside_strings(text)
    depth = deepest = 0
    for ch in code:
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise _refuse(
            f"parentheses nested {deepest} deep; at most {MAX_DEPTH}",
            f"括号嵌套 {deepest} 层，上限为 {MAX_DEPTH} 层",
        )
    nots = len(_NOT.findall(code))
    if nots > MAX_NOTS:
        raise _refuse(f"{nots} NOTs; at most {MAX_NOTS}", f"含 {nots} 个 NOT，上限为 {MAX_NOTS} 个")
    if _SIGNS.search(code):
        raise _refuse("two signs in a row (such as --1)", "连续两个正负号（如 --1）")


def check_json(value: Any) -> None:
    """Refuse a parsed cql2-json value nested deeper than :data:`MAX_DEPTH` levels
    (counted without recursion, so that the check itself cannot overflow), or holding
    a NUL character."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH * 2:  # an operation is an object holding an array: two levels
            raise _refuse(
                f"nested more than {MAX_DEPTH * 2} levels deep",
                f"嵌套超过 {MAX_DEPTH * 2} 层",
            )
        if isinstance(item, str):
            check_nul(item)
        elif isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
