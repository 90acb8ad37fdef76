"""Subscriptions to email and SMS alerts (GOV.UK Notify), and their links' tokens, stored only
as digests.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("uid", name=op.f("uq_subscriptions_uid")),
        sa.UniqueConstraint("kind", "address", "area", "topic", name="uq_subscriptions_address"),
    )
    op.create_index("ix_subscriptions_area_topic", "subscriptions", ["area", "topic"], unique=False)
    op.create_table(
        "subscription_tokens",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_subscription_tokens_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_subscription_tokens")),
    )
    op.create_index(
        op.f("ix_subscription_tokens_subscription_id"),
        "subscription_tokens",
        ["subscription_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_subscription_tokens_subscription_id"), table_name="subscription_tokens")
    op.drop_table("subscription_tokens")
    op.drop_index("ix_subscriptions_area_topic", table_name="subscriptions")
    op.drop_table("subscriptions")
