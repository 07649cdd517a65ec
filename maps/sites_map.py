"""A site plan on a map: the coverage map of the area before the plan, with the chosen
sites numbered in the order to build, the area (and the demand points) they newly
cover, and a summary of the sites' gains and each district's demand covered before and
after (:mod:`geo.planning.site_map` gives the layers, :class:`SitesResult` the figures).

It is a coverage map (:func:`maps.coverage_map.build_coverage_map`) with its own panels
and three more overlays drawn by ``static/coverage.js``; every name in it is text, as
on the coverage map: escaped in the panels, JSON data read by ``textContent`` or
escaped by the script's popups.
"""

from __future__ import annotations

import html
import json
from typing import Any, Final

import shapely

from geo.planning.site_map import SitesMap
from maps.coverage_map import build_coverage_map, render_page
from maps.i18n import TEXT, parse_lang
from maps.panels import legend_and_key, radius_text, summary_panel, title_panel

__all__ = ["NEWLY", "SITE", "render_sites_html"]

NEWLY: Final = "#e66101"  # newly covered: an orange no other layer of the area view uses
SITE: Final = "#111111"  # the numbered site markers
_SITE_WORDS: Final = ("site_popup", "gain", "district", "sites_toggle", "newly_toggle")


def _share(weight: float, total: float) -> str:
    return f"{100 * weight / total:.1f}%" if total > 0 else "—"


def _amount(weight: float, kind: str) -> str:
    return f"{weight:,.2f}" if kind == "uniform" else f"{weight:,.1f}"


def _district_names(data: SitesMap, lang: str) -> dict[str, str]:
    districts = data.plan.area.districts
    return {
        str(d.adcode): (d.name if lang == "zh" else d.name_en)
        for d in districts.itertuples()
        if d.adcode
    }


def _site_rows(data: SitesMap, lang: str) -> list[list[Any]]:
    plan, names = data.plan, _district_names(data, lang)
    p, c = plan.plan, plan.candidates
    rows = []
    for rank, (j, gain) in enumerate(zip(p.sites, p.gains, strict=True), start=1):
        adcode = plan.adcodes[rank - 1]
        where = names.get(adcode or "", adcode or "—")
        name = TEXT[lang]["grid_point"].format(n=j + 1) if c.source == "grid" else c.names[j]
        rows.append([
            round(float(c.lon[j]), 6), round(float(c.lat[j]), 6), rank, name,
            _amount(gain, plan.demand_kind), _share(gain, p.total_weight), where,
        ])  # fmt: skip
    return rows


def _table(head: list[str], rows: list[list[str]], total: list[str] | None = None) -> str:
    e = html.escape
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
    if total is not None:
        body += '<tr class="sf-total">' + "".join(f"<td>{e(c)}</td>" for c in total) + "</tr>"
    return (
        "<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _panels(data: SitesMap, rows: list[list[Any]], lang: str, t: dict[str, str]) -> str:
    e = html.escape
    plan, p = data.plan, data.plan.plan
    area = plan.area.name if lang == "zh" else plan.area.name_en
    total = p.total_weight
    heading = t["sites_title"].format(area=area)
    subtitle = t["sites_subtitle"].format(
        n=len(p.sites), radius=radius_text(plan.radius_m),
        before=_share(p.existing_covered_weight, total), after=_share(p.covered_weight, total),
    )  # fmt: skip
    flt = data.coverage.filters[0]
    notes = [
        t["sites_filter"].format(
            filter=flt.label(lang), matching=data.coverage.total.filters[0].matching_stations
        ),
        t["unit_uniform"] if plan.demand_kind == "uniform" else t["unit_file"],
        t["optimal"].format(method=p.method)
        if p.optimal
        else t["gap"].format(gap=f"{100 * p.gap:.2f}%", method=p.method),
    ]
    if p.shortfall:
        notes.append(t["shortfall"].format(n=len(p.sites)) if p.sites else t["shortfall_none"])
    if plan.demand_outside:
        notes.append(t["outside"].format(n=plan.demand_outside))
    sites = _table(
        [t["rank"], t["name"], t["district"], t["gain"], t["gain_share"]],
        [[str(r[2]), r[3], r[6], r[4], r[5]] for r in rows],
    )
    districts = [
        [d["name"] if lang == "zh" else d["name_en"], _amount(d["total_weight"], plan.demand_kind),
         _share(d["covered_before"], d["total_weight"]),
         _share(d["covered_after"], d["total_weight"])]
        for d in plan.districts
    ]  # fmt: skip
    whole = [t["total"], _amount(total, plan.demand_kind),
             _share(p.existing_covered_weight, total), _share(p.covered_weight, total)]  # fmt: skip
    blocks = [
        "".join(f"<p>{e(n)}</p>" for n in notes),
        f"<h2>{e(t['sites_table'])}</h2>" + sites,
        f"<h2>{e(t['districts_table'])}</h2>"
        + _table([t["district"], t["demand_total"], t["before"], t["after"]], districts, whole),
    ]
    key = ((NEWLY, t["key_newly"]), (SITE, t["key_site"]))
    return title_panel(heading, subtitle, t) + summary_panel(blocks, t) + legend_and_key(t, key)


def _more(data: SitesMap, rows: list[list[Any]], t: dict[str, str]) -> dict[str, Any]:
    plan = data.plan
    d = plan.demand
    new_demand = [
        [round(float(d.lon[i]), 5), round(float(d.lat[i]), 5), float(d.weight[i]),
         int(plan.first_rank[i])]
        for i in data.new_demand.tolist()
    ]  # fmt: skip
    overlays: list[dict[str, Any]] = [
        {"kind": "newly", "name": t["newly_toggle"], "show": True},
    ]
    if new_demand:
        overlays.append({"kind": "newdemand", "name": t["newly_toggle"], "show": True})
    overlays.append({"kind": "sites", "name": t["sites_toggle"], "show": True})
    return {
        "sites": rows,
        "newly": None if data.newly.is_empty else json.loads(shapely.to_geojson(data.newly)),
        "newDemand": new_demand,
        "newlyColour": NEWLY,
        "siteColour": SITE,
        "siteWords": {k: t[k] for k in _SITE_WORDS},
        "overlays": overlays,
    }


def render_sites_html(data: SitesMap, *, lang: str = "zh", offline: bool = True) -> str:
    """The map of a site plan as one HTML page (offline: no request at all).

    Raises
    ------
    InvalidParameter
        For a `lang` other than ``zh`` or ``en``.
    """
    lang = parse_lang(lang)
    t = TEXT[lang]
    area = data.plan.area.name if lang == "zh" else data.plan.area.name_en
    rows = _site_rows(data, lang)  # [lon, lat, rank, name, gain, share, district]
    fmap = build_coverage_map(
        data.coverage,
        lang=lang,
        offline=offline,
        title=t["sites_title"].format(area=area),
        panels_html=_panels(data, rows, lang, t),
        more=_more(data, rows, t),
    )
    return render_page(fmap, offline)
