"""Publishing one claimed delivery: assert the world, render, send once, record the outcome."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from publisher.channel import Channel, Receipt, RenderContext, Rendition, Target
from publisher.channel.registry import Registry
from publisher.domain.delivery import (
    PART_DELETE,
    PART_MAIN,
    PART_UPDATE,
    DeliveryState,
    Outcome,
    decide,
    idempotency_key,
)
from publisher.domain.record import Appeal, AppealStatus
from publisher.errors import (
    AmbiguousPublishError,
    PermanentPublishError,
    PublisherError,
    PublishError,
    TransientPublishError,
)
from publisher.services._common import Clock, seconds, utc
from publisher.store import Store, appeals, ledger

__all__ = ["publish_deliveries", "publish_delivery"]

log = logging.getLogger(__name__)

_S = DeliveryState
_ACTOR = "worker"


@dataclass(frozen=True)
class _Job:
    channel: Channel
    appeal: Appeal
    target: Target
    site: Sequence[Appeal] | None
    """The site's appeals (for a channel that writes site files): the store's snapshot itself,
    which tells the channel what changed since the one it rendered last."""
    part: int
    delete_ids: tuple[str, ...] = ()
    """For a deletion (``PART_DELETE``): the remote ids of the posts it deletes."""


@dataclass(frozen=True)
class _Wait:
    """Not yet: the delivery goes back to the schedule, due again after ``DELETION_WAIT``,
    nothing sent (a resolution waits for the deletion of the posts it replaces)."""

    reason: str


DELETION_WAIT = timedelta(seconds=10)
"""How long a resolution post waits before looking again at the deletion it follows."""


@dataclass(frozen=True)
class _Refusal:
    """The world said no: the delivery ends in ``state`` without being sent."""

    state: DeliveryState
    reason: str


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
        limits=page.limits,
        url=page.url,
    )


def _render(job: _Job, context: RenderContext) -> Rendition:
    channel, appeal = job.channel, job.appeal
    if job.part == PART_UPDATE and channel.can_update:
        return channel.render_update(appeal, context)
    page = channel.render(appeal, context)
    if job.site is not None:
        return _combine(page, channel.render_site(job.site, context))
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


def _outcome(error: BaseException) -> Outcome:
    message = f"{type(error).__name__}: {error}"
    posted = tuple(str(i) for i in error.posted_ids) if isinstance(error, PublishError) else ()
    if isinstance(error, TransientPublishError):
        return Outcome("transient", message, retry_at=error.retry_at, posted_ids=posted)
    if isinstance(error, PermanentPublishError):
        return Outcome("permanent", message, credentials=error.credentials, posted_ids=posted)
    if isinstance(error, AmbiguousPublishError):
        return Outcome("ambiguous", message, posted_ids=posted)
    return Outcome("unexpected", message, posted_ids=posted)


def _prepare(store: Store, registry: Registry, delivery_id: int) -> _Job | _Refusal | _Wait | str:
    """Assert the world, reading only (no write lock is taken): the job to run; or why the
    delivery must end without one; or, when it is not claimed, the state it is in."""
    with store.reading() as reading:
        row = ledger.prepare(reading.connection, delivery_id)
        if row.state != _S.CLAIMED:
            log.info("delivery %d is %s, not claimed: nothing to do", delivery_id, row.state)
            return row.state
        live = row.live
        if live is None or live[0] < row.revision:
            # The dispatcher claims only approved deliveries; a row that says otherwise (put
            # there by hand, or by a bug) is refused here too, and nothing is sent.
            return _Refusal(
                _S.FAILED,
                f"revision {row.revision} of appeal {row.appeal_id!r} is not approved: "
                "nothing was sent; approve it, then retry",
            )
        appeal = live[1]
        try:
            channel = registry.get(row.channel)
        except PublisherError as exc:  # unknown channel, or one that cannot be built
            return _Refusal(_S.FAILED, f"{type(exc).__name__}: {exc}")
        if row.disabled:
            return _Refusal(
                _S.FAILED,
                f"channel {row.channel} (target {row.target!r}) is disabled: "
                f"{row.disabled_reason or 'no reason given'}; re-enable it, then retry",
            )
        if row.part == PART_DELETE:
            return _deletion(channel, row, registry)
        if appeal.status is AppealStatus.WITHDRAWN and not channel.idempotent:
            return _Refusal(_S.CANCELLED, f"appeal {appeal.id!r} was withdrawn")
        if (
            appeal.status is AppealStatus.RESOLVED
            and not channel.idempotent
            and row.part == PART_MAIN
        ):
            return _Refusal(_S.CANCELLED, f"appeal {appeal.id!r} was resolved")
        if row.part == PART_UPDATE and ledger.newer_update_exists(reading.session, row):
            return _Refusal(_S.SUPERSEDED, "a newer update replaces this one")
        if row.part == PART_UPDATE and ledger.deletion_pending(reading.session, row):
            # The resolution is posted after the posts it replaces are deleted: then it is a
            # post of its own, not a reply to one about to go.
            return _Wait("waiting for the deletion of the appeal's posts on this channel")
        site = None
        if channel.writes_site_files:
            site = appeals.site_appeals(
                reading.session, channel=row.channel, target=row.target, including=appeal.id
            )
        ids = row.remote_ids
        return _Job(
            channel=channel,
            appeal=appeal,
            target=Target(
                name=row.target,
                output_dir=registry.output_dir,
                reply_to=_reply_to(reading.session, row) if row.part == PART_UPDATE else None,
                already_posted=ids if ids and channel.resumes_threads else (),
                idempotency_key=idempotency_key(
                    row.id, row.appeal_id, row.channel, row.target, row.part, row.slot
                ),
            ),
            site=site,
            part=row.part,
        )


def _deletion(channel: Channel, row: ledger.Prepared, registry: Registry) -> _Job | _Refusal:
    """The job of a deletion: whatever the appeal's status, never cancelled or superseded."""
    if not channel.deletes_posts:
        return _Refusal(_S.FAILED, f"the {channel.name} channel does not delete posts")
    if not row.remote_ids:
        return _Refusal(_S.FAILED, "the deletion names no posts to delete")
    live = row.live
    assert live is not None  # checked by the caller
    return _Job(
        channel=channel,
        appeal=live[1],
        target=Target(
            name=row.target,
            output_dir=registry.output_dir,
            idempotency_key=idempotency_key(
                row.id, row.appeal_id, row.channel, row.target, row.part, row.slot
            ),
        ),
        site=None,
        part=row.part,
        delete_ids=row.remote_ids,
    )


