"""Candidate sites from a planner's file: bank branches, petrol stations, chain stores.

The file is read as a station list is (:func:`geo.imports.readers.open_source`: CSV in
any common encoding, XLSX, GeoJSON, GeoPackage, Shapefile; Chinese headers recognised by
:func:`geo.imports.columns.recognise_columns`): a name, and a position as two columns
or a point geometry. The datum follows the import's rule (``geo.datum_names``): the
``crs`` given, else what the headers or the file say, else GCJ-02 for a table (said
back as assumed) and WGS84 for a GeoJSON. A row without a usable position is not lost:
it is listed in :attr:`Candidates.skipped` with its row number, code and both messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from geo.datum_names import Datum, parse_datum
from geo.datums import to_wgs84
from geo.errors import InvalidFile
from geo.imports.cells import cell_number, cell_text
from geo.imports.columns import recognise_columns
from geo.imports.readers import open_source

__all__ = ["MAX_CANDIDATE_ROWS", "Candidates", "read_candidates"]

MAX_CANDIDATE_ROWS: Final = 20_000
_SKIPPED_SHOWN: Final = 200  # rows listed one by one; the count says the rest


@dataclass(frozen=True)
class Candidates:
    """Candidate sites in WGS84, each with a name and where it came from.

    Attributes
    ----------
    lon, lat : ndarray of float
        WGS84 degrees.
    names : tuple of str
        What the planner calls each site (the file's name column; ``第 N 行`` if empty).
    rows : tuple of int
        The row of the file each came from (as the user sees it), or 0.
    source : str
        ``file``, ``stations`` or ``grid``.
    datum, datum_source : str
        The datum the positions were read in, and what said so (``option``, ``file``,
        ``default``).
    skipped : list of dict
        Rows not used: ``{"row", "code", "message", "message_zh"}`` (at most
        :data:`_SKIPPED_SHOWN`; ``skipped_count`` is all of them).
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    names: tuple[str, ...]
    rows: tuple[int, ...]
    source: str
    datum: str = "wgs84"
    datum_source: str = "option"
    skipped: list[dict[str, Any]] = field(default_factory=list)
    skipped_count: int = 0

    def __len__(self) -> int:
        return len(self.lon)


def _skip(row: int, code: str, en: str, zh: str) -> dict[str, Any]:
    return {"row": row, "code": code, "message": en, "message_zh": zh}


def read_candidates(
    path: Path, *, crs: str | None = None, filename: str | None = None, sheet: str | None = None
) -> Candidates:
    """Read candidate sites from a file (see the module docstring).

    Raises
    ------
    InvalidFile
        The file cannot be read, has no name or position columns it can find, more than
        :data:`MAX_CANDIDATE_ROWS` rows, or no usable row at all.
    UnknownCRS
        For a `crs` that is not a datum we know.
    """
    given = parse_datum(crs) if crs is not None else None
    shown = filename or path.name
    source = open_source(path, filename=filename, sheet=sheet, max_rows=MAX_CANDIDATE_ROWS)
    try:
        vector = source.format in ("geojson", "gpkg", "shp")
        mapping = recognise_columns(source.headers, has_point=vector)
        name_col = mapping.columns.get("name")
        lon_col, lat_col = mapping.columns.get("lon"), mapping.columns.get("lat")
        if not vector and (lon_col is None or lat_col is None):
            raise InvalidFile(
                f"{shown}: no longitude/latitude columns found (headers: "
                f"{', '.join(source.headers[:12])}); name them 经度 and 纬度, or lon and lat",
                f"{shown}：未找到经纬度列（表头：{'、'.join(source.headers[:12])}）；"
                "请将列名写为“经度”“纬度”或 lon、lat",
            )
        lon: list[float] = []
        lat: list[float] = []
        names: list[str] = []
        rows: list[int] = []
        skipped: list[dict[str, Any]] = []
        for raw in source.rows:
            if raw.point is not None and lon_col is None:
                x, y = raw.point
            else:
                xv = None if lon_col is None else cell_number(raw.values.get(lon_col))
                yv = None if lat_col is None else cell_number(raw.values.get(lat_col))
                if xv is None or yv is None:
                    skipped.append(_skip(raw.number, "missing_coordinates",
                                         "no longitude/latitude as numbers",
                                         "缺少数字形式的经纬度"))  # fmt: skip
                    continue
                x, y = xv, yv
            text = cell_text(raw.values.get(name_col)) if name_col is not None else None
            lon.append(x)
            lat.append(y)
            names.append(text or f"第 {raw.number} 行")
            rows.append(raw.number)
    finally:
        source.close()
    datum, said = _datum(given, mapping.datum, source.file_crs, vector)
    x_arr, y_arr = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    ok = (np.abs(x_arr) <= 180) & (np.abs(y_arr) <= 90)
    for i in np.flatnonzero(~ok).tolist():
        skipped.append(_skip(rows[i], "invalid_coordinate", "longitude/latitude out of range",
                             "经纬度超出范围"))  # fmt: skip
    keep = np.flatnonzero(ok)
    if not len(keep):
        raise InvalidFile(
            f"{shown}: no row has a usable position ({len(skipped)} rows skipped)",
            f"{shown}：没有一行有可用的位置（跳过 {len(skipped)} 行）",
            details=skipped[:20],
        )
    wx, wy = to_wgs84(x_arr[keep], y_arr[keep], datum)
    skipped.sort(key=lambda s: s["row"])
    return Candidates(
        np.asarray(wx, dtype=np.float64), np.asarray(wy, dtype=np.float64),
        tuple(names[i] for i in keep.tolist()), tuple(rows[i] for i in keep.tolist()),
        "file", datum.value, said, skipped[:_SKIPPED_SHOWN], len(skipped),
    )  # fmt: skip


def _datum(
    given: Datum | None, header: Datum | None, file_crs: str | None, vector: bool
) -> tuple[Datum, str]:
    if given is not None:
        return given, "option"
    if header is not None:
        return header, "file"
    if file_crs in ("gcj02", "bd09"):
        return parse_datum(file_crs), "file"
    if vector:
        return Datum.WGS84, "file" if file_crs else "default"
    return Datum.GCJ02, "default"
