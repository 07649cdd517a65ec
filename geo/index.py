"""In-memory spatial index answering "k nearest stations with these amenities", exactly.

Design
------
Stations are indexed by their ECEF position (metres) in 3-D point trees
(``geo.knn.NearestPoints``: a compiled k-d tree of the stations present when it was
built, an R-tree of those written since): one tree over every station and one per
amenity that at most ``TREE_MAX_SHARE`` of the stations have when the index is built.
A query with amenity filters searches the tree of its rarest required amenity that has
one, so a 0.1% amenity costs about what an unfiltered query costs instead of scanning a
thousand times more candidates. A common amenity (water, rest, phone charging: 50-95%
of real stations) gets no tree of its own: searched in the all-stations tree it costs
at most 1 / TREE_MAX_SHARE times the candidates, while its own tree would cost nearly a
whole tree's memory and build time (a tree per amenity held 7.2 entries per station,
26 s to start and 930 MB at 1,000,000 stations with the demo registry's amenity shares).

The trees rank candidates by chord length, the straight line through the Earth. A
chord is never longer than the geodesic between the same two points, so after taking
the ``n`` chord-nearest candidates, re-ranking those that pass the filters by geodesic
distance (pyproj, WGS84), and finding the k-th best geodesic distance ``d_k``, every
station not yet seen is at least ``c_n`` (the bound ``geo.knn`` gives: the largest
candidate chord) away. If
``d_k < c_n`` no unseen station can enter the answer; otherwise ``n`` grows and the
search repeats. The result is the exact brute-force answer, ordered by
``(distance_m, id)``. At city scale chord and geodesic differ by millimetres, so the
bound is tight; at 500 km they differ by about 130 m and the search simply takes a few
more candidates.

The index is not thread-safe; ``geo.registry.Registry`` serialises access. What it keeps
of a station, one by one or as columns (``IndexEntry``, ``EntryColumns``), is defined in
:mod:`geo.index_entries` and importable from here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from geo.amenities import AMENITIES
from geo.geodesy import distance_bearing, ecef, ecef_point
from geo.hours import is_open_at
from geo.idmap import IdMap
from geo.index_entries import STATUS_CODE
from geo.index_entries import EntryColumns as EntryColumns
from geo.index_entries import IndexEntry as IndexEntry
from geo.index_entries import StationPoints as StationPoints
from geo.knn import COMPACT_MIN, Box, NearestPoints
from geo.model import Status

# Covers float rounding in chord and geodesic computations (both are good to ~1e-8 m).
_EPS_M = 1e-3
# An amenity gets its own tree if at most this share of the stations has it at build time.
TREE_MAX_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class Hit:
    """One station of a nearest-search answer."""

    id: int
    distance_m: float
    bearing_deg: float
    open_at_time: bool | None


class StationIndex:
    """Exact k-nearest search over stations, with amenity, status and opening-hours filters."""

    def __init__(
        self, entries: Iterable[IndexEntry] | EntryColumns = (), *, compact_min: int = COMPACT_MIN
    ) -> None:
        self._compact_min = compact_min  # see geo.knn
        self._slot = IdMap()
        self._free: list[int] = []
        self._ids = np.zeros(0, dtype=np.int64)
        self._lon = np.zeros(0)
        self._lat = np.zeros(0)
        self._xyz = np.zeros((0, 3))
        self._mask = np.zeros(0, dtype=np.int64)
        self._status = np.zeros(0, dtype=np.int8)
        self._sched = np.zeros(0, dtype=np.int32)
        self._schedules: list[str] = []
        self._schedule_id: dict[str, int] = {}
        # Open/closed per schedule id for one minute, shared by every query asking about
        # that minute ("now" for a minute's worth of requests); see _open_states.
        self._open_memo: tuple[datetime | None, dict[int, bool | None]] = (None, {})
        self._counts = {a.bit: 0 for a in AMENITIES}
        columns = (
            entries if isinstance(entries, EntryColumns) else EntryColumns.from_entries(entries)
        )
        self._bulk_load(columns)

    # -- bookkeeping -------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, station_id: object) -> bool:
        if not isinstance(station_id, int | np.integer) or isinstance(station_id, bool):
            return False
        return self._slot.get(int(station_id)) is not None

    def amenity_count(self, bit: int) -> int:
        """Number of indexed stations having the amenity with this bit."""
        return self._counts[bit]

    def _grow(self, needed: int) -> None:
        size = len(self._ids)
        if needed <= size:
            return
        new = max(needed, 2 * size, 64)
        pad = new - size
        self._ids = np.concatenate([self._ids, np.full(pad, -1, dtype=np.int64)])
        self._lon = np.concatenate([self._lon, np.zeros(pad)])
        self._lat = np.concatenate([self._lat, np.zeros(pad)])
        self._xyz = np.concatenate([self._xyz, np.zeros((pad, 3))])
        self._mask = np.concatenate([self._mask, np.zeros(pad, dtype=np.int64)])
        self._status = np.concatenate([self._status, np.zeros(pad, dtype=np.int8)])
        self._sched = np.concatenate([self._sched, np.full(pad, -1, dtype=np.int32)])

    def _schedule(self, hours_osm: str | None) -> int:
        if hours_osm is None:
            return -1
        sid = self._schedule_id.get(hours_osm)
        if sid is None:
            sid = self._schedule_id[hours_osm] = len(self._schedules)
            self._schedules.append(hours_osm)
        return sid

    def _store(self, slot: int, entry: IndexEntry, xyz: NDArray[np.float64] | None = None) -> Box:
        self._ids[slot] = entry.id
        self._lon[slot] = entry.lon
        self._lat[slot] = entry.lat
        if xyz is None:
            xyz = ecef(entry.lon, entry.lat)
        self._xyz[slot] = xyz
        self._mask[slot] = entry.mask
        self._status[slot] = STATUS_CODE[entry.status]
        self._sched[slot] = self._schedule(entry.hours_osm)
        self._slot.set(entry.id, slot)
        for bit in self._counts:
            if entry.mask >> bit & 1:
                self._counts[bit] += 1
        x, y, z = (float(v) for v in xyz)
        return (x, y, z, x, y, z)

    def _bits(self, mask: int) -> list[int]:
        return [bit for bit in self._counts if mask >> bit & 1]

    def _bulk_load(self, cols: EntryColumns) -> None:
        n = len(cols)
        self._slot = IdMap.of(cols.ids)
        self._ids = cols.ids.copy()
        self._lon = cols.lon.copy()
        self._lat = cols.lat.copy()
        self._xyz = ecef(cols.lon, cols.lat).reshape(-1, 3)
        self._mask = cols.mask.copy()
        self._status = cols.status.copy()
        # Distinct schedules in order of first appearance (dict.fromkeys), then one C-level
        # map: 0.1 s for 1,000,000 stations against 0.5 s calling _schedule per station.
        codes: dict[str | None, int] = {None: -1}
        for h in dict.fromkeys(cols.hours_osm):
            if h is not None:
                codes[h] = self._schedule(h)
        self._sched = np.fromiter(map(codes.__getitem__, cols.hours_osm), np.int32, count=n)
        slots = np.arange(n, dtype=np.int64)
        self._all = self._tree_of(slots)
        self._trees: dict[int, NearestPoints] = {}
        for bit in self._counts:
            members = slots[(self._mask >> bit) & 1 == 1]
            self._counts[bit] = len(members)
            if len(members) <= TREE_MAX_SHARE * n:
                self._trees[bit] = self._tree_of(members)

    def _tree_of(self, slots: NDArray[np.int64]) -> NearestPoints:
        return NearestPoints(slots, self._xyz[slots], compact_min=self._compact_min)

    def _compact(self, bits: list[int]) -> None:
        """Build again the trees (all stations', and those of ``bits``) that have changed
        enough since they were built (``geo.knn``)."""
        if self._all.wants_compaction:
            self._all = self._tree_of(np.flatnonzero(self._ids >= 0))
        for bit in bits:
            tree = self._trees.get(bit)
            if tree is not None and tree.wants_compaction:
                live = np.flatnonzero((self._ids >= 0) & ((self._mask >> bit) & 1 == 1))
                self._trees[bit] = self._tree_of(live)

    # -- writes ------------------------------------------------------------------

    def upsert(self, entry: IndexEntry) -> None:
        """Add a station or replace its entry."""
        self.remove(entry.id)
        slot = self._free.pop() if self._free else len(self._slot)
        self._grow(slot + 1)
        box = self._store(slot, entry)
        self._all.insert(slot, box)
        bits = self._bits(entry.mask)
        for bit in bits:
            if bit in self._trees:
                self._trees[bit].insert(slot, box)
        self._compact(bits)

    def remove(self, station_id: int) -> bool:
        """Drop a station; returns whether it was indexed."""
        slot = self._slot.pop(station_id)
        if slot is None:
            return False
        x, y, z = (float(v) for v in self._xyz[slot])
        box = (x, y, z, x, y, z)
        self._all.delete(slot, box)
        bits = self._bits(int(self._mask[slot]))
        for bit in bits:
            if bit in self._trees:
                self._trees[bit].delete(slot, box)
            self._counts[bit] -= 1
        self._ids[slot] = -1
        self._free.append(slot)
        self._compact(bits)
        return True

    # -- search ------------------------------------------------------------------

    def nearest(
        self,
        lon: float,
        lat: float,
        *,
        k: int,
        mask: int = 0,
        max_distance_m: float | None = None,
        statuses: frozenset[Status] = frozenset({Status.OPEN}),
        open_at: datetime | None = None,
        include_unknown: bool = False,
        exclude: Callable[[NDArray[np.int64]], NDArray[np.bool_]] | None = None,
    ) -> list[Hit]:
        """The k stations nearest to a point that pass every filter, exactly.

        Parameters
        ----------
        lon, lat : float
            Query point, degrees WGS84.
        k : int
            Number of stations wanted (>= 1).
        mask : int
            Amenity bit mask; a station must have all of these amenities.
        max_distance_m : float, optional
            Keep only stations within this geodesic distance, metres.
        statuses : frozenset of Status
            Keep only stations with one of these statuses.
        open_at : datetime, optional
            Keep only stations whose opening hours say they are open then. Stations
            without opening hours, or whose hours give no answer, are left out...
        include_unknown : bool
            ... unless this is true: then they are kept (``open_at_time`` None).
        exclude : callable, optional
            Given station ids, which to leave out (``exclude_reported``: stations with
            an active report of some kinds, ``geo.reports``).

        Returns
        -------
        list of Hit
            At most k hits ordered by (distance_m, id).
        """
        bits = self._bits(mask)
        # Search the tree of the rarest required amenity that has one; the others (and
        # every amenity, in the all-stations tree) are filters.
        treed = [bit for bit in bits if bit in self._trees]
        rarest = min(treed, key=self._counts.__getitem__) if treed else None
        tree = self._all if rarest is None else self._trees[rarest]
        size = len(self._slot) if rarest is None else self._counts[rarest]
        if size == 0 or k < 1 or any(self._counts[bit] == 0 for bit in bits):
            return []
        qx, qy, qz = ecef_point(lon, lat)
        q = np.array((qx, qy, qz))
        status_ok = np.zeros(len(Status), dtype=bool)
        for s in statuses:
            status_ok[STATUS_CODE[s]] = True
        minute, open_cache = self._open_states(open_at)
        n = min(size, 2 * k + 16)
        while True:
            slots, bound = tree.nearest(q, n, self._xyz)
            chord = np.sqrt(((self._xyz[slots] - q) ** 2).sum(axis=1))
            keep = ((self._mask[slots] & mask) == mask) & status_ok[self._status[slots]]
            if max_distance_m is not None:
                keep &= chord <= max_distance_m + _EPS_M
            open_flags = self._open_flags(slots, minute, open_cache)
            if open_at is not None:
                keep &= (open_flags == 1) | ((open_flags == -1) & include_unknown)
            if exclude is not None:
                keep &= ~exclude(self._ids[slots])
            hits = self._rank(lon, lat, slots[keep], open_flags[keep], k, max_distance_m)
            if (
                bound == math.inf  # every station of the tree was a candidate
                or (len(hits) == k and hits[-1].distance_m < bound - _EPS_M)
                or (max_distance_m is not None and bound > max_distance_m + _EPS_M)
            ):
                return hits
            n *= 4

    def _open_states(self, when: datetime | None) -> tuple[datetime | None, dict[int, bool | None]]:
        """The minute of ``when`` and the schedule states known for it.

        OSM opening hours are written in whole minutes (the package's sunrise and sunset
        are fixed times without coordinates), so a schedule's state at any second of a
        minute is its state at the minute's start (tests/geo/test_index.py checks it on
        every schedule the tests use). One memo serves every query about the same
        minute; asking about another minute starts a new one. Concurrent searches at
        worst compute a state twice.
        """
        if when is None:
            return None, {}
        minute = when.replace(second=0, microsecond=0)
        memo_minute, memo = self._open_memo
        if memo_minute != minute:
            memo = {}
            self._open_memo = (minute, memo)
        return minute, memo

    def _open_flags(
        self, slots: NDArray[np.int64], when: datetime | None, cache: dict[int, bool | None]
    ) -> NDArray[np.int8]:
        """Per slot: 1 open, 0 closed, -1 unknown (no hours, or hours give no answer);
        ``when`` is a whole minute, ``cache`` the states known for it."""
        if when is None:
            return np.full(len(slots), -1, dtype=np.int8)
        scheds = self._sched[slots]
        # A search's first round asks about a few dozen slots: a loop is cheaper than
        # sorting them; a widened round asks once per distinct schedule.
        distinct, where = (
            (scheds, None) if len(scheds) <= 64 else np.unique(scheds, return_inverse=True)
        )
        states = []
        for sid in distinct.tolist():
            if sid < 0:
                states.append(-1)
                continue
            if sid in cache:
                state = cache[sid]
            else:
                state = cache[sid] = is_open_at(self._schedules[sid], when)
            states.append(-1 if state is None else int(state))
        flags = np.array(states, dtype=np.int8)
        return flags if where is None else flags[where]

    def _rank(
        self,
        lon: float,
        lat: float,
        slots: NDArray[np.int64],
        open_flags: NDArray[np.int8],
        k: int,
        max_distance_m: float | None,
    ) -> list[Hit]:
        if len(slots) == 0:
            return []
        dist, bearing = distance_bearing(lon, lat, self._lon[slots], self._lat[slots])
        ids = self._ids[slots]
        order = np.lexsort((ids, dist))[:k]
        hits = []
        for i in order:
            if max_distance_m is not None and dist[i] > max_distance_m:
                break
            flag = int(open_flags[i])
            hits.append(
                Hit(
                    int(ids[i]), float(dist[i]), float(bearing[i]), None if flag < 0 else bool(flag)
                )
            )
        return hits

    # -- brute force, for tests and benchmarks --------------------------------------

    def columns(self) -> EntryColumns:
        """Every indexed station as columns, in slot order."""
        live = np.flatnonzero(self._ids >= 0)  # free and spare slots hold -1
        return EntryColumns(
            self._ids[live],
            self._lon[live],
            self._lat[live],
            self._mask[live],
            self._status[live],
            [self._schedules[i] if i >= 0 else None for i in self._sched[live].tolist()],
        )

    def points(self) -> StationPoints:
        """Every indexed station's id, position, status and amenities, as copies of the
        columns (no schedules: cheaper than :meth:`columns` at a million stations)."""
        live = np.flatnonzero(self._ids >= 0)
        return StationPoints(
            self._ids[live], self._lon[live], self._lat[live], self._status[live],
            self._mask[live],
        )  # fmt: skip

    def entries(self) -> list[IndexEntry]:
        """Every indexed station, in slot order (used by oracles and tests)."""
        return self.columns().entries()
