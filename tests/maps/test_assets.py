"""The vendored assets are the files PROVENANCE.md names, with their licences."""

from __future__ import annotations

import hashlib
import re

import pytest

from maps.assets import ASSETS, VENDOR, read_asset

PROVENANCE = (VENDOR / "PROVENANCE.md").read_text(encoding="utf-8")
# | `leaflet/leaflet.js` | `dist/leaflet.js` | `<sha256>` |
FILE_ROWS = re.findall(r"^\| `([^`]+)` \| `[^`]+` \| `([0-9a-f]{64})` \|$", PROVENANCE, re.M)


def test_provenance_lists_every_vendored_file() -> None:
    listed = {path for path, _ in FILE_ROWS}
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()} - {
        "PROVENANCE.md"
    }
    assert listed == on_disk


@pytest.mark.parametrize(("path", "sha256"), FILE_ROWS)
def test_vendored_file_hashes(path: str, sha256: str) -> None:
    assert hashlib.sha256((VENDOR / path).read_bytes()).hexdigest() == sha256


@pytest.mark.parametrize("package", sorted({a.package for a in ASSETS}))
def test_each_package_ships_its_licence_and_version(package: str) -> None:
    licences = [p for p in (VENDOR / package).iterdir() if "LICEN" in p.name.upper()]
    assert licences, package
    versions = {a.version for a in ASSETS if a.package == package}
    assert all(f"`{package}` | {v} |" in PROVENANCE for v in versions)


def test_inlined_css_has_no_relative_image() -> None:
    for asset in ASSETS:
        text = read_asset(asset)
        assert "url(images/" not in text
        assert "</script" not in text.lower()
