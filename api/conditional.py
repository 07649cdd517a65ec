"""Conditional GET for answers that are a function of the registry's version.

An answer read from the store alone (OGC items and features, coverage maps, figures
and tables; not the index's searches, which a worker may apply a moment after the store
commits, nor ``/v1`` answers with couriers' live reports, which expire with time and
change without a station write) is the same bytes for the same URL and representation
at one version of the store: its ``ETag`` is that version
(``store.last_change()``, read before the answer is), weak, with the representation.
``If-None-Match`` naming it answers 304 without reading the stations again; a write
through any worker or the command line moves the version. ``Cache-Control: no-cache``:
a client keeps the answer but asks each time, a cheap question.
"""

from __future__ import annotations

from typing import Final

from fastapi import Request, Response

CACHE_CONTROL: Final = "no-cache"


def etag(version: int, representation: str) -> str:
    """The weak ETag of an answer at ``version`` in ``representation`` (json, html)."""
    return f'W/"r{version}-{representation}"'


def _matches(header: str | None, tag: str) -> bool:
    if header is None:
        return False
    # "*" (any current representation) is not honoured: a 304 must not answer for a
    # feature that does not exist. Weak comparison (RFC 9110 section 8.8.3.2): W/ does not count.
    return tag.removeprefix("W/") in {t.strip().removeprefix("W/") for t in header.split(",")}


def not_modified(request: Request, tag: str) -> Response | None:
    """A 304 if the request's ``If-None-Match`` names ``tag``, else None."""
    if _matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers(tag))
    return None


def headers(tag: str) -> dict[str, str]:
    """The caching headers of an answer tagged ``tag``."""
    return {"ETag": tag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept"}
