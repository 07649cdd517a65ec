"""Import a station list into the registry: validate, match, upsert, report.

The file is read as a stream and handled in chunks of ``chunk_size`` rows inside one
registry transaction, so memory holds one chunk (plus a few bytes per row for duplicate
detection) and the registry changes all at once on commit or not at all:

- ``commit`` (default): good rows are committed, bad rows reported;
- ``atomic``: nothing is committed if any row is rejected;
- ``dry_run``: everything is validated and counted, nothing is written.

Matching: a row with an ``external_id`` updates the station that has it. A row without
one updates a station with the same normalised name within 30 m, instead of creating a
twin. An update writes only the columns the file has; ``updated_at`` moves only if a
value changed, so importing the same file twice changes nothing.

Concurrent writers: the stations a chunk matches are read locked (PostgreSQL
``FOR UPDATE``; on SQLite the import's transaction holds the write lock from its start),
so no other worker or server can change them until the import commits: an edit made
meanwhile waits, then applies on top of the import. And the UPDATE names only the
columns the row changed, so the stored values of columns the file lacks are never
written back (issue 22: an import of phones reverted addresses edited meanwhile).

Access: a row whose station the actor may not change (an editor's row outside their
districts, before or after the change) is rejected as ``outside_your_districts``,
never written. A committed import is recorded in the audit log: one entry per station
created or updated, then one with the report's counts (``geo.audit``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from geo.access import SYSTEM, Actor
from geo.datums import Datum, parse_datum
from geo.errors import InvalidParameter, UnknownCRS
from geo.geodesy import GEOD
from geo.imports.columns import ColumnMapping, recognise_columns
from geo.imports.matching import Matcher
from geo.imports.readers import RawRow, Source, open_source
from geo.imports.readers.guard import MAX_ROWS
from geo.imports.report import ImportReport, Issue, Outcome
from geo.imports.rows import read_rows
from geo.imports.sheets import missing_fields, refuse_missing_columns
from geo.model import PLACE_FIELDS, Station, StationData, build_station_data, utc_now
from geo.registry import Registry, station_fields

MODES = ("commit", "atomic", "dry_run")
# Lists in China are usually made by picking points on Amap or Tencent maps.
DEFAULT_DATUM = Datum.GCJ02
# Below this a re-imported position is the stored one (exports keep 7 decimals, ~1 cm).
SAME_PLACE_M = 0.05
VECTOR_FORMATS = frozenset({"geojson", "gpkg", "shp"})


def _datum(
    source: Source, mapping: ColumnMapping, crs: str | None
) -> tuple[Datum, str, Issue | None]:
    """The datum of the coordinates, where it came from, and a warning if any."""
    said_by = mapping.datum or (_file_datum(source.file_crs) if source.file_crs else None)
    if crs is not None:
        datum = parse_datum(crs)
        if said_by is None or said_by is datum:
            return datum, "option", None
        return datum, "option", Issue(
            None, mapping.datum_header, "datum_conflict", "warning",
            f"the file suggests {said_by.value}, but the crs option says {datum.value}; "
            f"imported as {datum.value}",
            f"文件显示坐标系为 {said_by.value}，但 crs 选项指定为 {datum.value}；"
            f"已按 {datum.value} 导入",
        )  # fmt: skip
    if said_by is not None:
        return said_by, "header" if mapping.datum is not None else "file", None
    return DEFAULT_DATUM, "default", Issue(
        None, None, "datum_assumed", "warning",
        f"the file does not say which datum its coordinates use; assumed "
        f"{DEFAULT_DATUM.value} (Amap/Tencent); state it with the crs option "
        "(wgs84, gcj02, bd09) if that is wrong",
        f"文件未说明坐标系，已按 {DEFAULT_DATUM.value}（高德/腾讯）处理；"
        "如不正确请用 crs 选项指定（wgs84、gcj02、bd09）",
    )  # fmt: skip


def _file_datum(file_crs: str) -> Datum:
    """A vector file's datum: one we know by name (e.g. "gcj02" written by Chinese tools),
    else WGS84 (the reader has already turned any GIS CRS, such as EPSG:4490, into lon/lat).
    """
    try:
        return parse_datum(file_crs)
    except UnknownCRS:
        return Datum.WGS84


def _require_columns(mapping: ColumnMapping, source: Source, filename: str | None) -> None:
    missing = missing_fields(mapping, has_point=source.format in VECTOR_FORMATS)
    if missing:
        raise refuse_missing_columns(source, missing, filename=filename)


def _merge(current: Station, data: StationData, given: frozenset[str]) -> StationData | None:
    """The station after the row: the file's columns over the stored values; None when
    that is what is stored (a re-imported row), without validating anything again."""
    stored = station_fields(current)
    kept = ("lon", "lat", *PLACE_FIELDS)  # the place follows the position kept
    fields = stored | {f: getattr(data, f) for f in given if f not in kept}
    if data.external_id is None:
        fields["external_id"] = current.external_id
    if (current.lon, current.lat) != (data.lon, data.lat) and (
        GEOD.inv(current.lon, current.lat, data.lon, data.lat)[2] > SAME_PLACE_M
    ):
        fields |= {f: getattr(data, f) for f in kept}
    if fields == stored:
        return None
    return build_station_data(fields)


def _outside(actor: Actor, row: int, *states: StationData) -> Issue | None:
    """The issue rejecting a row whose station the actor may not change: the station
    before (an update) and after the row must both be in the actor's districts
    (``Actor.refusal``: the districts their positions are in)."""
    for state in states:
        refusal = actor.refusal(state)
        if refusal is not None:
            return Issue(
                row, "lon/lat", "outside_your_districts", "error",
                f"{refusal.message}; row not written", f"{refusal.message_zh}，该行未写入",
                state.adcode,
            )  # fmt: skip
    return None


def _audit_summary(report: ImportReport) -> dict[str, Any]:
    """The import's audit entry: what was imported and the counts (not the issues)."""
    keys = ("file", "format", "mode", "datum", "rows", "created", "updated", "unchanged")
    return {k: getattr(report, k) for k in (*keys, "duplicates", "rejected")}


