"""The datums by name: what users call them, and the one rule for an unstated datum.

Which datum a position is in (one rule for every entry point)
-------------------------------------------------------------
1. **Stated**: ``crs`` (an API parameter, an import form field, a CLI ``--crs`` option,
   a GeoJSON body's ``"crs"`` member) wins.
2. **Said by the data itself**: a coordinate header (``经度(百度)``, ``高德经度``), a
   GIS file's CRS, GeoJSON (WGS84 by RFC 7946), a route format that belongs to a map
   app (``amap``: GCJ-02). A ``crs`` that contradicts it is a warning in an import
   report and a 422 on an along-route body.
3. **Else the default of the kind of input**:

   - a position a *program* sends (API query parameters, GeoJSON bodies, the page's
     position from the browser, ``stationfinder nearest``): **WGS84**, what GPS and
     browsers measure;
   - a *list* made by picking points on a map (a CSV or Excel station list, demand
     points): **GCJ-02**, with a ``datum_assumed`` warning in the report;
   - a position a *person types into a write* (``stationfinder stations add``): **no
     default**. A position copied from Amap or Baidu is GCJ-02 or BD-09, hundreds of
     metres from WGS84, and once stored it misleads every rider: ``--crs`` is required.

4. **Said back**: every answer and report names the datum it read (``query.crs`` of a
   nearest or along-route answer, ``input_crs`` of a station written, the import
   report's ``datum`` and ``datum_source``, the CLI's output) and the datum of the
   coordinates it returns (``datum``).
"""

from __future__ import annotations

import difflib
import re
from enum import StrEnum
from typing import Final

from geo.errors import UnknownCRS

__all__ = ["DATUM_ALIASES", "Datum", "parse_datum"]


class Datum(StrEnum):
    """A geographic datum in which station and courier positions are given."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"

    @property
    def label(self) -> str:
        """Conventional spelling for messages: ``WGS84``, ``GCJ-02``, ``BD-09``."""
        return _LABELS[self]


_LABELS: Final = {Datum.WGS84: "WGS84", Datum.GCJ02: "GCJ-02", Datum.BD09: "BD-09"}
# Who uses each, as a refusal says it.
_USERS: Final = {
    Datum.WGS84: ("GPS, browsers, GeoJSON", "GPS、浏览器定位、GeoJSON"),
    Datum.GCJ02: ("Amap, Tencent", "高德、腾讯"),
    Datum.BD09: ("Baidu", "百度"),
}

DATUM_ALIASES: Final[dict[str, Datum]] = {
    "wgs84": Datum.WGS84,
    "wgs-84": Datum.WGS84,
    "epsg:4326": Datum.WGS84,
    "crs84": Datum.WGS84,
    "ogc:crs84": Datum.WGS84,
    "urn:ogc:def:crs:ogc:1.3:crs84": Datum.WGS84,  # RFC 7946's name for GeoJSON's datum
    "gcj02": Datum.GCJ02,
    "gcj-02": Datum.GCJ02,
    "bd09": Datum.BD09,
    "bd-09": Datum.BD09,
    "bd09ll": Datum.BD09,
    # What users call them: the map apps and the device.
    "gps": Datum.WGS84,
    "wgs": Datum.WGS84,
    "高德": Datum.GCJ02,
    "gaode": Datum.GCJ02,
    "amap": Datum.GCJ02,
    "autonavi": Datum.GCJ02,
    "腾讯": Datum.GCJ02,
    "tencent": Datum.GCJ02,
    "qq": Datum.GCJ02,
    "火星坐标": Datum.GCJ02,
    "国测局": Datum.GCJ02,
    "百度": Datum.BD09,
    "baidu": Datum.BD09,
    # The apps by their full names, and the national datum (CGCS2000, used by Tianditu
    # and BeiDou receivers), which agrees with WGS84 to centimetres.
    "高德地图": Datum.GCJ02,
    "腾讯地图": Datum.GCJ02,
    "百度地图": Datum.BD09,
    "cgcs2000": Datum.WGS84,
    "epsg:4490": Datum.WGS84,
    "天地图": Datum.WGS84,
    "北斗": Datum.WGS84,
}
_IGNORED: Final = re.compile(r"[\s_-]")
# Looked up without case, spaces, dashes or underscores: GCJ_02, Gao-De and "wgs 84" too.
_DATUM_KEYS: Final = {_IGNORED.sub("", k): d for k, d in DATUM_ALIASES.items()}


def parse_datum(name: str | Datum) -> Datum:
    """Return the datum named by `name`, ignoring case, spaces, dashes and underscores.

    Parameters
    ----------
    name : str or Datum
        A key of :data:`DATUM_ALIASES` (``wgs84``, ``gps``, ``epsg:4326``; ``gcj02``,
        ``高德``, ``gaode``, ``amap``, ``腾讯``, ``tencent``, ``qq``; ``bd09``, ``百度``,
        ``baidu`` ...), or a :class:`Datum`.

    Returns
    -------
    Datum

    Raises
    ------
    UnknownCRS
        If `name` is none of those: the message lists the accepted names by datum, and
        the one meant when `name` is spelt like one (``wsg84``: ``wgs84``).
    """
    if isinstance(name, Datum):
        return name
    key = _IGNORED.sub("", name.casefold()) if isinstance(name, str) else None
    datum = _DATUM_KEYS.get(key) if key is not None else None
    if datum is None:
        raise _unknown(name, key)
    return datum


def _unknown(name: object, key: str | None) -> UnknownCRS:
    close = difflib.get_close_matches(key, list(_DATUM_KEYS), n=1, cutoff=0.7) if key else []
    meant = next((k for k in DATUM_ALIASES if close and _IGNORED.sub("", k) == close[0]), None)
    groups = [
        (d, ", ".join(k for k, v in DATUM_ALIASES.items() if v is d and not k.startswith("urn")))
        for d in Datum
    ]
    accepted = "; ".join(f"{d.value} ({_USERS[d][0]}): {names}" for d, names in groups)
    accepted_zh = "；".join(f"{d.value}（{_USERS[d][1]}）：{names}" for d, names in groups)
    hint, hint_zh = "", ""
    if meant is not None:
        d = DATUM_ALIASES[meant]
        hint, hint_zh = (
            f"; did you mean {meant!r} ({d.label})?",
            f"，是否想用 {meant!r}（{d.label}）？",
        )
    shown = repr(name) if isinstance(name, str) else type(name).__name__
    return UnknownCRS(
        f"unknown datum {shown}{hint}; accepted (any case; spaces, dashes and underscores "
        f"ignored): {accepted}",
        f"不支持的坐标系 {shown}{hint_zh}；可用的取值（不区分大小写，空格、连字符和下划线可省略）："
        f"{accepted_zh}",
        details=[
            {
                "field": "datum",
                "value": str(name),
                "did_you_mean": meant,
                "accepted": {
                    d.value: [k for k, v in DATUM_ALIASES.items() if v is d] for d in Datum
                },
            }
        ],
    )
