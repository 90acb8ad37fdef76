"""The delivery ledger: every query and conditional transition on deliveries, attempts, channel
status and heartbeats. Use cases call these inside one ``store.session()``; none writes SQL.

A delivery moves only by conditional UPDATEs (``… WHERE state = 'claimed'``), so two
dispatchers, two workers, or a worker and the reconciler can never both act on one row
(the moves allowed are :data:`publisher.domain.delivery.TRANSITIONS`). Every change is written
to the audit log in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from publisher.domain.delivery import (
    ACTIVE_STATES,
    PART_DELETE,
    PART_MAIN,
    PART_UPDATE,
    PENDING_STATES,
    RATE_LIMITED,
    Decision,
    DeliveryState,
)
from publisher.domain.record import Appeal
from publisher.errors import InvalidTransition, ScheduleConflict, UnknownAppeal, UnknownDelivery
from publisher.store import site_log
from publisher.store.alerts import record_delivery_alerts
from publisher.store.appeals import cached_record
from publisher.store.audit import audit, detail_text
from publisher.store.dialect import move_deliveries
from publisher.store.health import set_channel_status
from publisher.store.models import (
    AppealRevisionRow,
    AppealRow,
    AttemptRow,
    AuditRow,
    Base,
    CampaignRow,
    ChannelStatusRow,
    DeliveryRow,
)

__all__ = [
    "Plan",
    "Posted",
    "Prepared",
    "approved",
    "attempts_of",
    "cancel_pending",
    "claim_due",
    "create_deletions",
    "create_deliveries",
    "defer_claimed",
    "deleted_ids",
    "deletion_pending",
    "ensure_campaign",
    "fail_claimed",
    "first_post",
    "get",
    "has_pending",
    "lease_live",
    "manual_move",
    "newer_update_exists",
    "now_slot",
    "posted_deliveries",
    "prepare",
    "published_pairs",
    "record_outcome",
    "record_outcome_at_once",
    "renew_lease",
    "slot",
    "stale_claims_to_scheduled",
    "stale_sending",
    "start_sending",
    "start_sending_at_once",
    "state_of",
    "supersede_updates",
]

_S = DeliveryState


def get(session: Session, delivery_id: int) -> DeliveryRow:
    row = session.get(DeliveryRow, delivery_id)
    if row is None:
        raise UnknownDelivery(f"no delivery {delivery_id}")
    return row


def state_of(session: Session, delivery_id: int) -> str:
    return get(session, delivery_id).state


# -------------------------------------------------------------------------------- planning

Plan = tuple[str, str, int, str, datetime]
"""(channel, target, part, slot, due_at)"""


def slot(due: datetime) -> str:
    """The slot of a delivery due at ``due``: its UTC time, so one appeal, channel, target and
    part cannot be planned twice for the same moment."""
    return due.astimezone(UTC).isoformat()


def now_slot() -> str:
    """A slot of its own for a "publish now" (each is a new publication)."""
    return f"now-{uuid.uuid4()}"


def create_deliveries(
    session: Session,
    appeal_id: str,
    revision: int,
    plan: Sequence[Plan],
    *,
    campaign_id: int | None,
    at: datetime,
) -> list[int]:
    """Insert the planned deliveries; the database's unique key decides conflicts, which are
    translated into :class:`ScheduleConflict` naming the delivery already there."""
    rows = [
        DeliveryRow(
            appeal_id=appeal_id,
            revision=revision,
            channel=channel,
            target=target,
            part=part,
            slot=slot_,
            campaign_id=campaign_id,
            due_at=due,
            state=_S.SCHEDULED.value,
            attempts=0,
            created_at=at,
            updated_at=at,
        )
        for channel, target, part, slot_, due in plan
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
    return [r.id for r in rows]


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


def ensure_campaign(
    session: Session,
    slug: str,
    appeal_id: str,
    channels: Sequence[str],
    rule: str,
    tz: str,
    at: datetime,
) -> int:
    """The id of campaign ``slug`` (created on first use); it must belong to ``appeal_id``."""
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


# ------------------------------------------------------------------------------ dispatching


def approved() -> ColumnElement[bool]:
    """A delivery whose revision is approved, or superseded by an approved one: the appeal's
    live revision is at least the delivery's. A delivery of an appeal with nothing approved is
    never claimed, whatever its row says: it waits, scheduled, for an approval."""
    return exists().where(
        AppealRow.id == DeliveryRow.appeal_id,
        AppealRow.live_revision >= DeliveryRow.revision,
    )


def claim_due(session: Session, dialect: str, *, at: datetime, limit: int) -> list[int]:
    """scheduled → claimed for up to ``limit`` due deliveries, oldest first."""
    due = and_(
        DeliveryRow.state == _S.SCHEDULED,
        DeliveryRow.due_at <= at,
        or_(DeliveryRow.next_attempt_at.is_(None), DeliveryRow.next_attempt_at <= at),
        approved(),
    )
    ids = move_deliveries(
        session,
        dialect,
        due,
        {"state": _S.CLAIMED.value, "claimed_at": at, "updated_at": at},
        order=(DeliveryRow.due_at, DeliveryRow.id),
        limit=limit,
    )
    if ids:
        audit(
            session,
            at=at,
            actor="dispatcher",
            action="claim",
            subject="deliveries",
            detail={"deliveries": ids},
        )
    return ids


# ------------------------------------------------------------------------------- publishing


@dataclass(frozen=True)
class Prepared:
    """What the ledger knows of a delivery a worker is about to send, with its appeal's live
    revision and its channel's status: everything the worker checks, read by :func:`prepare`
    in one query."""

    id: int
    state: str
    appeal_id: str
    revision: int
    channel: str
    target: str
    part: int
    slot: str
    remote_ids: tuple[str, ...]
    """The remote ids recorded so far (parts of a thread posted by an earlier attempt)."""
    live: tuple[int, Appeal] | None
    """The appeal's live (newest approved) revision and the record at it; None when no
    revision of it is approved."""
    disabled: bool
    """Its channel and target are disabled."""
    disabled_reason: str | None


# The publishing path's statements, built once (Core, on the tables): each delivery runs them,
# and building and keying a statement anew every time cost more than running it. They run on
# the session's connection (``session.connection().execute``), in the session's transaction:
# Session.execute would add its ORM work (autoflush, ORM execution events, result wrapping)
# to each, which cost about as much again as the statement, and none of them needs it (they
# name no ORM entity, and the sessions that run them hold no pending objects).
_DELIVERIES = Base.metadata.tables[DeliveryRow.__tablename__]
_APPEALS = Base.metadata.tables[AppealRow.__tablename__]
_REVISIONS = Base.metadata.tables[AppealRevisionRow.__tablename__]
_STATUS = Base.metadata.tables[ChannelStatusRow.__tablename__]
_ATTEMPTS = Base.metadata.tables[AttemptRow.__tablename__]
_D, _A, _R, _C, _T = _DELIVERIES.c, _APPEALS.c, _REVISIONS.c, _STATUS.c, _ATTEMPTS.c

_PREPARE = (
    select(
        _D.state,
        _D.appeal_id,
        _D.revision,
        _D.channel,
        _D.target,
        _D.part,
        _D.remote_id,
        _D.slot,
        _A.id,
        _A.live_revision,
        _R.record_json,
        _C.disabled,
        _C.reason,
    )
    .select_from(_DELIVERIES)
    .outerjoin(_APPEALS, _A.id == _D.appeal_id)
    .outerjoin(_REVISIONS, and_(_R.appeal_id == _A.id, _R.revision == _A.live_revision))
    .outerjoin(_STATUS, and_(_C.channel == _D.channel, _C.target == _D.target))
    .where(_D.id == bindparam("b_delivery"))
)
_START_SENDING = (
    update(_DELIVERIES)
    .where(_D.id == bindparam("b_delivery"), _D.state == _S.CLAIMED.value)
    .values(attempts=_D.attempts + 1)
)
_NEW_ATTEMPT = insert(_ATTEMPTS)
_FINISH_ATTEMPT = update(_ATTEMPTS).where(_T.id == bindparam("b_attempt"))
_SETTLE = update(_DELIVERIES).where(
    _D.id == bindparam("b_delivery"), _D.state == bindparam("b_from")
)
"""A delivery's outcome, by a conditional UPDATE from the state it was sent in."""
_SETTLED = _SETTLE.returning(_D.appeal_id)


