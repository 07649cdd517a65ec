"""Every station carries its city and province as well as its district.

Adds ``city``, ``city_adcode``, ``province`` and ``province_adcode`` to ``stations``
and marks every existing station to be placed: its six place fields (the district's
too, which until now was whatever label a client sent) are derived from its position
by :func:`geo.storage.places_sql.place_pending`, in batches of their own transactions
after this revision commits, so a large store is not placed in one long transaction
and an interrupted run carries on where it stopped.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = ("city", "city_adcode", "province", "province_adcode")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("stations", sa.Column(name, sa.Text, nullable=True))
    from geo.storage.places_sql import mark_all

    mark_all(op.get_bind())


def downgrade() -> None:
    from geo.storage.places_sql import PENDING

    op.execute(sa.text("DELETE FROM meta WHERE key = :k").bindparams(k=PENDING))
    for name in COLUMNS:  # not a batch: SQLite's rebuild would lose 0005's index
        op.execute(f"ALTER TABLE stations DROP COLUMN {name}")
