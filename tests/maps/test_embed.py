"""Data never becomes template source: branca's re-rendering, and how maps.embed stops it.

branca compiles ``Element(text)``'s text as a Jinja2 template, and a ``MacroElement``'s
macro output is wrapped in such an ``Element``, so it is compiled twice: even a value
passed to a macro as a *variable* runs as a template in the end. The first tests pin
that behaviour of the library (the attack path); the rest prove that our elements and
our JSON never give it anything to run.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path
from typing import Any

import jinja2
import pytest
import shapely
from branca.element import Element, Figure, MacroElement
from folium.template import Template
from hypothesis import given
from hypothesis import strategies as st

from geo.coverage import CoverageResult
from maps import assets
from maps.coverage_map import CoverageLayers, render_coverage_html
from maps.embed import GeoJSONText, Verbatim, data_block, script_json
from tests.hostile import HOSTILE, STORABLE, TEMPLATE_EXPR, TEMPLATE_RCE
from tests.maps.factories import EVALUATED, as_station, map_payload, station_data, station_rows


class Named(MacroElement):  # type: ignore[misc]
    """The usual folium pattern: the value goes into the macro as a *variable*."""

    _template = Template(
        '{% macro script(this, kwargs) %}var name = "{{ this.text }}";{% endmacro %}'
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


# -- the attack path: what branca does with text -----------------------------------


def test_branca_compiles_an_elements_text_as_a_template() -> None:
    figure = Figure()
    figure.html.add_child(Element(TEMPLATE_EXPR))
    assert "49号驿站" in figure.render()


def test_branca_compiles_a_macros_output_again_so_a_variable_is_not_enough() -> None:
    figure = Figure()
    figure.add_child(Named(TEMPLATE_EXPR))
    page = figure.render()
    # The macro printed the value; the second compilation ran it.
    assert 'var name = "49号驿站";' in page
    assert TEMPLATE_EXPR not in page


def test_branca_gives_a_macro_variable_the_servers_os_module() -> None:
    # TEMPLATE_RCE calls os.popen('id') by this path; getpid() shows the same access
    # without starting a process in the test.
    figure = Figure()
    figure.add_child(Named("{{ cycler.__init__.__globals__.os.getpid() }}"))
    assert f'var name = "{os.getpid()}";' in figure.render()


# -- our elements ---------------------------------------------------------------------


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_verbatim_text_is_never_compiled(text: str) -> None:
    figure = Figure()
    figure.html.add_child(Verbatim(f"<p>{text}</p>"))
    figure.script.add_child(Verbatim(text))
    page = figure.render()
    assert f"<p>{text}</p>" in page
    assert page.count(text) >= 2  # the paragraph and the script


def test_coverage_layers_put_a_hostile_payload_in_as_data() -> None:
    payload = {"stations": [[116.4, 39.9, TEMPLATE_EXPR, TEMPLATE_RCE]], "note": "{% raw %}"}
    figure = Figure()
    parent = Element()  # stands in for the folium map
    figure.add_child(parent)
    layers = CoverageLayers(payload)
    parent.add_child(layers)
    page = figure.render()
    for evaluated in EVALUATED:
        assert evaluated not in page
    block = data_block(layers.data_id, payload)
    assert block in page
    assert json.loads(block.split(">", 1)[1].rsplit("</script>", 1)[0]) == payload
    call = f'JSON.parse(document.getElementById("{layers.data_id}").textContent)'
    assert f"sfCoverage({parent.get_name()}, {call});" in page


@pytest.fixture
def compiled_sources(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every Jinja2 template source compiled while the test runs (any environment)."""
    sources: list[str] = []
    compile_ = jinja2.Environment.compile

    def recording(self: jinja2.Environment, source: Any, *args: Any, **kwargs: Any) -> Any:
        sources.append(str(source))
        return compile_(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", recording)
    return sources


def test_no_station_text_reaches_jinja2_as_template_source(
    result: CoverageResult, compiled_sources: list[str]
) -> None:
    # Each text carries a marker, so it is found however a template would escape it.
    marked = {f"SFMARK{i}": f"SFMARK{i}{text}" for i, text in enumerate(STORABLE.values())}
    extra = [
        as_station(station_data(116.40 + i * 1e-3, 39.92, name=t, address=t, host=t), 900 + i)
        for i, t in enumerate(marked.values())
    ]
    hostile = dataclasses.replace(result, stations=(*result.stations, *extra))
    for lang in ("zh", "en"):
        page = render_coverage_html(hostile, lang=lang)
        names = {row["name"] for row in station_rows(map_payload(page))}
        assert set(marked.values()) <= names
    assert compiled_sources, "folium's own elements are still compiled; the hook must see them"
    leaked = [m for m in marked for source in compiled_sources if m in source]
    assert leaked == []


# -- the JSON ---------------------------------------------------------------------------


def _inert(text: str) -> None:
    for bad in ("<", ">", "&", "\u2028", "\u2029", "{{", "{%", "{#"):
        assert bad not in text
    # Compiled by the same Jinja2 environments branca and folium use, it is unchanged.
    assert Template(text).render() == text
    assert jinja2.Template(text).render() == text


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_script_json_reads_back_the_same_and_is_inert(text: str) -> None:
    value = {text: [text, {"k": text}], "{{": {"}}": text}}
    out = script_json(value)
    assert json.loads(out) == value
    _inert(out)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_script_json_of_any_value(value: Any) -> None:
    out = script_json(value)
    assert json.loads(out) == value
    _inert(out)


@given(json_values, st.text())
def test_geometries_are_written_as_geojson_beside_any_text(value: Any, text: str) -> None:
    """A geometry's GeoJSON goes in as GEOS writes it; text around it, even text shaped
    like the placeholder the geometry takes meanwhile, stays text."""
    shape = shapely.Polygon([(116.4, 39.9), (116.41, 39.9), (116.405, 39.91)])
    lookalike = ["\x00" + "0" * 32 + "\x00", "\x00", text]
    out = script_json({"a": [GeoJSONText(shape), lookalike], "v": value, "b": GeoJSONText(shape)})
    back = json.loads(out)
    geometry = json.loads(shapely.to_geojson(shape))
    assert back == {"a": [geometry, lookalike], "v": value, "b": geometry}
    _inert(out)


def test_script_json_still_refuses_other_objects() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        script_json({"geometry": shapely.Point(1, 2)})


def test_script_json_refuses_what_json_parse_cannot_read() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        script_json({"share": math.nan})


@pytest.mark.parametrize("element_id", ['x" onload="alert(1)', "", "1abc", "a b", "a>b"])
def test_data_block_refuses_an_unsafe_id(element_id: str) -> None:
    with pytest.raises(ValueError, match="element id"):
        data_block(element_id, {})


def test_our_script_may_not_close_its_element(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad.js").write_text("var s = '</script><script>alert(1)';", encoding="utf-8")
    monkeypatch.setattr(assets, "STATIC", tmp_path)
    with pytest.raises(ValueError, match="</script"):
        assets.read_own.__wrapped__("bad.js")


def test_inlined_assets_are_in_the_page_byte_for_byte(result: CoverageResult) -> None:
    page = render_coverage_html(result)
    for asset in assets.ASSETS:
        assert assets.read_asset(asset) in page, asset.file
    assert assets.read_own("coverage.js") in page
    assert assets.read_own("coverage.css") in page
