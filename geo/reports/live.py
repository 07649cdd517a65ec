"""Every worker's view of what couriers report now: the live flags of each station.

The store is the truth (``reports``); each worker keeps, for the stations that have any,
the open reports near enough to count (:class:`~geo.reports.model.ActiveReport`) and
when the station was last seen working (``all_good``), and follows the store's log of
report changes as it follows station changes (``geo.registry.Registry.sync``). Whether
a report is still active is judged at the moment of each answer (``now``), so a report
expires in every worker at the same instant without anyone writing anything.

:meth:`LiveBook.excluded` answers, for an array of station ids, which have an active
report of some kinds: a search leaves those out before ranking (``exclude_reported``),
so its answer is the exact k nearest among the rest. It reads, per candidate, one row of
the latest expiry per kind, found through an array indexed by station id: the 95% of
stations without reports cost one array read each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import numpy as np
from numpy.typing import NDArray

from geo.reports.kinds import REPORT_KINDS, ReportKind
from geo.reports.model import ActiveReport, LiveFlag

__all__ = ["LiveBook", "StationLive"]

_KIND_INDEX: Final = {k.code: i for i, k in enumerate(REPORT_KINDS)}
DENSE: Final = 1 << 26  # station ids below this are looked up through an array


@dataclass(frozen=True, slots=True)
class StationLive:
    """One station's open reports (one per client and kind), last verification, and
    when it opens again if an editor closed it with a date (``geo.reports.reopen``)."""

    reports: tuple[ActiveReport, ...] = ()
    last_verified_at: datetime | None = None
    reopens_at: datetime | None = None

    def __bool__(self) -> bool:
        return (
            bool(self.reports) or self.last_verified_at is not None or self.reopens_at is not None
        )


class LiveBook:
    """The live state of every station that has any, by station id.

    Not thread-safe by itself: the registry changes and reads it under its index lock.
    For :meth:`excluded`, each station with reports has a row of the latest expiry per
    kind (epoch seconds), found through an array indexed by station id (ids are the
    store's dense counter; one beyond :data:`DENSE` goes through a dict), so a search
    looks up its candidates in one vectorised step and a report changes one row.
    """

    def __init__(self, states: Mapping[int, StationLive] | None = None) -> None:
        self._states: dict[int, StationLive] = {}
        self._row_of = np.full(0, -1, dtype=np.int64)
        self._far: dict[int, int] = {}
        self._until = np.zeros((0, len(REPORT_KINDS)), dtype=np.int64)
        self._free: list[int] = []
        self._rows = 0
        for station_id, state in (states or {}).items():
            self.put(station_id, state)

    def __len__(self) -> int:
        return len(self._states)

    def put(self, station_id: int, state: StationLive | None) -> None:
        """Set a station's live state (None or an empty state: forget it)."""
        if not state:
            self._states.pop(station_id, None)
        else:
            self._states[station_id] = state
        self._set_row(station_id, state.reports if state is not None else ())

    def state(self, station_id: int) -> StationLive | None:
        """A station's live state as held (expired reports not yet dropped)."""
        return self._states.get(station_id)

    def flags(self, station_id: int, now: datetime) -> list[LiveFlag]:
        """The station's active reports by kind, in vocabulary order: how many clients,
        and the latest."""
        state = self._states.get(station_id)
        if state is None:
            return []
        counts: dict[str, tuple[int, datetime]] = {}
        for r in state.reports:
            if r.expires_at > now:
                count, last = counts.get(r.kind, (0, r.last_at))
                counts[r.kind] = (count + 1, max(last, r.last_at))
        return [LiveFlag(kind, *counts[kind.code]) for kind in REPORT_KINDS if kind.code in counts]

    def last_verified(self, station_id: int) -> datetime | None:
        """When the station was last reported working (``all_good``)."""
        state = self._states.get(station_id)
        return None if state is None else state.last_verified_at

    def excluded(
        self, ids: NDArray[np.int64], kinds: tuple[ReportKind, ...], now: datetime
    ) -> NDArray[np.bool_]:
        """Which of ``ids`` have an active report of any of ``kinds`` at ``now``."""
        out = np.zeros(len(ids), dtype=bool)
        if not kinds or self._rows == len(self._free) or len(ids) == 0:
            return out
        rows = np.full(len(ids), -1, dtype=np.int64)
        near = (ids >= 0) & (ids < len(self._row_of))
        rows[near] = self._row_of[ids[near]]
        if self._far:
            for i in np.flatnonzero(~near).tolist():
                rows[i] = self._far.get(int(ids[i]), -1)
        hit = rows >= 0
        if hit.any():
            columns = [_KIND_INDEX[k.code] for k in kinds]
            out[hit] = self._until[rows[hit]][:, columns].max(axis=1) > int(now.timestamp())
        return out

    def _row(self, station_id: int) -> int:
        if 0 <= station_id < len(self._row_of):
            return int(self._row_of[station_id])
        return self._far.get(station_id, -1)

    def _set_row(self, station_id: int, reports: tuple[ActiveReport, ...]) -> None:
        row = self._row(station_id)
        if not reports:
            if row >= 0:
                self._map(station_id, -1)
                self._free.append(row)
            return
        if row < 0:
            row = self._free.pop() if self._free else self._new_row()
            self._map(station_id, row)
        values = np.zeros(len(REPORT_KINDS), dtype=np.int64)
        for r in reports:
            col = _KIND_INDEX[r.kind]
            values[col] = max(values[col], int(r.expires_at.timestamp()))
        self._until[row] = values

    def _new_row(self) -> int:
        if self._rows == len(self._until):
            grown = np.zeros((max(64, 2 * self._rows), len(REPORT_KINDS)), dtype=np.int64)
            grown[: self._rows] = self._until
            self._until = grown
        self._rows += 1
        return self._rows - 1

    def _map(self, station_id: int, row: int) -> None:
        if 0 <= station_id < DENSE:
            if station_id >= len(self._row_of):
                size = max(station_id + 1, 2 * len(self._row_of), 1024)
                grown = np.full(size, -1, dtype=np.int64)
                grown[: len(self._row_of)] = self._row_of
                self._row_of = grown
            self._row_of[station_id] = row
        elif row < 0:
            self._far.pop(station_id, None)
        else:
            self._far[station_id] = row