def import_file(
    registry: Registry,
    path: Path,
    *,
    crs: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    columns: Mapping[str, str] | None = None,
    mode: str = "commit",
    filename: str | None = None,
    chunk_size: int = 2000,
    progress: Callable[[int, int | None], None] | None = None,
    actor: Actor = SYSTEM,
    max_rows: int = MAX_ROWS,
) -> ImportReport:
    """Import one station list file and return the report.

    Parameters
    ----------
    registry : Registry
        Where the stations go.
    path : Path
        The file: .xlsx, .csv, .geojson, .gpkg, .shp or a zipped Shapefile.
    crs : str, optional
        Datum of the coordinates; otherwise from the headers, the file, or GCJ-02.
    sheet, encoding : str, optional
        Spreadsheet sheet name; CSV text encoding (detected when not given).
    columns : mapping, optional
        Field name -> header, overriding the recognised columns.
    mode : str
        ``commit``, ``atomic`` or ``dry_run``.
    filename : str, optional
        The name the user gave the file (for uploads stored under another name).
    progress : callable, optional
        Called with (rows done, total rows or None) after each chunk.
    actor : Actor
        Who imports: rows outside an editor's districts are rejected; the audit log
        names them.

    Raises
    ------
    InvalidFile, InvalidParameter
        When the file cannot be read at all; row problems go into the report instead.
    """
    if mode not in MODES:
        raise InvalidParameter(
            f"unknown import mode {mode!r}; expected one of {', '.join(MODES)}",
            f"未知的导入模式 {mode!r}；可选：{', '.join(MODES)}",
        )
    with open_source(
        path, sheet=sheet, encoding=encoding, filename=filename, max_rows=max_rows
    ) as source:
        mapping = recognise_columns(
            source.headers, explicit=columns, has_point=source.format in VECTOR_FORMATS
        )
        _require_columns(mapping, source, filename)
        datum, datum_source, datum_issue = _datum(source, mapping, crs)
        report = ImportReport(
            file=filename or path.name,
            format=source.format,
            mode=mode,
            datum=datum.value,
            datum_source=datum_source,
            mapping=dict(mapping.columns),
            unmapped=list(mapping.unmapped),
            encoding=source.encoding,
            sheet=source.sheet,
            notes=list(source.notes),
        )
        if datum_issue is not None:
            report.issues.append(datum_issue)
        with registry.transaction(actor=actor) as tx:
            matcher = Matcher(tx, id_header=mapping.columns.get("external_id"))
            chunk: list[RawRow] = []
            for raw in source.rows:
                chunk.append(raw)
                if len(chunk) >= chunk_size:
                    _import_chunk(chunk, mapping, datum, matcher, report, actor)
                    chunk = []
                    if progress:
                        progress(report.rows, source.total_rows)
            _import_chunk(chunk, mapping, datum, matcher, report, actor)
            if progress:
                progress(report.rows, source.total_rows)
            if mode == "commit" or (mode == "atomic" and report.rejected == 0):
                tx.commit(summary=_audit_summary(report))
                report.committed = True
    assert report.balanced, "every row must be counted exactly once"
    return report


