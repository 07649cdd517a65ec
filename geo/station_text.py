"""Whether a text is fit to store as a station's text, and why not.

:func:`text_problem` refuses lone surrogates, control characters, bidirectional controls
and text with nothing visible, in English and Chinese; :class:`TextProblem` carries both
messages out of a pydantic validator. :mod:`geo.model` checks every station text with
them; :mod:`geo.audit` checks the actor named in an audit filter.
"""

from __future__ import annotations

import re
import unicodedata

# NUL and other C0/C1 controls break exports, terminals and some databases.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Half of a UTF-16 pair on its own (JSON "\ud800"): not a character, not writable as UTF-8.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Bidirectional embeddings, overrides and isolates (UAX #9): each reorders how the text
# after it is displayed, so "驿站\u202egnp.exe" shows as "驿站exe.png". Text is stored
# and shown as written, so they are refused rather than removed.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Characters that show nothing although they are not format characters or spaces: Hangul
# fillers, the blank Braille pattern, the combining grapheme joiner.
_BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
# Characters that certainly show something (ASCII letters, digits and punctuation, CJK
# ideographs and punctuation, kana, full-width forms): text with one of them needs no
# closer look (the fast path of geo.model's _trusted; tests/geo/test_model.py checks the class).
SURELY_VISIBLE = re.compile(
    "[!-~\u3001-\u3029\u3030-\u303f\u3041-\u3096\u309b-\u30ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]"
)


def invisible(char: str) -> bool:
    """Whether a character shows nothing on its own: spaces, zero-width and other format
    characters (U+200B-U+200D, U+2060, U+FEFF, U+00AD...), controls, combining marks
    without a base, and blank letters such as the Hangul filler U+3164."""
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES or char in _BLANK_LOOKALIKES


def _named(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()


def text_problem(text: str) -> tuple[str, str] | None:
    """What makes ``text`` unfit to store as a station's text, in English and Chinese, or
    None: a lone surrogate, a control character, a bidirectional control, or nothing
    visible at all (zero-width characters only). Invisible characters *between* visible
    ones (a zero-width joiner in an emoji) are kept: they change nothing a reader sees.
    """
    for pattern, what, what_zh in (
        (LONE_SURROGATE, "is a lone surrogate, not a character", "是孤立的代理项，不是字符"),
        (_CONTROL, "is a control character", "是控制字符"),
        (
            _BIDI,
            "is a bidirectional control, which makes text display in another order than "
            "it is stored",
            "是双向文本控制符，会使文字的显示顺序与实际内容不同",
        ),
    ):
        found = pattern.search(text)
        if found is not None:
            at, char = found.start() + 1, _named(found.group())
            return (
                f"text must not contain {char} (character {at}): it {what}",
                f"文本不得含有 {char}（第 {at} 个字符）：它{what_zh}",
            )
    if text and SURELY_VISIBLE.search(text) is None and all(invisible(c) for c in text):
        shown = ", ".join(dict.fromkeys(_named(c) for c in text[:10]))
        return (
            f"text must have at least one visible character; this has only invisible ones "
            f"({shown})",
            f"文本须至少含有一个可见字符；此处只有不可见字符（{shown}）",
        )
    return None


class TextProblem(ValueError):
    """A station text refused by :func:`text_problem`, with both messages."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = message_zh
