"""A courier's report in one statement on PostgreSQL (``reports_sql.add``).

On SQLite a report is three statements after its station's lock: find the client's
open report of the kind, refresh it or insert a new one, append to the log. PostgreSQL
runs them as one, with data-modifying common table expressions: the same rules (the
same find and the same new values, from ``reports_sql``), one round trip instead of
three. The station's row is locked before (``reports_sql.target``), so two reports from
one client on one station cannot both find nothing and both insert.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from geo.storage.schema import report_changes, reports

__all__ = ["adding"]

_P = sa.bindparam


def _typed(name: str, type_: Any) -> sa.Cast[Any]:
    """A parameter in a SELECT list, cast: PostgreSQL cannot infer its type there."""
    return sa.cast(_P(name), type_)


def adding(mine: sa.Select[Any], refreshed: Mapping[str, Any]) -> sa.Select[Any]:
    """The statement storing a report: ``mine`` finds the client's report it repeats
    (parameters ``sid``, ``kind``, ``token``, ``address``, ``at``), ``refreshed`` are a
    repeat's new values; a new report takes ``status``, ``note``, ``lon``, ``lat``,
    ``dist``, ``far_new``, ``adcode``, ``until``. Its row is the stored report's, with
    ``logged_seq``, the seq it took in ``report_changes``."""
    found = mine.cte("mine")
    repeat = (
        reports.update()
        .where(reports.c.id.in_(sa.select(found.c.id)))
        .values(dict(refreshed))
        .returning(*reports.c)
        .cte("repeat")
    )
    new_row = sa.select(
        _typed("sid", sa.BigInteger), _typed("kind", sa.Text), _typed("status", sa.Text),
        _typed("note", sa.Text), _typed("lon", sa.Float), _typed("lat", sa.Float),
        _typed("dist", sa.Float), _typed("far_new", sa.Integer), _typed("adcode", sa.Text),
        _typed("token", sa.Text), _typed("address", sa.Text), sa.literal(1, sa.Integer),
        _typed("at", sa.Text), _typed("at", sa.Text), _typed("until", sa.Text),
    ).where(~sa.exists(sa.select(found.c.id)))  # fmt: skip
    columns = [
        "station_id", "kind", "status", "note", "lon", "lat", "distance_m", "far", "adcode",
        "client_token", "client_address", "times", "first_at", "last_at", "expires_at",
    ]  # fmt: skip
    new = reports.insert().from_select(columns, new_row).returning(*reports.c).cte("new")
    logged = (
        report_changes.insert()
        .values(station_id=_P("sid"))
        .returning(report_changes.c.seq)
        .cte("logged")
    )
    stored = sa.union_all(sa.select(repeat), sa.select(new)).subquery("stored")
    return sa.select(stored, sa.select(logged.c.seq).scalar_subquery().label("logged_seq"))