def _reply_to(session: Session, row: ledger.Prepared) -> str | None:
    """What an UPDATE reply answers: the first post of the main publication, unless it is
    deleted (or a deletion is to delete it): then the update is a post of its own."""
    first = ledger.first_post(session, row)
    if first is None or first in ledger.deleted_ids(
        session, row.appeal_id, row.channel, row.target
    ):
        return None
    return first


def _refuse(store: Store, delivery_id: int, refusal: _Refusal, at: datetime) -> str:
    """claimed → the refusal's state, nothing sent (one write transaction); the state the
    delivery is in."""
    with store.session() as session:
        if ledger.fail_claimed(
            session, delivery_id, refusal.state, refusal.reason, at=at, actor=_ACTOR
        ):
            level = logging.WARNING if refusal.state is _S.FAILED else logging.INFO
            log.log(level, "delivery %d: %s (%s)", delivery_id, refusal.state.value, refusal.reason)
            return refusal.state.value
        return ledger.state_of(session, delivery_id)


def _lease_owner() -> str:
    """Who holds a lease: this host and process, and a random part for this one send."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@dataclass
class _Held:
    """One send in flight in this process, and when its lease is next renewed."""

    store: Store
    delivery_id: int
    owner: str
    lease: timedelta
    clock: Clock
    renew_at: float
    """``time.monotonic()`` of the next renewal."""


class _LeaseKeeper:
    """Renews the leases of the sends in flight in this process, from one thread of its own
    (started on first use, and again in a forked child), so that a slow send is never taken
    for a dead one: each lease every third of its length, from when its send started, until
    the send ends or the delivery is no longer ours. A send that ends sooner (most do) costs
    two dictionary operations, not a thread."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._held: dict[str, _Held] = {}
        self._pid = -1
        self._thread: threading.Thread | None = None
        self._wake_at = 0.0
        """``time.monotonic()`` when the thread next looks at the leases by itself."""

    @contextmanager
    def kept(
        self, store: Store, delivery_id: int, owner: str, lease: timedelta, clock: Clock
    ) -> Iterator[None]:
        period = lease.total_seconds() / 3
        held = _Held(store, delivery_id, owner, lease, clock, time.monotonic() + period)
        with self._changed:
            if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                # First use in this process (a fork copies the dictionary but not the thread).
                self._held = {}
                self._pid = os.getpid()
                self._wake_at = 0.0
                self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
                self._thread.start()
            self._held[owner] = held
            if held.renew_at < self._wake_at:  # sooner than the thread will look: tell it
                self._changed.notify()
        try:
            yield
        finally:
            with self._changed:
                self._held.pop(owner, None)

    def _run(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                due = [h for h in self._held.values() if h.renew_at <= now]
                if not due:
                    soonest = min((h.renew_at for h in self._held.values()), default=now + _IDLE)
                    self._wake_at = min(soonest, now + _IDLE)
                    self._changed.wait(self._wake_at - now)
                    continue
            for held in due:
                ours = self._renew(held)
                with self._changed:
                    if not ours:
                        self._held.pop(held.owner, None)
                    else:
                        held.renew_at = time.monotonic() + held.lease.total_seconds() / 3

    @staticmethod
    def _renew(held: _Held) -> bool:
        """Renew one lease; False once the delivery is no longer ours (then renewal stops)."""
        try:
            with held.store.session() as session:
                return ledger.renew_lease(
                    session,
                    held.delivery_id,
                    owner=held.owner,
                    until=utc(held.clock()) + held.lease,
                )
        except PublisherError as exc:  # the database is unavailable: try again next time
            log.warning("delivery %d: could not renew its lease: %s", held.delivery_id, exc)
            return True
        except Exception:  # a bug must not stop the renewal of the other sends
            log.exception("delivery %d: renewing its lease failed", held.delivery_id)
            return True


_IDLE = 1.0
"""Seconds the lease keeper sleeps at most: a send registered meanwhile whose first renewal is
later than that needs no wake-up call (the usual case: a lease lasts minutes)."""
_leases = _LeaseKeeper()


def _fail(store: Store, delivery_id: int, reason: str, at: datetime) -> str:
    return _refuse(store, delivery_id, _Refusal(_S.FAILED, reason), at)


def publish_delivery(
    store: Store,
    registry: Registry,
    delivery_id: int,
    *,
    now: datetime | None = None,
    clock: Clock | None = None,
    lease: float | timedelta = 600.0,
) -> str:
    """Publish one claimed delivery; return the state it ends in.

    ``lease`` (SENDING_TIMEOUT) is how long the send is known to be in flight without a
    renewal; the worker renews it every third of that while the channel call lasts.

    1. Assert the world: the delivery exists and is claimed (else its state is returned and
       nothing happens); the appeal is not withdrawn (channels that are not idempotent →
       cancelled; idempotent ones publish the removal), not resolved (their main posts →
       cancelled); a deletion (``PART_DELETE``) is neither, whatever the appeal's status, and
       its call is ``delete_posts`` with the ids it names; an older UPDATE reply is superseded
       by a newer one; the channel is known and not disabled (else failed).
    2. Render the CURRENT revision (channels that write site-wide files also render the site).
    3. claimed → sending by a conditional UPDATE, with the attempt row and the lease, committed.
    4. Call the channel exactly once, renewing the lease meanwhile.
    5. Record what :func:`publisher.domain.delivery.decide` makes of the outcome, by a
       conditional UPDATE from sending.
    """
    if clock is None:
        fixed = now

        def tick() -> datetime:
            return utc(fixed)

        clock = tick
    start = utc(now) if now is not None else utc(clock())

    # 1. Assert the world.
    job = _prepare(store, registry, delivery_id)
    if isinstance(job, str):
        return job
    if isinstance(job, _Refusal):
        return _refuse(store, delivery_id, job, start)
    if isinstance(job, _Wait):
        with store.session() as session:
            ledger.defer_claimed(
                session, delivery_id, until=start + DELETION_WAIT, reason=job.reason, at=start
            )
            log.info("delivery %d: %s", delivery_id, job.reason)
            return ledger.state_of(session, delivery_id)

    # 2. Render (pure). A rendering that fails will fail again: the delivery fails.
    channel = job.channel
    try:
        rendition = (
            Rendition(channel=channel.name, appeal_id=job.appeal.id, revision=job.appeal.revision)
            if job.part == PART_DELETE
            else _render(job, registry.context)
        )
    except Exception as exc:
        log.exception("delivery %d: rendering %s failed", delivery_id, channel.name)
        return _fail(store, delivery_id, f"rendering failed: {type(exc).__name__}: {exc}", start)

    # 3. claimed → sending, with the attempt row, committed before the channel is called.
    # A deletion runs again safely whatever its channel (a post already gone counts as
    # deleted), so one that went unanswered, or whose worker died, is retried by itself: the
    # posts that carry personal details come down without waiting for a person.
    rerunnable = channel.idempotent or job.part == PART_DELETE
    sent_at = utc(clock())
    held = seconds(lease)
    owner = _lease_owner()
    sending: dict[str, Any] = {
        "at": sent_at,
        "idempotent": rerunnable,
        "actor": _ACTOR,
        "detail": {
            "channel": channel.name,
            "revision": job.appeal.revision,
            "idempotency_key": job.target.idempotency_key,
            **({"delete": ",".join(job.delete_ids)} if job.part == PART_DELETE else {}),
        },
        "lease_owner": owner,
        "lease_until": sent_at + held,
    }
    if store.autocommits:  # PostgreSQL: one statement, one round trip
        with store.autocommit() as connection:
            attempt_id = ledger.start_sending_at_once(connection, delivery_id, **sending)
    else:
        with store.session() as session:
            attempt_id = ledger.start_sending(session, delivery_id, **sending)
    if attempt_id is None:
        with store.session(read_only=True) as session:
            state = ledger.state_of(session, delivery_id)
        log.info("delivery %d was taken by someone else (now %s)", delivery_id, state)
        return state

    # 4. The one call to the channel.
    receipt: Receipt | None = None
    error: BaseException | None = None
    with _leases.kept(store, delivery_id, owner, held, clock):
        try:
            if job.part == PART_DELETE:
                receipt = channel.delete_posts(job.delete_ids, job.target)
            else:
                receipt = channel.publish(rendition, job.target)
        except (TransientPublishError, PermanentPublishError, AmbiguousPublishError) as exc:
            error = exc
        except Exception as exc:
            log.exception("delivery %d: %s raised an unexpected error", delivery_id, channel.name)
            error = exc

    # 5. Record the outcome, in one write transaction (on PostgreSQL, one statement when the
    # outcome needs no more than the attempt, the delivery and the audit row).
    at = utc(clock())
    if error is None:
        assert receipt is not None
        decision = decide(
            Outcome("published"),
            idempotent=rerunnable,
            resumes_threads=channel.resumes_threads,
            attempts=0,  # a success's decision does not depend on the tries before it
            at=at,
        )
        recorded: dict[str, Any] = {
            "at": at,
            "actor": _ACTOR,
            "message": None,
            "summary": _summary(receipt, job.appeal.revision),
            "changes_site": channel.writes_site_files,
            # A deletion keeps the ids it deleted (a dry run's receipt has none).
            "remote_ids": job.delete_ids if job.part == PART_DELETE else receipt.remote_ids,
            "remote_url": receipt.url,
            "published_at": receipt.published_at,
        }
        if store.autocommits:
            with store.autocommit() as connection:
                done = ledger.record_outcome_at_once(
                    connection, delivery_id, attempt_id, decision, **recorded
                )
            if done is not None:
                return done
        with store.session() as session:
            return ledger.record_outcome(
                session, store.dialect, delivery_id, attempt_id, decision, **recorded
            )
    with store.session() as session:
        outcome = _outcome(error)
        decision = decide(
            outcome,
            idempotent=rerunnable,
            resumes_threads=channel.resumes_threads,
            attempts=ledger.attempts_of(session, delivery_id),
            at=at,
        )
        posted = ",".join(outcome.posted_ids)
        state = ledger.record_outcome(
            session,
            store.dialect,
            delivery_id,
            attempt_id,
            decision,
            at=at,
            actor=_ACTOR,
            message=outcome.message,
            summary=f"posted before the error: {posted}" if posted else None,
            changes_site=channel.writes_site_files,
            # A deletion's remote ids are what it deletes: they stay as planned.
            remote_ids=() if job.part == PART_DELETE else outcome.posted_ids,
        )
        if state != decision.state.value:
            log.warning(
                "delivery %d: outcome %s not recorded on the delivery, which is now %s",
                delivery_id,
                decision.outcome,
                state,
            )
        return state


def publish_deliveries(
    store: Store,
    registry: Registry,
    delivery_ids: Sequence[int],
    *,
    lease: float | timedelta = 600.0,
) -> list[tuple[int, str]]:
    """Publish several claimed deliveries one after another (one of the dispatcher's batches,
    see :func:`publisher.services.scheduling.batches`); return (id, state) for each that was
    handled. Each is :func:`publish_delivery` with its own checks, lease and transactions, so
    the guarantees are those of one delivery.

    An error on one (the database unavailable, a bug) does not stop the others: it is logged
    with its traceback, its row stays where it was (the reconciler returns a claimed one to
    the schedule), and once the rest are done the first such error is raised, so the task
    that called this is seen to fail."""
    done: list[tuple[int, str]] = []
    first: Exception | None = None
    for delivery_id in delivery_ids:
        try:
            done.append((delivery_id, publish_delivery(store, registry, delivery_id, lease=lease)))
        except Exception as exc:
            log.exception("delivery %d: publishing it raised; the others go on", delivery_id)
            first = first or exc
    if first is not None:
        raise first
    return done
