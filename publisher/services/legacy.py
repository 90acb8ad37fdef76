"""The use cases: import, schedule, dispatch, publish, update, resolve, withdraw, retry, cancel,
confirm, reconcile, status. Plain functions over a :class:`~publisher.store.Store` and the
channel :class:`~publisher.bootstrap.Registry`; the CLI, the Celery tasks and the tests all call
these, and nothing else changes the ledger.

The delivery ledger is the schedule. A delivery moves
``scheduled → claimed → sending → published`` (or ``failed``, ``unknown``, ``cancelled``,
``superseded``) only through conditional UPDATEs (``… WHERE state = 'claimed'``), so two
dispatchers, two workers, or a worker and the reconciler can never both act on one row.
Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

import inspect
import json
import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from pydantic import ValidationError
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from publisher.bootstrap import Registry, UnknownChannel
from publisher.channel import Channel, Receipt, RenderContext, Rendition, SiteChannel, Target
from publisher.domain.campaign import ScheduleError
from publisher.domain.record import Appeal, AppealStatus
from publisher.errors import (
    AmbiguousPublishError,
    PermanentPublishError,
    PublisherError,
    PublishError,
    RecordInvalid,
    TransientPublishError,
)
from publisher.store import Store, site_appeals
from publisher.store.models import (
    PENDING_STATES,
    AppealRevisionRow,
    AppealRow,
    AttemptRow,
    AuditRow,
    CampaignRow,
    ChannelStatusRow,
    DeliveryRow,
    DeliveryState,
    HeartbeatRow,
)

__all__ = [
    "DISPATCHER_HEARTBEAT",
    "FILE_CHANNELS",
    "OVERDUE_AFTER",
    "PART_MAIN",
    "PART_UPDATE",
    "Clock",
    "DeliveryView",
    "InvalidTransition",
    "ReconcileReport",
    "ScheduleConflict",
    "ScheduleError",
    "StatusReport",
    "UnknownAppeal",
    "UnknownDelivery",
    "UpdatingChannel",
    "backoff",
    "cancel",
    "confirm",
    "current_appeal",
    "dispatch_due",
    "enable_channel",
    "import_appeal",
    "list_deliveries",
    "publish_delivery",
    "publish_now",
    "reconcile",
    "record_heartbeat",
    "resolve_appeal",
    "resumes_threads",
    "retry",
    "schedule",
    "site_appeals",
    "system_status",
    "update_appeal",
    "withdraw_appeal",
]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
"""Returns the current time, aware UTC."""

PART_MAIN = 0
"""The appeal itself (a whole thread, for social channels)."""
PART_UPDATE = 1
"""An "UPDATE" reply to the first published post of a social channel."""

FILE_CHANNELS: frozenset[str] = frozenset({"web", "feeds", "text"})
"""Channels treated as idempotent (files) when no registry is given to update/resolve/withdraw."""

DISPATCHER_HEARTBEAT = "dispatcher"
OVERDUE_AFTER = timedelta(minutes=2)
"""A scheduled delivery this long past due (and not backing off) is overdue: alert."""
PAST_TOLERANCE = timedelta(minutes=1)
"""How far in the past a scheduled time may be (the time it takes to type the command)."""
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)

_S = DeliveryState


# ------------------------------------------------------------------------------------ errors


class UnknownAppeal(PublisherError):
    """No appeal has this id."""


class UnknownDelivery(PublisherError):
    """No delivery has this id."""


class ScheduleConflict(PublisherError):
    """The same appeal is already scheduled on this channel, target, part and slot."""

    def __init__(self, message: str, *, existing: int | None = None) -> None:
        super().__init__(message)
        self.existing = existing


class InvalidTransition(PublisherError):
    """The delivery (or appeal) is not in a state that allows this."""


# ------------------------------------------------------------------------------------- views


@dataclass(frozen=True)
class DeliveryView:
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


@dataclass(frozen=True)
class StatusReport:
    at: datetime
    healthy: bool
    problems: tuple[str, ...]
    last_tick: datetime | None
    tick_age_seconds: float | None
    overdue: int
    counts: Mapping[str, int]
    broker_depth: int | None
    workers_alive: int | None
    disabled_channels: tuple[str, ...]


@runtime_checkable
class UpdatingChannel(Channel, Protocol):
    """A social channel that renders an "UPDATE" reply (used for part :data:`PART_UPDATE`)."""

    def render_update(self, appeal: Appeal, context: RenderContext) -> Rendition: ...


# ----------------------------------------------------------------------------------- helpers


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now.isoformat()} given where an aware one is needed")
    return now.astimezone(UTC)


def _seconds(value: float | timedelta) -> timedelta:
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


def _audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    text = None if detail is None else json.dumps(detail, sort_keys=True, default=str)
    session.add(AuditRow(at=at, actor=actor, action=action, subject=subject, detail=text))


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 30 s · 2^(n-1), at most 1 h."""
    if attempts <= 1:
        return BACKOFF_BASE
    return min(BACKOFF_BASE * (1 << min(attempts - 1, 20)), BACKOFF_CAP)


def _same_content(a: Appeal, b: Appeal) -> bool:
    skip = {"revision", "source"}
    return a.model_dump(mode="json", exclude=skip) == b.model_dump(mode="json", exclude=skip)


def _load_current(session: Session, appeal_id: str) -> tuple[AppealRow, Appeal]:
    row = session.get(AppealRow, appeal_id)
    if row is None:
        raise UnknownAppeal(f"no appeal {appeal_id!r} in the store: import it first")
    revision = session.get(AppealRevisionRow, (appeal_id, row.current_revision))
    if revision is None:  # the foreign keys make this impossible short of manual edits
        raise UnknownAppeal(f"appeal {appeal_id!r} has lost revision {row.current_revision}")
    return row, Appeal.from_json(revision.record_json)


