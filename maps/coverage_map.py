"""Render a coverage result (:mod:`geo.coverage`) as a self-contained folium map.

The map is a ``folium.Map`` whose layers are built in the browser by our own
``static/coverage.js`` from one JSON payload (a ``<script type="application/json">``
block): stations once (with their amenity mask, so each filter's station layer is a
selection, not a copy), district outlines once (with every filter's and radius's
covered share, for the choropleths), and one covered and one uncovered geometry per
filter and radius. That keeps a 10,000-station map a
few MB, where one folium ``Marker`` and ``Circle`` per station costs several times more.

Offline maps inline Leaflet and its plugins (:mod:`maps.assets`) and drop every CDN link
folium would add; :func:`render_coverage_html` refuses to return an offline page that
still refers to a remote script, stylesheet or image.

Nothing we build reaches branca's Jinja2 as template source: the assets, the panels,
the payload and the call that draws the layers all go into the figure as
:class:`maps.embed.Verbatim` elements, which are never compiled (see :mod:`maps.embed`
for how a station named ``{{ 7*7 }}`` used to run as a template).
"""

from __future__ import annotations

import html
import re
from typing import Any, Final

import folium
import numpy as np
from branca.element import Element, Figure
from shapely.geometry.base import BaseGeometry

from geo.amenities import AMENITIES, mask_of
from geo.coverage import CoverageResult
from geo.datums import in_mainland_china
from maps.assets import ASSETS, cdn_url, read_asset, read_own
from maps.basemaps import basemaps
from maps.embed import GeoJSONText, Verbatim, data_block, script_json
from maps.i18n import TEXT, parse_lang
from maps.panels import (
    BASEMAP_NOTE_ID,
    CLASSES,
    COVERED,
    DATUM_NOTE_ID,
    KEY_ID,
    LEGEND_ID,
    UNCOVERED,
    panels,
    radius_text,
)

__all__ = [
    "CLASSES", "CoverageLayers", "build_coverage_map", "render_coverage_html", "render_page",
]  # fmt: skip

PROBE_MS: Final = 4000  # how long the map waits for one street tile before going without
NARROW_PX: Final = 600  # below this width the summary starts closed
STATION_FIELDS: Final = ("lon", "lat", "name", "address", "mask", "hours", "car", "moto", "ev")
_REMOTE: Final = re.compile(
    r"""<script[^>]+src\s*=|<link[^>]+href\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//"""
    r"""|<img[^>]+src\s*=\s*["']?(?:https?:)?//|@import""",
    re.IGNORECASE,
)


class OfflineMap(folium.Map):  # type: ignore[misc, unused-ignore]
    """A folium map that links no CDN asset (the page inlines what it needs)."""

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 (folium's own declaration)
    default_css: list[tuple[str, str]] = []  # noqa: RUF012


def safe_json(value: Any) -> str:
    """JSON that can sit inside ``<script>`` and is inert as template source
    (:func:`maps.embed.script_json`)."""
    return script_json(value)


class CoverageLayers(Element):  # type: ignore[misc, unused-ignore]
    """The payload as a JSON data block and the ``sfCoverage(map, payload)`` call.

    Not a ``MacroElement``: branca compiles a macro's output again as a Jinja2
    template, so the payload would be template source. Both parts go into the figure
    as :class:`Verbatim` text. :attr:`payload` is kept for inspection.
    """

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call, unused-ignore]
        self._name = "CoverageLayers"
        self.payload = payload

    @property
    def data_id(self) -> str:
        """The id of the ``<script type="application/json">`` element with the payload."""
        return f"sf-coverage-data-{self._id}"

    def render(self, **kwargs: Any) -> str:
        """Add the payload block to the page and the script that draws it (folium hook)."""
        figure = self.get_root()
        assert isinstance(figure, Figure)
        assert self._parent is not None
        figure.html.add_child(Verbatim(data_block(self.data_id, self.payload)), name=self.data_id)
        call = (
            f"sfCoverage({self._parent.get_name()}, "
            f'JSON.parse(document.getElementById("{self.data_id}").textContent));'
        )
        figure.script.add_child(Verbatim(call), name=self.get_name())
        return ""


_UI_WORDS: Final = (
    "layers", "basemap", "radius", "filter_pick", "view", "view_area", "view_districts", "show",
    "stations_toggle", "labels", "outlines", "heat",
)  # fmt: skip


