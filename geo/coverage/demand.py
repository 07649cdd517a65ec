"""Demand points for coverage: a CSV or GeoJSON of weighted positions.

A CSV needs longitude and latitude columns (``lon``/``lng``/``longitude``/``经度``/``x``
and ``lat``/``latitude``/``纬度``/``y``) and may have a weight column (``weight``,
``count``, ``orders``, ``权重``, ``订单量``, ``数量``; default 1). Its datum is the
``crs`` argument, GCJ-02 when not given, as for station imports (platform order
positions are Amap/Tencent positions). A GeoJSON FeatureCollection of Points is WGS84
(RFC 7946) unless it declares another datum in ``crs``; the weight is the property
named like a weight column.

Every bad row is reported at once with its row number (CSV: the line number, header =
1; GeoJSON: the feature's index from 0).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any, Final

import numpy as np

from geo.coverage.compute import DemandPoints
from geo.datums import Datum, invalid_lonlat_mask, parse_datum, to_wgs84
from geo.errors import InvalidFile

__all__ = ["MAX_DEMAND_POINTS", "read_demand"]

MAX_DEMAND_POINTS: Final = 500_000
_LON: Final = ("lon", "lng", "longitude", "经度", "x")
_LAT: Final = ("lat", "latitude", "纬度", "y")
_WEIGHT: Final = ("weight", "count", "orders", "权重", "订单量", "数量", "w")
_SHOWN_PROBLEMS: Final = 20


def _bad_file(
    message: str, message_zh: str, details: list[dict[str, Any]] | None = None
) -> InvalidFile:
    return InvalidFile(f"demand file: {message}", f"需求点文件：{message_zh}", details=details)


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    keys = [h.strip().casefold() for h in header]
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def _number(text: Any) -> float:
    if isinstance(text, bool):
        return math.nan
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _bad_file("not UTF-8 or GB18030 text", "既不是 UTF-8 也不是 GB18030 编码的文本")


def _cell(row: list[str], index: int | None) -> str | None:
    return row[index] if index is not None and index < len(row) else None


def _rows_csv(text: str) -> tuple[list[tuple[int, Any, Any, Any]], Datum | None]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise _bad_file("the CSV is empty", "CSV 文件为空")
    lon_i, lat_i, w_i = _column(header, _LON), _column(header, _LAT), _column(header, _WEIGHT)
    if lon_i is None or lat_i is None:
        raise _bad_file(
            f"no longitude/latitude columns in header {header!r} (expected e.g. lon, lat)",
            f"表头 {header!r} 中没有经纬度列（例如 lon、lat 或 经度、纬度）",
        )
    rows = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        rows.append(
            (line, _cell(row, lon_i), _cell(row, lat_i), 1 if w_i is None else _cell(row, w_i))
        )
    return rows, None


def _rows_geojson(text: str) -> tuple[list[tuple[int, Any, Any, Any]], Datum | None]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad_file(
            f"not valid JSON: the text breaks off or has a syntax error at line {exc.lineno}, "
            f"column {exc.colno}",
            f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列处文本中断或有语法错误",
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise _bad_file("expected a GeoJSON FeatureCollection", "应为 GeoJSON FeatureCollection")
    declared = (doc.get("crs") or {}).get("properties", {}).get("name")
    datum = parse_datum(declared) if isinstance(declared, str) else None
    rows = []
    for i, feat in enumerate(doc.get("features") or []):
        geom = (feat or {}).get("geometry") or {}
        coords = geom.get("coordinates") if geom.get("type") == "Point" else None
        props = (feat or {}).get("properties") or {}
        weight = next((props[k] for k in props if str(k).casefold() in _WEIGHT), 1)
        if not isinstance(coords, list) or len(coords) < 2:
            rows.append((i, None, None, weight))
        else:
            rows.append((i, coords[0], coords[1], weight))
    return rows, datum


def read_demand(path: Path | str, *, crs: str | None = None) -> DemandPoints:
    """Read weighted demand points and convert them to WGS84.

    Parameters
    ----------
    path : path
        ``.csv`` or ``.geojson``/``.json``.
    crs : str, optional
        Datum of the coordinates (``wgs84``, ``gcj02``, ``bd09``). Default: GCJ-02 for a
        CSV, the declared datum or WGS84 for GeoJSON.

    Returns
    -------
    DemandPoints
        WGS84 degrees and weights (>= 0).

    Raises
    ------
    InvalidFile
        If the file cannot be read, has no coordinate columns or points, more than
        :data:`MAX_DEMAND_POINTS` points, or bad rows (each named with its row number:
        coordinates missing, not numbers or outside the datum's area; weights negative
        or not numbers).
    UnknownCRS
        For an unknown `crs`.
    """
    path = Path(path)
    stated = parse_datum(crs) if crs else None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _bad_file(
            f"cannot read {path.name}: {exc.strerror}", f"无法读取 {path.name}"
        ) from None
    suffix = path.suffix.casefold()
    if suffix == ".csv":
        rows, declared = _rows_csv(_decode(data))
        default = Datum.GCJ02
    elif suffix in (".geojson", ".json"):
        rows, declared = _rows_geojson(_decode(data))
        default = Datum.WGS84
    else:
        raise _bad_file(
            f"{path.name}: expected a .csv or .geojson file",
            f"{path.name}：应为 .csv 或 .geojson 文件",
        )
    datum = stated or declared or default
    if not rows:
        raise _bad_file("no demand points", "没有需求点")
    if len(rows) > MAX_DEMAND_POINTS:
        raise _bad_file(
            f"{len(rows)} points, more than {MAX_DEMAND_POINTS}",
            f"{len(rows)} 个点，超过上限 {MAX_DEMAND_POINTS}",
        )
    lon = np.array([_number(r[1]) for r in rows])
    lat = np.array([_number(r[2]) for r in rows])
    weight = np.array([_number(r[3]) for r in rows])
    bad_xy = invalid_lonlat_mask(lon, lat, datum)
    bad_w = ~np.isfinite(weight) | (weight < 0)
    if bad_xy.any() or bad_w.any():
        details = []
        for i in np.flatnonzero(bad_xy | bad_w):
            reason = "bad_coordinate" if bad_xy[i] else "bad_weight"
            details.append(
                {
                    "row": rows[i][0],
                    "reason": reason,
                    "value": f"{rows[i][1]},{rows[i][2]},{rows[i][3]}",
                }
            )
        said = {
            "bad_coordinate": (
                "a coordinate missing, not a number or not in the datum",
                "坐标缺失、不是数字或超出该坐标系范围",
            ),
            "bad_weight": ("a weight that is negative or not a number", "权重为负数或不是数字"),
        }
        first = details[:_SHOWN_PROBLEMS]
        shown = "; ".join(f"row {d['row']}: {said[str(d['reason'])][0]}" for d in first)
        shown_zh = "；".join(f"第 {d['row']} 行：{said[str(d['reason'])][1]}" for d in first)
        raise _bad_file(
            f"{len(details)} bad row(s) ({datum.label}): {shown}",
            f"{len(details)} 行有误（{datum.label}）：{shown_zh}",
            details=details[:100],
        )
    wlon, wlat = to_wgs84(lon, lat, datum)
    source = "option" if stated else "file" if declared else "default"
    return DemandPoints(
        np.asarray(wlon), np.asarray(wlat), weight.astype(np.float64), datum.value, source
    )