# PostgreSQL runs the start of a send, and most outcomes, as ONE statement in autocommit
# (``Store.autocommit``): the conditional UPDATE of the delivery in a data-modifying CTE, and
# the rows it implies (the attempt, the audit row) inserted FROM that CTE, so that they exist
# exactly when the move happened, in the same atomic statement. One round trip instead of five
# (BEGIN, three statements, COMMIT). SQLite has no data-modifying CTEs: it runs the same steps
# as separate statements in one transaction (``start_sending``, ``record_outcome``).
_AUDIT = Base.metadata.tables[AuditRow.__tablename__]
_AUDIT_COLUMNS = ["at", "actor", "action", "subject", "detail"]


def _audit_from(source: Any, action: Any) -> Any:
    """An INSERT of one audit row for each row of ``source`` (a CTE): the parameters a_at,
    a_actor, a_subject and a_detail, and ``action`` (a bound parameter or a literal)."""
    at = _AUDIT.c.at
    return insert(_AUDIT).from_select(
        _AUDIT_COLUMNS,
        select(
            bindparam("a_at", type_=at.type),
            bindparam("a_actor", type_=_AUDIT.c.actor.type),
            action,
            bindparam("a_subject", type_=_AUDIT.c.subject.type),
            bindparam("a_detail", type_=_AUDIT.c.detail.type),
        ).select_from(source),
    )


