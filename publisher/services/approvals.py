"""Approvals: the two-person rule, whatever the entry point.

A revision goes out only once it is approved (:mod:`publisher.domain.approval` says by whom).
Approving runs the accessibility and safety checks, makes the revision live, and republishes
it where the appeal is already published. An admin may publish at once, with a written reason,
which is recorded, audited and shown beside the appeal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from publisher.channel.registry import Registry
from publisher.domain.accounts import Role
from publisher.domain.approval import ApprovalKind, refusal, urgent_reason
from publisher.domain.record import AppealStatus
from publisher.errors import Forbidden, InvalidTransition, RecordInvalid
from publisher.services._common import utc
from publisher.services.appeals import check_ready, follow_up
from publisher.store import Store, appeals, approvals
from publisher.store.accounts import UserView
from publisher.store.approvals import Approval
from publisher.store.audit import audit

__all__ = [
    "Approval",
    "ApprovalStatus",
    "Approved",
    "approval_status",
    "approve",
    "approve_on_command_line",
    "approve_urgently",
]


@dataclass(frozen=True)
class ApprovalStatus:
    """Where an appeal stands: its current revision, who wrote it, whether it is approved, and
    which revision goes out."""

    appeal_id: str
    current: int
    author: str | None
    approval: Approval | None
    """The current revision's approval, if it has one."""
    live: int | None
    live_approval: Approval | None

    @property
    def waiting(self) -> bool:
        """The current revision waits for someone to approve it."""
        return self.approval is None

    def may_approve(self, user: UserView) -> bool:
        """Whether ``user`` may approve the current revision now."""
        return (
            self.waiting
            and refusal(approver=user.name, roles=user.roles, author=self.author) is None
        )


@dataclass(frozen=True)
class Approved:
    """What approving did."""

    appeal_id: str
    revision: int
    approval: Approval
    newly: bool
    """False when the revision was already approved (nothing changed)."""
    deliveries: tuple[int, ...]
    """The republications it planned where the appeal was already published."""


def approval_status(store: Store, appeal_id: str) -> ApprovalStatus:
    """The approval standing of an appeal (:class:`UnknownAppeal` if there is none)."""
    with store.session() as session:
        info = approvals.revision_info(session, appeal_id)
        return ApprovalStatus(
            appeal_id=appeal_id,
            current=info.current,
            author=info.author,
            approval=approvals.approval_of(session, appeal_id, info.current),
            live=info.live,
            live_approval=(
                None if info.live is None else approvals.approval_of(session, appeal_id, info.live)
            ),
        )


def _approve(
    store: Store,
    registry: Registry,
    appeal_id: str,
    revision: int | None,
    *,
    kind: ApprovalKind,
    by: str,
    roles: frozenset[Role] | None,
    reason: str | None,
    now: datetime | None,
) -> Approved:
    """Approve the current revision (``revision``, when given, must be it). ``roles`` None
    skips the two-person rule (the urgent and command-line kinds, whose callers checked their
    own rule)."""
    at = utc(now)
    with store.session() as session:
        info = approvals.revision_info(session, appeal_id, for_update=True)
        if revision is not None and revision != info.current:
            raise InvalidTransition(
                f"revision {revision} of appeal {appeal_id!r} is not the current one: "
                f"revision {info.current} is; look at it, then approve that"
            )
        if roles is not None:
            why = refusal(approver=by, roles=roles, author=info.author)
            if why is not None:
                raise Forbidden(why)
        number, appeal = appeals.load_current(session, appeal_id)
        if appeal.status is AppealStatus.WITHDRAWN:
            raise InvalidTransition(
                f"appeal {appeal_id!r} is withdrawn: there is nothing to approve"
            )
        existing = approvals.approval_of(session, appeal_id, number)
        if existing is not None:
            return Approved(appeal_id, number, existing, newly=False, deliveries=())
        check_ready(appeal, registry)
        approvals.record_approval(
            session, appeal_id, number, kind=kind, approved_by=by, reason=reason, at=at
        )
        ids: list[int] = []
        if info.live is not None:  # something is out: bring it up to this revision
            ids = follow_up(
                session,
                appeal_id,
                number,
                reason="update",
                registry=registry,
                social_update=info.announce,
                at=at,
            )
        audit(
            session,
            at=at,
            actor=by,
            action="approve" if kind is ApprovalKind.APPROVED else f"approve-{kind.value}",
            subject=f"appeal:{appeal_id}",
            detail={
                "revision": number,
                "kind": kind.value,
                "author": info.author,
                "reason": reason,
                "deliveries": ids,
            },
        )
        approval = approvals.approval_of(session, appeal_id, number)
        assert approval is not None
        return Approved(appeal_id, number, approval, newly=True, deliveries=tuple(ids))


def approve(
    store: Store,
    registry: Registry,
    appeal_id: str,
    *,
    user: UserView,
    revision: int | None = None,
    now: datetime | None = None,
) -> Approved:
    """``user`` approves the appeal's current revision (``revision``, when given, must be it,
    so nobody approves a text other than the one they read).

    Refused with :class:`Forbidden` unless ``user`` holds the approver role (or admin) and did
    not write the revision; with :class:`NotReadyToPublish` when it has accessibility or
    safety errors; with :class:`InvalidTransition` for a revision that is not the current one
    or a withdrawn appeal. Approving an approved revision changes nothing.
    """
    if user.disabled:
        raise Forbidden(f"{user.name}'s account is disabled")
    return _approve(
        store,
        registry,
        appeal_id,
        revision,
        kind=ApprovalKind.APPROVED,
        by=user.name,
        roles=user.roles,
        reason=None,
        now=now,
    )


def approve_urgently(
    store: Store,
    registry: Registry,
    appeal_id: str,
    *,
    user: UserView,
    reason: str,
    revision: int | None = None,
    now: datetime | None = None,
) -> Approved:
    """An admin approves the current revision without a second person, because it cannot wait
    (a missing child): ``reason`` says why, and is recorded with the approval, in the audit
    trail and beside the appeal. The admin may be its author. Refused (:class:`Forbidden`) for
    anyone but an admin, and (:class:`RecordInvalid`, field ``reason``) without a reason."""
    if user.disabled or Role.ADMIN not in user.roles:
        raise Forbidden(f"publishing urgently needs the admin role; {user.name} does not have it")
    try:
        why = urgent_reason(reason)
    except ValueError as exc:
        raise RecordInvalid(str(exc), field="reason") from None
    return _approve(
        store,
        registry,
        appeal_id,
        revision,
        kind=ApprovalKind.URGENT,
        by=user.name,
        roles=None,
        reason=why,
        now=now,
    )


def approve_on_command_line(
    store: Store,
    registry: Registry,
    appeal_ids: Sequence[str],
    *,
    by: str,
    reason: str,
    now: datetime | None = None,
) -> list[Approved]:
    """Approve the current revision of each appeal as the person at the server's command line
    (``publisher run --approve``), who gave these files and holds the database's credentials:
    kind ``command-line``, ``by`` naming them, audited."""
    return [
        _approve(
            store,
            registry,
            appeal_id,
            None,
            kind=ApprovalKind.COMMAND_LINE,
            by=by,
            roles=None,
            reason=reason,
            now=now,
        )
        for appeal_id in appeal_ids
    ]
