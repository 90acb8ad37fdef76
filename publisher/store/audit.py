"""The audit trail: one row for every change, written in the same transaction as the change."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from publisher.store.models import AuditRow

__all__ = ["audit"]


def audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Add an audit row: who (``actor``) did what (``action``) to which ``subject``, when."""
    text = None if detail is None else json.dumps(detail, sort_keys=True, default=str)
    session.add(AuditRow(at=at, actor=actor, action=action, subject=subject, detail=text))
