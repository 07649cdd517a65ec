"""Terminal output that shows data as data: the one place the CLI sanitises what it prints.

Station names, addresses, key names, audit actors, import reports and the values echoed
in error messages are text that someone else wrote (an editor, an imported file, the
API, a database older than today's validation). Printed through rich as they are, they
would be read as *code* by two interpreters:

- rich's markup and emoji codes: ``[/]`` crashes the command (``MarkupError``),
  ``[link=https://...]`` makes a clickable hyperlink, ``[black on black]`` hides text,
  ``:warning:`` becomes an emoji;
- the terminal: ESC starts an escape sequence (colours, cursor moves, clearing the
  screen, OSC 8 hyperlinks, setting the window title), CR overwrites the line, BEL
  rings, and bidirectional overrides (U+202E) show text in another order than it is.

So every console here has markup, emoji and highlighting off (a string is printed as
it is, whoever forgot what), every styled message is a :class:`rich.text.Text` built
from parts, and every value goes through :func:`clean`, which shows each such character
as a visible escape: ESC as ``\\x1b``, U+202E as ``\\u202e``, a line break in a one-line
message as ``\\n``. Other text, Chinese, zero-width characters and all, is shown as it is.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, Final

from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["clean", "console", "json_text", "line", "print_json", "row"]

# C0 and C1 controls, DEL, the line and paragraph separators (some terminals break the
# line there), the bidirectional embeddings, overrides and isolates, and lone
# surrogates (undecodable bytes in argv or a file name; they cannot be encoded for the
# terminal at all). Tab is harmless and kept; a line break is kept only where asked.
_UNSAFE: Final = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_UNSAFE_KEEP_NEWLINE: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# In JSON, C0 controls are escaped by ``json.dumps`` already; these are not.
_JSON_UNSAFE: Final = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


_NAMED: Final = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(value: object, *, multiline: bool = False) -> str:
    """``value`` as text a terminal shows as it is: every control character, bidi
    override and lone surrogate replaced by a visible escape (``\\x1b``, ``\\u202e``).

    Parameters
    ----------
    value : object
        Anything; ``str(value)`` is shown.
    multiline : bool, default False
        Keep line breaks (``\\n``), for a table cell; a one-line message escapes them so
        that data cannot start a line that looks like the program's own.
    """
    pattern = _UNSAFE_KEEP_NEWLINE if multiline else _UNSAFE
    return pattern.sub(_escape, str(value))


def line(*parts: str | tuple[str, str]) -> Text:
    """One message as rich text: each part is cleaned, never read as markup; a
    ``(text, style)`` part is styled, e.g. ``line(("错误 / error", "red"), ": ", value)``."""
    text = Text()
    for part in parts:
        if isinstance(part, tuple):
            text.append(clean(part[0]), style=part[1])
        else:
            text.append(clean(part))
    return text


def row(table: Table, *cells: object) -> None:
    """Add a row of data to ``table``: each cell cleaned (line breaks kept), never
    read as markup."""
    table.add_row(*(Text(clean(c, multiline=True)) for c in cells))


def console(*, stderr: bool = False) -> Console:
    """A console that prints strings as they are: no markup, no emoji codes, no
    highlighting (style comes from :func:`line`'s parts)."""
    # soft_wrap: a long line (a path, a URL) is printed whole, never broken where a
    # terminal or a script reading the output would see two lines.
    return Console(stderr=stderr, markup=False, emoji=False, highlight=False, soft_wrap=True)


def json_text(doc: Any) -> str:
    """``doc`` as indented JSON that is safe on a terminal and means the same data:
    the characters ``json.dumps`` leaves raw (C1 controls, bidi overrides, separators,
    lone surrogates) written as ``\\uXXXX`` escapes, which any JSON reader decodes back."""
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(doc: Any) -> None:
    """Print ``doc`` as JSON on stdout (``--json``): the API's documents, unchanged."""
    sys.stdout.write(json_text(doc) + "\n")
