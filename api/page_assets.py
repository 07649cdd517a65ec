"""The courier page's files as served: read once, gzip-compressed, under content-hashed
URLs cached for a year (``/page/assets/NAME?v=HASH``).

The page's script is a set of plain ES modules (``api/static/page/*.js``). A module
imports another as ``from "./format.js"``; served, that specifier becomes the imported
module's own hashed URL, so a changed module changes the URL of every module that
imports it, and a browser never runs a new ``page.js`` with a year-old ``format.js``
from its cache.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from fastapi import Request
from fastapi.responses import Response

from maps.assets import VENDOR

PAGE_DIR: Final = Path(__file__).resolve().parent / "static" / "page"
OGC_DIR: Final = Path(__file__).resolve().parent / "static" / "ogc"
# The page's modules, each after the modules it imports.
MODULES: Final = ("i18n.js", "format.js", "cards.js", "reports.js", "mapview.js", "page.js")
FILES: Final = {
    **{name: PAGE_DIR / name for name in MODULES},
    "page.css": PAGE_DIR / "page.css",
    "leaflet.js": VENDOR / "leaflet" / "leaflet.js",
    "leaflet.css": VENDOR / "leaflet" / "leaflet.css",
    "icon.svg": PAGE_DIR / "icon.svg",
    # The /ogc pages (api/ogc_html.py).
    "ogc.js": OGC_DIR / "ogc.js",
    "ogc.css": OGC_DIR / "ogc.css",
}
TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
}
_IMPORT: Final = re.compile(r'^(import [^;\n]* from ")\./([\w-]+\.js)(";)$', re.MULTILINE)
_PLACEHOLDER: Final = re.compile(r"\{\{([\w:.]+)\}\}")


@dataclass(frozen=True, slots=True)
class Asset:
    """A file as served: bytes, gzip bytes, content type and a content hash."""

    body: bytes
    gzipped: bytes
    media_type: str
    etag: str

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Asset:
        """An asset with its gzip copy and a content-hash ETag."""
        digest = hashlib.sha256(body).hexdigest()[:16]
        return cls(body, gzip.compress(body, 9, mtime=0), media_type, f'"{digest}"')

    @property
    def version(self) -> str:
        """The ETag without its quotes, for versioned URLs."""
        return self.etag.strip('"')

    def response(self, request: Request, *, immutable: bool, headers: dict[str, str]) -> Response:
        """The asset as an answer: 304 on a matching ETag, gzip when accepted."""
        cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
        out = {"ETag": self.etag, "Cache-Control": cache, "Vary": "Accept-Encoding", **headers}
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=out)
        if "gzip" in request.headers.get("accept-encoding", ""):
            out["Content-Encoding"] = "gzip"
            return Response(self.gzipped, media_type=self.media_type, headers=out)
        return Response(self.body, media_type=self.media_type, headers=out)


def _url(name: str, asset: Asset) -> str:
    return f"/page/assets/{name}?v={asset.version}"


def _module(name: str, built: dict[str, Asset]) -> bytes:
    """A module's source with each ``./x.js`` import pointing at x's hashed URL."""

    def versioned(m: re.Match[str]) -> str:
        if m.group(2) not in built:
            raise ValueError(f"{name} imports {m.group(2)}, which MODULES does not list before it")
        return m.group(1) + _url(m.group(2), built[m.group(2)]) + m.group(3)

    text = _IMPORT.sub(versioned, FILES[name].read_text(encoding="utf-8"))
    if 'from "./' in text:  # an import written some other way would escape the hashing
        raise ValueError(f"{name} has an import that is not one line 'import ... from \"./x.js\";'")
    return text.encode("utf-8")


@cache
def assets() -> dict[str, Asset]:
    """The page's assets, read and compressed once."""
    built: dict[str, Asset] = {}
    for name, path in FILES.items():
        body = _module(name, built) if name in MODULES else path.read_bytes()
        built[name] = Asset.of(body, TYPES[path.suffix])
    return built


def asset_url(name: str) -> str:
    """Where the page links an asset: the URL changes whenever the file does."""
    return _url(name, assets()[name])


def fill(template: str, values: dict[str, str]) -> str:
    """`template` with each ``{{key}}`` replaced by ``values[key]``, in one pass.

    What is filled in is never scanned again, so a value holding ``{{...}}`` stays as
    it is; a placeholder without a value is an error, not left in the page.
    """
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
