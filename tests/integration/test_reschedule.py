"""Moving a scheduled delivery (``services.reschedule``): cancel and plan again in one
transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from publisher import errors, services
from publisher.bootstrap import Registry
from publisher.store import Store
from publisher.store.models import AuditRow
from tests.integration.db_fixtures import sample_appeal
from tests.support.approving import import_approved

pytestmark = pytest.mark.integration

T0 = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
FIRST = datetime(2026, 10, 30, 7, 15, tzinfo=UTC)
LATER = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _by_id(store: Store, appeal_id: str) -> dict[int, services.DeliveryView]:
    return {v.id: v for v in services.list_deliveries(store, appeal_id=appeal_id, now=T0)}


def test_reschedule_cancels_and_plans_the_same_channel_at_the_new_time(
    store: Store, registry: Registry
) -> None:
    import_approved(store, sample_appeal("move-me"), now=T0)
    (first,) = services.schedule(
        store, registry, "move-me", ["web"], [FIRST], campaign="autumn", actor="alex", now=T0
    )
    moved = services.reschedule(store, registry, first, LATER, actor="alex", now=T0)
    assert moved != first
    shown = _by_id(store, "move-me")
    assert shown[first].state == "cancelled"
    new = shown[moved]
    assert (new.state, new.channel, new.target, new.part) == (
        "scheduled",
        "web",
        "default",
        services.PART_MAIN,
    )
    assert new.due_at.replace(tzinfo=UTC) == LATER
    with store.session() as session:
        actions = [
            (r.actor, r.action, r.subject)
            for r in session.scalars(select(AuditRow).order_by(AuditRow.id))
        ]
    assert ("alex", "cancel", f"delivery:{first}") in actions
    assert ("alex", "reschedule", "appeal:move-me") in actions


def test_reschedule_refuses_anything_but_a_scheduled_delivery(
    store: Store, registry: Registry
) -> None:
    import_approved(store, sample_appeal("stay-put"), now=T0)
    (first,) = services.schedule(store, registry, "stay-put", ["web"], [FIRST], now=T0)
    services.cancel(store, first, now=T0)
    with pytest.raises(errors.InvalidTransition, match="cancelled"):
        services.reschedule(store, registry, first, LATER, now=T0)
    with pytest.raises(errors.UnknownDelivery):
        services.reschedule(store, registry, 999_999, LATER, now=T0)
    assert len(_by_id(store, "stay-put")) == 1


def test_reschedule_changes_nothing_when_refused(store: Store, registry: Registry) -> None:
    import_approved(store, sample_appeal("busy"), now=T0)
    first, second = services.schedule(store, registry, "busy", ["web"], [FIRST, LATER], now=T0)
    with pytest.raises(errors.ScheduleConflict, match=str(second)):
        services.reschedule(store, registry, first, LATER, now=T0)
    with pytest.raises(errors.ScheduleError, match="past"):
        services.reschedule(store, registry, first, T0 - timedelta(hours=1), now=T0)
    assert {v.state for v in _by_id(store, "busy").values()} == {"scheduled"}
    assert len(_by_id(store, "busy")) == 2
