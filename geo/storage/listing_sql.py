"""Listing stations (both backends): a filtered page with its total, and every
station in keyset-paged pages of one snapshot; ``q``'s text filter (``geo.textsearch``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.filters import Filter
from geo.model import Station, Status
from geo.storage import filter_sql
from geo.storage.base import BBox, Page
from geo.storage.dialect import SqlDialect
from geo.storage.rows import STATION_COLUMNS, readable_station, station_of_row
from geo.storage.schema import MAX_ID, stations
from geo.textsearch import Term, like_pattern


def text_filter(dialect: SqlDialect | str, terms: tuple[Term, ...]) -> list[Any]:
    """Conditions keeping the stations whose name or address holds every term: the
    bigram index finds the candidates (``SqlDialect.text_match``), ``LIKE`` keeps the
    true ones (geo.textsearch). ``dialect``: a backend's, or SQLAlchemy's name of it."""
    if not terms:
        return []
    if isinstance(dialect, str):
        from geo.storage import sql_dialect

        dialect = sql_dialect(dialect)
    grams = sorted({g for t in terms for g in t.grams})
    conditions: list[Any] = [dialect.text_match(grams)]
    for term in terms:
        pattern = like_pattern(term.text)
        conditions.append(
            sa.or_(
                sa.func.lower(stations.c.name).like(pattern, escape="\\"),
                sa.func.lower(sa.func.coalesce(stations.c.address, "")).like(pattern, escape="\\"),
            )
        )
    return conditions


def list_condition(
    dialect: SqlDialect,
    *,
    bbox: BBox | None,
    mask: int,
    statuses: frozenset[Status],
    adcodes: frozenset[str] | None,
    text: tuple[Term, ...],
    where_: Filter | None = None,
) -> sa.ColumnElement[bool]:
    """The stations a listing keeps (see ``StationRecords.list_stations``)."""
    where: list[Any] = [stations.c.status.in_(sorted(s.value for s in statuses))]
    if where_ is not None:
        where.append(filter_sql.condition(dialect, where_))
    if adcodes is not None:  # at most the 2,848 districts of a country: one IN list
        where.append(stations.c.adcode.in_(sorted(adcodes)))
    where.extend(text_filter(dialect, text))
    if mask:
        where.append(stations.c.amenity_mask.op("&")(mask) == mask)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        where.append(stations.c.lat.between(min_lat, max_lat))
        if min_lon <= max_lon:
            where.append(stations.c.lon.between(min_lon, max_lon))
        else:  # the box crosses the antimeridian
            where.append(sa.or_(stations.c.lon >= min_lon, stations.c.lon <= max_lon))
    return sa.and_(*where)


_RECORD = tuple(stations.c[c] for c in STATION_COLUMNS)


def list_page(
    conn: Connection,
    cond: sa.ColumnElement[bool],
    *,
    limit: int,
    offset: int,
    order: list[Any] | None = None,
) -> Page:
    """The stations meeting ``cond``, in ``order`` (``filter_sql.order_by``; by id when
    not given), from ``offset``; and their total."""
    total = conn.scalar(sa.select(sa.func.count()).select_from(stations).where(cond))
    rows = conn.execute(
        sa.select(*_RECORD)  # a record's columns in its order: no lookups by name
        .where(cond)
        .order_by(*(order or [stations.c.id]))
        .limit(limit)
        .offset(min(offset, MAX_ID))  # past 2**63 every page is empty anyway
    )
    return Page(items=[station_of_row(r) for r in rows], total=int(total or 0))


def scan_area(
    dialect: SqlDialect, *, adcodes: frozenset[str] | None, text: tuple[Term, ...]
) -> Any:
    """The stations a scan keeps (see ``StationRecords.scan``)."""
    area: Any = sa.true() if adcodes is None else stations.c.adcode.in_(sorted(adcodes))
    return sa.and_(area, *text_filter(dialect, text))


def scan_pages(
    conn: Connection,
    area: Any,
    *,
    page_size: int,
    on_damaged: Callable[[int, str], None] | None,
) -> Iterator[list[Station]]:
    """Pages of the stations in ``area`` by keyset paging, in the caller's open
    transaction (whose snapshot makes them one registry)."""
    last = 0
    while True:
        rows = conn.execute(
            sa.select(stations)
            .where(stations.c.id > last, area)
            .order_by(stations.c.id)
            .limit(page_size)
        ).all()
        page: list[Station] = []
        for row in rows:
            try:
                page.append(readable_station(row))
            except (ValueError, TypeError, KeyError) as exc:
                if on_damaged is None:
                    raise ValueError(f"station {row.id}: {exc}") from exc
                on_damaged(int(row.id), str(exc))
        yield page
        if len(rows) < page_size:
            return
        last = int(rows[-1].id)
