"""The database schema: SQLAlchemy 2.x typed ORM models.

Every time is stored in UTC. :class:`UTCDateTime` converts at the edge: Python code only ever
sees timezone-aware UTC datetimes, whatever the database (SQLite keeps naive UTC text,
PostgreSQL ``timestamptz``). A naive datetime is refused on the way in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from publisher.domain.delivery import ACTIVE_STATES, PENDING_STATES, DeliveryState

__all__ = [
    "ACTIVE_STATES",
    "PENDING_STATES",
    "AlertRow",
    "AppealRevisionRow",
    "AppealRow",
    "ApprovalRow",
    "AttemptRow",
    "AuditRow",
    "Base",
    "CampaignRow",
    "ChannelStatusRow",
    "DeliveryRow",
    "DeliveryState",
    "HeartbeatRow",
    "SessionRow",
    "SiteChangeRow",
    "SiteCounterRow",
    "SubscriptionRow",
    "SubscriptionTokenRow",
    "TokenRow",
    "UTCDateTime",
    "UserRow",
]


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC; always returned aware, in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: give a time zone")
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @property
    def python_type(self) -> type[datetime]:
        return datetime


NAMING_CONVENTION: dict[str, Any] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy's API)


class AppealRow(Base):
    __tablename__ = "appeals"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    current_revision: Mapped[int] = mapped_column(Integer)
    live_revision: Mapped[int | None] = mapped_column(Integer)
    """The newest approved revision: what the workers publish. None until one is approved."""
    status: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SiteCounterRow(Base):
    """One row (``id`` 1): the number of the newest change to what the sites are made of.

    A transaction that changes a site (a revision goes live, a delivery is published) takes
    the next number by an UPDATE of this row, which holds the row's lock until it commits, so
    numbers are taken in the order their transactions commit: every committed number is
    below every number still to commit (see :mod:`publisher.store.site_log`)."""

    __tablename__ = "site_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)


class SiteChangeRow(Base):
    """One appeal whose place in the sites may have changed, at change number ``seq``."""

    __tablename__ = "site_changes"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    appeal_id: Mapped[str] = mapped_column(String(200), primary_key=True)


class AppealRevisionRow(Base):
    __tablename__ = "appeal_revisions"

    appeal_id: Mapped[str] = mapped_column(
        String(200), ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_json: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    author: Mapped[str | None] = mapped_column(String(100))
    """Who stored this revision (a user's name, ``cli`` or ``run``); None before approvals."""
    announce: Mapped[bool | None] = mapped_column(Boolean)
    """For an edit: post an UPDATE reply on social channels when it is approved."""


class ApprovalRow(Base):
    """One approved revision: who approved it, how, and why (the reason of an urgent one)."""

    __tablename__ = "approvals"
    __table_args__ = (
        ForeignKeyConstraint(
            ["appeal_id", "revision"],
            ["appeal_revisions.appeal_id", "appeal_revisions.revision"],
            ondelete="CASCADE",
        ),
    )

    appeal_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    """publisher.domain.approval.ApprovalKind."""
    approved_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class CampaignRow(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    appeal_id: Mapped[str] = mapped_column(String(200), ForeignKey("appeals.id"))
    channels: Mapped[str] = mapped_column(String(500))
    rule: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("appeal_id", "channel", "target", "part", "slot"),
        Index("ix_deliveries_state_due_at", "state", "due_at"),
        Index(
            "ix_deliveries_channel_target_state_appeal", "channel", "target", "state", "appeal_id"
        ),
        ForeignKeyConstraint(["appeal_id"], ["appeals.id"]),
        ForeignKeyConstraint(["campaign_id"], ["campaigns.id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appeal_id: Mapped[str] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(200))
    part: Mapped[int] = mapped_column(Integer, default=0)
    slot: Mapped[str] = mapped_column(String(100))
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    sending_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    remote_id: Mapped[str | None] = mapped_column(Text)
    remote_url: Mapped[str | None] = mapped_column(Text)
    idempotent: Mapped[bool | None] = mapped_column(Boolean)
    """Whether the channel said it was idempotent when this delivery was last sent: lets the
    reconciler decide, without the channel registry, whether a stuck 'sending' may be rerun."""
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    """The worker sending it now (host, process and a random part)."""
    lease_expires_at: Mapped[datetime | None]
    """Until when the send is known to be in flight: the sending worker renews it while the
    channel call lasts. Only a lapsed lease (the worker died) lets the reconciler act."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AttemptRow(Base):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    response_summary: Mapped[str | None] = mapped_column(Text)


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)


class ChannelStatusRow(Base):
    __tablename__ = "channel_status"

    channel: Mapped[str] = mapped_column(String(100), primary_key=True)
    target: Mapped[str] = mapped_column(String(200), primary_key=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    rate_limit: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class AlertRow(Base):
    """The alert outbox: one row per event worth telling a person at once, written in the same
    transaction as the change it tells of, then POSTed to ALERT_WEBHOOK_URL by the control
    queue (publisher.domain.alerts). No foreign keys: an alert is a record of what happened,
    kept as it was then."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    """The id receivers deduplicate by (the payload's ``id``, the Idempotency-Key header)."""
    event: Mapped[str] = mapped_column(String(40))
    """publisher.domain.alerts.AlertEvent."""
    delivery_id: Mapped[int | None] = mapped_column(Integer, index=True)
    appeal_id: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(200))
    subject_state: Mapped[str] = mapped_column(String(20))
    """The delivery's state when the alert was made (failed, unknown), or ``disabled``."""
    error: Mapped[str | None] = mapped_column(Text)
    """The error as recorded (redacted when sent)."""
    occurred_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    """publisher.domain.alerts.AlertStatus."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    """When it may be sent (again). A sender claims it by moving this past its own timeout."""
    last_error: Mapped[str | None] = mapped_column(Text)
    """Why the last try failed (names the receiver's host, never its full address)."""
    last_status: Mapped[int | None] = mapped_column(Integer)
    """The HTTP status of the receiver's last answer."""
    delivered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class HeartbeatRow(Base):
    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    at: Mapped[datetime]
    detail: Mapped[str | None] = mapped_column(Text)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    roles: Mapped[str] = mapped_column(String(200))
    """Comma-separated role names (publisher.domain.accounts.Role)."""
    password_hash: Mapped[str | None] = mapped_column(Text)
    """argon2id; None until a password is set (sign in with a one-time link first)."""
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TokenRow(Base):
    """An API token or a one-time sign-in link. Only the SHA-256 of the token is kept."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    """``api`` (a bearer token) or ``sign-in`` (a one-time link)."""
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class SessionRow(Base):
    """A signed-in browser session, kept on the server. The cookie holds the token; only its
    SHA-256 is kept here."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class SubscriptionRow(Base):
    """Someone who asked for alerts: an email address or a UK mobile number (E.164), an area,
    optionally a topic (``""`` for every appeal of the area). Unconfirmed (``confirmed_at``
    None) until the link sent to the address is followed; deleted, not flagged, on
    unsubscribe."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("kind", "address", "area", "topic", name="uq_subscriptions_address"),
        Index("ix_subscriptions_area_topic", "area", "topic"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    """A random public id (the subscriber part of Notify references); not the address."""
    kind: Mapped[str] = mapped_column(String(10))
    """``email`` or ``sms``."""
    address: Mapped[str] = mapped_column(String(320))
    area: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    """The language the alerts go in: a language code (``en``, ``cy``) of PUBLISHER_LANGUAGES,
    or ``""`` for the force's primary language (every subscription made before languages
    were asked, or when the force publishes in one language)."""
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]


class SubscriptionTokenRow(Base):
    """A link's secret, stored only as its SHA-256 digest: ``confirm`` (one, replaced when the
    confirmation is sent again) or ``unsubscribe`` (one per alert sent). Deleted with the
    subscription."""

    __tablename__ = "subscription_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
