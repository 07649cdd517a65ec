"""One corpus of hostile text, pushed through every text field into every output.

Each entry is text a user (an editor, an importer, a courier typing a search) could
send. Whatever a field accepts must come back out as the same *data*: never run as a
template (Jinja2/branca), never read as terminal markup (rich), never as HTML/JS in a
page, never as a formula in a spreadsheet, never as SQL. Tests import :data:`HOSTILE`
(name -> text) or :data:`STORABLE` (the entries a station field may hold as they are)
and assert the output shows the text literally, or refuses it with a clear 4xx / report
entry.

References: OWASP's injection and XSS cheat sheets; Django's autoescape tests.
"""

from __future__ import annotations

from typing import Final

# Template source for Jinja2, which branca/folium re-render: "{{ 7*7 }}" must never
# show as 49, and the popen one must never run.
TEMPLATE_EXPR: Final = "{{ 7*7 }}号驿站"
TEMPLATE_RCE: Final = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"
TEMPLATE_BLOCK: Final = "{% for x in range(3) %}x{% endfor %}驿站"
TEMPLATE_COMMENT: Final = "{# hidden #}驿站"

# Terminal markup for rich: a closing tag with no opener raises MarkupError, a link tag
# makes a clickable hyperlink, a style hides text.
RICH_CLOSE: Final = "[/]驿站"
RICH_LINK: Final = "[link=https://evil.example/pay]点此领取补贴[/link]"
RICH_HIDDEN: Final = "[black on black]隐藏文字[/]"
ANSI_ESCAPE: Final = "\x1b[2J\x1b[31m红字\x1b[0m\x07"

# HTML and JavaScript for pages, maps and popups.
HTML_SCRIPT: Final = "<script>alert(1)</script>"
HTML_IMG: Final = '<img src=x onerror="alert(1)">驿站'
HTML_CLOSE_SCRIPT: Final = "</script><script>alert(1)</script>"
JS_QUOTES: Final = "'\"`${alert(1)}\\"

# Spreadsheet formulas (CSV/XLSX injection).
FORMULA_CMD: Final = "=cmd|' /C calc'!A0"
FORMULA_PLUS: Final = "+1+1"
FORMULA_AT: Final = "@SUM(A1:A2)"

# SQL.
SQL_QUOTE: Final = "驿站'; DROP TABLE stations; --"

# Unicode that hides or reorders text.
BIDI_OVERRIDE: Final = "驿站\u202egnp.exe"
ZERO_WIDTH_ONLY: Final = "\u200b\u200c\u200d\ufeff"
ZERO_WIDTH_INSIDE: Final = "驿\u200b站"
LONE_SURROGATE: Final = "驿站\ud800"
NUL: Final = "驿站\x00名"
CONTROL: Final = "驿站\x08\x1b\x7f"

# Size.
LONG_100K: Final = "驿" * 100_000

HOSTILE: Final[dict[str, str]] = {
    "template_expr": TEMPLATE_EXPR,
    "template_rce": TEMPLATE_RCE,
    "template_block": TEMPLATE_BLOCK,
    "template_comment": TEMPLATE_COMMENT,
    "rich_close": RICH_CLOSE,
    "rich_link": RICH_LINK,
    "rich_hidden": RICH_HIDDEN,
    "ansi_escape": ANSI_ESCAPE,
    "html_script": HTML_SCRIPT,
    "html_img": HTML_IMG,
    "html_close_script": HTML_CLOSE_SCRIPT,
    "js_quotes": JS_QUOTES,
    "formula_cmd": FORMULA_CMD,
    "formula_plus": FORMULA_PLUS,
    "formula_at": FORMULA_AT,
    "sql_quote": SQL_QUOTE,
    "bidi_override": BIDI_OVERRIDE,
    "zero_width_only": ZERO_WIDTH_ONLY,
    "zero_width_inside": ZERO_WIDTH_INSIDE,
    "lone_surrogate": LONE_SURROGATE,
    "nul": NUL,
    "control": CONTROL,
    "long_100k": LONG_100K,
}

# Entries that a station's name or address may hold as sent (they are text, however
# odd): outputs must show them literally. The others are refused or cleaned on input
# (surrogates, NUL and other control characters, zero-width-only names, bidi overrides,
# over-long text), and tests assert that refusal instead.
STORABLE: Final[dict[str, str]] = {
    name: text
    for name, text in HOSTILE.items()
    if name
    not in {
        "ansi_escape",
        "bidi_override",
        "zero_width_only",
        "lone_surrogate",
        "nul",
        "control",
        "long_100k",
    }
}
