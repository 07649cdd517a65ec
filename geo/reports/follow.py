"""A registry's live flags: the worker's :class:`~geo.reports.live.LiveBook`, kept
current with the store's log of report changes as the index is with the station log.

A report through this worker is in its book as soon as it is stored; one through
another worker or server is in it at the next :meth:`LiveReports.sync`, which the
registry's follower runs a few times a second. Searches read the book under the
registry's index lock, so a search never sees a station's reports half replaced.

Reads of the store run outside that lock, concurrently with this worker's own reports:
a read that began before a report was applied must not put back the state it read over
the newer one. Each read and each applied report takes a tick; a station's state is put
only by a read that began after the station's last tick, and a station left behind so is
read again (a read that lost to this worker's report may hold another worker's report
the book does not yet have).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from geo.access import SYSTEM, Actor
from geo.clock import get_clock, iso, monotonic
from geo.reports.kinds import ALL_GOOD, BY_CODE, ReportKind
from geo.reports.live import LiveBook, StationLive
from geo.reports.model import (
    ActiveReport,
    LiveFlag,
    NewReport,
    Report,
    ReportClient,
    ReportStatus,
    check_note,
)  # fmt: skip
from geo.reports.moderation import Verdict, VerdictResult
from geo.reports.reopen import parse_reopens_at

if TYPE_CHECKING:
    from geo.model import Station
    from geo.storage.base import ReportRecords

__all__ = ["GAP_WAIT_S", "Excluder", "LiveReports"]

# How long a reader waits for a report seq missing below one it has seen (a transaction
# committing out of order) before taking it for a rollback. Report transactions last
# milliseconds; this covers a database that stalls a commit for a while.
GAP_WAIT_S = 30.0

# Reads of stations whose state changed meanwhile, before they wait for the next sync.
REREADS = 3

Excluder = Callable[[NDArray[np.int64]], NDArray[np.bool_]]


def _now() -> datetime:
    return get_clock().now()


class LiveReports:
    """The live flags of one registry, and the writes that change them."""

    def __init__(self, store: ReportRecords, lock: threading.RLock) -> None:
        self.store = store
        self._lock = lock  # the registry's index lock
        self.book = LiveBook()
        self._seen = 0  # every report change up to this seq is in the book
        self._applied: set[int] = set()  # seqs above _seen already in the book
        self._gaps: dict[int, float] = {}  # seqs missing above _seen: when first missed
        self._tick = 0  # counts reads begun and reports applied
        self._as_of: dict[int, int] = {}  # station -> tick of the read or report put last
        self._dirty: set[int] = set()  # stations to read again at the next sync

    def reload(self) -> None:
        """Read every station's live state afresh (at start, or when too far behind)."""
        seen = self.store.last_report_change()  # before reading: later ones are replayed
        began = self._begin()
        book = LiveBook(self.store.live_states(_now()))
        with self._lock:
            newer = [sid for sid, tick in self._as_of.items() if tick > began]
            for station_id in newer:  # reported here meanwhile: keep it, read it again
                book.put(station_id, self.book.state(station_id))
            self.book, self._seen = book, seen
            self._applied, self._gaps = set(), {}
            self._dirty.update(newer)

    def _begin(self) -> int:
        """A new tick, for a read about to begin or a report being applied."""
        with self._lock:
            self._tick += 1
            return self._tick

    def sync(self) -> int:
        """Apply report changes committed since the last call; returns how many
        stations' states were read.

        Report seqs are not committed in order (``geo.storage.reports_sql.log``): a seq
        missing below one already seen is a transaction still committing, and is
        looked for again at every call, until it appears or :data:`GAP_WAIT_S` has
        passed (a transaction that rolled back leaves a gap for ever). Changes already
        applied above a gap are remembered, not read twice.
        """
        rows = self.store.report_changes_since(self._seen)
        if rows is None:
            self.reload()
            return len(self.book)
        new = [(seq, sid) for seq, sid in rows if seq not in self._applied]
        with self._lock:
            stations, self._dirty = {sid for _, sid in new} | self._dirty, set()
        if stations:
            self.refresh(sorted(stations))
            self._applied.update(seq for seq, _ in new)
        self._advance(max((seq for seq, _ in rows), default=self._seen))
        return len(stations)

    def _advance(self, top: int) -> None:
        """Move ``_seen`` past every applied seq and every gap waited for long enough."""
        clock = monotonic()
        while self._seen < top:
            nxt = self._seen + 1
            if nxt in self._applied:
                self._applied.discard(nxt)
            elif clock - self._gaps.setdefault(nxt, clock) < GAP_WAIT_S:
                break  # still committing, perhaps: look again next time
            self._gaps.pop(nxt, None)
            self._seen = nxt

    def refresh(self, station_ids: Sequence[int]) -> None:
        """Read these stations' live state from the store: again, up to :data:`REREADS`
        times, those that changed here while they were read, and at the next sync if
        they change each time."""
        pending = list(station_ids)
        for _ in range(REREADS):
            began = self._begin()
            states = self.store.live_states(_now(), pending)
            with self._lock:
                stale = [sid for sid in pending if self._as_of.get(sid, 0) > began]
                for station_id in pending:
                    if self._as_of.get(station_id, 0) <= began:
                        self.book.put(station_id, states.get(station_id))
                        self._as_of[station_id] = began
            if not stale:
                return
            pending = stale
        with self._lock:
            self._dirty.update(pending)

    # -- writes --------------------------------------------------------------------------

    def report(self, station_id: int, new: NewReport, client: ReportClient) -> Report:
        """Store a courier's report and show it in this worker's answers at once."""
        stored = self.store.add_report(station_id, new, client, now=_now())
        if stored.kind == ALL_GOOD and stored.far and stored.times > 1:
            # A repeat from far replaces the client's near all_good, if it was one: the
            # station's last verification is then an earlier one, which only the store has.
            self.refresh([station_id])
        else:
            self._apply(stored)
        return stored

    def _apply(self, stored: Report) -> None:
        """This worker's own report, applied to its book as the store applied it (a
        repeat replaces the client's report, a near ``all_good`` ends the short-lived
        ones and verifies): no read back (it was 40% of a report's cost on PostGIS).
        Other workers' reports meanwhile come with the next :meth:`sync`."""
        with self._lock:
            self._as_of[stored.station_id] = self._begin()  # (the lock is re-entrant)
            state = self.book.state(stored.station_id) or StationLive()
            kept = [r for r in state.reports if r.id != stored.id]
            verified = state.last_verified_at
            if stored.kind == ALL_GOOD:
                if not stored.far:
                    kept = [r for r in kept if not BY_CODE[r.kind].short_lived]
                    verified = max(verified or stored.last_at, stored.last_at)
            elif not stored.far and stored.status is ReportStatus.OPEN:
                kept.append(ActiveReport(stored.kind, stored.last_at, stored.expires_at, stored.id))
            self.book.put(stored.station_id, StationLive(tuple(kept), verified, state.reopens_at))

    def judge(
        self,
        report_id: int,
        verdict: Verdict,
        *,
        actor: Actor,
        note: str | None,
        reopens_at: str | None = None,
    ) -> VerdictResult:
        """An editor's verdict on a report (``ReportRecords.judge_report``); the note is
        checked as a courier's is (``check_note``: plain text, at most 200 characters),
        the reopening date as :func:`~geo.reports.reopen.parse_reopens_at` reads it."""
        note, now = check_note(note), _now()
        until = parse_reopens_at(reopens_at, now=now)
        result = self.store.judge_report(
            report_id, verdict, actor=actor, now=now, note=note, reopens_at=until
        )
        self.refresh([result.station.id])
        return result

    def edited(self, station_id: int) -> None:
        """After this worker changed a station's status or removed it: the store dropped
        its reopening date, if it had one; the book follows at once."""
        state = self.book.state(station_id)
        if state is not None and state.reopens_at is not None:
            self.refresh([station_id])

    def reopen_due(self) -> list[Station]:
        """Open again the stations whose reopening date has come
        (``ReportRecords.reopen_due``, as ``system``); returns them as they are now."""
        reopened = self.store.reopen_due(_now(), actor=SYSTEM)
        if reopened:
            self.refresh([s.id for s in reopened])
        return reopened

    # -- reads ---------------------------------------------------------------------------

    def flags(self, station_id: int, now: datetime | None = None) -> list[LiveFlag]:
        """The station's active reports by kind (``properties.reports``)."""
        return self.book.flags(station_id, now or _now())

    def last_verified(self, station_id: int) -> datetime | None:
        """When the station was last reported working (``properties.last_verified_at``)."""
        return self.book.last_verified(station_id)

    def properties(self, station_id: int, now: datetime | None = None) -> dict[str, Any]:
        """A station's live members in an answer: ``reports`` (active, by kind),
        ``last_verified_at`` and ``reopens_at`` (closed by an editor until then)."""
        state = self.book.state(station_id)
        verified = None if state is None else state.last_verified_at
        reopens = None if state is None else state.reopens_at
        return {
            "reports": [f.as_dict() for f in self.flags(station_id, now)],
            "last_verified_at": None if verified is None else iso(verified),
            "reopens_at": None if reopens is None else iso(reopens),
        }

    def excluder(self, kinds: tuple[ReportKind, ...]) -> Excluder | None:
        """For a search: which candidate ids have an active report of ``kinds`` now (the
        book read under the index lock the search holds); None without kinds."""
        if not kinds:
            return None
        now = _now()
        return lambda ids: self.book.excluded(ids, kinds, now)