def _label_point(geom: BaseGeometry) -> list[float] | None:
    """Where a district's name goes: a point inside it (its largest part's)."""
    if geom.is_empty:
        return None
    parts = getattr(geom, "geoms", [geom])
    point = max(parts, key=lambda g: g.area).point_on_surface()
    return [round(point.x, 5), round(point.y, 5)]


def _geojson(geom: BaseGeometry) -> GeoJSONText | None:
    return None if geom.is_empty else GeoJSONText(geom)


def _station_rows(result: CoverageResult) -> list[list[Any]]:
    return [
        [
            round(s.lon, 6),
            round(s.lat, 6),
            s.name,
            s.address,
            mask_of(s.amenities),
            s.opening_hours,
            s.car_parking_spaces,
            s.motorcycle_parking_spaces,
            s.ev_charging_piles,
        ]
        for s in result.stations
    ]


def _payload(result: CoverageResult, lang: str, t: dict[str, str]) -> dict[str, Any]:
    flabels = [f.label(lang) for f in result.filters]
    outlines = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": _geojson(geom),
                "properties": {
                    "adcode": d.adcode,
                    "name": d.name if lang == "zh" else d.name_en,
                    "shares": [[round(r.share, 4) for r in ff.radii] for ff in d.filters],
                    "area": round(d.area_km2, 3),
                    "at": _label_point(geom),
                },
            }
            for d, geom in zip(result.districts, result.outlines, strict=True)
        ],
    }
    layers, overlays = (
        [],
        [
            {"kind": "outlines", "name": t["outlines"], "show": True},
            {"kind": "labels", "name": t["labels"], "show": True},
        ],
    )
    for fi, flt in enumerate(result.filters):
        if result.overview:  # districts only: no station, no covered area
            break
        overlays.append(
            {
                "kind": "stations",
                "name": t["stations"].format(filter=flabels[fi]),
                "f": fi,
                "mask": flt.mask,
                "show": fi == 0,
            }
        )
    for fi, flt in enumerate(result.filters):
        for ri, radius in enumerate(result.radii):
            words = {"radius": radius_text(radius), "filter": flabels[fi]}
            first = fi == 0 and ri == 0
            if result.overview:
                overlays.append({"kind": "choropleth", "name": t["choropleth"].format(**words),
                                 "show": first, "f": fi, "r": ri})  # fmt: skip
                continue
            layer = result.layer(flt, radius)
            # The uncovered part is drawn from the outline and these rings (even-odd fill).
            layers.append({"covered": _geojson(layer.covered)})
            common = {"f": fi, "r": ri, "layer": len(layers) - 1}
            overlays += [
                {"kind": "covered", "name": t["covered"].format(**words), "show": first, **common},
                {
                    "kind": "uncovered",
                    "name": t["uncovered"].format(**words),
                    "show": first,
                    **common,
                },
                {
                    "kind": "choropleth",
                    "name": t["choropleth"].format(**words),
                    "show": False,
                    **common,
                },
            ]
    demand = None
    if result.demand is not None:
        d = result.demand
        demand = [
            [round(float(x), 5), round(float(y), 5), float(w)]
            for x, y, w in zip(d.lon, d.lat, d.weight, strict=True)
        ]
        overlays.append({"kind": "heat", "name": t["heat"], "show": True})
    min_lon, min_lat, max_lon, max_lat = result.area.bounds
    centre = ((min_lon + max_lon) / 2, (min_lat + max_lat) / 2)
    bases, auto_base = basemaps(t, centre)
    return {
        "lang": lang,
        "labels": {k: t[k] for k in ("address", "amenities", "hours", "car", "moto", "ev")}
        | {"datumWgs84": t["datum_wgs84"], "datumGcj02": t["datum_gcj02"]},
        "vocab": [
            a.zh if lang == "zh" else f"{a.en} {a.zh}"
            for a in sorted(AMENITIES, key=lambda a: a.bit)
        ],
        "stationFields": {name: i for i, name in enumerate(STATION_FIELDS)},
        "stations": _station_rows(result),
        "overview": result.overview,
        "outlines": outlines,
        "outline": _geojson(result.outline),
        "layers": layers,
        "overlays": overlays,
        "demand": demand,
        "demandMax": float(np.quantile(result.demand.weight, 0.95))
        if result.demand is not None and len(result.demand)
        else 1.0,
        "classes": [list(c) for c in CLASSES],
        "basemaps": bases,
        "shiftable": bool(in_mainland_china(*centre)),
        # Streets when online: Tianditu's (with a key) or Amap's where GCJ-02 applies.
        "autoBasemap": auto_base,
        "probeMs": PROBE_MS,
        "narrowPx": NARROW_PX,
        "minFreePx": 80,  # the least room worth fitting the area into
        "datumNoteId": DATUM_NOTE_ID,
        "basemapNoteId": BASEMAP_NOTE_ID,
        "legendId": LEGEND_ID,
        "keyId": KEY_ID,
        "uncoveredColour": UNCOVERED,
        "coveredColour": COVERED,
        "radiusLabels": [radius_text(r) for r in result.radii],
        "filterLabels": flabels,
        "ui": {k: t[k] for k in _UI_WORDS},
        "bounds": [[min_lat, min_lon], [max_lat, max_lon]],
    }


