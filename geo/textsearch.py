"""Finding stations by a piece of their name or address (``q``), Chinese included.

Chinese is written without spaces, so words cannot be indexed; what can be is every
pair of adjacent characters (*bigrams*): ``暖心驿站`` holds 暖心, 心驿 and 驿站. A
station's bigrams (of its name and address, NFKC-folded and case-folded, letters and
digits only) are stored with it (``search_grams``) and indexed: SQLite in an FTS5 table,
PostgreSQL in a GIN index over the array of them. Two characters are the shortest query
that narrows anything down, and every query of two or more is answered from the index
(no scan of the table, whatever its size). A term's bigrams all being present is only a
candidate; the store then keeps the stations whose name or address holds the term
itself (``LIKE`` on the lower-cased text), so ``q`` means exactly "a substring of the
name or the address", in any case; a query typed in full-width letters (ＡＢＣ) is
folded to ABC first, as stored names rarely are full-width.

Several terms separated by spaces must each be found (in the name or the address):
``海淀 工会`` finds 海淀区总工会驿站 and 中关村工会驿站, 海淀区.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from operator import add

from geo.errors import InvalidParameter

MAX_TERMS = 5
MAX_QUERY = 100
_RUNS = re.compile(r"\w+")


def fold(text: str) -> str:
    """The form text is compared in: NFKC (full-width to half-width), case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def _bigrams(text: str) -> list[str]:
    """The bigrams of the letter and digit runs of ``text`` (already folded), in order.

    Underscores (word characters to the regex, not letters) are dropped from the text
    first, which is dropping them from each run: no run holds anything but letters,
    digits and underscores. Each run's pairs are made by ``map`` in C (half the time of
    slicing; every station's name and address go through here on import).
    """
    found: list[str] = []
    for run in _RUNS.findall(text.replace("_", "")):
        found += map(add, run, run[1:])
    return found


def search_grams(*texts: str | None) -> str:
    """What a station stores to be found: its texts' bigrams, once each, space-separated."""
    found: list[str] = []
    for text in texts:
        if text:
            found += _bigrams(fold(text))
    return " ".join(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a query: the text to find, and the bigrams a match must have."""

    text: str  # folded
    grams: tuple[str, ...]


def parse_query(q: str | None) -> tuple[Term, ...]:
    """The terms of ``q``; empty when there is none. ``InvalidParameter`` for a term
    that cannot be looked up (fewer than two letters or digits side by side)."""
    if q is None or not q.strip():
        return ()
    if len(q) > MAX_QUERY:
        raise _bad(q, f"is longer than {MAX_QUERY} characters", f"超过 {MAX_QUERY} 个字符")
    words = fold(q).split()
    if len(words) > MAX_TERMS:
        raise _bad(q, f"has more than {MAX_TERMS} terms", f"超过 {MAX_TERMS} 个词")
    terms = []
    for word in words:
        grams = tuple(dict.fromkeys(_bigrams(word)))
        if not grams:
            raise _bad(
                q,
                f"has the term {word!r}, which is too short: each term needs at least two "
                "letters or digits together (e.g. 驿站, 海淀)",
                f"中的 {word!r} 太短：每个词至少需要两个相连的文字或数字（如 驿站、海淀）",
            )
        terms.append(Term(word, grams))
    return tuple(terms)


def like_pattern(text: str) -> str:
    """``%text%`` for ``LIKE ... ESCAPE '\\'``, with the wildcards in ``text`` escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _bad(q: str, en: str, zh: str) -> InvalidParameter:
    shown = q if len(q) <= 60 else q[:60] + "…"
    return InvalidParameter(
        f"q {shown!r} {en}",
        f"q {shown!r} {zh}",
        details=[{"field": "q", "value": q, "reason": "invalid_query"}],
    )
