"""Publishing one claimed delivery: assert the world, render, send once, record the outcome."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from publisher.channel import Channel, Receipt, RenderContext, Rendition, Target
from publisher.channel.registry import Registry
from publisher.domain.delivery import (
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
from publisher.store import Store, appeals, approvals, health, ledger

__all__ = ["publish_delivery"]

log = logging.getLogger(__name__)

_S = DeliveryState
_ACTOR = "worker"


@dataclass(frozen=True)
class _Job:
    channel: Channel
    appeal: Appeal
    target: Target
    site: tuple[Appeal, ...] | None
    part: int


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


def _prepare(store: Store, registry: Registry, delivery_id: int, start: datetime) -> _Job | str:
    """Assert the world; the job to run, or the state the delivery ended in without one."""
    with store.session() as session:
        row = ledger.get(session, delivery_id)
        if row.state != _S.CLAIMED:
            log.info("delivery %d is %s, not claimed: nothing to do", delivery_id, row.state)
            return row.state
        live = approvals.load_live(session, row.appeal_id)
        if live is None or live[0] < row.revision:
            # The dispatcher claims only approved deliveries; a row that says otherwise (put
            # there by hand, or by a bug) is refused here too, and nothing is sent.
            refused = (
                f"revision {row.revision} of appeal {row.appeal_id!r} is not approved: "
                "nothing was sent; approve it, then retry"
            )
            if ledger.fail_claimed(
                session, delivery_id, _S.FAILED, refused, at=start, actor=_ACTOR
            ):
                log.warning("delivery %d: failed (%s)", delivery_id, refused)
                return _S.FAILED.value
            return ledger.state_of(session, delivery_id)
        appeal = live[1]
        try:
            channel: Channel | None = registry.get(row.channel)
            reason = ""
        except PublisherError as exc:  # unknown channel, or one that cannot be built
            channel, reason = None, f"{type(exc).__name__}: {exc}"
        status = health.channel_status(session, row.channel, row.target)
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
            appeal.status is AppealStatus.RESOLVED
            and not channel.idempotent
            and row.part == PART_MAIN
        ):
            decision = (_S.CANCELLED, f"appeal {appeal.id!r} was resolved")
        elif row.part == PART_UPDATE and ledger.newer_update_exists(session, row):
            decision = (_S.SUPERSEDED, "a newer update replaces this one")
        if decision is not None or channel is None:
            assert decision is not None
            if ledger.fail_claimed(
                session, delivery_id, decision[0], decision[1], at=start, actor=_ACTOR
            ):
                log.info("delivery %d: %s (%s)", delivery_id, decision[0].value, decision[1])
                return decision[0].value
            return ledger.state_of(session, delivery_id)
        site = None
        if channel.writes_site_files:
            site = tuple(
                appeals.site_appeals(
                    session, channel=row.channel, target=row.target, including=appeal.id
                )
            )
        ids = ledger.prepared(row).remote_ids
        return _Job(
            channel=channel,
            appeal=appeal,
            target=Target(
                name=row.target,
                output_dir=registry.output_dir,
                reply_to=ledger.first_post(session, row) if row.part == PART_UPDATE else None,
                already_posted=ids if ids and channel.resumes_threads else (),
                idempotency_key=idempotency_key(
                    row.id, row.appeal_id, row.channel, row.target, row.part, row.slot
                ),
            ),
            site=site,
            part=row.part,
        )


def _lease_owner() -> str:
    """Who holds a lease: this host and process, and a random part for this one send."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@contextmanager
def _lease_kept(
    store: Store, delivery_id: int, owner: str, lease: timedelta, clock: Clock
) -> Iterator[None]:
    """While the block runs (the one call to the channel), renew the delivery's lease every
    third of its length from a thread of its own, so that a slow send is never taken for a
    dead one. Renewal stops when the block ends or the delivery is no longer ours."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                with store.session() as session:
                    ours = ledger.renew_lease(
                        session, delivery_id, owner=owner, until=utc(clock()) + lease
                    )
            except PublisherError as exc:  # the database is unavailable: try again next time
                log.warning("delivery %d: could not renew its lease: %s", delivery_id, exc)
                continue
            if not ours:
                return

    renewer = threading.Thread(target=renew, name=f"lease-{delivery_id}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()


def _fail(store: Store, delivery_id: int, reason: str, at: datetime) -> str:
    with store.session() as session:
        if ledger.fail_claimed(session, delivery_id, _S.FAILED, reason, at=at, actor=_ACTOR):
            return _S.FAILED.value
        return ledger.state_of(session, delivery_id)


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
       cancelled); an older UPDATE reply is superseded by a newer one; the channel is known
       and not disabled (else failed).
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
    job = _prepare(store, registry, delivery_id, start)
    if isinstance(job, str):
        return job

    # 2. Render (pure). A rendering that fails will fail again: the delivery fails.
    channel = job.channel
    try:
        rendition = _render(job, registry.context)
    except Exception as exc:
        log.exception("delivery %d: rendering %s failed", delivery_id, channel.name)
        return _fail(store, delivery_id, f"rendering failed: {type(exc).__name__}: {exc}", start)

    # 3. claimed → sending, with the attempt row, committed before the channel is called.
    sent_at = utc(clock())
    held = seconds(lease)
    owner = _lease_owner()
    with store.session() as session:
        attempt_id = ledger.start_sending(
            session,
            delivery_id,
            at=sent_at,
            idempotent=channel.idempotent,
            actor=_ACTOR,
            detail={
                "channel": channel.name,
                "revision": job.appeal.revision,
                "idempotency_key": job.target.idempotency_key,
            },
            lease_owner=owner,
            lease_until=sent_at + held,
        )
        if attempt_id is None:
            state = ledger.state_of(session, delivery_id)
            log.info("delivery %d was taken by someone else (now %s)", delivery_id, state)
            return state

    # 4. The one call to the channel.
    receipt: Receipt | None = None
    error: BaseException | None = None
    with _lease_kept(store, delivery_id, owner, held, clock):
        try:
            receipt = channel.publish(rendition, job.target)
        except (TransientPublishError, PermanentPublishError, AmbiguousPublishError) as exc:
            error = exc
        except Exception as exc:
            log.exception("delivery %d: %s raised an unexpected error", delivery_id, channel.name)
            error = exc

    # 5. Record the outcome.
    at = utc(clock())
    with store.session() as session:
        attempts = ledger.attempts_of(session, delivery_id)
        if error is None:
            assert receipt is not None
            decision = decide(
                Outcome("published"),
                idempotent=channel.idempotent,
                resumes_threads=channel.resumes_threads,
                attempts=attempts,
                at=at,
            )
            return ledger.record_outcome(
                session,
                store.dialect,
                delivery_id,
                attempt_id,
                decision,
                at=at,
                actor=_ACTOR,
                message=None,
                summary=_summary(receipt, job.appeal.revision),
                remote_ids=receipt.remote_ids,
                remote_url=receipt.url,
                published_at=receipt.published_at,
            )
        outcome = _outcome(error)
        decision = decide(
            outcome,
            idempotent=channel.idempotent,
            resumes_threads=channel.resumes_threads,
            attempts=attempts,
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
            remote_ids=outcome.posted_ids,
        )
        if state != decision.state.value:
            log.warning(
                "delivery %d: outcome %s not recorded on the delivery, which is now %s",
                delivery_id,
                decision.outcome,
                state,
            )
        return state