def _build_start_sending_once() -> Any:
    moved = (
        update(_DELIVERIES)
        .where(_D.id == bindparam("b_delivery"), _D.state == _S.CLAIMED.value)
        .values(
            attempts=_D.attempts + 1,
            state=_S.SENDING.value,
            sending_at=bindparam("s_at", type_=_D.sending_at.type),
            idempotent=bindparam("s_idempotent", type_=_D.idempotent.type),
            lease_owner=bindparam("s_owner", type_=_D.lease_owner.type),
            lease_expires_at=bindparam("s_until", type_=_D.lease_expires_at.type),
            updated_at=bindparam("s_at", type_=_D.updated_at.type),
        )
        .returning(_D.id)
        .cte("moved")
    )
    attempt = (
        insert(_ATTEMPTS)
        .from_select(
            ["delivery_id", "started_at"],
            select(moved.c.id, bindparam("s_at", type_=_T.started_at.type)),
        )
        .returning(_T.id)
        .cte("attempt")
    )
    audited = _audit_from(moved, literal("sending", _AUDIT.c.action.type)).cte("audited")
    return select(attempt.c.id).add_cte(audited)


_START_SENDING_ONCE = _build_start_sending_once()


@lru_cache(maxsize=32)
def _settle_once(columns: tuple[str, ...]) -> Any:
    """The outcome as one statement, for a delivery in sending that needs no more than its
    attempt, its own row and its audit row: the attempt finished, the delivery moved (setting
    ``columns`` from the parameters v_<column>), the audit row inserted for the moved row; the
    moved row's appeal id comes back (none when it was not in sending). One statement per set
    of columns, built once."""
    finished = (
        update(_ATTEMPTS)
        .where(_T.id == bindparam("b_attempt"))
        .values(
            finished_at=bindparam("f_at", type_=_T.finished_at.type),
            outcome=bindparam("f_outcome", type_=_T.outcome.type),
            error=bindparam("f_error", type_=_T.error.type),
            response_summary=bindparam("f_summary", type_=_T.response_summary.type),
        )
        .cte("finished")
    )
    settled = (
        update(_DELIVERIES)
        .where(_D.id == bindparam("b_delivery"), _D.state == _S.SENDING.value)
        .values({name: bindparam(f"v_{name}", type_=_D[name].type) for name in columns})
        .returning(_D.appeal_id)
        .cte("settled")
    )
    audited = _audit_from(settled, bindparam("a_action", type_=_AUDIT.c.action.type))
    return select(settled.c.appeal_id).add_cte(finished, audited.cte("audited"))


