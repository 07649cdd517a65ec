"""Which province, city and district of mainland China a WGS84 point lies in.

The outlines (:mod:`geo.outlines.build`) are loaded on first use, once per process:
about 4.3 million vertices in 29,000 pieces of at most 256 (about 130 MB with their
R-tree, measured in bench/bench_outlines.py); the whole district outlines only when
asked for (coverage). A process that never places a point never loads them.

One point, one district. A point exactly on a shared border (or in the rare overlap of
two outlines) is covered by both; it is given the one with the smaller adcode, so every
process answers the same. A point that no outline covers (at sea, abroad, or in a sliver
between two outlines) gets none from :meth:`NationalOutlines.locate`;
:meth:`NationalOutlines.place` also takes the nearest district within ``snap_m`` of it,
for stations on a pier or reclaimed land that Amap's coastline leaves out.
"""

from __future__ import annotations

import logging
import threading
import zipfile
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely

from geo.outlines.build import build, ensure_built, read_ragged

# Degrees of latitude per metre, for turning ``snap_m`` into a search box (a box at
# least that wide in longitude too, since a degree of longitude is never longer).
_DEG_PER_M: Final = 1 / 111_000
NOWHERE: Final = -1
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Place:
    """A district and its city and province (adcodes and Chinese names)."""

    adcode: str
    district: str
    city_adcode: str
    city: str
    province_adcode: str
    province: str

    @property
    def names(self) -> tuple[str, ...]:
        """Province, city, district, none repeated: (北京市, 东城区) for 东城区."""
        return tuple(dict.fromkeys(n for n in (self.province, self.city, self.district) if n))

    @property
    def full_name(self) -> str:
        """``河南省郑州市金水区``; a name is not repeated (``北京市东城区``)."""
        return _full_name(self)


@lru_cache(maxsize=8192)  # mainland China has ~3,200 areas: every one fits
def _full_name(place: Place) -> str:
    # Memoised: an import's messages name the district of most of its rows.
    return "".join(place.names)


class NationalOutlines:
    """The mainland's 2,848 districts, indexed for point-in-polygon."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as f, np.load(f) as data:  # closed even if it is no .npz
            arrays = {k: data[k] for k in data.files if not k.startswith("whole_")}
        self.pieces = read_ragged(arrays, "piece")
        self.owner = arrays["piece_owner"].astype(np.int64)
        self.tree = shapely.STRtree(self.pieces)
        self.adcodes: tuple[str, ...] = tuple(str(a) for a in arrays["adcode"])
        cities = dict(
            zip(map(str, arrays["city_codes"]), map(str, arrays["city_names"]), strict=True)
        )
        provinces = dict(
            zip(map(str, arrays["province_codes"]), map(str, arrays["province_names"]), strict=True)
        )
        self.places: tuple[Place, ...] = tuple(
            Place(str(a), str(d), str(c), cities[str(c)], str(p), provinces[str(p)])
            for a, d, c, p in zip(
                arrays["adcode"], arrays["district"], arrays["city_adcode"],
                arrays["province_adcode"], strict=True,
            )
        )  # fmt: skip
        self.by_adcode = {p.adcode: i for i, p in enumerate(self.places)}
        self.city_names = cities
        self.province_names = provinces
        self.source_version = str(arrays["source_version"])

    @cached_property
    def geometries(self) -> npt.NDArray[np.object_]:
        """Each district's whole outline, in :attr:`places` order (loaded when asked)."""
        with self.path.open("rb") as f, np.load(f) as data:
            return read_ragged({k: data[k] for k in data.files if k.startswith("whole_")}, "whole")

    def locate_many(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """The index (into :attr:`places`) of the district covering each point, or -1."""
        x = np.asarray(lon, dtype=np.float64).ravel()
        y = np.asarray(lat, dtype=np.float64).ravel()
        found = np.full(x.shape, NOWHERE, dtype=np.int64)
        ok = np.isfinite(x) & np.isfinite(y)
        if not ok.any():
            return found
        points = shapely.points(x[ok], y[ok])
        # Candidates by bounding box, then the exact test on pieces of at most 256
        # vertices (microseconds each, no prepared index to hold in memory).
        point_i, piece_i = self.tree.query(points)
        inside = shapely.intersects(self.pieces[piece_i], points[point_i])
        point_i, district_i = point_i[inside], self.owner[piece_i[inside]]
        unset = np.iinfo(np.int64).max
        best = np.full(points.shape, unset, dtype=np.int64)
        # Several districts on a border: the smallest adcode, which is the smallest
        # index (the outlines are stored in adcode order).
        np.minimum.at(best, point_i, district_i)
        best[best == unset] = NOWHERE
        found[ok] = best
        return found

    def locate(self, lon: float, lat: float) -> Place | None:
        """The district covering a WGS84 point, or None."""
        (i,) = self.locate_many([lon], [lat])
        return None if i == NOWHERE else self.places[int(i)]

    def place(self, lon: float, lat: float, *, snap_m: float = 0.0) -> Place | None:
        """:meth:`locate`, or else the nearest district within ``snap_m`` metres."""
        found = self.locate(lon, lat)
        if found is not None or snap_m <= 0:
            return found
        from geo.geodesy import GEOD

        point = shapely.Point(lon, lat)
        near = self.tree.query(point, predicate="dwithin", distance=snap_m * _DEG_PER_M * 3)
        best: tuple[float, int] | None = None
        for i in near:
            a, b = shapely.shortest_line(point, self.pieces[i]).coords
            metres = float(GEOD.inv(a[0], a[1], b[0], b[1])[2])
            district = int(self.owner[i])
            if metres <= snap_m and (best is None or (metres, district) < best):
                best = (metres, district)
        return None if best is None else self.places[best[1]]


_lock = threading.Lock()
_loaded: NationalOutlines | None = None


def outlines() -> NationalOutlines:
    """The national outlines, built (first time on this machine) and loaded once."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = load_or_rebuild(ensure_built())
    return _loaded


def load_or_rebuild(path: Path) -> NationalOutlines:
    """The outlines in ``path``; a file that cannot be read (cut short by a full disk,
    damaged) is built again, once, rather than failing every request that places a
    point."""
    try:
        return NationalOutlines(path)
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        _log.warning("outlines file %s unreadable (%s): building it again", path, exc)
        build(path)
        return NationalOutlines(path)
