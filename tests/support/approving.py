"""Approving revisions in tests the way the product does: a real approver account, and the
real :func:`publisher.services.approve` with its two-person rule and checks."""

from __future__ import annotations

from datetime import datetime

from publisher import services
from publisher.bootstrap import build_registry
from publisher.channel.registry import Registry
from publisher.domain.record import Appeal
from publisher.errors import NotFound
from publisher.services.accounts import add_user, find_user
from publisher.settings import Settings
from publisher.store import Store
from publisher.store.accounts import UserView

__all__ = ["APPROVER", "approve_current", "approver", "import_approved"]

APPROVER = "test-approver"
"""The approver account tests approve as (never the author: authors are ``cli`` and others)."""


def approver(store: Store, name: str = APPROVER) -> UserView:
    """The approver account, created on first use."""
    try:
        return find_user(store, name)
    except NotFound:
        return add_user(store, name, ["approver"], actor="test")


def approve_current(
    store: Store,
    appeal_id: str,
    *,
    registry: Registry | None = None,
    now: datetime | None = None,
) -> services.Approved:
    """Approve the appeal's current revision as :data:`APPROVER`."""
    return services.approve(
        store,
        registry if registry is not None else build_registry(Settings()),
        appeal_id,
        user=approver(store),
        now=now,
    )


def import_approved(
    store: Store,
    appeal: Appeal,
    *,
    registry: Registry | None = None,
    now: datetime | None = None,
    actor: str = "cli",
) -> int:
    """Import ``appeal`` and approve its current revision; the revision number."""
    revision = services.import_appeal(store, appeal, actor=actor, now=now)
    approve_current(store, appeal.id, registry=registry, now=now)
    return revision
