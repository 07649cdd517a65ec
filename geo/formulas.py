"""Spreadsheet formula injection: neutralise on export, undo on import.

A cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is a formula to
Excel and LibreOffice (``=cmd|' /C calc'!A0`` in a station name runs a program). Such
text is written with one more leading ``'`` (OWASP's advice); leading quotes are counted
too, so that the escaping stays reversible (``'=x`` is written ``''=x``).
"""

from __future__ import annotations

import re

_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def escape_formula(text: str) -> str:
    """Neutralise text that a spreadsheet would evaluate as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return (after any
    number of ``'``) gets one more leading ``'``; other text is returned unchanged.
    :func:`unescape_formula` undoes it exactly.
    """
    return "'" + text if _FORMULA.match(text) else text


def unescape_formula(text: str) -> str:
    """Undo :func:`escape_formula`: drop one ``'`` before a formula character."""
    return text[1:] if _ESCAPED.match(text) else text
