"""Approvals: which revision of each appeal is approved, by whom, and which one is live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.domain.approval import ApprovalKind
from publisher.domain.record import Appeal
from publisher.errors import UnknownAppeal
from publisher.store import site_log
from publisher.store.models import AppealRevisionRow, AppealRow, ApprovalRow

__all__ = [
    "Approval",
    "RevisionInfo",
    "approval_of",
    "approvals_of",
    "load_live",
    "record_approval",
    "revision_info",
]


@dataclass(frozen=True)
class Approval:
    """How one revision came to be approved."""

    appeal_id: str
    revision: int
    kind: ApprovalKind
    approved_by: str
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class RevisionInfo:
    """What the approval rule needs to know of one stored revision."""

    appeal_id: str
    number: int
    author: str | None
    announce: bool
    current: int
    """The appeal's current revision (the newest stored)."""
    live: int | None
    """The appeal's newest approved revision, if any."""


def _approval(row: ApprovalRow) -> Approval:
    return Approval(
        appeal_id=row.appeal_id,
        revision=row.revision,
        kind=ApprovalKind(row.kind),
        approved_by=row.approved_by,
        reason=row.reason,
        at=row.at,
    )


def approval_of(session: Session, appeal_id: str, revision: int) -> Approval | None:
    """The approval of one revision, or None if it is not approved."""
    row = session.get(ApprovalRow, (appeal_id, revision))
    return None if row is None else _approval(row)


def approvals_of(session: Session, appeal_id: str) -> dict[int, Approval]:
    """Every approved revision of an appeal, by revision number."""
    rows = session.scalars(select(ApprovalRow).where(ApprovalRow.appeal_id == appeal_id))
    return {row.revision: _approval(row) for row in rows}


def revision_info(
    session: Session, appeal_id: str, revision: int | None = None, *, for_update: bool = False
) -> RevisionInfo:
    """The author and standing of ``revision`` (default: the current one). With
    ``for_update``, the appeal's row stays locked until the transaction ends, so approvals and
    new revisions of one appeal happen one after another. :class:`UnknownAppeal` when there is
    no such appeal or revision."""
    appeal = session.get(AppealRow, appeal_id, with_for_update=for_update)
    if appeal is None:
        raise UnknownAppeal(f"no appeal {appeal_id!r} in the store: import it first")
    number = appeal.current_revision if revision is None else revision
    row = session.get(AppealRevisionRow, (appeal_id, number))
    if row is None:
        raise UnknownAppeal(
            f"appeal {appeal_id!r} has no revision {number} "
            f"(its revisions are 1 to {appeal.current_revision})"
        )
    return RevisionInfo(
        appeal_id=appeal_id,
        number=number,
        author=row.author,
        announce=bool(row.announce),
        current=appeal.current_revision,
        live=appeal.live_revision,
    )


def record_approval(
    session: Session,
    appeal_id: str,
    revision: int,
    *,
    kind: ApprovalKind,
    approved_by: str,
    reason: str | None,
    at: datetime,
) -> bool:
    """Record ``revision`` as approved and make it the live revision if it is newer than the
    live one. False (and nothing changes) if it was already approved."""
    if session.get(ApprovalRow, (appeal_id, revision)) is not None:
        return False
    session.add(
        ApprovalRow(
            appeal_id=appeal_id,
            revision=revision,
            kind=kind.value,
            approved_by=approved_by,
            reason=reason,
            at=at,
        )
    )
    appeal = session.get(AppealRow, appeal_id)
    assert appeal is not None  # the caller read the revision in this transaction
    if appeal.live_revision is None or appeal.live_revision < revision:
        appeal.live_revision = revision
        site_log.note_change(session, [appeal_id])  # the sites show the new revision
    session.flush()
    return True


def load_live(session: Session, appeal_id: str) -> tuple[int, Appeal] | None:
    """(live revision number, the appeal at that revision), or None when no revision of the
    appeal is approved yet; :class:`UnknownAppeal` when there is no such appeal."""
    appeal = session.get(AppealRow, appeal_id)
    if appeal is None:
        raise UnknownAppeal(f"no appeal {appeal_id!r} in the store: import it first")
    if appeal.live_revision is None:
        return None
    row = session.get(AppealRevisionRow, (appeal_id, appeal.live_revision))
    if row is None:  # the foreign keys make this impossible short of manual edits
        raise UnknownAppeal(f"appeal {appeal_id!r} has lost revision {appeal.live_revision}")
    return appeal.live_revision, Appeal.from_json(row.record_json)
