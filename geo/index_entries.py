"""What the spatial index keeps of a station: one entry, or many as columns.

:class:`IndexEntry` is one station as the index sees it (id, position, amenity bit
mask, status, opening hours); :class:`EntryColumns` holds many as numpy columns, which
is what bulk loads and rebuilds work on. The index itself is :mod:`geo.index`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from geo.amenities import mask_of
from geo.model import Station, StationData, Status

# Status -> its code in ``EntryColumns.status`` (an index into ``list(Status)``).
STATUS_CODE: Final = {s: i for i, s in enumerate(Status)}


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What the index keeps of a station."""

    id: int
    lon: float
    lat: float
    mask: int
    status: Status
    hours_osm: str | None


@dataclass(frozen=True, slots=True)
class StationPoints:
    """Stations as columns of what a map of them needs: id, WGS84 position, status
    (index into ``list(Status)``) and amenity bits."""

    ids: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    status: NDArray[np.int8]
    mask: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True)
class EntryColumns:
    """Many index entries as columns: what bulk loads and rebuilds work on.

    A 150,000-station registry loads from columns in a fraction of a second, against
    seconds when each entry is a Python object stored one by one.
    """

    ids: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    mask: NDArray[np.int64]
    status: NDArray[np.int8]  # index into ``list(Status)``
    hours_osm: list[str | None]

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of(
        cls,
        ids: Sequence[int],
        lon: Sequence[float],
        lat: Sequence[float],
        mask: Sequence[int],
        status: Sequence[Status],
        hours_osm: Sequence[str | None],
    ) -> EntryColumns:
        """Columns from plain sequences (one value per station in each)."""
        return cls(
            np.asarray(ids, dtype=np.int64).reshape(-1),
            np.asarray(lon, dtype=np.float64).reshape(-1),
            np.asarray(lat, dtype=np.float64).reshape(-1),
            np.asarray(mask, dtype=np.int64).reshape(-1),
            np.fromiter((STATUS_CODE[s] for s in status), dtype=np.int8, count=len(status)),
            list(hours_osm),
        )

    @classmethod
    def from_entries(cls, entries: Iterable[IndexEntry]) -> EntryColumns:
        """Columns of entry objects."""
        rows = [(e.id, e.lon, e.lat, e.mask, e.status, e.hours_osm) for e in entries]
        if not rows:
            return cls.of([], [], [], [], [], [])
        ids, lon, lat, mask, status, hours = zip(*rows, strict=True)
        return cls.of(ids, lon, lat, mask, status, hours)

    @classmethod
    def concat(cls, parts: Sequence[EntryColumns]) -> EntryColumns:
        """One set of columns; where an id appears more than once, the last one wins."""
        if not parts:
            return cls.from_entries(())
        ids = np.concatenate([p.ids for p in parts])
        # np.unique on the reversed ids finds each id's last occurrence.
        _, first_reversed = np.unique(ids[::-1], return_index=True)
        keep = np.sort(len(ids) - 1 - first_reversed)
        hours = [h for p in parts for h in p.hours_osm]
        return cls(
            ids[keep],
            np.concatenate([p.lon for p in parts])[keep],
            np.concatenate([p.lat for p in parts])[keep],
            np.concatenate([p.mask for p in parts])[keep],
            np.concatenate([p.status for p in parts])[keep],
            [hours[i] for i in keep.tolist()],
        )

    def entries(self) -> list[IndexEntry]:
        """The columns as entry objects."""
        statuses = list(Status)
        return [
            IndexEntry(i, lon, lat, m, statuses[s], h)
            for i, lon, lat, m, s, h in zip(
                self.ids.tolist(),
                self.lon.tolist(),
                self.lat.tolist(),
                self.mask.tolist(),
                self.status.tolist(),
                self.hours_osm,
                strict=True,
            )
        ]

    def without(self, ids: NDArray[np.int64]) -> EntryColumns:
        """These columns minus the stations whose ids are given."""
        keep = np.flatnonzero(~np.isin(self.ids, ids))
        return EntryColumns(
            self.ids[keep],
            self.lon[keep],
            self.lat[keep],
            self.mask[keep],
            self.status[keep],
            [self.hours_osm[i] for i in keep.tolist()],
        )


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


def entry_columns(items: Sequence[StationData], ids: Sequence[int]) -> EntryColumns:
    """Index columns of stations given with their ids."""
    return EntryColumns.of(
        ids,
        [d.lon for d in items],
        [d.lat for d in items],
        [mask_of(d.amenities) for d in items],
        [d.status for d in items],
        [d.opening_hours_osm for d in items],
    )
