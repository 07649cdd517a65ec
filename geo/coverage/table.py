"""Coverage figures as a table: flat rows for CSV and XLSX, a nested document for JSON.

One row per district and amenity filter (then one for the whole area), columns::

    adcode, district, district_en, area_km2, stations, amenities, matching_stations,
    covered_km2_<r>m, share_<r>m [, demand_share_<r>m] for each radius r, [demand_weight]

Shares are fractions in [0, 1]. CSV is UTF-8 with a byte-order mark, so that Excel,
which planners open it with, reads the Chinese names correctly.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Final

from geo.coverage.compute import CoverageResult, DistrictFigures
from geo.errors import InvalidParameter

__all__ = ["FORMATS", "MEDIA_TYPES", "coverage_document", "coverage_rows", "write_table"]

FORMATS: Final = ("csv", "json", "xlsx")
MEDIA_TYPES: Final = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_AREA_DECIMALS: Final = 4  # km²: 100 m²
_SHARE_DECIMALS: Final = 6


def _r(radius_m: float) -> str:
    return f"{radius_m:g}m"


def _columns(result: CoverageResult) -> list[str]:
    cols = ["adcode", "district", "district_en", "area_km2", "stations", "amenities"]
    cols.append("matching_stations")
    for radius in result.radii:
        cols += [f"covered_km2_{_r(radius)}", f"share_{_r(radius)}"]
        if result.demand is not None:
            cols.append(f"demand_share_{_r(radius)}")
    if result.demand is not None:
        cols.append("demand_weight")
    return cols


def _rows_of(d: DistrictFigures, result: CoverageResult) -> list[dict[str, Any]]:
    rows = []
    for ff in d.filters:
        row: dict[str, Any] = {
            "adcode": d.adcode or "",
            "district": d.name,
            "district_en": d.name_en,
            "area_km2": round(d.area_km2, _AREA_DECIMALS),
            "stations": d.stations,
            "amenities": ff.filter.key,
            "matching_stations": ff.matching_stations,
        }
        for rf in ff.radii:
            row[f"covered_km2_{_r(rf.radius_m)}"] = round(rf.covered_km2, _AREA_DECIMALS)
            row[f"share_{_r(rf.radius_m)}"] = round(rf.share, _SHARE_DECIMALS)
            if result.demand is not None:
                share = None if rf.demand_share is None else round(rf.demand_share, _SHARE_DECIMALS)
                row[f"demand_share_{_r(rf.radius_m)}"] = share
        if result.demand is not None:
            row["demand_weight"] = d.demand_weight
        rows.append(row)
    return rows


def coverage_rows(result: CoverageResult) -> list[dict[str, Any]]:
    """One row per district and filter, then the whole area's rows (see module doc)."""
    rows = [row for d in result.districts for row in _rows_of(d, result)]
    return rows + _rows_of(result.total, result)


def _district_doc(d: DistrictFigures) -> dict[str, Any]:
    return {
        "adcode": d.adcode,
        "name": d.name,
        "name_en": d.name_en,
        "area_km2": round(d.area_km2, _AREA_DECIMALS),
        "stations": d.stations,
        "demand_weight": d.demand_weight,
        "filters": [
            {
                "amenities": list(ff.filter.codes),
                "matching_stations": ff.matching_stations,
                "radii": [
                    {
                        "radius_m": rf.radius_m,
                        "covered_km2": round(rf.covered_km2, _AREA_DECIMALS),
                        "share": round(rf.share, _SHARE_DECIMALS),
                        "demand_share": rf.demand_share,
                    }
                    for rf in ff.radii
                ],
            }
            for ff in d.filters
        ],
    }


def coverage_document(result: CoverageResult) -> dict[str, Any]:
    """The figures as a JSON-ready document, with the area, CRS and parameters (and the
    demand points' count and the datum they were read in)."""
    doc: dict[str, Any] = {
        "area": {"key": result.area.key, "name": result.area.name, "name_en": result.area.name_en},
        "equal_area_crs": result.crs.srs,  # the PROJ string it was made from
        "radii_m": list(result.radii),
        "filters": [list(f.codes) for f in result.filters],
        "status": "open",
    }
    if result.demand is not None:
        d = result.demand
        doc["demand"] = {"points": len(d), "datum": d.datum, "datum_source": d.datum_source}
    return doc | {
        "districts": [_district_doc(d) for d in result.districts],
        "total": _district_doc(result.total),
    }


def check_format(fmt: str) -> str:
    """Validate a table format name."""
    value = (fmt or "").strip().lower()
    if value not in FORMATS:
        raise InvalidParameter(
            f"format={fmt!r} is invalid: expected one of {', '.join(FORMATS)}",
            f"参数 format={fmt!r} 无效：应为 {', '.join(FORMATS)} 之一",
            details=[{"parameter": "format", "value": str(fmt), "accepted": list(FORMATS)}],
        )
    return value


def write_table(result: CoverageResult, fmt: str) -> bytes:
    """The figures as ``csv``, ``json`` or ``xlsx`` bytes.

    Raises
    ------
    InvalidParameter
        For another format.
    """
    fmt = check_format(fmt)
    if fmt == "json":
        text = json.dumps(coverage_document(result), ensure_ascii=False, indent=2) + "\n"
        return text.encode("utf-8")
    columns, rows = _columns(result), coverage_rows(result)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "coverage"
    sheet.append(columns)
    for row in rows:  # every text cell comes from the shipped boundaries or the vocabulary
        sheet.append([row[c] for c in columns])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
