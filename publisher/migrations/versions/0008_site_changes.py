"""The site change log: a counter taken in commit order, and the appeals each change touched,
so a worker that holds a site reads only what changed since it last looked.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    counter = op.create_table(
        "site_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_counter")),
    )
    op.bulk_insert(counter, [{"id": 1, "value": 0}])
    op.create_table(
        "site_changes",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("appeal_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("seq", "appeal_id", name=op.f("pk_site_changes")),
    )


def downgrade() -> None:
    op.drop_table("site_changes")
    op.drop_table("site_counter")