def _import_chunk(
    chunk: list[RawRow],
    mapping: ColumnMapping,
    datum: Datum,
    matcher: Matcher,
    report: ImportReport,
    actor: Actor,
) -> None:
    spreadsheet = report.format not in VECTOR_FORMATS
    creates: list[StationData] = []
    updates: list[tuple[Station, StationData]] = []  # (as read, locked; as the row makes it)
    results = read_rows(chunk, mapping, datum, spreadsheet=spreadsheet)
    valid = [r.data for r in results if r.data is not None]
    keys = matcher.chunk_keys(valid)
    by_external_id = matcher.tx.get_by_external_ids([d.external_id for d in valid if d.external_id])
    i = -1  # index of the row among the chunk's valid rows
    for raw, result in zip(chunk, results, strict=True):
        report.issues.extend(result.issues)  # in row order, as the user reads the file
        data = result.data
        if data is None:
            report.count(Outcome.REJECTED)
            continue
        i += 1
        duplicate = matcher.duplicate_of(keys, i, raw.number, data)
        if duplicate is not None:
            report.issues.append(duplicate)
            rejected = duplicate.code == "duplicate_external_id"
            report.count(Outcome.REJECTED if rejected else Outcome.DUPLICATE)
            continue
        current = matcher.existing(raw.number, data, by_external_id, actor)
        if isinstance(current, Issue):
            report.issues.append(current)
            report.count(Outcome.REJECTED)
            continue
        if current is None:
            outside = _outside(actor, raw.number, data)
            if outside is not None:
                report.issues.append(outside)
                report.count(Outcome.REJECTED)
                continue
            creates.append(data)
            report.count(Outcome.CREATED)
            continue
        first = matcher.claimed_by(current.id)
        if first is not None:
            report.issues.append(
                Issue(
                    raw.number,
                    None,
                    "duplicate_station",
                    "error",
                    f"matches the same station as row {first}",
                    f"与第 {first} 行对应同一驿站",
                    data.name,
                )
            )
            report.count(Outcome.DUPLICATE)
            continue
        merged = _merge(current, data, result.given)
        outside = _outside(actor, raw.number, current, merged or current)
        if outside is not None:
            report.issues.append(outside)
            report.count(Outcome.REJECTED)
            continue
        matcher.claim(current.id, raw.number)
        if merged is None or station_fields(merged) == station_fields(current):
            report.count(Outcome.UNCHANGED)
        else:
            updates.append((current, merged))
            report.count(Outcome.UPDATED)
    matcher.end_chunk()
    now = utc_now()
    matcher.tx.add_many(creates, now=now)
    matcher.tx.update_many(updates, now=now)