def _store_revision(
    session: Session, appeal: Appeal, *, actor: str, at: datetime, action: str
) -> tuple[int, bool]:
    """Store ``appeal`` as a new revision if its content differs; (revision, changed)."""
    row = session.get(AppealRow, appeal.id, with_for_update=True)
    if row is None:
        stored = appeal.model_copy(update={"revision": 1})
        session.add(
            AppealRow(
                id=appeal.id,
                current_revision=1,
                status=appeal.status.value,
                area=appeal.area,
                created_at=at,
                updated_at=at,
            )
        )
        session.flush()
        session.add(
            AppealRevisionRow(
                appeal_id=appeal.id,
                revision=1,
                record_json=stored.to_json(),
                source=appeal.source,
                created_at=at,
            )
        )
        _audit(
            session,
            at=at,
            actor=actor,
            action=action,
            subject=f"appeal:{appeal.id}",
            detail={"revision": 1, "source": appeal.source},
        )
        return 1, True
    _, current = _load_current(session, appeal.id)
    if _same_content(current, appeal):
        return row.current_revision, False
    number = row.current_revision + 1
    stored = appeal.model_copy(update={"revision": number})
    session.add(
        AppealRevisionRow(
            appeal_id=appeal.id,
            revision=number,
            record_json=stored.to_json(),
            source=appeal.source,
            created_at=at,
        )
    )
    row.current_revision = number
    row.status = appeal.status.value
    row.area = appeal.area
    row.updated_at = at
    _audit(
        session,
        at=at,
        actor=actor,
        action=action,
        subject=f"appeal:{appeal.id}",
        detail={"revision": number, "status": appeal.status.value, "source": appeal.source},
    )
    return number, True


def _slot(due: datetime) -> str:
    return due.astimezone(UTC).isoformat()


def _supports_returning(store: Store) -> bool:
    if store.dialect == "sqlite":
        return sqlite3.sqlite_version_info >= (3, 35)
    return True


def _transition(
    store: Store,
    session: Session,
    where: ColumnElement[bool],
    values: Mapping[str, Any],
    *,
    order: Sequence[Any] = (),
    limit: int | None = None,
) -> list[int]:
    """Move every delivery matching ``where`` (at most ``limit``, in ``order``) by one UPDATE;
    return the ids that moved. PostgreSQL locks the chosen rows with FOR UPDATE SKIP LOCKED so
    concurrent callers pick disjoint rows; SQLite runs one conditional UPDATE … RETURNING inside
    the BEGIN IMMEDIATE transaction (writers are serialised, so no row is taken twice)."""
    if store.dialect == "postgresql":
        chosen = select(DeliveryRow.id).where(where).order_by(*order)
        if limit is not None:
            chosen = chosen.limit(limit)
        ids = list(session.scalars(chosen.with_for_update(skip_locked=True)))
        if not ids:
            return []
        session.execute(
            update(DeliveryRow).where(DeliveryRow.id.in_(ids), where).values(**values),
            execution_options={"synchronize_session": False},
        )
        return ids
    chosen = select(DeliveryRow.id).where(where).order_by(*order)
    if limit is not None:
        chosen = chosen.limit(limit)
    if _supports_returning(store):
        statement = (
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(chosen), where)
            .values(**values)
            .returning(DeliveryRow.id)
        )
        moved = list(session.scalars(statement, execution_options={"synchronize_session": False}))
        return sorted(moved)
    ids = list(session.scalars(chosen))
    if ids:
        session.execute(
            update(DeliveryRow).where(DeliveryRow.id.in_(ids), where).values(**values),
            execution_options={"synchronize_session": False},
        )
    return ids


def _view(row: DeliveryRow, *, at: datetime, overdue_after: timedelta) -> DeliveryView:
    limit = at - overdue_after
    overdue = (
        row.state == _S.SCHEDULED
        and row.due_at <= limit
        and (row.next_attempt_at is None or row.next_attempt_at <= limit)
    )
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
        overdue=overdue,
    )


def _overdue_where(at: datetime, overdue_after: timedelta) -> ColumnElement[bool]:
    limit = at - overdue_after
    return and_(
        DeliveryRow.state == _S.SCHEDULED,
        DeliveryRow.due_at <= limit,
        or_(DeliveryRow.next_attempt_at.is_(None), DeliveryRow.next_attempt_at <= limit),
    )


# ------------------------------------------------------------------------------------ appeals


def import_appeal(
    store: Store, appeal: Appeal, *, actor: str = "cli", now: datetime | None = None
) -> int:
    """Store ``appeal`` as a new revision if its content differs from the current one.

    Returns the current revision number (1, 2, …); the stored record carries it. The
    ``revision`` and ``source`` fields of ``appeal`` are not content and are ignored.
    Two processes importing the same new appeal at once both succeed with one revision.
    """
    at = _utc(now)
    try:
        with store.session() as session:
            number, _ = _store_revision(session, appeal, actor=actor, at=at, action="import")
            return number
    except IntegrityError:
        # Another process created the appeal between our look and our insert: look again.
        with store.session() as session:
            number, _ = _store_revision(session, appeal, actor=actor, at=at, action="import")
            return number


def current_appeal(store: Store, appeal_id: str) -> Appeal:
    """The current revision of an appeal."""
    with store.session() as session:
        return _load_current(session, appeal_id)[1]


# --------------------------------------------------------------------------------- scheduling


Plan = tuple[str, str, int, str, datetime]
"""(channel, target, part, slot, due_at)"""


def _create_deliveries(
    session: Session,
    appeal_id: str,
    revision: int,
    plan: Sequence[Plan],
    *,
    campaign_id: int | None,
    at: datetime,
) -> list[DeliveryRow]:
    """Insert the planned deliveries; the database's unique key decides conflicts, which are
    translated into :class:`ScheduleConflict` naming the delivery already there."""
    rows = [
        DeliveryRow(
            appeal_id=appeal_id,
            revision=revision,
            channel=channel,
            target=target,
            part=part,
            slot=slot,
            campaign_id=campaign_id,
            due_at=due,
            state=_S.SCHEDULED.value,
            attempts=0,
            created_at=at,
            updated_at=at,
        )
        for channel, target, part, slot, due in plan
    ]
    session.add_all(rows)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        existing = _find_conflict(session, appeal_id, plan)
        if existing is None:
            raise
        raise ScheduleConflict(
            f"appeal {appeal_id!r} is already scheduled on {existing.channel} "
            f"(target {existing.target!r}, part {existing.part}) for {existing.slot}: delivery "
            f"{existing.id}, {existing.state}",
            existing=existing.id,
        ) from exc
    return rows


