"""The scripts and stylesheets a coverage map needs, inlined or linked.

Offline (the default) every asset is read from ``maps/static/vendor/`` (see its
PROVENANCE.md) and inlined, images in CSS as ``data:`` URIs, so the HTML file makes no
request at all. Online maps link the same versions on a CDN instead, for a smaller file.
Our own ``coverage.js``/``coverage.css`` are always inlined.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

__all__ = ["ASSETS", "STATIC", "VENDOR", "Asset", "cdn_url", "read_asset"]

STATIC: Final = Path(__file__).resolve().parent / "static"
VENDOR: Final = STATIC / "vendor"
_CDN: Final = "https://cdn.jsdelivr.net/npm"


@dataclass(frozen=True, slots=True)
class Asset:
    """One vendored file: npm package, version, path in the package's ``dist/``."""

    package: str
    version: str
    file: str

    @property
    def kind(self) -> str:
        """``css`` or ``js``, by the file's extension."""
        return "css" if self.file.endswith(".css") else "js"

    @property
    def path(self) -> Path:
        """The vendored file on disk."""
        return VENDOR / self.package / Path(self.file).name


# In load order: Leaflet first, its plugins after it.
ASSETS: Final = (
    Asset("leaflet", "1.9.4", "dist/leaflet.css"),
    Asset("leaflet.markercluster", "1.5.3", "dist/MarkerCluster.css"),
    Asset("leaflet.markercluster", "1.5.3", "dist/MarkerCluster.Default.css"),
    Asset("leaflet", "1.9.4", "dist/leaflet.js"),
    Asset("leaflet.markercluster", "1.5.3", "dist/leaflet.markercluster.js"),
    Asset("leaflet.heat", "0.2.0", "dist/leaflet-heat.js"),
)
_CSS_URL: Final = re.compile(r"url\((images/[\w.-]+\.png)\)")


def cdn_url(asset: Asset) -> str:
    """The same file on a public CDN (for ``offline=False`` only)."""
    return f"{_CDN}/{asset.package}@{asset.version}/{asset.file}"


def _data_uri(match: re.Match[str], base: Path) -> str:
    data = base64.b64encode((base / match.group(1)).read_bytes()).decode("ascii")
    return f"url(data:image/png;base64,{data})"


@cache
def read_asset(asset: Asset) -> str:
    """The file's text, CSS image references replaced by ``data:`` URIs."""
    text = asset.path.read_text(encoding="utf-8")
    if asset.kind == "css":
        base = asset.path.parent
        text = _CSS_URL.sub(lambda m: _data_uri(m, base), text)
    # A literal "</script" or "</style" would end the inline element early.
    closing = "</script" if asset.kind == "js" else "</style"
    if closing in text.lower():
        raise ValueError(f"{asset.path.name} contains {closing}; cannot inline it")
    return text


@cache
def read_own(name: str) -> str:
    """One of our own files in ``maps/static/`` (``coverage.js``, ``coverage.css``)."""
    text = (STATIC / name).read_text(encoding="utf-8")
    closing = "</style" if name.endswith(".css") else "</script"
    if closing in text.lower():
        raise ValueError(f"{name} contains {closing}; cannot inline it")
    return text
