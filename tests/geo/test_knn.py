"""``NearestPoints`` (geo/knn.py) against brute force: whatever was inserted and removed,
every live point it does not return is at least its bound away, it returns no removed
point, and an infinite bound means it returned every live point."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from geo.knn import NearestPoints

coords = st.floats(-50.0, 50.0, allow_nan=False).map(lambda v: round(v, 1))  # ties likely
points = st.tuples(coords, coords, coords)


@given(
    initial=st.lists(points, max_size=40),
    ops=st.lists(st.tuples(st.booleans(), st.integers(0, 59), points), max_size=40),
    query=points,
    n=st.integers(1, 30),
    compact_min=st.sampled_from([1024, 0, 4]),
)
def test_candidates_and_bound_match_brute_force(
    initial: list[tuple[float, float, float]],
    ops: list[tuple[bool, int, tuple[float, float, float]]],
    query: tuple[float, float, float],
    n: int,
    compact_min: int,
) -> None:
    xyz = np.zeros((60, 3))
    live: set[int] = set(range(len(initial)))
    xyz[: len(initial)] = np.array(initial).reshape(-1, 3)
    tree = NearestPoints(np.arange(len(initial)), xyz[: len(initial)], compact_min=compact_min)
    for insert, slot, point in ops:
        if slot in live:  # a move is a removal then an insert, as geo.index does it
            x, y, z = (float(v) for v in xyz[slot])
            tree.delete(slot, (x, y, z, x, y, z))
            live.discard(slot)
        if insert:
            xyz[slot] = point
            tree.insert(slot, (*point, *point))
            live.add(slot)
        if tree.wants_compaction:  # what geo.index does: build again from the live slots
            slots = np.array(sorted(live), dtype=np.int64)
            tree = NearestPoints(slots, xyz[slots], compact_min=compact_min)
    q = np.array(query)
    got, bound = tree.nearest(q, n, xyz)
    assert len(set(got.tolist())) == len(got)
    assert set(got.tolist()) <= live
    chord = {s: float(np.sqrt(((xyz[s] - q) ** 2).sum())) for s in live}
    unseen = live - set(got.tolist())
    assert all(chord[s] >= bound - 1e-9 for s in unseen)
    if bound == math.inf:
        assert not unseen
    # The search ends: asked for enough, it returns every live point and bounds nothing.
    every, bound = tree.nearest(q, 100, xyz)
    assert (sorted(every.tolist()), bound) == (sorted(live), math.inf)
