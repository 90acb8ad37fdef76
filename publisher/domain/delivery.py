"""The delivery: its states, the moves allowed between them, backoff, and what an outcome means.

Pure rules, no I/O: the store applies them with conditional UPDATEs, the publishing service
asks :func:`decide` what to do with what a channel said.

::

                      dispatcher            worker               channel answered
    scheduled ──claim──▶ claimed ──start──▶ sending ──────────────▶ published
        ▲   ▲               │                  │ transient (backoff) ─▶ scheduled
        │   └── reconciler ─┘                  │ permanent ───────────▶ failed
        │   (claimed too long)                 │ ambiguous ───────────▶ unknown
        │                                      └ lease lapsed (reconciler) ▶ unknown / scheduled
        └──────── retry / confirm "not published" ◀── failed, unknown
    any pending state ──cancel──▶ cancelled;  an older UPDATE reply ──▶ superseded
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal

__all__ = [
    "ACTIVE_STATES",
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "OVERDUE_AFTER",
    "PART_DELETE",
    "PART_LABELS",
    "PART_MAIN",
    "PART_UPDATE",
    "PAST_TOLERANCE",
    "PENDING_STATES",
    "TRANSITIONS",
    "Decision",
    "DeliveryState",
    "Outcome",
    "OutcomeKind",
    "backoff",
    "decide",
    "idempotency_key",
    "is_overdue",
    "part_label",
]


class DeliveryState(StrEnum):
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"
    SENDING = "sending"
    PUBLISHED = "published"
    FAILED = "failed"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"


_S = DeliveryState

PENDING_STATES: tuple[str, ...] = (_S.SCHEDULED.value, _S.CLAIMED.value)
"""Not yet handed to a channel: these may still be cancelled."""
ACTIVE_STATES: tuple[str, ...] = (*PENDING_STATES, _S.SENDING.value)

TRANSITIONS: Mapping[DeliveryState, frozenset[DeliveryState]] = {
    _S.SCHEDULED: frozenset({_S.CLAIMED, _S.CANCELLED, _S.SUPERSEDED}),
    _S.CLAIMED: frozenset({_S.SENDING, _S.SCHEDULED, _S.FAILED, _S.CANCELLED, _S.SUPERSEDED}),
    _S.SENDING: frozenset({_S.PUBLISHED, _S.SCHEDULED, _S.FAILED, _S.UNKNOWN}),
    _S.FAILED: frozenset({_S.SCHEDULED, _S.CANCELLED}),
    _S.UNKNOWN: frozenset({_S.PUBLISHED, _S.SCHEDULED, _S.CANCELLED}),
    _S.PUBLISHED: frozenset(),
    _S.CANCELLED: frozenset(),
    _S.SUPERSEDED: frozenset(),
}
"""Every move the ledger may make. A late result may still turn ``unknown`` into ``published``."""

PART_MAIN = 0
"""The appeal itself (a whole thread, for social channels)."""
PART_UPDATE = 1
"""An "UPDATE" reply to the first published post of a social channel."""
PART_DELETE = 2
"""The deletion of posts a social channel published (on resolve or withdraw): the delivery's
remote ids are the posts it deletes, recorded when it is planned. Never cancelled by the
appeal's own lifecycle, never superseded."""
PART_LABELS: Mapping[int, str] = {PART_MAIN: "main", PART_UPDATE: "update", PART_DELETE: "delete"}
"""What each part is called in listings."""


def part_label(part: int) -> str:
    """The name of a part in listings ("main", "update", "delete")."""
    return PART_LABELS.get(part, str(part))


OVERDUE_AFTER = timedelta(minutes=2)
"""A scheduled delivery this long past due (and not backing off) is overdue: alert."""
PAST_TOLERANCE = timedelta(minutes=1)
"""How far in the past a scheduled time may be (the time it takes to type the command)."""
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


