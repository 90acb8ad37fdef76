"""The language a subscriber chose for their alerts (Welsh Language Standards: a person's
language choice is recorded and used in correspondence). Existing subscriptions get ``""``: the
force's primary language.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=8), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("language")
