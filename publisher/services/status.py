"""What the ledger says about itself: the deliveries, the heartbeats, and whether all is well."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from publisher.domain.delivery import OVERDUE_AFTER, DeliveryState
from publisher.errors import InvalidTransition, Unavailable, UnknownDelivery
from publisher.services._common import utc
from publisher.store import Store, health, views
from publisher.store import alerts as outbox
from publisher.store.alerts import AlertView
from publisher.store.audit import AuditEntry, audit_entries
from publisher.store.views import (
    AttemptView,
    AuditView,
    ChannelStatusView,
    DeliveryView,
    LedgerFigures,
)

__all__ = [
    "DISPATCHER_HEARTBEAT",
    "EXIT_CODES",
    "STATUS_ATTENTION",
    "STATUS_DOWN",
    "STATUS_OK",
    "AttemptView",
    "AuditEntry",
    "AuditPage",
    "AuditView",
    "ChannelStatusView",
    "DeliveryDetail",
    "DeliveryView",
    "LedgerFigures",
    "StatusReport",
    "audit_log",
    "channel_statuses",
    "delivery_detail",
    "find_deliveries",
    "ledger_figures",
    "list_deliveries",
    "record_heartbeat",
    "system_status",
]

TICK_GRACE_SECONDS = 5.0
"""The least time without a dispatcher tick that counts as "down", however short the interval:
a busy host delays a sub-second tick by a second or two, which is jitter, not an outage."""

DISPATCHER_HEARTBEAT = "dispatcher"
_S = DeliveryState


def list_deliveries(
    store: Store,
    *,
    states: Sequence[str] | None = None,
    now: datetime | None = None,
    appeal_id: str | None = None,
    overdue_after: timedelta = OVERDUE_AFTER,
) -> list[DeliveryView]:
    """Deliveries (optionally only these states / this appeal), by due time."""
    _check_states(states)
    with store.session() as session:
        return views.list_views(
            session, at=utc(now), states=states, appeal_id=appeal_id, overdue_after=overdue_after
        )


def _check_states(states: Sequence[str] | None) -> None:
    if states:
        unknown = set(states) - {s.value for s in DeliveryState}
        if unknown:
            raise InvalidTransition(
                f"unknown state(s) {', '.join(sorted(unknown))}; states are "
                + ", ".join(s.value for s in DeliveryState)
            )


def find_deliveries(
    store: Store,
    *,
    states: Sequence[str] | None = None,
    channel: str | None = None,
    appeal_id: str | None = None,
    campaign: str | None = None,
    due_from: datetime | None = None,
    due_before: datetime | None = None,
    ids: Sequence[int] | None = None,
    limit: int = 500,
    now: datetime | None = None,
    overdue_after: timedelta = OVERDUE_AFTER,
) -> list[DeliveryView]:
    """Deliveries filtered by state, channel, appeal, campaign slug and due time (from
    inclusive, before exclusive), by due time, at most ``limit``."""
    _check_states(states)
    with store.session() as session:
        return views.find_views(
            session,
            at=utc(now),
            states=states,
            channel=channel,
            appeal_id=appeal_id,
            campaign=campaign,
            due_from=None if due_from is None else utc(due_from),
            due_before=None if due_before is None else utc(due_before),
            ids=ids,
            limit=limit,
            overdue_after=overdue_after,
        )


@dataclass(frozen=True)
class DeliveryDetail:
    """One delivery with every attempt, its audit trail and the alerts it caused."""

    delivery: DeliveryView
    attempts: tuple[AttemptView, ...]
    audit: tuple[AuditView, ...]
    alerts: tuple[AlertView, ...] = ()


def delivery_detail(
    store: Store,
    delivery_id: int,
    *,
    now: datetime | None = None,
    overdue_after: timedelta = OVERDUE_AFTER,
) -> DeliveryDetail:
    """One delivery, its attempts, its audit trail and its alerts; :class:`UnknownDelivery`
    if none."""
    at = utc(now)
    with store.session() as session:
        found = views.find_views(
            session, at=at, ids=[delivery_id], limit=1, overdue_after=overdue_after
        )
        if not found:
            raise UnknownDelivery(f"no delivery {delivery_id}")
        return DeliveryDetail(
            delivery=found[0],
            attempts=tuple(views.attempts_of(session, delivery_id)),
            audit=tuple(views.audit_of(session, f"delivery:{delivery_id}")),
            alerts=tuple(outbox.alert_views(session, delivery_id=delivery_id, limit=100)),
        )


def channel_statuses(store: Store) -> list[ChannelStatusView]:
    """Every channel/target whose status was ever recorded (disabled or not, since when)."""
    with store.session() as session:
        return views.channel_statuses(session)


def ledger_figures(
    store: Store, *, now: datetime | None = None, window: timedelta = timedelta(hours=1)
) -> LedgerFigures:
    """Counts by (state, channel), attempts by (channel, outcome), the lateness of what was
    published in the last ``window``, and how many are due in the next hour."""
    at = utc(now)
    with store.session() as session:
        return views.ledger_figures(session, at=at, since=at - window)


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit trail, newest first, and where the next (older) page starts."""

    entries: tuple[AuditEntry, ...]
    next_before: int | None
    """Pass as ``before_id`` for the next page; None on the last page."""