def prepare(connection: Connection, delivery_id: int) -> Prepared:
    """The delivery, its appeal's live record and its channel's status, in one SELECT (a
    read-only connection suffices). :class:`UnknownDelivery` if there is no such delivery,
    :class:`UnknownAppeal` if its appeal is gone."""
    found = connection.execute(_PREPARE, {"b_delivery": delivery_id}).first()
    if found is None:
        raise UnknownDelivery(f"no delivery {delivery_id}")
    state, appeal_id, revision, channel, target, part, remote_id, slot = found[:8]
    appeal_row, live_revision, record_json, disabled, reason = found[8:]
    if appeal_row is None:
        raise UnknownAppeal(f"no appeal {appeal_id!r} in the store: import it first")
    live: tuple[int, Appeal] | None = None
    if live_revision is not None:
        if record_json is None:  # the foreign keys make this impossible short of manual edits
            raise UnknownAppeal(f"appeal {appeal_id!r} has lost revision {live_revision}")
        live = (live_revision, cached_record(record_json))
    return Prepared(
        id=delivery_id,
        state=state,
        appeal_id=appeal_id,
        revision=revision,
        channel=channel,
        target=target,
        part=part,
        slot=slot,
        remote_ids=tuple(remote_id.split(",")) if remote_id else (),
        live=live,
        disabled=bool(disabled),
        disabled_reason=reason,
    )


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def fail_claimed(
    session: Session,
    delivery_id: int,
    state: DeliveryState,
    reason: str,
    *,
    at: datetime,
    actor: str,
) -> bool:
    """claimed → ``state`` without sending anything (the world said no). False if the delivery
    was no longer claimed."""
    moved = session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == delivery_id, DeliveryRow.state == _S.CLAIMED)
        .values(state=state.value, last_error=reason, claimed_at=None, updated_at=at),
        execution_options={"synchronize_session": False},
    )
    if _rowcount(moved) != 1:
        return False
    audit(
        session,
        at=at,
        actor=actor,
        action=state.value,
        subject=f"delivery:{delivery_id}",
        detail={"reason": reason},
    )
    if state == _S.FAILED:
        record_delivery_alerts(session, [delivery_id], at=at)  # a person is told
    return True


def deletion_pending(session: Session, row: DeliveryRow | Prepared) -> bool:
    """Whether a deletion of the appeal's posts on this channel and target is still to run
    (scheduled, claimed or sending)."""
    found = session.scalar(
        select(DeliveryRow.id)
        .where(
            DeliveryRow.appeal_id == row.appeal_id,
            DeliveryRow.channel == row.channel,
            DeliveryRow.target == row.target,
            DeliveryRow.part == PART_DELETE,
            DeliveryRow.state.in_(ACTIVE_STATES),
        )
        .limit(1)
    )
    return found is not None


def defer_claimed(
    session: Session, delivery_id: int, *, until: datetime, reason: str, at: datetime
) -> bool:
    """claimed → scheduled again, due at ``until``, nothing sent (it waits for something
    else to happen first). False if the delivery was no longer claimed."""
    moved = session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == delivery_id, DeliveryRow.state == _S.CLAIMED)
        .values(
            state=_S.SCHEDULED.value,
            claimed_at=None,
            next_attempt_at=until,
            last_error=reason,
            updated_at=at,
        ),
        execution_options={"synchronize_session": False},
    )
    return _rowcount(moved) == 1


def first_post(session: Session, row: DeliveryRow | Prepared) -> str | None:
    """The remote id of the first post of the appeal's main publication on this channel and
    target (UPDATE replies answer it)."""
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


def newer_update_exists(session: Session, row: DeliveryRow | Prepared) -> bool:
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


def start_sending(
    session: Session,
    delivery_id: int,
    *,
    at: datetime,
    idempotent: bool,
    actor: str,
    detail: Mapping[str, Any],
    lease_owner: str,
    lease_until: datetime,
) -> int | None:
    """claimed → sending with a new attempt row and a lease held by ``lease_owner`` until
    ``lease_until``; the attempt's id, or None if someone else took the delivery first. Three
    statements (the move, the attempt, the audit row), in the caller's transaction, run on its
    connection (see the comment on the publishing path's statements)."""
    connection = session.connection()
    moved = connection.execute(
        _START_SENDING,
        {
            "b_delivery": delivery_id,
            "state": _S.SENDING.value,
            "sending_at": at,
            "idempotent": idempotent,
            "lease_owner": lease_owner,
            "lease_expires_at": lease_until,
            "updated_at": at,
        },
    )
    if _rowcount(moved) != 1:
        return None
    created = cast(
        CursorResult[Any],
        connection.execute(_NEW_ATTEMPT, {"delivery_id": delivery_id, "started_at": at}),
    )
    key = created.inserted_primary_key
    assert key is not None
    audit(
        connection,
        at=at,
        actor=actor,
        action="sending",
        subject=f"delivery:{delivery_id}",
        detail=detail,
    )
    return int(key[0])


