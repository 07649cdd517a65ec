"""The change log (``changes``): which stations each committed write changed (both
backends), so that other processes on the same database (API workers, a CLI import)
bring their in-memory index up to date (``StationRecords.changes_since``)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.storage.dialect import SqlDialect
from geo.storage.schema import changes

# Rows older than this many writes are pruned; a reader further behind rebuilds.
KEEP_CHANGES = 100_000


def id_ranges(ids: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted ids as inclusive (first, last) runs: 1,2,3,7 -> (1, 3), (7, 7)."""
    runs: list[tuple[int, int]] = []
    for i in sorted(set(ids)):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def log_changes(
    conn: Connection, ids: Iterable[int], dialect: SqlDialect
) -> tuple[int, int] | None:
    """Append the changed ids to ``changes``, just before the transaction commits.

    Returns the first and last seq written (None if nothing changed). Taken first, the
    dialect's lock (``SqlDialect.lock_changes``: a PostgreSQL advisory lock held to the
    commit) makes seqs commit in order, so a reader never sees seq n+1 before seq n;
    SQLite already has one writer at a time.
    """
    runs = id_ranges(ids)
    if not runs:
        return None
    dialect.lock_changes(conn)
    result = conn.execute(
        changes.insert().returning(changes.c.seq, sort_by_parameter_order=True),
        [{"id_from": a, "id_to": b} for a, b in runs],
    )
    seqs = [int(s) for s in result.scalars()]
    first, last = min(seqs), max(seqs)
    if last % 1000 < len(runs):  # about once every 1000 writes
        conn.execute(changes.delete().where(changes.c.seq <= last - KEEP_CHANGES))
    dialect.announce(conn, last)  # delivered at the commit, to every listening server
    return first, last


def last_change(conn: Connection) -> int:
    """The seq of the last committed write (0 if none)."""
    return int(conn.scalar(sa.select(sa.func.max(changes.c.seq))) or 0)


def changes_since(conn: Connection, seq: int) -> tuple[int, list[tuple[int, int]] | None]:
    """Writes committed after ``seq``: the new last seq, and the changed ids as runs;
    None instead of the runs if some were pruned."""
    oldest = conn.scalar(sa.select(sa.func.min(changes.c.seq)))
    rows = conn.execute(
        sa.select(changes.c.seq, changes.c.id_from, changes.c.id_to)
        .where(changes.c.seq > seq)
        .order_by(changes.c.seq)
    ).all()
    if not rows:
        return seq, []
    if oldest is not None and int(oldest) > seq + 1:
        return int(rows[-1][0]), None  # pruned past us: the caller reloads everything
    return int(rows[-1][0]), [(int(a), int(b)) for _, a, b in rows]
