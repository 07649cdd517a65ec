"""Answers of the health probes, the audit log, imports and coverage figures."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.schemas.common import (
    AmenityCode,
    Count,
    DatumName,
    Link,
    Strict,
    UtcTimestamp,
)

# ------------------------------------------------------------------------------ health


class Liveness(Strict):
    """The process answers (``GET /healthz``)."""

    status: Literal["ok"]


class Readiness(Strict):
    """The store answers and the index is built (``GET /readyz``)."""

    status: Literal["ready"]
    stations: Count = Field(description="Stations in the registry / 站点总数")


# ------------------------------------------------------------------------------- audit


AuditAction = Literal[
    "create", "update", "delete", "import", "key_create", "key_revoke",
    "report_confirm", "report_dismiss", "reopen",
]  # fmt: skip


class AuditEntry(Strict):
    """One write to the registry / 一条操作记录."""

    seq: int = Field(ge=1, description="Position in the log (increasing, never reused)")
    at: UtcTimestamp = Field(description="When (UTC) / 时间")
    actor: str = Field(description="Who: `key:12`, `bootstrap`, `cli:alice`, `system`")
    actor_name: str = Field(description="Their label / 操作人")
    action: AuditAction
    station_id: int | None = Field(description="The station written; null for import and keys")
    before: dict[str, Any] | None = Field(
        description="Fields before (update: only those that changed; delete: all); "
        "editable fields of a station in their JSON form / 修改前"
    )
    after: dict[str, Any] | None = Field(
        description="Fields after (create: all; update: only those that changed); for "
        "report_confirm and report_dismiss the verdict: kind, reports (their ids), note and "
        "changed (the station's fields confirming changed) and reopens_at; for reopen "
        "reopens_at, report, set_by and set_at / 修改后"
    )
    summary: dict[str, Any] | None = Field(
        description="An import's file, mode, datum and row counts, or the key an entry is about"
    )


class AuditPage(Strict):
    """Audit entries, newest first / 操作日志."""

    numberReturned: Count  # noqa: N815
    links: list[Link] = Field(description="self, and next (older entries) when there may be more")
    entries: list[AuditEntry]


# ----------------------------------------------------------------------------- imports


class ImportIssue(Strict):
    """One problem in one row, or in the file (row null) / 导入问题."""

    row: int | None = Field(description="Row number as a spreadsheet shows it; null: the file")
    column: str | None = Field(description="The column, when one is to blame / 列名")
    code: str = Field(
        description="Stable code, e.g. `invalid_coordinate`, `outside_your_districts`"
    )
    severity: Literal["error", "warning"] = Field(
        description="error: the row is rejected or a duplicate; warning: kept"
    )
    message: str
    message_zh: str
    value: str | None = Field(default=None, description="The value read, when there is one")


class ImportReport(Strict):
    """What an import did, accounting for every row / 导入报告."""

    file: str = Field(description="The file's name as uploaded")
    format: str = Field(description="xlsx, csv, geojson, gpkg, shp, ...")
    mode: Literal["commit", "atomic", "dry_run"]
    datum: DatumName = Field(description="Datum the coordinates were read in / 坐标系")
    datum_source: Literal["option", "header", "file", "default"] = Field(
        description="Where the datum came from: the crs option, a column header, the file, "
        "or the default (gcj02, with a warning)"
    )
    mapping: dict[str, str] = Field(description="Station field -> column read / 字段映射")
    unmapped: list[str] = Field(description="Columns not read / 未使用的列")
    encoding: str | None = Field(description="Text encoding read (CSV, Shapefile)")
    sheet: str | None = Field(description="Spreadsheet sheet read")
    notes: list[str]
    committed: bool = Field(description="Whether anything was written / 是否已写入")
    rows: Count
    created: Count
    updated: Count
    unchanged: Count
    duplicates: Count
    rejected: Count
    issues: list[ImportIssue]


class JobProgress(Strict):
    """How far a running import has read."""

    rows_done: Count = Field(description="Rows read so far.")
    rows_total: Count | None = Field(description="Rows in the file, when the file says.")


class ImportOptionsDocument(Strict):
    """How the import was asked to read its file."""

    crs: str | None
    sheet: str | None
    encoding: str | None
    columns: dict[str, str] | None


class JobError(Strict):
    """Why an import job failed, in both languages."""

    code: str
    message: str
    message_zh: str
    details: list[dict[str, Any]] | None = None


class ImportJobDocument(Strict):
    """An import job / 导入任务."""

    id: str = Field(pattern=r"^[0-9a-f]{32}$", description="32 hex digits.")
    status: Literal["queued", "running", "succeeded", "failed"]
    file: str = Field(description="The file's name as uploaded.")
    mode: Literal["commit", "atomic", "dry_run"]
    options: ImportOptionsDocument = Field(description="`crs`, `sheet`, `encoding`, `columns`.")
    actor: str = Field(description="Who started it, as the audit log names them.")
    actor_name: str
    progress: JobProgress
    created_at: UtcTimestamp | None
    started_at: UtcTimestamp | None
    heartbeat_at: UtcTimestamp | None = Field(description="Its last sign of life.")
    finished_at: UtcTimestamp | None
    report: ImportReport | None = Field(
        description="The import report, as `POST /v1/imports` answers it, once succeeded."
    )
    error: JobError | None = Field(
        description="`code`, `message`, `message_zh`, `details`, once failed "
        "(`import_too_costly`: a memory or CPU limit; `import_interrupted`: its process "
        "ended before finishing)."
    )


# ---------------------------------------------------------------------------- coverage


class AreaName(Strict):
    """An area of the coverage answer, by key and name."""

    key: str = Field(description="The area as asked (adcode, beijing, a bbox key)")
    name: str = Field(description="中文名称")
    name_en: str = Field(description="English name")


class RadiusFigures(Strict):
    """Coverage at one radius."""

    radius_m: float = Field(gt=0, description="Service radius, metres / 服务半径")
    covered_km2: float = Field(ge=0, description="Area within the radius, km² / 覆盖面积")
    share: float = Field(ge=0, le=1, description="Share of the area covered / 覆盖率")
    demand_share: float | None = Field(description="Share of demand covered (with demand points)")


class FilterFigures(Strict):
    """Coverage of one amenity filter at each radius."""

    amenities: list[AmenityCode] = Field(description="The filter's codes (all required)")
    matching_stations: Count = Field(description="Stations with all of them / 符合条件的站点")
    radii: list[RadiusFigures]


class DistrictFigures(Strict):
    """One district's coverage figures."""

    adcode: str | None = Field(description="The district's adcode (the whole area: its key)")
    name: str
    name_en: str
    area_km2: float = Field(ge=0, description="Land area, km² / 面积")
    stations: Count = Field(description="Open stations / 开放站点")
    demand_weight: float | None = Field(description="Demand in it (with demand points)")
    filters: list[FilterFigures]


class DemandSummary(Strict):
    """The demand points the coverage was weighted by."""

    points: Count
    datum: DatumName
    datum_source: str


class CoverageStats(Strict):
    """Coverage figures per district / 各区覆盖统计."""

    area: AreaName
    equal_area_crs: str = Field(description="PROJ string of the equal-area CRS measured in")
    radii_m: list[float]
    filters: list[list[AmenityCode]] = Field(description="Amenity filters; [] is every station")
    status: Literal["open"] = Field(description="Stations counted: open ones")
    demand: DemandSummary | None = Field(default=None, description="With demand points only")
    districts: list[DistrictFigures]
    total: DistrictFigures = Field(description="The whole area / 全域")