def _find_conflict(session: Session, appeal_id: str, plan: Sequence[Plan]) -> DeliveryRow | None:
    keys = {(c, t, p, s) for c, t, p, s, _ in plan}
    candidates = session.scalars(
        select(DeliveryRow)
        .where(
            DeliveryRow.appeal_id == appeal_id,
            DeliveryRow.slot.in_({s for _, _, _, s in keys}),
        )
        .order_by(DeliveryRow.id)
    )
    for row in candidates:
        if (row.channel, row.target, row.part, row.slot) in keys:
            return row
    return None


def _campaign_id(
    session: Session,
    slug: str,
    appeal_id: str,
    channels: Sequence[str],
    rule: str,
    tz: str,
    at: datetime,
) -> int:
    found = session.scalars(select(CampaignRow).where(CampaignRow.slug == slug)).first()
    if found is not None:
        if found.appeal_id != appeal_id:
            raise ScheduleConflict(
                f"campaign {slug!r} belongs to appeal {found.appeal_id!r}, not {appeal_id!r}"
            )
        return found.id
    row = CampaignRow(
        slug=slug,
        appeal_id=appeal_id,
        channels=",".join(channels),
        rule=rule,
        timezone=tz,
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row.id


def _check_channels(channels: Sequence[str]) -> list[str]:
    names = list(dict.fromkeys(c.strip() for c in channels))
    if not names or any(not n for n in names):
        raise ScheduleError("give at least one channel (and no empty channel names)")
    return names


def schedule(
    store: Store,
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
    at = _utc(now)
    names = _check_channels(channels)
    if not times:
        raise ScheduleError("give at least one time")
    dues = sorted({_utc(t) for t in times})
    past = [t for t in dues if t < at - PAST_TOLERANCE]
    if past:
        raise ScheduleError(
            f"{past[0].isoformat()} is in the past (now is {at.isoformat()}): "
            "publish now instead, or give a future time"
        )
    with store.session() as session:
        row, appeal = _load_current(session, appeal_id)
        if appeal.status is AppealStatus.WITHDRAWN:
            raise InvalidTransition(f"appeal {appeal_id!r} is withdrawn: it cannot be scheduled")
        campaign_id = None
        if campaign is not None:
            text = rule or " ".join(_slot(t) for t in dues)
            campaign_id = _campaign_id(session, campaign, appeal_id, names, text, tz, at)
        plan = [(c, target, PART_MAIN, _slot(t), t) for c in names for t in dues]
        rows = _create_deliveries(
            session, appeal_id, row.current_revision, plan, campaign_id=campaign_id, at=at
        )
        ids = [r.id for r in rows]
        _audit(
            session,
            at=at,
            actor=actor,
            action="schedule",
            subject=f"appeal:{appeal_id}",
            detail={
                "deliveries": ids,
                "channels": names,
                "target": target,
                "times": [_slot(t) for t in dues],
                "campaign": campaign,
            },
        )
        return ids


def publish_now(
    store: Store,
    appeal_id: str,
    channels: Sequence[str],
    *,
    target: str = "default",
    actor: str = "cli",
    now: datetime | None = None,
) -> list[int]:
    """One delivery per channel, due now (the dispatcher picks them up at its next tick)."""
    at = _utc(now)
    names = _check_channels(channels)
    with store.session() as session:
        row, appeal = _load_current(session, appeal_id)
        if appeal.status is AppealStatus.WITHDRAWN:
            raise InvalidTransition(f"appeal {appeal_id!r} is withdrawn: it cannot be published")
        plan = [(c, target, PART_MAIN, f"now-{uuid.uuid4()}", at) for c in names]
        rows = _create_deliveries(
            session, appeal_id, row.current_revision, plan, campaign_id=None, at=at
        )
        ids = [r.id for r in rows]
        _audit(
            session,
            at=at,
            actor=actor,
            action="publish-now",
            subject=f"appeal:{appeal_id}",
            detail={"deliveries": ids, "channels": names, "target": target},
        )
        return ids


# -------------------------------------------------------------------------------- dispatching


def dispatch_due(store: Store, *, now: datetime, limit: int = 500) -> list[int]:
    """Claim up to ``limit`` due deliveries (scheduled → claimed) atomically; return their ids.

    Enqueue the publish tasks AFTER this returns (the claim is committed by then). Two
    dispatchers running at once never claim the same row.
    """
    at = _utc(now)
    due = and_(
        DeliveryRow.state == _S.SCHEDULED,
        DeliveryRow.due_at <= at,
        or_(DeliveryRow.next_attempt_at.is_(None), DeliveryRow.next_attempt_at <= at),
    )
    with store.session() as session:
        ids = _transition(
            store,
            session,
            due,
            {"state": _S.CLAIMED.value, "claimed_at": at, "updated_at": at},
            order=(DeliveryRow.due_at, DeliveryRow.id),
            limit=limit,
        )
        if ids:
            _audit(
                session,
                at=at,
                actor="dispatcher",
                action="claim",
                subject="deliveries",
                detail={"deliveries": ids},
            )
        return ids


# --------------------------------------------------------------------------------- publishing


def _combine(page: Rendition, site: Rendition) -> Rendition:
    files = {f.path: f for f in page.files}
    files.update({f.path: f for f in site.files})
    removals = tuple(p for p in dict.fromkeys((*page.removals, *site.removals)) if p not in files)
    return Rendition(
        channel=page.channel,
        appeal_id=page.appeal_id,
        revision=page.revision,
        files=tuple(files.values()),
        posts=(*page.posts, *site.posts),
        warnings=(*page.warnings, *site.warnings),
        removals=removals,
    )


@dataclass(frozen=True)
class _Prepared:
    channel: Channel
    appeal: Appeal
    target: Target
    site: tuple[Appeal, ...] | None
    part: int
    already_posted: tuple[str, ...] = ()


def resumes_threads(channel: Channel) -> bool:
    """Whether ``channel.publish`` takes ``already_posted`` (the ids of the parts of a thread
    posted by a failed attempt, from :attr:`PublishError.posted_ids`) and resumes after them.
    Such a channel is retried after a partial failure; any other non-idempotent channel that
    failed half-way goes to ``unknown``, since a retry would post the first parts again."""
    try:
        parameters = inspect.signature(channel.publish).parameters
    except (TypeError, ValueError):
        return False
    return "already_posted" in parameters


def _fail_claimed(
    store: Store, delivery_id: int, state: DeliveryState, reason: str, at: datetime, actor: str
) -> str:
    """claimed → ``state`` without sending anything (the world said no)."""
    with store.session() as session:
        moved = session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id, DeliveryRow.state == _S.CLAIMED)
            .values(state=state.value, last_error=reason, claimed_at=None, updated_at=at),
            execution_options={"synchronize_session": False},
        )
        if _rowcount(moved) == 1:
            _audit(
                session,
                at=at,
                actor=actor,
                action=state.value,
                subject=f"delivery:{delivery_id}",
                detail={"reason": reason},
            )
            log.info("delivery %d: %s (%s)", delivery_id, state.value, reason)
            return state.value
    return _state_of(store, delivery_id)


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _state_of(store: Store, delivery_id: int) -> str:
    with store.session() as session:
        row = session.get(DeliveryRow, delivery_id)
        if row is None:
            raise UnknownDelivery(f"no delivery {delivery_id}")
        return row.state