def start_sending_at_once(
    connection: Connection,
    delivery_id: int,
    *,
    at: datetime,
    idempotent: bool,
    actor: str,
    detail: Mapping[str, Any],
    lease_owner: str,
    lease_until: datetime,
) -> int | None:
    """:func:`start_sending` as one statement, on an autocommit connection
    (``Store.autocommit``, PostgreSQL): the same move, attempt row and audit row, committed
    together by the statement itself."""
    found = connection.execute(
        _START_SENDING_ONCE,
        {
            "b_delivery": delivery_id,
            "s_at": at,
            "s_idempotent": idempotent,
            "s_owner": lease_owner,
            "s_until": lease_until,
            "a_at": at,
            "a_actor": actor,
            "a_subject": f"delivery:{delivery_id}",
            "a_detail": detail_text(detail),
        },
    ).first()
    return None if found is None else int(found[0])


def renew_lease(session: Session, delivery_id: int, *, owner: str, until: datetime) -> bool:
    """Extend the lease of a delivery this worker is still sending; False if it is no longer
    (its outcome was recorded, or someone else acted on it)."""
    moved = session.execute(
        update(DeliveryRow)
        .where(
            DeliveryRow.id == delivery_id,
            DeliveryRow.state == _S.SENDING,
            DeliveryRow.lease_owner == owner,
        )
        .values(lease_expires_at=until),
        execution_options={"synchronize_session": False},
    )
    return _rowcount(moved) == 1


def lease_live(row: DeliveryRow, at: datetime) -> bool:
    """Whether a send of this delivery may still be in flight."""
    return row.lease_expires_at is not None and row.lease_expires_at > at


def attempts_of(session: Session, delivery_id: int) -> int:
    """The tries of a delivery that count towards its backoff, the one in flight included:
    every attempt but those put off by a rate limit."""
    deferred = session.scalar(
        select(func.count())
        .select_from(AttemptRow)
        .where(AttemptRow.delivery_id == delivery_id, AttemptRow.outcome == RATE_LIMITED)
    )
    return get(session, delivery_id).attempts - int(deferred or 0)


def _outcome_values(
    decision: Decision,
    *,
    at: datetime,
    remote_ids: Sequence[str],
    remote_url: str | None,
    published_at: datetime | None,
) -> dict[str, Any]:
    """The delivery's columns an outcome sets."""
    values: dict[str, Any] = {
        "updated_at": at,
        "claimed_at": None,
        "state": decision.state.value,
        "lease_owner": None,
        "lease_expires_at": None,
    }
    if decision.state is _S.PUBLISHED:
        values.update(
            published_at=published_at or at,
            remote_id=",".join(remote_ids) or None,
            remote_url=remote_url,
            last_error=None,
            next_attempt_at=None,
        )
    else:
        if remote_ids:
            values["remote_id"] = ",".join(remote_ids)
        values["last_error"] = decision.last_error
        if decision.state is _S.SCHEDULED:
            values.update(next_attempt_at=decision.next_attempt_at, sending_at=None)
    return values


def record_outcome_at_once(
    connection: Connection,
    delivery_id: int,
    attempt_id: int,
    decision: Decision,
    *,
    at: datetime,
    actor: str,
    message: str | None,
    summary: str | None,
    changes_site: bool,
    remote_ids: Sequence[str] = (),
    remote_url: str | None = None,
    published_at: datetime | None = None,
) -> str | None:
    """:func:`record_outcome` as one statement, on an autocommit connection
    (``Store.autocommit``, PostgreSQL), for the outcomes that need nothing but the attempt,
    the delivery and the audit row, recorded in time (the delivery still in sending): the
    state the delivery is now in. None, having changed nothing, for any other: an outcome that
    also sets its channel's status (a rate limit, a disabled channel), tells a person (failed,
    unknown), or changes a site (``changes_site``, published: the site change log numbers it
    at commit); the caller then records it with :func:`record_outcome` in a transaction. The
    attempt may then have been finished here already (the delivery had left sending): writing
    the same values on it again changes nothing."""
    if (
        decision.rate_limited_until is not None
        or decision.disable_channel
        or decision.state in (_S.FAILED, _S.UNKNOWN)
        or (changes_site and decision.state is _S.PUBLISHED)
    ):
        return None
    values = _outcome_values(
        decision, at=at, remote_ids=remote_ids, remote_url=remote_url, published_at=published_at
    )
    statement = _settle_once(tuple(sorted(values)))
    settled = connection.execute(
        statement,
        {
            "b_attempt": attempt_id,
            "b_delivery": delivery_id,
            "f_at": at,
            "f_outcome": decision.outcome,
            "f_error": message,
            "f_summary": summary,
            **{f"v_{name}": value for name, value in values.items()},
            "a_at": at,
            "a_actor": actor,
            "a_action": decision.state.value,
            "a_subject": f"delivery:{delivery_id}",
            "a_detail": detail_text(
                {"outcome": decision.outcome, "error": message, "summary": summary}
            ),
        },
    ).first()
    return None if settled is None else decision.state.value


