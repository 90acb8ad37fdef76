"""The audit trail: one row for every change, written in the same transaction as the change."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, cast, insert, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from publisher.store.models import AuditRow, Base, DeliveryRow

__all__ = ["AuditEntry", "audit", "audit_entries", "detail_text"]

_INSERT = insert(Base.metadata.tables[AuditRow.__tablename__])
"""Built once: every change writes one audit row."""


def audit(
    session: Session | Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Add an audit row: who (``actor``) did what (``action``) to which ``subject``, when.

    One INSERT, run at once in the caller's transaction (no ORM object to flush later). The
    publishing path passes its session's connection: the same transaction, without the ORM's
    per-statement work (which costs more than the INSERT itself)."""
    text = detail_text(detail)
    session.execute(
        _INSERT, {"at": at, "actor": actor, "action": action, "subject": subject, "detail": text}
    )


def detail_text(detail: Mapping[str, Any] | None) -> str | None:
    """An audit row's detail as stored: JSON, keys sorted."""
    return None if detail is None else json.dumps(detail, sort_keys=True, default=str)


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit trail, as people read it."""

    id: int
    at: datetime
    """Aware UTC."""
    actor: str
    action: str
    subject: str
    detail: Mapping[str, Any] | None


def _entry(row: AuditRow) -> AuditEntry:
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
    try:
        detail = None if row.detail is None else json.loads(row.detail)
    except ValueError:
        detail = {"text": row.detail}
    return AuditEntry(
        id=row.id,
        at=at.astimezone(UTC),
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        detail=detail if isinstance(detail, Mapping) or detail is None else {"value": detail},
    )


def audit_entries(
    session: Session,
    *,
    subject_prefix: str | None = None,
    subject: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
    appeal_id: str | None = None,
) -> list[AuditEntry]:
    """The newest ``limit`` audit rows, newest first: of subjects starting ``subject_prefix``
    or of exactly ``subject`` when given; of ``appeal_id`` (the appeal and each of its
    deliveries) when given; with ``before_id``, only rows older than that one (the next
    page)."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(max(1, limit))
    if appeal_id is not None:
        its_deliveries = select(literal("delivery:", String) + cast(DeliveryRow.id, String)).where(
            DeliveryRow.appeal_id == appeal_id
        )
        query = query.where(
            or_(AuditRow.subject == f"appeal:{appeal_id}", AuditRow.subject.in_(its_deliveries))
        )
    if subject_prefix is not None:
        escaped = subject_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AuditRow.subject.like(escaped + "%", escape="\\"))
    if subject is not None:
        query = query.where(AuditRow.subject == subject)
    if before_id is not None:
        query = query.where(AuditRow.id < before_id)
    return [_entry(row) for row in session.scalars(query)]
