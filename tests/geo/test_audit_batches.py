"""An import's creations are logged one row per batch (``geo.storage.audit_batches``)
and read back as exactly the entries one row each gave: same seqs, same fields, every
filter, every page; a downgrade puts them back as rows. SQLite and PostGIS."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

import geo.storage.transaction
from geo.access import SYSTEM, Actor, Role
from geo.audit import AuditEntry
from geo.clock import ManualClock
from geo.model import StationData, build_station_data
from geo.storage import StationStore, access_sql, open_store
from geo.storage.migrations import alembic_config, upgrade

T0 = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
ALICE = Actor("key:7", "朝阳区总工会", Role.EDITOR, frozenset({"110105"}))
BOB = Actor("cli:bob", "bob", Role.ADMIN, frozenset())


def data(i: int, **fields: object) -> StationData:
    values = {"name": f"驿站{i}", "lon": 116.46 + i / 1e4, "lat": 39.92, "adcode": "110105"}
    return build_station_data(values | {"external_id": f"E{i}"} | fields)


def write_history(store: StationStore) -> None:
    """Single writes and three imports (batches of creations among updates), two actors,
    six hours: what the log's filters and pages must find their way through."""
    store.add(data(0), now=T0, actor=ALICE)
    tx = store.transaction(actor=ALICE)
    tx.add_many([data(i) for i in range(1, 6)], now=T0 + timedelta(hours=1))
    old = tx.get_many([1])[1]
    tx.update_many([(old, data(0, phone="010-1"))], now=T0 + timedelta(hours=1))
    tx.add_many([data(i) for i in range(6, 13)], now=T0 + timedelta(hours=1))
    tx.commit(summary={"file": "a.csv", "created": 12})
    store.replace(3, data(2, phone="2"), now=T0 + timedelta(hours=2), actor=BOB)
    store.delete(4, now=T0 + timedelta(hours=3), actor=BOB)
    tx = store.transaction(actor=BOB)
    tx.add_many([data(i, adcode="110108") for i in range(13, 40)], now=T0 + timedelta(hours=4))
    tx.commit(summary={"file": "b.csv", "created": 27})
    store.add(data(40), now=T0 + timedelta(hours=5), actor=SYSTEM)
    tx = store.transaction(actor=SYSTEM)
    tx.add_many([data(41)], now=T0 + timedelta(hours=6))
    tx.commit()


def as_rows(entries: Sequence[AuditEntry]) -> list[tuple[Any, ...]]:
    return [
        (e.seq, e.at, e.actor, e.actor_name, e.action, e.station_id, e.before, e.after, e.summary)
        for e in entries
    ]


@pytest.fixture
def stores(
    store_url: Callable[[str], str], monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> Iterator[tuple[StationStore, StationStore]]:
    """The same history in two stores: batched (as the product writes it) and one row a
    created station (as it was written before migration 0013); time stands still."""
    batched = open_store(store_url("batched"))
    write_history(batched)

    def one_row_each(conn: Any, _dialect: Any, actor: Actor, now: datetime, items: Any,
                     ids: Any) -> None:  # fmt: skip
        access_sql.write_audit(conn, actor, now, access_sql.created(items, ids))

    rows = open_store(store_url("rows"))
    with monkeypatch.context() as patch:
        patch.setattr(geo.storage.transaction.audit_batches, "write", one_row_each)
        write_history(rows)
    yield batched, rows
    batched.close()
    rows.close()


def table_rows(store: StationStore, table: str) -> int:
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.scalar(sa.text(f"SELECT count(*) FROM {table}")))


def test_batches_read_back_as_the_rows_they_replace(
    stores: tuple[StationStore, StationStore],
) -> None:
    batched, rows = stores
    assert as_rows(batched.audit_log(limit=1000)) == as_rows(rows.audit_log(limit=1000))
    # 40 stations created by the imports, in 4 batches: 4 rows, not 40.
    assert table_rows(batched, "audit_batches") == 4
    assert table_rows(batched, "audit_log") == table_rows(rows, "audit_log") - 40
    # A station created in a batch, then changed, then removed: its whole history.
    history = batched.audit_log(station_id=3)
    assert [e.action.value for e in history] == ["update", "create"]
    created = history[1]
    assert (created.actor, created.at) == ("key:7", T0 + timedelta(hours=1))
    assert created.after == batched.audit_log(station_id=3, action="create")[0].after
    assert created.after is not None
    assert created.after["name"] == "驿站2"
    assert [e.action.value for e in batched.audit_log(station_id=4)] == ["delete", "create"]


def test_every_filter_and_page_finds_what_one_row_each_finds(
    stores: tuple[StationStore, StationStore],
) -> None:
    batched, rows = stores
    everything = batched.audit_log(limit=1000)
    seqs = [e.seq for e in everything]
    rng = random.Random(19)
    for _ in range(150):
        filters: dict[str, Any] = {
            "station_id": rng.choice([None, None, 1, 3, 4, 13, 39, 41, 99]),
            "actor": rng.choice([None, None, "key:7", "cli:bob", "system", "nobody"]),
            "action": rng.choice([None, None, "create", "update", "import", "delete"]),
            "since": rng.choice([None, T0 + timedelta(hours=rng.randint(0, 7))]),
            "before_seq": rng.choice([None, rng.randint(1, max(seqs) + 1)]),
            "limit": rng.choice([1, 2, 5, 30, 1000]),
        }
        got = as_rows(batched.audit_log(**filters))
        assert got == as_rows(rows.audit_log(**filters)), filters
        # The oracle: the whole log, filtered here.
        limit = filters.pop("limit")
        expected = [e for e in everything if matches(e, **filters)][:limit]
        assert got == as_rows(expected), filters


def matches(
    e: AuditEntry,
    *,
    station_id: int | None,
    actor: str | None,
    action: str | None,
    since: datetime | None,
    before_seq: int | None,
) -> bool:
    return (
        (station_id is None or e.station_id == station_id)
        and (actor is None or e.actor == actor)
        and (action is None or e.action.value == action)
        and (since is None or e.at >= since)
        and (before_seq is None or e.seq < before_seq)
    )


@pytest.mark.parametrize("limit", [1, 3, 7, 1000])
def test_pages_walk_the_whole_log(stores: tuple[StationStore, StationStore], limit: int) -> None:
    batched, _ = stores
    walked: list[AuditEntry] = []
    before: int | None = None
    while page := batched.audit_log(limit=limit, before_seq=before):
        assert len(page) <= limit
        walked += page
        before = page[-1].seq
    assert as_rows(walked) == as_rows(batched.audit_log(limit=1000))
    assert len({e.seq for e in walked}) == len(walked)


def test_a_downgrade_puts_the_batches_back_as_rows(
    stores: tuple[StationStore, StationStore],
) -> None:
    batched, rows = stores
    before = as_rows(batched.audit_log(limit=1000))
    engine = batched.engine  # type: ignore[attr-defined]
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0012")
    with engine.connect() as conn:
        assert not sa.inspect(conn).has_table("audit_batches")
        count = conn.scalar(sa.text("SELECT count(*) FROM audit_log"))
    assert count == table_rows(rows, "audit_log")
    upgrade(engine)  # and up again: the rows stay rows, read as before
    assert as_rows(batched.audit_log(limit=1000)) == before