def record_outcome(
    session: Session,
    dialect: str,
    delivery_id: int,
    attempt_id: int,
    decision: Decision,
    *,
    at: datetime,
    actor: str,
    message: str | None,
    summary: str | None,
    changes_site: bool,
    remote_ids: Sequence[str] = (),
    remote_url: str | None = None,
    published_at: datetime | None = None,
) -> str:
    """Write ``decision`` on the attempt and, by a conditional UPDATE from sending, on the
    delivery; return the state the delivery is in. A published result also settles a
    delivery the reconciler judged unknown meanwhile; any other late result is only audited.

    ``changes_site``: whether the delivery's channel writes site files (the caller knows it
    from ``Channel.writes_site_files``; the store knows no channels). Only such a delivery,
    once published, changes what :func:`publisher.store.appeals.site_appeals` returns (the
    appeals with a published delivery on that site's own channel and target), so only then
    does the site change log note it (:mod:`publisher.store.site_log`): the deliveries of
    every other channel never queue for its counter row.

    A result recorded in time is three statements (the attempt, the delivery, the audit row;
    and, for a site channel's publication, the change log's number and row); the delivery row
    is read only when the decision concerns its channel, or came late."""
    values = _outcome_values(
        decision, at=at, remote_ids=remote_ids, remote_url=remote_url, published_at=published_at
    )
    if decision.rate_limited_until is not None or decision.disable_channel:
        channel, target = session.execute(
            select(_D.channel, _D.target).where(_D.id == delivery_id)
        ).one()
        if decision.rate_limited_until is not None:
            set_channel_status(
                session,
                dialect,
                channel,
                target,
                at,
                rate_limit={"retry_at": decision.rate_limited_until.isoformat()},
            )
        if decision.disable_channel:
            set_channel_status(
                session,
                dialect,
                channel,
                target,
                at,
                disabled=True,
                reason=message,
                delivery_id=delivery_id,
            )
    connection = session.connection()  # see the comment on the publishing path's statements
    connection.execute(
        _FINISH_ATTEMPT,
        {
            "b_attempt": attempt_id,
            "finished_at": at,
            "outcome": decision.outcome,
            "error": message,
            "response_summary": summary,
        },
    )
    was = _S.SENDING.value
    # The appeal's id comes back with the move: published on a site channel, it joins (or
    # stays in) that site, which the site change log must say.
    settled = connection.execute(
        _SETTLED, {"b_delivery": delivery_id, "b_from": was, **values}
    ).all()
    if not settled and decision.state is _S.PUBLISHED:
        was = _S.UNKNOWN.value
        settled = connection.execute(
            _SETTLED, {"b_delivery": delivery_id, "b_from": was, **values}
        ).all()
    if len(settled) == 1:
        if decision.state is _S.PUBLISHED and changes_site:
            site_log.note_change(session, [settled[0][0]])
        detail: dict[str, Any] = {
            "outcome": decision.outcome,
            "error": message,
            "summary": summary,
        }
        if was != _S.SENDING:
            detail["conflict"] = f"the result arrived after the delivery was judged {was}"
        audit(
            connection,
            at=at,
            actor=actor,
            action=decision.state.value,
            subject=f"delivery:{delivery_id}",
            detail=detail,
        )
        if decision.state in (_S.FAILED, _S.UNKNOWN):
            record_delivery_alerts(session, [delivery_id], at=at)  # a person is told
        return decision.state.value
    row = get(session, delivery_id)
    session.refresh(row)
    if remote_ids and not row.remote_id:
        # What went out is never forgotten, whatever state a person or the reconciler set.
        row.remote_id = ",".join(remote_ids)
    audit(
        session,
        at=at,
        actor=actor,
        action="late-outcome",
        subject=f"delivery:{delivery_id}",
        detail={"outcome": decision.outcome, "error": message, "state": row.state},
    )
    return row.state


