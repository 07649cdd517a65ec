"""GeoJSON (RFC 7946), read with :mod:`json` so that every feature becomes one row.

GDAL's reader silently drops what is not a Feature (a member without ``"type"``, a
``null`` in ``features``...), which would make rows vanish from the report and shift
the row numbers of the rest. Here the *n*-th element of ``features`` is always row
*n* + 1 (the first feature is row 2, as if a header were row 1); one that is not a
Feature is rejected as ``invalid_feature``, with the reason.

Properties are taken as JSON has them (lists joined with commas, objects as JSON text);
a feature's ``id`` becomes an ``id`` column when no property has that name. The ``crs``
member of older GeoJSON is honoured (``EPSG:3857``..., or ``gcj02``/``bd09`` as Chinese
tools write, and our own ``datum`` member); without one, coordinates are WGS84.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import numpy as np

from geo.datums import Datum, parse_datum
from geo.errors import InvalidFile, StationError
from geo.imports.readers.base import RawRow, RowProblem, RowStream, Source, clean, make_headers
from geo.imports.readers.points import Floats, lonlat, read_crs

_GEOMETRY_TYPES: Final = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
)
_INT64: Final = 2**63
_KINDS: Final = {  # a JSON value's kind, in English and Chinese
    dict: ("an object", "对象"),
    list: ("an array", "数组"),
    str: ("a string", "字符串"),
    bool: ("true/false", "布尔值"),
    int: ("a number", "数字"),
    float: ("a number", "数字"),
    type(None): ("null", "null"),
}


def _kind(value: Any) -> tuple[str, str]:
    return _KINDS.get(type(value), ("a value", "值"))


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 50 else text[:49] + "…"


def open_geojson(path: Path, name: str) -> Source:
    """Open a GeoJSON FeatureCollection (or a single Feature)."""
    collection = _load(path, name)
    notes: list[str] = []
    features = collection["features"] if collection["type"] == "FeatureCollection" else [collection]
    problems = [_feature_problem(k, f) for k, f in enumerate(features, start=1)]
    good = [f for f, p in zip(features, problems, strict=True) if p is None]
    keys = list(dict.fromkeys(k for f in good for k in (f.get("properties") or {})))
    headers = make_headers(keys, lambda i: f"column_{i + 1}", notes)
    with_id = "id" not in keys and any(_is_id(f.get("id")) for f in good)
    if with_id:
        headers.append("id")

    count = len(features)
    xs: Floats = np.full(count, np.nan)
    ys: Floats = np.full(count, np.nan)
    found: list[str | None] = ["missing"] * count
    for i, (feature, problem) in enumerate(zip(features, problems, strict=True)):
        if problem is None:
            point = _point(feature.get("geometry"))
            if isinstance(point, str):
                found[i] = point
            else:
                (xs[i], ys[i]), found[i] = point, None
    datum, crs_text = _crs(collection, name, notes)
    file_crs, points, geometry_problems = lonlat(xs, ys, found, crs_text, datum, name, notes)

    def rows() -> Iterator[RawRow]:
        for i, (feature, problem) in enumerate(zip(features, problems, strict=True)):
            if problem is not None:
                yield RawRow(i + 2, dict.fromkeys(headers), problem=problem)
                continue
            properties = feature.get("properties") or {}
            values = {h: _value(properties.get(k)) for k, h in zip(keys, headers, strict=False)}
            if with_id:
                values["id"] = feature.get("id") if _is_id(feature.get("id")) else None
            yield RawRow(i + 2, values, points[i], geometry_problems[i])

    return Source(
        path, "geojson", headers, RowStream(rows()), file_crs=file_crs, total_rows=count,
        notes=notes,
    )  # fmt: skip


def _load(path: Path, name: str) -> dict[str, Any]:
    """The file's top-level object, checked to be a FeatureCollection or a Feature."""
    data = path.read_bytes()
    if not data.strip():
        raise InvalidFile(f"{name}: the file is empty", f"{name}：文件为空")
    try:
        obj = json.loads(data)
    except UnicodeDecodeError:
        raise InvalidFile(
            f"{name}: not UTF-8 text; GeoJSON must be UTF-8: save it again as UTF-8",
            f"{name}：不是 UTF-8 文本；GeoJSON 必须使用 UTF-8 编码，请另存为 UTF-8",
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidFile(
            f"{name}: not valid JSON: the text breaks off or has a syntax error at line "
            f"{exc.lineno}, column {exc.colno}",
            f"{name}：不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列处文本中断或有语法错误",
            details=[{"file": name, "line": exc.lineno, "column": exc.colno, "reason": exc.msg}],
        ) from None
    except (ValueError, RecursionError):  # numbers too long to read, nesting too deep
        raise InvalidFile(
            f"{name}: not valid GeoJSON: nested too deeply or a number too long to read",
            f"{name}：不是有效的 GeoJSON：嵌套过深或数字过长",
        ) from None
    expected = "expected a FeatureCollection or a Feature"
    expected_zh = "应为 FeatureCollection 或 Feature"
    if not isinstance(obj, dict):
        kind, kind_zh = _kind(obj)
        raise InvalidFile(
            f"{name}: not GeoJSON: {expected}, got {kind}",
            f"{name}：不是 GeoJSON：{expected_zh}，实际为{kind_zh}",
        )
    top = obj.get("type")
    if top not in ("FeatureCollection", "Feature"):
        got = "an object without a type" if top is None else f"type {_shown(top)}"
        got_zh = "没有 type 的对象" if top is None else f"type 为 {_shown(top)}"
        raise InvalidFile(
            f"{name}: not GeoJSON: {expected}, got {got}",
            f"{name}：不是 GeoJSON：{expected_zh}，实际为{got_zh}",
        )
    if top == "FeatureCollection" and not isinstance(obj.get("features"), list):
        raise InvalidFile(
            f'{name}: not GeoJSON: the FeatureCollection\'s "features" is not an array',
            f'{name}：不是 GeoJSON：FeatureCollection 的 "features" 不是数组',
        )
    return obj


def _feature_problem(number: int, feature: Any) -> RowProblem | None:
    """Why the `number`-th element of ``features`` is not a Feature, or None."""
    what = f"feature {number} is not a GeoJSON Feature"
    what_zh = f"第 {number} 个要素不是 GeoJSON Feature"
    if not isinstance(feature, dict):
        kind, kind_zh = _kind(feature)
        return RowProblem(
            "invalid_feature", f"{what}: it is {kind}, not an object",
            f"{what_zh}：它是{kind_zh}，不是对象", _shown(feature),
        )  # fmt: skip
    declared = feature.get("type")
    if declared is None:
        return RowProblem("invalid_feature", f'{what}: it has no "type"', f'{what_zh}：缺少 "type"')
    if declared != "Feature":
        return RowProblem(
            "invalid_feature", f'{what}: its "type" is {_shown(declared)}',
            f'{what_zh}："type" 为 {_shown(declared)}', _shown(declared),
        )  # fmt: skip
    properties = feature.get("properties")
    if properties is not None and not isinstance(properties, dict):
        kind, kind_zh = _kind(properties)
        return RowProblem(
            "invalid_feature", f'{what}: its "properties" is {kind}, not an object',
            f'{what_zh}：其 "properties" 是{kind_zh}，不是对象', _shown(properties),
        )  # fmt: skip
    return None


def _point(geometry: Any) -> tuple[float, float] | str:
    """A geometry's point as written, or why it has none (``RawRow.geometry_problem``)."""
    if geometry is None:
        return "missing"
    if not isinstance(geometry, dict):
        return "invalid"
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        return "empty" if geometry.get("geometries") == [] else "GeometryCollection"
    if kind not in _GEOMETRY_TYPES:
        return "invalid"
    coordinates = geometry.get("coordinates")
    if coordinates == []:
        return "empty"
    if kind == "MultiPoint" and isinstance(coordinates, list):
        if len(coordinates) > 1:
            return "MultiPoint"
        coordinates = coordinates[0]  # a MultiPoint of one point, as some tools write
    elif kind != "Point":
        return str(kind)
    if not (isinstance(coordinates, list) and len(coordinates) >= 2):
        return "invalid"
    x, y = coordinates[0], coordinates[1]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y)):
        return "invalid"
    try:
        return float(x), float(y)
    except OverflowError:  # an integer with hundreds of digits
        return "invalid"


