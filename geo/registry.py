"""The registry: the store and the spatial index kept in step, behind one lock.

Every domain operation the API and the CLI offer is a method here, called with keyword
arguments. A write goes to the store first (one transaction) and then to the index,
both under the lock, so a search never sees the index and the store disagree.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from geo.amenities import mask_of
from geo.index import Hit, IndexEntry, StationIndex
from geo.model import EDITABLE_FIELDS, Station, StationData, Status, build_station_data, utc_now
from geo.search import NearestQuery
from geo.storage import BBox, Page, StationStore, open_store

# A batch larger than this (and than the index) rebuilds the index instead of inserting.
BULK_REBUILD = 1000


@dataclass(frozen=True, slots=True)
class NearestResult:
    """A nearest-search answer: the query as understood and the stations found."""

    query: NearestQuery
    hits: list[tuple[Station, Hit]]


def index_entry(station: Station) -> IndexEntry:
    """What the index keeps of a station."""
    return IndexEntry(
        id=station.id,
        lon=station.lon,
        lat=station.lat,
        mask=mask_of(station.amenities),
        status=station.status,
        hours_osm=station.opening_hours_osm,
    )


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
        self._lock = threading.RLock()
        self.index = StationIndex(store.index_entries())

    def __len__(self) -> int:
        return len(self.index)

    # -- reads -------------------------------------------------------------------

    def nearest(self, query: NearestQuery) -> NearestResult:
        """The stations answering a nearest query, nearest first (ties by id)."""
        with self._lock:
            hits = self.index.nearest(
                query.lon,
                query.lat,
                k=query.k,
                mask=query.mask,
                max_distance_m=query.max_distance_m,
                statuses=query.statuses,
                open_at=query.open_at,
            )
            records = self.store.get_many([h.id for h in hits])
        return NearestResult(query=query, hits=[(records[h.id], h) for h in hits])

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
    ) -> Page:
        """A page of stations ordered by id."""
        return self.store.list_stations(
            bbox=bbox, mask=mask_of(amenities), statuses=statuses, limit=limit, offset=offset
        )

    # -- writes ------------------------------------------------------------------

    def create(self, *, data: StationData) -> Station:
        """Add a station."""
        return self.create_many(items=[data])[0]

    def create_many(self, *, items: Iterable[StationData]) -> list[Station]:
        """Add many stations in one transaction."""
        with self._lock:
            created = self.store.add_many(items, now=utc_now())
            entries = [index_entry(s) for s in created]
            if len(entries) > max(BULK_REBUILD, len(self.index)):
                # Bulk-loading a fresh index beats thousands of one-by-one inserts.
                self.index = StationIndex(self.index.entries() + entries)
            else:
                for entry in entries:
                    self.index.upsert(entry)
            return created

    def replace(self, *, station_id: int, data: StationData) -> Station:
        """Overwrite every field of a station (PUT semantics)."""
        with self._lock:
            station, changed = self.store.replace(station_id, data, now=utc_now())
            if changed:
                self.index.upsert(index_entry(station))
            return station

    def patch(self, *, station_id: int, changes: Mapping[str, Any]) -> Station:
        """Change some fields of a station; a ``None`` value clears an optional field."""
        cleared = {k: _default(k) for k, v in changes.items() if v is None}
        with self._lock:
            current = self.store.get(station_id)
            data = build_station_data(station_fields(current) | dict(changes) | cleared)
            return self.replace(station_id=station_id, data=data)

    def delete(self, *, station_id: int) -> Station:
        """Remove a station and return what it was."""
        with self._lock:
            station = self.store.delete(station_id)
            self.index.remove(station_id)
            return station

    def close(self) -> None:
        self.store.close()


def open_registry(database_url: str) -> Registry:
    """Open the store at ``database_url`` and build the index from it."""
    return Registry(open_store(database_url))


def load_demo(registry: Registry, *, seed: int, cities: tuple[str, ...] | None = None) -> int:
    """Add the seeded demo registry (Beijing and Chongqing); returns how many stations."""
    from geo.boundaries import CITIES  # geopandas is only needed here
    from geo.demo import generate_demo

    created = registry.create_many(items=generate_demo(seed=seed, cities=cities or CITIES))
    registry.store.set_meta("demo_seed", str(seed))
    return len(created)


def prepare_registry(registry: Registry, *, demo: bool, seed: int) -> int:
    """On the very first start of an empty store, load the demo registry if wanted.

    Returns the number of demo stations loaded (0 if none). A store that was
    initialised once is never refilled, even if an administrator empties it.
    """
    if registry.store.get_meta("initialised") is not None:
        return 0
    loaded = load_demo(registry, seed=seed) if demo and len(registry) == 0 else 0
    registry.store.set_meta("initialised", utc_now().isoformat())
    return loaded
