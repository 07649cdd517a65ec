"""The SQL store's couriers' reports (both backends): ``ReportRecords`` over
``reports_sql``, mixed into ``geo.storage.sql.SqlStore``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy.engine import Connection, Engine
from typing_extensions import override

from geo.access import Actor
from geo.audit import Action
from geo.clock import iso
from geo.errors import ReportClosed
from geo.model import Station, StationData, Status
from geo.reports.kinds import BY_CODE
from geo.reports.live import StationLive
from geo.reports.model import NewReport, Report, ReportClient, ReportStatus
from geo.reports.moderation import Verdict, VerdictResult, confirmed_station
from geo.reports.reopen import check_reopening
from geo.storage import (
    access_sql,
    changes_sql,
    reopen_sql,
    reports_live_sql,
    reports_sql,
    stations_sql,
)
from geo.storage.base import ReportRecords
from geo.storage.dialect import SqlDialect

__all__ = ["SqlReports"]

_STATUS = {Verdict.CONFIRM: ReportStatus.CONFIRMED, Verdict.DISMISS: ReportStatus.DISMISSED}
_ACTION = {Verdict.CONFIRM: Action.REPORT_CONFIRM, Verdict.DISMISS: Action.REPORT_DISMISS}


class SqlReports(ReportRecords):
    """Reports in the SQL store; the store gives the engines and the write transaction."""

    dialect: SqlDialect
    engine: Engine

    @property
    def reader(self) -> Engine:
        """The engine of single-statement reads (``SqlStore.reader`` overrides this)."""
        raise NotImplementedError

    _writing: Callable[[], AbstractContextManager[Connection]]  # one write transaction
    _report_salt: str | None = None

    @override
    def add_report(
        self, station_id: int, report: NewReport, client: ReportClient, *, now: datetime
    ) -> Report:
        with self._writing() as conn:
            station = reports_sql.target(conn, station_id)
            if self._report_salt is None:  # once per process: it never changes
                self._report_salt = reports_sql.salt(conn)
            return reports_sql.add(conn, station, report, client, now, salt=self._report_salt)

    @override
    def live_states(
        self, now: datetime, station_ids: Sequence[int] | None = None
    ) -> dict[int, StationLive]:
        # All stations: one snapshot (two queries); a few: single reads, no transaction.
        engine = self.engine if station_ids is None else self.reader
        with engine.connect() as conn:
            return reports_live_sql.live_states(conn, now, station_ids)

    @override
    def last_report_change(self) -> int:
        with self.reader.connect() as conn:
            return reports_sql.last_change(conn)

    @override
    def report_changes_since(self, seq: int) -> list[tuple[int, int]] | None:
        with self.engine.connect() as conn:
            return reports_sql.changes_since(conn, seq)

    @override
    def list_reports(
        self,
        *,
        now: datetime,
        state: str = "open",
        adcodes: frozenset[str] | None = None,
        kinds: Sequence[str] = (),
        station_id: int | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[Report]:
        with self.engine.connect() as conn:
            return reports_sql.listing(
                conn, now=now, state=state, adcodes=adcodes, kinds=kinds,
                station_id=station_id, before_id=before_id, limit=limit,
            )  # fmt: skip

    @override
    def confirmed_stations(self, kinds: Sequence[str], now: datetime) -> frozenset[int]:
        with self.engine.connect() as conn:
            return reports_sql.confirmed_stations(conn, kinds, now)

    @override
    def open_report_counts(
        self, now: datetime, adcodes: frozenset[str] | None = None
    ) -> list[tuple[str | None, str, int, int]]:
        with self.engine.connect() as conn:
            return reports_sql.open_counts(conn, now, adcodes)

    @override
    def get_report(self, report_id: int) -> Report:
        with self.reader.connect() as conn:
            return reports_sql.get(conn, report_id)

    @override
    def judge_report(
        self,
        report_id: int,
        verdict: Verdict,
        *,
        actor: Actor,
        now: datetime,
        note: str | None,
        reopens_at: datetime | None = None,
    ) -> VerdictResult:
        with self._writing() as conn:
            first = reports_sql.get(conn, report_id)
            station = stations_sql.get(conn, first.station_id, lock=True)
            actor.check(station, None)
            same = reports_sql.open_of(conn, station.id, first.kind)
            if all(r.id != report_id for r in same):
                raise _closed(first)
            kind = BY_CODE[first.kind]
            confirming = verdict is Verdict.CONFIRM
            data = confirmed_station(station, kind) if confirming else None
            if reopens_at is not None:  # before writing anything: refused, nothing written
                check_reopening(kind, confirming, data.status if data else station.status)
            changed: dict[str, object] = {}
            after = station
            if data is not None:
                after = stations_sql.update(conn, [(station, data)], now, actor)[0]
                old, new = station.model_dump(mode="json"), after.model_dump(mode="json")
                changed = {k: v for k, v in new.items() if old.get(k) != v and k != "updated_at"}
            # Always: what a verdict confirms changes coverage figures (their caches key
            # on the station log), whether or not the record changed.
            changes_sql.log_changes(conn, [station.id], self.dialect)
            ids = tuple(r.id for r in same)
            reports_sql.set_status(conn, ids, _STATUS[verdict], now=now, by=actor.id, note=note)
            summary: dict[str, object] = {
                "kind": kind.code, "reports": list(ids), "note": note, "changed": changed,
            }  # fmt: skip
            if reopens_at is not None:
                reopen_sql.set_reopening(
                    conn, station.id, reopens_at, report_id=report_id, now=now, by=actor.id
                )
                summary["reopens_at"] = iso(reopens_at)
            access_sql.write_audit(
                conn, actor, now, [(_ACTION[verdict], station.id, None, summary)]
            )
            reports_sql.log(conn, [station.id])
            return VerdictResult(verdict, kind, ids, after, changed, reopens_at)

    @override
    def reopen_due(self, now: datetime, *, actor: Actor) -> list[Station]:
        with self.reader.connect() as conn:  # most calls: nothing due, no transaction
            if not reopen_sql.due(conn, now):
                return []
        with self._writing() as conn:
            due = reopen_sql.due(conn, now)
            stored = stations_sql.get_many(conn, due, lock=True)  # stations first, always
            taken = reopen_sql.take(conn, due, now)
            closed = [
                (stored[r.station_id], r)
                for r in taken
                if r.station_id in stored
                and stored[r.station_id].status is Status.TEMPORARILY_CLOSED
            ]
            items = [(s, _reopened(s)) for s, _ in closed]
            after = stations_sql.update(conn, items, now, actor) if items else []
            access_sql.write_audit(conn, actor, now, [
                (Action.REOPEN, s.id, None, {
                    "reopens_at": iso(r.reopens_at), "report": r.report_id,
                    "set_by": r.set_by, "set_at": iso(r.set_at),
                })
                for s, r in closed
            ])  # fmt: skip
            changes_sql.log_changes(conn, [s.id for s in after], self.dialect)
            reports_sql.log(conn, [r.station_id for r in taken])
            return after


def _reopened(station: Station) -> StationData:
    return StationData.model_validate(
        station.model_dump(exclude={"id", "created_at", "updated_at"}) | {"status": Status.OPEN}
    )


def _closed(report: Report) -> ReportClosed:
    return ReportClosed(
        f"report {report.id} is {report.status.value} already; open reports only",
        f"反馈 {report.id} 已处理（{report.status.value}），只能处理未处理的反馈",
    )
