"""The station id map (geo/idmap.py) that the index and the import matcher share."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.idmap import IdMap

station_ids = st.one_of(
    st.integers(0, 300), st.integers(-5, -1), st.integers(1 << 26, (1 << 26) + 5), st.just(2**62)
)


@settings(max_examples=300, deadline=None)
@given(
    start=st.lists(station_ids, unique=True, max_size=30),
    ops=st.lists(st.tuples(st.sampled_from(["set", "pop"]), station_ids), max_size=60),
)
def test_the_id_map_behaves_like_a_dict(start: list[int], ops: list[tuple[str, int]]) -> None:
    """A numpy array for dense ids, a dict for the rest: a dict all the same."""
    mapped = IdMap.of(np.array(start, dtype=np.int64))
    model = {i: n for n, i in enumerate(start)}
    next_value = len(start)
    for op, i in ops:
        if op == "set" and i not in model:
            mapped.set(i, next_value)
            model[i] = next_value
            next_value += 1
        elif op == "pop":
            assert mapped.pop(i) == model.pop(i, None)
        assert len(mapped) == len(model)
    for i in {*start, *(i for _, i in ops)}:
        assert mapped.get(i) == model.get(i)


@pytest.mark.parametrize("ids", [[3, 5, 3], [1 << 27, 2, 1 << 27], [-1, -1]])
def test_repeated_ids_are_refused(ids: list[int]) -> None:
    with pytest.raises(ValueError, match="duplicate station id"):
        IdMap.of(np.array(ids, dtype=np.int64))
