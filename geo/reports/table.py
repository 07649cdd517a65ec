"""Couriers' open reports by district and kind, for planners: JSON, CSV or XLSX.

One row per district that has any active report (near enough to count) in the area
asked about, then a row for the whole area; for each report kind, the number of
stations with an active report of that kind. A station with two kinds reported counts
in both columns and once in ``stations_reported``. CSV is UTF-8 with a byte-order mark
(Excel reads the Chinese names), as the coverage tables are.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from geo.clock import iso
from geo.coverage.table import check_format
from geo.reports.kinds import REPORT_KINDS

if TYPE_CHECKING:
    from geo.storage.base import ReportRecords

__all__ = [
    "DistrictReports", "ReportTable", "build_report_table", "report_table", "write_report_table",
]  # fmt: skip

KINDS: Final = tuple(k for k in REPORT_KINDS if k.is_problem)


@dataclass(frozen=True, slots=True)
class DistrictReports:
    """One district's active reports: stations per kind, and reports in all."""

    adcode: str | None
    district: str | None
    district_en: str | None
    stations: dict[str, int]  # kind -> stations with an active report of it
    reports: int  # active reports of every kind (one per client, station and kind)
    stations_reported: int  # stations with any active report


@dataclass(frozen=True, slots=True)
class ReportTable:
    """The table: its area, the moment it describes, its districts and total."""

    area: str
    at: datetime
    districts: tuple[DistrictReports, ...]
    total: DistrictReports

    def document(self) -> dict[str, Any]:
        """The table as JSON."""
        return {
            "area": self.area,
            "at": iso(self.at),
            "kinds": [{"code": k.code, "label_zh": k.zh, "label_en": k.en} for k in KINDS],
            "districts": [_doc(d) for d in self.districts],
            "total": _doc(self.total),
        }


def _doc(d: DistrictReports) -> dict[str, Any]:
    return {
        "adcode": d.adcode,
        "district": d.district,
        "district_en": d.district_en,
        "stations_reported": d.stations_reported,
        "reports": d.reports,
        "stations_by_kind": {k.code: d.stations.get(k.code, 0) for k in KINDS},
    }


def report_table(
    area: str, at: datetime, counts: Sequence[tuple[str | None, str, int, int]]
) -> ReportTable:
    """Build the table from the store's counts (``ReportRecords.open_report_counts``:
    rows of kind ``""`` count each district's reports, and its stations once)."""
    from geo.outlines.english import english_name
    from geo.outlines.national import outlines

    by_kind: dict[str | None, dict[str, int]] = {}
    every: dict[str | None, tuple[int, int]] = {}  # adcode -> (reports, stations)
    for adcode, kind, n_reports, n_stations in counts:
        if kind == "":
            every[adcode] = (n_reports, n_stations)
        else:
            by_kind.setdefault(adcode, {})[kind] = n_stations
    o = outlines()
    rows = []
    for adcode in sorted(every, key=lambda a: a or "~"):
        place = o.places[o.by_adcode[adcode]] if adcode in o.by_adcode else None
        name = place.district if place is not None else None
        reports, stations = every[adcode]
        rows.append(
            DistrictReports(
                adcode,
                name,
                english_name(name) if name else None,
                by_kind.get(adcode, {}),
                reports,
                stations,
            )
        )
    districts = tuple(rows)
    total_by_kind = Counter[str]()
    for d in districts:
        total_by_kind.update(d.stations)
    total = DistrictReports(
        None, None, None, dict(total_by_kind), sum(d.reports for d in districts),
        sum(d.stations_reported for d in districts),
    )  # fmt: skip
    return ReportTable(area, at, districts, total)


_COLUMNS: Final = (
    "adcode", "district", "district_en", "stations_reported", "reports",
    *(k.code for k in KINDS),
)  # fmt: skip


def _flat(d: DistrictReports, *, total: bool) -> list[Any]:
    head = ["", "合计 total", "total"] if total else [d.adcode, d.district, d.district_en]
    return [*head, d.stations_reported, d.reports, *(d.stations.get(k.code, 0) for k in KINDS)]


def write_report_table(table: ReportTable, fmt: str) -> bytes:
    """The table as ``json``, ``csv`` or ``xlsx`` bytes (``InvalidParameter`` else).

    District names come from the shipped outlines and labels from the vocabulary: no
    cell holds text a user sent, so nothing needs neutralising for a spreadsheet.
    """
    fmt = check_format(fmt)
    if fmt == "json":
        return (json.dumps(table.document(), ensure_ascii=False, indent=2) + "\n").encode()
    rows = [_flat(d, total=False) for d in table.districts] + [_flat(table.total, total=True)]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(_COLUMNS)
        writer.writerows(rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "reports"
    sheet.append(list(_COLUMNS))
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_report_table(store: ReportRecords, *, area: str | None, now: datetime) -> ReportTable:
    """The table of an area (a province, city or district by adcode or Chinese name;
    None: every district) at ``now``."""
    from geo.outlines.areas import districts_of

    adcodes = None if area is None else districts_of(area, field="area")
    counts = store.open_report_counts(now, adcodes)
    return report_table(area or "全国 / all of mainland China", now, counts)
