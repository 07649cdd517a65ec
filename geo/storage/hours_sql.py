"""Reading the stored opening hours again when the reader of Chinese hours improves.

A station stores its hours as written (``opening_hours``) and as the OSM expression
the reader made of them (``opening_hours_osm``), which searches evaluate. When the
reader changes (revision 0008: 12-hour clocks, 工作日/周末/节假日 as working days, rest
days and days off), a station keeps the meaning of its old reading until it is read
again: :func:`reread_hours` does that for every stored station, once per distinct text
(a registry of a million stations has a few hundred).

A text the new reader refuses ("2点-5点": the small hours or the afternoon?) keeps its
old reading, and the log names how many stations that is and the texts, for an editor
to write them unambiguously; nothing is lost.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.errors import InvalidOpeningHours
from geo.hours import normalize_opening_hours

_log = logging.getLogger(__name__)
_stations = sa.table(
    "stations", sa.column("id"), sa.column("opening_hours"), sa.column("opening_hours_osm")
)


def reread_hours(conn: Connection) -> tuple[int, int]:
    """Read every stored station's hours again (in the caller's transaction); returns
    (stations whose reading changed, stations kept on an old reading the reader now
    refuses)."""
    pairs = conn.execute(
        sa.select(_stations.c.opening_hours, _stations.c.opening_hours_osm)
        .where(_stations.c.opening_hours.is_not(None))
        .distinct()
    ).all()
    changed = kept = 0
    refused: list[str] = []
    for text, old in pairs:
        try:
            new = normalize_opening_hours(text) if text.strip() else None
        except InvalidOpeningHours:
            refused.append(text)
            kept += _count(conn, text, old)
            continue
        if new == old:
            continue
        result = conn.execute(
            _stations.update()
            .where(_stations.c.opening_hours == text, _same(_stations.c.opening_hours_osm, old))
            .values(opening_hours_osm=new)
        )
        changed += result.rowcount
    if changed:
        _log.info("opening hours read again: %d stations have a new reading", changed)
    if refused:
        _log.warning(
            "opening hours of %d stations keep their old reading, which the reader now "
            "refuses as ambiguous; write them unambiguously: %s",
            kept, ", ".join(repr(t) for t in refused[:20]),
        )  # fmt: skip
    return changed, kept


def _same(column: sa.ColumnClause[str], value: str | None) -> sa.ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _count(conn: Connection, text: str, old: str | None) -> int:
    query = sa.select(sa.func.count()).where(
        _stations.c.opening_hours == text, _same(_stations.c.opening_hours_osm, old)
    )
    return int(conn.scalar(query) or 0)
