"""Appeals: import, update, resolve, withdraw, and the gate an appeal must pass to go out.

The lint gate lives here, so every entry point (the command line, the Celery tasks, the web
app) refuses an appeal with accessibility or safety errors in the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from publisher.channel.registry import Registry
from publisher.domain.delivery import PART_MAIN, PART_UPDATE
from publisher.domain.record import Appeal, AppealStatus
from publisher.errors import (
    InvalidTransition,
    NotReadyToPublish,
    Problem,
    RecordInvalid,
    UnknownChannel,
)
from publisher.services._common import utc
from publisher.store import Store, appeals, ledger
from publisher.store.appeals import AppealSummary, RevisionSummary

if TYPE_CHECKING:
    from publisher.lint import Finding
from publisher.store.audit import audit

__all__ = [
    "AppealSummary",
    "Readiness",
    "RevisionSummary",
    "check_ready",
    "current_appeal",
    "gate",
    "import_appeal",
    "lint_findings",
    "list_appeals",
    "resolve_appeal",
    "revisions",
    "update_appeal",
    "withdraw_appeal",
]


# ------------------------------------------------------------------------------- the gate


@dataclass(frozen=True)
class Readiness:
    """What the checks said of an appeal that may go out."""

    appeal_id: str
    warnings: int


def check_ready(appeal: Appeal, registry: Registry) -> Readiness:
    """Run the accessibility and safety checks on ``appeal`` and on what every channel with
    platform limits renders of it. Errors raise :class:`NotReadyToPublish` listing each with
    its fix; warnings are counted (``publisher check`` lists them)."""
    from publisher.lint import lint_appeal, lint_renditions

    renditions = [
        channel.render(appeal, registry.context)
        for channel in registry.channels()
        if channel.limits is not None
    ]
    findings = [*lint_appeal(appeal), *lint_renditions(appeal, renditions)]
    where = appeal.source or appeal.id
    errors = [
        f"{where}: [{f.code}] {f.message} (fix: {f.fix})" for f in findings if f.severity == "error"
    ]
    if errors:
        raise NotReadyToPublish(
            "not scheduled: fix these errors first\n" + "\n".join(errors), errors=errors
        )
    return Readiness(appeal_id=appeal.id, warnings=len(findings))


def gate(session: Session, appeal_id: str, registry: Registry) -> tuple[int, Appeal]:
    """The current revision, if it may go out: not withdrawn, and passing the checks (for the
    scheduling use cases)."""
    revision, appeal = appeals.load_current(session, appeal_id)
    if appeal.status is AppealStatus.WITHDRAWN:
        raise InvalidTransition(f"appeal {appeal_id!r} is withdrawn: it cannot be published")
    check_ready(appeal, registry)
    return revision, appeal


# ------------------------------------------------------------------------------ importing


def import_appeal(
    store: Store, appeal: Appeal, *, actor: str = "cli", now: datetime | None = None
) -> int:
    """Store ``appeal`` as a new revision if its content differs from the current one.

    Returns the current revision number (1, 2, …); the stored record carries it. The
    ``revision`` and ``source`` fields of ``appeal`` are not content and are ignored.
    Two processes importing the same new appeal at once both succeed with one revision.
    Importing is not publishing: the checks run when the appeal is scheduled.
    """
    at = utc(now)
    try:
        with store.session() as session:
            return appeals.store_revision(session, appeal, actor=actor, at=at, action="import")[0]
    except IntegrityError:
        # Another process created the appeal between our look and our insert: look again.
        with store.session() as session:
            return appeals.store_revision(session, appeal, actor=actor, at=at, action="import")[0]


def current_appeal(store: Store, appeal_id: str) -> Appeal:
    """The current revision of an appeal."""
    with store.session() as session:
        return appeals.load_current(session, appeal_id)[1]


def list_appeals(
    store: Store,
    *,
    status: str | None = None,
    area: str | None = None,
    kind: str | None = None,
    query: str | None = None,
) -> list[AppealSummary]:
    """Every appeal at its current revision, most recently updated first, optionally only
    those with this status, area (any case) and kind, or whose id, title, summary or area
    contain ``query`` (any case)."""
    with store.session() as session:
        return appeals.list_current(session, status=status, area=area, kind=kind, query=query)


def revisions(store: Store, appeal_id: str) -> list[RevisionSummary]:
    """An appeal's revisions, newest first: number, when, source, and who stored it."""
    with store.session() as session:
        return appeals.revisions_of(session, appeal_id)