def _first_post(session: Session, row: DeliveryRow) -> str | None:
    remote = session.scalars(
        select(DeliveryRow.remote_id)
        .where(
            DeliveryRow.appeal_id == row.appeal_id,
            DeliveryRow.channel == row.channel,
            DeliveryRow.target == row.target,
            DeliveryRow.part == PART_MAIN,
            DeliveryRow.state == _S.PUBLISHED,
            DeliveryRow.remote_id.is_not(None),
        )
        .order_by(DeliveryRow.published_at, DeliveryRow.id)
        .limit(1)
    ).first()
    return None if remote is None else remote.split(",")[0]


def _newer_update_exists(session: Session, row: DeliveryRow) -> bool:
    newer = session.scalars(
        select(DeliveryRow.id).where(
            DeliveryRow.appeal_id == row.appeal_id,
            DeliveryRow.channel == row.channel,
            DeliveryRow.target == row.target,
            DeliveryRow.part == PART_UPDATE,
            DeliveryRow.revision > row.revision,
            DeliveryRow.state.not_in((_S.CANCELLED, _S.SUPERSEDED, _S.FAILED)),
        )
    ).first()
    return newer is not None


def _render(prepared: _Prepared, context: RenderContext) -> Rendition:
    channel, appeal = prepared.channel, prepared.appeal
    if prepared.part == PART_UPDATE and isinstance(channel, UpdatingChannel):
        return channel.render_update(appeal, context)
    page = channel.render(appeal, context)
    if prepared.site is not None and isinstance(channel, SiteChannel):
        return _combine(page, channel.render_site(prepared.site, context))
    return page


def _summary(receipt: Receipt, revision: int) -> str:
    parts = [f"revision {revision}"]
    if receipt.remote_ids:
        parts.append("ids " + ",".join(receipt.remote_ids))
    if receipt.url:
        parts.append(receipt.url)
    if receipt.paths:
        parts.append(f"{len(receipt.paths)} file(s) changed")
    parts.extend(f"{k}={v}" for k, v in sorted(receipt.details.items()))
    return "; ".join(parts)


