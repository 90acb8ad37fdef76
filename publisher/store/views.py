"""Deliveries as operators see them: the views, and which are overdue."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from publisher.domain.delivery import OVERDUE_AFTER, DeliveryState, is_overdue, part_label
from publisher.store.models import (
    AttemptRow,
    AuditRow,
    CampaignRow,
    ChannelStatusRow,
    DeliveryRow,
)

__all__ = [
    "AttemptView",
    "AuditView",
    "ChannelStatusView",
    "DeliveryView",
    "LedgerFigures",
    "attempts_of",
    "audit_of",
    "channel_statuses",
    "find_views",
    "ledger_figures",
    "list_views",
    "overdue_ids",
    "view",
]

_S = DeliveryState


@dataclass(frozen=True)
class DeliveryView:
    """A delivery as operators see it."""

    id: int
    appeal_id: str
    revision: int
    channel: str
    target: str
    part: int
    slot: str
    due_at: datetime
    state: str
    attempts: int
    next_attempt_at: datetime | None
    published_at: datetime | None
    last_error: str | None
    remote_id: str | None
    remote_url: str | None
    overdue: bool
    campaign: str | None = None

    @property
    def part_name(self) -> str:
        """What the delivery does, in listings: "main", "update" or "delete"."""
        return part_label(self.part)


def view(
    row: DeliveryRow,
    *,
    at: datetime,
    overdue_after: timedelta = OVERDUE_AFTER,
    campaign: str | None = None,
) -> DeliveryView:
    return DeliveryView(
        id=row.id,
        appeal_id=row.appeal_id,
        revision=row.revision,
        channel=row.channel,
        target=row.target,
        part=row.part,
        slot=row.slot,
        due_at=row.due_at,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        published_at=row.published_at,
        last_error=row.last_error,
        remote_id=row.remote_id,
        remote_url=row.remote_url,
        overdue=is_overdue(
            row.state, row.due_at, row.next_attempt_at, at=at, overdue_after=overdue_after
        ),
        campaign=campaign,
    )


def _overdue_where(at: datetime, overdue_after: timedelta) -> ColumnElement[bool]:
    """:func:`publisher.domain.delivery.is_overdue` as SQL."""
    limit = at - overdue_after
    return and_(
        DeliveryRow.state == _S.SCHEDULED,
        DeliveryRow.due_at <= limit,
        or_(DeliveryRow.next_attempt_at.is_(None), DeliveryRow.next_attempt_at <= limit),
    )


def list_views(
    session: Session,
    *,
    at: datetime,
    states: Sequence[str] | None = None,
    appeal_id: str | None = None,
    overdue_after: timedelta = OVERDUE_AFTER,
) -> list[DeliveryView]:
    """Deliveries (optionally only these states / this appeal), by due time."""
    query = select(DeliveryRow).order_by(DeliveryRow.due_at, DeliveryRow.id)
    if states:
        query = query.where(DeliveryRow.state.in_(list(states)))
    if appeal_id is not None:
        query = query.where(DeliveryRow.appeal_id == appeal_id)
    return [view(r, at=at, overdue_after=overdue_after) for r in session.scalars(query)]


def overdue_ids(
    session: Session, *, at: datetime, overdue_after: timedelta = OVERDUE_AFTER
) -> tuple[int, ...]:
    return tuple(
        session.scalars(
            select(DeliveryRow.id).where(_overdue_where(at, overdue_after)).order_by(DeliveryRow.id)
        )
    )


def find_views(
    session: Session,
    *,
    at: datetime,
    states: Sequence[str] | None = None,
    channel: str | None = None,
    appeal_id: str | None = None,
    campaign: str | None = None,
    due_from: datetime | None = None,
    due_before: datetime | None = None,
    ids: Sequence[int] | None = None,
    limit: int = 500,
    overdue_after: timedelta = OVERDUE_AFTER,
) -> list[DeliveryView]:
    """Deliveries filtered by state, channel, appeal, campaign slug and due time (``due_from``
    inclusive, ``due_before`` exclusive), by due time, at most ``limit``; each with its
    campaign's slug."""
    query = (
        select(DeliveryRow, CampaignRow.slug)
        .outerjoin(CampaignRow, CampaignRow.id == DeliveryRow.campaign_id)
        .order_by(DeliveryRow.due_at, DeliveryRow.id)
        .limit(limit)
    )
    if states:
        query = query.where(DeliveryRow.state.in_(list(states)))
    if channel:
        query = query.where(DeliveryRow.channel == channel)
    if appeal_id:
        query = query.where(DeliveryRow.appeal_id == appeal_id)
    if campaign:
        query = query.where(CampaignRow.slug == campaign)
    if due_from is not None:
        query = query.where(DeliveryRow.due_at >= due_from)
    if due_before is not None:
        query = query.where(DeliveryRow.due_at < due_before)
    if ids is not None:
        query = query.where(DeliveryRow.id.in_(list(ids)))
    return [
        view(row, at=at, overdue_after=overdue_after, campaign=slug)
        for row, slug in session.execute(query)
    ]


