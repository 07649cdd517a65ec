"""CQL2 ``LIKE`` patterns (``%`` any run of characters, ``_`` one character, ``\\``
making the next character plain) in the syntax of each database."""

from __future__ import annotations

from collections.abc import Iterator


def tokens(pattern: str) -> Iterator[tuple[str, bool]]:
    """``(character, is_wildcard)`` for each character of a CQL2 pattern; a trailing
    lone backslash is a plain backslash."""
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            yield next(chars, "\\"), False
        else:
            yield ch, ch in "%_"


def as_glob(pattern: str) -> str:
    """The pattern for SQLite's ``GLOB`` (case-sensitive, unlike its ``LIKE``)."""
    out = []
    for ch, wild in tokens(pattern):
        if wild:
            out.append("*" if ch == "%" else "?")
        else:
            out.append(f"[{ch}]" if ch in "*?[" else ch)
    return "".join(out)


def as_like(pattern: str) -> str:
    """The pattern for a SQL ``LIKE ... ESCAPE '\\'``, escapes made explicit."""
    return "".join(
        ch if wild else ("\\" + ch if ch in "%_\\" else ch) for ch, wild in tokens(pattern)
    )
