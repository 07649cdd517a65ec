"""Answers of the couriers' report routes: the kinds, a report sent, the moderators'
listing, and a verdict (``api/routes/reports.py``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.schemas.common import (
    Adcode,
    AmenityCode,
    Count,
    LiveFlag,
    Metres,
    ProblemKindCode,
    ReportKindCode,
    Strict,
    UtcTimestamp,
)

# How a report stands: open (active), expired (open, but past expires_at), confirmed or
# dismissed by an editor, cleared by a later all_good.
ReportState = Literal["open", "expired", "confirmed", "dismissed", "cleared"]


class ReportKindInfo(Strict):
    """A kind of report a courier can send / 反馈类型."""

    code: ReportKindCode
    label_zh: str = Field(description="中文说明，如 停车位已满")
    label_en: str = Field(description="English label, e.g. Parking is full")
    lifetime_hours: float = Field(
        ge=0, description="How long a report stays active unless repeated, hours / 有效时长"
    )
    until_opening: bool = Field(
        description="Ends sooner, at the station's next opening by its hours (closed_now)"
    )
    cleared_by_all_good: bool = Field(description="An all_good report ends it / 一切正常可清除")
    amenities: list[AmenityCode] = Field(
        description="Amenities confirming it removes from the station / 确认后移除的设施"
    )
    confirm_closes_station: bool = Field(
        description="Confirming it makes the station temporarily_closed / 确认后暂停开放"
    )


class ReportKindList(Strict):
    """Every kind of report, in the order flags are listed / 反馈类型表."""

    kinds: list[ReportKindInfo]


class SentReport(Strict):
    """A report as its sender sees it: never who sent it, nor the moderation."""

    id: int = Field(ge=1, description="The report's id / 反馈编号")
    station_id: int
    kind: ReportKindCode
    label_zh: str
    label_en: str
    status: ReportState = Field(
        description="open (active), expired, confirmed, dismissed, cleared (by all_good) / 状态"
    )
    note: str | None = Field(description="The courier's note, as text / 备注")
    lon: float | None = Field(description="Where it was sent from, WGS84; null without")
    lat: float | None = Field(description="Where it was sent from, WGS84; null without")
    distance_m: Metres | None = Field(description="From there to the station, metres")
    far: bool = Field(
        description="Sent from farther than 500 m: kept for moderators, not counted in the "
        "station's flags / 距离过远"
    )
    times: int = Field(ge=1, description="How many times this client sent it / 重复次数")
    first_at: UtcTimestamp = Field(description="First sent (UTC)")
    last_at: UtcTimestamp = Field(description="Last sent (UTC)")
    expires_at: UtcTimestamp = Field(description="When it stops counting unless repeated")


class ReportedStation(Strict):
    """The station's live members after the report / 驿站当前反馈."""

    id: int
    reports: list[LiveFlag] = Field(description="Active reports by kind (properties.reports)")
    last_verified_at: UtcTimestamp | None = Field(description="Last all_good (UTC), if any")
    reopens_at: UtcTimestamp | None = Field(
        description="Opens again then (UTC), if closed with a date"
    )


class ReportAccepted(Strict):
    """A report stored (POST /v1/stations/{id}/reports) / 反馈已收到."""

    report: SentReport
    station: ReportedStation


class ModeratedReport(SentReport):
    """A report as a moderator reads it: with its district and its verdict, never who
    sent it / 反馈（审核视图）."""

    adcode: Adcode | None = Field(description="The station's district when reported / 区县代码")
    moderated_at: UtcTimestamp | None = Field(
        description="When it was confirmed, dismissed or cleared (UTC)"
    )
    moderated_by: str | None = Field(
        description="Who: the editor's actor id (key:12, bootstrap) or all_good"
    )
    moderation_note: str | None = Field(description="The editor's note / 处理意见")


class ReportList(Strict):
    """Reports newest first (GET /v1/reports) / 骑手反馈列表."""

    reports: list[ModeratedReport]
    numberReturned: Count  # noqa: N815
    next_before_id: int | None = Field(
        description="before_id of the next (older) page; null on the last page"
    )


class LiveMembers(Strict):
    """A station's live members / 驿站当前反馈."""

    reports: list[LiveFlag] = Field(description="Active reports by kind (properties.reports)")
    last_verified_at: UtcTimestamp | None = Field(description="Last all_good (UTC), if any")
    reopens_at: UtcTimestamp | None = Field(
        description="Opens again then (UTC), if closed with a date"
    )


class VerdictAnswer(Strict):
    """What a verdict did (POST /v1/reports/{id}/confirm or /dismiss) / 处理结果."""

    verdict: Literal["confirm", "dismiss"]
    kind: ReportKindCode
    reports: list[int] = Field(
        description="The reports it closed: every open one of the kind at the station"
    )
    station_id: int
    changed: dict[str, Any] = Field(
        description="The station's fields confirming changed, as they are now (closed_now: "
        "status; broken equipment: amenities and counts); empty when none / 驿站被修改的字段"
    )
    reopens_at: UtcTimestamp | None = Field(
        description="When the station confirming closed opens again (UTC); null without a "
        "date / 预计恢复开放时间"
    )
    station: LiveMembers = Field(description="The station's live members after the verdict")


# --------------------------------------------------------------------- for planners


class KindLabel(Strict):
    """A problem kind, as the table's columns name it."""

    code: ProblemKindCode
    label_zh: str
    label_en: str


class DistrictReportRow(Strict):
    """One district's active reports (or the whole area's, in ``total``)."""

    adcode: Adcode | None = Field(description="The district; null in the total")
    district: str | None = Field(description="区县名称; null in the total")
    district_en: str | None = Field(description="English name; null in the total")
    stations_reported: Count = Field(description="Stations with any active report / 有反馈的驿站")
    reports: Count = Field(
        description="Active reports of every kind (one per client, station and kind) / 有效反馈数"
    )
    stations_by_kind: dict[ProblemKindCode, Count] = Field(
        description="For each problem kind, the stations with an active report of it "
        "/ 各类问题的驿站数"
    )


class ReportsByDistrict(Strict):
    """Couriers' open reports by district and kind (GET /v1/reports/by-district?format=json)
    / 各区骑手反馈统计: counts only, no note and no station."""

    area: str = Field(description="The area as asked for (adcode or name), or all of China")
    at: UtcTimestamp = Field(description="The moment the counts describe (UTC)")
    kinds: list[KindLabel] = Field(description="The problem kinds, in column order")
    districts: list[DistrictReportRow] = Field(
        description="Districts with any active report, by adcode"
    )
    total: DistrictReportRow = Field(description="The whole area / 合计")