def _crs(
    collection: dict[str, Any], name: str, notes: list[str]
) -> tuple[Datum | None, str | None]:
    """GCJ-02/BD-09 when the file names one, and the CRS to read coordinates in."""
    crs = collection.get("crs")
    props = crs.get("properties") if isinstance(crs, dict) else None
    crs_name: Any = None
    if isinstance(props, dict):
        crs_name = props.get("name")
        if crs_name is None and isinstance(props.get("code"), int):  # {"type": "EPSG"}
            crs_name = f"EPSG:{props['code']}"
    said = [crs_name, collection.get("datum")]  # "datum": the member our exports write
    for text in said:
        if isinstance(text, str):
            try:
                datum = parse_datum(text)
            except StationError:
                continue
            if datum in (Datum.GCJ02, Datum.BD09):
                return datum, None
    if not isinstance(crs_name, str):
        return None, "EPSG:4326"  # RFC 7946: WGS84 longitude/latitude
    try:
        read_crs(crs_name, name)
    except StationError:
        notes.append(
            f"the crs member names {_shown(crs_name)}, which is not a known coordinate "
            "reference system; ignored"
        )
        return None, "EPSG:4326"
    return None, crs_name


def _is_id(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def _value(value: Any) -> Any:
    """A property as a cell: text stripped, lists joined, objects as JSON text."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else str(value)
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, list):
        items = [i if isinstance(i, str) else json.dumps(i, ensure_ascii=False) for i in value]
        return clean(",".join(i for i in items if i != "null"))
    return json.dumps(value, ensure_ascii=False)
