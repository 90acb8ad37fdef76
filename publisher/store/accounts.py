"""Users, their tokens and their sessions. Tokens and session ids are kept only as SHA-256
digests: a copy of the database signs nobody in."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from publisher.domain.accounts import Role
from publisher.errors import NotFound
from publisher.store.models import SessionRow, TokenRow, UserRow

__all__ = [
    "UserView",
    "count_users",
    "delete_session",
    "digest",
    "get_by_name",
    "get_user",
    "list_users",
    "session_row",
    "token_row",
    "view",
]


def digest(token: str) -> str:
    """The SHA-256 of a token, as kept in the database."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class UserView:
    """A user as the rest of the system sees it: never the password hash."""

    id: int
    name: str
    roles: frozenset[Role]
    disabled: bool
    has_password: bool
    created_at: datetime

    @property
    def role_names(self) -> tuple[str, ...]:
        return tuple(sorted(role.value for role in self.roles))


def view(row: UserRow) -> UserView:
    return UserView(
        id=row.id,
        name=row.name,
        roles=frozenset(Role(name) for name in row.roles.split(",") if name),
        disabled=row.disabled,
        has_password=row.password_hash is not None,
        created_at=row.created_at,
    )


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)


def get_by_name(session: Session, name: str, *, for_update: bool = False) -> UserRow | None:
    query = select(UserRow).where(UserRow.name == name)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


def get_user(session: Session, name: str) -> UserRow:
    row = get_by_name(session, name)
    if row is None:
        raise NotFound(f"no user {name!r}")
    return row


def list_users(session: Session) -> list[UserView]:
    return [view(r) for r in session.scalars(select(UserRow).order_by(UserRow.name))]


def token_row(session: Session, token: str, kind: str) -> TokenRow | None:
    return session.scalars(
        select(TokenRow).where(TokenRow.token_hash == digest(token), TokenRow.kind == kind)
    ).first()


def session_row(session: Session, token: str) -> SessionRow | None:
    return session.get(SessionRow, digest(token))


def delete_session(session: Session, token: str) -> None:
    session.execute(delete(SessionRow).where(SessionRow.id == digest(token)))


def end_sessions_of(session: Session, user_id: int) -> None:
    """Sign a user out everywhere (disabled, or their password changed)."""
    session.execute(delete(SessionRow).where(SessionRow.user_id == user_id))


def revoke_tokens_of(session: Session, user_id: int) -> None:
    session.execute(
        update(TokenRow)
        .where(TokenRow.user_id == user_id, TokenRow.revoked.is_(False))
        .values(revoked=True)
    )


def expire_sessions(session: Session, now: datetime) -> None:
    session.execute(delete(SessionRow).where(SessionRow.expires_at <= now))