def publish_delivery(
    store: Store,
    registry: Registry,
    delivery_id: int,
    *,
    now: datetime | None = None,
    clock: Clock | None = None,
) -> str:
    """Publish one claimed delivery; return the state it ends in.

    1. Assert the world: the delivery exists and is claimed (else its state is returned and
       nothing happens); the appeal is not withdrawn (social → cancelled; file channels publish
       the removal), not resolved (social main posts → cancelled); an older UPDATE reply is
       superseded by a newer one; the channel is known and not disabled (else failed).
    2. Render the CURRENT revision (file channels that are site channels also render the site).
    3. claimed → sending by a conditional UPDATE, with the attempt row, committed.
    4. Call the channel exactly once.
    5. Record the outcome by a conditional UPDATE from sending: published; transient →
       scheduled after a backoff (and the platform's reset time); permanent → failed
       (credentials: the channel is disabled); ambiguous → unknown (idempotent channels:
       scheduled again); any other exception: ambiguous for non-idempotent channels, transient
       for idempotent ones, logged with its traceback.
    """
    if clock is None:
        fixed = now

        def tick() -> datetime:
            return _utc(fixed)

        clock = tick
    start = _utc(now) if now is not None else _utc(clock())
    actor = "worker"

    # 1. Assert the world.
    with store.session() as session:
        row = session.get(DeliveryRow, delivery_id)
        if row is None:
            raise UnknownDelivery(f"no delivery {delivery_id}")
        if row.state != _S.CLAIMED:
            log.info("delivery %d is %s, not claimed: nothing to do", delivery_id, row.state)
            return row.state
        _, appeal = _load_current(session, row.appeal_id)
        reason = ""
        try:
            channel = registry.get(row.channel)
        except PublisherError as exc:  # unknown channel, or one that cannot be built
            reason = f"{type(exc).__name__}: {exc}"
            channel = None
        status = session.get(ChannelStatusRow, (row.channel, row.target))
        part = row.part
        decision: tuple[DeliveryState, str] | None = None
        if channel is None:
            decision = (_S.FAILED, reason)
        elif status is not None and status.disabled:
            decision = (
                _S.FAILED,
                f"channel {row.channel} (target {row.target!r}) is disabled: "
                f"{status.reason or 'no reason given'}; re-enable it, then retry",
            )
        elif appeal.status is AppealStatus.WITHDRAWN and not channel.idempotent:
            decision = (_S.CANCELLED, f"appeal {appeal.id!r} was withdrawn")
        elif (
            appeal.status is AppealStatus.RESOLVED and not channel.idempotent and part == PART_MAIN
        ):
            decision = (_S.CANCELLED, f"appeal {appeal.id!r} was resolved")
        elif part == PART_UPDATE and _newer_update_exists(session, row):
            decision = (_S.SUPERSEDED, "a newer update replaces this one")
        if decision is not None or channel is None:
            prepared = None
        else:
            reply_to = _first_post(session, row) if part == PART_UPDATE else None
            site = None
            if isinstance(channel, SiteChannel):
                site = tuple(
                    site_appeals(
                        session, channel=row.channel, target=row.target, including=appeal.id
                    )
                )
            prepared = _Prepared(
                channel=channel,
                appeal=appeal,
                target=Target(
                    name=row.target, output_dir=registry.settings.output_dir, reply_to=reply_to
                ),
                site=site,
                part=part,
                already_posted=(
                    tuple(row.remote_id.split(","))
                    if row.remote_id and not channel.idempotent
                    else ()
                ),
            )
    if prepared is None:
        assert decision is not None
        return _fail_claimed(store, delivery_id, decision[0], decision[1], start, actor)

    # 2. Render (pure). A rendering that fails will fail again: the delivery fails.
    try:
        rendition = _render(prepared, registry.context)
    except Exception as exc:
        log.exception("delivery %d: rendering %s failed", delivery_id, prepared.channel.name)
        return _fail_claimed(
            store,
            delivery_id,
            _S.FAILED,
            f"rendering failed: {type(exc).__name__}: {exc}",
            start,
            actor,
        )

    # 3. claimed → sending, with the attempt row, committed before the channel is called.
    channel = prepared.channel
    sent_at = _utc(clock())
    with store.session() as session:
        moved = session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id, DeliveryRow.state == _S.CLAIMED)
            .values(
                state=_S.SENDING.value,
                sending_at=sent_at,
                attempts=DeliveryRow.attempts + 1,
                idempotent=channel.idempotent,
                updated_at=sent_at,
            ),
            execution_options={"synchronize_session": False},
        )
        if _rowcount(moved) != 1:
            attempt_id = None
        else:
            attempt = AttemptRow(delivery_id=delivery_id, started_at=sent_at)
            session.add(attempt)
            session.flush()
            attempt_id = attempt.id
            _audit(
                session,
                at=sent_at,
                actor=actor,
                action="sending",
                subject=f"delivery:{delivery_id}",
                detail={"channel": channel.name, "revision": prepared.appeal.revision},
            )
    if attempt_id is None:
        state = _state_of(store, delivery_id)
        log.info("delivery %d was taken by someone else (now %s)", delivery_id, state)
        return state

    # 4. The one call to the channel.
    receipt: Receipt | None = None
    error: BaseException | None = None
    try:
        if prepared.already_posted and resumes_threads(channel):
            resumable: Any = channel
            receipt = resumable.publish(
                rendition, prepared.target, already_posted=prepared.already_posted
            )
        else:
            receipt = channel.publish(rendition, prepared.target)
    except (TransientPublishError, PermanentPublishError, AmbiguousPublishError) as exc:
        error = exc
    except Exception as exc:
        log.exception("delivery %d: %s raised an unexpected error", delivery_id, channel.name)
        error = exc

    # 5. Record the outcome.
    return _record_outcome(
        store, delivery_id, attempt_id, channel, prepared, receipt, error, _utc(clock()), actor
    )


def _record_outcome(
    store: Store,
    delivery_id: int,
    attempt_id: int,
    channel: Channel,
    prepared: _Prepared,
    receipt: Receipt | None,
    error: BaseException | None,
    at: datetime,
    actor: str,
) -> str:
    with store.session() as session:
        row = session.get(DeliveryRow, delivery_id)
        assert row is not None
        attempts = row.attempts
        values: dict[str, Any] = {"updated_at": at, "claimed_at": None}
        from_states: tuple[str, ...] = (_S.SENDING.value,)
        summary: str | None = None
        message: str | None = None
        if error is None:
            assert receipt is not None
            outcome = "published"
            summary = _summary(receipt, prepared.appeal.revision)
            values.update(
                state=_S.PUBLISHED.value,
                published_at=receipt.published_at or at,
                remote_id=",".join(receipt.remote_ids) or None,
                remote_url=receipt.url,
                last_error=None,
                next_attempt_at=None,
            )
            # The reconciler may have judged it unknown meanwhile; now we know.
            from_states = (_S.SENDING.value, _S.UNKNOWN.value)
        else:
            message = f"{type(error).__name__}: {error}"
            retry_at = None
            if isinstance(error, TransientPublishError):
                outcome, retry_at = "transient", error.retry_at
            elif isinstance(error, PermanentPublishError):
                outcome = "permanent"
            elif isinstance(error, AmbiguousPublishError):
                outcome = "ambiguous"
            else:
                outcome = "transient" if channel.idempotent else "ambiguous"
            posted = error.posted_ids if isinstance(error, PublishError) else ()
            if posted:
                values["remote_id"] = ",".join(str(i) for i in posted)
                summary = f"posted before the error: {values['remote_id']}"
            if outcome == "ambiguous" and channel.idempotent:
                outcome = "transient"
            if (
                outcome == "transient"
                and posted
                and not channel.idempotent
                and not resumes_threads(channel)
            ):
                outcome = "ambiguous"  # a retry would post the first parts again
            if outcome == "transient":
                # The platform's own reset time, when it gave one, is exactly when it will
                # take us again: waiting longer only delays appeals. Otherwise back off.
                next_at = at + backoff(attempts) if retry_at is None else max(at, _utc(retry_at))
                if retry_at is not None:
                    _upsert_status(
                        session,
                        channel.name,
                        prepared.target.name,
                        at,
                        rate_limit={"retry_at": _utc(retry_at).isoformat()},
                    )
                values.update(
                    state=_S.SCHEDULED.value,
                    next_attempt_at=next_at,
                    last_error=message,
                    sending_at=None,
                )
            elif outcome == "permanent":
                values.update(state=_S.FAILED.value, last_error=message)
                if isinstance(error, PermanentPublishError) and error.credentials:
                    _upsert_status(
                        session,
                        channel.name,
                        prepared.target.name,
                        at,
                        disabled=True,
                        reason=message,
                    )
            else:
                values.update(
                    state=_S.UNKNOWN.value,
                    last_error=f"{message} (the post may have gone out: confirm it)",
                )
        session.execute(
            update(AttemptRow)
            .where(AttemptRow.id == attempt_id)
            .values(finished_at=at, outcome=outcome, error=message, response_summary=summary),
            execution_options={"synchronize_session": False},
        )
        moved = session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id, DeliveryRow.state.in_(from_states))
            .values(**values),
            execution_options={"synchronize_session": False},
        )
        if _rowcount(moved) == 1:
            _audit(
                session,
                at=at,
                actor=actor,
                action=values["state"],
                subject=f"delivery:{delivery_id}",
                detail={"outcome": outcome, "error": message, "summary": summary},
            )
            return str(values["state"])
        session.refresh(row)
        log.warning(
            "delivery %d: outcome %s not recorded on the delivery, which is now %s",
            delivery_id,
            outcome,
            row.state,
        )
        _audit(
            session,
            at=at,
            actor=actor,
            action="late-outcome",
            subject=f"delivery:{delivery_id}",
            detail={"outcome": outcome, "error": message, "state": row.state},
        )
        return row.state


