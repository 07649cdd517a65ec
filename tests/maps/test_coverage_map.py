"""The folium map object and its HTML: layers, words, escaping, no remote asset."""

from __future__ import annotations

import re

import pytest
import shapely

from geo.coverage import CoverageResult
from geo.errors import InvalidParameter
from maps.assets import ASSETS, cdn_url
from maps.coverage_map import (
    CoverageLayers,
    OfflineMap,
    build_coverage_map,
    render_coverage_html,
    safe_json,
)
from tests.maps.factories import XSS

# Anything a browser would fetch by itself: a src of script/img/iframe/..., a <link>,
# CSS url() or @import. (Leaflet's attribution <a href="https://leafletjs.com"> is a
# hyperlink a user may click, not a request.)
REMOTE = re.compile(
    r"""<(?:script|img|iframe|source|embed|video|audio)\b[^>]*\ssrc\s*=\s*["']?(?:https?:)?//"""
    r"""|<link\b[^>]*href\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""",
    re.IGNORECASE,
)


def layers_of(fmap: OfflineMap) -> CoverageLayers:
    (layer,) = [c for c in fmap._children.values() if isinstance(c, CoverageLayers)]
    return layer


def test_the_payload_has_every_layer_per_filter_and_radius(result: CoverageResult) -> None:
    payload = layers_of(build_coverage_map(result)).payload
    kinds = [(o["kind"], o.get("f"), o.get("r")) for o in payload["overlays"]]
    assert kinds[:4] == [
        ("outlines", None, None),
        ("labels", None, None),
        ("stations", 0, None),
        ("stations", 1, None),
    ]
    per_layer = [k for k in kinds if k[0] in ("covered", "uncovered", "choropleth")]
    assert len(per_layer) == 2 * 2 * 3  # filters x radii x kinds
    shown = [o["name"] for o in payload["overlays"] if o["show"]]
    assert shown == [
        "区县界线", "区县名称", "驿站 · 微波炉", "已覆盖 300 m · 微波炉", "未覆盖 300 m · 微波炉",
    ]  # fmt: skip
    assert len(payload["stations"]) == 60
    assert len(payload["layers"]) == 4
    (feature,) = payload["outlines"]["features"]
    assert feature["properties"]["name"] == "东城区"
    figures = result.districts[0].filters
    assert feature["properties"]["shares"] == [
        [round(r.share, 4) for r in f.radii] for f in figures
    ]
    # The name's place lies inside the district.
    assert shapely.Point(feature["properties"]["at"]).within(result.outlines[0])
    assert payload["radiusLabels"] == ["300 m", "800 m"]
    assert payload["autoBasemap"] == 2  # Amap, in GCJ-02, when the device is online
    assert payload["shiftable"] is True  # Beijing: the GCJ-02 basemap needs the shift
    assert [b["url"] is None for b in payload["basemaps"]] == [True, False, False]


def test_offline_html_inlines_everything_and_links_nothing(result: CoverageResult) -> None:
    page = render_coverage_html(result)
    assert not REMOTE.search(page), REMOTE.search(page)
    assert "<script src" not in page
    assert "<link" not in page
    assert "cdn." not in page
    assert "jquery" not in page.lower()
    for asset in ASSETS:
        assert f"/* {asset.package} {asset.version} */" in page
    assert "url(data:image/png;base64," in page  # Leaflet's layer-control icon
    assert "sfCoverage(" in page
    assert "<title>东城区 驿站服务覆盖</title>" in page


def test_online_html_links_the_same_versions(result: CoverageResult) -> None:
    page = render_coverage_html(result, offline=False)
    for asset in ASSETS:
        assert cdn_url(asset) in page
    assert "code.jquery.com" not in page  # folium's defaults stay dropped


def test_station_names_and_all_text_are_escaped(result: CoverageResult) -> None:
    page = render_coverage_html(result)
    assert XSS not in page
    assert "<b>地址</b>" not in page
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page
    assert safe_json({"a": "</script><!--&\u2028"}) == (
        '{"a":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028"}'
    )


def test_summary_table_and_legend(result: CoverageResult) -> None:
    page = render_coverage_html(result)
    total = result.total.filters[0]
    assert f"符合条件的驿站 {total.matching_stations} 个" in page
    assert f"{100 * total.radii[0].share:.1f}%" in page
    assert "覆盖率（面积占比）" in page
    assert "0–20%" in page
    assert "80–100%" in page


def test_english(result: CoverageResult) -> None:
    fmap = build_coverage_map(result, lang="en")
    payload = layers_of(fmap).payload
    assert payload["overlays"][0]["name"] == "District outlines"
    assert payload["outlines"]["features"][0]["properties"]["name"] == "Dongcheng District"
    page = fmap.get_root().render()
    assert "Rest-station coverage: Dongcheng District" in page
    assert "Covered share of area" in page


def test_unknown_language_is_refused(result: CoverageResult) -> None:
    with pytest.raises(InvalidParameter, match="lang"):
        build_coverage_map(result, lang="fr")


def test_demand_adds_a_heat_layer_and_columns(result_with_demand: CoverageResult) -> None:
    payload = layers_of(build_coverage_map(result_with_demand)).payload
    assert payload["overlays"][-1]["kind"] == "heat"
    assert len(payload["demand"]) == 200
    page = render_coverage_html(result_with_demand)
    assert "300 m 需求覆盖" in page


def test_the_map_is_a_folium_map_without_default_cdn_assets(result: CoverageResult) -> None:
    fmap = build_coverage_map(result)
    assert fmap.default_js == []
    assert fmap.default_css == []
    assert fmap.options["maxZoom"] == 18  # markercluster needs it
