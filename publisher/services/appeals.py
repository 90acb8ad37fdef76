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
from publisher.domain.approval import ApprovalKind
from publisher.domain.delivery import PART_MAIN, PART_UPDATE
from publisher.domain.record import Appeal, AppealStatus, translatable_digest
from publisher.errors import (
    AppealExists,
    InvalidTransition,
    NotApproved,
    NotReadyToPublish,
    Problem,
    RecordInvalid,
    UnknownChannel,
    UsageError,
)
from publisher.services._common import utc
from publisher.store import Store, appeals, approvals, ledger
from publisher.store.appeals import AppealSummary, RevisionSummary

if TYPE_CHECKING:
    from publisher.lint import Finding
from publisher.store.audit import audit

__all__ = [
    "AppealSummary",
    "Edit",
    "Readiness",
    "RevisionSummary",
    "check_ready",
    "check_schedulable",
    "create_appeal",
    "current_appeal",
    "edit_appeal",
    "follow_up",
    "gate",
    "import_appeal",
    "lint_findings",
    "list_appeals",
    "mark_translation_current",
    "not_approved",
    "planned_deletions",
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


def not_approved(appeal_id: str, revision: int, live: int | None) -> NotApproved:
    """The refusal for a revision that waits for approval, saying how to get one."""
    standing = (
        "nothing of it has been approved yet"
        if live is None
        else f"revision {live} is the one that goes out until then"
    )
    return NotApproved(
        f"revision {revision} of appeal {appeal_id!r} is not approved yet ({standing}): "
        "someone with the approver role other than its author must approve it, in the web "
        f"app or with `publisher approve {appeal_id} --as NAME`"
    )


def gate(session: Session, appeal_id: str, registry: Registry) -> tuple[int, Appeal]:
    """The current revision, if it may go out: not withdrawn, passing the checks, and approved
    (by someone other than its author), for the scheduling use cases."""
    revision, appeal = appeals.load_current(session, appeal_id)
    if appeal.status is AppealStatus.WITHDRAWN:
        raise InvalidTransition(f"appeal {appeal_id!r} is withdrawn: it cannot be published")
    check_ready(appeal, registry)  # first: errors to fix say more than "not approved yet"
    if approvals.approval_of(session, appeal_id, revision) is None:
        live = approvals.revision_info(session, appeal_id, revision).live
        raise not_approved(appeal_id, revision, live)
    return revision, appeal


def check_schedulable(store: Store, registry: Registry, appeal_id: str) -> Readiness:
    """Whether the appeal's current revision may be scheduled now (the gate, read only):
    :class:`NotApproved`, :class:`NotReadyToPublish` or :class:`InvalidTransition` if not."""
    with store.session() as session:
        _, appeal = gate(session, appeal_id, registry)
    return check_ready(appeal, registry)


# ------------------------------------------------------------------------------ importing


def import_appeal(
    store: Store, appeal: Appeal, *, actor: str = "cli", now: datetime | None = None
) -> int:
    """Store ``appeal`` as a new revision if its content differs from the current one.

    Returns the current revision number (1, 2, …); the stored record carries it. The
    ``revision`` and ``source`` fields of ``appeal`` are not content and are ignored.
    Two processes importing the same new appeal at once both succeed with one revision.
    Importing is not publishing: ``actor`` is the new revision's author, and it goes out only
    once someone else approves it; the checks run when it is approved and scheduled.
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
    languages: Sequence[str] = (),
) -> list[Finding]:
    """What ``publisher check`` says of ``appeal``: the import's warnings, the checks of the
    record (at the source ``lines`` when known), of its translations against the force's
    ``languages`` (``Settings.languages``), and of what every channel with platform limits
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
    findings.extend(lint_appeal(appeal, lines=lines, languages=languages))
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


def follow_up(
    session: Session,
    appeal_id: str,
    revision: int,
    *,
    reason: str,
    registry: Registry,
    social_update: bool,
    at: datetime,
) -> list[int]:
    """When a new revision becomes live (approved): republish every idempotent channel the
    appeal is published on, now; with ``social_update``, an UPDATE reply on every other channel
    it is published on that can post one."""
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


def _deletes_posts(name: str, registry: Registry) -> bool:
    try:
        return registry.get(name).deletes_posts
    except UnknownChannel:
        return False


Deletion = tuple[str, str, tuple[str, ...]]
"""(channel, target, the remote ids of the posts to delete there, newest first)."""


def _deletions(
    session: Session, appeal_id: str, registry: Registry, *, withdraw: bool
) -> list[Deletion]:
    """The posts of the appeal to delete, per channel and target that ``deletes_posts``.

    - withdraw: every post of the appeal (main threads, UPDATE replies, the resolution);
    - resolve: every post that carries personal details or the photo. The rule is the web and
      text channels': a resolved appeal keeps its title and resolution line only, so every
      post made from a revision that was not resolved (the whole main thread, its image, and
      every UPDATE reply, which repeats the lead and summary) is deleted; a resolution posted
      for an earlier resolved revision stays.

    Posts already deleted, or that a deletion not cancelled or failed is still to delete, are
    left out. Deleting newest first takes replies down before what they answer."""
    found: dict[tuple[str, str], list[str]] = {}
    unresolved: dict[int, bool] = {}
    for posted in ledger.posted_deliveries(session, appeal_id):
        if not _deletes_posts(posted.channel, registry):
            continue
        if not withdraw:
            if posted.revision not in unresolved:
                record = appeals.load_revision(session, appeal_id, posted.revision)
                unresolved[posted.revision] = record.status is not AppealStatus.RESOLVED
            if not unresolved[posted.revision]:
                continue
        found.setdefault((posted.channel, posted.target), []).extend(posted.remote_ids)
    plan: list[Deletion] = []
    for (channel, target), ids in sorted(found.items()):
        done = ledger.deleted_ids(session, appeal_id, channel, target)
        todo = tuple(i for i in reversed(list(dict.fromkeys(ids))) if i not in done)
        if todo:
            plan.append((channel, target, todo))
    return plan


def planned_deletions(
    store: Store, appeal_id: str, registry: Registry, *, withdraw: bool
) -> list[Deletion]:
    """What resolving (or, with ``withdraw``, withdrawing) the appeal now would delete, per
    channel and target: for the confirmation pages."""
    with store.session(read_only=True) as session:
        return _deletions(session, appeal_id, registry, withdraw=withdraw)


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
    """Store a new revision of a stored appeal, by ``actor``; returns its number. It waits for
    approval: until someone other than ``actor`` approves it, the live revision keeps going
    out. When it is approved, every idempotent channel it is published on republishes it (and,
    with ``social_update``, an UPDATE reply goes to the social channels). The checks run then
    too, so a draft with errors can be saved and fixed. A withdrawn appeal is refused."""
    del registry  # the checks and the republishing happen at approval
    at = utc(now)
    with store.session() as session:
        if appeals.status_of(session, appeal.id) == AppealStatus.WITHDRAWN:
            raise InvalidTransition(f"appeal {appeal.id!r} is withdrawn: it cannot be updated")
        number, _ = appeals.store_revision(
            session, appeal, actor=actor, at=at, action="update", announce=social_update
        )
        return number


def _base(session: Session, appeal_id: str) -> tuple[Appeal, bool]:
    """What resolving or withdrawing starts from: the live revision when there is one (an
    edit still waiting for approval is set aside, never published by the back door), else the
    current one; and whether it was the live one."""
    live = approvals.load_live(session, appeal_id)
    if live is not None:
        return live[1], True
    return appeals.load_current(session, appeal_id)[1], False


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
    """Mark the appeal resolved with a resolution line (a new revision, from the live one: an
    edit still waiting for approval is set aside). Pending posts on channels that are not
    idempotent are cancelled; idempotent channels republish now (their resolved rendering
    drops personal details and the photo). On every channel that ``deletes_posts``, the posts
    that carried personal details or the photo are deleted, each channel and target by a
    deletion delivery of its own (planned in this transaction, never cancelled), and the
    resolution is posted there as a new post; with ``social_update``, an UPDATE reply on the
    other channels that can post one.

    When a revision of the appeal is live, the resolution is approved at once (kind
    ``resolution``, audited): it adds one line and takes personal details down, which must
    not wait for a second person. When nothing of it was ever approved, nothing is out, and
    the resolved revision waits for approval like any other."""
    at = utc(now)
    text = " ".join(resolution.split())
    if not text:
        raise RecordInvalid(
            "a resolution line is needed, e.g. 'Sam has been found.'", field="resolution"
        )
    with store.session() as session:
        if appeals.status_of(session, appeal_id) == AppealStatus.WITHDRAWN:
            raise InvalidTransition(f"appeal {appeal_id!r} is withdrawn: it cannot be resolved")
        current, was_live = _base(session, appeal_id)
        resolved = _derive(current, at, status=AppealStatus.RESOLVED, resolution=text)
        number, changed = appeals.store_revision(
            session, resolved, actor=actor, at=at, action="resolve"
        )
        if not changed:
            return number
        if not was_live:
            return number  # nothing of it is out: the resolution waits for approval too
        approvals.record_approval(
            session,
            appeal_id,
            number,
            kind=ApprovalKind.RESOLUTION,
            approved_by=actor,
            reason=text,
            at=at,
        )
        cancelled = ledger.cancel_pending(
            session,
            appeal_id,
            at,
            "appeal resolved",
            only=lambda name: not _idempotent(name, registry),
        )
        deletions = _deletions(session, appeal_id, registry, withdraw=False)
        deleted = ledger.create_deletions(
            session, appeal_id, number, deletions, reason="resolve", at=at
        )
        ids = follow_up(
            session,
            appeal_id,
            number,
            reason="resolve",
            registry=registry,
            social_update=social_update,
            at=at,
        )
        # Where posts are deleted, the resolution is posted even without ``social_update``
        # (a new post, since what it would answer is gone): an appeal that vanishes without
        # a word would leave people looking.
        answered = {
            (name, target)
            for name, target in ledger.published_pairs(session, appeal_id)
            if social_update and not _idempotent(name, registry) and _can_update(name, registry)
        }
        announce: list[ledger.Plan] = [
            (name, target, PART_UPDATE, f"update-r{number}", at)
            for name, target, _ in deletions
            if (name, target) not in answered and _can_update(name, registry)
        ]
        if announce:
            ids.extend(
                ledger.create_deliveries(
                    session, appeal_id, number, announce, campaign_id=None, at=at
                )
            )
        audit(
            session,
            at=at,
            actor=actor,
            action="republish",
            subject=f"appeal:{appeal_id}",
            detail={"deliveries": ids, "cancelled": cancelled, "deletions": deleted},
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
    """Withdraw the appeal (a new revision, status withdrawn, approved at once: taking things
    down never waits for a second person): every pending delivery is cancelled (deletions
    excepted); every idempotent channel it is published on publishes again now, which removes
    its page and text and rebuilds the indexes and feeds without it; every post of it on a
    channel that ``deletes_posts`` is deleted, by a deletion delivery per channel and target."""
    at = utc(now)
    with store.session() as session:
        if appeals.status_of(session, appeal_id) == AppealStatus.WITHDRAWN:
            return
        current, _ = _base(session, appeal_id)
        withdrawn = _derive(current, at, status=AppealStatus.WITHDRAWN)
        number, _ = appeals.store_revision(
            session, withdrawn, actor=actor, at=at, action="withdraw"
        )
        approvals.record_approval(
            session,
            appeal_id,
            number,
            kind=ApprovalKind.WITHDRAWAL,
            approved_by=actor,
            reason=None,
            at=at,
        )
        cancelled = ledger.cancel_pending(session, appeal_id, at, "appeal withdrawn")
        deleted = ledger.create_deletions(
            session,
            appeal_id,
            number,
            _deletions(session, appeal_id, registry, withdraw=True),
            reason="withdraw",
            at=at,
        )
        ids = follow_up(
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
            detail={"deliveries": ids, "cancelled": cancelled, "deletions": deleted},
        )


# -------------------------------------------------------------------------------- editing


def create_appeal(
    store: Store, appeal: Appeal, *, actor: str = "web", now: datetime | None = None
) -> int:
    """Store a new appeal as its revision 1 (the web editor's "New appeal"). Unlike
    :func:`import_appeal`, which stores a new revision of an appeal that has the same id, this
    refuses one whose id is taken (:class:`AppealExists`): a new appeal that happened to share
    an address with another must not overwrite it. Like importing, it checks nothing: the
    checks run when the appeal is scheduled."""
    at = utc(now)
    taken = AppealExists(
        f"an appeal with the id {appeal.id!r} already exists: edit it, or give this one another id",
        appeal_id=appeal.id,
    )
    try:
        with store.session() as session:
            if appeals.status_of(session, appeal.id) is not None:
                raise taken
            return appeals.store_revision(session, appeal, actor=actor, at=at, action="import")[0]
    except IntegrityError as exc:  # created by another request between our look and insert
        raise taken from exc


@dataclass(frozen=True)
class Edit:
    """What :func:`edit_appeal` did: the current revision, whether it is new, and whether the
    appeal was live (published or scheduled somewhere), so that the edit was an update."""

    revision: int
    changed: bool
    live: bool


def edit_appeal(
    store: Store,
    appeal: Appeal,
    registry: Registry,
    *,
    actor: str = "web",
    now: datetime | None = None,
) -> Edit:
    """Store an edit of an existing appeal (the web editor), as a new revision only if its
    content changed. Like every new revision, it waits for approval by someone other than
    ``actor``; the checks' findings are shown to the author, and enforced when it is approved.

    - A draft (nothing published or scheduled on any channel) is stored as it is, like an
      import.
    - An appeal that is published or scheduled is updated (:func:`update_appeal`): once the
      edit is approved, the idempotent channels it is published on publish it again. If it is
      published and the edit changes its content without giving an updated time, its updated
      time becomes now, so that feeds and pages say it changed.
    - A withdrawn appeal cannot be edited (:class:`InvalidTransition`).
    """
    at = utc(now)
    with store.session() as session:
        _, current = appeals.load_current(session, appeal.id)
        published = bool(ledger.published_pairs(session, appeal.id))
        live = published or ledger.has_pending(session, appeal.id)
    if current.status is AppealStatus.WITHDRAWN:
        raise InvalidTransition(f"appeal {appeal.id!r} is withdrawn: it cannot be edited")
    if appeals.same_content(current, appeal):
        return Edit(revision=current.revision, changed=False, live=live)
    if not live:
        number = import_appeal(store, appeal, actor=actor, now=at)
        return Edit(revision=number, changed=True, live=False)
    if published and appeal.updated_at in (None, current.updated_at):
        data = appeal.model_dump()
        data["updated_at"] = max(at, appeal.published_at)
        appeal = Appeal.model_validate(data)
    number = update_appeal(store, appeal, registry, actor=actor, now=at)
    return Edit(revision=number, changed=True, live=True)


def mark_translation_current(
    store: Store,
    appeal_id: str,
    locale: str,
    *,
    actor: str = "web",
    now: datetime | None = None,
) -> Edit:
    """Record that the ``locale`` translation of the current revision says what its primary
    language says now (``source_digest`` becomes :func:`translatable_digest` of the primary
    words), as a new revision by ``actor`` that waits for approval like every edit, audited as
    ``mark-translation-current``. Nothing else changes (not the updated time: no words did).
    Already current: nothing is stored. :class:`UsageError` for a locale the appeal has no
    translation in; :class:`InvalidTransition` for a withdrawn appeal."""
    at = utc(now)
    with store.session() as session:
        _, current = appeals.load_current(session, appeal_id)
        if current.status is AppealStatus.WITHDRAWN:
            raise InvalidTransition(f"appeal {appeal_id!r} is withdrawn: it cannot be edited")
        live = bool(ledger.published_pairs(session, appeal_id)) or ledger.has_pending(
            session, appeal_id
        )
        translation = current.translation(locale)
        if translation is None:
            raise UsageError(f"appeal {appeal_id!r} has no {locale!r} translation to mark")
        digest = translatable_digest(current)
        if translation.source_digest == digest:
            return Edit(revision=current.revision, changed=False, live=live)
        marked = current.model_copy(
            update={
                "translations": tuple(
                    tr.model_copy(update={"source_digest": digest}) if tr.locale == locale else tr
                    for tr in current.translations
                )
            }
        )
        number, changed = appeals.store_revision(
            session,
            marked,
            actor=actor,
            at=at,
            action="mark-translation-current",
            note={"locale": locale, "source_digest": digest},
        )
        return Edit(revision=number, changed=changed, live=live)