def _upsert_status(
    session: Session,
    channel: str,
    target: str,
    at: datetime,
    *,
    disabled: bool | None = None,
    reason: str | None = None,
    rate_limit: Mapping[str, Any] | None = None,
) -> ChannelStatusRow:
    row = session.get(ChannelStatusRow, (channel, target), with_for_update=True)
    if row is None:
        row = ChannelStatusRow(channel=channel, target=target, disabled=False, updated_at=at)
        session.add(row)
    if disabled is not None:
        row.disabled = disabled
        row.reason = reason
    if rate_limit is not None:
        row.rate_limit = json.dumps(dict(rate_limit), sort_keys=True)
    row.updated_at = at
    return row


def enable_channel(
    store: Store,
    channel: str,
    target: str = "default",
    *,
    actor: str = "cli",
    now: datetime | None = None,
) -> None:
    """Re-enable a channel disabled after a credentials failure (then retry its deliveries)."""
    at = _utc(now)
    with store.session() as session:
        _upsert_status(session, channel, target, at, disabled=False, reason=None)
        _audit(
            session,
            at=at,
            actor=actor,
            action="enable-channel",
            subject=f"channel:{channel}/{target}",
        )


# -------------------------------------------------------------------------------- reconciling


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
    at = _utc(now)
    claimed_limit = at - _seconds(claimed_timeout)
    sending_limit = at - _seconds(sending_timeout)
    with store.session() as session:
        requeued = _transition(
            store,
            session,
            and_(DeliveryRow.state == _S.CLAIMED, DeliveryRow.claimed_at < claimed_limit),
            {"state": _S.SCHEDULED.value, "claimed_at": None, "updated_at": at},
        )
        stuck = and_(DeliveryRow.state == _S.SENDING, DeliveryRow.sending_at < sending_limit)
        rerun = _transition(
            store,
            session,
            and_(stuck, DeliveryRow.idempotent.is_(True)),
            {
                "state": _S.SCHEDULED.value,
                "sending_at": None,
                "next_attempt_at": at,
                "last_error": "no outcome recorded in time: running it again",
                "updated_at": at,
            },
        )
        unknown = _transition(
            store,
            session,
            and_(stuck, or_(DeliveryRow.idempotent.is_(None), DeliveryRow.idempotent.is_(False))),
            {
                "state": _S.UNKNOWN.value,
                "last_error": "no outcome recorded in time: the post may have gone out; confirm it",
                "updated_at": at,
            },
        )
        if rerun or unknown:
            session.execute(
                update(AttemptRow)
                .where(
                    AttemptRow.delivery_id.in_([*rerun, *unknown]), AttemptRow.finished_at.is_(None)
                )
                .values(finished_at=at, outcome="timeout", error="no outcome recorded in time"),
                execution_options={"synchronize_session": False},
            )
        overdue_ids = tuple(
            session.scalars(
                select(DeliveryRow.id)
                .where(_overdue_where(at, overdue_after))
                .order_by(DeliveryRow.id)
            )
        )
        report = ReconcileReport(
            requeued=tuple(requeued),
            rerun=tuple(rerun),
            unknown=tuple(unknown),
            overdue=len(overdue_ids),
            overdue_ids=overdue_ids,
        )
        if requeued or rerun or unknown:
            _audit(
                session,
                at=at,
                actor="reconciler",
                action="reconcile",
                subject="deliveries",
                detail={"requeued": requeued, "rerun": rerun, "unknown": unknown},
            )
        if overdue_ids:
            log.warning("%d overdue deliveries: %s", len(overdue_ids), overdue_ids[:20])
        return report


# --------------------------------------------------------------------------- operator actions


def _manual(
    store: Store,
    delivery_id: int,
    *,
    allowed: Iterable[str],
    values: Mapping[str, Any],
    actor: str,
    action: str,
    at: datetime,
    detail: Mapping[str, Any] | None = None,
) -> str:
    allowed = tuple(allowed)
    with store.session() as session:
        row = session.get(DeliveryRow, delivery_id)
        if row is None:
            raise UnknownDelivery(f"no delivery {delivery_id}")
        moved = session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id, DeliveryRow.state.in_(allowed))
            .values(**values, updated_at=at),
            execution_options={"synchronize_session": False},
        )
        if _rowcount(moved) != 1:
            session.refresh(row)
            raise InvalidTransition(
                f"delivery {delivery_id} is {row.state}: {action} needs it to be "
                f"{' or '.join(allowed)}"
            )
        _audit(
            session,
            at=at,
            actor=actor,
            action=action,
            subject=f"delivery:{delivery_id}",
            detail={"from": row.state, **(detail or {})},
        )
        return str(values["state"])


