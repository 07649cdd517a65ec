"""The embedded store: one SQLite file in WAL mode, through SQLAlchemy Core.

SQLAlchemy gives us URL handling, connection pooling across the API's threads and one
table definition that Alembic can migrate later; the hot path (nearest search) never
touches SQL beyond fetching the k records of an answer by primary key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from geo.amenities import codes_of, mask_of
from geo.errors import DuplicateExternalId, StationNotFound, StoreUnavailable
from geo.index import IndexEntry
from geo.model import STATION_FIELD_ORDER, Station, StationData, Status, stored_station
from geo.storage.base import BBox, Page, StationStore, StoreTransaction

metadata = sa.MetaData()

stations = sa.Table(
    "stations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("external_id", sa.Text, unique=True, nullable=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("address", sa.Text),
    sa.Column("district", sa.Text),
    sa.Column("adcode", sa.Text),
    sa.Column("host", sa.Text),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("amenity_mask", sa.BigInteger, nullable=False, default=0),
    sa.Column("car_parking_spaces", sa.Integer),
    sa.Column("motorcycle_parking_spaces", sa.Integer),
    sa.Column("ev_charging_piles", sa.Integer),
    sa.Column("opening_hours", sa.Text),
    sa.Column("opening_hours_osm", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("phone", sa.Text),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.Index("ix_stations_lat_lon", "lat", "lon"),
    sa.Index("ix_stations_adcode", "adcode"),
    # ids are never reused, so an id seen by a client keeps meaning one station.
    sqlite_autoincrement=True,
)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

MAX_ID = 2**63 - 1
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_DATA_FIELDS = tuple(f for f in StationData.model_fields if f not in ("lon", "lat", "amenities"))


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=1024)  # the stations of one import share their timestamps
def _parse_ts(text: str) -> datetime:
    if not _TIMESTAMP.match(text):
        raise ValueError(f"timestamp {text!r} is not YYYY-MM-DDTHH:MM:SSZ")
    return datetime.fromisoformat(text)  # 'Z' gives UTC (Python 3.11+)


def _row_values(data: StationData) -> dict[str, Any]:
    values = {f: getattr(data, f) for f in _DATA_FIELDS}
    values["status"] = data.status.value
    values["lon"], values["lat"] = data.lon, data.lat
    values["amenity_mask"] = mask_of(data.amenities)
    return values


def _station(row: sa.Row[Any]) -> Station:
    m = row._mapping
    derived = {
        "amenities": codes_of(m["amenity_mask"]),
        "status": Status(m["status"]),
        "created_at": _parse_ts(m["created_at"]),
        "updated_at": _parse_ts(m["updated_at"]),
    }
    return stored_station({f: derived[f] if f in derived else m[f] for f in STATION_FIELD_ORDER})


def _duplicate(data: StationData) -> DuplicateExternalId:
    return DuplicateExternalId(
        f"external_id {data.external_id!r} is already used by another station",
        f"外部编号 {data.external_id!r} 已被其他站点使用",
    )


def _get(conn: Connection, station_id: int) -> Station:
    row = None
    if 0 < station_id <= MAX_ID:  # SQLite integers are 64-bit; larger ids cannot exist
        row = conn.execute(sa.select(stations).where(stations.c.id == station_id)).first()
    if row is None:
        raise StationNotFound(
            f"no station with id {station_id}", f"不存在编号为 {station_id} 的站点"
        )
    return _station(row)


def _get_many(conn: Connection, station_ids: Sequence[int]) -> dict[int, Station]:
    wanted = [i for i in station_ids if 0 < i <= MAX_ID]
    if not wanted:
        return {}
    rows = conn.execute(sa.select(stations).where(stations.c.id.in_(wanted)))
    return {s.id: s for s in map(_station, rows)}


def _get_by_external_id(conn: Connection, external_id: str) -> Station | None:
    row = conn.execute(sa.select(stations).where(stations.c.external_id == external_id)).first()
    return _station(row) if row is not None else None


def _get_by_external_ids(conn: Connection, external_ids: Sequence[str]) -> dict[str, Station]:
    found: dict[str, Station] = {}
    wanted = sorted(set(external_ids))
    for start in range(0, len(wanted), 500):  # well under SQLite's bound-parameter limit
        query = sa.select(stations).where(stations.c.external_id.in_(wanted[start : start + 500]))
        for station in map(_station, conn.execute(query)):
            found[station.external_id or ""] = station
    return found


def _insert(conn: Connection, batch: Sequence[StationData], now: datetime) -> list[Station]:
    """Insert stations and return them as stored."""
    ids = _insert_ids(conn, batch, now)
    created_at = _parse_ts(_iso(now))
    return [
        Station.model_construct(
            **d.model_dump(), id=i, created_at=created_at, updated_at=created_at
        )
        for d, i in zip(batch, ids, strict=True)
    ]


_PLAIN_FIELDS = tuple(f for f in _DATA_FIELDS if f != "status")
_INSERT_COLUMNS = (
    "id", *_PLAIN_FIELDS, "status", "lon", "lat", "amenity_mask", "created_at", "updated_at"
)  # fmt: skip
_INSERT_SQL = (
    f"INSERT INTO stations ({', '.join(_INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_INSERT_COLUMNS))})"
)


def _placed(d: StationData) -> tuple[float, float, int]:
    return d.lon, d.lat, mask_of(d.amenities)


def _insert_ids(conn: Connection, batch: Sequence[StationData], now: datetime) -> list[int]:
    """Insert stations in one ``executemany`` and return their ids, in batch order.

    The first row is inserted alone and lets SQLite choose its id (AUTOINCREMENT: larger
    than any id ever used); that write also gives this transaction SQLite's write lock,
    so no other connection can insert until it ends, and the next ids are free. The rest
    go in one plain ``executemany`` with those ids: SQLAlchemy's ordered
    ``INSERT ... RETURNING`` sends one statement per row on SQLite, several times slower.
    """
    if not batch:
        return []
    ts = _iso(now)
    rows = [
        (*[getattr(d, f) for f in _PLAIN_FIELDS], d.status.value, *_placed(d), ts, ts)
        for d in batch
    ]
    try:
        with conn.begin_nested():  # a failed batch leaves the enclosing transaction usable
            cursor = conn.exec_driver_sql(_INSERT_SQL + " RETURNING id", (None, *rows[0]))
            first = int(cursor.scalar_one())
            ids = list(range(first, first + len(rows)))
            if len(rows) > 1:
                conn.exec_driver_sql(
                    _INSERT_SQL, [(i, *r) for i, r in zip(ids[1:], rows[1:], strict=True)]
                )
    except IntegrityError as exc:
        if "external_id" not in str(exc.orig):
            raise
        raise _duplicate_in(conn, batch) from exc
    return ids


def _duplicate_in(conn: Connection, batch: Sequence[StationData]) -> DuplicateExternalId:
    """Name the first external_id of a failed batch that is taken or repeated."""
    seen: set[str] = set()
    for data in batch:
        if data.external_id is None:
            continue
        if data.external_id in seen or _get_by_external_id(conn, data.external_id):
            return _duplicate(data)
        seen.add(data.external_id)
    return _duplicate(batch[0])


def _changes(before: Station, data: StationData) -> dict[str, Any]:
    old = _row_values(before)
    return {k: v for k, v in _row_values(data).items() if old[k] != v}


def _update(
    conn: Connection, items: Sequence[tuple[int, StationData]], now: datetime
) -> list[Station]:
    """Write the changed columns of each station; ``updated_at`` only where one changed."""
    ts = _iso(now)
    current = _get_many(conn, [i for i, _ in items])
    try:
        with conn.begin_nested():
            for station_id, data in items:
                if station_id not in current:
                    raise StationNotFound(
                        f"no station with id {station_id}", f"不存在编号为 {station_id} 的站点"
                    )
                changed = _changes(current[station_id], data)
                if changed:
                    changed["updated_at"] = ts
                    query = stations.update().where(stations.c.id == station_id)
                    conn.execute(query.values(changed))
    except IntegrityError as exc:
        raise _duplicate_in(conn, [d for _, d in items]) from exc
    after = _get_many(conn, [i for i, _ in items])
    return [after[i] for i, _ in items]


class SqliteTransaction(StoreTransaction):
    """One connection holding one open transaction."""

    def __init__(self, engine: Engine) -> None:
        self._conn = engine.connect()
        self._trans = self._conn.begin()

    def get_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, Station]:
        return _get_by_external_ids(self._conn, external_ids)

    def get_many(self, station_ids: Sequence[int]) -> dict[int, Station]:
        return _get_many(self._conn, station_ids)

    def add_many(self, items: Sequence[StationData], *, now: datetime) -> list[int]:
        return _insert_ids(self._conn, items, now)

    def update_many(
        self, items: Sequence[tuple[int, StationData]], *, now: datetime
    ) -> list[Station]:
        return _update(self._conn, items, now)

    def commit(self) -> None:
        try:
            self._trans.commit()
        finally:
            self._conn.close()

    def rollback(self) -> None:
        try:
            if self._trans.is_active:
                self._trans.rollback()
        finally:
            self._conn.close()


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling never emits BEGIN before a SAVEPOINT, so a
    # released savepoint would commit at once; hand transactions to SQLAlchemy instead
    # (the recipe in SQLAlchemy's SQLite dialect documentation).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: an acknowledged write survives power loss too, not just a process crash.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _on_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


class SqliteStore(StationStore):
    """Stations in one SQLite file (or ``sqlite://`` in memory, for tests)."""

    def __init__(self, url: str) -> None:
        self.url = url
        sa_url = sa.make_url(url)
        if sa_url.database and sa_url.database != ":memory:":
            Path(sa_url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if not sa_url.database or sa_url.database == ":memory:":
            kwargs["poolclass"] = sa.pool.StaticPool  # one shared in-memory database
        self.engine: Engine = sa.create_engine(sa_url, **kwargs)
        sa.event.listen(self.engine, "connect", _on_connect)
        sa.event.listen(self.engine, "begin", _on_begin)
        try:
            metadata.create_all(self.engine)
        except OperationalError as exc:
            raise StoreUnavailable(
                f"cannot open the SQLite database {url}: {exc.orig}",
                f"无法打开 SQLite 数据库 {url}：{exc.orig}",
            ) from exc

    # -- reads -------------------------------------------------------------------

    def index_entries(self) -> Iterator[IndexEntry]:
        cols = [stations.c[c] for c in ("id", "lon", "lat", "amenity_mask", "status")]
        query = sa.select(*cols, stations.c.opening_hours_osm).order_by(stations.c.id)
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                yield IndexEntry(row[0], row[1], row[2], row[3], Status(row[4]), row[5])

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(stations)) or 0)

    def get(self, station_id: int) -> Station:
        with self.engine.connect() as conn:
            return _get(conn, station_id)

    def get_many(self, station_ids: Sequence[int]) -> dict[int, Station]:
        with self.engine.connect() as conn:
            return _get_many(conn, station_ids)

    def get_by_external_id(self, external_id: str) -> Station | None:
        with self.engine.connect() as conn:
            return _get_by_external_id(conn, external_id)

    def list_stations(
        self,
        *,
        bbox: BBox | None,
        mask: int,
        statuses: frozenset[Status],
        limit: int,
        offset: int,
    ) -> Page:
        where: list[Any] = [stations.c.status.in_(sorted(s.value for s in statuses))]
        if mask:
            where.append(stations.c.amenity_mask.op("&")(mask) == mask)
        if bbox is not None:
            min_lon, min_lat, max_lon, max_lat = bbox
            where.append(stations.c.lat.between(min_lat, max_lat))
            if min_lon <= max_lon:
                where.append(stations.c.lon.between(min_lon, max_lon))
            else:  # the box crosses the antimeridian
                where.append(sa.or_(stations.c.lon >= min_lon, stations.c.lon <= max_lon))
        cond = sa.and_(*where)
        with self.engine.connect() as conn:
            total = conn.scalar(sa.select(sa.func.count()).select_from(stations).where(cond))
            rows = conn.execute(
                sa.select(stations)
                .where(cond)
                .order_by(stations.c.id)
                .limit(limit)
                .offset(min(offset, MAX_ID))  # past 2**63 every page is empty anyway
            )
            return Page(items=[_station(r) for r in rows], total=int(total or 0))

    # -- writes ------------------------------------------------------------------

    def transaction(self) -> SqliteTransaction:
        return SqliteTransaction(self.engine)

    def add(self, data: StationData, *, now: datetime) -> Station:
        return self.add_many([data], now=now)[0]

    def add_many(self, items: Iterable[StationData], *, now: datetime) -> list[Station]:
        with self.engine.begin() as conn:
            return _insert(conn, list(items), now)

    def replace(self, station_id: int, data: StationData, *, now: datetime) -> tuple[Station, bool]:
        with self.engine.begin() as conn:
            before = _get(conn, station_id)
            if not _changes(before, data):
                return before, False
            return _update(conn, [(station_id, data)], now)[0], True

    def delete(self, station_id: int) -> Station:
        with self.engine.begin() as conn:
            before = _get(conn, station_id)
            conn.execute(stations.delete().where(stations.c.id == station_id))
            return before

    # -- metadata and health ---------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            value = conn.scalar(sa.select(meta.c.value).where(meta.c.key == key))
            return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(meta.delete().where(meta.c.key == key))
            conn.execute(meta.insert().values(key=key, value=value))

    def ping(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except OperationalError as exc:
            raise StoreUnavailable(
                f"the database does not answer: {exc.orig}", f"数据库无响应：{exc.orig}"
            ) from exc

    def close(self) -> None:
        self.engine.dispose()
