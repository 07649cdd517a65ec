"""Every table of the store, as SQLAlchemy Core sees it: one ``MetaData`` for both
backends. Alembic migrations (``geo/storage/migrations``) create and change the tables;
these definitions are what the code reads and writes, and what ``alembic revision
--autogenerate`` compares against.

Timestamps are ISO text (``YYYY-MM-DDTHH:MM:SSZ``) and JSON values are text on both
databases, so the two stay byte-for-byte alike. Columns a database derives for itself
(PostGIS ``geog``, migration 0001) and SQLite's full-text index (``stations_fts``,
migration 0007) are made by the migrations alone.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

metadata = sa.MetaData()
ID_TYPE = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite: a rowid alias
MAX_ID: Final = 2**63 - 1  # SQLite integers are 64-bit; larger ids cannot exist

stations = sa.Table(
    "stations",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("external_id", sa.Text, nullable=True),  # unique within a district, see 0005
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("address", sa.Text),
    sa.Column("district", sa.Text),
    sa.Column("adcode", sa.Text),
    sa.Column("city", sa.Text),  # 0006: city and province, placed from the position
    sa.Column("city_adcode", sa.Text),
    sa.Column("province", sa.Text),
    sa.Column("province_adcode", sa.Text),
    sa.Column("host", sa.Text),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("amenity_mask", sa.BigInteger, nullable=False, default=0),
    # 0007: the bigrams of name and address, for q (geo.textsearch); indexed in FTS5
    # (SQLite: stations_fts) or GIN (PostgreSQL), both made by the migration.
    sa.Column("search_grams", sa.Text),
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

# SQLite's FTS5 index of the stations' bigrams (migration 0007; SQLite only).
stations_fts = sa.table("stations_fts", sa.column("rowid"), sa.column("stations_fts"))

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# One row per write: stations id_from..id_to (inclusive) changed. Rows are appended in
# commit order (see ``changes_sql.log_changes``), so a reader that has applied every
# row up to a seq has seen every write committed before it.
changes = sa.Table(
    "changes",
    metadata,
    sa.Column("seq", ID_TYPE, primary_key=True),
    sa.Column("id_from", sa.BigInteger, nullable=False),
    sa.Column("id_to", sa.BigInteger, nullable=False),
    sqlite_autoincrement=True,
)

# API keys and the audit log (migration 0003; see ``access_sql``).
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("key_hash", sa.Text, nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("adcodes", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("revoked_at", sa.Text),
    sa.Column("last_used_at", sa.Text),
    sa.Column("rate_per_min", sa.Integer),  # 0011: a platform key's search rate
    sqlite_autoincrement=True,
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("actor_name", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("station_id", sa.BigInteger),
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
    sa.Column("summary", sa.Text),
    sa.Index("ix_audit_log_station_id", "station_id", "seq"),
    sa.Index("ix_audit_log_actor", "actor", "seq"),
    sqlite_autoincrement=True,
)

# An import's created stations, one row per batch (migration 0013; see ``audit_batches``).
audit_batches = sa.Table(
    "audit_batches",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("actor_name", sa.Text, nullable=False),
    sa.Column("first_seq", sa.BigInteger, nullable=False),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("first_station", sa.BigInteger, nullable=False),
    sa.Column("last_station", sa.BigInteger, nullable=False),
    sa.Column("seqs", sa.Text, nullable=False),
    sa.Column("station_ids", sa.Text, nullable=False),
    sa.Column("records", sa.Text, nullable=False),
    sa.Index("ix_audit_batches_last_seq", "last_seq"),
    sa.Index("ix_audit_batches_stations", "last_station", "first_station"),
    sqlite_autoincrement=True,
)

# Import jobs (migration 0004; see ``jobs_sql``).
import_jobs = sa.Table(
    "import_jobs",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("actor_name", sa.Text, nullable=False),
    sa.Column("actor_role", sa.Text, nullable=False),
    sa.Column("actor_adcodes", sa.Text, nullable=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("mode", sa.Text, nullable=False),
    sa.Column("options", sa.Text, nullable=False),
    sa.Column("host", sa.Text, nullable=False),
    sa.Column("process", sa.Text),
    sa.Column("rows_done", sa.BigInteger, nullable=False),
    sa.Column("rows_total", sa.BigInteger),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("started_at", sa.Text),
    sa.Column("heartbeat_at", sa.Text, nullable=False),
    sa.Column("finished_at", sa.Text),
    sa.Column("report", sa.Text),
    sa.Column("error", sa.Text),
    sa.Index("ix_import_jobs_host_status", "host", "status"),
)

# Couriers' reports on stations (migration 0009; see ``reports_sql``). One row per
# client, station and kind while open: a repeat refreshes it (``times``, ``last_at``,
# ``expires_at``). ``client_token`` and ``client_address`` are salted SHA-256 digests
# (the salt is the ``report_salt`` of ``meta``), never the token or address itself.
reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("station_id", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # open | confirmed | dismissed | cleared
    sa.Column("note", sa.Text),
    sa.Column("lon", sa.Float),  # WGS84, where the courier was
    sa.Column("lat", sa.Float),
    sa.Column("distance_m", sa.Float),
    sa.Column("far", sa.Integer, nullable=False),  # 1: farther than FAR_M from the station
    sa.Column("adcode", sa.Text),  # the station's district when reported
    sa.Column("client_token", sa.Text, nullable=False),
    sa.Column("client_address", sa.Text, nullable=False),
    sa.Column("times", sa.Integer, nullable=False),
    sa.Column("first_at", sa.Text, nullable=False),
    sa.Column("last_at", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Text, nullable=False),
    sa.Column("moderated_at", sa.Text),
    sa.Column("moderated_by", sa.Text),
    sa.Column("moderation_note", sa.Text),
    sa.Index("ix_reports_station_kind", "station_id", "kind", "status"),
    sa.Index("ix_reports_status_adcode", "status", "adcode", "id"),
    sqlite_autoincrement=True,
)

# When a station an editor closed on a ``closed_now`` report opens again (migration
# 0010; see ``reopen_sql``): one row per station, while it is closed with a date.
reopenings = sa.Table(
    "reopenings",
    metadata,
    sa.Column("station_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("reopens_at", sa.Text, nullable=False),
    sa.Column("report_id", sa.BigInteger),
    sa.Column("set_at", sa.Text, nullable=False),
    sa.Column("set_by", sa.Text, nullable=False),
    sa.Index("ix_reopenings_reopens_at", "reopens_at"),
)

# The log of report changes other processes follow, as ``changes`` for stations: one
# row per station whose reports a committed write changed.
report_changes = sa.Table(
    "report_changes",
    metadata,
    sa.Column("seq", ID_TYPE, primary_key=True),
    sa.Column("station_id", sa.BigInteger, nullable=False),
    sqlite_autoincrement=True,
)
