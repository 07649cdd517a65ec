"""Putting text and data into an HTML page so that they stay text and data.

branca (under folium) compiles strings as Jinja2 template *source* in two places:
``Element(text)`` compiles ``text``, and ``MacroElement.render`` wraps the output of
each of its macros in such an ``Element``, so whatever a macro printed is compiled a
second time when the figure renders. A station name that reached either one ran as a
template: ``{{ 7*7 }}号驿站`` showed as ``49号驿站``, and
``{{ cycler.__init__.__globals__.os.popen('id').read() }}`` ran a shell command on the
server. Two defences, each enough on its own:

1. :class:`Verbatim` puts its text into the page exactly as given: it is never compiled.
   Everything we build (assets, panels, the data, the call that draws the map) goes
   into the figure through it, and no string we build is ever passed to ``Element()``,
   ``Template()`` or a ``MacroElement``'s macros.
2. :func:`script_json` writes JSON in which no string can form HTML or template syntax:
   ``<``, ``>``, ``&``, ``{``, ``}``, U+2028 and U+2029 inside strings become ``\\uXXXX``
   escapes, which ``JSON.parse`` (and Python's ``json.loads``) read back as the same
   characters. The JSON's own braces are always followed by ``"`` or ``}``, so even a
   renderer that did compile it would find no ``{{``, ``{%`` or ``{#`` in it, and no
   ``</script`` can end its element early.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any, Final

import shapely
from branca.element import Element
from shapely.geometry.base import BaseGeometry

__all__ = ["GeoJSONText", "Verbatim", "data_block", "script_json"]

# Inside a JSON string every one of these is a plain character; escaped, none of them
# can close a <script>, open an HTML comment, start a Jinja2 tag or end a JS line.
_ESCAPES: Final = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "{": "\\u007b",
    "}": "\\u007d",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_UNSAFE: Final = re.compile("[<>&{}\u2028\u2029]")
# A JSON string token as json.dumps writes it (unrolled: fast on multi-MB payloads).
_STRING: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_ELEMENT_ID: Final = re.compile(r"[A-Za-z][\w-]*")


def _escape_string(match: re.Match[str]) -> str:
    token = match.group(0)
    return _UNSAFE.sub(lambda m: _ESCAPES[m.group(0)], token) if _UNSAFE.search(token) else token


class GeoJSONText:
    """A geometry in a :func:`script_json` value, written as GEOS writes its GeoJSON
    (numbers and GeoJSON's own member names), not parsed into lists of floats to be
    written again: that was most of a coverage page's JSON time."""

    __slots__ = ("text",)

    def __init__(self, geom: BaseGeometry) -> None:
        self.text: str = shapely.to_geojson(geom)


def script_json(value: Any) -> str:
    """Compact JSON that is safe in a ``<script>`` element and inert as template source.

    ``json.loads(script_json(v)) == json.loads(json.dumps(v))`` for every JSON value
    ``v``; the text contains no ``<``, ``>``, ``&``, U+2028, U+2029, and no ``{`` or ``}``
    except the JSON's own object delimiters. :class:`GeoJSONText` values are the
    geometries' GeoJSON.
    """
    geometries: list[str] = []
    marker = f"\x00{secrets.token_hex(16)}\x00"  # no string sent to us can hold it

    def geometry(o: object) -> str:
        if not isinstance(o, GeoJSONText):
            raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")
        geometries.append(o.text)
        return marker

    text = json.dumps(
        value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=geometry
    )
    if geometries:
        parts = text.split(json.dumps(marker))
        text = "".join(p + g for p, g in zip(parts, [*geometries, ""], strict=True))
    # Outside strings compact JSON has only digits, letters of true/false/null, the
    # punctuation []{},:.+- and quotes, so escaping inside the strings is enough.
    return _STRING.sub(_escape_string, text)


def data_block(element_id: str, value: Any) -> str:
    """``<script type="application/json" id=...>`` holding :func:`script_json` of `value`.

    The browser never runs it; a script reads it with
    ``JSON.parse(document.getElementById(element_id).textContent)``.
    """
    if not _ELEMENT_ID.fullmatch(element_id):
        raise ValueError(f"not a safe element id: {element_id!r}")
    return f'<script type="application/json" id="{element_id}">{script_json(value)}</script>'


class Verbatim(Element):  # type: ignore[misc, unused-ignore]
    """A branca element whose text goes into the page as it is, never compiled.

    (``Element(text)`` would compile `text` as a Jinja2 template.)
    """

    def __init__(self, text: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call, unused-ignore]
        self._name = "Verbatim"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """The text, as it is (folium hook)."""
        return self.text
