"""The alert outbox: alerts are written here in the same transaction as the change they tell
of (:mod:`~publisher.store.ledger` and :mod:`~publisher.store.health` call
:func:`record_delivery_alerts` and :func:`record_channel_alert`), then claimed one at a time by
a sender and marked delivered, to be tried again, or given up (:mod:`publisher.domain.alerts`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from publisher.domain.alerts import AlertEvent, AlertFacts, AlertStatus
from publisher.domain.delivery import DeliveryState
from publisher.store.audit import audit
from publisher.store.dialect import move_rows
from publisher.store.models import AlertRow, DeliveryRow

__all__ = [
    "EVENT_OF_STATE",
    "AlertView",
    "ClaimedAlert",
    "alert_counts",
    "alert_views",
    "claim_next",
    "failing_count",
    "mark_delivered",
    "mark_failed",
    "mark_not_configured",
    "record_channel_alert",
    "record_delivery_alerts",
]

_A = AlertStatus

EVENT_OF_STATE = {
    DeliveryState.FAILED.value: AlertEvent.DELIVERY_FAILED,
    DeliveryState.UNKNOWN.value: AlertEvent.DELIVERY_UNKNOWN,
}
"""The delivery states a person is alerted to."""


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _new(
    *,
    event: AlertEvent,
    at: datetime,
    channel: str,
    target: str,
    subject_state: str,
    delivery_id: int | None,
    appeal_id: str | None,
    error: str | None,
) -> AlertRow:
    return AlertRow(
        uid=str(uuid.uuid4()),
        event=event.value,
        delivery_id=delivery_id,
        appeal_id=appeal_id,
        channel=channel,
        target=target,
        subject_state=subject_state,
        error=error,
        occurred_at=at,
        status=_A.PENDING.value,
        attempts=0,
        next_attempt_at=at,
        updated_at=at,
    )


def record_delivery_alerts(session: Session, delivery_ids: Iterable[int], *, at: datetime) -> int:
    """An alert for each of these deliveries that is now ``failed`` or ``unknown`` (call it in
    the transaction that moved them, after the move: the row is read as it is now). Returns how
    many were written."""
    ids = sorted(set(delivery_ids))
    if not ids:
        return 0
    rows = session.execute(
        select(
            DeliveryRow.id,
            DeliveryRow.appeal_id,
            DeliveryRow.channel,
            DeliveryRow.target,
            DeliveryRow.state,
            DeliveryRow.last_error,
        ).where(DeliveryRow.id.in_(ids))
    ).all()
    made = 0
    for delivery_id, appeal_id, channel, target, state, error in rows:
        event = EVENT_OF_STATE.get(state)
        if event is None:
            continue
        session.add(
            _new(
                event=event,
                at=at,
                channel=channel,
                target=target,
                subject_state=state,
                delivery_id=delivery_id,
                appeal_id=appeal_id,
                error=error,
            )
        )
        made += 1
    return made


def record_channel_alert(
    session: Session,
    channel: str,
    target: str,
    reason: str | None,
    *,
    at: datetime,
    delivery_id: int | None = None,
) -> None:
    """An alert that ``channel``/``target`` was just disabled (``delivery_id``: the delivery
    whose outcome disabled it)."""
    appeal_id = None
    if delivery_id is not None:
        appeal_id = session.scalar(
            select(DeliveryRow.appeal_id).where(DeliveryRow.id == delivery_id)
        )
    session.add(
        _new(
            event=AlertEvent.CHANNEL_DISABLED,
            at=at,
            channel=channel,
            target=target,
            subject_state="disabled",
            delivery_id=delivery_id,
            appeal_id=appeal_id,
            error=reason,
        )
    )


# ------------------------------------------------------------------------------------ sending


@dataclass(frozen=True)
class ClaimedAlert:
    """An alert a sender holds for one try."""

    row_id: int
    attempt: int
    """Which try this is (1 for the first)."""
    facts: AlertFacts


def _facts(row: AlertRow) -> AlertFacts:
    return AlertFacts(
        id=row.uid,
        event=AlertEvent(row.event),
        occurred_at=row.occurred_at,
        channel=row.channel,
        target=row.target,
        state=row.subject_state,
        delivery_id=row.delivery_id,
        appeal_id=row.appeal_id,
        error=row.error,
    )


def claim_next(
    session: Session, dialect: str, *, at: datetime, hold: timedelta
) -> ClaimedAlert | None:
    """Take the oldest pending alert that is due, for one try: its next attempt moves to
    ``at + hold`` (no other sender takes it meanwhile; if this one dies, it is tried again then)
    and its try count goes up. None when nothing is due."""
    due = and_(AlertRow.status == _A.PENDING.value, AlertRow.next_attempt_at <= at)
    ids = move_rows(
        session,
        dialect,
        AlertRow,
        AlertRow.id,
        due,
        {"next_attempt_at": at + hold, "attempts": AlertRow.attempts + 1, "updated_at": at},
        order=(AlertRow.next_attempt_at, AlertRow.id),
        limit=1,
    )
    if not ids:
        return None
    row = session.scalars(
        select(AlertRow).where(AlertRow.id == ids[0]).execution_options(populate_existing=True)
    ).one()
    return ClaimedAlert(row_id=row.id, attempt=row.attempts, facts=_facts(row))


def mark_delivered(
    session: Session, row_id: int, *, at: datetime, status_code: int, actor: str
) -> bool:
    """The receiver took it (even if another sender's try was the one recorded first)."""
    moved = session.execute(
        update(AlertRow)
        .where(AlertRow.id == row_id, AlertRow.status == _A.PENDING.value)
        .values(
            status=_A.DELIVERED.value,
            delivered_at=at,
            last_status=status_code,
            last_error=None,
            next_attempt_at=None,
            updated_at=at,
        ),
        execution_options={"synchronize_session": False},
    )
    if _rowcount(moved) != 1:
        return False
    audit(
        session,
        at=at,
        actor=actor,
        action="alert-delivered",
        subject=f"alert:{row_id}",
        detail={"status": status_code},
    )
    return True


def mark_failed(
    session: Session,
    row_id: int,
    *,
    attempt: int,
    at: datetime,
    error: str,
    status_code: int | None,
    retry_at: datetime | None,
    actor: str,
) -> str | None:
    """Try ``attempt`` failed: the alert is tried again at ``retry_at``, or given up when that
    is None. Only the holder of the newest try may say so (a late answer to an older try, whose
    hold lapsed, changes nothing). Returns the alert's status, or None if nothing changed."""
    status = _A.PENDING if retry_at is not None else _A.GAVE_UP
    moved = session.execute(
        update(AlertRow)
        .where(
            AlertRow.id == row_id,
            AlertRow.status == _A.PENDING.value,
            AlertRow.attempts == attempt,
        )
        .values(
            status=status.value,
            next_attempt_at=retry_at,
            last_error=error,
            last_status=status_code,
            updated_at=at,
        ),
        execution_options={"synchronize_session": False},
    )
    if _rowcount(moved) != 1:
        return None
    if status is _A.GAVE_UP:
        audit(
            session,
            at=at,
            actor=actor,
            action="alert-gave-up",
            subject=f"alert:{row_id}",
            detail={"attempts": attempt, "error": error},
        )
    return status.value


def mark_not_configured(session: Session, *, at: datetime) -> int:
    """Every pending alert: not sent, there is nowhere to send it. Returns how many."""
    moved = session.execute(
        update(AlertRow)
        .where(AlertRow.status == _A.PENDING.value)
        .values(status=_A.NOT_CONFIGURED.value, next_attempt_at=None, updated_at=at),
        execution_options={"synchronize_session": False},
    )
    return _rowcount(moved)


# --------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class AlertView:
    """One alert as operators see it."""

    id: int
    uid: str
    event: str
    delivery_id: int | None
    appeal_id: str | None
    channel: str
    target: str
    state: str
    error: str | None
    occurred_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    last_status: int | None
    delivered_at: datetime | None
    updated_at: datetime


def _view(row: AlertRow) -> AlertView:
    return AlertView(
        id=row.id,
        uid=row.uid,
        event=row.event,
        delivery_id=row.delivery_id,
        appeal_id=row.appeal_id,
        channel=row.channel,
        target=row.target,
        state=row.subject_state,
        error=row.error,
        occurred_at=row.occurred_at,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        last_status=row.last_status,
        delivered_at=row.delivered_at,
        updated_at=row.updated_at,
    )


def alert_views(
    session: Session,
    *,
    statuses: Sequence[str] | None = None,
    delivery_id: int | None = None,
    failing_only: bool = False,
    limit: int = 50,
) -> list[AlertView]:
    """Alerts, newest first: only these statuses, of this delivery, or (``failing_only``) only
    those that could not be delivered: given up, or pending after a failed try."""
    query = select(AlertRow).order_by(AlertRow.id.desc()).limit(max(1, limit))
    if statuses:
        query = query.where(AlertRow.status.in_(list(statuses)))
    if delivery_id is not None:
        query = query.where(AlertRow.delivery_id == delivery_id)
    if failing_only:
        query = query.where(_failing())
    return [_view(row) for row in session.scalars(query)]


def _failing() -> ColumnElement[bool]:
    return or_(
        AlertRow.status == _A.GAVE_UP.value,
        and_(AlertRow.status == _A.PENDING.value, AlertRow.last_error.is_not(None)),
    )


def failing_count(session: Session) -> int:
    """How many alerts could not be delivered: given up, or pending after a failed try."""
    return int(session.scalar(select(func.count()).select_from(AlertRow).where(_failing())) or 0)


def alert_counts(session: Session) -> dict[str, int]:
    """How many alerts are in each status."""
    counts = {s.value: 0 for s in AlertStatus}
    for status, count in session.execute(
        select(AlertRow.status, func.count()).group_by(AlertRow.status)
    ):
        counts[str(status)] = int(count)
    return counts
