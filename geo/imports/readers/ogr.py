"""GeoPackages and Shapefiles (plain or zipped), read through GDAL (pyogrio).

Features are numbered from 2, as if a header were row 1. A Shapefile's attribute
encoding is the one stated, else its ``.cpg``, else detected (UTF-8 or GB18030: Chinese
desktop GIS writes GBK without a ``.cpg``).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Final

import numpy as np
import pyogrio  # type: ignore[import-untyped]
import pyogrio.raw  # type: ignore[import-untyped]

from geo.errors import InvalidFile
from geo.imports.readers.base import (
    RawRow,
    RowStream,
    Source,
    clean,
    make_headers,
    unreadable,
    warnings_as_notes,
)
from geo.imports.readers.points import lonlat, wkb_points

_FORMAT_NAMES: Final = {"gpkg": "a GeoPackage", "shp": "a Shapefile"}


def open_ogr(
    path: Path, name: str, fmt: str, *, zipped: bool, layer: str | None, encoding: str | None
) -> Source:
    """Open a GeoPackage layer or a Shapefile; `encoding` is checked already."""
    notes: list[str] = []
    dataset, cpg = _shapefile_path(path, name, zipped) if fmt == "shp" else (str(path), None)
    paths: list[str | Path] = [dataset, path.resolve(), path, path.resolve().parent]  # GDAL echoes
    if fmt == "gpkg":
        with path.open("rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                raise InvalidFile(
                    f"{name}: not a GeoPackage (a GeoPackage is an SQLite database; export "
                    "the layer again from your GIS)",
                    f"{name}：不是 GeoPackage 文件（GeoPackage 是 SQLite 数据库；"
                    "请从 GIS 软件重新导出）",
                )
        layer = _pick_layer(dataset, name, layer, notes, paths)
    elif layer is not None:
        notes.append(f"sheet/layer option ignored: a {fmt} file has one layer")
    if encoding is not None and fmt != "shp":
        notes.append(f"encoding option ignored: {fmt} text is always UTF-8")
        encoding = None

    def read(with_encoding: str | None) -> tuple[dict[str, Any], Any, Any, Any]:
        try:
            with warnings_as_notes(notes, name, paths):
                result: tuple[dict[str, Any], Any, Any, Any] = pyogrio.raw.read(
                    dataset, layer=layer, encoding=with_encoding, force_2d=True
                )
                return result
        except (RuntimeError, ValueError, OSError) as exc:  # pyogrio errors are RuntimeErrors
            raise unreadable(name, _FORMAT_NAMES[fmt], exc, paths) from None

    meta, _, wkb, arrays = read(encoding)
    used_encoding = None
    if fmt == "shp":
        if encoding is not None:
            used_encoding = encoding
            notes.append(f"attribute encoding as stated: {encoding}")
        elif cpg is not None:
            used_encoding = cpg
            notes.append(f"attribute encoding from the .cpg file: {cpg}")
        elif guess := _guess_dbf_encoding(meta, arrays):
            meta, _, wkb, arrays = read(guess)
            used_encoding = guess
            notes.append(f"no .cpg file; attribute encoding detected: {guess}")
        else:  # ASCII, or a code page from the .dbf header, or undecidable
            used_encoding = str(meta.get("encoding") or "") or None
            notes.append(f"no .cpg file; attributes read as {used_encoding}")

    headers = make_headers(list(meta["fields"]), lambda i: f"column_{i + 1}", notes)
    columns = [
        _column_values(a, t, s)
        for a, t, s in zip(arrays, meta["ogr_types"], meta["ogr_subtypes"], strict=True)
    ]
    count = len(columns[0]) if columns else (len(wkb) if wkb is not None else 0)
    file_crs: str | None = meta.get("crs")
    points: list[tuple[float, float] | None] = [None] * count
    problems: list[str | None] = [None] * count
    if wkb is None:
        notes.append("the layer has no geometry; coordinates must come from columns")
    else:
        xs, ys, found = wkb_points(wkb, count)
        file_crs, points, problems = lonlat(xs, ys, found, file_crs, None, name, notes)

    def rows() -> Iterator[RawRow]:
        for i in range(count):
            values = {h: col[i] for h, col in zip(headers, columns, strict=True)}
            yield RawRow(i + 2, values, points[i], problems[i])

    return Source(
        path, fmt, headers, RowStream(rows()), encoding=used_encoding,
        sheet=layer if fmt == "gpkg" else None, file_crs=file_crs, total_rows=count, notes=notes,
    )  # fmt: skip


def _shapefile_path(path: Path, name: str, zipped: bool) -> tuple[str, str | None]:
    """The GDAL path of the .shp, and the encoding its .cpg states, if it has one."""
    if not zipped:
        siblings = {p.name.lower(): p for p in path.parent.iterdir()}
        stem = path.stem.lower()
        _require_sidecars(name, stem, set(siblings), shown=Path(name).stem)
        cpg = siblings.get(f"{stem}.cpg")
        return str(path), _cpg_text(cpg.read_bytes()) if cpg else None
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            dataset, cpg_member = _zip_member(name, path, members)
            return dataset, _cpg_text(archive.read(cpg_member)) if cpg_member else None
    except (zipfile.BadZipFile, OSError) as exc:
        raise unreadable(name, "a zip archive", exc, [path.resolve(), path]) from None


def _cpg_text(data: bytes) -> str | None:
    return data.decode("ascii", "replace").strip() or None


def _zip_member(name: str, path: Path, members: list[str]) -> tuple[str, str | None]:
    """The GDAL path of the one .shp in a zip, and the name of its .cpg member if any."""
    shps = [
        m
        for m in members
        if m.lower().endswith(".shp")
        and not m.startswith("__MACOSX/")  # macOS resource forks: "._name.shp"
        and not PurePosixPath(m).name.startswith("._")
    ]
    if len(shps) != 1:
        found = ", ".join(members[:10]) + (" ..." if len(members) > 10 else "")
        if not shps:
            raise InvalidFile(
                f"{name}: the zip contains no Shapefile (.shp); it contains: {found or 'nothing'}",
                f"{name}：压缩包中没有 Shapefile（.shp）文件；其中有：{found or '无'}",
            )
        raise InvalidFile(
            f"{name}: the zip contains {len(shps)} Shapefiles ({', '.join(shps)}); "
            "zip one per file",
            f"{name}：压缩包中有 {len(shps)} 个 Shapefile（{'、'.join(shps)}），请每个单独压缩",
        )
    stem = shps[0][:-4].lower()
    lowered = {m.lower(): m for m in members}
    _require_sidecars(name, PurePosixPath(stem).name, {PurePosixPath(m).name for m in lowered})
    # Braces let GDAL find the archive whatever its name (uploads have none).
    return f"/vsizip/{{{path.resolve()}}}/{shps[0]}", lowered.get(f"{stem}.cpg")


def _require_sidecars(name: str, stem: str, names: set[str], shown: str | None = None) -> None:
    """Raise unless ``stem``.dbf and .shx are present; name them after ``shown``."""
    missing = [f"{shown or stem}{e}" for e in (".dbf", ".shx") if f"{stem}{e}" not in names]
    if missing:
        raise InvalidFile(
            f"{name}: the Shapefile is incomplete, missing {', '.join(missing)}; "
            "send all its files together in one .zip",
            f"{name}：Shapefile 不完整，缺少 {'、'.join(missing)}；请将其全部文件打包为一个 .zip",
        )


def _pick_layer(
    dataset: str, name: str, wanted: str | None, notes: list[str], paths: Sequence[str | Path]
) -> str:
    try:
        with warnings_as_notes(notes, name, paths):
            layers = [(str(n), str(g)) for n, g in pyogrio.list_layers(dataset)]
    except (RuntimeError, ValueError, OSError) as exc:
        raise unreadable(name, "a GeoPackage", exc, paths) from None
    names = [n for n, _ in layers]
    if not layers:
        raise InvalidFile(f"{name}: the GeoPackage has no layers", f"{name}：GeoPackage 中没有图层")
    if wanted is not None:
        if wanted not in names:
            raise InvalidFile(
                f"{name}: no layer named {wanted!r}; layers: {', '.join(names)}",
                f"{name}：没有名为 {wanted!r} 的图层；图层有：{'、'.join(names)}",
            )
        return wanted
    chosen = next((n for n, g in layers if "Point" in g), names[0])
    if len(layers) > 1:
        notes.append(f"layer {chosen!r} read (layers: {', '.join(names)})")
    return chosen


def _guess_dbf_encoding(meta: dict[str, Any], arrays: Sequence[Any]) -> str | None:
    """The encoding of a .dbf that GDAL read as ISO-8859-1 for want of a .cpg.

    ISO-8859-1 maps every byte to one character, so encoding the strings back gives the
    file's bytes; they are tried as UTF-8, then as GB18030 (Chinese Windows software
    writes GBK without a .cpg). A value cut mid-character at the field width is allowed
    to fail (1 in 100).
    """
    if str(meta.get("encoding", "")).upper() not in ("ISO-8859-1", "LATIN1", ""):
        return None
    texts = [str(f) for f in meta["fields"]]
    for array in arrays:
        if array.dtype == object:
            texts.extend(v for v in array if isinstance(v, str))
    raw = [t.encode("latin-1", "replace") for t in texts if not t.isascii()]
    if not raw:
        return None
    for candidate in ("utf-8", "gb18030"):
        failures = 0
        for data in raw:
            try:
                data.decode(candidate)
            except UnicodeDecodeError:
                failures += 1
        if failures <= len(raw) // 100:
            return candidate
    return None


def _column_values(array: Any, ogr_type: str, subtype: str) -> list[Any]:
    """Python values of one attribute column: None for nulls, ints stay ints."""
    kind = array.dtype.kind
    if kind == "M":
        return list(array.astype("datetime64[us]").tolist())  # NaT becomes None
    if kind == "f":
        as_int = ogr_type in ("OFTInteger", "OFTInteger64")  # with nulls pyogrio gives floats
        convert: Callable[[float], Any] = (
            bool if subtype == "OFSTBoolean" else int if as_int else float
        )
        return [None if v != v else convert(v) for v in array.tolist()]
    if kind == "O":
        return [_object_value(v) for v in array]
    return list(array.tolist())


def _object_value(value: Any) -> Any:
    if isinstance(value, np.ndarray | list | tuple):  # list fields: ["饮水", "热饭"]
        return ",".join(str(v) for v in value) or None
    if isinstance(value, float) and value != value:
        return None
    return clean(value)
