"""Station id -> a small non-negative integer, compactly.

Station ids are the store's dense AUTOINCREMENT integers, so ids below
:data:`DENSE_IDS` map through a numpy array indexed by id (-1: not mapped), 8 bytes an
id up to the largest, instead of a dict (~135 bytes an entry: 135 MB at 1,000,000
stations). Other ids (larger, negative) go to a dict. The index maps ids to slots in its
columns with it; an import, station ids to the file row that matched them.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

DENSE_IDS: Final = 1 << 26  # ids below this map through the array (at most 512 MB of it)


class IdMap:
    """Station id -> value (an int >= 0)."""

    def __init__(self) -> None:
        self.dense = np.full(0, -1, dtype=np.int64)
        self.far: dict[int, int] = {}
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def get(self, station_id: int) -> int | None:
        """The slot of a station id, or None."""
        if 0 <= station_id < len(self.dense):
            value = int(self.dense[station_id])
            return None if value < 0 else value
        return self.far.get(station_id)

    def set(self, station_id: int, value: int) -> None:
        """Map a station that is not mapped yet."""
        if 0 <= station_id < DENSE_IDS:
            if station_id >= len(self.dense):
                grown = np.full(max(station_id + 1, 2 * len(self.dense)), -1, dtype=np.int64)
                grown[: len(self.dense)] = self.dense
                self.dense = grown
            self.dense[station_id] = value
        else:
            self.far[station_id] = value
        self.count += 1

    def pop(self, station_id: int) -> int | None:
        """Remove a station id; return the slot it had, or None."""
        value = self.get(station_id)
        if value is None:
            return None
        if 0 <= station_id < len(self.dense):
            self.dense[station_id] = -1
        else:
            del self.far[station_id]
        self.count -= 1
        return value

    @classmethod
    def of(cls, ids: NDArray[np.int64]) -> IdMap:
        """Ids mapped to their positions 0..n-1; raises ValueError on a repeated id."""
        mapped = cls()
        n = len(ids)
        near = (ids >= 0) & (ids < DENSE_IDS)
        near_ids = ids[near]
        if len(near_ids):
            mapped.dense = np.full(int(near_ids.max()) + 1, -1, dtype=np.int64)
            positions = np.flatnonzero(near)
            mapped.dense[near_ids] = positions
            if not np.array_equal(mapped.dense[near_ids], positions):
                raise ValueError("duplicate station id in index entries")
        far_ids = ids[~near].tolist()
        mapped.far = dict(zip(far_ids, np.flatnonzero(~near).tolist(), strict=True))
        if len(mapped.far) != len(far_ids):
            raise ValueError("duplicate station id in index entries")
        mapped.count = n
        return mapped
