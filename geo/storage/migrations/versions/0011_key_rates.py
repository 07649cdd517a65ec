"""A key's own search rate (platform keys: issue 18).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Searches a minute this key may make (NULL: the server's per-client rate).
    op.add_column("api_keys", sa.Column("rate_per_min", sa.Integer))


def downgrade() -> None:
    op.drop_column("api_keys", "rate_per_min")
