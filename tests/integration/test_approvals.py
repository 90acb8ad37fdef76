"""The two-person rule in the services, whatever the entry point: a revision goes out only once
someone other than its author approved it; the dispatcher and the worker refuse anything else,
whatever a row says; an admin's urgent publication is recorded with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from publisher import errors, services
from publisher.bootstrap import Registry, build_registry
from publisher.domain.approval import ApprovalKind
from publisher.services.accounts import add_user
from publisher.settings import Settings
from publisher.store import Store
from publisher.store.models import AppealRow, DeliveryRow
from publisher.testing import FakeChannel, FixedClock
from tests.integration.db_fixtures import sample_appeal
from tests.support.approving import approve_current

T0 = datetime(2020, 10, 25, 6, 0, tzinfo=UTC)


@pytest.fixture()
def social() -> FakeChannel:
    return FakeChannel("x", False, posts=True)


@pytest.fixture()
def registry(tmp_path: Path, social: FakeChannel) -> Registry:
    settings = Settings(data_dir=tmp_path / "var", output_dir=tmp_path / "site")
    return build_registry(settings, extra={"x": lambda s: social})


def run_due(store: Store, registry: Registry, clock: FixedClock) -> dict[int, str]:
    return {
        d: services.publish_delivery(store, registry, d, clock=clock)
        for d in services.dispatch_due(store, now=clock())
    }


def test_nobody_approves_their_own_revision_and_only_approvers_approve(
    store: Store, registry: Registry
) -> None:
    ann = add_user(store, "ann", ["author"], now=T0)
    bob = add_user(store, "bob", ["approver"], now=T0)
    carla = add_user(store, "carla", ["author", "approver"], now=T0)
    root = add_user(store, "root", ["admin"], now=T0)
    services.import_appeal(store, sample_appeal("two-people"), actor="carla", now=T0)

    with pytest.raises(errors.Forbidden, match="carla wrote this revision") as own:
        services.approve(store, registry, "two-people", user=carla, now=T0)
    assert own.value.exit_code == 8
    with pytest.raises(errors.Forbidden, match="approver role"):
        services.approve(store, registry, "two-people", user=ann, now=T0)
    assert services.approval_status(store, "two-people").waiting
    standing = services.approval_status(store, "two-people")
    assert not standing.may_approve(carla) and not standing.may_approve(ann)
    assert standing.may_approve(bob) and standing.may_approve(root)

    done = services.approve(store, registry, "two-people", user=bob, revision=1, now=T0)
    assert (done.revision, done.newly, done.approval.kind) == (1, True, ApprovalKind.APPROVED)
    assert done.approval.approved_by == "bob"
    again = services.approve(store, registry, "two-people", user=root, now=T0)
    assert not again.newly and again.approval.approved_by == "bob"
    entries = services.audit_log(store, subject="appeal:two-people").entries
    assert [e.action for e in entries].count("approve") == 1

    # An admin is an approver, but not of their own revision either.
    services.import_appeal(store, sample_appeal("two-people", title="New"), actor="root", now=T0)
    with pytest.raises(errors.Forbidden, match="root wrote this revision"):
        services.approve(store, registry, "two-people", user=root, now=T0)
    # Nobody approves a text other than the one they read.
    with pytest.raises(errors.InvalidTransition, match="revision 2 is"):
        services.approve(store, registry, "two-people", user=bob, revision=1, now=T0)


def test_a_new_revision_needs_approval_again_and_the_approved_one_goes_out_meanwhile(
    store: Store, registry: Registry, social: FakeChannel, tmp_path: Path
) -> None:
    clock = FixedClock(T0)
    page = tmp_path / "site" / "news" / "again" / "index.html"
    services.import_appeal(store, sample_appeal("again"), actor="ann", now=clock())
    with pytest.raises(errors.NotApproved, match="not approved yet") as refused:
        services.publish_now(store, registry, "again", ["web", "x"], now=clock())
    assert refused.value.exit_code == 4
    approve_current(store, "again", registry=registry, now=clock())
    services.publish_now(store, registry, "again", ["web"], now=clock())
    [later] = services.schedule(
        store, registry, "again", ["x"], [T0 + timedelta(hours=2)], now=clock()
    )
    assert set(run_due(store, registry, clock).values()) == {"published"}

    clock.advance(hours=1)
    draft = sample_appeal("again", title="<b>Draft</b> nobody has approved")
    assert services.update_appeal(store, draft, registry, actor="ann", now=clock()) == 2
    with pytest.raises(errors.NotApproved, match="revision 1 is the one that goes out"):
        services.schedule(store, registry, "again", ["x"], [T0 + timedelta(hours=5)], now=clock())
    assert run_due(store, registry, clock) == {}  # no republication of an unapproved draft
    assert "Draft" not in page.read_text()

    # The post scheduled earlier goes out with the approved revision, not the draft.
    clock.advance(hours=1)
    assert run_due(store, registry, clock) == {later: "published"}
    assert social.published_appeals == [("again", 1)]

    # Approved, the new revision republishes the page at once.
    done = approve_current(store, "again", registry=registry, now=clock())
    assert done.deliveries
    assert set(run_due(store, registry, clock).values()) == {"published"}
    assert "&lt;b&gt;Draft&lt;/b&gt; nobody has approved" in page.read_text()


def test_the_dispatcher_and_the_worker_refuse_an_unapproved_revision_whatever_a_row_says(
    store: Store, registry: Registry, social: FakeChannel
) -> None:
    services.import_appeal(store, sample_appeal("sneaky"), actor="ann", now=T0)
    approve_current(store, "sneaky", registry=registry, now=T0)
    [row_id] = services.publish_now(store, registry, "sneaky", ["x"], now=T0)
    services.import_appeal(store, sample_appeal("sneaky", title="Unapproved"), now=T0)
    with store.session() as session:
        # A row that says it sends the unapproved revision 2, and an appeal whose approval is
        # gone: as if written by hand or by a bug.
        session.execute(update(DeliveryRow).where(DeliveryRow.id == row_id).values(revision=2))
    assert services.dispatch_due(store, now=T0 + timedelta(minutes=1)) == []
    assert services.list_deliveries(store, appeal_id="sneaky", now=T0)[0].state == "scheduled"

    with store.session() as session:
        session.execute(update(DeliveryRow).where(DeliveryRow.id == row_id).values(state="claimed"))
    assert services.publish_delivery(store, registry, row_id, now=T0) == "failed"
    assert social.calls == []
    [view] = services.list_deliveries(store, appeal_id="sneaky", now=T0)
    assert view.last_error is not None and "not approved" in view.last_error

    # Nothing approved at all: never claimed either.
    services.import_appeal(store, sample_appeal("never"), now=T0)
    with store.session() as session:
        assert session.get(AppealRow, "never").live_revision is None  # type: ignore[union-attr]
    with pytest.raises(errors.NotApproved):
        services.publish_now(store, registry, "never", ["x"], now=T0)


def test_an_admin_publishes_urgently_with_a_reason_audited_and_shown(
    store: Store, registry: Registry, social: FakeChannel
) -> None:
    root = add_user(store, "root", ["admin"], now=T0)
    bob = add_user(store, "bob", ["approver"], now=T0)
    services.import_appeal(store, sample_appeal("child"), actor="root", now=T0)
    with pytest.raises(errors.Forbidden, match="admin role"):
        services.approve_urgently(
            store, registry, "child", user=bob, reason="Missing child, high risk", now=T0
        )
    with pytest.raises(errors.RecordInvalid, match="say why") as short:
        services.approve_urgently(store, registry, "child", user=root, reason="  now ", now=T0)
    assert short.value.problem.field == "reason"
    assert services.approval_status(store, "child").waiting

    done = services.approve_urgently(
        store, registry, "child", user=root, reason=" Missing child,  high risk ", now=T0
    )
    assert done.approval.kind is ApprovalKind.URGENT
    assert done.approval.reason == "Missing child, high risk"
    standing = services.approval_status(store, "child")
    assert standing.approval == done.approval and standing.live == 1
    [entry] = [
        e
        for e in services.audit_log(store, subject="appeal:child").entries
        if "approve" in e.action
    ]
    assert (entry.action, entry.actor) == ("approve-urgent", "root")
    assert entry.detail is not None and entry.detail["reason"] == "Missing child, high risk"
    services.publish_now(store, registry, "child", ["x"], now=T0)
    assert set(run_due(store, registry, FixedClock(T0)).values()) == {"published"}
    assert social.published_appeals == [("child", 1)]


def test_resolving_and_withdrawing_never_wait_and_never_publish_a_draft(
    store: Store, registry: Registry, tmp_path: Path
) -> None:
    clock = FixedClock(T0)
    page = tmp_path / "site" / "news" / "found" / "index.html"
    services.import_appeal(store, sample_appeal("found"), actor="ann", now=clock())
    approve_current(store, "found", registry=registry, now=clock())
    services.publish_now(store, registry, "found", ["web"], now=clock())
    run_due(store, registry, clock)
    draft = sample_appeal("found", title="Unreviewed draft")
    services.update_appeal(store, draft, registry, actor="ann", now=clock())

    clock.advance(hours=1)
    number = services.resolve_appeal(
        store, "found", "Sam has been found.", registry, actor="ann", now=clock()
    )
    standing = services.approval_status(store, "found")
    assert (number, standing.live, standing.current) == (3, 3, 3)
    assert standing.approval is not None and standing.approval.kind is ApprovalKind.RESOLUTION
    assert set(run_due(store, registry, clock).values()) == {"published"}
    text = page.read_text()
    assert "Sam has been found." in text and "Unreviewed draft" not in text

    services.update_appeal(store, sample_appeal("found", title="Another draft"), registry, now=T0)
    services.withdraw_appeal(store, "found", registry, actor="ann", now=clock())
    standing = services.approval_status(store, "found")
    assert standing.approval is not None and standing.approval.kind is ApprovalKind.WITHDRAWAL
    assert set(run_due(store, registry, clock).values()) == {"published"}
    assert not page.exists()


def test_publish_everywhere_leaves_unapproved_appeals_waiting(
    store: Store, registry: Registry
) -> None:
    [waiting] = services.publish_everywhere(store, registry, [sample_appeal("quick")], now=T0)
    assert waiting.waiting and waiting.deliveries == ()
    assert services.list_deliveries(store, appeal_id="quick", now=T0) == []
    [done] = services.publish_everywhere(
        store, registry, [sample_appeal("quick")], approved_by="command line (ops)", now=T0
    )
    assert not done.waiting and set(done.channels) == set(registry.names)
    standing = services.approval_status(store, "quick")
    assert standing.approval is not None
    assert standing.approval.kind is ApprovalKind.COMMAND_LINE
    assert standing.approval.approved_by == "command line (ops)"