def _head(offline: bool) -> str:
    parts = []
    for asset in ASSETS:
        if offline:
            tag = "style" if asset.kind == "css" else "script"
            parts.append(
                f"<{tag}>/* {asset.package} {asset.version} */\n{read_asset(asset)}\n</{tag}>"
            )
        elif asset.kind == "css":
            parts.append(f'<link rel="stylesheet" href="{cdn_url(asset)}"/>')
        else:
            parts.append(f'<script src="{cdn_url(asset)}"></script>')
    parts.append(f"<style>{read_own('coverage.css')}</style>")
    parts.append(f"<script>{read_own('coverage.js')}</script>")
    parts.append(f"<script>{read_own('coverage_ui.js')}</script>")
    return "\n".join(parts)


def build_coverage_map(
    result: CoverageResult,
    *,
    lang: str = "zh",
    offline: bool = True,
    title: str | None = None,
    panels_html: str | None = None,
    more: dict[str, Any] | None = None,
) -> folium.Map:
    """A folium map of a coverage result: stations, covered and uncovered areas,
    per-district choropleths, optional demand heat, layer control, title, summary, legend.

    Parameters
    ----------
    result : CoverageResult
        From :func:`geo.coverage.build_coverage` (with its stations).
    lang : str
        ``zh`` (default) or ``en`` for every word on the map.
    offline : bool
        Inline every asset (default); otherwise link them on a CDN.
    title, panels_html, more : optional
        For maps built on this one (:mod:`maps.sites_map`): the page title, the panels
        in place of the coverage summary (escaped by the caller), and payload entries
        added to the coverage payload (``more["overlays"]`` appended to its overlays).

    Raises
    ------
    InvalidParameter
        For another `lang`.
    """
    lang = parse_lang(lang)
    t = TEXT[lang]
    min_lon, min_lat, max_lon, max_lat = result.area.bounds
    fmap = OfflineMap(
        location=[(min_lat + max_lat) / 2, (min_lon + max_lon) / 2],
        zoom_start=9,
        tiles=None,
        maxZoom=18,  # Leaflet.markercluster needs one; without tiles the map has none
        minZoom=4,
        control_scale=True,
        prefer_canvas=True,
        zoomSnap=0.25,  # the fit fills the free part of the map, not the next whole zoom
    )
    root = fmap.get_root()
    assert isinstance(root, Figure)
    # Verbatim: never compiled as a template (Element(text) would compile text).
    root.header.add_child(Verbatim(_head(offline)), name="sf_assets")
    # branca prints the title into <title> without escaping it.
    area = result.area.name if lang == "zh" else result.area.name_en
    root.title = html.escape(title if title is not None else t["title"].format(area=area))
    page_panels = panels_html if panels_html is not None else panels(result, lang, t)
    root.html.add_child(Verbatim(page_panels), name="sf_panels")
    payload = _payload(result, lang, t)
    if more:
        extra = dict(more)
        payload["overlays"] = payload["overlays"] + list(extra.pop("overlays", []))
        payload.update(extra)
    fmap.add_child(CoverageLayers(payload))
    return fmap


def render_coverage_html(result: CoverageResult, *, lang: str = "zh", offline: bool = True) -> str:
    """The map as one HTML page (see :func:`build_coverage_map`).

    Raises
    ------
    RuntimeError
        If an offline page would still load anything from the network.
    """
    return render_page(build_coverage_map(result, lang=lang, offline=offline), offline)


def render_page(fmap: folium.Map, offline: bool) -> str:
    """A map built by :func:`build_coverage_map` as one HTML page.

    Raises
    ------
    RuntimeError
        If an offline page would still load anything from the network.
    """
    page: str = fmap.get_root().render()
    if offline and (match := _REMOTE.search(page)):
        raise RuntimeError(f"offline map refers to a remote asset: {match.group(0)!r}")
    return page
