"""Alerts: the outbox of signed webhooks sent when a delivery needs a person (failed, unknown)
or a channel is disabled. A row is written in the same transaction as the change it tells of;
the control queue sends it, retrying with backoff, and records whether it was delivered.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("appeal_id", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("subject_state", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("uid", name=op.f("uq_alerts_uid")),
    )
    op.create_index(
        op.f("ix_alerts_status_next_attempt_at"),
        "alerts",
        ["status", "next_attempt_at"],
        unique=False,
    )
    op.create_index(op.f("ix_alerts_delivery_id"), "alerts", ["delivery_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_alerts_delivery_id"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_status_next_attempt_at"), table_name="alerts")
    op.drop_table("alerts")
