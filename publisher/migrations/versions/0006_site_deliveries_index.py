"""An index for the site's appeals: which appeals have a published delivery on a channel and
target (every web and feeds delivery asks), read from the index alone instead of a scan of
every delivery.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_channel_target_state_appeal",
        "deliveries",
        ["channel", "target", "state", "appeal_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_channel_target_state_appeal", table_name="deliveries")