# ------------------------------------------------------------------------------ reconciling


def stale_claims_to_scheduled(
    session: Session, dialect: str, *, before: datetime, at: datetime
) -> list[int]:
    """Claimed before ``before`` (no worker took them): back to scheduled."""
    return move_deliveries(
        session,
        dialect,
        and_(DeliveryRow.state == _S.CLAIMED, DeliveryRow.claimed_at < before),
        {"state": _S.SCHEDULED.value, "claimed_at": None, "updated_at": at},
    )


def stale_sending(
    session: Session, dialect: str, *, before: datetime, at: datetime
) -> tuple[list[int], list[int]]:
    """Sending with a lapsed lease (the worker died: nobody renewed it), or, for a send that
    took no lease, sending since before ``before``: idempotent ones back to scheduled (rerun),
    the others to unknown; their open attempts are closed as timed out. A slow send whose
    worker lives keeps renewing its lease and is left alone. Returns (rerun, unknown)."""
    stuck = and_(
        DeliveryRow.state == _S.SENDING,
        or_(
            DeliveryRow.lease_expires_at < at,
            and_(DeliveryRow.lease_expires_at.is_(None), DeliveryRow.sending_at < before),
        ),
    )
    rerun = move_deliveries(
        session,
        dialect,
        and_(stuck, DeliveryRow.idempotent.is_(True)),
        {
            "state": _S.SCHEDULED.value,
            "sending_at": None,
            "next_attempt_at": at,
            "last_error": "its worker stopped before recording an outcome: running it again",
            "lease_owner": None,
            "lease_expires_at": None,
            "updated_at": at,
        },
    )
    unknown = move_deliveries(
        session,
        dialect,
        and_(stuck, or_(DeliveryRow.idempotent.is_(None), DeliveryRow.idempotent.is_(False))),
        {
            "state": _S.UNKNOWN.value,
            "last_error": (
                "its worker stopped before recording an outcome: the post may have gone out; "
                "confirm it"
            ),
            "updated_at": at,
        },
    )
    if rerun or unknown:
        session.execute(
            update(AttemptRow)
            .where(AttemptRow.delivery_id.in_([*rerun, *unknown]), AttemptRow.finished_at.is_(None))
            .values(finished_at=at, outcome="timeout", error="no outcome recorded in time"),
            execution_options={"synchronize_session": False},
        )
    record_delivery_alerts(session, unknown, at=at)
    return rerun, unknown


# ------------------------------------------------------------------------- manual actions


def manual_move(
    session: Session,
    delivery_id: int,
    *,
    allowed: Iterable[str],
    values: Mapping[str, Any],
    actor: str,
    action: str,
    at: datetime,
    detail: Mapping[str, Any] | None = None,
) -> str:
    """A person's move of one delivery from one of ``allowed`` states; InvalidTransition
    naming its state otherwise."""
    allowed = tuple(allowed)
    row = get(session, delivery_id)
    no_live_lease = or_(DeliveryRow.lease_expires_at.is_(None), DeliveryRow.lease_expires_at <= at)
    moved = session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == delivery_id, DeliveryRow.state.in_(allowed), no_live_lease)
        .values(**values, lease_owner=None, lease_expires_at=None, updated_at=at),
        execution_options={"synchronize_session": False},
    )
    if _rowcount(moved) != 1:
        session.refresh(row)
        if row.state in allowed and lease_live(row, at):
            raise InvalidTransition(
                f"delivery {delivery_id} may still be being sent (its worker holds it until "
                f"{row.lease_expires_at:%H:%M:%S} UTC): {action} is refused until then"
            )
        raise InvalidTransition(
            f"delivery {delivery_id} is {row.state}: {action} needs it to be {' or '.join(allowed)}"
        )
    if values.get("state") == _S.PUBLISHED.value:
        # Confirmed by a person: the appeal joins its sites, if the channel has one. Which
        # channels do is not known here (a worker's outcome says so: record_outcome's
        # ``changes_site``), and a confirmation is rare, so it is always noted: a change
        # noted for nothing costs a site's reader one appeal read again, never a wrong site.
        site_log.note_change(session, [row.appeal_id])
    audit(
        session,
        at=at,
        actor=actor,
        action=action,
        subject=f"delivery:{delivery_id}",
        detail={"from": row.state, **(detail or {})},
    )
    return str(values["state"])


