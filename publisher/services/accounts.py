"""Accounts: add, list and disable users; API tokens; signing in (password or one-time link),
sessions and signing out. The web app and the command line call these; the rules (roles, name
and password rules, lockout) are in :mod:`publisher.domain.accounts`.

Passwords are hashed with argon2id. Tokens, sign-in links and session ids are random, shown
once, and kept only as their SHA-256. A failed sign-in never says whether the name or the
password was wrong, and takes as long either way.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from publisher.domain.accounts import (
    SESSION_IDLE,
    SESSION_LIFETIME,
    SIGN_IN_LINK_LIFETIME,
    Role,
    check_name,
    check_password,
    lockout,
    parse_roles,
    permits,
)
from publisher.errors import Conflict, Forbidden, NotSignedIn, UsageError
from publisher.services._common import utc
from publisher.store import Store
from publisher.store import accounts as users
from publisher.store.accounts import UserView
from publisher.store.audit import audit
from publisher.store.models import SessionRow, TokenRow, UserRow

__all__ = [
    "CurrentSession",
    "SignedIn",
    "UserView",
    "add_user",
    "csrf_matches",
    "disable_user",
    "ensure_first_admin",
    "find_user",
    "issue_api_token",
    "issue_sign_in_link",
    "list_users",
    "require",
    "session_user",
    "set_password",
    "sign_in",
    "sign_in_with_link",
    "sign_out",
    "user_for_token",
]

_REFUSED = "the name or the password is wrong, or the account is locked or disabled"
API_TOKEN_PREFIX = "pub_"


@cache
def _hasher() -> PasswordHasher:
    """argon2id with the RFC 9106 low-memory parameters (argon2-cffi's defaults)."""
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify against when there is no such user, so both refusals take as long."""
    return _hasher().hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class SignedIn:
    """A new browser session: the cookie value (shown once) and its CSRF token."""

    token: str
    csrf_token: str
    user: UserView
    expires_at: datetime


def _valid_name(name: str) -> str:
    try:
        return check_name(name)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _valid_password(password: str) -> str:
    try:
        return check_password(password)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def add_user(
    store: Store,
    name: str,
    roles: Iterable[str | Role],
    *,
    password: str | None = None,
    actor: str = "cli",
    now: datetime | None = None,
) -> UserView:
    """A new user with these roles; with no password, they sign in first with a one-time link
    (:func:`issue_sign_in_link`) and set one. :class:`Conflict` if the name is taken."""
    at = utc(now)
    name = _valid_name(name)
    try:
        held = parse_roles(str(r) for r in roles)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    hashed = None if password is None else _hasher().hash(_valid_password(password))
    with store.session() as session:
        if users.get_by_name(session, name) is not None:
            raise Conflict(f"there is already a user {name!r}")
        row = UserRow(
            name=name,
            roles=",".join(sorted(r.value for r in held)),
            password_hash=hashed,
            disabled=False,
            failed_sign_ins=0,
            created_at=at,
            updated_at=at,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            at=at,
            actor=actor,
            action="add-user",
            subject=f"user:{name}",
            detail={"roles": sorted(r.value for r in held), "password": hashed is not None},
        )
        return users.view(row)


def list_users(store: Store) -> list[UserView]:
    with store.session() as session:
        return users.list_users(session)


def find_user(store: Store, name: str) -> UserView:
    """The user called ``name`` (:class:`NotFound` if there is none)."""
    with store.session() as session:
        return users.view(users.get_user(session, name))


def disable_user(
    store: Store, name: str, *, actor: str = "cli", now: datetime | None = None
) -> UserView:
    """Disable a user: signed out everywhere, their tokens and links revoked."""
    at = utc(now)
    with store.session() as session:
        row = users.get_user(session, name)
        row.disabled = True
        row.updated_at = at
        users.end_sessions_of(session, row.id)
        users.revoke_tokens_of(session, row.id)
        audit(session, at=at, actor=actor, action="disable-user", subject=f"user:{name}")
        return users.view(row)


def set_password(
    store: Store, name: str, password: str, *, actor: str, now: datetime | None = None
) -> None:
    """Set a user's password; their other sessions end."""
    at = utc(now)
    hashed = _hasher().hash(_valid_password(password))
    with store.session() as session:
        row = users.get_user(session, name)
        row.password_hash = hashed
        row.failed_sign_ins = 0
        row.locked_until = None
        row.updated_at = at
        users.end_sessions_of(session, row.id)
        audit(session, at=at, actor=actor, action="set-password", subject=f"user:{name}")


def _new_token(
    store: Store, name: str, kind: str, *, expires: datetime | None, actor: str, at: datetime
) -> str:
    token = secrets.token_urlsafe(32)
    if kind == "api":
        token = API_TOKEN_PREFIX + token
    with store.session() as session:
        row = users.get_user(session, name)
        if row.disabled:
            raise Conflict(f"user {name!r} is disabled")
        session.add(
            TokenRow(
                user_id=row.id,
                kind=kind,
                token_hash=users.digest(token),
                created_at=at,
                expires_at=expires,
                revoked=False,
            )
        )
        audit(session, at=at, actor=actor, action=f"issue-{kind}-token", subject=f"user:{name}")
    return token


def issue_api_token(
    store: Store, name: str, *, actor: str = "cli", now: datetime | None = None
) -> str:
    """A new API bearer token for ``name``, shown only now."""
    at = utc(now)
    return _new_token(store, name, "api", expires=None, actor=actor, at=at)


def issue_sign_in_link(
    store: Store, name: str, *, actor: str = "cli", now: datetime | None = None
) -> str:
    """A one-time sign-in token for ``name`` (the path ``/sign-in/link/TOKEN``), valid for 24
    hours and once."""
    at = utc(now)
    return _new_token(
        store, name, "sign-in", expires=at + SIGN_IN_LINK_LIFETIME, actor=actor, at=at
    )


def ensure_first_admin(store: Store, *, now: datetime | None = None) -> str | None:
    """On a store with no users: create ``admin`` (role admin, no password) and return a
    one-time sign-in token for them. None when there are users already."""
    at = utc(now)
    with store.session() as session:
        if users.count_users(session) > 0:
            return None
    try:
        add_user(store, "admin", [Role.ADMIN], actor="first-start", now=at)
    except Conflict:
        return None  # another process made it first
    return issue_sign_in_link(store, "admin", actor="first-start", now=at)


def user_for_token(store: Store, token: str, *, now: datetime | None = None) -> UserView:
    """The user an API bearer token belongs to; :class:`NotSignedIn` otherwise."""
    at = utc(now)
    with store.session() as session:
        row = users.token_row(session, token, "api")
        if row is None or row.revoked or (row.expires_at is not None and row.expires_at <= at):
            raise NotSignedIn("the token is not valid")
        user = session.get(UserRow, row.user_id)
        if user is None or user.disabled:
            raise NotSignedIn("the token is not valid")
        row.used_at = at
        return users.view(user)


def _open_session(session: Session, user: UserRow, at: datetime) -> SignedIn:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = at + SESSION_LIFETIME
    users.expire_sessions(session, at)
    session.add(
        SessionRow(
            id=users.digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=at,
            expires_at=expires,
            last_seen_at=at,
        )
    )
    return SignedIn(token=token, csrf_token=csrf, user=users.view(user), expires_at=expires)


def sign_in(store: Store, name: str, password: str, *, now: datetime | None = None) -> SignedIn:
    """Check a name and password and open a session. Refusals are all one
    :class:`NotSignedIn` that does not say what was wrong; five failures in a row lock the
    account for a minute, doubling each time (at most an hour)."""
    at = utc(now)
    if len(password) > 1024:
        raise NotSignedIn(_REFUSED)
    with store.session() as session:
        row = users.get_by_name(session, name.strip().lower(), for_update=True)
        if row is None or row.password_hash is None:
            _verify(_dummy_hash(), password)
            raise NotSignedIn(_REFUSED)
        locked = row.locked_until is not None and row.locked_until > at
        good = _verify(row.password_hash, password)
        if not good or locked or row.disabled:
            if not locked:
                row.failed_sign_ins += 1
                pause = lockout(row.failed_sign_ins)
                row.locked_until = None if pause is None else at + pause
            audit(
                session,
                at=at,
                actor=row.name,
                action="sign-in-refused",
                subject=f"user:{row.name}",
                detail={"locked": locked, "failures": row.failed_sign_ins},
            )
            refused = NotSignedIn(_REFUSED)
        else:
            if _hasher().check_needs_rehash(row.password_hash):
                row.password_hash = _hasher().hash(password)
            row.failed_sign_ins = 0
            row.locked_until = None
            signed = _open_session(session, row, at)
            audit(session, at=at, actor=row.name, action="sign-in", subject=f"user:{row.name}")
            return signed
    raise refused  # after the session committed the failure count


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher().verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def sign_in_with_link(store: Store, token: str, *, now: datetime | None = None) -> SignedIn:
    """Use a one-time sign-in link: it works once, within its lifetime, for an enabled user."""
    at = utc(now)
    with store.session() as session:
        row = users.token_row(session, token, "sign-in")
        if (
            row is None
            or row.revoked
            or row.used_at is not None
            or (row.expires_at is not None and row.expires_at <= at)
        ):
            raise NotSignedIn("this sign-in link is not valid: it was used, or it has expired")
        user = session.get(UserRow, row.user_id)
        if user is None or user.disabled:
            raise NotSignedIn("this sign-in link is not valid: it was used, or it has expired")
        row.used_at = at
        signed = _open_session(session, user, at)
        audit(session, at=at, actor=user.name, action="sign-in-link", subject=f"user:{user.name}")
        return signed


@dataclass(frozen=True)
class CurrentSession:
    user: UserView
    csrf_token: str


def session_user(store: Store, token: str, *, now: datetime | None = None) -> CurrentSession:
    """The signed-in user of a session cookie, and its CSRF token; :class:`NotSignedIn` when it
    is unknown, expired, idle too long, or its user was disabled."""
    at = utc(now)
    with store.session() as session:
        row = users.session_row(session, token)
        if row is None:
            raise NotSignedIn("please sign in")
        if row.expires_at <= at or row.last_seen_at + SESSION_IDLE <= at:
            users.delete_session(session, token)
            expired = True
        else:
            expired = False
            user = session.get(UserRow, row.user_id)
            if user is None or user.disabled:
                raise NotSignedIn("please sign in")
            row.last_seen_at = at
            return CurrentSession(user=users.view(user), csrf_token=row.csrf_token)
    assert expired
    raise NotSignedIn("your session has ended: please sign in again")


def sign_out(store: Store, token: str) -> None:
    with store.session() as session:
        users.delete_session(session, token)


def csrf_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a form's CSRF token with the session's."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def require(user: UserView, role: Role) -> None:
    """:class:`Forbidden` unless ``user`` holds ``role`` (or is an admin)."""
    if not permits(user.roles, role):
        raise Forbidden(
            f"this needs the {role.value} role; {user.name} has "
            + (", ".join(user.role_names) or "none")
        )
