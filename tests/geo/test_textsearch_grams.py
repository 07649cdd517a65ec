"""A station's stored bigrams (``search_grams``) and a query term's, against the
definition written plainly: fold the text, split it into runs of letters and digits,
drop underscores from each run, take every pair of adjacent characters, keep the first
of each."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from geo.errors import InvalidParameter
from geo.textsearch import parse_query, search_grams

# Letters and digits of several scripts, full-width forms, underscores, spaces and
# punctuation, and characters that fold to several (ß, ﬁ, İ) or combine (U+0301).
ALPHABET = "暖心驿站海淀区工会_ -ＡＢＣabcXYZ123１２３.,，。ß\u0301İﬁ\u00a0\t"
texts = st.text(alphabet=ALPHABET, max_size=14)


def pairs(folded: str) -> list[str]:
    grams: list[str] = []
    for run in re.findall(r"\w+", folded):
        run = run.replace("_", "")
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def plain(*values: str | None) -> str:
    folded = [unicodedata.normalize("NFKC", v).casefold() for v in values if v]
    return " ".join(dict.fromkeys(g for text in folded for g in pairs(text)))


@given(name=texts, address=st.one_of(st.none(), texts))
def test_stored_bigrams_are_the_plain_definition(name: str, address: str | None) -> None:
    assert search_grams(name, address) == plain(name, address)


@given(word=texts.filter(lambda w: w.strip() and len(w) <= 100))
def test_a_query_term_asks_for_the_same_bigrams_a_station_stores(word: str) -> None:
    try:
        terms = parse_query(word)
    except InvalidParameter:  # a term too short to look up: nothing to compare
        return
    for term in terms:
        # term.text is folded already (folding twice is not always folding once: ß́).
        assert term.grams == tuple(dict.fromkeys(pairs(term.text)))
