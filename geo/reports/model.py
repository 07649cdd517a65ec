"""A courier's report as sent, as stored, and as a station's live flags show it.

A report says something about a station *now*; it never changes the station's record
by itself (only an editor confirming it does: :mod:`geo.reports.moderation`). What a
client sent is checked here (:func:`new_report`): the kind (:mod:`geo.reports.kinds`),
an optional note of at most :data:`MAX_NOTE` characters, stored as text and never read
as markup, and an optional position in any supported datum. A report made farther than
:data:`FAR_M` from the station is kept but marked ``far``: moderators see it, live flags
do not count it (a courier 30 km away cannot see the car park).

One client counts once per station and kind (:data:`geo.reports.store` dedupes by a
device token and by the address it came from), so ten reports from one phone are one
voice, as are two phones on one address.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from geo.clock import iso
from geo.datums import parse_datum, validate_to_wgs84
from geo.errors import InvalidParameter, MalformedBody
from geo.geodesy import distance_bearing
from geo.hours import SHANGHAI
from geo.hours.evaluate import state_changes
from geo.hours.schedule import State
from geo.reports.kinds import BY_CODE, ReportKind, parse_kind
from geo.station_text import text_problem

__all__ = [
    "FAR_M", "MAX_NOTE", "ActiveReport", "LiveFlag", "NewReport", "Report", "ReportClient",
    "ReportStatus", "check_note", "distance_to", "expires_at", "new_report",
]  # fmt: skip

MAX_NOTE: Final = 200
FAR_M: Final = 500.0  # a phone's fix in a street canyon, and the other side of the block
_FIELDS: Final = frozenset({"kind", "note", "lon", "lat", "crs"})


class ReportStatus(StrEnum):
    """Where a report is in moderation. ``open`` reports are active until they expire."""

    OPEN = "open"
    CONFIRMED = "confirmed"  # an editor agreed (and maybe changed the station)
    DISMISSED = "dismissed"  # an editor disagreed
    CLEARED = "cleared"  # a later all_good report ended it


@dataclass(frozen=True, slots=True)
class ReportClient:
    """Who sends a report, as the API knows them: a device token (the page's cookie or
    an app's header) and the address the request came from. Stored only as salted
    digests, and never shown."""

    token: str
    address: str


@dataclass(frozen=True, slots=True)
class NewReport:
    """A report as a client sent it, checked; the position in WGS84."""

    kind: ReportKind
    note: str | None = None
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """A report as stored (one row per client, station and kind while it is active)."""

    id: int
    station_id: int
    kind: str
    status: ReportStatus
    note: str | None
    lon: float | None
    lat: float | None
    distance_m: float | None
    far: bool
    adcode: str | None  # the station's district when reported: who moderates it
    times: int  # how many times this client sent it (a repeat refreshes it)
    first_at: datetime
    last_at: datetime
    expires_at: datetime
    moderated_at: datetime | None = None
    moderated_by: str | None = None
    moderation_note: str | None = None

    def active(self, now: datetime) -> bool:
        """Whether it is open and has not expired."""
        return self.status is ReportStatus.OPEN and self.expires_at > now

    def as_dict(self, now: datetime) -> dict[str, Any]:
        """The report as moderators read it (``GET /v1/reports``); never who sent it."""
        kind = BY_CODE[self.kind]
        state = "expired" if self.status is ReportStatus.OPEN and not self.active(now) else None
        return {
            "id": self.id,
            "station_id": self.station_id,
            "kind": self.kind,
            "label_zh": kind.zh,
            "label_en": kind.en,
            "status": state or self.status.value,
            "note": self.note,
            "lon": self.lon,
            "lat": self.lat,
            "distance_m": None if self.distance_m is None else round(self.distance_m, 1),
            "far": self.far,
            "adcode": self.adcode,
            "times": self.times,
            "first_at": iso(self.first_at),
            "last_at": iso(self.last_at),
            "expires_at": iso(self.expires_at),
            "moderated_at": None if self.moderated_at is None else iso(self.moderated_at),
            "moderated_by": self.moderated_by,
            "moderation_note": self.moderation_note,
        }


@dataclass(frozen=True, slots=True)
class ActiveReport:
    """What the live flags need of an open report: kept in memory by every worker."""

    kind: str
    last_at: datetime
    expires_at: datetime
    id: int | None = None  # the stored report's (a repeat of it replaces it)


@dataclass(frozen=True, slots=True)
class LiveFlag:
    """One flag on a station: how many clients report this kind, and when last."""

    kind: ReportKind
    count: int
    last_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """``properties.reports[i]`` of a station in an answer."""
        return {
            "kind": self.kind.code,
            "count": self.count,
            "last_at": iso(self.last_at),
            "label_zh": self.kind.zh,
            "label_en": self.kind.en,
        }


def new_report(body: object) -> NewReport:
    """Check a report's JSON body: ``{"kind", "note"?, "lon"?, "lat"?, "crs"?}``.

    Raises ``MalformedBody`` for a body that is not an object, ``InvalidParameter`` (with
    the field) for an unknown member, kind, a note too long or not text, or a half or
    impossible position; ``InvalidCoordinate`` / ``UnknownCRS`` from the datum checks.
    """
    if not isinstance(body, dict):
        raise MalformedBody(
            'a report is a JSON object: {"kind": ..., "note": ..., "lon": ..., "lat": ...}',
            '反馈须为 JSON 对象：{"kind": ..., "note": ..., "lon": ..., "lat": ...}',
        )
    unknown = sorted(set(body) - _FIELDS, key=str)
    if unknown:
        name = str(unknown[0])[:40]
        raise InvalidParameter(
            f"unknown field {name!r} in a report; fields: kind, note, lon, lat, crs",
            f"反馈中有未知字段 {name!r}；可用字段：kind、note、lon、lat、crs",
            details=[{"field": name, "accepted": sorted(_FIELDS)}],
        )
    kind = parse_kind(body.get("kind"))
    note = check_note(body.get("note"))
    lon, lat = body.get("lon"), body.get("lat")
    if lon is None and lat is None:
        if body.get("crs") is not None:
            raise _bad("crs", body.get("crs"), "crs is given only with lon and lat",
                       "只有提供 lon 和 lat 时才能给出 crs")  # fmt: skip
        return NewReport(kind, note)
    if lon is None or lat is None:
        missing = "lat" if lat is None else "lon"
        raise _bad(
            missing, None, "give both lon and lat, or neither", "lon 与 lat 须同时提供或都不提供"
        )
    for name, value in (("lon", lon), ("lat", lat)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise _bad(name, value, "must be a number", "须为数字")
    crs = body.get("crs", "wgs84")  # as nearest's lon/lat: a phone's GPS fix
    if not isinstance(crs, str):
        raise _bad(
            "crs",
            crs,
            "must be a datum name: wgs84, gcj02, bd09",
            "须为坐标系名称：wgs84、gcj02、bd09",
        )
    datum = parse_datum(crs)
    _, _, wlon, wlat = validate_to_wgs84(float(lon), float(lat), datum)
    return NewReport(kind, note, wlon, wlat)


def check_note(value: object, *, what: str = "report", what_zh: str = "反馈") -> str | None:
    """A note as stored: one line (runs of white space become one space), at most
    :data:`MAX_NOTE` characters, and fit to store as a station's text is
    (:func:`geo.station_text.text_problem`: no control character, which PostgreSQL
    refuses in text (NUL) and terminals obey, no bidirectional control, which shows text
    in another order than it is, something visible); None for none or blank. Both a
    courier's note and an editor's verdict note. Raises ``InvalidParameter``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad("note", value, "must be text", "须为文字", what, what_zh)
    text = " ".join(value.split())  # one line: a note is shown on a card
    if len(text) > MAX_NOTE:
        raise _bad("note", f"{len(text)} characters", f"at most {MAX_NOTE} characters",
                   f"最多 {MAX_NOTE} 个字", what, what_zh)  # fmt: skip
    if (problem := text_problem(text)) is not None:
        raise _bad("note", value, *problem, what, what_zh)
    return text or None


def _bad(
    field: str, value: object, rule: str, rule_zh: str, what: str = "report", what_zh: str = "反馈"
) -> InvalidParameter:
    shown = repr(value)[:60]
    return InvalidParameter(
        f"{what} field {field}={shown}: {rule}",
        f"{what_zh}字段 {field}={shown}：{rule_zh}",
        details=[{"field": field, "value": shown}],
    )


def distance_to(report: NewReport, lon: float, lat: float) -> float | None:
    """Metres from the reporter's position to the station (None without a position)."""
    if report.lon is None or report.lat is None:
        return None
    dist, _ = distance_bearing(report.lon, report.lat, [lon], [lat])
    return float(dist[0])


def expires_at(kind: ReportKind, at: datetime, hours_osm: str | None) -> datetime:
    """When a report of ``kind`` made at ``at`` ends if nobody repeats it.

    ``closed_now`` ends at the station's next opening by its hours (the first minute,
    after ``at``, at which they say open and said not open the minute before), or after
    its lifetime if that comes first or the hours cannot say (none, 24/7, unknown).
    The hours' changes are read from their rules (:func:`~geo.hours.evaluate.state_changes`), not
    minute by minute: stepping through 12 hours of minutes was most of a report's time.
    """
    end = at + kind.lifetime
    if not kind.until_opening or not hours_osm:
        return end
    zone = at.tzinfo
    start = at.replace(second=0, microsecond=0)
    local_start, local_end = _wall_clock(start), _wall_clock(end)
    changes = state_changes(hours_osm, local_start, local_end)
    _, first = next(changes)
    was_open = first is State.OPEN
    for moment, state in changes:
        if moment >= local_end:
            break
        if state is State.OPEN and not was_open:
            return moment if zone is None else moment.replace(tzinfo=SHANGHAI).astimezone(zone)
        was_open = state is State.OPEN
    return end


def _wall_clock(when: datetime) -> datetime:
    """Naive Asia/Shanghai wall-clock time, as the hours read it."""
    return when.astimezone(SHANGHAI).replace(tzinfo=None) if when.tzinfo is not None else when
