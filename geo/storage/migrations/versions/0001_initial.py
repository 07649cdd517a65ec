"""Stations and metadata (the schema of the first releases), PostGIS geography on PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite: a rowid alias


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("external_id", sa.Text, unique=True, nullable=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("district", sa.Text),
        sa.Column("adcode", sa.Text),
        sa.Column("host", sa.Text),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("amenity_mask", sa.BigInteger, nullable=False),
        sa.Column("car_parking_spaces", sa.Integer),
        sa.Column("motorcycle_parking_spaces", sa.Integer),
        sa.Column("ev_charging_piles", sa.Integer),
        sa.Column("opening_hours", sa.Text),
        sa.Column("opening_hours_osm", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("phone", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sqlite_autoincrement=True,  # ids are never reused
    )
    op.create_index("ix_stations_lat_lon", "stations", ["lat", "lon"])
    op.create_index("ix_stations_adcode", "stations", ["adcode"])
    op.create_table(
        "meta",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        # Derived from lon/lat by PostgreSQL itself, so it can never disagree with them.
        op.execute(
            "ALTER TABLE stations ADD COLUMN geog geography(Point, 4326) GENERATED ALWAYS AS "
            "(ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED"
        )
        op.execute("CREATE INDEX ix_stations_geog ON stations USING gist (geog)")


def downgrade() -> None:
    op.drop_table("meta")
    op.drop_table("stations")