# ---------------------------------------------------------------------------- lifecycle


def has_pending(session: Session, appeal_id: str) -> bool:
    """Whether any delivery of the appeal is still to go out (scheduled or claimed)."""
    found = session.scalar(
        select(DeliveryRow.id)
        .where(DeliveryRow.appeal_id == appeal_id, DeliveryRow.state.in_(PENDING_STATES))
        .limit(1)
    )
    return found is not None


def published_pairs(session: Session, appeal_id: str) -> list[tuple[str, str]]:
    """(channel, target) of every main publication of the appeal that went out."""
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


def supersede_updates(session: Session, appeal_id: str, revision: int, *, at: datetime) -> None:
    """Pending UPDATE replies for revisions before ``revision`` will not be sent."""
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


@dataclass(frozen=True)
class Posted:
    """A delivery of an appeal that put posts out on a channel (all or some of a thread)."""

    id: int
    channel: str
    target: str
    revision: int
    part: int
    remote_ids: tuple[str, ...]


def posted_deliveries(session: Session, appeal_id: str) -> list[Posted]:
    """Every main publication and UPDATE reply of the appeal with remote ids recorded, in
    whatever state (posts that went out: published, or a thread that stopped part-way and was
    then failed, cancelled or left unknown), oldest first."""
    rows = session.execute(
        select(
            DeliveryRow.id,
            DeliveryRow.channel,
            DeliveryRow.target,
            DeliveryRow.revision,
            DeliveryRow.part,
            DeliveryRow.remote_id,
        )
        .where(
            DeliveryRow.appeal_id == appeal_id,
            DeliveryRow.part.in_((PART_MAIN, PART_UPDATE)),
            DeliveryRow.remote_id.is_not(None),
        )
        .order_by(DeliveryRow.id)
    )
    return [
        Posted(id_, channel, target, revision, part, tuple(remote.split(",")))
        for id_, channel, target, revision, part, remote in rows
        if remote
    ]


def deleted_ids(session: Session, appeal_id: str, channel: str, target: str) -> set[str]:
    """The remote ids a deletion of the appeal on this channel and target deleted, or is
    still to delete (every deletion not cancelled and not failed)."""
    rows = session.scalars(
        select(DeliveryRow.remote_id).where(
            DeliveryRow.appeal_id == appeal_id,
            DeliveryRow.channel == channel,
            DeliveryRow.target == target,
            DeliveryRow.part == PART_DELETE,
            DeliveryRow.remote_id.is_not(None),
            DeliveryRow.state.not_in((_S.CANCELLED, _S.FAILED)),
        )
    )
    return {remote_id for remote in rows if remote for remote_id in remote.split(",")}


def create_deletions(
    session: Session,
    appeal_id: str,
    revision: int,
    deletions: Sequence[tuple[str, str, Sequence[str]]],
    *,
    reason: str,
    at: datetime,
) -> list[int]:
    """Plan one deletion delivery, due now, per (channel, target, remote ids to delete): its
    remote ids are the posts it deletes."""
    rows = [
        DeliveryRow(
            appeal_id=appeal_id,
            revision=revision,
            channel=channel,
            target=target,
            part=PART_DELETE,
            slot=f"{reason}-r{revision}",
            campaign_id=None,
            due_at=at,
            state=_S.SCHEDULED.value,
            attempts=0,
            remote_id=",".join(ids),
            created_at=at,
            updated_at=at,
        )
        for channel, target, ids in deletions
        if ids
    ]
    session.add_all(rows)
    session.flush()
    return [r.id for r in rows]


def cancel_pending(
    session: Session,
    appeal_id: str,
    at: datetime,
    reason: str,
    *,
    only: Callable[[str], bool] | None = None,
) -> list[int]:
    """Cancel the appeal's deliveries not yet handed to a channel (on channels ``only``
    accepts, by name, when given). Deletions are never cancelled: taking posts down must go
    on whatever happens to the appeal next."""
    rows = session.scalars(
        select(DeliveryRow).where(
            DeliveryRow.appeal_id == appeal_id,
            DeliveryRow.state.in_(PENDING_STATES),
            DeliveryRow.part != PART_DELETE,
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
