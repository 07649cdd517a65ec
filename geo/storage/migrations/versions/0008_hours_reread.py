"""Stored opening hours are read again by the reader of issue 21.

The reader now reads 12-hour clocks as a Chinese reader does ("9点-5点" is 09:00-17:00,
not 09:00-05:00), 次日, lunch breaks and weekday/weekend splits, and 工作日/周末/节假日
as working days, rest days and days off (``周末休息`` closes the holidays too). Every
stored station's ``opening_hours_osm`` is made again from its ``opening_hours``
(:func:`geo.storage.hours_sql.reread_hours`); a text the reader now refuses keeps its
old reading and is logged. No schema change; downgrade leaves the new readings.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from geo.storage.hours_sql import reread_hours

    reread_hours(op.get_bind())


def downgrade() -> None:
    pass  # the old readings were wrong; nothing to restore
