"""What operators do to the ledger: retry, cancel, confirm, re-enable a channel; and what the
reconciler does on its own to deliveries that are stuck."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from publisher.domain.delivery import OVERDUE_AFTER, PENDING_STATES, DeliveryState
from publisher.services._common import seconds, utc
from publisher.store import Store, health, ledger, views
from publisher.store.audit import audit

__all__ = ["ReconcileReport", "cancel", "confirm", "enable_channel", "reconcile", "retry"]

log = logging.getLogger(__name__)

_S = DeliveryState


def cancel(
    store: Store, delivery_id: int, *, actor: str = "cli", now: datetime | None = None
) -> str:
    """Cancel a delivery that has not been handed to its channel (or failed/unknown)."""
    with store.session() as session:
        return ledger.manual_move(
            session,
            delivery_id,
            allowed=(*PENDING_STATES, _S.FAILED, _S.UNKNOWN),
            values={"state": _S.CANCELLED.value, "claimed_at": None},
            actor=actor,
            action="cancel",
            at=utc(now),
        )


def retry(
    store: Store, delivery_id: int, *, actor: str = "cli", now: datetime | None = None
) -> str:
    """failed/unknown → scheduled, due now (the next dispatcher tick sends it)."""
    at = utc(now)
    with store.session() as session:
        return ledger.manual_move(
            session,
            delivery_id,
            allowed=(_S.FAILED, _S.UNKNOWN),
            values={
                "state": _S.SCHEDULED.value,
                "next_attempt_at": at,
                "claimed_at": None,
                "sending_at": None,
            },
            actor=actor,
            action="retry",
            at=at,
        )


def confirm(
    store: Store,
    delivery_id: int,
    *,
    published: bool,
    remote_id: str | None = None,
    remote_url: str | None = None,
    actor: str = "cli",
    now: datetime | None = None,
) -> str:
    """A person's answer for an unknown delivery: it went out (published) or it did not
    (scheduled again, due now)."""
    at = utc(now)
    values: dict[str, Any]
    if published:
        values = {"state": _S.PUBLISHED.value, "published_at": at, "last_error": None}
        if remote_id is not None:
            values["remote_id"] = remote_id
        if remote_url is not None:
            values["remote_url"] = remote_url
    else:
        values = {"state": _S.SCHEDULED.value, "next_attempt_at": at, "sending_at": None}
    with store.session() as session:
        return ledger.manual_move(
            session,
            delivery_id,
            allowed=(_S.UNKNOWN,),
            values=values,
            actor=actor,
            action="confirm",
            at=at,
            detail={"published": published, "remote_id": remote_id},
        )


def enable_channel(
    store: Store,
    channel: str,
    target: str = "default",
    *,
    actor: str = "cli",
    now: datetime | None = None,
) -> None:
    """Re-enable a channel disabled after a credentials failure (then retry its deliveries)."""
    at = utc(now)
    with store.session() as session:
        health.set_channel_status(
            session, store.dialect, channel, target, at, disabled=False, reason=None
        )
        audit(
            session,
            at=at,
            actor=actor,
            action="enable-channel",
            subject=f"channel:{channel}/{target}",
        )


@dataclass(frozen=True)
class ReconcileReport:
    requeued: tuple[int, ...] = ()
    """Claimed too long (nothing was sent): back to scheduled."""
    rerun: tuple[int, ...] = ()
    """Sending too long on an idempotent channel: back to scheduled."""
    unknown: tuple[int, ...] = ()
    """Sending too long on a non-idempotent channel: a person must confirm."""
    overdue: int = 0
    """Scheduled deliveries past due by more than the grace period: alert."""
    overdue_ids: tuple[int, ...] = ()


def reconcile(
    store: Store,
    *,
    now: datetime,
    claimed_timeout: float | timedelta,
    sending_timeout: float | timedelta,
    overdue_after: timedelta = OVERDUE_AFTER,
) -> ReconcileReport:
    """Claimed too long → scheduled (nothing was sent); sending too long → unknown
    (non-idempotent: a person confirms) or scheduled (idempotent); count overdue deliveries."""
    at = utc(now)
    with store.session() as session:
        requeued = ledger.stale_claims_to_scheduled(
            session, store.dialect, before=at - seconds(claimed_timeout), at=at
        )
        rerun, unknown = ledger.stale_sending(
            session, store.dialect, before=at - seconds(sending_timeout), at=at
        )
        overdue_ids = views.overdue_ids(session, at=at, overdue_after=overdue_after)
        if requeued or rerun or unknown:
            audit(
                session,
                at=at,
                actor="reconciler",
                action="reconcile",
                subject="deliveries",
                detail={"requeued": requeued, "rerun": rerun, "unknown": unknown},
            )
    if overdue_ids:
        log.warning("%d overdue deliveries: %s", len(overdue_ids), overdue_ids[:20])
    return ReconcileReport(
        requeued=tuple(requeued),
        rerun=tuple(rerun),
        unknown=tuple(unknown),
        overdue=len(overdue_ids),
        overdue_ids=overdue_ids,
    )
