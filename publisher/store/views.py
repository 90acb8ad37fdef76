"""Deliveries as operators see them: the views, and which are overdue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from publisher.domain.delivery import OVERDUE_AFTER, DeliveryState, is_overdue
from publisher.store.models import DeliveryRow

__all__ = ["DeliveryView", "list_views", "overdue_ids", "view"]

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


def view(
    row: DeliveryRow, *, at: datetime, overdue_after: timedelta = OVERDUE_AFTER
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
