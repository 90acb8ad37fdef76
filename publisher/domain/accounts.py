"""Who may do what: the roles of the people who use publisher, and the rules for names and
passwords. Pure: the store keeps the accounts, the services check them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from enum import StrEnum

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "SESSION_IDLE",
    "SESSION_LIFETIME",
    "SIGN_IN_LINK_LIFETIME",
    "Role",
    "check_name",
    "check_password",
    "lockout",
    "parse_roles",
    "permits",
]


class Role(StrEnum):
    AUTHOR = "author"
    """Writes appeals and their revisions; schedules approved ones."""
    APPROVER = "approver"
    """Approves other people's revisions."""
    OPERATOR = "operator"
    """Watches and fixes deliveries: retry, cancel, confirm, re-enable a channel."""
    ADMIN = "admin"
    """Everything, including users and urgent publication."""


MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
"""Long enough for any passphrase; short enough that hashing it cannot be used to tie us up."""
SESSION_LIFETIME = timedelta(hours=12)
"""A signed-in session ends this long after sign-in, however busy."""
SESSION_IDLE = timedelta(hours=2)
"""…or this long after its last request."""
SIGN_IN_LINK_LIFETIME = timedelta(hours=24)
"""A one-time sign-in link (the first admin's, or one an admin makes) works this long, once."""
LOCKOUT_AFTER = 5
"""Failed sign-ins in a row before the account is locked for a while."""
LOCKOUT_CAP = timedelta(hours=1)

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def check_name(name: str) -> str:
    """A user name: 1 to 63 lower-case letters, digits, dots, dashes or underscores, starting
    with a letter or digit. Raises ValueError saying what is wrong."""
    text = name.strip()
    if not _NAME.match(text):
        raise ValueError(
            f"{name!r} is not a user name: use 1 to 63 lower-case letters, digits, '.', '-' or '_',"
            " starting with a letter or digit"
        )
    return text


def check_password(password: str) -> str:
    """At least 12 characters (a passphrase is best); at most 1024. Raises ValueError."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(
            f"the password has {len(password)} characters; it needs at least "
            f"{MIN_PASSWORD_LENGTH} (a few words make a good one)"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    return password


def parse_roles(names: Iterable[str]) -> frozenset[Role]:
    """Roles from their names (``author``, ``approver``, ``operator``, ``admin``); at least one.
    Raises ValueError naming an unknown role."""
    roles: set[Role] = set()
    for name in names:
        for part in name.split(","):
            part = part.strip().lower()
            if not part:
                continue
            try:
                roles.add(Role(part))
            except ValueError:
                known = ", ".join(r.value for r in Role)
                raise ValueError(f"unknown role {part!r}; roles are {known}") from None
    if not roles:
        raise ValueError("give at least one role: " + ", ".join(r.value for r in Role))
    return frozenset(roles)


def permits(roles: Iterable[Role], needed: Role) -> bool:
    """Whether someone with ``roles`` may act as ``needed``: their own roles, or admin."""
    held = set(roles)
    return needed in held or Role.ADMIN in held


def lockout(failures: int) -> timedelta | None:
    """How long an account stays locked after ``failures`` failed sign-ins in a row: none
    before the fifth, then one minute, doubling each time, at most an hour."""
    if failures < LOCKOUT_AFTER:
        return None
    return min(timedelta(minutes=1) * (1 << min(failures - LOCKOUT_AFTER, 10)), LOCKOUT_CAP)