def cancel(
    store: Store, delivery_id: int, *, actor: str = "cli", now: datetime | None = None
) -> str:
    """Cancel a delivery that has not been handed to its channel (or failed/unknown)."""
    return _manual(
        store,
        delivery_id,
        allowed=(*PENDING_STATES, _S.FAILED, _S.UNKNOWN),
        values={"state": _S.CANCELLED.value, "claimed_at": None},
        actor=actor,
        action="cancel",
        at=_utc(now),
    )


def retry(
    store: Store, delivery_id: int, *, actor: str = "cli", now: datetime | None = None
) -> str:
    """failed/unknown → scheduled, due now (the next dispatcher tick sends it)."""
    at = _utc(now)
    return _manual(
        store,
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
    at = _utc(now)
    if published:
        values: dict[str, Any] = {
            "state": _S.PUBLISHED.value,
            "published_at": at,
            "last_error": None,
        }
        if remote_id is not None:
            values["remote_id"] = remote_id
        if remote_url is not None:
            values["remote_url"] = remote_url
    else:
        values = {"state": _S.SCHEDULED.value, "next_attempt_at": at, "sending_at": None}
    return _manual(
        store,
        delivery_id,
        allowed=(_S.UNKNOWN,),
        values=values,
        actor=actor,
        action="confirm",
        at=at,
        detail={"published": published, "remote_id": remote_id},
    )


# -------------------------------------------------------------------------------- lifecycle


def _idempotent(name: str, registry: Registry | None) -> bool:
    if registry is None:
        return name in FILE_CHANNELS
    try:
        return registry.get(name).idempotent
    except UnknownChannel:
        return name in FILE_CHANNELS


def _published_pairs(session: Session, appeal_id: str) -> list[tuple[str, str]]:
    rows = session.execute(
        select(DeliveryRow.channel, DeliveryRow.target)
        .where(
            DeliveryRow.appeal_id == appeal_id,
            DeliveryRow.state == _S.PUBLISHED,
            DeliveryRow.part == PART_MAIN,
        )
        .distinct()
        .order_by(DeliveryRow.channel, DeliveryRow.target)
    )
    return [(channel, target) for channel, target in rows]


def _follow_up(
    session: Session,
    appeal_id: str,
    revision: int,
    *,
    reason: str,
    registry: Registry | None,
    social_update: bool,
    at: datetime,
) -> list[int]:
    """After a new revision: republish every file channel the appeal is published on, now;
    with ``social_update``, an UPDATE reply on every social channel it is published on."""
    plan: list[Plan] = []
    for channel, target in _published_pairs(session, appeal_id):
        if _idempotent(channel, registry):
            plan.append((channel, target, PART_MAIN, f"{reason}-r{revision}", at))
        elif social_update:
            plan.append((channel, target, PART_UPDATE, f"update-r{revision}", at))
    if social_update:
        session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.appeal_id == appeal_id,
                DeliveryRow.part == PART_UPDATE,
                DeliveryRow.revision < revision,
                DeliveryRow.state.in_(PENDING_STATES),
            )
            .values(
                state=_S.SUPERSEDED.value,
                updated_at=at,
                last_error=f"superseded by the update for revision {revision}",
            ),
            execution_options={"synchronize_session": False},
        )
    if not plan:
        return []
    rows = _create_deliveries(session, appeal_id, revision, plan, campaign_id=None, at=at)
    return [r.id for r in rows]


def _cancel_pending(
    session: Session,
    appeal_id: str,
    at: datetime,
    reason: str,
    *,
    only: Callable[[str], bool] | None = None,
) -> list[int]:
    rows = session.scalars(
        select(DeliveryRow).where(
            DeliveryRow.appeal_id == appeal_id, DeliveryRow.state.in_(PENDING_STATES)
        )
    ).all()
    ids = [r.id for r in rows if only is None or only(r.channel)]
    if ids:
        session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(ids), DeliveryRow.state.in_(PENDING_STATES))
            .values(state=_S.CANCELLED.value, claimed_at=None, last_error=reason, updated_at=at),
            execution_options={"synchronize_session": False},
        )
    return ids


def _derive(current: Appeal, at: datetime, **changes: Any) -> Appeal:
    data = current.model_dump()
    data.update(changes)
    data["updated_at"] = max(at, current.published_at)
    try:
        return Appeal.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise RecordInvalid(first["msg"], field=field) from exc


def update_appeal(
    store: Store,
    appeal: Appeal,
    *,
    actor: str = "cli",
    now: datetime | None = None,
    social_update: bool = False,
    registry: Registry | None = None,
) -> int:
    """Store a new revision; republish it now on every file channel it is published on (and,
    with ``social_update``, an UPDATE reply on social channels). Pending deliveries publish
    the current revision when their time comes. Returns the revision number."""
    at = _utc(now)
    with store.session() as session:
        row = session.get(AppealRow, appeal.id)
        if row is not None and row.status == AppealStatus.WITHDRAWN:
            raise InvalidTransition(f"appeal {appeal.id!r} is withdrawn: it cannot be updated")
        number, changed = _store_revision(session, appeal, actor=actor, at=at, action="update")
        if changed:
            ids = _follow_up(
                session,
                appeal.id,
                number,
                reason="update",
                registry=registry,
                social_update=social_update,
                at=at,
            )
            _audit(
                session,
                at=at,
                actor=actor,
                action="republish",
                subject=f"appeal:{appeal.id}",
                detail={"deliveries": ids},
            )
        return number


