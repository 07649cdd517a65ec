"""Every storable hostile text as a station's name, address, host and district: the map
shows it literally and runs none of it (issue 22: templates, markup, scripts)."""

from __future__ import annotations

import pytest

from geo.coverage import CoverageResult
from maps.coverage_map import render_coverage_html
from tests.hostile import STORABLE
from tests.maps.conftest import dongcheng_result
from tests.maps.factories import assert_map_keeps_text, hostile_stations


@pytest.fixture(scope="module")
def hostile_result() -> CoverageResult:
    return dongcheng_result(extra=hostile_stations())


@pytest.fixture(
    scope="module",
    params=[("zh", True), ("en", False)],  # the default page; English and CDN-linked
    ids=["zh-offline", "en-online"],
)
def page(hostile_result: CoverageResult, request: pytest.FixtureRequest) -> str:
    lang, offline = request.param
    return render_coverage_html(hostile_result, lang=lang, offline=offline)


@pytest.mark.parametrize("name", list(STORABLE))
def test_station_text_comes_back_literally(page: str, name: str) -> None:
    assert_map_keeps_text(page, [STORABLE[name]])
