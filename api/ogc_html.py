"""The ``/ogc`` pages a browser sees (``f=html``, or a browser's ``Accept``), as
pygeoapi and tipg have them: the landing page, conformance, the collection, pages of
stations with a small map, one station.

Each page is the JSON document it stands for, rendered: every value goes through
``html.escape`` (a station name is data, never markup), the features a map draws go in
a ``<script type="application/json">`` block (``<`` escaped, so that no text closes
it), and the only scripts are the vendored Leaflet and ``ogc.js`` from
``/page/assets`` (no CDN). Chinese first, English beside it; the layout fits a 360 px
phone.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from api.ogc_schema import PROPERTIES
from api.page_assets import asset_url

TITLE: Final = "驿站查找 OGC API / stationfinder OGC API"
_SHOWN: Final = ("name", "district", "status", "amenities")
_HEADS: Final = {"name": "名称 Name", "district": "区县 District", "status": "状态 Status",
                 "amenities": "服务设施 Amenities"}  # fmt: skip


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _links(links: list[dict[str, Any]]) -> str:
    items = "".join(
        f'<li><a href="{_e(ln["href"])}">{_e(ln.get("title") or ln["rel"])}</a>'
        f" <small>{_e(ln['rel'])} · {_e(ln.get('type', ''))}</small></li>"
        for ln in links
        if not ln.get("templated")
    )
    return f'<ul class="links">{items}</ul>'


def _page(title: str, body: str, *, crumbs: list[tuple[str, str]], base: str, json_href: str,
          map_data: str | None = None) -> str:  # fmt: skip
    trail = " › ".join(f'<a href="{_e(h)}">{_e(t)}</a>' for t, h in crumbs)
    scripts = ""
    if map_data is not None:
        scripts = (
            f'<script type="application/json" id="sf-features">{map_data}</script>'
            f'<script src="{_e(asset_url("leaflet.js"))}"></script>'
            f'<script src="{_e(asset_url("ogc.js"))}"></script>'
        )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title>"
        f'<link rel="stylesheet" href="{_e(asset_url("leaflet.css"))}">'
        f'<link rel="stylesheet" href="{_e(asset_url("ogc.css"))}">'
        f'<link rel="alternate" type="application/json" href="{_e(json_href)}">'
        f'</head><body><header><a href="{_e(base)}">{_e(TITLE)}</a>'
        f"<nav>{trail}</nav></header><main><h1>{_e(title)}</h1>{body}"
        f'<p class="json"><a href="{_e(json_href)}">JSON</a></p></main>{scripts}</body></html>'
    )


def _with_f(href: str, f: str) -> str:
    """``href`` with its ``f`` set to ``f`` (replaced if it has one)."""
    parts = urlsplit(href)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "f"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("f", f)])))


def landing(doc: dict[str, Any], *, base: str) -> str:
    """The landing page."""
    body = f"<p>{_e(doc['description'])}</p>{_links(doc['links'])}"
    return _page(doc["title"], body, crumbs=[], base=base, json_href=_with_f(base, "json"))


def conformance(doc: dict[str, Any], *, base: str) -> str:
    """The conformance classes."""
    items = "".join(f"<li><code>{_e(c)}</code></li>" for c in doc["conformsTo"])
    return _page("一致性类别 / Conformance", f'<ul class="codes">{items}</ul>',
                 crumbs=[("OGC API", base)], base=base,
                 json_href=_with_f(f"{base}/conformance", "json"))  # fmt: skip


def collection(doc: dict[str, Any], *, base: str) -> str:
    """The stations collection."""
    extent = doc.get("extent", {}).get("spatial", {}).get("bbox", [[]])[0]
    shown = ", ".join(f"{v:.4f}" for v in extent) if extent else "—"
    body = (
        f"<p>{_e(doc['description'])}</p>"
        f"<dl><dt>范围 Extent (CRS84)</dt><dd>{_e(shown)}</dd>"
        f"<dt>坐标系 CRS</dt><dd>{'<br>'.join(_e(c) for c in doc['crs'])}</dd></dl>"
        f'<p><a class="button" href="{_e(base)}/collections/stations/items?f=html">'
        "浏览驿站 Browse the stations</a></p>" + _links(doc["links"])
    )
    href = f"{base}/collections/stations"
    crumbs = [("OGC API", base), ("collections", f"{base}/collections?f=html")]
    return _page(doc["title"], body, crumbs=crumbs, base=base, json_href=_with_f(href, "json"))


def collections(doc: dict[str, Any], *, base: str) -> str:
    """Every collection (one)."""
    rows = "".join(
        f'<li><a href="{_e(base)}/collections/{_e(c["id"])}?f=html">{_e(c["title"])}</a>'
        f"<p>{_e(c['description'])}</p></li>"
        for c in doc["collections"]
    )
    return _page("数据集 / Collections", f'<ul class="collections">{rows}</ul>',
                 crumbs=[("OGC API", base)], base=base,
                 json_href=_with_f(f"{base}/collections", "json"))  # fmt: skip


def _map_data(features: list[dict[str, Any]]) -> str:
    points = [
        {"id": f["id"], "lon": f["geometry"]["coordinates"][0],
         "lat": f["geometry"]["coordinates"][1], "name": f["properties"].get("name", "")}
        for f in features
    ]  # fmt: skip
    # "<" escaped: no station name can write "</script>" into the page.
    return json.dumps(points, ensure_ascii=False).replace("<", "\\u003c")


def items(doc: dict[str, Any], *, base: str, self_json: str) -> str:
    """A page of stations: a small map, a table, the pages before and after."""
    href = f"{base}/collections/stations/items"
    heads = [h for h in _SHOWN if not doc["features"] or h in doc["features"][0]["properties"]]
    rows = "".join(
        f'<tr><td><a href="{_e(href)}/{_e(f["id"])}?f=html">{_e(f["id"])}</a></td>'
        + "".join(f"<td>{_e(f['properties'].get(h))}</td>" for h in heads)
        + "</tr>"
        for f in doc["features"]
    )
    pager = " ".join(
        f'<a class="button" href="{_e(_with_f(ln["href"], "html"))}">'
        f"{'上一页 Previous' if ln['rel'] == 'prev' else '下一页 Next'}</a>"
        for ln in doc["links"]
        if ln["rel"] in ("prev", "next")
    )
    body = (
        f"<p>{doc['numberMatched']:,} 个驿站，本页 {doc['numberReturned']:,} 个 / "
        f"{doc['numberMatched']:,} stations, {doc['numberReturned']:,} on this page</p>"
        '<div id="sf-map" role="img" aria-label="驿站地图 Map of the stations"></div>'
        '<div class="table"><table><thead><tr><th>编号 Id</th>'
        + "".join(f"<th>{_e(_HEADS[h])}</th>" for h in heads)
        + f"</tr></thead><tbody>{rows}</tbody></table></div><p>{pager}</p>"
    )
    return _page("驿站 / Stations", body, base=base, json_href=self_json,
                 crumbs=[("OGC API", base), ("collection", f"{base}/collections/stations?f=html")],
                 map_data=_map_data(doc["features"]))  # fmt: skip


def _label(name: str) -> str:
    """A property's Chinese name (``Name / 名称`` → ``名称``), its own name if none."""
    title = PROPERTIES.get(name, {}).get("title", "")
    return title.split(" / ")[-1] if " / " in title else ("编号" if name == "id" else name)


def item(doc: dict[str, Any], *, base: str, self_json: str) -> str:
    """One station: its properties and where it is."""
    props = "".join(
        f"<dt>{_e(_label(k))} <small>{_e(k)}</small></dt>"
        f"<dd>{_e(v) if v not in (None, '') else '—'}</dd>"
        for k, v in doc["properties"].items()
    )
    body = f'<div id="sf-map" role="img" aria-label="位置 Where it is"></div><dl>{props}</dl>'
    title = str(doc["properties"].get("name") or f"#{doc['id']}")
    crumbs = [("OGC API", base), ("stations", f"{base}/collections/stations/items?f=html")]
    return _page(title, body, base=base, json_href=self_json, crumbs=crumbs,
                 map_data=_map_data([doc]))  # fmt: skip
