"""Scheduling: plan deliveries of an appeal (at set times, or now), and claim those that are due.

Both plans pass the appeal gate (:func:`publisher.services.appeals.gate`): a withdrawn appeal,
or one with accessibility or safety errors, is never scheduled, whichever entry point asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from publisher.channel.registry import Registry
from publisher.domain.delivery import PART_MAIN, PAST_TOLERANCE, DeliveryState
from publisher.domain.record import Appeal, AppealStatus
from publisher.errors import InvalidTransition, ScheduleError
from publisher.services._common import utc
from publisher.services.appeals import (
    check_ready,
    gate,
    import_appeal,
    not_approved,
    update_appeal,
)
from publisher.services.approvals import approve_on_command_line
from publisher.store import Store, appeals, approvals, ledger, views
from publisher.store.audit import audit

__all__ = [
    "BATCH_MOST",
    "BATCH_SPREAD",
    "Publication",
    "batches",
    "dispatch_due",
    "publish_everywhere",
    "publish_now",
    "reschedule",
    "schedule",
]

_S = DeliveryState


def _check_channels(channels: Sequence[str], registry: Registry) -> list[str]:
    names = list(dict.fromkeys(c.strip() for c in channels))
    if not names or any(not n for n in names):
        raise ScheduleError("give at least one channel (and no empty channel names)")
    for name in names:
        registry.get(name)  # UnknownChannel lists the known ones
    return names


def schedule(
    store: Store,
    registry: Registry,
    appeal_id: str,
    channels: Sequence[str],
    times: Sequence[datetime],
    *,
    target: str = "default",
    campaign: str | None = None,
    actor: str = "cli",
    now: datetime | None = None,
    rule: str | None = None,
    tz: str = "Europe/London",
) -> list[int]:
    """Plan one delivery per channel and time, at the appeal's current revision.

    Raises :class:`ScheduleConflict` (naming the delivery already there) if any (appeal,
    channel, target, part, slot) exists; nothing is scheduled then. Times more than a minute
    in the past are refused: use :func:`publish_now`. ``campaign`` groups the deliveries under
    a campaign slug (created on first use; ``rule`` is the rule as typed, for the record).
    """
    at = utc(now)
    names = _check_channels(channels, registry)
    if not times:
        raise ScheduleError("give at least one time")
    dues = sorted({utc(t) for t in times})
    past = [t for t in dues if t < at - PAST_TOLERANCE]
    if past:
        raise ScheduleError(
            f"{past[0].isoformat()} is in the past (now is {at.isoformat()}): "
            "publish now instead, or give a future time"
        )
    with store.session() as session:
        revision, _ = gate(session, appeal_id, registry)
        campaign_id = None
        if campaign is not None:
            text = rule or " ".join(ledger.slot(t) for t in dues)
            campaign_id = ledger.ensure_campaign(session, campaign, appeal_id, names, text, tz, at)
        plan = [(c, target, PART_MAIN, ledger.slot(t), t) for c in names for t in dues]
        ids = ledger.create_deliveries(
            session, appeal_id, revision, plan, campaign_id=campaign_id, at=at
        )
        audit(
            session,
            at=at,
            actor=actor,
            action="schedule",
            subject=f"appeal:{appeal_id}",
            detail={
                "deliveries": ids,
                "channels": names,
                "target": target,
                "times": [ledger.slot(t) for t in dues],
                "campaign": campaign,
            },
        )
        return ids


def publish_now(
    store: Store,
    registry: Registry,
    appeal_id: str,
    channels: Sequence[str],
    *,
    target: str = "default",
    actor: str = "cli",
    now: datetime | None = None,
) -> list[int]:
    """One delivery per channel, due now (the dispatcher picks them up at its next tick)."""
    at = utc(now)
    names = _check_channels(channels, registry)
    with store.session() as session:
        revision, _ = gate(session, appeal_id, registry)
        plan = [(c, target, PART_MAIN, ledger.now_slot(), at) for c in names]
        ids = ledger.create_deliveries(session, appeal_id, revision, plan, campaign_id=None, at=at)
        audit(
            session,
            at=at,
            actor=actor,
            action="publish-now",
            subject=f"appeal:{appeal_id}",
            detail={"deliveries": ids, "channels": names, "target": target},
        )
        return ids


def reschedule(
    store: Store,
    registry: Registry,
    delivery_id: int,
    new_time: datetime,
    *,
    actor: str = "cli",
    now: datetime | None = None,
) -> int:
    """Move a ``scheduled`` delivery to ``new_time``: in one transaction, cancel it and plan the
    same appeal, channel, target and part (and campaign) at the new time, at the appeal's live
    (approved) revision. Returns the new delivery's id.

    Refuses (:class:`InvalidTransition`) a delivery in any other state, a time in the past
    (:class:`ScheduleError`), an appeal that may not go out (the gate), and a time already
    planned (:class:`ScheduleConflict`); nothing changes then."""
    at = utc(now)
    due = utc(new_time)
    if due < at - PAST_TOLERANCE:
        raise ScheduleError(
            f"{due.isoformat()} is in the past (now is {at.isoformat()}): give a future time"
        )
    with store.session() as session:
        row = ledger.get(session, delivery_id)
        if row.state != _S.SCHEDULED.value:
            raise InvalidTransition(
                f"delivery {delivery_id} is {row.state}: only a scheduled delivery can be moved"
            )
        appeal_id, channel, target, part = row.appeal_id, row.channel, row.target, row.part
        campaign_id, old_slot = row.campaign_id, row.slot
        live = approvals.load_live(session, appeal_id)
        if live is None:
            info = approvals.revision_info(session, appeal_id)
            raise not_approved(appeal_id, info.current, None)
        revision, appeal = live
        if appeal.status is AppealStatus.WITHDRAWN:
            raise InvalidTransition(f"appeal {appeal_id!r} is withdrawn: it cannot be published")
        check_ready(appeal, registry)
        ledger.manual_move(
            session,
            delivery_id,
            allowed=(_S.SCHEDULED.value,),
            values={"state": _S.CANCELLED.value, "claimed_at": None},
            actor=actor,
            action="cancel",
            at=at,
            detail={"reason": "moved", "to": ledger.slot(due)},
        )
        (new_id,) = ledger.create_deliveries(
            session,
            appeal_id,
            revision,
            [(channel, target, part, ledger.slot(due), due)],
            campaign_id=campaign_id,
            at=at,
        )
        audit(
            session,
            at=at,
            actor=actor,
            action="reschedule",
            subject=f"appeal:{appeal_id}",
            detail={
                "from": delivery_id,
                "to": new_id,
                "channel": channel,
                "target": target,
                "was": old_slot,
                "time": ledger.slot(due),
            },
        )
        return new_id


def dispatch_due(store: Store, *, now: datetime, limit: int = 500) -> list[int]:
    """Claim up to ``limit`` due deliveries (scheduled → claimed) atomically; return their ids.

    Enqueue the publish tasks AFTER this returns (the claim is committed by then). Two
    dispatchers running at once never claim the same row.
    """
    at = utc(now)
    with store.session() as session:
        return ledger.claim_due(session, store.dialect, at=at, limit=limit)


BATCH_SPREAD = 16
"""Up to this many deliveries claimed in one tick, each goes in a message of its own."""
BATCH_MOST = 10
"""The most deliveries one message carries."""


def batches(claimed: Sequence[int]) -> list[list[int]]:
    """The dispatcher's messages for the deliveries it just claimed, in order.

    A usual tick claims a few: one delivery per message, so no send ever waits behind another.
    A burst (a backlog after an outage, a campaign due at one minute) is spread over about
    :data:`BATCH_SPREAD` messages of at most :data:`BATCH_MOST` deliveries, which a worker
    publishes one after another: the broker and Celery then cost a message per few deliveries
    rather than one each, which is what a drain of thousands is limited by."""
    size = min(BATCH_MOST, max(1, -(-len(claimed) // BATCH_SPREAD)))
    return [list(claimed[i : i + size]) for i in range(0, len(claimed), size)]


@dataclass(frozen=True)
class Publication:
    """What :func:`publish_everywhere` did with one appeal."""

    appeal_id: str
    revision: int
    channels: tuple[str, ...]
    """The channels it is now being published on (empty: it already was on every one, or it
    waits for approval)."""
    deliveries: tuple[int, ...]
    waiting: bool = False
    """Its current revision waits for approval: nothing of it was planned."""


def publish_everywhere(
    store: Store,
    registry: Registry,
    appeals_: Sequence[Appeal],
    *,
    actor: str = "run",
    approved_by: str | None = None,
    now: datetime | None = None,
) -> list[Publication]:
    """Import each appeal (a changed one becomes a new revision, authored by ``actor``) and,
    once its current revision is approved, publish it now on every channel it is not already on
    or due on.

    With ``approved_by`` (the person at the command line of ``publisher run --approve``), each
    new revision is approved as theirs (kind ``command-line``), which also republishes what is
    published; every appeal is checked first then, and one with errors stops them all before
    anything is stored. Without it, a revision nobody has approved is stored and left waiting
    (``waiting``): someone approves it in the web app, or with ``publisher approve``."""
    at = utc(now)
    if approved_by is not None:
        for appeal in appeals_:
            check_ready(appeal, registry)
    done: list[Publication] = []
    ended = {_S.CANCELLED.value, _S.SUPERSEDED.value, _S.FAILED.value}
    for appeal in appeals_:
        with store.session() as session:
            known = appeals.status_of(session, appeal.id) is not None
        if known:
            revision = update_appeal(store, appeal, registry, actor=actor, now=at)
        else:
            revision = import_appeal(store, appeal, actor=actor, now=at)
        if approved_by is not None:
            approve_on_command_line(
                store,
                registry,
                [appeal.id],
                by=approved_by,
                reason=f"given to `publisher run --approve` by {approved_by}",
                now=at,
            )
        with store.session() as session:
            approved = approvals.approval_of(session, appeal.id, revision) is not None
        if not approved:
            done.append(Publication(appeal.id, revision, (), (), waiting=True))
            continue
        with store.session() as session:
            seen = {
                v.channel
                for v in views.list_views(session, at=at, appeal_id=appeal.id)
                if v.state not in ended
            }
        missing = tuple(name for name in registry.names if name not in seen)
        ids = (
            publish_now(store, registry, appeal.id, missing, actor=actor, now=at) if missing else []
        )
        done.append(Publication(appeal.id, revision, missing, tuple(ids)))
    return done
