"""The basemaps a coverage map offers, and which it tries first.

- none: the district outlines alone (what shows offline);
- OpenStreetMap (WGS84: the data drawn as stored);
- Amap (高德, GCJ-02: the data shifted to match, in mainland China);
- Tianditu (天地图, CGCS2000: drawn as stored), when a key is configured
  (``STATIONFINDER_TIANDITU_KEY``, ``geo.settings``): its street map and its labels,
  two layers of Web Mercator tiles (``vec_w``, ``cva_w``).

In mainland China the map tries Tianditu first when it has a key, Amap otherwise;
elsewhere OpenStreetMap. The key is in every page that shows the map (a Tianditu
browser key is meant to be: bound to the deployment's domains).
"""

from __future__ import annotations

from typing import Any, Final

from geo.datums import in_mainland_china
from geo.settings import get_settings

_TIANDITU: Final = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}"
    "&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
TIANDITU_HOSTS: Final = "https://*.tianditu.gov.cn"


def tianditu(key: str) -> dict[str, Any]:
    """Tianditu's street map and labels as a basemap entry (``key``: a browser key)."""
    return {
        "url": _TIANDITU.format(layer="vec", key=key),
        "labels": _TIANDITU.format(layer="cva", key=key),
        "subdomains": "01234567",
        "attribution": "© 天地图 Tianditu",
    }


def tianditu_key() -> str | None:
    """The configured Tianditu key, if any."""
    key = get_settings().tianditu_key
    return key.get_secret_value() if key is not None else None


def basemaps(t: dict[str, str], centre: tuple[float, float]) -> tuple[list[dict[str, Any]], int]:
    """The basemap entries of a map centred at ``centre`` (lon, lat; WGS84), and the
    index of the one it tries first when online."""
    entries: list[dict[str, Any]] = [
        {"name": t["no_basemap"], "url": None},
        {
            "name": t["osm"],
            "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "attribution": "© OpenStreetMap contributors",
        },
        {
            "name": t["amap"],
            "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
            "&style=8&x={x}&y={y}&z={z}",
            "subdomains": "1234",
            "attribution": "© 高德地图 AutoNavi",
            "gcj02": True,
        },
    ]
    key = tianditu_key()
    if key is not None:
        entries.append({"name": t["tianditu"]} | tianditu(key))
    if not in_mainland_china(*centre):
        return entries, 1
    return entries, 3 if key is not None else 2
