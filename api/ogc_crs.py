"""OGC API - Features Part 2 (CRS by reference) for ``/ogc``: the CRSs a client may ask
features and bboxes in.

- ``CRS84``: WGS84 longitude, latitude, the storage CRS and the default.
- ``EPSG:4326``: WGS84 again, but in the EPSG axis order, latitude first.
- ``EPSG:4490``: CGCS2000 (国家2000), China's official geodetic CRS, used by Tianditu
  and government GIS; latitude first, as EPSG defines it. Positions are served as the
  stored WGS84 values: the two datums differ by the frames' epochs (CGCS2000 is fixed
  at 2000.0, WGS84 follows the plate), at most about a metre in China by 2026, which is
  below the precision stations are surveyed with; pyproj treats them the same way (a
  null transformation).

GCJ-02 and BD-09 are not CRSs an OGC client knows; ``/v1`` serves them (``out_crs``).
A CRS is named by its URI (``http://www.opengis.net/def/crs/EPSG/0/4490``) or as a
safe CURIE (``[EPSG:4490]``), as Part 2 allows; anything else is a 400 naming the ones
served.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = [
    "CRS84", "EPSG4326", "EPSG4490", "SUPPORTED", "crs_header", "lat_first", "parse_crs",
    "point_in", "short_name", "swap_bbox",
]  # fmt: skip

CRS84: Final = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326: Final = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG4490: Final = "http://www.opengis.net/def/crs/EPSG/0/4490"
SUPPORTED: Final = (CRS84, EPSG4326, EPSG4490)
_LAT_FIRST: Final = frozenset({EPSG4326, EPSG4490})
_CURIES: Final = {"[OGC:CRS84]": CRS84, "[EPSG:4326]": EPSG4326, "[EPSG:4490]": EPSG4490}


def parse_crs(value: str) -> str | None:
    """The URI of a served CRS named by `value` (a URI or a safe CURIE), else None."""
    text = value.strip()
    if text in SUPPORTED:
        return text
    # http or https, trailing slash: the same URI to a client that built it by hand.
    loose = text.replace("https://", "http://").rstrip("/")
    if loose in SUPPORTED:
        return loose
    return _CURIES.get(text.upper())


def lat_first(uri: str) -> bool:
    """Whether coordinates in this CRS are latitude, longitude (EPSG's order)."""
    return uri in _LAT_FIRST


def short_name(uri: str) -> str:
    """``CRS84``, ``EPSG:4326``, ``EPSG:4490``: a served CRS as messages name it."""
    return "CRS84" if uri == CRS84 else "EPSG:" + uri.rsplit("/", 1)[-1]


def crs_header(uri: str) -> str:
    """The ``Content-Crs`` header's value: the URI in angle brackets."""
    return f"<{uri}>"


def swap_bbox(numbers: list[float]) -> list[float]:
    """A lat-first bbox (min_lat, min_lon, max_lat, max_lon) as lon-first."""
    min_lat, min_lon, max_lat, max_lon = numbers
    return [min_lon, min_lat, max_lon, max_lat]


def point_in(feature: dict[str, Any], uri: str) -> dict[str, Any]:
    """A station feature (a WGS84 lon/lat point) with its coordinates in `uri`'s order."""
    if lat_first(uri) and feature.get("geometry"):
        lon, lat = feature["geometry"]["coordinates"][:2]
        feature["geometry"] = {"type": "Point", "coordinates": [lat, lon]}
    return feature
