"""A province's coverage map is an overview: districts coloured by their covered share,
no station and no covered area, and it says so; in a browser (offline) the choropleth
and its legend show at once, with nothing to switch to that is not there.
Screenshots go to ``test-output/maps/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from geo.coverage import CoverageResult, build_coverage
from geo.model import build_station_data
from geo.registry import open_registry
from maps.coverage_map import render_coverage_html
from tests.maps.factories import map_payload
from tests.maps.test_browser import OUTPUT, Browser, chromium

__all__ = ["chromium"]  # the browser fixture, shared with test_browser

SPOTS = [(120.15, 30.27), (121.55, 29.87), (120.7, 28.0), (119.65, 29.08), (120.58, 30.0)]


@pytest.fixture(scope="module")
def overview(tmp_path_factory: pytest.TempPathFactory) -> CoverageResult:
    url = f"sqlite:///{tmp_path_factory.mktemp('overview') / 'sf.db'}"
    registry = open_registry(url)
    try:
        for i, (lon, lat) in enumerate(SPOTS):
            registry.create(data=build_station_data(
                {"name": f"<b>驿站{i}</b>", "lon": lon, "lat": lat, "amenities": ["toilet"]}
            ))  # fmt: skip
        return build_coverage(registry, city="浙江省", radius_m="2000,5000")
    finally:
        registry.close()


def test_the_page_draws_districts_only_and_says_so(overview: CoverageResult) -> None:
    assert overview.overview
    page = render_coverage_html(overview)
    payload = map_payload(page)
    assert payload["overview"] is True
    assert payload["stations"] == []
    assert payload["layers"] == []
    assert {o["kind"] for o in payload["overlays"]} == {"outlines", "labels", "choropleth"}
    assert "概览：90 个区县按覆盖率着色" in page
    assert "<b>驿站" not in page  # no station at all, so no name either
    english = render_coverage_html(overview, lang="en")
    assert "Overview: 90 districts coloured by their covered share" in english
    assert len(page.encode("utf-8")) < 3_000_000  # 90 districts' coarse outlines


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), [(360, 740), (1400, 1000)])
def test_the_overview_in_a_browser(
    chromium: Any, overview: CoverageResult, tmp_path: Path, width: int, height: int
) -> None:
    path = tmp_path / "overview.html"
    path.write_text(render_coverage_html(overview), encoding="utf-8")
    context = chromium.new_context(viewport={"width": width, "height": height})
    try:
        b = Browser(context.new_page())
        b.block_network()
        b.page.goto(path.as_uri())
        b.page.wait_for_function("window.sfMap !== undefined")
        b.page.locator("#sf-basemap-note").wait_for(state="visible")  # offline: said
        drawn = b.js("""(() => {
            const box = sfMap.sfOverlays.find(o => o.sfName.startsWith("各区覆盖率 2 km"));
            return box && sfMap.hasLayer(box) ? box.getLayers()[0].getLayers().length : 0;
        })()""")
        assert drawn == 90
        assert b.page.locator("#sf-legend").is_visible()  # the classes, with the choropleth
        assert b.page.locator("#sf-key").is_hidden()
        assert b.page.locator("input[name=sf-view]").count() == 0
        assert b.page.locator("input[data-key=stations]").count() == 0
        assert b.page.locator("input[name=sf-radius]").count() == 2
        visible = b.js("""[...document.querySelectorAll('.sf-label')]
            .filter(e => e.style.visibility !== 'hidden').length""")
        assert 5 <= visible <= 90  # names that fit, the others hidden until zoomed in
        b.page.screenshot(path=str(OUTPUT / f"overview-{width}.png"))
        assert b.errors == []
        assert b.blocked == []
    finally:
        context.close()
