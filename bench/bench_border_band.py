"""How wide is the band along the Hong Kong and Macau borders where GCJ-02 is ambiguous?

Usage::

    .venv/bin/python bench/bench_border_band.py            # both borders
    .venv/bin/python bench/bench_border_band.py --check 20000

GCJ-02 shifts WGS84 points of mainland China (``geo.datums.in_mainland_china``: inside
the outline) by ~600 m and leaves Hong Kong and Macau alone. So near those borders the
GCJ-02 image of the mainland, ``F(outline)``, spills across the outline's edge: a GCJ-02
position there is both the image of a mainland point and the WGS84 of a point across
the border (``geo.datums`` reads it as the mainland one). For each border this script:

1. clips the outline to the border's box, densifies its edge to 10 m, applies the
   forward transform to it and takes ``band = F(outline) - outline`` (the ambiguous
   positions) and ``gap = outline - F(outline)`` (positions no WGS84 point maps to);
2. measures in metres (UTM zone 49N): the band's width, as the distance from each
   vertex of its far edge to the outline (summarised as min/median/max over the
   vertices more than 1 m out), its area and the length of border it runs along;
   and how far apart the two readings of a band position are (``P`` and the solved
   mainland point ``Q``);
3. with ``--check N``, draws N random positions within 1.5 km of the outline's edge in
   the box and checks that ``geo.border.border_ambiguity`` flags exactly those in the
   band (a few on the band's edge may differ by the densification: reported).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.border import BORDER_BOXES, border_ambiguity
from geo.datum_formulas import gcj02_to_wgs84_everywhere, wgs84_to_gcj02_everywhere
from geo.datums import Datum
from geo.mainland import china_outline

# Stretches of each border measured on their own (within the border's box).
SEGMENTS: dict[str, dict[str, tuple[float, float, float, float]]] = {
    "hong_kong": {
        "Shenzhen River land border, Shenzhen Bay mouth to Sha Tau Kok": (
            114.03, 22.49, 114.24, 22.57,
        ),
        "Shenzhen Bay (Deep Bay), Hong Kong's north-west shore": (113.88, 22.42, 114.03, 22.53),
    },
    "macau": {
        "Gongbei land border and the inner harbour (Macau peninsula)": (
            113.52, 22.185, 113.56, 22.23,
        ),
        "Hengqin channel (Taipa, Cotai, Coloane, the UM campus)": (113.52, 22.10, 113.58, 22.175),
    },
}  # fmt: skip

_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)


def _metres(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: np.column_stack(_UTM.transform(xy[:, 0], xy[:, 1])))


def _forward(geom: shapely.Geometry) -> shapely.Geometry:
    def f(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(wgs84_to_gcj02_everywhere(xy[:, 0], xy[:, 1]))

    return shapely.transform(geom, f)


def measure(name: str, bounds: tuple[float, float, float, float], check: int) -> None:
    # A margin around the box, so that the clip's own edges do not make a band.
    min_lon, min_lat, max_lon, max_lat = bounds
    outer = box(min_lon - 0.05, min_lat - 0.05, max_lon + 0.05, max_lat + 0.05)
    inner = box(*bounds)
    outline = shapely.intersection(china_outline(), outer)
    dense = shapely.segmentize(outline, 0.0001)  # ~10 m
    image = _forward(dense)
    band = shapely.intersection(shapely.difference(image, outline), inner)
    gap = shapely.intersection(shapely.difference(outline, image), inner)
    band_m, outline_m = _metres(band), _metres(outline)
    shapely.prepare(outline_m)
    far = shapely.get_coordinates(shapely.segmentize(band_m, 10.0))
    widths = shapely.distance(shapely.points(far), outline_m)
    widths = widths[widths > 1.0]
    # The border the band runs along: the outline's edge within 1 m of the band.
    edge = shapely.intersection(shapely.boundary(outline_m), shapely.buffer(band_m, 1.0))
    print(f"## {name} (box {bounds})")
    print(f"band area {shapely.area(band_m) / 1e6:.3f} km², along {edge.length / 1e3:.1f} km")
    if widths.size:
        print(
            f"band width m: min {widths.min():.0f}, median {np.median(widths):.0f}, "
            f"p95 {np.percentile(widths, 95):.0f}, max {widths.max():.0f}"
        )
    for part, part_box in SEGMENTS.get(name, {}).items():
        part_m = _metres(shapely.intersection(band, box(*part_box)))
        w = shapely.distance(
            shapely.points(shapely.get_coordinates(shapely.segmentize(part_m, 10.0))), outline_m
        )
        w = w[w > 1.0]
        if w.size:
            print(
                f"  {part}: width median {np.median(w):.0f}, p95 {np.percentile(w, 95):.0f}, "
                f"max {w.max():.0f} m; area {shapely.area(part_m) / 1e6:.3f} km²"
            )
    print(f"gap (no WGS84 preimage) area {shapely.area(_metres(gap)) / 1e6:.4f} km²")
    pts = shapely.get_coordinates(shapely.segmentize(band, 0.0005))
    if len(pts):
        q_lon, q_lat = gcj02_to_wgs84_everywhere(pts[:, 0], pts[:, 1])
        ex, ey = _UTM.transform(pts[:, 0], pts[:, 1])
        qx, qy = _UTM.transform(q_lon, q_lat)
        apart = np.hypot(np.subtract(ex, qx), np.subtract(ey, qy))
        lo, hi = apart.min(), apart.max()
        print(f"the two readings of a band position are {lo:.0f}-{hi:.0f} m apart")
    if check:
        rng = np.random.default_rng(21)
        near = shapely.buffer(shapely.boundary(outline), 0.015)
        near = shapely.intersection(near, inner)
        shapely.prepare(near)
        lons = rng.uniform(min_lon, max_lon, check * 20)
        lats = rng.uniform(min_lat, max_lat, check * 20)
        keep = shapely.contains_xy(near, lons, lats)
        lons, lats = lons[keep][:check], lats[keep][:check]
        shapely.prepare(band)
        truth = shapely.contains_xy(band, lons, lats)
        said = border_ambiguity(lons, lats, Datum.GCJ02) != 0
        differ = truth != said
        if differ.any():
            odd = shapely.points(lons[differ], lats[differ])
            d = shapely.distance(shapely.boundary(band), odd).max() * 1.1e5
            print(f"check: {differ.sum()} of {lons.size} differ, all within {d:.1f} m")
        else:
            n = lons.size
            print(f"check: border_ambiguity agrees on all {n} points ({truth.sum()} in band)")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", type=int, default=0, help="random points to cross-check")
    args = parser.parse_args()
    for name, bounds in BORDER_BOXES.items():
        measure(name, bounds, args.check)


if __name__ == "__main__":
    main()
