"""The chord-nearest candidates of a changing set of points, exactly: a compiled k-d tree
over the points present when it was built, an R-tree over those added since.

``geo.index`` searches stations by their ECEF position (metres) and asks, round after
round, for the ``n`` points nearest to a query by chord (straight-line) distance, with
a bound: every point not returned is at least that far. scipy's ``cKDTree`` answers that
in C (26 neighbours of 150,000 points: 27 us against 93 us for the R-tree's
``nearest``, measured in docs/performance.md), but it cannot change. So a
``NearestPoints`` holds

- ``cKDTree`` over the slots given when built (``_static``, sorted), with a flag per
  slot for those removed since (``_alive``);
- an ``rtree`` index (libspatialindex, dynamic) of the slots inserted since
  (``_overlay``), as the whole index used to be.

A query takes the ``n`` nearest of each part. Every point of a part that was not
returned is at least as far as the farthest one returned (a part that returned all of
its points bounds nothing), so every point not seen is at least the smaller of the two
parts' bounds away: the same guarantee one tree gives, so ``geo.index``'s proof of
exactness is unchanged. Removed static slots come back from the k-d tree and are
dropped, which only makes a round see fewer live candidates. When the changes since
the build outnumber ``max(compact_min, built / 8)``, the owner builds it again
(``wants_compaction``; ``geo.index`` does, from its columns).

Not thread-safe: ``geo.index``'s caller serialises access.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from rtree import index as rtree_index
from scipy.spatial import cKDTree

# Changes since the build (inserts plus removals) that make a rebuild worth it, at least.
COMPACT_MIN = 1024

Box = tuple[float, float, float, float, float, float]


def _rtree() -> rtree_index.Index:
    props = rtree_index.Property()
    props.dimension = 3
    return rtree_index.Index(properties=props)


class NearestPoints:
    """Slots (non-negative integers) at ECEF positions, searched for the chord-nearest."""

    def __init__(
        self, slots: NDArray[np.int64], xyz: NDArray[np.float64], *, compact_min: int = COMPACT_MIN
    ) -> None:
        order = np.argsort(slots, kind="stable")
        self._static = np.ascontiguousarray(slots[order], dtype=np.int64)
        points = np.ascontiguousarray(xyz[order], dtype=np.float64).reshape(-1, 3)
        # leafsize 16 and no median splits: built in ~0.1 s a million points, queried as fast.
        self._tree = cKDTree(points, leafsize=16, balanced_tree=False) if len(points) else None
        self._alive = np.ones(len(self._static), dtype=bool)
        self._overlay = _rtree()
        self._overlay_size = 0
        self._changes = 0
        self._compact_at = max(compact_min, len(self._static) // 8)

    def _static_at(self, slot: int) -> int | None:
        """The position of a live static ``slot``, if it is one."""
        at = int(np.searchsorted(self._static, slot))
        if at < len(self._static) and self._static[at] == slot and self._alive[at]:
            return at
        return None

    def insert(self, slot: int, box: Box) -> None:
        """Add ``slot`` at ``box`` (a point: min and max equal)."""
        self._overlay.insert(slot, box)
        self._overlay_size += 1
        self._changes += 1

    def delete(self, slot: int, box: Box) -> None:
        """Remove ``slot``, which is at ``box``."""
        at = self._static_at(slot)
        if at is not None:
            self._alive[at] = False
        else:
            self._overlay.delete(slot, box)
            self._overlay_size -= 1
        self._changes += 1

    @property
    def wants_compaction(self) -> bool:
        """Whether enough has changed since the build to build again."""
        return self._changes > self._compact_at

    def nearest(
        self, q: NDArray[np.float64], n: int, xyz: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], float]:
        """The live slots among the ``n`` chord-nearest of each part (and any tied with
        the R-tree's n-th), and the bound: every live slot not returned is at least that
        far from ``q`` (``inf`` when none was left out). ``xyz`` holds every slot's
        position. Removed slots of the k-d tree take places among its ``n``: a caller
        that needs more asks again with a larger ``n``."""
        parts: list[NDArray[np.int64]] = []
        bound = math.inf
        if self._tree is not None:
            count = min(n, len(self._static))
            dist, at = self._tree.query(q, k=count)
            at = np.atleast_1d(at)
            if count < len(self._static):
                bound = float(np.max(dist))
            parts.append(self._static[at[self._alive[at]]])
        if self._overlay_size:
            x, y, z = (float(v) for v in q)
            found = np.fromiter(self._overlay.nearest((x, y, z, x, y, z), n), dtype=np.int64)
            if len(found) < self._overlay_size:
                # The R-tree returns every point tied with the n-th: its farthest bounds.
                chord = np.sqrt(((xyz[found] - q) ** 2).sum(axis=1))
                bound = min(bound, float(chord.max()))
            parts.append(found)
        if not parts:
            return np.zeros(0, dtype=np.int64), bound
        return (parts[0] if len(parts) == 1 else np.concatenate(parts)), bound
