"""Subscriptions to alerts: every query about them. Addresses are personal data: they leave
this module only in :func:`recipients` (to send) and :func:`addresses` (for admins)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from publisher.store.models import SubscriptionRow, SubscriptionTokenRow

__all__ = [
    "LanguageCount",
    "Subscriber",
    "SubscriptionCount",
    "add",
    "addresses",
    "confirm",
    "counts",
    "digest",
    "find_by_token",
    "language_counts",
    "recipients",
    "unsubscribe",
]

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _token(session: Session, row: SubscriptionRow, purpose: str, at: datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        SubscriptionTokenRow(
            digest=digest(token), subscription_id=row.id, purpose=purpose, created_at=at
        )
    )
    return token


@dataclass(frozen=True)
class Subscriber:
    uid: str
    kind: str
    address: str
    area: str
    topic: str
    confirmed: bool
    token: str | None = None
    language: str = ""
    """The language code alerts go in; ``""`` for the force's primary language."""
    """A fresh token (confirmation, or unsubscribe for an alert), when one was just made."""

    def __repr__(self) -> str:  # never the address
        return f"Subscriber(uid={self.uid!r}, kind={self.kind!r}, area={self.area!r})"


def _subscriber(row: SubscriptionRow, token: str | None = None) -> Subscriber:
    return Subscriber(
        uid=row.uid,
        kind=row.kind,
        address=row.address,
        area=row.area,
        topic=row.topic,
        confirmed=row.confirmed_at is not None,
        token=token,
        language=row.language,
    )


def add(
    session: Session,
    *,
    kind: str,
    address: str,
    area: str,
    topic: str,
    at: datetime,
    language: str = "",
) -> Subscriber:
    """A subscription for this address (made if new). Unconfirmed: with a new confirmation
    token (the old one no longer works) and ``language`` as now chosen. Confirmed already: no
    token (nothing to confirm) and its language unchanged (whoever knows an address must not
    be able to change what its owner receives without their confirmation)."""
    row = session.scalars(
        select(SubscriptionRow).where(
            SubscriptionRow.kind == kind,
            SubscriptionRow.address == address,
            SubscriptionRow.area == area,
            SubscriptionRow.topic == topic,
        )
    ).one_or_none()
    if row is None:
        row = SubscriptionRow(
            uid=secrets.token_hex(16),
            kind=kind,
            address=address,
            area=area,
            topic=topic,
            language=language,
            created_at=at,
            confirmed_at=None,
        )
        session.add(row)
        session.flush()
    if row.confirmed_at is not None:
        return _subscriber(row)
    row.language = language
    session.execute(
        delete(SubscriptionTokenRow).where(
            SubscriptionTokenRow.subscription_id == row.id,
            SubscriptionTokenRow.purpose == CONFIRM,
        )
    )
    return _subscriber(row, _token(session, row, CONFIRM, at))


def _by_token(session: Session, token: str, purpose: str) -> SubscriptionRow | None:
    found = session.get(SubscriptionTokenRow, digest(token))
    if found is None or found.purpose != purpose:
        return None
    return session.get(SubscriptionRow, found.subscription_id)


def confirm(session: Session, token: str, *, at: datetime) -> Subscriber | None:
    """Confirm the subscription of a confirmation token (used up); None when the token is
    unknown."""
    row = _by_token(session, token, CONFIRM)
    if row is None:
        return None
    session.execute(
        delete(SubscriptionTokenRow).where(SubscriptionTokenRow.digest == digest(token))
    )
    if row.confirmed_at is None:
        row.confirmed_at = at
    return _subscriber(row)


def find_by_token(session: Session, token: str) -> Subscriber | None:
    """The subscription an unsubscribe link is for, or None."""
    row = _by_token(session, token, UNSUBSCRIBE)
    return None if row is None else _subscriber(row)


def unsubscribe(session: Session, token: str) -> bool:
    """Delete the subscription of an unsubscribe token (and all its tokens). False when the
    token is unknown (already unsubscribed)."""
    row = _by_token(session, token, UNSUBSCRIBE)
    if row is None:
        return False
    session.execute(
        delete(SubscriptionTokenRow).where(SubscriptionTokenRow.subscription_id == row.id)
    )
    session.delete(row)
    return True


def recipients(
    session: Session, area: str, topics: Sequence[str], *, at: datetime
) -> list[Subscriber]:
    """The confirmed subscribers of ``area`` (no topic, or one of ``topics``), each with a new
    unsubscribe token for the message about to be sent."""
    rows = session.scalars(
        select(SubscriptionRow)
        .where(
            SubscriptionRow.area == area,
            SubscriptionRow.confirmed_at.is_not(None),
            SubscriptionRow.topic.in_(["", *topics]),
        )
        .order_by(SubscriptionRow.id)
    ).all()
    return [_subscriber(row, _token(session, row, UNSUBSCRIBE, at)) for row in rows]


@dataclass(frozen=True)
class SubscriptionCount:
    area: str
    topic: str
    kind: str
    confirmed: int
    unconfirmed: int


def counts(session: Session) -> list[SubscriptionCount]:
    """How many subscribe to each area and topic, by kind: no addresses."""
    confirmed = func.count(SubscriptionRow.confirmed_at)
    total = func.count(SubscriptionRow.id)
    rows = session.execute(
        select(SubscriptionRow.area, SubscriptionRow.topic, SubscriptionRow.kind, confirmed, total)
        .group_by(SubscriptionRow.area, SubscriptionRow.topic, SubscriptionRow.kind)
        .order_by(SubscriptionRow.area, SubscriptionRow.topic, SubscriptionRow.kind)
    ).all()
    return [
        SubscriptionCount(area, topic, kind, int(c), int(t) - int(c))
        for area, topic, kind, c, t in rows
    ]


@dataclass(frozen=True)
class LanguageCount:
    language: str
    """A language code, or ``""`` for the force's primary language."""
    confirmed: int
    unconfirmed: int


def language_counts(session: Session) -> list[LanguageCount]:
    """How many subscribe in each language they chose: no addresses."""
    confirmed = func.count(SubscriptionRow.confirmed_at)
    total = func.count(SubscriptionRow.id)
    rows = session.execute(
        select(SubscriptionRow.language, confirmed, total)
        .group_by(SubscriptionRow.language)
        .order_by(SubscriptionRow.language)
    ).all()
    return [LanguageCount(language, int(c), int(t) - int(c)) for language, c, t in rows]


def addresses(session: Session) -> list[Subscriber]:
    """Every subscription with its address (for admins only; the caller checks)."""
    rows = session.scalars(
        select(SubscriptionRow).order_by(SubscriptionRow.area, SubscriptionRow.id)
    )
    return [_subscriber(row) for row in rows]