@dataclass(frozen=True)
class AttemptView:
    """One call to a channel for a delivery."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    error: str | None
    response_summary: str | None


def attempts_of(session: Session, delivery_id: int) -> list[AttemptView]:
    """Every attempt of one delivery, oldest first."""
    rows = session.scalars(
        select(AttemptRow)
        .where(AttemptRow.delivery_id == delivery_id)
        .order_by(AttemptRow.started_at, AttemptRow.id)
    )
    return [
        AttemptView(
            id=r.id,
            started_at=r.started_at,
            finished_at=r.finished_at,
            outcome=r.outcome,
            error=r.error,
            response_summary=r.response_summary,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class AuditView:
    """One audit row: who did what, when."""

    at: datetime
    actor: str
    action: str
    subject: str
    detail: str | None


def audit_of(session: Session, subject: str) -> list[AuditView]:
    """The audit trail of one subject (``delivery:12``, ``channel:x/default``), oldest first."""
    rows = session.scalars(
        select(AuditRow).where(AuditRow.subject == subject).order_by(AuditRow.at, AuditRow.id)
    )
    return [
        AuditView(at=r.at, actor=r.actor, action=r.action, subject=r.subject, detail=r.detail)
        for r in rows
    ]


@dataclass(frozen=True)
class ChannelStatusView:
    channel: str
    target: str
    disabled: bool
    reason: str | None
    since: datetime
    rate_limited_until: datetime | None = None
    """When the platform said it would take posts again, as last recorded (may be past)."""


def _retry_at(rate_limit: str | None) -> datetime | None:
    if not rate_limit:
        return None
    try:
        found = json.loads(rate_limit).get("retry_at")
        moment = datetime.fromisoformat(found) if isinstance(found, str) else None
    except (ValueError, AttributeError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


def channel_statuses(session: Session) -> list[ChannelStatusView]:
    """Every channel/target with a recorded status."""
    return [
        ChannelStatusView(
            channel=r.channel,
            target=r.target,
            disabled=bool(r.disabled),
            reason=r.reason,
            since=r.updated_at,
            rate_limited_until=_retry_at(r.rate_limit),
        )
        for r in session.scalars(
            select(ChannelStatusRow).order_by(ChannelStatusRow.channel, ChannelStatusRow.target)
        )
    ]


@dataclass(frozen=True)
class LedgerFigures:
    """What the monitoring counts, read in one go."""

    by_state_channel: dict[tuple[str, str], int]
    attempts: dict[tuple[str, str], int]
    """(channel, outcome) → attempts finished with that outcome (``none``: not finished)."""
    lateness: list[float]
    """published_at − due_at, in seconds, of the deliveries published since ``since``."""
    due_soon: int
    """Scheduled deliveries due between ``at`` and ``at`` + one hour."""


def ledger_figures(session: Session, *, at: datetime, since: datetime) -> LedgerFigures:
    by_state_channel = {
        (str(state), str(channel)): int(count)
        for state, channel, count in session.execute(
            select(DeliveryRow.state, DeliveryRow.channel, func.count()).group_by(
                DeliveryRow.state, DeliveryRow.channel
            )
        )
    }
    attempts = {
        (str(channel), str(outcome or "none")): int(count)
        for channel, outcome, count in session.execute(
            select(DeliveryRow.channel, AttemptRow.outcome, func.count())
            .join(DeliveryRow, DeliveryRow.id == AttemptRow.delivery_id)
            .group_by(DeliveryRow.channel, AttemptRow.outcome)
        )
    }
    lateness = [
        max(0.0, (published - due).total_seconds())
        for published, due in session.execute(
            select(DeliveryRow.published_at, DeliveryRow.due_at).where(
                DeliveryRow.state == _S.PUBLISHED,
                DeliveryRow.published_at.is_not(None),
                DeliveryRow.published_at >= since,
            )
        )
        if published is not None
    ]
    due_soon = int(
        session.scalar(
            select(func.count())
            .select_from(DeliveryRow)
            .where(
                DeliveryRow.state == _S.SCHEDULED,
                DeliveryRow.due_at >= at,
                DeliveryRow.due_at < at + timedelta(hours=1),
            )
        )
        or 0
    )
    return LedgerFigures(
        by_state_channel=by_state_channel, attempts=attempts, lateness=lateness, due_soon=due_soon
    )