def resolve_appeal(
    store: Store,
    appeal_id: str,
    resolution: str,
    *,
    actor: str = "cli",
    now: datetime | None = None,
    social_update: bool = False,
    registry: Registry | None = None,
) -> int:
    """Mark the appeal resolved with a resolution line (a new revision). Pending social posts
    are cancelled; file channels republish now (their resolved rendering drops personal
    details and the photo); with ``social_update``, an UPDATE reply on social channels."""
    at = _utc(now)
    text = " ".join(resolution.split())
    if not text:
        raise RecordInvalid(
            "a resolution line is needed, e.g. 'Sam has been found.'", field="resolution"
        )
    with store.session() as session:
        _, current = _load_current(session, appeal_id)
        if current.status is AppealStatus.WITHDRAWN:
            raise InvalidTransition(f"appeal {appeal_id!r} is withdrawn: it cannot be resolved")
        resolved = _derive(current, at, status=AppealStatus.RESOLVED, resolution=text)
        number, changed = _store_revision(session, resolved, actor=actor, at=at, action="resolve")
        if not changed:
            return number
        cancelled = _cancel_pending(
            session,
            appeal_id,
            at,
            "appeal resolved",
            only=lambda name: not _idempotent(name, registry),
        )
        ids = _follow_up(
            session,
            appeal_id,
            number,
            reason="resolve",
            registry=registry,
            social_update=social_update,
            at=at,
        )
        _audit(
            session,
            at=at,
            actor=actor,
            action="republish",
            subject=f"appeal:{appeal_id}",
            detail={"deliveries": ids, "cancelled": cancelled},
        )
        return number


def withdraw_appeal(
    store: Store,
    appeal_id: str,
    *,
    actor: str = "cli",
    now: datetime | None = None,
    registry: Registry | None = None,
) -> None:
    """Withdraw the appeal (a new revision, status withdrawn): every pending delivery is
    cancelled; every file channel it is published on publishes again now, which removes its
    page and text and rebuilds the indexes and feeds without it."""
    at = _utc(now)
    with store.session() as session:
        _, current = _load_current(session, appeal_id)
        if current.status is AppealStatus.WITHDRAWN:
            return
        withdrawn = _derive(current, at, status=AppealStatus.WITHDRAWN)
        number, _ = _store_revision(session, withdrawn, actor=actor, at=at, action="withdraw")
        cancelled = _cancel_pending(session, appeal_id, at, "appeal withdrawn")
        ids = _follow_up(
            session,
            appeal_id,
            number,
            reason="withdraw",
            registry=registry,
            social_update=False,
            at=at,
        )
        _audit(
            session,
            at=at,
            actor=actor,
            action="republish",
            subject=f"appeal:{appeal_id}",
            detail={"deliveries": ids, "cancelled": cancelled},
        )


# ---------------------------------------------------------------------------- views & status


def list_deliveries(
    store: Store,
    *,
    states: Sequence[str] | None = None,
    now: datetime | None = None,
    appeal_id: str | None = None,
    overdue_after: timedelta = OVERDUE_AFTER,
) -> list[DeliveryView]:
    """Deliveries (optionally only these states / this appeal), by due time."""
    at = _utc(now)
    query = select(DeliveryRow).order_by(DeliveryRow.due_at, DeliveryRow.id)
    if states:
        unknown = set(states) - {s.value for s in DeliveryState}
        if unknown:
            raise InvalidTransition(
                f"unknown state(s) {', '.join(sorted(unknown))}; states are "
                + ", ".join(s.value for s in DeliveryState)
            )
        query = query.where(DeliveryRow.state.in_(list(states)))
    if appeal_id is not None:
        query = query.where(DeliveryRow.appeal_id == appeal_id)
    with store.session() as session:
        return [_view(r, at=at, overdue_after=overdue_after) for r in session.scalars(query)]


def record_heartbeat(
    store: Store,
    name: str,
    *,
    now: datetime | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Remember that ``name`` (e.g. the dispatcher) was alive at ``now``."""
    at = _utc(now)
    text = None if detail is None else json.dumps(dict(detail), sort_keys=True, default=str)
    if store.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(HeartbeatRow).values(name=name, at=at, detail=text)
        statement: Any = pg.on_conflict_do_update(
            index_elements=["name"], set_={"at": pg.excluded.at, "detail": pg.excluded.detail}
        )
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(HeartbeatRow).values(name=name, at=at, detail=text)
        statement = lite.on_conflict_do_update(
            index_elements=["name"], set_={"at": lite.excluded.at, "detail": lite.excluded.detail}
        )
    with store.session() as session:
        session.execute(statement)


def system_status(
    store: Store,
    *,
    now: datetime | None = None,
    broker_depth: int | None = None,
    workers_alive: int | None = None,
    dispatch_interval: float = 2.0,
    overdue_after: timedelta = OVERDUE_AFTER,
) -> StatusReport:
    """Is publishing healthy? Unhealthy when the dispatcher has not ticked within three
    intervals, when deliveries are overdue, or when no worker answered (``workers_alive == 0``;
    ``None`` means not measured)."""
    at = _utc(now)
    with store.session() as session:
        beat = session.get(HeartbeatRow, DISPATCHER_HEARTBEAT)
        counts = {s.value: 0 for s in DeliveryState}
        for state, count in session.execute(
            select(DeliveryRow.state, func.count()).group_by(DeliveryRow.state)
        ):
            counts[state] = int(count)
        overdue = int(
            session.scalar(
                select(func.count())
                .select_from(DeliveryRow)
                .where(_overdue_where(at, overdue_after))
            )
            or 0
        )
        disabled = tuple(
            f"{r.channel}/{r.target}: {r.reason or 'disabled'}"
            for r in session.scalars(
                select(ChannelStatusRow)
                .where(ChannelStatusRow.disabled.is_(True))
                .order_by(ChannelStatusRow.channel, ChannelStatusRow.target)
            )
        )
    problems: list[str] = []
    last_tick = None if beat is None else beat.at
    age = None if last_tick is None else (at - last_tick).total_seconds()
    if age is None:
        problems.append("the dispatcher has never ticked (is `publisher beat` running?)")
    elif age > 3 * dispatch_interval:
        problems.append(
            f"the dispatcher last ticked {age:.0f} s ago (expected every {dispatch_interval:g} s)"
        )
    if overdue:
        problems.append(f"{overdue} delivery(ies) overdue")
    if workers_alive == 0:
        problems.append("no worker answered")
    return StatusReport(
        at=at,
        healthy=not problems,
        problems=tuple(problems),
        last_tick=last_tick,
        tick_age_seconds=age,
        overdue=overdue,
        counts=counts,
        broker_depth=broker_depth,
        workers_alive=workers_alive,
        disabled_channels=disabled,
    )
