"""An import's external-id lookup (``get_by_external_ids``, every district at once) is
answered by searching the unique index, never by scanning the stations table, on both
backends. With the district first in that index (revisions 0005 to 0011) SQLite scanned
the whole registry for each chunk of an import (150,000 rows into an empty one: 300
scans; migration 0012), which these tests catch; PostgreSQL's plans name the index's
external-id condition either way (its b-tree can read a whole index for a second
column), so there they pin the plan rather than catch that regression."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from geo.model import build_station_data
from geo.registry import open_registry
from geo.storage.stations_sql import get_by_external_id, get_by_external_ids

INDEX = "ux_stations_district_external_id"


def _plans(url: str, lookup: Callable[[sa.Connection], Any]) -> list[str]:
    """The plans of the statements ``lookup`` runs, as the store runs them."""
    registry = open_registry(url)
    registry.create_many(
        items=[
            build_station_data(
                {"name": f"站{i}", "lon": 116.4, "lat": 39.9, "external_id": f"E{i}"}
            )
            for i in range(20)
        ]
    )
    engine = registry.store.engine  # type: ignore[attr-defined]
    postgres = engine.dialect.name == "postgresql"
    ran: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT") and "FROM stations" in sql:
            ran.append((sql, params))

    plans = []
    try:
        with engine.connect() as conn:
            sa.event.listen(conn, "before_cursor_execute", seen)
            found = lookup(conn)
            sa.event.remove(conn, "before_cursor_execute", seen)
            assert found, "the lookup found nothing: the test would prove nothing"
            if postgres:
                # What a planner picks for a tiny table is its own business: sequential
                # scans are turned off to show that the index serves the query as written.
                conn.exec_driver_sql("SET enable_seqscan = off")
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            for sql, params in ran:
                rows = conn.exec_driver_sql(explain + sql, params).all()
                plans.append("\n".join(str(r[-1]) for r in rows))
    finally:
        registry.close()
    assert plans, "no SELECT on stations was seen"
    return plans


def _by_index(plans: list[str], postgres: bool) -> None:
    for plan in plans:
        assert INDEX in plan, plan
        if postgres:
            # Searched by the external id, not the whole index read and filtered.
            assert re.search(r"Index Cond: \(+external_id", plan), plan
            assert "Seq Scan on stations" not in plan, plan
        else:
            assert "SCAN stations\n" not in plan + "\n", plan


def test_external_ids_are_looked_up_in_every_district_by_the_index(
    store_url: Callable[[str], str],
) -> None:
    url = store_url("extid")
    plans = _plans(url, lambda conn: get_by_external_ids(conn, ["E3", "E7", "E-none"]))
    _by_index(plans, postgres=not url.startswith("sqlite"))


def test_one_external_id_in_one_district_is_looked_up_by_the_index(
    store_url: Callable[[str], str],
) -> None:
    url = store_url("extid1")
    plans = _plans(url, lambda conn: get_by_external_id(conn, "E3", "110101"))
    _by_index(plans, postgres=not url.startswith("sqlite"))