RATE_LIMITED = "rate-limited"
"""The outcome of an attempt the platform (or our own count of its limits) put off until a
given time: it says nothing about the platform's health, so it adds nothing to a backoff."""


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 30 s · 2^(n-1), at most 1 h."""
    if attempts <= 1:
        return BACKOFF_BASE
    return min(BACKOFF_BASE * (1 << min(attempts - 1, 20)), BACKOFF_CAP)


def is_overdue(
    state: str,
    due_at: datetime,
    next_attempt_at: datetime | None,
    *,
    at: datetime,
    overdue_after: timedelta = OVERDUE_AFTER,
) -> bool:
    """Scheduled, due more than ``overdue_after`` ago, and not waiting for a later retry."""
    limit = at - overdue_after
    return (
        state == _S.SCHEDULED
        and due_at <= limit
        and (next_attempt_at is None or next_attempt_at <= limit)
    )


OutcomeKind = Literal["published", "transient", "permanent", "ambiguous", "unexpected"]


@dataclass(frozen=True)
class Outcome:
    """What one call to a channel came to, in the project's own terms."""

    kind: OutcomeKind
    message: str | None = None
    retry_at: datetime | None = None
    """For ``transient``: when the platform said it would take us again."""
    credentials: bool = False
    """For ``permanent``: the credentials were refused (the channel is disabled)."""
    posted_ids: tuple[str, ...] = ()
    """The parts of a thread that went out before the error."""


@dataclass(frozen=True)
class Decision:
    """What the ledger does with an :class:`Outcome`."""

    outcome: str
    """As recorded on the attempt: published, transient, permanent or ambiguous."""
    state: DeliveryState
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    disable_channel: bool = False
    rate_limited_until: datetime | None = None


def decide(
    outcome: Outcome,
    *,
    idempotent: bool,
    resumes_threads: bool,
    attempts: int,
    at: datetime,
) -> Decision:
    """The next state of a delivery whose channel answered ``outcome`` after ``attempts`` tries.

    - published → ``published``;
    - an unexpected exception counts as ambiguous on a non-idempotent channel (the post may
      have gone out) and as transient on an idempotent one (running it again is safe);
    - ambiguous on an idempotent channel is transient, for the same reason;
    - transient after some parts of a thread went out is ambiguous unless the channel resumes
      threads (a retry would post the first parts again);
    - transient → ``scheduled`` again at the platform's own reset time when it gave one (it
      will take us then: waiting longer only delays appeals; recorded as ``rate-limited``, which
      does not count towards the backoff of a later failure), else after :func:`backoff`;

    ``attempts`` counts the tries that failed for want of the platform (not rate limits),
    this one included.
    - permanent → ``failed``; refused credentials also disable the channel;
    - ambiguous → ``unknown``: a person confirms before anything is sent again.
    """
    if outcome.kind == "published":
        return Decision(outcome="published", state=_S.PUBLISHED)
    kind: str = outcome.kind
    if kind == "unexpected":
        kind = "transient" if idempotent else "ambiguous"
    if kind == "ambiguous" and idempotent:
        kind = "transient"
    if kind == "transient" and outcome.posted_ids and not idempotent and not resumes_threads:
        kind = "ambiguous"
    message = outcome.message
    if kind == "transient":
        retry_at = None if outcome.retry_at is None else outcome.retry_at.astimezone(UTC)
        return Decision(
            outcome=RATE_LIMITED if retry_at is not None else kind,
            state=_S.SCHEDULED,
            next_attempt_at=at + backoff(attempts) if retry_at is None else max(at, retry_at),
            last_error=message,
            rate_limited_until=retry_at,
        )
    if kind == "permanent":
        return Decision(
            outcome=kind,
            state=_S.FAILED,
            last_error=message,
            disable_channel=outcome.credentials,
        )
    return Decision(
        outcome="ambiguous",
        state=_S.UNKNOWN,
        last_error=f"{message} (the post may have gone out: confirm it)",
    )


def idempotency_key(
    delivery_id: int, appeal_id: str, channel: str, target: str, part: int, slot: str
) -> str:
    """The idempotency key of one delivery: the same on every attempt of it (it is made of the
    delivery's durable identity, stored when it was planned, before any attempt), different for
    every other delivery, in this database or another one posting to the same account (the
    slot of a "publish now" is a fresh UUID; the id tells two databases' rows apart)."""
    identity = "\0".join((str(delivery_id), appeal_id, channel, target, str(part), slot))
    return "publisher-" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:40]
