"""The panels over a coverage map: title (with the datum and offline notes), the summary
tables per filter, the legend of the share classes and the key of covered / uncovered.
Every text in them is escaped here; the map's script shows and hides them."""

from __future__ import annotations

import html
from typing import Final

from geo.coverage import CoverageResult, DistrictFigures
from maps.i18n import TEXT

__all__ = [
    "BASEMAP_NOTE_ID", "CLASSES", "COVERED", "DATUM_NOTE_ID", "KEY_ID", "LEGEND_ID",
    "UNCOVERED", "legend_and_key", "panels", "radius_text", "summary_panel", "title_panel",
]  # fmt: skip

# Choropleth classes: upper bound of the covered share, colour (ColorBrewer RdYlGn).
CLASSES: Final = (
    (0.2, "#d73027"),
    (0.4, "#fc8d59"),
    (0.6, "#fee08b"),
    (0.8, "#91cf60"),
    (1.0, "#1a9850"),
)
# Areas not covered: a colour no share class uses (ColorBrewer PRGn's purple).
UNCOVERED: Final = "#762a83"
COVERED: Final = "#1a9850"
DATUM_NOTE_ID: Final = "sf-datum-note"
BASEMAP_NOTE_ID: Final = "sf-basemap-note"
LEGEND_ID: Final = "sf-legend"
KEY_ID: Final = "sf-key"


def radius_text(radius_m: float) -> str:
    """A radius as the map says it: ``500 m``, ``1 km``."""
    return f"{radius_m / 1000:g} km" if radius_m >= 1000 else f"{radius_m:g} m"


def _table(result: CoverageResult, fi: int, t: dict[str, str]) -> str:
    e = html.escape
    demand = result.demand is not None
    head = [t["district"], t["area_km2"], t["n_stations"], t["matching"]]
    for radius in result.radii:
        head.append(t["share_at"].format(radius=radius_text(radius)))
        if demand:
            head.append(t["demand_at"].format(radius=radius_text(radius)))

    def row(d: DistrictFigures, name: str, css: str = "") -> str:
        ff = d.filters[fi]
        cells = [name, f"{d.area_km2:,.1f}", str(d.stations), str(ff.matching_stations)]
        for rf in ff.radii:
            cells.append(f"{100 * rf.share:.1f}%")
            if demand:
                cells.append("—" if rf.demand_share is None else f"{100 * rf.demand_share:.1f}%")
        cls = f' class="{css}"' if css else ""
        return f"<tr{cls}>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>"

    lang_zh = t is TEXT["zh"]
    body = [row(d, d.name if lang_zh else d.name_en) for d in result.districts]
    body.append(row(result.total, t["total"], "sf-total"))
    return (
        "<table><thead><tr>"
        + "".join(f"<th>{e(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


def title_panel(heading: str, subtitle: str, t: dict[str, str]) -> str:
    """The title box: heading, subtitle, the datum note and the (hidden) offline note."""
    e = html.escape
    return (
        f'<div class="sf-panel sf-title"><h1>{e(heading)}</h1><p>{e(subtitle)}</p>'
        f'<p id="{DATUM_NOTE_ID}">{e(t["datum_wgs84"])}</p>'
        f'<p id="{BASEMAP_NOTE_ID}" class="sf-offline" hidden>{e(t["offline"])}</p></div>'
    )


def summary_panel(blocks: list[str], t: dict[str, str]) -> str:
    """The collapsible summary around `blocks` (HTML already escaped)."""
    return (
        f'<details class="sf-panel sf-summary" open><summary>{html.escape(t["summary"])}'
        "</summary>" + "".join(blocks) + "</details>"
    )


def legend_and_key(t: dict[str, str], more: tuple[tuple[str, str], ...] = ()) -> str:
    """The legend of the share classes (hidden until the per-district view) and the key
    of covered / uncovered, with `more` (colour, text) entries after them."""
    e = html.escape
    lower = 0.0
    items = []
    for upper, colour in CLASSES:
        items.append(
            f'<div><i style="background:{colour}"></i>{lower * 100:.0f}–{upper * 100:.0f}%</div>'
        )
        lower = upper
    legend = (
        f'<div id="{LEGEND_ID}" class="sf-panel sf-legend" hidden><b>{e(t["legend"])}</b>'
        f"{''.join(items)}</div>"
    )
    entries = ((COVERED, t["key_covered"]), (UNCOVERED, t["key_uncovered"]), *more)
    key = (
        f'<div id="{KEY_ID}" class="sf-panel sf-legend">'
        + "".join(f'<div><i style="background:{c}"></i>{e(text)}</div>' for c, text in entries)
        + "</div>"
    )
    return legend + key


def panels(result: CoverageResult, lang: str, t: dict[str, str]) -> str:
    """The title, the summary tables, the share legend and the covered/uncovered key,
    as HTML (every text escaped); ``t`` is :data:`maps.i18n.TEXT` of ``lang``."""
    e = html.escape
    area = result.area.name if lang == "zh" else result.area.name_en
    radii = (
        "、".join(radius_text(r) for r in result.radii)
        if lang == "zh"
        else ", ".join(radius_text(r) for r in result.radii)
    )
    subtitle = t["subtitle"].format(stations=result.total.stations, radii=radii)
    if result.overview:
        subtitle += t["overview"].format(districts=len(result.districts))
    title = title_panel(t["title"].format(area=area), subtitle, t)
    blocks = []
    for fi, flt in enumerate(result.filters):
        ff = result.total.filters[fi]
        blocks.append(
            f"<h2>{e(t['filter'].format(filter=flt.label(lang), matching=ff.matching_stations))}"
            "</h2>" + _table(result, fi, t)
        )
    return title + summary_panel(blocks, t) + legend_and_key(t)
