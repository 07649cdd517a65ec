"""What every request is checked for before a route sees it: HEAD, and text encodings.

Pure ASGI middleware, wired by :func:`api.limits.add_limits` with the other limits:

- :class:`HeadAsGet`: ``HEAD`` is answered wherever ``GET`` is, as ``GET`` would answer
  (status and headers, ``Content-Length`` included) without the body (RFC 9110 section
  9.3.2). FastAPI routes declared with ``GET`` alone answered ``HEAD`` with 405.
- :class:`Utf8Url`: a path or query string that is not UTF-8 once percent-decoded
  (``%ED%A0%80``, a UTF-8-encoded lone surrogate; ``%FF``) is refused with 400
  ``invalid_encoding``. Starlette would replace the bad bytes with U+FFFD, and a search
  for "\\ufffd" answers confidently about something nobody asked.
- :class:`JsonText`: a JSON body whose strings hold a lone surrogate (the escape
  ``"\\ud800"``, or its bytes ``ED A0 80``, both of which Python's ``json`` reads
  without complaint) is refused with 400 ``malformed_body``. Such a string is not text:
  it cannot be written as UTF-8 (every answer, every database), and it made the API
  answer 500 wherever it was echoed.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, Final
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

# A JSON body may hold a surrogate if it has a \uD800-\uDFFF escape or the UTF-8-style
# bytes of one (json.loads decodes bytes with "surrogatepass"). Bodies without either are
# not parsed twice.
_SURROGATE_HINT: Final = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_UTF16_32_BOMS: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # UTF-32's start alike
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# In the scope of a HEAD request answered as GET: the body will be thrown away.
HEAD_ONLY: Final = "stationfinder.head_only"


def head_only(scope: Scope) -> bool:
    """Whether the client asked with HEAD (so the body is never sent)."""
    return bool(scope.get(HEAD_ONLY))


def header(scope: Scope, name: bytes) -> str | None:
    """The value of header ``name`` (lower-case bytes) of an ASGI request, or None."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


# --------------------------------------------------------------------------- HEAD


class HeadAsGet:
    """``HEAD`` answered as ``GET`` is, without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer HEAD as GET would, without the body (ASGI)."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        # A copy: the server's own scope keeps saying HEAD (it sends no body for HEAD
        # either, and its access log names the method the client used).
        as_get = dict(scope, method="GET")
        as_get[HEAD_ONLY] = True  # a route whose body costs much may skip making it
        extensions = dict(scope.get("extensions") or {})
        extensions.pop("http.response.pathsend", None)  # a file would be sent whole
        as_get["extensions"] = extensions

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {
                    "type": "http.response.body",
                    "body": b"",
                    "more_body": message.get("more_body", False),
                }
            await send(message)

        await self.app(as_get, receive, headers_only)


# --------------------------------------------------------------------------- URL


def _bad_utf8(raw: bytes) -> str | None:
    """The percent-encoded bytes where ``raw`` stops being UTF-8 once decoded, or None."""
    decoded = unquote_to_bytes(raw) if b"%" in raw else raw
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError as exc:
        return "".join(f"%{b:02X}" for b in decoded[exc.start : exc.start + 3])
    return None


class Utf8Url:
    """400 ``invalid_encoding`` for a path or query string that is not UTF-8 decoded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a query string or path that is not UTF-8, before routing (ASGI)."""
        if scope["type"] == "http":
            for part, raw in (
                ("query string", scope.get("query_string") or b""),
                ("path", scope.get("raw_path") or b""),
            ):
                suspect = b"%" in raw or not raw.isascii()
                bad = _bad_utf8(bytes(raw)) if suspect else None
                if bad is not None:
                    zh = "查询字符串" if part == "query string" else "路径"
                    response = error_response(
                        400,
                        "invalid_encoding",
                        f"the {part} is not UTF-8 text once percent-decoded (at {bad}: a "
                        "broken multi-byte sequence or an encoded surrogate); send text as "
                        "UTF-8, percent-encoded",
                        f"{zh}经百分号解码后不是 UTF-8 文本（{bad} 处：残缺的多字节序列或编码的"
                        "代理项）；请以 UTF-8 编码文本后再百分号编码",
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


# --------------------------------------------------------------------------- JSON


def _is_json(scope: Scope) -> bool:
    """Whether FastAPI will read this body as JSON (``application/json``, ``+json``)."""
    media = (header(scope, b"content-type") or "").split(";")[0].strip().lower()
    main, _, sub = media.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


def _strings(doc: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string of a JSON document (object keys too), with where it is."""
    stack: list[tuple[Any, str]] = [(doc, where)]
    while stack:
        node, at = stack.pop()
        if isinstance(node, str):
            yield at or "(body)", node
        elif isinstance(node, dict):
            for key, value in node.items():
                path = f"{at}.{key}" if at else str(key)
                yield path, key
                stack.append((value, path))
        elif isinstance(node, list):
            stack.extend((value, f"{at}[{i}]") for i, value in enumerate(node))


def lone_surrogate(body: bytes) -> tuple[str, str] | None:
    """Where a JSON body holds a lone surrogate, and which (``"\\\\ud800"``), or None.

    A body that is not JSON is none of this function's business (None): the route
    reports it as it always has.
    """
    wide = body[:4].count(0) > 0 or body.startswith(_UTF16_32_BOMS)  # UTF-16/32 JSON
    if not wide and _SURROGATE_HINT.search(body) is None:
        return None
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return None
    for where, text in _strings(doc):
        found = _SURROGATE.search(text)
        if found is not None:
            shown = found.group().encode("unicode_escape").decode("ascii")
            return where.encode("utf-8", "backslashreplace").decode("utf-8"), shown
    return None


class JsonText:
    """400 ``malformed_body`` for a JSON body with a lone surrogate in a string.

    The body is read whole before the route runs (JSON bodies are small: the body size
    limit applies first) and handed to the route unchanged.
    """

    def __init__(self, app: ASGIApp, *, skip: Callable[[Scope], bool] = lambda _: False) -> None:
        self.app = app
        self.skip = skip  # requests whose body is not JSON text whatever it says (uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a JSON body with a lone surrogate in a string, before the route (ASGI)."""
        if (
            scope["type"] != "http"
            or scope["method"] not in _BODY_METHODS
            or self.skip(scope)
            or not _is_json(scope)
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left, or the body was cut
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        found = lone_surrogate(body)
        if found is not None:
            where, surrogate = found
            response = error_response(
                400,
                "malformed_body",
                f"malformed request body: {where} holds a lone surrogate ({surrogate}), "
                "which is not a character; JSON text must be valid Unicode (a surrogate "
                "escape is only valid as half of a pair, as in \\ud83d\\ude00)",
                f"请求体格式错误：{where} 含有孤立的代理项（{surrogate}），它不是字符；"
                "JSON 文本必须是有效的 Unicode（代理项转义只能成对出现，如 \\ud83d\\ude00）",
                [{"location": where, "value": surrogate}],
            )
            await response(scope, receive, send)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body}], receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives ``messages`` first, then asks the server again."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
