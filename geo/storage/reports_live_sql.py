"""The live state of stations as their reports make it (``reports_sql`` writes them):
each station's active reports near enough to count, its last verification and when it
opens again. What every worker's book of live flags is read from
(``geo.reports.follow``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.clock import iso
from geo.reports.kinds import ALL_GOOD
from geo.reports.live import StationLive
from geo.reports.model import ActiveReport, ReportStatus
from geo.storage import reopen_sql
from geo.storage.schema import reports

__all__ = ["live_states"]


def live_states(
    conn: Connection, now: datetime, station_ids: Sequence[int] | None = None
) -> dict[int, StationLive]:
    """The live state of stations (all that have one, or these): their active reports
    near enough to count, their last ``all_good`` that an editor did not dismiss
    (open or confirmed), and when they open again (``reopen_sql``)."""
    at = iso(now)
    active = (
        sa.select(
            reports.c.station_id,
            reports.c.kind,
            reports.c.last_at,
            reports.c.expires_at,
            reports.c.id,
        )
        .where(reports.c.status == ReportStatus.OPEN, reports.c.far == 0)
        .where(reports.c.kind != ALL_GOOD, reports.c.expires_at > at)
        .order_by(reports.c.station_id, reports.c.id)
    )
    verified = (
        sa.select(reports.c.station_id, sa.func.max(reports.c.last_at))
        .where(reports.c.kind == ALL_GOOD)
        .where(reports.c.status.in_([ReportStatus.OPEN.value, ReportStatus.CONFIRMED.value]))
        .where(reports.c.far == 0)
        .group_by(reports.c.station_id)
    )
    if station_ids is not None:
        active = active.where(reports.c.station_id.in_(list(station_ids)))
        verified = verified.where(reports.c.station_id.in_(list(station_ids)))
    found: dict[int, list[ActiveReport]] = {}
    for sid, kind, last_at, until, report_id in conn.execute(active):
        found.setdefault(int(sid), []).append(
            ActiveReport(
                kind, datetime.fromisoformat(last_at), datetime.fromisoformat(until), int(report_id)
            )
        )
    checked = {int(sid): datetime.fromisoformat(ts) for sid, ts in conn.execute(verified)}
    reopening = reopen_sql.reopening_times(conn, station_ids)
    return {
        sid: StationLive(tuple(found.get(sid, ())), checked.get(sid), reopening.get(sid))
        for sid in sorted(found.keys() | checked.keys() | reopening.keys())
    }