def lint_findings(
    appeal: Appeal,
    registry: Registry,
    *,
    lines: Mapping[str, int] | None = None,
    warnings: Sequence[Problem] = (),
) -> list[Finding]:
    """What ``publisher check`` says of ``appeal``: the import's warnings, the checks of the
    record (at the source ``lines`` when known) and of what every channel with platform limits
    renders of it."""
    from publisher.lint import Finding, lint_appeal, lint_renditions

    findings = [
        Finding(
            code="import",
            severity="warning",
            message=w.message,
            fix="The appeal was read, but perhaps not as you meant: correct the file as "
            "the message says.",
            file=w.file,
            line=w.line,
            field=w.field,
        )
        for w in warnings
    ]
    renditions = [
        channel.render(appeal, registry.context)
        for channel in registry.channels()
        if channel.limits is not None
    ]
    findings.extend(lint_appeal(appeal, lines=lines))
    findings.extend(lint_renditions(appeal, renditions))
    return findings


# ------------------------------------------------------------------------------ lifecycle


def _idempotent(name: str, registry: Registry) -> bool:
    try:
        return registry.get(name).idempotent
    except UnknownChannel:
        # A channel this deployment no longer has: nothing can be sent on it, so it is
        # treated as one that must not be sent again automatically.
        return False


def _follow_up(
    session: Session,
    appeal_id: str,
    revision: int,
    *,
    reason: str,
    registry: Registry,
    social_update: bool,
    at: datetime,
) -> list[int]:
    """After a new revision: republish every idempotent channel the appeal is published on,
    now; with ``social_update``, an UPDATE reply on every other channel it is published on
    that can post one."""
    plan: list[ledger.Plan] = []
    for name, target in ledger.published_pairs(session, appeal_id):
        if _idempotent(name, registry):
            plan.append((name, target, PART_MAIN, f"{reason}-r{revision}", at))
        elif social_update and _can_update(name, registry):
            plan.append((name, target, PART_UPDATE, f"update-r{revision}", at))
    if social_update:
        ledger.supersede_updates(session, appeal_id, revision, at=at)
    if not plan:
        return []
    return ledger.create_deliveries(session, appeal_id, revision, plan, campaign_id=None, at=at)


def _can_update(name: str, registry: Registry) -> bool:
    try:
        return registry.get(name).can_update
    except UnknownChannel:
        return False


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
    registry: Registry,
    *,
    actor: str = "cli",
    now: datetime | None = None,
    social_update: bool = False,
) -> int:
    """Check and store a new revision; republish it now on every idempotent channel it is
    published on (and, with ``social_update``, an UPDATE reply on social channels). Pending
    deliveries publish the current revision when their time comes. Returns the revision
    number. An appeal with lint errors is refused (:class:`NotReadyToPublish`)."""
    at = utc(now)
    check_ready(appeal, registry)
    with store.session() as session:
        if appeals.status_of(session, appeal.id) == AppealStatus.WITHDRAWN:
            raise InvalidTransition(f"appeal {appeal.id!r} is withdrawn: it cannot be updated")
        number, changed = appeals.store_revision(
            session, appeal, actor=actor, at=at, action="update"
        )
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
            audit(
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
    registry: Registry,
    *,
    actor: str = "cli",
    now: datetime | None = None,
    social_update: bool = False,
) -> int:
    """Mark the appeal resolved with a resolution line (a new revision). Pending posts on
    channels that are not idempotent are cancelled; idempotent channels republish now (their
    resolved rendering drops personal details and the photo); with ``social_update``, an
    UPDATE reply on channels that can post one."""
    at = utc(now)
    text = " ".join(resolution.split())
    if not text:
        raise RecordInvalid(
            "a resolution line is needed, e.g. 'Sam has been found.'", field="resolution"
        )
    with store.session() as session:
        _, current = appeals.load_current(session, appeal_id)
        if current.status is AppealStatus.WITHDRAWN:
            raise InvalidTransition(f"appeal {appeal_id!r} is withdrawn: it cannot be resolved")
        resolved = _derive(current, at, status=AppealStatus.RESOLVED, resolution=text)
        number, changed = appeals.store_revision(
            session, resolved, actor=actor, at=at, action="resolve"
        )
        if not changed:
            return number
        cancelled = ledger.cancel_pending(
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
        audit(
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
    registry: Registry,
    *,
    actor: str = "cli",
    now: datetime | None = None,
) -> None:
    """Withdraw the appeal (a new revision, status withdrawn): every pending delivery is
    cancelled; every idempotent channel it is published on publishes again now, which removes
    its page and text and rebuilds the indexes and feeds without it."""
    at = utc(now)
    with store.session() as session:
        _, current = appeals.load_current(session, appeal_id)
        if current.status is AppealStatus.WITHDRAWN:
            return
        withdrawn = _derive(current, at, status=AppealStatus.WITHDRAWN)
        number, _ = appeals.store_revision(
            session, withdrawn, actor=actor, at=at, action="withdraw"
        )
        cancelled = ledger.cancel_pending(session, appeal_id, at, "appeal withdrawn")
        ids = _follow_up(
            session,
            appeal_id,
            number,
            reason="withdraw",
            registry=registry,
            social_update=False,
            at=at,
        )
        audit(
            session,
            at=at,
            actor=actor,
            action="republish",
            subject=f"appeal:{appeal_id}",
            detail={"deliveries": ids, "cancelled": cancelled},
        )
