"""Appeals and their revisions: the current record of each appeal, and its history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from publisher.domain.delivery import DeliveryState
from publisher.domain.record import Appeal
from publisher.errors import UnknownAppeal
from publisher.store.audit import audit
from publisher.store.models import AppealRevisionRow, AppealRow, DeliveryRow

__all__ = ["load_current", "site_appeals", "status_of", "store_revision"]


def status_of(session: Session, appeal_id: str) -> str | None:
    """The appeal's current status, or None when there is no such appeal."""
    row = session.get(AppealRow, appeal_id)
    return None if row is None else row.status


def load_current(session: Session, appeal_id: str) -> tuple[int, Appeal]:
    """(current revision number, the appeal at that revision); :class:`UnknownAppeal` if none."""
    row = session.get(AppealRow, appeal_id)
    if row is None:
        raise UnknownAppeal(f"no appeal {appeal_id!r} in the store: import it first")
    revision = session.get(AppealRevisionRow, (appeal_id, row.current_revision))
    if revision is None:  # the foreign keys make this impossible short of manual edits
        raise UnknownAppeal(f"appeal {appeal_id!r} has lost revision {row.current_revision}")
    return row.current_revision, Appeal.from_json(revision.record_json)


def _same_content(a: Appeal, b: Appeal) -> bool:
    skip = {"revision", "source"}
    return a.model_dump(mode="json", exclude=skip) == b.model_dump(mode="json", exclude=skip)


def store_revision(
    session: Session, appeal: Appeal, *, actor: str, at: datetime, action: str
) -> tuple[int, bool]:
    """Store ``appeal`` as a new revision if its content differs; (revision, changed)."""
    row = session.get(AppealRow, appeal.id, with_for_update=True)
    if row is None:
        number = 1
        session.add(
            AppealRow(
                id=appeal.id,
                current_revision=number,
                status=appeal.status.value,
                area=appeal.area,
                created_at=at,
                updated_at=at,
            )
        )
        session.flush()
        detail: dict[str, object] = {"revision": number, "source": appeal.source}
    else:
        _, current = load_current(session, appeal.id)
        if _same_content(current, appeal):
            return row.current_revision, False
        number = row.current_revision + 1
        row.current_revision = number
        row.status = appeal.status.value
        row.area = appeal.area
        row.updated_at = at
        detail = {"revision": number, "status": appeal.status.value, "source": appeal.source}
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
    audit(session, at=at, actor=actor, action=action, subject=f"appeal:{appeal.id}", detail=detail)
    return number, True


def site_appeals(
    session: Session, *, channel: str, target: str, including: str | None = None
) -> list[Appeal]:
    """The appeals a site channel's indexes and feeds are built from, at their current revision,
    in one query: every appeal with a published delivery on ``channel``/``target``, plus
    ``including`` (the appeal being published now). Withdrawn appeals are included so that
    site channels can account for them (a feed's ``updated`` moves when an entry leaves); the
    built-in channels list only live ones. Ordered by appeal id."""
    published = exists().where(
        DeliveryRow.appeal_id == AppealRow.id,
        DeliveryRow.channel == channel,
        DeliveryRow.target == target,
        DeliveryRow.state == DeliveryState.PUBLISHED.value,
    )
    wanted = published if including is None else or_(published, AppealRow.id == including)
    query = (
        select(AppealRevisionRow.record_json)
        .join(
            AppealRow,
            and_(
                AppealRow.id == AppealRevisionRow.appeal_id,
                AppealRow.current_revision == AppealRevisionRow.revision,
            ),
        )
        .where(wanted)
        .order_by(AppealRow.id)
    )
    return [Appeal.from_json(text) for text in session.scalars(query)]
