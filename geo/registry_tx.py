"""A registry's batch of writes (an import's): one store transaction, seen by searches
all at once when it commits (``geo.registry.Registry.transaction``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from geo.index import EntryColumns, Hit
from geo.index_entries import entry_columns
from geo.model import Station, StationData, Status
from geo.storage.base import StoreTransaction

if TYPE_CHECKING:
    from geo.registry import Registry

__all__ = ["RegistryTransaction"]


class RegistryTransaction:
    """Writes inside one store transaction; the index follows on ``commit``."""

    def __init__(self, registry: Registry, tx: StoreTransaction) -> None:
        self._registry = registry
        self._tx = tx
        self._pending: list[EntryColumns] = []
        self._open = True

    def get_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, list[Station]]:
        """The stations with each source id, in every district, as this transaction sees
        them, locked to its end."""
        return self._tx.get_by_external_ids(external_ids)

    def get_many(self, station_ids: Sequence[int]) -> dict[int, Station]:
        """Stations by id, as this transaction sees them, locked to its end."""
        return self._tx.get_many(station_ids)

    def near(self, lon: float, lat: float, *, radius_m: float, k: int = 20) -> list[Hit]:
        """Committed stations of any status within ``radius_m`` metres, nearest first."""
        with self._registry._lock:
            return self._registry.index.nearest(
                lon, lat, k=k, max_distance_m=radius_m, statuses=frozenset(Status)
            )

    def add_many(self, items: Sequence[StationData], *, now: datetime) -> list[int]:
        """Insert stations; returns their ids in the order of ``items``, which must carry
        their position's place fields already (``geo.places.placed``, as an import's
        rows do: the import reports the labels it replaced)."""
        ids = self._tx.add_many(items, now=now)
        if ids:
            self._pending.append(entry_columns(items, ids))
        return ids

    def update_many(
        self, items: Sequence[tuple[Station, StationData]], *, now: datetime
    ) -> list[Station]:
        """Change stations, each given as read and as it should become; only the fields
        that differ are written (``StoreTransaction.update_many``); placed, as in
        :meth:`add_many`. Returns them as stored."""
        updated = self._tx.update_many(items, now=now)
        if updated:
            self._pending.append(entry_columns(updated, [s.id for s in updated]))
        return updated

    def commit(self, *, summary: dict[str, Any] | None = None) -> None:
        """Commit the store transaction and apply it to the index, under the index lock;
        ``summary`` becomes the batch's own audit entry (an import's counts).

        A large batch gets a fresh index built *before* taking the index lock (only
        writers change the index, and this transaction holds the write lock), so
        searches wait only for the commit and the swap, not for the rebuild.
        """
        registry = self._registry
        changes = EntryColumns.concat(self._pending)  # the last write of a station wins
        self._pending = []
        rebuild = registry._wants_rebuild(len(changes))
        fresh = registry._rebuilt_index(changes) if rebuild else None
        with registry._lock:
            self._tx.commit(summary=summary)
            self._open = False
            if fresh is not None:
                registry.index = fresh
            else:
                for entry in changes.entries():
                    registry.index.upsert(entry)
            seqs = self._tx.seqs
            if seqs is not None and seqs[0] == registry._seen + 1:
                registry._seen = seqs[1]  # nobody else wrote meanwhile: nothing to replay

    def rollback(self) -> None:
        """Undo the transaction's writes, if it is still open."""
        if self._open:
            self._open = False
            self._tx.rollback()