def audit_log(
    store: Store,
    *,
    subject_prefix: str | None = None,
    subject: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
    appeal_id: str | None = None,
) -> AuditPage:
    """Who did what and when, newest first, ``limit`` at a time (``before_id`` pages on);
    with ``appeal_id``, only what was done to that appeal and its deliveries."""
    size = max(1, min(limit, 500))
    with store.session() as session:
        rows = audit_entries(
            session,
            subject_prefix=subject_prefix,
            subject=subject,
            limit=size + 1,
            before_id=before_id,
            appeal_id=appeal_id,
        )
    shown = tuple(rows[:size])
    return AuditPage(shown, shown[-1].id if len(rows) > size else None)


def record_heartbeat(
    store: Store,
    name: str,
    *,
    now: datetime | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Remember that ``name`` (e.g. the dispatcher) was alive at ``now``."""
    with store.session() as session:
        health.record_heartbeat(session, store.dialect, name, at=utc(now), detail=detail)


STATUS_OK = "ok"
STATUS_ATTENTION = "attention"
STATUS_DOWN = "down"
EXIT_CODES = {STATUS_OK: 0, STATUS_ATTENTION: 1, STATUS_DOWN: 2}
"""``publisher status`` exits as monitoring plugins do: 0 all is well, 1 something needs a
person, 2 the system is down."""


@dataclass(frozen=True)
class StatusReport:
    """Is publishing healthy, and if not, is it down or does something need a person?"""

    at: datetime
    healthy: bool
    """Nothing is down and nothing needs a person."""
    problems: tuple[str, ...]
    """Every problem: those that make it down first, then those that need a person."""
    last_tick: datetime | None
    tick_age_seconds: float | None
    overdue: int
    counts: Mapping[str, int]
    broker_depth: int | None
    workers_alive: int | None
    disabled_channels: tuple[str, ...]
    status: str = STATUS_OK
    """``ok``, ``attention`` (something needs a person) or ``down``."""
    down: tuple[str, ...] = ()
    """Why the system cannot publish: no recent dispatcher tick, no worker, no broker, no
    database."""
    attention: tuple[str, ...] = ()
    """What needs a person: unknown or failed deliveries, overdue ones, disabled channels."""
    database_error: str | None = None
    undelivered_alerts: int = 0
    """Alerts that could not be delivered to the webhook (shown; they change no exit code)."""

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


def system_status(
    store: Store,
    *,
    now: datetime | None = None,
    broker_depth: int | None = None,
    workers_alive: int | None = None,
    broker_error: str | None = None,
    dispatch_interval: float = 2.0,
    overdue_after: timedelta = OVERDUE_AFTER,
) -> StatusReport:
    """Is publishing healthy? **Down** when the database cannot be reached, the dispatcher has
    not ticked within three intervals, no worker answered (``workers_alive == 0``; ``None``
    means not measured) or the broker could not be reached (``broker_error``). **Needs a
    person** when a delivery is unknown or failed, one is overdue, or a channel is disabled.
    A database that cannot be reached is reported, not raised."""
    at = utc(now)
    down: list[str] = []
    attention: list[str] = []
    counts: dict[str, int] = {}
    last_tick: datetime | None = None
    overdue = 0
    disabled: tuple[str, ...] = ()
    off: list[ChannelStatusView] = []
    failing_alerts = 0
    database_error: str | None = None
    try:
        with store.session() as session:
            last_tick = health.heartbeat(session, DISPATCHER_HEARTBEAT)
            counts = health.state_counts(session)
            overdue = len(views.overdue_ids(session, at=at, overdue_after=overdue_after))
            disabled = health.disabled_channels(session)
            off = [c for c in views.channel_statuses(session) if c.disabled]
            failing_alerts = outbox.failing_count(session)
    except Unavailable as exc:
        database_error = exc.format_message()
        down.append(database_error)
    age = None if last_tick is None else (at - last_tick).total_seconds()
    if database_error is None:
        if age is None:
            down.append("the dispatcher has never ticked (is `publisher beat` running?)")
        elif age > max(3 * dispatch_interval, TICK_GRACE_SECONDS):
            down.append(
                f"the dispatcher last ticked {age:.0f} s ago "
                f"(expected every {dispatch_interval:g} s)"
            )
    if broker_error:
        down.append(broker_error)
    if workers_alive == 0:
        down.append("no worker answered")
    unknown = counts.get(_S.UNKNOWN.value, 0)
    failed = counts.get(_S.FAILED.value, 0)
    if unknown:
        attention.append(
            f"{unknown} delivery(ies) unknown: they may have gone out; check the platform, "
            "then confirm each"
        )
    if failed:
        attention.append(f"{failed} delivery(ies) failed: fix the cause, then retry")
    if overdue:
        attention.append(f"{overdue} delivery(ies) overdue")
    attention.extend(
        f"channel {c.channel}/{c.target} is disabled: {c.reason or 'no reason recorded'}; "
        "re-enable it once fixed"
        for c in off
    )
    status = STATUS_DOWN if down else STATUS_ATTENTION if attention else STATUS_OK
    return StatusReport(
        at=at,
        healthy=status == STATUS_OK,
        problems=(*down, *attention),
        last_tick=last_tick,
        tick_age_seconds=age,
        overdue=overdue,
        counts=counts,
        broker_depth=broker_depth,
        workers_alive=workers_alive,
        disabled_channels=disabled,
        status=status,
        down=tuple(down),
        attention=tuple(attention),
        database_error=database_error,
        undelivered_alerts=failing_alerts,
    )
