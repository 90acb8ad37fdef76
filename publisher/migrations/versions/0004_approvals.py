"""Approvals: a revision goes out only once someone other than its author approved it.

Each revision records its author and, for an edit, whether its approval should also post an
UPDATE reply; ``approvals`` holds one row per approved revision (who, how, why); each appeal
keeps its *live* revision, the newest approved one, which is what the workers publish.

Revisions stored before approvals existed were already being published: they are recorded as
approved by this migration (kind ``migrated``), so an upgrade changes nothing that is out.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("appeal_revisions") as batch:
        batch.add_column(sa.Column("author", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("announce", sa.Boolean(), nullable=True))
    with op.batch_alter_table("appeals") as batch:
        batch.add_column(sa.Column("live_revision", sa.Integer(), nullable=True))
    approvals = op.create_table(
        "approvals",
        sa.Column("appeal_id", sa.String(length=200), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id", "revision"],
            ["appeal_revisions.appeal_id", "appeal_revisions.revision"],
            name=op.f("fk_approvals_appeal_id_appeal_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("appeal_id", "revision", name=op.f("pk_approvals")),
    )
    connection = op.get_bind()
    at = datetime.now(UTC)
    if connection.dialect.name == "sqlite":
        at = at.replace(tzinfo=None)
    current = connection.execute(sa.text("SELECT id, current_revision FROM appeals")).all()
    if current:
        op.bulk_insert(
            approvals,
            [
                {
                    "appeal_id": appeal_id,
                    "revision": number,
                    "kind": "migrated",
                    "approved_by": "migration 0004",
                    "reason": "published before approvals existed",
                    "at": at,
                }
                for appeal_id, number in current
            ],
        )
    connection.execute(sa.text("UPDATE appeals SET live_revision = current_revision"))


def downgrade() -> None:
    op.drop_table("approvals")
    with op.batch_alter_table("appeals") as batch:
        batch.drop_column("live_revision")
    with op.batch_alter_table("appeal_revisions") as batch:
        batch.drop_column("announce")
        batch.drop_column("author")
