"""A site plan's answer written as a file: JSON, CSV, GeoJSON or XLSX.

The document is :meth:`geo.planning.sites.SitesResult.as_dict`. CSV is the sites, one
row each, UTF-8 with a byte-order mark (Excel reads the Chinese names); XLSX has a
sheet of the sites and one of the districts before and after; GeoJSON the sites as
points with their properties. A name is a cell, never a formula
(:func:`geo.formulas.escape_formula`), in CSV and XLSX alike.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Final

from geo.errors import InvalidParameter
from geo.formulas import escape_formula

__all__ = ["MEDIA_TYPES", "SITE_FORMATS", "check_sites_format", "write_sites"]

SITE_FORMATS: Final = ("json", "csv", "geojson", "xlsx")
MEDIA_TYPES: Final = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_SITE_COLUMNS: Final = ("rank", "name", "lon", "lat", "adcode", "gain_weight")
_DISTRICT_COLUMNS: Final = (
    "adcode", "name", "name_en", "total_weight", "covered_before", "covered_after",
)  # fmt: skip


def check_sites_format(fmt: str, formats: tuple[str, ...] = SITE_FORMATS) -> str:
    """A format name of `formats` (default ``json``, ``csv``, ``geojson``, ``xlsx``; the
    API adds ``html``).

    Raises
    ------
    InvalidParameter
        For another name.
    """
    value = (fmt or "").strip().lower()
    if value not in formats:
        accepted = ", ".join(formats)
        raise InvalidParameter(
            f"format={fmt!r} is invalid: expected one of {accepted}",
            f"参数 format={fmt!r} 无效：应为 {accepted} 之一",
            details=[{"parameter": "format", "value": str(fmt)[:80], "accepted": list(formats)}],
        )
    return value


def _site_cells(site: dict[str, Any]) -> list[Any]:
    cells = [site[c] if site[c] is not None else "" for c in _SITE_COLUMNS]
    cells[1] = escape_formula(cells[1])
    return cells


def _district_cells(row: dict[str, Any]) -> list[Any]:
    return [row[c] if row[c] is not None else "" for c in _DISTRICT_COLUMNS]


def _csv(doc: dict[str, Any]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_SITE_COLUMNS)
    writer.writerows(_site_cells(s) for s in doc["sites"])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _geojson(doc: dict[str, Any]) -> bytes:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
            "properties": {k: v for k, v in s.items() if k not in ("lon", "lat")},
        }
        for s in doc["sites"]
    ]
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8")


def _xlsx(doc: dict[str, Any]) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

    book = Workbook()
    sites = book.active
    assert sites is not None
    sites.title = "sites"
    sites.append(list(_SITE_COLUMNS))
    for s in doc["sites"]:
        sites.append(_site_cells(s))
    sites.freeze_panes = "A2"
    districts = book.create_sheet("districts")
    districts.append(list(_DISTRICT_COLUMNS))
    for row in doc["districts"]:  # names from the shipped boundaries
        districts.append(_district_cells(row))
    districts.append(["", "合计 total", "total", doc["total_weight"],
                      doc["existing_covered_weight"], doc["covered_weight"]])  # fmt: skip
    districts.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_sites(doc: dict[str, Any], fmt: str) -> bytes:
    """The answer `doc` as the bytes of a ``json``, ``csv``, ``geojson`` or ``xlsx`` file.

    Raises
    ------
    InvalidParameter
        For another format.
    """
    fmt = check_sites_format(fmt.removeprefix("."))  # a file's suffix will do
    if fmt == "json":
        return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return {"csv": _csv, "geojson": _geojson, "xlsx": _xlsx}[fmt](doc)
