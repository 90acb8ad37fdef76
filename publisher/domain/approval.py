"""Approval: the two-person rule every revision passes before it goes out.

A revision is published only once it is approved. Pure: who may approve what, and how an
approval is recorded; the store keeps approvals, the services apply the rule.

The ways a revision becomes approved (:class:`ApprovalKind`):

- ``approved``: someone with the approver role (or an admin) who is not its author approved it;
- ``urgent``: an admin published it at once, with a written reason (a missing child), without
  a second person: audited and shown beside the appeal;
- ``command-line``: whoever runs ``publisher run --approve`` on the server approved the files
  they gave it (the command line is trusted: it holds the database's credentials);
- ``withdrawal``: withdrawing only takes things down, so it is never held for approval;
- ``resolution``: resolving an approved revision only adds the resolution line and takes
  personal details and the photo down, which must not wait for a second person;
- ``migrated``: revisions that were already going out before approvals existed.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from publisher.domain.accounts import Role, permits

__all__ = [
    "MIN_URGENT_REASON",
    "ApprovalKind",
    "refusal",
    "urgent_reason",
]


class ApprovalKind(StrEnum):
    APPROVED = "approved"
    URGENT = "urgent"
    COMMAND_LINE = "command-line"
    WITHDRAWAL = "withdrawal"
    RESOLUTION = "resolution"
    MIGRATED = "migrated"


MIN_URGENT_REASON = 10
"""An urgent publication's reason has at least this many characters: a sentence, not "x"."""


def refusal(*, approver: str, roles: Iterable[Role], author: str | None) -> str | None:
    """Why ``approver`` (holding ``roles``) may not approve a revision stored by ``author``, or
    None when they may. An admin is an approver too; nobody approves their own revision (an
    admin who must publish their own at once publishes it urgently, with a reason)."""
    if not permits(roles, Role.APPROVER):
        return f"approving needs the approver role; {approver} does not have it"
    if author is not None and author == approver:
        return (
            f"{approver} wrote this revision: someone else with the approver role must approve it"
        )
    return None


def urgent_reason(text: str) -> str:
    """The reason for an urgent publication, with its spaces tidied; ValueError when it is too
    short to tell anyone why."""
    reason = " ".join(text.split())
    if len(reason) < MIN_URGENT_REASON:
        raise ValueError(
            "say why this cannot wait for a second person, in a sentence "
            f"(at least {MIN_URGENT_REASON} characters), e.g. 'Missing child, high risk'"
        )
    return reason
