"""The registry: the store and the spatial index kept in step.

Every domain operation the API and the CLI offer is a method here, called with keyword
arguments. Two locks:

- the *write lock* serialises this process's writers (one edit, or a whole import);
- the *index lock* is held by every search, and by a writer only while it applies its
  committed change to the index (a large import also commits under it).

A single-station write commits to the store before taking the index lock: on SQLite the
commit may wait for another process's import, and searches must not wait with it. So
for a moment a search may rank by the old position and return the new record, or not
find a just-deleted station's record (it is then left out): the same window every
worker has for writes made by other processes, until it follows the change log.

Every write names its ``actor`` (``geo.access``): the store refuses writes outside an
editor's districts and records each write in the audit log, in the write's transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from geo.access import SYSTEM, Actor
from geo.amenities import mask_of
from geo.audit import AuditEntry
from geo.clock import monotonic
from geo.errors import StationError
from geo.filters import Filter, SortKey
from geo.index import EntryColumns, Hit, IndexEntry, StationIndex, StationPoints
from geo.index_entries import index_entry
from geo.model import (
    EDITABLE_FIELDS,
    PLACE_FIELDS,
    Station,
    StationData,
    Status,
    build_station_data,
    utc_now,
)
from geo.places import place_strict
from geo.registry_tx import RegistryTransaction
from geo.reports.follow import LiveReports
from geo.reports.moderation import Verdict, VerdictResult
from geo.search import NearestQuery
from geo.storage import BBox, Page, StationStore, open_store
from geo.textsearch import Term

log = logging.getLogger(__name__)


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


_H = TypeVar("_H", bound=_HasId)  # a search hit: Hit, geo.route.RouteHit

# A batch larger than this (and than the index) rebuilds the index instead of inserting.
BULK_REBUILD = 1000
# How often each worker looks for stations whose reopening date has come: a station
# closed "until the 20th" opens within seconds of midnight, at one indexed read a time.
REOPEN_EVERY_S = 5.0


@dataclass(frozen=True, slots=True)
class NearestResult:
    """A nearest-search answer: the query as understood and the stations found."""

    query: NearestQuery
    hits: list[tuple[Station, Hit]]


def _default(field: str) -> Any:
    """What ``null`` means for a field in a patch: its default, or ``None`` if required."""
    info = StationData.model_fields.get(field)
    if info is None or info.is_required():
        return None
    return info.get_default(call_default_factory=True)


def station_fields(station: StationData) -> dict[str, Any]:
    """The editable fields of a station, as ``build_station_data`` takes them."""
    return {f: getattr(station, f) for f in EDITABLE_FIELDS}


class Registry:
    """Station records plus the exact nearest-search index."""

    def __init__(self, store: StationStore) -> None:
        self.store = store
        self._lock = threading.RLock()  # the index lock
        self._write_lock = threading.RLock()
        self._wake = threading.Event()  # follow: sync now
        self.built_in_s = 0.0  # the last full build of the index (reload), seconds
        self._seen = 0  # every change up to this seq of the store's log is in the index
        self.index = StationIndex()
        self.live = LiveReports(store, self._lock)  # couriers' reports: geo.reports
        self.reload()

    # -- following other processes' writes ---------------------------------------------

    @property
    def seen(self) -> int:
        """The store's change sequence up to which every change is in the index."""
        return self._seen

    def reload(self) -> None:
        """Rebuild the index from the store (at start, or when too far behind)."""
        with self._write_lock:
            started = monotonic()
            seen = self.store.last_change()  # before reading: later writes are replayed
            index = StationIndex(self.store.index_columns())
            self.built_in_s = monotonic() - started
            with self._lock:
                self.index, self._seen = index, seen
            self.live.reload()

    def sync(self) -> int:
        """Apply writes that other processes (API workers, a CLI import) committed to the
        store since the last call; returns how many stations changed.

        Each worker calls this a few times a second (``follow``), so a write through
        any worker reaches every worker's searches within a second.
        """
        with self._write_lock:
            self.live.sync()
            last, runs = self.store.changes_since(self._seen)
            if last == self._seen:
                return 0
            if runs is None or sum(b - a + 1 for a, b in runs) > max(BULK_REBUILD, len(self) // 4):
                self.reload()
                return len(self)
            ids = sorted({i for a, b in runs for i in range(a, b + 1)})
            entries = {e.id: e for e in self.store.index_entries(ids)}
            with self._lock:
                for station_id in ids:
                    entry = entries.get(station_id)
                    if entry is None:
                        self.index.remove(station_id)
                    else:
                        self.index.upsert(entry)
                self._seen = last
            return len(ids)

    def follow(
        self, stop: threading.Event, *, interval_s: float = 0.25, pushed: bool = False
    ) -> None:
        """Call :meth:`sync` every ``interval_s`` seconds until ``stop`` is set (a thread),
        and :meth:`reopen_due` every :data:`REOPEN_EVERY_S`. ``pushed``: the store tells
        of other processes' writes (``StationStore.listen`` calling :meth:`wake`), so a
        sync also runs as soon as it does; whoever sets ``stop`` then calls :meth:`wake`."""
        sweep_at = monotonic()
        while True:
            if pushed:
                self._wake.wait(interval_s)  # a notification, or the interval
                self._wake.clear()
                if stop.is_set():
                    return
            elif stop.wait(interval_s):
                return
            try:
                self.sync()
                if monotonic() >= sweep_at:
                    sweep_at = monotonic() + REOPEN_EVERY_S
                    self.reopen_due()
            except StationError as exc:  # the database is away: try again next time
                log.warning("cannot follow the store's changes: %s", exc)

    def wake(self) -> None:
        """Make :meth:`follow` sync now rather than at its next interval (another
        process committed a write: ``StationStore.listen``)."""
        self._wake.set()

    def reopen_due(self) -> list[Station]:
        """Open again the stations closed on a report whose date has come
        (``geo.reports.reopen``); every worker runs this, each station opens once."""
        with self._write_lock:
            reopened = self.live.reopen_due()
            with self._lock:
                for station in reopened:
                    self.index.upsert(index_entry(station))
            return reopened

    def __len__(self) -> int:
        return len(self.index)

    # -- reads -------------------------------------------------------------------

    def nearest(self, query: NearestQuery) -> NearestResult:
        """The stations answering a nearest query, nearest first (ties by id)."""
        return NearestResult(query=query, hits=self.search(self._nearest_run(query)))

    def nearest_unless_busy(self, query: NearestQuery) -> NearestResult | None:
        """:meth:`nearest`, or ``None`` at once when a writer holds the index lock (an
        import's commit can hold it for seconds): for a caller that must not block, such
        as the API's event loop, which then waits for :meth:`nearest` in a thread."""
        hits = self._search(self._nearest_run(query), blocking=False)
        return None if hits is None else NearestResult(query=query, hits=hits)

    def _nearest_run(self, query: NearestQuery) -> Callable[[StationIndex], list[Hit]]:
        """The index search of a nearest query."""
        return lambda index: index.nearest(
            query.lon,
            query.lat,
            k=query.k,
            mask=query.mask,
            max_distance_m=query.max_distance_m,
            statuses=query.statuses,
            open_at=query.open_at,
            include_unknown=query.include_unknown,
            exclude=self.live.excluder(query.exclude_reported),
        )

    def search(self, run: Callable[[StationIndex], list[_H]]) -> list[tuple[Station, _H]]:
        """Run a search on the index under the index lock (it never sees a write half
        applied, however many index queries it makes), and pair each hit, in order, with
        its record from the store.

        A station another process deleted since this worker last followed the change log
        is still in the index for up to a follow interval: it is left out, not an error.
        """
        found = self._search(run, blocking=True)
        assert found is not None  # a blocking acquire always succeeds
        return found

    def _search(
        self, run: Callable[[StationIndex], list[_H]], *, blocking: bool
    ) -> list[tuple[Station, _H]] | None:
        if not self._lock.acquire(blocking=blocking):
            return None
        try:
            hits = run(self.index)
            records = self.store.get_many([h.id for h in hits])
        finally:
            self._lock.release()
        return [(records[h.id], h) for h in hits if h.id in records]

    def points(self) -> tuple[int, StationPoints]:
        """Every station's id, position, status and amenities, and the store's change
        sequence they include: a write any process committed up to it is in (caught up
        with :meth:`sync` first); a later one may be too. What vector tiles are cut from
        (``geo.tiles``), keyed by the sequence."""
        with self._write_lock:  # no write of this process half done (store, not index)
            seq = self.store.last_change()
            self.sync()
            with self._lock:
                return seq, self.index.points()

    def extent(self) -> tuple[float, float, float, float] | None:
        """(min_lon, min_lat, max_lon, max_lat) of every indexed station, None if none."""
        with self._lock:
            columns = self.index.columns()
        if len(columns) == 0:
            return None
        lon, lat = columns.lon, columns.lat
        return (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))

    def get(self, *, station_id: int) -> Station:
        """One station by id."""
        return self.store.get(station_id)

    def list_stations(
        self,
        *,
        bbox: BBox | None = None,
        amenities: tuple[str, ...] = (),
        statuses: frozenset[Status] = frozenset(Status),
        limit: int = 100,
        offset: int = 0,
        adcodes: frozenset[str] | None = None,
        text: tuple[Term, ...] = (),
        where: Filter | None = None,
        order: tuple[SortKey, ...] = (),
    ) -> Page:
        """A page of stations ordered by id; with ``adcodes``, only those whose district
        is one of them (``geo.outlines.areas.districts_of`` names an area's); with
        ``text``, those whose name or address holds every term (``geo.textsearch``);
        with ``where``, those a filter keeps (``geo.filters.read_filter``); with
        ``order``, sorted by those keys (``geo.filters.parse_sortby``), then by id."""
        return self.store.list_stations(
            bbox=bbox, mask=mask_of(amenities), statuses=statuses, limit=limit, offset=offset,
            adcodes=adcodes, text=text, where=where, order=order,
        )  # fmt: skip

    # -- writes ------------------------------------------------------------------

    def create(self, *, data: StationData, actor: Actor = SYSTEM) -> Station:
        """Add a station."""
        return self.create_many(items=[data], actor=actor)[0]

    def create_many(self, *, items: Iterable[StationData], actor: Actor = SYSTEM) -> list[Station]:
        """Add many stations in one transaction, each in the district its position is in
        (``geo.places``: a label the position belies is refused, ``DistrictMismatch``)."""
        items = place_strict(list(items))
        # The store write happens outside the index lock: on SQLite it may wait seconds
        # for another process's import to commit, and searches must not wait with it.
        with self._write_lock:
            created = self.store.add_many(items, now=utc_now(), actor=actor)
            entries = [index_entry(s) for s in created]
            if self._wants_rebuild(len(entries)):
                fresh = self._rebuilt_index(EntryColumns.from_entries(entries))
                with self._lock:
                    self.index = fresh
            else:
                with self._lock:
                    self._index_upsert(entries)
            return created

    def _wants_rebuild(self, changed: int) -> bool:
        # Bulk-loading a fresh index beats thousands of one-by-one inserts.
        return changed > max(BULK_REBUILD, len(self.index) // 4)

    def _rebuilt_index(self, changes: EntryColumns) -> StationIndex:
        """A fresh index of the current one with ``changes`` applied (the caller holds the
        write lock, so the index cannot change meanwhile)."""
        return StationIndex(
            EntryColumns.concat([self.index.columns().without(changes.ids), changes])
        )

    def _index_upsert(self, entries: list[IndexEntry]) -> None:
        """Apply entries to the index; the caller holds the index lock."""
        if self._wants_rebuild(len(entries)):
            self.index = self._rebuilt_index(EntryColumns.from_entries(entries))
        else:
            for entry in entries:
                self.index.upsert(entry)

    def replace(
        self,
        *,
        station_id: int,
        data: StationData | Callable[[Station], StationData],
        actor: Actor = SYSTEM,
    ) -> Station:
        """Overwrite every field of a station (PUT semantics); ``data`` may be a function
        of the stored station, called with its row locked (see ``StationStore.replace``).
        The district follows the position, as in :meth:`create_many`."""
        if isinstance(data, StationData):
            (data,) = place_strict([data])
        else:
            make = data

            def data(current: Station) -> StationData:
                return place_strict([make(current)])[0]

        with self._write_lock:  # the store write outside the index lock (see create_many)
            station, changed = self.store.replace(station_id, data, now=utc_now(), actor=actor)
            if changed:
                with self._lock:
                    self.index.upsert(index_entry(station))
                self.live.edited(station_id)
            return station

    def patch(
        self, *, station_id: int, changes: Mapping[str, Any], actor: Actor = SYSTEM
    ) -> Station:
        """Change some fields of a station; a ``None`` value clears an optional field.
        The place fields are the new position's: a place label in ``changes`` is checked
        against it, the stored ones are not (they were the old position's)."""
        cleared = {k: _default(k) for k, v in changes.items() if v is None}

        def patched(current: Station) -> StationData:
            kept = {k: v for k, v in station_fields(current).items() if k not in PLACE_FIELDS}
            return build_station_data(kept | dict(changes) | cleared)

        # Read, merged and written in one store transaction with the row locked: another
        # worker's concurrent patch of other fields is not overwritten (lost update).
        return self.replace(station_id=station_id, data=patched, actor=actor)

    def judge_report(
        self,
        report_id: int,
        verdict: Verdict,
        *,
        actor: Actor,
        note: str | None = None,
        reopens_at: str | None = None,
    ) -> VerdictResult:
        """An editor's verdict on a courier's report (``geo.reports.moderation``), with
        a reopening date for a confirmed ``closed_now`` (``geo.reports.reopen``); a
        confirmation that changes the station changes it in the index too."""
        with self._write_lock:
            result = self.live.judge(
                report_id, verdict, actor=actor, note=note, reopens_at=reopens_at
            )
            if result.changed:
                with self._lock:
                    self.index.upsert(index_entry(result.station))
            return result

    def delete(self, *, station_id: int, actor: Actor = SYSTEM) -> Station:
        """Remove a station and return what it was."""
        with self._write_lock:  # the store write outside the index lock (see create_many)
            station = self.store.delete(station_id, now=utc_now(), actor=actor)
            with self._lock:
                self.index.remove(station_id)
            self.live.edited(station_id)
            return station

    def audit_log(
        self,
        *,
        station_id: int | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        before_seq: int | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """Audit entries matching every filter given, newest first (``geo.audit``)."""
        return self.store.audit_log(
            station_id=station_id,
            actor=actor,
            action=action,
            since=since,
            before_seq=before_seq,
            limit=limit,
        )

    @contextmanager
    def transaction(self, *, actor: Actor = SYSTEM) -> Iterator[RegistryTransaction]:
        """A batch of writes that searches see all at once, on commit (for imports).

        Holds the write lock throughout; rolls back unless ``commit()`` was called.
        """
        with self._write_lock:
            tx = RegistryTransaction(self, self.store.transaction(actor=actor))
            try:
                yield tx
            finally:
                tx.rollback()

    def close(self) -> None:
        """Close the store."""
        self.store.close()


def open_registry(database_url: str) -> Registry:
    """Open the store at ``database_url`` and build the index from it."""
    return Registry(open_store(database_url))
